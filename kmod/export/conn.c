// SPDX-License-Identifier: GPL-2.0-only
/*
 * Export connections: admission (state, limits, the session's generation),
 * fencing of older generations, and a connection's life from export-connect
 * to its reaper.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jhash.h>
#include <linux/kthread.h>
#include <linux/slab.h>
#include "sock.h"
#include "export.h"

/*
 * What peers may take from the server (Documentation/admin-guide.md,
 * "Limits"): connections, live and draining, per export, per client host
 * and export, and in all; and request data held by all connections.
 */
static unsigned int dst_max_conns = 1024;

module_param_named(max_conns, dst_max_conns, uint, 0644);

MODULE_PARM_DESC(max_conns, "connections of all exports together, at most");

static unsigned int dst_max_export_conns = 256;

module_param_named(max_export_conns, dst_max_export_conns, uint, 0644);

MODULE_PARM_DESC(max_export_conns, "connections of one export, at most");

/* A device's connections, and as many replacing them during a reconnect. */
static unsigned int dst_max_peer_conns = 32;

module_param_named(max_peer_conns, dst_max_peer_conns, uint, 0644);

MODULE_PARM_DESC(max_peer_conns, "connections of one client host to one export, at most");

static atomic_t dst_exp_nr_conns = ATOMIC_INIT(0);

/* What a socket error tells userspace about why a client left. */
static void dst_exp_sock_error(const struct dst_export_conn *conn, char *buf, size_t len,
			       int err)
{
	switch (err) {
	case -ECONNRESET:
	case -EPIPE:
		strscpy(buf, "connection closed by peer", len);
		break;
	case -ETIMEDOUT:
		strscpy(buf, "connection timed out", len);
		break;
	case -EBADMSG:
		strscpy(buf, "TLS record failed authentication", len);
		break;
	case -ENOMSG:
		strscpy(buf, dst_tls_control_why(conn->tls_control), len);
		break;
	case -EKEYEXPIRED:
		strscpy(buf, "TLS record limit reached", len);
		break;
	default:
		snprintf(buf, len, "socket error %d", err);
		break;
	}
}

/*
 * Take @conn out of service; idempotent, process context. The first caller's
 * @err and @why (NULL: a socket error, described after @err) are what the
 * reaper reports. The shutdown wakes RX from recvmsg and TX from sendmsg; the
 * reaper does the rest. False when @conn was dead already.
 */
bool dst_exp_conn_kill(struct dst_export_conn *conn, int err, const char *why)
{
	if (test_and_set_bit(DST_EXP_CONN_DEAD, &conn->flags))
		return false;
	conn->err = err;
	if (why)
		strscpy(conn->last_error, why, sizeof(conn->last_error));
	else
		dst_exp_sock_error(conn, conn->last_error, sizeof(conn->last_error), err);
	dst_sock_shutdown(conn->sock);
	/* RX may be waiting for budget, not in recvmsg. */
	wake_up(&conn->wait);
	/* Orders the writes above before the reaper's reads. */
	queue_work(conn->exp->wq, &conn->reap_work);
	return true;
}

bool dst_exp_conn_dead(struct dst_export_conn *conn)
{
	return test_bit(DST_EXP_CONN_DEAD, &conn->flags);
}

/*
 * Submit requests that waited for the fence, from several connections maybe;
 * those of a connection that died meanwhile are dropped instead. A connection
 * is not freed while one of its requests is pending, so each request keeps
 * its own alive until it is handed on.
 */
static void dst_exp_submit_held(struct list_head *list)
{
	struct dst_exp_req *req, *next;

	list_for_each_entry_safe(req, next, list, node) {
		list_del(&req->node);
		if (dst_exp_conn_dead(req->conn))
			dst_exp_req_done(req);
		else
			dst_exp_submit(req, false);
	}
}

static bool dst_exp_conn_idle(struct dst_export_conn *conn)
{
	bool idle;

	/* The lock pairs with dst_exp_req_done(): see there. */
	spin_lock_irq(&conn->lock);
	idle = !conn->nr_pending;
	spin_unlock_irq(&conn->lock);
	return idle;
}

static void dst_exp_conn_free(struct dst_export_conn *conn)
{
	dst_exp_cache_release(conn);
	if (conn->scratch)
		__free_page(conn->scratch);
	kfree(conn);
}

static bool dst_exp_same_session(const struct dst_export_conn *a,
				 const struct dst_export_conn *b)
{
	return !memcmp(a->session, b->session, sizeof(a->session));
}

struct dst_exp_session {
	struct hlist_node node;		/* on exp->sessions */
	struct list_head lru;		/* on exp->session_lru */
	u8 id[DST_SESSION_LEN];
	u32 generation;			/* the newest that connected */
};

static struct hlist_head *dst_exp_session_bucket(struct dst_export *exp, const u8 *id)
{
	/* The id is the client's choice: no order of its bytes is trusted. */
	return &exp->sessions[jhash(id, DST_SESSION_LEN, (u32)(uintptr_t)exp) %
			      ARRAY_SIZE(exp->sessions)];
}

static struct dst_exp_session *dst_exp_session_find(struct dst_export *exp, const u8 *id)
{
	struct dst_exp_session *session;

	lockdep_assert_held(&exp->lock);
	hlist_for_each_entry(session, dst_exp_session_bucket(exp, id), node)
		if (!memcmp(session->id, id, DST_SESSION_LEN))
			return session;
	return NULL;
}

/*
 * Remember that session @id connected with @generation. The least recently
 * connected session is forgotten past DST_EXP_SESSIONS_MAX; then only a
 * connection still listed refuses its older generations.
 */
static void dst_exp_session_seen(struct dst_export *exp, const u8 *id, u32 generation)
{
	struct dst_exp_session *session = dst_exp_session_find(exp, id);

	if (session) {
		session->generation = max(session->generation, generation);
		list_move_tail(&session->lru, &exp->session_lru);
		return;
	}
	if (exp->nr_sessions < DST_EXP_SESSIONS_MAX) {
		session = kmalloc(sizeof(*session), GFP_KERNEL);
		if (!session)
			return;
		exp->nr_sessions++;
	} else {
		session = list_first_entry(&exp->session_lru, struct dst_exp_session, lru);
		hlist_del(&session->node);
		list_del(&session->lru);
	}
	memcpy(session->id, id, DST_SESSION_LEN);
	session->generation = generation;
	hlist_add_head(&session->node, dst_exp_session_bucket(exp, id));
	list_add_tail(&session->lru, &exp->session_lru);
}

void dst_export_forget_sessions(struct dst_export *exp)
{
	struct dst_exp_session *session, *next;

	list_for_each_entry_safe(session, next, &exp->session_lru, lru)
		kfree(session);
}

/*
 * -ESTALE if a newer generation of @client's session connected: one still
 * listed, live or draining, or one remembered.
 */
static int dst_exp_check_stale(struct dst_export *exp, const struct dst_export_client *client,
			       struct netlink_ext_ack *extack)
{
	struct dst_exp_session *session;
	struct dst_export_conn *old;
	bool newer = false;

	lockdep_assert_held(&exp->lock);
	if (!memchr_inv(client->session, 0, sizeof(client->session)))
		return 0;
	session = dst_exp_session_find(exp, client->session);
	newer = session && session->generation > client->generation;
	list_for_each_entry(old, &exp->conns, node)
		newer |= !memcmp(old->session, client->session, sizeof(old->session)) &&
			 old->generation > client->generation;
	if (!newer)
		return 0;
	NL_SET_ERR_MSG_MOD(extack, "a newer generation of this session was connected");
	return -ESTALE;
}

/*
 * Fence the older generations of @conn's session, before @conn is listed
 * (dst_exp_check_stale() passed): kill the older live connections and count
 * every older one, live or draining, in @conn's fence_wait. Those of the
 * same generation are left alone.
 */
static void dst_exp_conn_fence(struct dst_export_conn *conn)
{
	struct dst_export *exp = conn->exp;
	struct dst_export_conn *old;
	char why[32];

	lockdep_assert_held(&exp->lock);
	if (!conn->has_session)
		return;
	dst_exp_session_seen(exp, conn->session, conn->generation);
	snprintf(why, sizeof(why), "fenced by generation %u", conn->generation);
	list_for_each_entry(old, &exp->conns, node) {
		if (!dst_exp_same_session(old, conn) || old->generation == conn->generation)
			continue;
		/* Not published, RX not started: no need for conn->lock yet. */
		conn->fence_wait++;
		if (dst_exp_conn_kill(old, -ESTALE, why))
			pr_info("export %s: client %s generation %u fenced by %s generation %u\n",
				exp->name, old->peer, old->generation, conn->peer,
				conn->generation);
	}
}

/*
 * @conn's requests are all done and it is leaving exp->conns: every newer
 * connection of its session after it on the list counted it in fence_wait
 * when it connected (the list is in connection order and @conn was on it
 * then; a newer one before it would have been refused). The held requests of
 * those it was the last to wait for move to @ready, for dst_exp_submit_held()
 * once exp->lock is dropped.
 */
static void dst_exp_conn_unfence(struct dst_export_conn *conn, struct list_head *ready)
{
	struct dst_export_conn *next = conn;

	lockdep_assert_held(&conn->exp->lock);
	if (!conn->has_session)
		return;
	list_for_each_entry_continue(next, &conn->exp->conns, node) {
		if (!dst_exp_same_session(next, conn) || next->generation <= conn->generation)
			continue;
		spin_lock_irq(&next->lock);
		if (!WARN_ON_ONCE(!next->fence_wait) && !--next->fence_wait)
			list_splice_tail_init(&next->held, ready);
		spin_unlock_irq(&next->lock);
	}
}

/*
 * A dead connection needs its socket no more: RX is stopped, and TX, once
 * out of the send it may be in, drops every reply. Released before the
 * backing store finished the connection's requests, so that a namespace
 * exit waits only for this (dst_export_net_exit).
 */
static void dst_exp_conn_release_sock(struct dst_export_conn *conn)
{
	struct dst_export *exp = conn->exp;
	struct socket *sock;

	mutex_lock(&conn->tx_mutex);
	mutex_unlock(&conn->tx_mutex);
	/* export-get reads the socket of a listed connection under exp->lock. */
	mutex_lock(&exp->lock);
	sock = conn->sock;
	conn->sock = NULL;
	exp->nr_sockets--;
	mutex_unlock(&exp->lock);
	dst_sock_put(sock);
	wake_up_all(&dst_exports_wait);
}

static void dst_exp_conn_reap(struct work_struct *work)
{
	struct dst_export_conn *conn = container_of(work, struct dst_export_conn, reap_work);
	struct dst_export *exp = conn->exp;
	bool fenced = conn->err == -ESTALE;
	struct dst_exp_req *req, *next;
	LIST_HEAD(held);
	LIST_HEAD(ready);
	u32 clients;

	/* RX first: after it, no request is added. */
	kthread_stop(conn->rx_thread);
	/*
	 * What waits for the fence was never executed and never will be: we
	 * drop it, or a reaper lifting our fence meanwhile took it and does.
	 */
	spin_lock_irq(&conn->lock);
	list_splice_init(&conn->held, &held);
	spin_unlock_irq(&conn->lock);
	list_for_each_entry_safe(req, next, &held, node) {
		list_del(&req->node);
		dst_exp_req_done(req);
	}
	dst_exp_conn_release_sock(conn);
	/* Backing I/O may outlive the socket; TX keeps dropping its replies. */
	wait_event(conn->wait, dst_exp_conn_idle(conn));
	kthread_stop(conn->tx_thread);
	/* Nobody else touches the queue now. */
	list_for_each_entry_safe(req, next, &conn->tx_queue, node) {
		list_del(&req->node);
		dst_exp_req_free(req);
	}
	WARN_ON_ONCE(conn->nr_reqs || conn->data_bytes);

	mutex_lock(&exp->lock);
	/* None of our requests is left on the backing store: newer ones may run. */
	dst_exp_conn_unfence(conn, &ready);
	list_del(&conn->node);
	clients = exp->nr_clients - 1;
	WRITE_ONCE(exp->nr_clients, clients);
	atomic_dec(&dst_exp_nr_conns);
	pr_info("export %s: client %s %s: %s\n", exp->name, conn->peer,
		fenced ? "drained" : "disconnected", conn->last_error);
	/* Under the lock, so that events come in the order of the counts. */
	dst_export_changed(exp, fenced ? DST_EXPORT_EV_CLIENT_FENCED :
			   DST_EXPORT_EV_CLIENT_DISCONNECTED,
			   clients, conn, conn->last_error);
	mutex_unlock(&exp->lock);
	dst_exp_submit_held(&ready);
	/* Our reference keeps @exp alive even if removal is done now. */
	wake_up(&exp->conns_wait);

	dst_exp_conn_free(conn);
	dst_export_put(exp);
}

static struct dst_export_conn *dst_exp_conn_create(struct dst_export *exp, struct socket *sock,
						   const struct dst_export_client *client,
						   const struct dst_tls_info *tls)
{
	struct dst_export_conn *conn;
	int err = -ENOMEM;
	unsigned int i;

	conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	if (!conn)
		return ERR_PTR(-ENOMEM);
	conn->exp = exp;
	conn->sock = sock;
	conn->csum = client->csum;
	memcpy(conn->session, client->session, sizeof(conn->session));
	conn->has_session = memchr_inv(conn->session, 0, sizeof(conn->session));
	conn->generation = client->generation;
	conn->features = client->features;
	strscpy(conn->identity, client->identity, sizeof(conn->identity));
	conn->tls = *tls;
	INIT_LIST_HEAD(&conn->node);
	INIT_LIST_HEAD(&conn->tx_queue);
	INIT_LIST_HEAD(&conn->held);
	for (i = 0; i <= DST_EXP_BLOCK_ORDER; i++)
		INIT_LIST_HEAD(&conn->free_blocks[i]);
	INIT_LIST_HEAD(&conn->sent_blocks);
	INIT_WORK(&conn->reap_work, dst_exp_conn_reap);
	spin_lock_init(&conn->lock);
	init_waitqueue_head(&conn->wait);
	init_waitqueue_head(&conn->tx_wait);
	mutex_init(&conn->tx_mutex);
	conn->splice = dst_sock_may_splice(sock);
	dst_sock_peer(sock, conn->peer, sizeof(conn->peer));
	if (dst_sock_peer_addr(sock, &conn->peer_addr))
		goto free_conn;
	conn->scratch = alloc_page(GFP_KERNEL);
	if (!conn->scratch)
		goto free_conn;

	/* Created stopped: they start once the connection is published. */
	conn->rx_thread = kthread_create(dst_exp_rx_thread, conn, "dstx-rx/%s", exp->name);
	if (IS_ERR(conn->rx_thread)) {
		err = PTR_ERR(conn->rx_thread);
		goto free_conn;
	}
	conn->tx_thread = kthread_create(dst_exp_tx_thread, conn, "dstx-tx/%s", exp->name);
	if (IS_ERR(conn->tx_thread)) {
		err = PTR_ERR(conn->tx_thread);
		goto stop_rx;
	}
	dst_sock_thread_prio(conn->rx_thread);
	dst_sock_thread_prio(conn->tx_thread);
	conn->cpu = -1;
	conn->cpu_moved = jiffies - HZ;
	return conn;

stop_rx:
	kthread_stop(conn->rx_thread);
free_conn:
	dst_exp_conn_free(conn);
	return ERR_PTR(err);
}

/* Connections of @exp from the host at @peer, live and draining. */
static unsigned int dst_exp_peer_conns(struct dst_export *exp, const struct sockaddr_storage *peer)
{
	struct dst_export_conn *conn;
	unsigned int n = 0;

	lockdep_assert_held(&exp->lock);
	list_for_each_entry(conn, &exp->conns, node)
		n += dst_sock_same_host(&conn->peer_addr, peer);
	return n;
}

/*
 * Whether @exp takes a connection of @client from @peer now: the export is
 * ready, the session's generation is not stale, and no limit is reached.
 * dstd asks first (export-connect with check), so that a refusal reaches the
 * client as a hello reply.
 */
static int dst_exp_admit(struct dst_export *exp, const struct dst_export_client *client,
			 const struct sockaddr_storage *peer, const struct dst_tls_info *tls,
			 bool *read_only, struct netlink_ext_ack *extack)
{
	int err;

	lockdep_assert_held(&exp->lock);
	if (exp->state == DST_EXPORT_PROBING) {
		NL_SET_ERR_MSG_MOD(extack, "export is not ready yet");
		return -EAGAIN;
	}
	if (exp->state == DST_EXPORT_REMOVING) {
		NL_SET_ERR_MSG_MOD(extack, "export is being removed");
		return -ENOENT;
	}
	if (exp->nr_clients >= READ_ONCE(dst_max_export_conns)) {
		NL_SET_ERR_MSG_MOD(extack, "export has the maximum number of connections");
		return -EBUSY;
	}
	if (dst_exp_peer_conns(exp, peer) >= READ_ONCE(dst_max_peer_conns)) {
		NL_SET_ERR_MSG_MOD(extack, "peer has the maximum number of connections to the export");
		return -EBUSY;
	}
	if (atomic_read(&dst_exp_nr_conns) >= READ_ONCE(dst_max_conns)) {
		NL_SET_ERR_MSG_MOD(extack, "server has the maximum number of connections");
		return -EBUSY;
	}
	err = dst_exp_access_check(exp, client->identity, peer, tls, read_only, extack);
	if (err)
		return err;
	return dst_exp_check_stale(exp, client, extack);
}

/* For the log: "TLS 1.3, aes-128-gcm, identity alice, read-only", or "plaintext". */
static const char *dst_exp_conn_protection(const struct dst_export_conn *conn)
{
	if (!conn->tls.version)
		return conn->read_only ? "plaintext, read-only" : "plaintext";
	if (conn->tls.cipher == DST_TLS_CIPHER_CHACHA20_POLY1305)
		return conn->read_only ? "TLS 1.3 chacha20-poly1305, read-only" :
					 "TLS 1.3 chacha20-poly1305";
	return conn->read_only ? "TLS 1.3 aes-128-gcm, read-only" : "TLS 1.3 aes-128-gcm";
}

/* List @conn, admitted, and start it; exp->lock held. */
static void dst_exp_conn_add(struct dst_export_conn *conn)
{
	struct dst_export *exp = conn->exp;
	u32 clients;

	lockdep_assert_held(&exp->lock);
	dst_exp_conn_fence(conn);
	kref_get(&exp->kref);
	list_add_tail(&conn->node, &exp->conns);
	exp->nr_sockets++;
	clients = exp->nr_clients + 1;
	WRITE_ONCE(exp->nr_clients, clients);
	/* Under the lock: once listed, removal may kill and reap it. */
	wake_up_process(conn->rx_thread);
	wake_up_process(conn->tx_thread);
	if (conn->has_session)
		pr_info("export %s: client %s%s%s connected, %s, checksum %s, session %pUb generation %u%s\n",
			exp->name, conn->peer, conn->identity[0] ? " as " : "", conn->identity,
			dst_exp_conn_protection(conn), dst_csum_name(conn->csum), conn->session,
			conn->generation, conn->fence_wait ? ", waiting for older generations" : "");
	else
		pr_info("export %s: client %s%s%s connected, %s, checksum %s\n", exp->name,
			conn->peer, conn->identity[0] ? " as " : "", conn->identity,
			dst_exp_conn_protection(conn), dst_csum_name(conn->csum));
	dst_export_changed(exp, DST_EXPORT_EV_CLIENT_CONNECTED, clients, conn, NULL);
}

int dst_export_connect(struct dst_export *exp, struct socket *sock,
		       const struct dst_export_client *client, bool check,
		       struct netlink_ext_ack *extack)
{
	bool read_only = client->read_only;
	struct dst_export_conn *conn = NULL;
	struct sockaddr_storage peer;
	struct dst_tls_info tls;
	int err;

	err = dst_sock_peer_addr(sock, &peer);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "socket has no peer");
		return err;
	}
	err = dst_tls_check(sock, &tls, extack);
	if (err)
		return err;
	if (!check) {
		conn = dst_exp_conn_create(exp, sock, client, &tls);
		if (IS_ERR(conn)) {
			NL_SET_ERR_MSG_MOD(extack, "cannot start the connection's threads");
			return PTR_ERR(conn);
		}
	}
	mutex_lock(&exp->lock);
	err = dst_exp_admit(exp, client, &peer, check ? NULL : &tls, &read_only, extack);
	if (!err && conn && atomic_inc_return(&dst_exp_nr_conns) > READ_ONCE(dst_max_conns)) {
		/* Another export took the last one meanwhile. */
		atomic_dec(&dst_exp_nr_conns);
		NL_SET_ERR_MSG_MOD(extack, "server has the maximum number of connections");
		err = -EBUSY;
	}
	if (!err && client->size > READ_ONCE(exp->size)) {
		NL_SET_ERR_MSG_MOD(extack, "export shrank since the handshake");
		err = -EINVAL;
	}
	if (!err && conn) {
		conn->read_only = read_only;
		/* Grown since the handshake: the client learns at once. */
		if ((conn->features & DST_FEAT_RESIZE) && client->size &&
		    client->size < READ_ONCE(exp->size))
			set_bit(DST_EXP_CONN_RESIZE_DUE, &conn->flags);
		/* Ours now: the namespace's exit releases it, it does not wait for it. */
		dst_sock_prepare(sock, false);
		dst_sock_unpin_net(sock);
		dst_exp_conn_add(conn);
		conn = NULL;
	}
	mutex_unlock(&exp->lock);
	if (conn) {
		kthread_stop(conn->tx_thread);
		kthread_stop(conn->rx_thread);
		dst_exp_conn_free(conn);
	}
	return err;
}

u64 dst_export_data_bytes(struct dst_export *exp)
{
	struct dst_export_conn *conn;
	u64 bytes = 0;

	mutex_lock(&exp->lock);
	list_for_each_entry(conn, &exp->conns, node) {
		spin_lock_irq(&conn->lock);
		bytes += conn->data_bytes + conn->cache_bytes;
		spin_unlock_irq(&conn->lock);
	}
	mutex_unlock(&exp->lock);
	return bytes;
}
