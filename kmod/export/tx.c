// SPDX-License-Identifier: GPL-2.0-only
/*
 * The TX side of an export connection: replies in completion order, from
 * its TX thread or, at queue depth 1, from RX itself.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include "sock.h"
#include "tls.h"
#include "export.h"

static int dst_exp_tx_reply(struct dst_export_conn *conn, struct dst_exp_req *req, bool more)
{
	bool data = req->opcode == DST_OP_READ && req->status == DST_ST_OK;
	struct dst_rep_hdr hdr = {
		.magic = cpu_to_be32(DST_REP_MAGIC),
		.status = cpu_to_be32(req->status),
		.tag = cpu_to_be64(req->tag),
		.opcode = cpu_to_be16(req->opcode),
		.length = cpu_to_be32(data ? req->len : 0),
	};
	struct iov_iter iter;
	int err;

	if (data && conn->csum == DST_CSUM_CRC32C)
		hdr.data_csum = cpu_to_be32(dst_exp_req_crc(req));
	dst_rep_hdr_seal(&hdr, conn->csum);
	err = dst_sock_send_buf(conn->sock, &hdr, sizeof(hdr),
				data || more ? MSG_MORE : 0);
	if (err || !data)
		return err;
	iov_iter_bvec(&iter, ITER_SOURCE, req->bvec, req->nr_bvecs, req->len);
	/* The pages are the request's own: the socket may keep them. */
	if (conn->splice)
		return dst_sock_send_pages(conn->sock, &iter, more ? MSG_MORE : 0);
	return dst_sock_send(conn->sock, &iter, more ? MSG_MORE : 0);
}

/* The export's size now, to a client that takes RESIZE notices. */
static int dst_exp_tx_resize(struct dst_export_conn *conn)
{
	__be64 size = cpu_to_be64(READ_ONCE(conn->exp->size));
	struct dst_rep_hdr hdr = {
		.magic = cpu_to_be32(DST_REP_MAGIC),
		.status = cpu_to_be32(DST_ST_OK),
		.opcode = cpu_to_be16(DST_OP_RESIZE),
		.length = cpu_to_be32(sizeof(size)),
	};
	int err;

	if (conn->csum == DST_CSUM_CRC32C)
		hdr.data_csum = cpu_to_be32(dst_crc32c(&size, sizeof(size)));
	dst_rep_hdr_seal(&hdr, conn->csum);
	err = dst_sock_send_buf(conn->sock, &hdr, sizeof(hdr), MSG_MORE);
	return err ?: dst_sock_send_buf(conn->sock, &size, sizeof(size), 0);
}

static void dst_exp_tx_log_error(struct dst_export_conn *conn, const struct dst_exp_req *req)
{
	pr_warn_ratelimited("export %s: %s: tag %#llx: %s %llu+%u failed: %d\n",
			    conn->exp->name, conn->peer, req->tag,
			    dst_opcode_name(req->opcode), req->offset, req->len, req->err);
}

static void dst_exp_tx_batch(struct dst_export_conn *conn, struct list_head *batch)
{
	struct dst_exp_req *req, *next;
	bool more;
	int err;

	list_for_each_entry_safe(req, next, batch, node) {
		list_del(&req->node);
		if (req->err)
			dst_exp_tx_log_error(conn, req);
		/* A dead connection's replies are dropped, never sent. */
		if (!dst_exp_conn_dead(conn)) {
			/* Cork while more replies are ready: they leave together. */
			more = !list_empty(batch) || !list_empty(&conn->tx_queue);
			err = dst_exp_tx_reply(conn, req, more);
			if (err)
				dst_exp_conn_kill(conn, err, NULL);
		}
		dst_exp_req_free(req);
	}
}

/* Send (or drop) every reply queued; @conn->tx_mutex held. */
void dst_exp_tx_queued(struct dst_export_conn *conn)
{
	LIST_HEAD(batch);
	int err;

	lockdep_assert_held(&conn->tx_mutex);
	spin_lock_irq(&conn->lock);
	list_splice_init(&conn->tx_queue, &batch);
	spin_unlock_irq(&conn->lock);
	if (!dst_exp_conn_dead(conn)) {
		err = dst_tls_debug_inject(conn->sock);
		if (!err && test_and_clear_bit(DST_EXP_CONN_RESIZE_DUE, &conn->flags))
			err = dst_exp_tx_resize(conn);
		if (err)
			dst_exp_conn_kill(conn, err, NULL);
	}
	dst_exp_tx_batch(conn, &batch);
}

int dst_exp_tx_thread(void *arg)
{
	struct dst_export_conn *conn = arg;

	/* Runs until stopped, sending or dropping: RX and the reaper count on it. */
	for (;;) {
		wait_event_interruptible(conn->tx_wait, !list_empty_careful(&conn->tx_queue) ||
					 test_bit(DST_EXP_CONN_RESIZE_DUE, &conn->flags) ||
					 kthread_should_stop());
		if (kthread_should_stop())
			break;
		mutex_lock(&conn->tx_mutex);
		dst_exp_tx_queued(conn);
		mutex_unlock(&conn->tx_mutex);
	}
	return 0;
}
