// SPDX-License-Identifier: GPL-2.0-only
/*
 * The TX thread of a client connection sends requests in queue order; a
 * task in submit_bio may send one itself when the connection is idle
 * (dst_conn_send_inline).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/sched/mm.h>
#include "sock.h"
#include "client.h"

/*
 * Send the part of one piece of @trans's frame (the header, or a data
 * segment) that is past trans->tx_done; @pos is where the piece starts in the
 * frame, and what went is added to tx_done. Pieces go in frame order, so
 * tx_done >= @pos.
 */
static int dst_tx_piece(struct dst_conn *conn, struct dst_trans *trans,
			struct iov_iter *iter, u32 pos, int flags, bool page)
{
	size_t left;
	int err;

	if (trans->tx_done >= pos + iov_iter_count(iter))
		return 0;
	iov_iter_advance(iter, trans->tx_done - pos);
	left = iov_iter_count(iter);
	if (page)
		err = dst_sock_send_pages(conn->sock, iter, flags);
	else
		err = dst_sock_send(conn->sock, iter, flags);
	trans->tx_done += left - iov_iter_count(iter);
	return err;
}

static int dst_tx_data(struct dst_conn *conn, struct dst_trans *trans, int flags)
{
	struct iov_iter from;

	if (!list_empty_careful(&conn->send_queue))
		flags |= MSG_MORE;
	dst_bio_iter(trans->bio, ITER_SOURCE, &from);
	return dst_tx_piece(conn, trans, &from, sizeof(struct dst_req_hdr), flags, conn->splice);
}

/*
 * Send @trans's frame from trans->tx_done on. @flags: MSG_MORE when more
 * frames follow at once; MSG_DONTWAIT to stop with -EAGAIN at a full socket
 * (tx_done then says where to resume: the header is rebuilt identically).
 */
static int dst_tx_trans(struct dst_conn *conn, struct dst_trans *trans, int flags)
{
	u32 csum = conn->dev->params.csum;
	bool data = trans->opcode == DST_OP_WRITE;
	struct dst_req_hdr hdr = {
		.magic = cpu_to_be32(DST_REQ_MAGIC),
		.opcode = cpu_to_be16(trans->opcode),
		.flags = cpu_to_be16(trans->flags),
		.tag = cpu_to_be64(dst_tag(conn->epoch, trans->id)),
		.offset = cpu_to_be64(trans->offset),
		.length = cpu_to_be32(trans->length),
	};
	struct kvec kv = { .iov_base = &hdr, .iov_len = sizeof(hdr) };
	struct iov_iter from;
	int err = 0;

	if (trans->tx_done < sizeof(hdr)) {
		/* Stable pages (set with checksums) keep this valid until the reply. */
		if (data && csum == DST_CSUM_CRC32C)
			hdr.data_csum = cpu_to_be32(dst_crc32c_bio(trans->bio));
		dst_req_hdr_seal(&hdr, csum);
		iov_iter_kvec(&from, ITER_SOURCE, &kv, 1, sizeof(hdr));
		err = dst_tx_piece(conn, trans, &from, 0, flags | (data ? MSG_MORE : 0), false);
	}
	if (!err && data)
		err = dst_tx_data(conn, trans, flags);
	return err;
}

/* Send a PING when the liveness check asked for one. */
static int dst_tx_ping(struct dst_conn *conn)
{
	struct dst_req_hdr hdr = {
		.magic = cpu_to_be32(DST_REQ_MAGIC),
		.opcode = cpu_to_be16(DST_OP_PING),
		.tag = cpu_to_be64(dst_tag(conn->epoch, DST_PING_ID)),
	};

	if (!test_and_clear_bit(DST_CONN_PING_DUE, &conn->flags))
		return 0;
	/* Before sending: the reply may overtake the end of sendmsg(). */
	WRITE_ONCE(conn->ping_sent, ktime_get());
	/* The time before the bit: RX reads it once it cleared the bit. */
	smp_mb__before_atomic();
	set_bit(DST_CONN_PING_SENT, &conn->flags);
	dst_req_hdr_seal(&hdr, conn->dev->params.csum);
	return dst_sock_send_buf(conn->sock, &hdr, sizeof(hdr), 0);
}

/*
 * Next transaction for TX to send, now held by it; NULL when none or dead.
 * First the frame an inline sender left half sent: nothing may precede its
 * rest on the wire.
 */
static struct dst_trans *dst_tx_next(struct dst_conn *conn, bool *more)
{
	struct dst_device *dev = conn->dev;
	struct dst_trans *trans = NULL;
	unsigned long flags;

	spin_lock_irqsave(&dev->lock, flags);
	if (conn->dead) {
		trans = NULL;
	} else if (conn->tx_partial) {
		trans = conn->tx_partial;
		conn->tx_partial = NULL;
	} else {
		trans = dst_conn_next_locked(conn);
		if (trans)
			dst_conn_take_locked(conn, trans);
	}
	*more = dst_conn_next_locked(conn);
	spin_unlock_irqrestore(&dev->lock, flags);
	return trans;
}

/* The sender is done with @trans: it waits for its reply, or goes back to the device. */
static void dst_tx_release(struct dst_conn *conn, struct dst_trans *trans)
{
	struct dst_device *dev = conn->dev;
	unsigned long flags;
	LIST_HEAD(fail);

	spin_lock_irqsave(&dev->lock, flags);
	conn->tx_busy = false;
	if (!conn->dead) {
		trans->state = DST_TRANS_SENT;
		list_add_tail(&trans->entry, &conn->sent);
	} else {
		dst_dev_queue_locked(dev, trans, &fail);
	}
	spin_unlock_irqrestore(&dev->lock, flags);
	/* The reply may have overtaken the end of sendmsg(). */
	wake_up(&conn->claim_wait);
	dst_conn_fail_trans(conn, &fail);
}

struct dst_trans *dst_conn_take_inline_locked(struct dst_conn *conn, bool *more)
{
	struct dst_trans *trans;

	lockdep_assert_held(&conn->dev->lock);
	if (conn->cpu != smp_processor_id() || conn->tx_busy || conn->dead)
		return NULL;
	trans = dst_conn_next_locked(conn);
	if (!trans || !mutex_trylock(&conn->send_mutex))
		return NULL;
	dst_conn_take_locked(conn, trans);
	*more = dst_conn_next_locked(conn);
	return trans;
}

/*
 * Send @trans and what queued behind it, from the submitting task, as TX
 * would: MSG_MORE while more follows, so that a batch (an unplug) leaves in
 * full segments. A full socket hands the rest to TX (MSG_DONTWAIT).
 */
void dst_conn_send_inline(struct dst_conn *conn, struct dst_trans *trans, bool more)
{
	struct dst_device *dev = conn->dev;
	unsigned int noio = memalloc_noio_save();
	unsigned long flags;
	int err;

	/* From the connection's CPU only (see dst_conn_bind). */
	migrate_disable();
	for (;;) {
		err = dst_tx_trans(conn, trans, MSG_DONTWAIT | (more ? MSG_MORE : 0));
		if (err == -EAGAIN) {
			/* TX sends the rest; the frame stays SENDING, TX busy. */
			spin_lock_irqsave(&dev->lock, flags);
			if (!conn->dead) {
				conn->tx_partial = trans;
				trans = NULL;
			}
			spin_unlock_irqrestore(&dev->lock, flags);
			if (!trans) {
				/* Before the unlock, which lets the reaper free @conn. */
				wake_up(&conn->tx_wait);
				break;
			}
		} else if (err) {
			dst_conn_fail(conn, err, "send failed");
		}
		dst_tx_release(conn, trans);
		trans = err ? NULL : dst_tx_next(conn, &more);
		if (!trans)
			break;
	}
	migrate_enable();
	/*
	 * mutex_unlock() may touch the mutex after the reaper took it: the
	 * reaper frees @conn only after a grace period.
	 */
	rcu_read_lock();
	mutex_unlock(&conn->send_mutex);
	rcu_read_unlock();
	/* Also what failing the connection allocates: not from our own I/O. */
	memalloc_noio_restore(noio);
}

static bool dst_tx_ready(struct dst_conn *conn)
{
	unsigned long flags;
	bool ready;

	if (kthread_should_stop() || test_bit(DST_CONN_PING_DUE, &conn->flags))
		return true;
	spin_lock_irqsave(&conn->dev->lock, flags);
	ready = conn->dead || conn->tx_partial || dst_conn_next_locked(conn);
	spin_unlock_irqrestore(&conn->dev->lock, flags);
	return ready;
}

/*
 * Send what is queued, a half-sent frame first, and a PING when due, only
 * ever between frames; send_mutex held.
 */
static int dst_tx_queued(struct dst_conn *conn)
{
	struct dst_trans *trans;
	bool more;
	int err;

	lockdep_assert_held(&conn->send_mutex);
	for (;;) {
		trans = dst_tx_next(conn, &more);
		if (trans) {
			err = dst_tx_trans(conn, trans, more ? MSG_MORE : 0);
			if (err)
				dst_conn_fail(conn, err, "send failed");
			dst_tx_release(conn, trans);
			if (err)
				return err;
		}
		err = dst_tx_ping(conn);
		if (err || !trans)
			return err;
	}
}

int dst_tx_thread(void *data)
{
	struct dst_conn *conn = data;
	int err;

	/* Whatever this thread allocates must not recurse into our own I/O. */
	memalloc_noio_save();
	while (!kthread_should_stop() && !READ_ONCE(conn->dead)) {
		wait_event_interruptible(conn->tx_wait, dst_tx_ready(conn));
		mutex_lock(&conn->send_mutex);
		err = dst_tx_queued(conn);
		mutex_unlock(&conn->send_mutex);
		if (err) {
			dst_conn_fail(conn, err, "send failed");
			break;
		}
	}
	dst_thread_wait_stop();
	return 0;
}
