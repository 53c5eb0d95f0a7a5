// SPDX-License-Identifier: GPL-2.0-only
/*
 * Netlink handlers of exports: export-add, export-del, export-get,
 * export-connect and export-set, and the export-change-ntf event. Attribute types and bounds
 * are checked by the generated policy; what it cannot say (the name's
 * character set, the backing file's kind) is checked here and in export.c,
 * each refusal explained through extack.
 *
 * Handlers run in parallel (parallel_ops); export.c serialises them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/uuid.h>
#include <net/genetlink.h>
#include "netlink.h"
#include "sock.h"
#include "tls.h"
#include "export.h"

/* The policy checks DST_A_SESSION's length: exact-len 16 in the spec. */
static_assert(DST_SESSION_LEN == 16);

/* DST_A_EXPORT_NAME, required and valid; NULL with extack set otherwise. */
static const char *dst_nl_export_name(struct genl_info *info)
{
	struct nlattr *attr = info->attrs[DST_A_EXPORT_NAME];
	const char *name;

	if (GENL_REQ_ATTR_CHECK(info, DST_A_EXPORT_NAME))
		return NULL;
	/* NLA_NUL_STRING: the policy checked the NUL and the length. */
	name = nla_data(attr);
	if (!dst_export_name_valid(name)) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "export name must be 1 to 64 of A-Z a-z 0-9 . _ -");
		NL_SET_BAD_ATTR(info->extack, attr);
		return NULL;
	}
	return name;
}

/* The export named in the request, in the caller's netns, referenced. */
static struct dst_export *dst_nl_find_export(struct genl_info *info)
{
	struct dst_export *exp;
	const char *name;

	name = dst_nl_export_name(info);
	if (!name)
		return ERR_PTR(-EINVAL);
	exp = dst_export_find(genl_info_net(info), name);
	if (!exp) {
		NL_SET_ERR_MSG_MOD(info->extack, "no such export");
		NL_SET_BAD_ATTR(info->extack, info->attrs[DST_A_EXPORT_NAME]);
		return ERR_PTR(-ENOENT);
	}
	return exp;
}

/* The string attribute @type of the request, or NULL; policy-checked. */
static const char *dst_nl_string(struct genl_info *info, int type)
{
	return info->attrs[type] ? nla_data(info->attrs[type]) : NULL;
}

/*
 * The server's certificate, its key and the clients' CA, for dstd: all three
 * or none. Whom the export admits, with TLS or not.
 */
static int dst_nl_export_access(struct genl_info *info, struct dst_export_cfg *cfg)
{
	struct nlattr **a = info->attrs;

	cfg->tls_required = nla_get_flag(a[DST_A_TLS_REQUIRED]);
	cfg->cert_path = dst_nl_string(info, DST_A_CERT_PATH);
	cfg->key_path = dst_nl_string(info, DST_A_KEY_PATH);
	cfg->ca_path = dst_nl_string(info, DST_A_CA_PATH);
	if (!cfg->cert_path != !cfg->key_path || !cfg->cert_path != !cfg->ca_path) {
		NL_SET_ERR_MSG_MOD(info->extack, "certificate, key and CA go together");
		return -EINVAL;
	}
	if (cfg->cert_path && !cfg->tls_required) {
		NL_SET_ERR_MSG_MOD(info->extack, "an export with a certificate requires TLS");
		return -EINVAL;
	}
	cfg->access = dst_exp_access_parse(info);
	if (IS_ERR(cfg->access))
		return PTR_ERR(cfg->access);
	return 0;
}

int dst_nl_export_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct dst_export_cfg cfg = {};
	uuid_t uuid;
	int err;

	err = dst_nl_capable(skb, info);
	if (err)
		return err;
	cfg.name = dst_nl_export_name(info);
	if (!cfg.name)
		return -EINVAL;
	if (GENL_REQ_ATTR_CHECK(info, DST_A_BACKING_FD))
		return -EINVAL;
	err = dst_nl_export_access(info, &cfg);
	if (err)
		return err;
	cfg.name_attr = a[DST_A_EXPORT_NAME];
	cfg.fd_attr = a[DST_A_BACKING_FD];
	cfg.backing_fd = nla_get_u32(a[DST_A_BACKING_FD]);
	if (a[DST_A_BACKING_PATH])
		cfg.backing_path = nla_data(a[DST_A_BACKING_PATH]);
	if (a[DST_A_LISTEN])
		cfg.listen = nla_data(a[DST_A_LISTEN]);
	if (a[DST_A_UUID]) {
		/* Exact length by policy. */
		memcpy(&uuid, nla_data(a[DST_A_UUID]), sizeof(uuid));
		cfg.uuid = &uuid;
	}
	cfg.read_only = nla_get_flag(a[DST_A_READ_ONLY]);
	return dst_export_add(genl_info_net(info), &cfg, info->extack);
}

int dst_nl_export_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dst_export *exp;
	int err;

	err = dst_nl_capable(skb, info);
	if (err)
		return err;
	exp = dst_nl_find_export(info);
	if (IS_ERR(exp))
		return PTR_ERR(exp);
	err = dst_export_del(exp);
	if (err) {
		NL_SET_ERR_MSG_MOD(info->extack, "export is already being removed");
		NL_SET_BAD_ATTR(info->extack, info->attrs[DST_A_EXPORT_NAME]);
	}
	dst_export_put(exp);
	return err;
}

int dst_nl_export_connect_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dst_export_client client = {
		.csum = DST_CSUM_NONE,
		.generation = 1,
	};
	struct nlattr **a = info->attrs;
	struct dst_export *exp;
	struct socket *sock;
	bool check;
	int err;

	err = dst_nl_capable(skb, info);
	if (err)
		return err;
	if (GENL_REQ_ATTR_CHECK(info, DST_A_SOCK_FD))
		return -EINVAL;
	/* Bounded by policy to the checksum enum. */
	if (a[DST_A_CSUM])
		client.csum = nla_get_u32(a[DST_A_CSUM]);
	/* Exactly DST_SESSION_LEN bytes by policy; absent: no session. */
	if (a[DST_A_SESSION])
		memcpy(client.session, nla_data(a[DST_A_SESSION]), sizeof(client.session));
	/* At least 1 by policy. */
	if (a[DST_A_GENERATION])
		client.generation = nla_get_u32(a[DST_A_GENERATION]);
	/* NUL-terminated and at most DST_IDENTITY_MAX by policy. */
	if (a[DST_A_IDENTITY])
		strscpy(client.identity, nla_data(a[DST_A_IDENTITY]), sizeof(client.identity));
	client.read_only = nla_get_flag(a[DST_A_READ_ONLY]);
	if (a[DST_A_FEATURES])
		client.features = nla_get_u32(a[DST_A_FEATURES]);
	if (client.features & ~DST_FEAT_RESIZE) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[DST_A_FEATURES],
				    "only protocol features: resize");
		return -EINVAL;
	}
	if (a[DST_A_SIZE])
		client.size = nla_get_u64(a[DST_A_SIZE]);
	exp = dst_nl_find_export(info);
	if (IS_ERR(exp))
		return PTR_ERR(exp);
	sock = dst_sock_get(nla_get_u32(info->attrs[DST_A_SOCK_FD]), genl_info_net(info),
			    info->extack);
	if (IS_ERR(sock)) {
		NL_SET_BAD_ATTR(info->extack, info->attrs[DST_A_SOCK_FD]);
		err = PTR_ERR(sock);
		goto put_exp;
	}
	check = nla_get_flag(a[DST_A_CHECK]);
	err = dst_export_connect(exp, sock, &client, check, info->extack);
	/* A newer generation of the session connected: ours is too old. */
	if (err == -ESTALE)
		NL_SET_BAD_ATTR(info->extack, a[DST_A_GENERATION] ?: a[DST_A_SESSION]);
	if (err || check)
		dst_sock_put(sock);
put_exp:
	dst_export_put(exp);
	return err;
}

int dst_nl_export_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dst_exp_access *access;
	struct dst_export *exp;
	int err;

	err = dst_nl_capable(skb, info);
	if (err)
		return err;
	exp = dst_nl_find_export(info);
	if (IS_ERR(exp))
		return PTR_ERR(exp);
	access = dst_exp_access_parse(info);
	if (IS_ERR(access)) {
		err = PTR_ERR(access);
	} else {
		dst_export_set_access(exp, access);
		pr_info("export %s: %u identities, %u address prefixes admitted now\n", exp->name,
			access->nr_allow, access->nr_from);
	}
	dst_export_put(exp);
	return err;
}

int dst_nl_export_resize_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dst_export *exp;
	struct sk_buff *reply;
	void *hdr;
	u64 size;
	int err;

	err = dst_nl_capable(skb, info);
	if (err)
		return err;
	size = info->attrs[DST_A_SIZE] ? nla_get_u64(info->attrs[DST_A_SIZE]) : 0;
	if (info->attrs[DST_A_SIZE] && !size) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DST_A_SIZE], "size must not be 0");
		return -EINVAL;
	}
	reply = genlmsg_new(nla_total_size_64bit(sizeof(u64)), GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	exp = dst_nl_find_export(info);
	if (IS_ERR(exp)) {
		nlmsg_free(reply);
		return PTR_ERR(exp);
	}
	err = dst_export_resize(exp, &size, info->extack);
	dst_export_put(exp);
	hdr = genlmsg_put_reply(reply, info, &dst_nl_family, 0, DST_CMD_EXPORT_RESIZE);
	if (!err && (!hdr || nla_put_u64_64bit(reply, DST_A_SIZE, size, DST_A_PAD)))
		err = -EMSGSIZE;
	if (err) {
		nlmsg_free(reply);
		return err;
	}
	genlmsg_end(reply, hdr);
	return genlmsg_reply(reply, info);
}

/* One client connection, for export-get. exp->lock held. */
static int dst_nl_fill_export_conn(struct sk_buff *skb, struct dst_export_conn *conn)
{
	struct nlattr *nest = nla_nest_start(skb, DST_A_CONN);

	if (!nest ||
	    nla_put_u32(skb, DST_A_CONN_GENERATION, conn->generation) ||
	    nla_put_string(skb, DST_A_CONN_PEER, conn->peer) ||
	    (conn->identity[0] && nla_put_string(skb, DST_A_CONN_IDENTITY, conn->identity)) ||
	    nla_put_u32(skb, DST_A_CONN_TLS_VERSION, conn->tls.version) ||
	    nla_put_u32(skb, DST_A_CONN_TLS_CIPHER, conn->tls.cipher) ||
	    (conn->read_only && nla_put_flag(skb, DST_A_CONN_READ_ONLY)) ||
	    nla_put_u64_64bit(skb, DST_A_CONN_RECORDS, dst_tls_records(conn->sock), DST_A_CONN_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * Whom the export admits and, for export-get of one export (@conns), its
 * connections: one message has room for them all then (dst_nl_export_size()).
 */
static int dst_nl_fill_export_access(struct sk_buff *skb, struct dst_export *exp, bool conns)
{
	struct dst_export_conn *conn;
	int err = 0;

	mutex_lock(&exp->lock);
	if ((exp->tls_required && nla_put_flag(skb, DST_A_TLS_REQUIRED)) ||
	    (exp->cert_path && nla_put_string(skb, DST_A_CERT_PATH, exp->cert_path)) ||
	    (exp->key_path && nla_put_string(skb, DST_A_KEY_PATH, exp->key_path)) ||
	    (exp->ca_path && nla_put_string(skb, DST_A_CA_PATH, exp->ca_path)) ||
	    dst_exp_access_fill(skb, exp))
		err = -EMSGSIZE;
	/* Connections still holding their socket: a reaped one may have none. */
	list_for_each_entry(conn, &exp->conns, node) {
		if (err || !conns)
			break;
		if (conn->sock)
			err = dst_nl_fill_export_conn(skb, conn);
	}
	mutex_unlock(&exp->lock);
	return err;
}

static int dst_nl_fill_export(struct sk_buff *skb, struct dst_export *exp, bool conns)
{
	if (nla_put_string(skb, DST_A_EXPORT_NAME, exp->name) ||
	    nla_put_u64_64bit(skb, DST_A_SIZE, READ_ONCE(exp->size), DST_A_PAD) ||
	    nla_put_u32(skb, DST_A_LOGICAL_BS, exp->logical_bs) ||
	    nla_put_u32(skb, DST_A_PHYSICAL_BS, exp->physical_bs) ||
	    nla_put_u32(skb, DST_A_MAX_XFER, exp->max_xfer) ||
	    dst_nl_put_geometry(skb, &exp->geometry) ||
	    nla_put_u32(skb, DST_A_FEATURES, exp->features) ||
	    nla_put(skb, DST_A_UUID, sizeof(exp->uuid), &exp->uuid) ||
	    (exp->listen && nla_put_string(skb, DST_A_LISTEN, exp->listen)) ||
	    (exp->backing_path && nla_put_string(skb, DST_A_BACKING_PATH, exp->backing_path)) ||
	    nla_put_u32(skb, DST_A_CLIENTS, READ_ONCE(exp->nr_clients)) ||
	    nla_put_u32(skb, DST_A_EXPORT_STATE, READ_ONCE(exp->state)) ||
	    nla_put_u64_64bit(skb, DST_A_DATA_BYTES, dst_export_data_bytes(exp), DST_A_PAD))
		return -EMSGSIZE;
	return dst_nl_fill_export_access(skb, exp, conns);
}

/* Room for export-get of @exp with its connections, generously. */
static size_t dst_nl_export_size(struct dst_export *exp)
{
	return DST_NL_MSG_SIZE + READ_ONCE(exp->nr_clients) * nla_total_size(256);
}

int dst_nl_export_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dst_export *exp;
	struct sk_buff *msg;
	void *hdr;
	int err;

	exp = dst_nl_find_export(info);
	if (IS_ERR(exp))
		return PTR_ERR(exp);
	err = -ENOMEM;
	msg = genlmsg_new(dst_nl_export_size(exp), GFP_KERNEL);
	if (!msg)
		goto put_exp;
	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &dst_nl_family, 0, DST_CMD_EXPORT_GET);
	if (!hdr)
		goto free_msg;
	err = dst_nl_fill_export(msg, exp, true);
	if (err)
		goto free_msg;
	genlmsg_end(msg, hdr);
	dst_export_put(exp);
	return genlmsg_reply(msg, info);

free_msg:
	nlmsg_free(msg);
put_exp:
	dst_export_put(exp);
	return err;
}

struct dst_nl_dump_ctx {
	struct sk_buff *skb;
	struct netlink_callback *cb;
};

/* One message per export; -EMSGSIZE leaves none of it behind. */
static int dst_nl_dump_export(struct dst_export *exp, void *arg)
{
	struct dst_nl_dump_ctx *ctx = arg;
	struct netlink_callback *cb = ctx->cb;
	void *hdr;

	hdr = genlmsg_put(ctx->skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &dst_nl_family, NLM_F_MULTI, DST_CMD_EXPORT_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	/* Without the connections: ask for one export to see them. */
	if (dst_nl_fill_export(ctx->skb, exp, false)) {
		genlmsg_cancel(ctx->skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(ctx->skb, hdr);
	return 0;
}

/* cb->args[0]: how many exports of this netns were dumped already. */
int dst_nl_export_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct dst_nl_dump_ctx ctx = { .skb = skb, .cb = cb };
	unsigned long pos = cb->args[0];
	int err;

	/* Sets cb->seq, for genl_dump_check_consistent(), before any message. */
	err = dst_export_for_each(sock_net(cb->skb->sk), &pos, &cb->seq,
				  dst_nl_dump_export, &ctx);
	cb->args[0] = pos;
	/* An export alone too big for an empty message would loop forever. */
	if (err == -EMSGSIZE && !skb->len)
		return err;
	return skb->len;
}

void dst_export_notify(struct dst_export *exp, u32 event, u32 clients,
		       const struct dst_export_conn *conn, const char *last_error)
{
	struct sk_buff *skb;
	void *hdr;

	skb = dst_nl_event_start(DST_CMD_EXPORT_CHANGE_NTF, &hdr);
	if (!skb)
		return;
	if (nla_put_string(skb, DST_A_EXPORT_NAME, exp->name) ||
	    nla_put_u32(skb, DST_A_EXPORT_EVENT, event) ||
	    nla_put_u32(skb, DST_A_CLIENTS, clients) ||
	    (conn && nla_put_string(skb, DST_A_PEER, conn->peer)) ||
	    (conn && conn->identity[0] && nla_put_string(skb, DST_A_IDENTITY, conn->identity)) ||
	    (last_error && nla_put_string(skb, DST_A_LAST_ERROR, last_error))) {
		nlmsg_free(skb);
		return;
	}
	dst_nl_event_send(exp->net, skb, hdr);
}
