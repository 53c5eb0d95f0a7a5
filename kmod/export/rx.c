// SPDX-License-Identifier: GPL-2.0-only
/*
 * The RX thread of an export connection: reads and checks each request,
 * makes room for it, receives a WRITE's payload and submits it. It never
 * waits for the backing store.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/net.h>
#include <linux/sched.h>
#include "sock.h"
#include "export.h"

/*
 * Execute a request RX accepted: park it while the fence holds, drop it
 * (reply and all) once the connection died, else submit it.
 */
static void dst_exp_rx_submit(struct dst_export_conn *conn, struct dst_exp_req *req)
{
	spin_lock_irq(&conn->lock);
	if (conn->fence_wait) {
		list_add_tail(&req->node, &conn->held);
		spin_unlock_irq(&conn->lock);
		return;
	}
	spin_unlock_irq(&conn->lock);
	/*
	 * Not synchronised with the kill: a request submitted just after it
	 * is still waited for by the reaper, and by any fence, like any other.
	 */
	if (dst_exp_conn_dead(conn)) {
		dst_exp_req_done(req);
		return;
	}
	if (!dst_exp_debug_hold(req))
		dst_exp_submit(req, true);
}

/*
 * A header that cannot be trusted leaves no way to find the next one: the
 * connection is dropped. Returns 0 or -EPROTO.
 */
static int dst_exp_rx_check_frame(struct dst_export_conn *conn, const struct dst_req_hdr *hdr)
{
	struct dst_export *exp = conn->exp;
	const char *why;
	char msg[64];

	if (be32_to_cpu(hdr->magic) != DST_REQ_MAGIC)
		why = "bad magic";
	else if (!dst_req_hdr_csum_ok(hdr, conn->csum))
		why = "header checksum mismatch";
	else if (hdr->reserved)
		why = "reserved field set";
	else if (be16_to_cpu(hdr->flags) & ~DST_CMD_FLAGS_MASK)
		why = "unknown flags";
	/* Its payload follows whatever we think of the request. */
	else if (be16_to_cpu(hdr->opcode) == DST_OP_WRITE &&
		 be32_to_cpu(hdr->length) > exp->max_xfer)
		why = "write longer than max-xfer";
	else
		return 0;
	pr_warn_ratelimited("export %s: %s: tag %#llx: %s, dropping connection\n",
			    exp->name, conn->peer, be64_to_cpu(hdr->tag), why);
	snprintf(msg, sizeof(msg), "malformed request: %s", why);
	dst_exp_conn_kill(conn, -EPROTO, msg);
	return -EPROTO;
}

static u32 dst_exp_rx_check_range(struct dst_export *exp, const struct dst_exp_req *req,
				  u32 max)
{
	u64 size = READ_ONCE(exp->size);

	if (!req->len || req->len > max)
		return DST_ST_INVAL;
	if (!IS_ALIGNED(req->offset | req->len, exp->logical_bs))
		return DST_ST_INVAL;
	if (req->len > size || req->offset > size - req->len)
		return DST_ST_INVAL;
	return DST_ST_OK;
}

/* The status a well-formed request gets before it reaches the backing store. */
static u32 dst_exp_rx_check_req(struct dst_export_conn *conn, const struct dst_exp_req *req,
				u32 data_csum)
{
	struct dst_export *exp = conn->exp;
	bool ro = (exp->features & DST_FEAT_READ_ONLY) || conn->read_only;
	u32 st;

	/* FUA is a WRITE flag, NOUNMAP a WRITE_ZEROES flag. */
	if (((req->flags & DST_CMD_F_FUA) && req->opcode != DST_OP_WRITE) ||
	    ((req->flags & DST_CMD_F_NOUNMAP) && req->opcode != DST_OP_WRITE_ZEROES))
		return DST_ST_INVAL;
	if (req->opcode != DST_OP_WRITE) {
		/* Without checksums data-csum is not looked at. */
		if (data_csum && conn->csum == DST_CSUM_CRC32C)
			return DST_ST_INVAL;
	}
	switch (req->opcode) {
	case DST_OP_READ:
		return dst_exp_rx_check_range(exp, req, exp->max_xfer);
	case DST_OP_WRITE:
		st = dst_exp_rx_check_range(exp, req, exp->max_xfer);
		return st == DST_ST_OK && ro ? DST_ST_ROFS : st;
	case DST_OP_FLUSH:
		return req->offset || req->len ? DST_ST_INVAL : DST_ST_OK;
	case DST_OP_DISCARD:
		st = dst_exp_rx_check_range(exp, req, DST_MAX_RANGE);
		if (st == DST_ST_OK && ro)
			return DST_ST_ROFS;
		if (st == DST_ST_OK && !(exp->features & DST_FEAT_DISCARD))
			return DST_ST_NOTSUPP;
		return st;
	case DST_OP_WRITE_ZEROES:
		st = dst_exp_rx_check_range(exp, req, DST_MAX_RANGE);
		return st == DST_ST_OK && ro ? DST_ST_ROFS : st;
	case DST_OP_PING:
		/* The tag is the client's business: any value is answered. */
		return req->offset || req->len ? DST_ST_INVAL : DST_ST_OK;
	default:
		/* No payload in v1 but WRITE's: the stream stays in step. */
		return DST_ST_INVAL;
	}
}

/* Read and throw away the payload of a WRITE we refuse. */
static int dst_exp_rx_skip(struct dst_export_conn *conn, u32 len)
{
	struct iov_iter iter;
	struct bio_vec bv;
	u32 chunk;
	int err;

	while (len) {
		chunk = min_t(u32, len, PAGE_SIZE);
		bvec_set_page(&bv, conn->scratch, chunk, 0);
		iov_iter_bvec(&iter, ITER_DEST, &bv, 1, chunk);
		err = dst_sock_recv(conn->sock, &iter, &conn->tls_control);
		if (err)
			return err;
		len -= chunk;
	}
	return 0;
}

static int dst_exp_rx_write(struct dst_export_conn *conn, struct dst_exp_req *req,
			    u32 data_csum)
{
	struct iov_iter iter;
	int err;

	if (req->status == DST_ST_OK && dst_exp_req_alloc_pages(req))
		req->status = DST_ST_NOMEM;
	if (req->status != DST_ST_OK) {
		err = dst_exp_rx_skip(conn, req->len);
		goto reply;
	}
	iov_iter_bvec(&iter, ITER_DEST, req->bvec, req->nr_bvecs, req->len);
	err = dst_sock_recv(conn->sock, &iter, &conn->tls_control);
	/*
	 * The header was sound, so the frame ends where it said: answer, and
	 * the client sends the data again. Its pages may have changed while
	 * it sent them (md's superblock and bitmap pages are not stable).
	 */
	if (!err && conn->csum == DST_CSUM_CRC32C && dst_exp_req_crc(req) != data_csum) {
		pr_warn_ratelimited("export %s: %s: tag %#llx: data checksum mismatch, write not executed\n",
				    conn->exp->name, conn->peer, req->tag);
		req->status = DST_ST_BAD_DATA_CSUM;
		goto reply;
	}
	if (!err) {
		dst_exp_rx_submit(conn, req);
		return 0;
	}
reply:
	/* Killed first, so that TX drops this reply instead of sending it. */
	if (err)
		dst_exp_conn_kill(conn, err, NULL);
	dst_exp_req_done(req);
	return err;
}

static void dst_exp_rx_log_refused(struct dst_export_conn *conn, const struct dst_exp_req *req)
{
	net_dbg_ratelimited("export %s: %s: tag %#llx: %s %llu+%u flags %#x refused: status %u\n",
			    conn->exp->name, conn->peer, req->tag,
			    dst_opcode_name(req->opcode), req->offset, req->len,
			    req->flags, req->status);
}

/*
 * Count @req in for its connection if there is room for it: fewer than
 * DST_CONN_MAX_REQUESTS allocated (a PING may come on top), its data pages
 * within DST_EXP_CONN_DATA, and within the server's memory budget, unless
 * the connection holds no data at all (every connection makes progress).
 */
static bool dst_exp_rx_room(struct dst_export_conn *conn, const struct dst_exp_req *req)
{
	bool data = req->status == DST_ST_OK &&
		    (req->opcode == DST_OP_READ || req->opcode == DST_OP_WRITE);
	size_t bytes = data ? PAGE_ALIGN(req->len) : 0;
	bool ok;

	spin_lock_irq(&conn->lock);
	if (req->opcode == DST_OP_PING)
		ok = conn->nr_reqs < DST_CONN_MAX_REQUESTS + DST_EXP_PING_SLACK;
	else
		ok = conn->nr_reqs < DST_CONN_MAX_REQUESTS &&
		     conn->data_bytes + bytes <= DST_EXP_CONN_DATA &&
		     (!conn->data_bytes || dst_exp_mem_fits(bytes));
	if (ok) {
		conn->nr_reqs++;
		conn->nr_pending++;
	}
	spin_unlock_irq(&conn->lock);
	return ok;
}

/*
 * Wait for room for @req (see dst_exp_rx_room): only a client that sends
 * more than it may, or a server out of its memory budget, makes RX wait
 * here, reading nothing more from this connection meanwhile.
 */
static int dst_exp_rx_reserve(struct dst_export_conn *conn, struct dst_exp_req *req)
{
	while (!dst_exp_rx_room(conn, req)) {
		if (kthread_should_stop() || dst_exp_conn_dead(conn))
			return -ESHUTDOWN;
		/* The server's budget frees without a wake-up here: look again soon. */
		wait_event_interruptible_timeout(conn->wait, kthread_should_stop() ||
						 dst_exp_conn_dead(conn), HZ / 50);
	}
	return 0;
}

/* One request: 0 to go on, or -errno when the connection is done for. */
static int dst_exp_rx_one(struct dst_export_conn *conn)
{
	struct dst_req_hdr hdr;
	struct dst_exp_req *req;
	u32 data_csum;
	int err;

	err = dst_sock_recv_buf(conn->sock, &hdr, sizeof(hdr), &conn->tls_control);
	if (err)
		return err;
	/* The client replaces a connection long before; a peer that does not is dropped. */
	if (conn->tls.version && dst_tls_records(conn->sock) >= DST_TLS_RECORDS_MAX)
		return -EKEYEXPIRED;
	err = dst_exp_rx_check_frame(conn, &hdr);
	if (err)
		return err;

	req = dst_exp_req_alloc(conn);
	req->tag = be64_to_cpu(hdr.tag);
	req->offset = be64_to_cpu(hdr.offset);
	req->len = be32_to_cpu(hdr.length);
	req->opcode = be16_to_cpu(hdr.opcode);
	req->flags = be16_to_cpu(hdr.flags);
	data_csum = be32_to_cpu(hdr.data_csum);
	req->status = dst_exp_rx_check_req(conn, req, data_csum);
	err = dst_exp_rx_reserve(conn, req);
	if (err) {
		mempool_free(req, conn->exp->req_pool);
		return err;
	}
	if (req->status != DST_ST_OK)
		dst_exp_rx_log_refused(conn, req);

	if (req->opcode == DST_OP_WRITE)
		return dst_exp_rx_write(conn, req, data_csum);
	if (req->status == DST_ST_OK && req->opcode == DST_OP_READ &&
	    dst_exp_req_alloc_pages(req))
		req->status = DST_ST_NOMEM;
	/* A PING is answered now, from here: not behind the backing store nor the fence. */
	if (req->status != DST_ST_OK || req->opcode == DST_OP_PING) {
		dst_exp_req_done(req);
		return 0;
	}
	dst_exp_rx_submit(conn, req);
	return 0;
}

/*
 * Replies RX queued itself (dst_exp_req_done does not wake TX for them): with
 * no request waiting to be read and TX idle, RX sends them, saving two
 * thread switches per request at queue depth 1; else TX does, while RX reads
 * on.
 */
static void dst_exp_rx_replies(struct dst_export_conn *conn)
{
	if (list_empty_careful(&conn->tx_queue))
		return;
	if (skb_queue_empty_lockless(&conn->sock->sk->sk_receive_queue) &&
	    mutex_trylock(&conn->tx_mutex)) {
		dst_exp_tx_queued(conn);
		mutex_unlock(&conn->tx_mutex);
		return;
	}
	wake_up(&conn->tx_wait);
}

/*
 * Both threads run on the CPU that receives the connection's packets
 * (sk_incoming_cpu: where RSS or a local sender put them), so that waking RX
 * and answering never cross CPUs; re-checked at most once a second.
 */
static void dst_exp_rx_follow_cpu(struct dst_export_conn *conn)
{
	int cpu = READ_ONCE(conn->sock->sk->sk_incoming_cpu);

	if (cpu == conn->cpu || cpu < 0 || cpu >= nr_cpu_ids || !cpu_online(cpu) ||
	    time_before(jiffies, conn->cpu_moved + HZ))
		return;
	conn->cpu = cpu;
	conn->cpu_moved = jiffies;
	set_cpus_allowed_ptr(conn->tx_thread, cpumask_of(cpu));
	set_cpus_allowed_ptr(conn->rx_thread, cpumask_of(cpu));
}

int dst_exp_rx_thread(void *arg)
{
	struct dst_export_conn *conn = arg;
	int err = 0;

	while (!kthread_should_stop()) {
		/*
		 * Dead: not one more request, though the socket may still hold
		 * some (a shut down socket returns what it had queued).
		 */
		if (dst_exp_conn_dead(conn))
			break;
		err = dst_exp_rx_one(conn);
		if (err) {
			dst_exp_conn_kill(conn, err, NULL);
			break;
		}
		dst_exp_rx_replies(conn);
		dst_exp_rx_follow_cpu(conn);
	}
	dst_thread_wait_stop();
	return 0;
}
