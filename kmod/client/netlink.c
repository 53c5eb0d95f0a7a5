// SPDX-License-Identifier: GPL-2.0-only
/*
 * Netlink handlers of client devices: dev-add, dev-del, dev-connect, dev-set
 * and dev-get, and the dev-change-ntf event (with the uevent that goes with
 * it). Devices are serialised by dst_devs_mutex.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kobject.h>
#include <linux/sched/mm.h>
#include <linux/uuid.h>
#include <net/net_namespace.h>
#include "netlink.h"
#include "sock.h"
#include "client.h"

static unsigned int dst_devs_generation;	/* for consistent dumps; dst_devs_mutex */

static int dst_nl_copy_string(char *dst, size_t size, struct genl_info *info, int attr)
{
	if (!info->attrs[attr]) {
		dst[0] = '\0';
		return 0;
	}
	if (nla_strscpy(dst, info->attrs[attr], size) < 0) {
		NL_SET_BAD_ATTR(info->extack, info->attrs[attr]);
		return -EINVAL;
	}
	return 0;
}

/* Override @t with the tunables the request carries (policy-checked). */
static void dst_nl_get_tunables(struct genl_info *info, struct dst_dev_tunables *t)
{
	struct nlattr **a = info->attrs;

	if (a[DST_A_IO_TIMEOUT])
		t->io_timeout = nla_get_u32(a[DST_A_IO_TIMEOUT]);
	if (a[DST_A_PING_INTERVAL])
		t->ping_interval = nla_get_u32(a[DST_A_PING_INTERVAL]);
	if (a[DST_A_RECONNECT_DELAY])
		t->reconnect_delay = nla_get_u32(a[DST_A_RECONNECT_DELAY]);
	if (a[DST_A_RECONNECT_DELAY_MAX])
		t->reconnect_delay_max = nla_get_u32(a[DST_A_RECONNECT_DELAY_MAX]);
	if (a[DST_A_RECONNECT_GIVE_UP])
		t->reconnect_give_up = nla_get_u32(a[DST_A_RECONNECT_GIVE_UP]);
	if (a[DST_A_REKEY_RECORDS])
		t->rekey_records = nla_get_u32(a[DST_A_REKEY_RECORDS]);
}

/* The string attribute @type of the request, or NULL; policy-checked. */
static const char *dst_nl_string(struct genl_info *info, int type)
{
	return info->attrs[type] ? nla_data(info->attrs[type]) : NULL;
}

/*
 * How the device authenticates, for status and dstd: the identity and the
 * files dstd reads to reconnect (a PSK key file, or a certificate, its key,
 * the CA and the server's name, all four). Pointers into the request.
 */
static int dst_nl_dev_auth(struct genl_info *info, struct dst_dev_auth *auth)
{
	memset(auth, 0, sizeof(*auth));
	if (info->attrs[DST_A_IDENTITY])
		nla_strscpy(auth->identity, info->attrs[DST_A_IDENTITY], sizeof(auth->identity));
	auth->key_path = dst_nl_string(info, DST_A_KEY_PATH);
	auth->cert_path = dst_nl_string(info, DST_A_CERT_PATH);
	auth->ca_path = dst_nl_string(info, DST_A_CA_PATH);
	auth->server_name = dst_nl_string(info, DST_A_SERVER_NAME);
	if (auth->cert_path && (!auth->key_path || !auth->ca_path || !auth->server_name)) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "a certificate goes with its key, the CA and the server's name");
		return -EINVAL;
	}
	if ((auth->ca_path || auth->server_name) && !auth->cert_path) {
		NL_SET_ERR_MSG_MOD(info->extack, "a CA or a server name goes with a certificate");
		return -EINVAL;
	}
	return 0;
}

static int dst_nl_dev_params(struct genl_info *info, struct dst_dev_params *p)
{
	struct nlattr **a = info->attrs;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, DST_A_SOCK_FD) ||
	    GENL_REQ_ATTR_CHECK(info, DST_A_SIZE) ||
	    GENL_REQ_ATTR_CHECK(info, DST_A_LOGICAL_BS) ||
	    GENL_REQ_ATTR_CHECK(info, DST_A_PHYSICAL_BS) ||
	    GENL_REQ_ATTR_CHECK(info, DST_A_MAX_XFER) ||
	    GENL_REQ_ATTR_CHECK(info, DST_A_FEATURES) ||
	    GENL_REQ_ATTR_CHECK(info, DST_A_CSUM) ||
	    GENL_REQ_ATTR_CHECK(info, DST_A_SESSION))
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->index = a[DST_A_DEV_INDEX] ? nla_get_u32(a[DST_A_DEV_INDEX]) : -1;
	p->size = nla_get_u64(a[DST_A_SIZE]);
	p->logical_bs = nla_get_u32(a[DST_A_LOGICAL_BS]);
	p->physical_bs = nla_get_u32(a[DST_A_PHYSICAL_BS]);
	p->max_xfer = nla_get_u32(a[DST_A_MAX_XFER]);
	p->features = nla_get_u32(a[DST_A_FEATURES]);
	p->csum = nla_get_u32(a[DST_A_CSUM]);
	if (a[DST_A_UUID])
		memcpy(&p->uuid, nla_data(a[DST_A_UUID]), sizeof(p->uuid));
	/*
	 * The server fences a reconnect's resends by session: without one, a
	 * resent write could land before a stale copy of itself.
	 */
	memcpy(p->session, nla_data(a[DST_A_SESSION]), sizeof(p->session));
	if (!memchr_inv(p->session, 0, sizeof(p->session))) {
		NL_SET_ERR_MSG_MOD(info->extack, "session must not be all zeroes");
		NL_SET_BAD_ATTR(info->extack, a[DST_A_SESSION]);
		return -EINVAL;
	}
	p->generation = a[DST_A_GENERATION] ? nla_get_u32(a[DST_A_GENERATION]) : 1;
	p->conn_count = a[DST_A_CONN_COUNT] ? nla_get_u32(a[DST_A_CONN_COUNT]) : 1;
	dst_nl_get_geometry(a, &p->geometry);
	p->tunables = (struct dst_dev_tunables) {
		.io_timeout = DST_IO_TIMEOUT_DEFAULT_MS,
		.ping_interval = DST_PING_INTERVAL_DEFAULT_MS,
		.reconnect_delay = DST_RECONNECT_DELAY_DEFAULT_MS,
		.reconnect_delay_max = DST_RECONNECT_DELAY_MAX_DEFAULT_MS,
		.reconnect_give_up = DST_TIMEOUT_FOREVER,
		.rekey_records = DST_TLS_REKEY_RECORDS,
	};
	dst_nl_get_tunables(info, &p->tunables);
	err = dst_dev_check_tunables(&p->tunables, info->extack);
	if (!err)
		err = dst_nl_copy_string(p->export_name, sizeof(p->export_name), info,
					 DST_A_EXPORT_NAME);
	if (!err)
		err = dst_nl_copy_string(p->remote, sizeof(p->remote), info, DST_A_REMOTE);
	return err;
}

int dst_nl_dev_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dst_dev_params params;
	struct dst_dev_auth auth;
	struct dst_device *dev;
	struct socket *sock;
	struct sk_buff *msg;
	void *hdr;
	int err;

	err = dst_nl_capable(skb, info);
	if (!err)
		err = dst_nl_dev_params(info, &params);
	if (!err)
		err = dst_nl_dev_auth(info, &auth);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &dst_nl_family, 0, DST_CMD_DEV_ADD);
	if (!hdr) {
		err = -EMSGSIZE;
		goto free_msg;
	}
	sock = dst_sock_get(nla_get_u32(info->attrs[DST_A_SOCK_FD]), genl_info_net(info),
			    info->extack);
	if (IS_ERR(sock)) {
		NL_SET_BAD_ATTR(info->extack, info->attrs[DST_A_SOCK_FD]);
		err = PTR_ERR(sock);
		goto free_msg;
	}
	mutex_lock(&dst_devs_mutex);
	dev = dst_dev_create(&params, &auth, sock, genl_info_net(info), info->extack);
	if (IS_ERR(dev)) {
		err = PTR_ERR(dev);
		if (err == -EEXIST)
			NL_SET_BAD_ATTR(info->extack, info->attrs[DST_A_DEV_INDEX]);
		goto unlock;
	}
	err = dst_dev_add_disk(dev, info->extack);
	/* Fill the reply first: the device must not exist unreported. */
	if (!err)
		err = nla_put_u32(msg, DST_A_DEV_INDEX, dev->index);
	if (err) {
		dst_dev_remove(dev, true, NULL);
		goto unlock;
	}
	dst_dev_announce(dev);
	dst_devs_generation++;
	mutex_unlock(&dst_devs_mutex);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

unlock:
	mutex_unlock(&dst_devs_mutex);
free_msg:
	nlmsg_free(msg);
	return err;
}

/*
 * Find the device named by DST_A_DEV_INDEX, in the caller's namespace;
 * dst_devs_mutex held.
 */
static struct dst_device *dst_nl_find_dev(struct genl_info *info)
{
	struct dst_device *dev;

	if (GENL_REQ_ATTR_CHECK(info, DST_A_DEV_INDEX))
		return ERR_PTR(-EINVAL);
	dev = dst_dev_find(nla_get_u32(info->attrs[DST_A_DEV_INDEX]));
	if (!dev || !net_eq(dev->net, genl_info_net(info))) {
		NL_SET_ERR_MSG_MOD(info->extack, "no such device");
		NL_SET_BAD_ATTR(info->extack, info->attrs[DST_A_DEV_INDEX]);
		return ERR_PTR(-ENODEV);
	}
	return dev;
}

int dst_nl_dev_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dst_device *dev;
	int err;

	err = dst_nl_capable(skb, info);
	if (err)
		return err;
	mutex_lock(&dst_devs_mutex);
	dev = dst_nl_find_dev(info);
	err = PTR_ERR_OR_ZERO(dev);
	if (!err)
		err = dst_dev_remove(dev, nla_get_flag(info->attrs[DST_A_FORCE]),
				     info->extack);
	if (!err)
		dst_devs_generation++;
	mutex_unlock(&dst_devs_mutex);
	return err;
}

int dst_nl_dev_connect_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dst_device *dev;
	struct socket *sock;
	u64 size;
	int err;

	err = dst_nl_capable(skb, info);
	if (err)
		return err;
	if (GENL_REQ_ATTR_CHECK(info, DST_A_SOCK_FD) ||
	    GENL_REQ_ATTR_CHECK(info, DST_A_GENERATION))
		return -EINVAL;
	mutex_lock(&dst_devs_mutex);
	dev = dst_nl_find_dev(info);
	err = PTR_ERR_OR_ZERO(dev);
	if (err)
		goto unlock;
	sock = dst_sock_get(nla_get_u32(info->attrs[DST_A_SOCK_FD]), genl_info_net(info),
			    info->extack);
	if (IS_ERR(sock)) {
		NL_SET_BAD_ATTR(info->extack, info->attrs[DST_A_SOCK_FD]);
		err = PTR_ERR(sock);
		goto unlock;
	}
	size = info->attrs[DST_A_SIZE] ? nla_get_u64(info->attrs[DST_A_SIZE]) : 0;
	err = dst_dev_connect(dev, sock, nla_get_u32(info->attrs[DST_A_GENERATION]), size,
			      info->extack);
unlock:
	mutex_unlock(&dst_devs_mutex);
	return err;
}

int dst_nl_dev_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	char why[DST_LAST_ERROR_MAX + 1];
	struct dst_dev_tunables t;
	struct nlattr **a = info->attrs;
	struct dst_device *dev;
	unsigned long flags;
	bool reconnecting = false;
	int err;

	err = dst_nl_capable(skb, info);
	if (err)
		return err;
	if (a[DST_A_STATE]) {
		/* Userspace only ever reports that it is reconnecting. */
		if (nla_get_u32(a[DST_A_STATE]) != DST_STATE_RECONNECTING) {
			NL_SET_ERR_MSG_MOD(info->extack, "only the reconnecting state can be set");
			NL_SET_BAD_ATTR(info->extack, a[DST_A_STATE]);
			return -EINVAL;
		}
		reconnecting = true;
	}
	/* A long reason is cut to what the device keeps. */
	if (a[DST_A_LAST_ERROR])
		nla_strscpy(why, a[DST_A_LAST_ERROR], sizeof(why));
	mutex_lock(&dst_devs_mutex);
	dev = dst_nl_find_dev(info);
	err = PTR_ERR_OR_ZERO(dev);
	if (err)
		goto unlock;
	spin_lock_irqsave(&dev->lock, flags);
	t = dev->tunables;
	spin_unlock_irqrestore(&dev->lock, flags);
	dst_nl_get_tunables(info, &t);
	err = dst_dev_check_tunables(&t, info->extack);
	if (err)
		goto unlock;
	dst_dev_set_tunables(dev, &t);
	if (reconnecting || a[DST_A_LAST_ERROR])
		dst_dev_report(dev, reconnecting, a[DST_A_LAST_ERROR] ? why : NULL);
unlock:
	mutex_unlock(&dst_devs_mutex);
	return err;
}

/* The counters dev-get carries, each an attribute. */
static const struct {
	int attr;
	size_t offset;
} dst_nl_stats[] = {
	{ DST_A_STAT_READS, offsetof(struct dst_stats, reads) },
	{ DST_A_STAT_WRITES, offsetof(struct dst_stats, writes) },
	{ DST_A_STAT_FLUSHES, offsetof(struct dst_stats, flushes) },
	{ DST_A_STAT_DISCARDS, offsetof(struct dst_stats, discards) },
	{ DST_A_STAT_WRITE_ZEROES, offsetof(struct dst_stats, write_zeroes) },
	{ DST_A_STAT_READ_BYTES, offsetof(struct dst_stats, read_bytes) },
	{ DST_A_STAT_WRITE_BYTES, offsetof(struct dst_stats, write_bytes) },
	{ DST_A_STAT_ERRORS, offsetof(struct dst_stats, errors) },
	{ DST_A_STAT_CSUM_ERRORS, offsetof(struct dst_stats, csum_errors) },
	{ DST_A_STAT_PROTOCOL_ERRORS, offsetof(struct dst_stats, protocol_errors) },
	{ DST_A_STAT_RECONNECTS, offsetof(struct dst_stats, reconnects) },
	{ DST_A_STAT_RESENDS, offsetof(struct dst_stats, resends) },
	{ DST_A_STAT_TIMEOUTS, offsetof(struct dst_stats, timeouts) },
	{ DST_A_STAT_REKEYS, offsetof(struct dst_stats, rekeys) },
	{ DST_A_STAT_TLS_ERRORS, offsetof(struct dst_stats, tls_errors) },
};

static int dst_nl_fill_stats(struct sk_buff *skb, struct dst_stats *stats)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dst_nl_stats); i++) {
		atomic64_t *v = (void *)stats + dst_nl_stats[i].offset;

		if (nla_put_u64_64bit(skb, dst_nl_stats[i].attr, atomic64_read(v), DST_A_PAD))
			return -EMSGSIZE;
	}
	return 0;
}

/* Microseconds of a round trip in ns, capped: over an hour is no RTT. */
static u32 dst_nl_rtt_us(u64 ns)
{
	return min_t(u64, div_u64(ns, NSEC_PER_USEC), U32_MAX);
}

/* One connection, dev->lock held (the PING round trips are under it). */
static int dst_nl_fill_conn(struct sk_buff *skb, struct dst_conn *conn)
{
	struct nlattr *nest = nla_nest_start(skb, DST_A_CONN);

	lockdep_assert_held(&conn->dev->lock);
	if (!nest ||
	    nla_put_u32(skb, DST_A_CONN_SLOT, conn->slot) ||
	    nla_put_u32(skb, DST_A_CONN_GENERATION, conn->generation) ||
	    nla_put_string(skb, DST_A_CONN_PEER, conn->peer) ||
	    nla_put_u32(skb, DST_A_CONN_TLS_VERSION, conn->tls.version) ||
	    nla_put_u32(skb, DST_A_CONN_TLS_CIPHER, conn->tls.cipher) ||
	    nla_put_u64_64bit(skb, DST_A_CONN_RECORDS, dst_tls_records(conn->sock), DST_A_CONN_PAD) ||
	    nla_put_u64_64bit(skb, DST_A_CONN_PINGS, conn->pings, DST_A_CONN_PAD))
		return -EMSGSIZE;
	/* No round trip before the first PING was answered. */
	if (conn->pings &&
	    (nla_put_u32(skb, DST_A_CONN_PING_RTT_US, dst_nl_rtt_us(conn->ping_rtt)) ||
	     nla_put_u32(skb, DST_A_CONN_PING_SRTT_US, dst_nl_rtt_us(conn->ping_srtt))))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * The live connections. Under dev->lock: a live connection's socket is
 * released only after it died, which takes the lock.
 */
static int dst_nl_fill_conns(struct sk_buff *skb, struct dst_device *dev)
{
	unsigned long flags;
	unsigned int i;
	int err = 0;

	spin_lock_irqsave(&dev->lock, flags);
	for (i = 0; i < DST_DEV_CONNS_MAX && !err; i++)
		if (dev->conns[i] && !dev->conns[i]->dead)
			err = dst_nl_fill_conn(skb, dev->conns[i]);
	spin_unlock_irqrestore(&dev->lock, flags);
	return err;
}

/* How the device authenticates; the files only for @privileged callers. */
static int dst_nl_fill_auth(struct sk_buff *skb, const struct dst_dev_auth *auth, bool privileged)
{
	if (auth->identity[0] && nla_put_string(skb, DST_A_IDENTITY, auth->identity))
		return -EMSGSIZE;
	if (!privileged)
		return 0;
	if ((auth->key_path && nla_put_string(skb, DST_A_KEY_PATH, auth->key_path)) ||
	    (auth->cert_path && nla_put_string(skb, DST_A_CERT_PATH, auth->cert_path)) ||
	    (auth->ca_path && nla_put_string(skb, DST_A_CA_PATH, auth->ca_path)) ||
	    (auth->server_name && nla_put_string(skb, DST_A_SERVER_NAME, auth->server_name)))
		return -EMSGSIZE;
	return 0;
}

/*
 * The session and the generation are what taking the device over would
 * need: only callers with CAP_SYS_ADMIN see them (@privileged).
 */
static int dst_nl_fill_dev(struct sk_buff *skb, struct dst_device *dev, bool privileged)
{
	const struct dst_dev_params *p = &dev->params;
	struct dst_dev_status st;

	dst_dev_status(dev, &st);
	if (nla_put_u32(skb, DST_A_DEV_INDEX, dev->index) ||
	    nla_put_u32(skb, DST_A_STATE, st.state) ||
	    nla_put_u64_64bit(skb, DST_A_SIZE, READ_ONCE(p->size), DST_A_PAD) ||
	    nla_put_u32(skb, DST_A_LOGICAL_BS, p->logical_bs) ||
	    nla_put_u32(skb, DST_A_PHYSICAL_BS, p->physical_bs) ||
	    nla_put_u32(skb, DST_A_MAX_XFER, p->max_xfer) ||
	    dst_nl_put_geometry(skb, &p->geometry) ||
	    nla_put_u32(skb, DST_A_FEATURES, p->features) ||
	    nla_put_u32(skb, DST_A_CSUM, p->csum) ||
	    nla_put(skb, DST_A_UUID, sizeof(p->uuid), &p->uuid) ||
	    nla_put_string(skb, DST_A_EXPORT_NAME, p->export_name) ||
	    nla_put_string(skb, DST_A_REMOTE, p->remote) ||
	    nla_put_u32(skb, DST_A_CONNECTIONS, st.nr_live) ||
	    nla_put_u32(skb, DST_A_INFLIGHT, st.inflight) ||
	    nla_put_string(skb, DST_A_LAST_ERROR, st.last_error) ||
	    (privileged && nla_put(skb, DST_A_SESSION, sizeof(p->session), p->session)) ||
	    (privileged && nla_put_u32(skb, DST_A_GENERATION, st.generation)) ||
	    nla_put_u32(skb, DST_A_IO_TIMEOUT, st.tunables.io_timeout) ||
	    nla_put_u32(skb, DST_A_PING_INTERVAL, st.tunables.ping_interval) ||
	    nla_put_u32(skb, DST_A_RECONNECT_DELAY, st.tunables.reconnect_delay) ||
	    nla_put_u32(skb, DST_A_RECONNECT_DELAY_MAX, st.tunables.reconnect_delay_max) ||
	    nla_put_u32(skb, DST_A_RECONNECT_GIVE_UP, st.tunables.reconnect_give_up) ||
	    nla_put_u64_64bit(skb, DST_A_DOWN_TIME, st.down_time, DST_A_PAD) ||
	    nla_put_u32(skb, DST_A_CONN_COUNT, p->conn_count) ||
	    nla_put_u32(skb, DST_A_EPOCH, st.epoch) ||
	    nla_put_u32(skb, DST_A_REKEY_RECORDS, st.tunables.rekey_records) ||
	    (st.rekey_due && nla_put_flag(skb, DST_A_REKEY_DUE)) ||
	    dst_nl_fill_auth(skb, &dev->auth, privileged) ||
	    dst_nl_fill_conns(skb, dev))
		return -EMSGSIZE;
	return dst_nl_fill_stats(skb, &dev->stats);
}

int dst_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dst_device *dev;
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(DST_NL_MSG_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&dst_devs_mutex);
	dev = dst_nl_find_dev(info);
	err = PTR_ERR_OR_ZERO(dev);
	if (err)
		goto unlock;
	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &dst_nl_family, 0, DST_CMD_DEV_GET);
	if (!hdr)
		goto unlock;
	err = dst_nl_fill_dev(msg, dev, netlink_capable(skb, CAP_SYS_ADMIN));
	if (!err)
		genlmsg_end(msg, hdr);
unlock:
	mutex_unlock(&dst_devs_mutex);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/*
 * cb->args[0]: the next device index to dump. A dump lists the devices made
 * in the caller's network namespace, whose events it also gets: a dstd finds
 * the devices it is responsible for.
 */
int dst_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	bool privileged = netlink_capable(cb->skb, CAP_SYS_ADMIN);
	struct net *net = sock_net(cb->skb->sk);
	struct dst_device *dev;
	int index = cb->args[0];
	void *hdr;

	mutex_lock(&dst_devs_mutex);
	cb->seq = dst_devs_generation;
	for (; (dev = dst_dev_next(&index)); index++) {
		if (!net_eq(dev->net, net))
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &dst_nl_family, NLM_F_MULTI, DST_CMD_DEV_GET);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (dst_nl_fill_dev(skb, dev, privileged)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	mutex_unlock(&dst_devs_mutex);
	cb->args[0] = index;
	return skb->len;
}

static void dst_dev_uevent(struct dst_device *dev, u32 state)
{
	char state_env[32], index_env[32];
	char *envp[3];

	envp[0] = state_env;
	envp[1] = index_env;
	envp[2] = NULL;
	snprintf(state_env, sizeof(state_env), "DST_STATE=%s", dst_state_name(state));
	snprintf(index_env, sizeof(index_env), "DST_INDEX=%d", dev->index);
	if (disk_live(dev->disk))
		kobject_uevent_env(&disk_to_dev(dev->disk)->kobj, KOBJ_CHANGE, envp);
}

void dst_dev_notify(struct dst_device *dev)
{
	struct dst_dev_status st;
	unsigned int noio;
	struct sk_buff *skb;
	unsigned long flags;
	struct net *net;
	void *hdr;

	/* Called where a connection died: nothing may wait for our own I/O. */
	noio = memalloc_noio_save();
	dst_dev_status(dev, &st);
	/* Not while the namespace exits: dst_dev_net_exit() moves us. */
	spin_lock_irqsave(&dev->lock, flags);
	net = maybe_get_net(dev->net);
	spin_unlock_irqrestore(&dev->lock, flags);

	dst_dev_uevent(dev, st.state);
	skb = net ? dst_nl_event_start(DST_CMD_DEV_CHANGE_NTF, &hdr) : NULL;
	if (skb && (nla_put_u32(skb, DST_A_DEV_INDEX, dev->index) ||
		    nla_put_u32(skb, DST_A_STATE, st.state) ||
		    nla_put_string(skb, DST_A_LAST_ERROR, st.last_error) ||
		    nla_put_u32(skb, DST_A_CONNECTIONS, st.nr_live) ||
		    nla_put_u32(skb, DST_A_CONN_COUNT, dev->params.conn_count) ||
		    (st.rekey_due && nla_put_flag(skb, DST_A_REKEY_DUE)))) {
		nlmsg_free(skb);
		skb = NULL;
	}
	if (skb)
		dst_nl_event_send(net, skb, hdr);
	if (net)
		put_net(net);
	memalloc_noio_restore(noio);
}
