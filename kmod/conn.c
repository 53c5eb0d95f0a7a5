// SPDX-License-Identifier: GPL-2.0-only
/*
 * Client connections: the TX thread sends requests in queue order, the RX
 * thread matches replies to transactions. Every reply field is checked
 * against its transaction before the bio is touched; anything unexpected
 * drops the connection and the transactions are resent elsewhere.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/net.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include "conn.h"
#include "debug.h"
#include "dev.h"
#include "sock.h"
#include "trans.h"

/* Read data is received in steps of this much (see dst_rx_data()). */
#define DST_RX_STEP	SZ_128K

static struct workqueue_struct *dst_conn_wq;

/* ---- TX ---- */

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
	set_bit(DST_CONN_PING_SENT, &conn->flags);
	dst_req_hdr_seal(&hdr, conn->dev->params.csum);
	return dst_sock_send_buf(conn->sock, &hdr, sizeof(hdr), 0);
}

/* Whether @trans fits in what @conn may have outstanding (dev->lock held). */
static bool dst_conn_fits_locked(const struct dst_conn *conn, const struct dst_trans *trans)
{
	return conn->nr_out < DST_CONN_MAX_REQUESTS &&
	       conn->out_bytes + dst_trans_data_len(trans) <= DST_CONN_MAX_DATA;
}

/* The first transaction of @conn's send queue if it may be sent now. */
static struct dst_trans *dst_conn_next_locked(struct dst_conn *conn)
{
	struct dst_trans *trans;

	trans = list_first_entry_or_null(&conn->send_queue, struct dst_trans, entry);
	return trans && dst_conn_fits_locked(conn, trans) ? trans : NULL;
}

/* @trans, first on @conn's send queue, is now held by its sender. */
static void dst_tx_take_locked(struct dst_conn *conn, struct dst_trans *trans)
{
	lockdep_assert_held(&conn->dev->lock);
	list_del_init(&trans->entry);
	trans->state = DST_TRANS_SENDING;
	trans->sends++;
	trans->sent_gen = conn->generation;
	trans->tx_done = 0;
	trans->out_conn = conn;
	conn->nr_out++;
	conn->out_bytes += dst_trans_data_len(trans);
	conn->tx_busy = true;
}

void dst_conn_untake_locked(struct dst_trans *trans)
{
	struct dst_conn *conn = trans->out_conn;

	if (!conn)
		return;
	lockdep_assert_held(&conn->dev->lock);
	trans->out_conn = NULL;
	conn->nr_out--;
	conn->out_bytes -= dst_trans_data_len(trans);
	/* TX may wait for the room this made. */
	if (!conn->dead && dst_conn_next_locked(conn))
		wake_up(&conn->tx_wait);
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
			dst_tx_take_locked(conn, trans);
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
	dst_trans_complete_list(&fail, BLK_STS_IOERR);
}

bool dst_conn_take_inline_locked(struct dst_conn *conn, struct dst_trans *trans)
{
	lockdep_assert_held(&conn->dev->lock);
	if (conn->cpu != smp_processor_id() || conn->tx_busy ||
	    !list_is_singular(&conn->send_queue) || !dst_conn_fits_locked(conn, trans) ||
	    !mutex_trylock(&conn->send_mutex))
		return false;
	dst_tx_take_locked(conn, trans);
	return true;
}

void dst_conn_send_inline(struct dst_conn *conn, struct dst_trans *trans)
{
	struct dst_device *dev = conn->dev;
	unsigned int noio = memalloc_noio_save();
	unsigned long flags;
	int err;

	/* From the connection's CPU only (see dst_conn_bind). */
	migrate_disable();
	err = dst_tx_trans(conn, trans, MSG_DONTWAIT);
	migrate_enable();
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
			goto out;
		}
	} else if (err) {
		dst_conn_fail(conn, err, "send failed");
	}
	dst_tx_release(conn, trans);
out:
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

/* After a failure a thread only waits to be stopped by the reaper. */
static void dst_conn_wait_stop(void)
{
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
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

static int dst_tx_thread(void *data)
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
	dst_conn_wait_stop();
	return 0;
}

/* ---- RX ---- */

/*
 * Read data straight into the bio's pages, in steps of DST_RX_STEP so that
 * the liveness check sees a large reply on a slow link make progress.
 */
static int dst_rx_data(struct dst_conn *conn, struct bio *bio)
{
	struct iov_iter to;
	size_t left, step;
	int err;

	dst_bio_iter(bio, ITER_DEST, &to);
	while ((left = iov_iter_count(&to))) {
		step = min_t(size_t, left, DST_RX_STEP);
		iov_iter_truncate(&to, step);
		err = dst_sock_recv(conn->sock, &to);
		if (err)
			return err;
		iov_iter_reexpand(&to, left - step);
		WRITE_ONCE(conn->last_rx, jiffies);
	}
	return 0;
}

/* True while TX still holds transaction @id of this connection. */
static bool dst_rx_tx_holds(struct dst_conn *conn, u32 id)
{
	struct dst_device *dev = conn->dev;
	struct dst_trans *trans;
	unsigned long flags;
	bool holds;

	spin_lock_irqsave(&dev->lock, flags);
	trans = dst_trans_lookup_locked(dev, id);
	holds = trans && trans->conn == conn && trans->state == DST_TRANS_SENDING &&
		!conn->dead;
	spin_unlock_irqrestore(&dev->lock, flags);
	return holds;
}

/*
 * Claim the transaction a reply names: it must be SENT on this connection.
 * A reply may legitimately arrive before TX has returned from sendmsg(): wait
 * for TX to let go. Anything else (unknown id, stale epoch, duplicate reply)
 * is a protocol error.
 */
static struct dst_trans *dst_rx_claim(struct dst_conn *conn, u64 tag)
{
	struct dst_device *dev = conn->dev;
	u32 id = dst_tag_id(tag);
	struct dst_trans *trans;
	unsigned long flags;

	if (dst_tag_epoch(tag) != conn->epoch)
		return NULL;
	wait_event_interruptible(conn->claim_wait,
				 kthread_should_stop() || !dst_rx_tx_holds(conn, id));
	spin_lock_irqsave(&dev->lock, flags);
	trans = dst_trans_lookup_locked(dev, id);
	if (trans && trans->conn == conn && trans->state == DST_TRANS_SENT) {
		list_del_init(&trans->entry);
		trans->state = DST_TRANS_RECEIVING;
	} else {
		trans = NULL;
	}
	spin_unlock_irqrestore(&dev->lock, flags);
	return trans;
}

static bool dst_rx_reply_matches(const struct dst_rep_hdr *hdr,
				 const struct dst_trans *trans, u32 status)
{
	u32 want = 0;

	if (be16_to_cpu(hdr->opcode) != trans->opcode)
		return false;
	if (trans->opcode == DST_OP_READ && status == DST_ST_OK)
		want = trans->length;
	return be32_to_cpu(hdr->length) == want &&
	       (want || !hdr->data_csum);
}

/* Give a claimed transaction back to the device: resend it. */
static void dst_rx_release(struct dst_conn *conn, struct dst_trans *trans)
{
	struct dst_device *dev = conn->dev;
	unsigned long flags;
	LIST_HEAD(fail);

	spin_lock_irqsave(&dev->lock, flags);
	dst_dev_queue_locked(dev, trans, &fail);
	spin_unlock_irqrestore(&dev->lock, flags);
	dst_trans_complete_list(&fail, BLK_STS_IOERR);
}

/* The longest pause before resending what the server refused for lack of memory. */
#define DST_NOMEM_DELAY_MAX_MS	256U

/*
 * The server was short of memory and did not execute @trans: resend it, after
 * a pause that doubles with each NOMEM in a row (RX reads no further reply
 * meanwhile, which slows the connection down as a whole).
 */
static void dst_rx_nomem(struct dst_conn *conn, struct dst_trans *trans)
{
	conn->nomem_delay_ms = clamp(conn->nomem_delay_ms * 2, 1U, DST_NOMEM_DELAY_MAX_MS);
	/* kthread_stop() wakes it early. */
	schedule_timeout_interruptible(msecs_to_jiffies(conn->nomem_delay_ms));
	trans->sent_gen = 0;
	dst_rx_release(conn, trans);
}

static void dst_rx_complete(struct dst_conn *conn, struct dst_trans *trans, u32 status)
{
	struct dst_device *dev = conn->dev;
	blk_status_t blk = dst_status_to_blk(status);
	unsigned long flags;

	if (status == DST_ST_NOMEM) {
		dst_rx_nomem(conn, trans);
		return;
	}
	conn->nomem_delay_ms = 0;
	if (trans->opcode == DST_OP_FLUSH) {
		dst_dev_flush_done(dev, trans, blk);
		return;
	}
	spin_lock_irqsave(&dev->lock, flags);
	dst_trans_unhash_locked(trans);
	spin_unlock_irqrestore(&dev->lock, flags);
	dst_trans_complete(trans, blk);
}

/* The reply to our PING: nothing else may carry the PING opcode. */
static int dst_rx_pong(struct dst_conn *conn, const struct dst_rep_hdr *hdr,
		       u32 status, const char **why)
{
	*why = "unexpected PING reply";
	if (be64_to_cpu(hdr->tag) != dst_tag(conn->epoch, DST_PING_ID) ||
	    status != DST_ST_OK || hdr->length || hdr->data_csum ||
	    !test_and_clear_bit(DST_CONN_PING_SENT, &conn->flags))
		return -EPROTO;
	return 0;
}

static int dst_rx_read_data(struct dst_conn *conn, const struct dst_rep_hdr *hdr,
			    struct dst_trans *trans, const char **why)
{
	struct dst_device *dev = conn->dev;
	int err;

	*why = "receive failed";
	err = dst_rx_data(conn, trans->bio);
	if (err)
		return err;
	if (dev->params.csum == DST_CSUM_CRC32C &&
	    dst_crc32c_bio(trans->bio) != be32_to_cpu(hdr->data_csum)) {
		atomic64_inc(&dev->stats.csum_errors);
		net_warn_ratelimited("%s: read data checksum mismatch, tag %#llx from %s\n",
				     dev->disk->disk_name, be64_to_cpu(hdr->tag), conn->peer);
		*why = "read data checksum mismatch";
		return -EBADMSG;
	}
	return 0;
}

/* Receive and act on one reply. */
static int dst_rx_one(struct dst_conn *conn, const char **why)
{
	struct dst_device *dev = conn->dev;
	struct dst_rep_hdr hdr;
	struct dst_trans *trans;
	u32 status;
	int err;

	*why = "receive failed";
	err = dst_sock_recv_buf(conn->sock, &hdr, sizeof(hdr));
	if (err)
		return err;
	WRITE_ONCE(conn->last_rx, jiffies);
	*why = "malformed reply";
	if (be32_to_cpu(hdr.magic) != DST_REP_MAGIC || hdr.flags)
		return -EPROTO;
	if (!dst_rep_hdr_csum_ok(&hdr, dev->params.csum)) {
		atomic64_inc(&dev->stats.csum_errors);
		*why = "reply header checksum mismatch";
		return -EBADMSG;
	}
	status = be32_to_cpu(hdr.status);
	if (status > DST_ST_MAX)
		return -EPROTO;
	if (be16_to_cpu(hdr.opcode) == DST_OP_PING)
		return dst_rx_pong(conn, &hdr, status, why);
	trans = dst_rx_claim(conn, be64_to_cpu(hdr.tag));
	if (!trans) {
		net_dbg_ratelimited("%s: reply for unknown tag %#llx from %s\n",
				    dev->disk->disk_name, be64_to_cpu(hdr.tag), conn->peer);
		*why = "reply for an unknown or stale tag";
		/* Killed meanwhile, its transactions taken: no fault of the server. */
		return kthread_should_stop() || READ_ONCE(conn->dead) ? -ESHUTDOWN : -EPROTO;
	}
	if (!dst_rx_reply_matches(&hdr, trans, status))
		err = -EPROTO;
	else if (trans->opcode == DST_OP_READ && status == DST_ST_OK)
		err = dst_rx_read_data(conn, &hdr, trans, why);
	if (err) {
		/* Out of service first, so that the resend goes elsewhere. */
		dst_conn_fail(conn, err, *why);
		dst_rx_release(conn, trans);
		return err;
	}
	dst_rx_complete(conn, trans, status);
	return 0;
}

static int dst_rx_thread(void *data)
{
	struct dst_conn *conn = data;
	const char *why;
	int err;

	memalloc_noio_save();
	while (!kthread_should_stop()) {
		err = dst_rx_one(conn, &why);
		if (err) {
			if (err == -EPROTO)
				atomic64_inc(&conn->dev->stats.protocol_errors);
			dst_conn_fail(conn, err, why);
			break;
		}
	}
	dst_conn_wait_stop();
	return 0;
}

/* ---- lifetime ---- */

static void dst_conn_free_rcu(struct rcu_head *rcu)
{
	struct dst_conn *conn = container_of(rcu, struct dst_conn, rcu);

	dst_debug_poison(conn, sizeof(*conn));
	kfree(conn);
}

static void dst_conn_reap_work(struct work_struct *work)
{
	struct dst_conn *conn = container_of(work, struct dst_conn, reap_work);
	struct dst_device *dev = conn->dev;
	unsigned int noio = memalloc_noio_save();
	unsigned long flags;

	/* Failed between being published and started: let the start finish. */
	wait_for_completion(&conn->started);
	cancel_delayed_work_sync(&conn->liveness_work);
	kthread_stop(conn->rx_thread);
	kthread_stop(conn->tx_thread);
	/* An inline sender that took the connection while it was live. */
	mutex_lock(&conn->send_mutex);
	mutex_unlock(&conn->send_mutex);
	put_task_struct(conn->rx_thread);
	put_task_struct(conn->tx_thread);
	dst_sock_put(conn->sock);

	/* The last touch of dev: removal may free it once the slot is empty. */
	spin_lock_irqsave(&dev->lock, flags);
	dst_dev_conn_gone_locked(dev, conn->slot);
	spin_unlock_irqrestore(&dev->lock, flags);
	call_rcu(&conn->rcu, dst_conn_free_rcu);
	memalloc_noio_restore(noio);
}

/* When the server stopped answering: its last sign of life, or now. */
static unsigned long dst_conn_silent_since(struct dst_conn *conn)
{
	unsigned long since = READ_ONCE(conn->silent_since);

	return since ? since : jiffies;
}

bool dst_conn_kill_locked(struct dst_conn *conn, const char *why,
			  struct list_head *fail)
{
	struct dst_device *dev = conn->dev;
	struct dst_trans *trans, *next;
	LIST_HEAD(moving);

	lockdep_assert_held(&dev->lock);
	if (conn->dead)
		return false;
	conn->dead = true;
	dev->nr_live--;
	list_splice_init(&conn->sent, &moving);
	list_splice_tail_init(&conn->send_queue, &moving);
	/* Half sent by an inline sender, and nobody holds it now. */
	if (conn->tx_partial) {
		list_add(&conn->tx_partial->entry, &moving);
		conn->tx_partial = NULL;
	}
	dst_dev_conn_lost_locked(dev, why, dst_conn_silent_since(conn));
	list_for_each_entry_safe(trans, next, &moving, entry) {
		list_del_init(&trans->entry);
		dst_dev_queue_locked(dev, trans, fail);
	}
	return true;
}

/* Ticks of the liveness check: often enough to see a silent interval. */
static unsigned long dst_conn_tick(u32 ping_after)
{
	return msecs_to_jiffies(ping_after ? max(ping_after / 4, 50U) : 1000);
}

/*
 * A link silent for a ping interval gets a PING. A connection waiting for
 * replies (or its PING's) that hears nothing for three intervals, at most the
 * io-timeout, is dropped: the server is gone or stuck, and the transactions
 * are better resent on a new connection. A slow link still makes progress,
 * and a live server answers PINGs, which go out often enough to be answered
 * before that limit.
 */
static void dst_conn_liveness(struct work_struct *work)
{
	struct dst_conn *conn = container_of(to_delayed_work(work), struct dst_conn,
					     liveness_work);
	struct dst_device *dev = conn->dev;
	unsigned long flags, last = READ_ONCE(conn->last_rx);
	u32 ping, limit, silence;
	char why[DST_LAST_ERROR_MAX];
	unsigned int noio;
	bool busy, dead;

	spin_lock_irqsave(&dev->lock, flags);
	ping = dev->tunables.ping_interval;
	limit = min_t(u64, 3ULL * ping, dev->tunables.io_timeout);
	busy = conn->tx_busy || !list_empty(&conn->sent) ||
	       test_bit(DST_CONN_PING_SENT, &conn->flags);
	dead = conn->dead;
	spin_unlock_irqrestore(&dev->lock, flags);
	if (dead)
		return;
	ping = min(ping, limit / 3);
	silence = jiffies_to_msecs(jiffies - last);
	if (ping && busy && silence >= limit) {
		WRITE_ONCE(conn->silent_since, last);
		snprintf(why, sizeof(why), "no reply from the server for %u ms", silence);
		/* On the way to the reconnect that swap may be waiting for. */
		noio = memalloc_noio_save();
		dst_conn_fail(conn, -ETIMEDOUT, why);
		memalloc_noio_restore(noio);
		return;
	}
	if (ping && silence >= ping && !test_bit(DST_CONN_PING_SENT, &conn->flags) &&
	    !test_and_set_bit(DST_CONN_PING_DUE, &conn->flags))
		wake_up(&conn->tx_wait);
	queue_delayed_work(dst_conn_wq, &conn->liveness_work, dst_conn_tick(ping));
}

void dst_conn_kick_locked(struct dst_conn *conn)
{
	lockdep_assert_held(&conn->dev->lock);
	mod_delayed_work(dst_conn_wq, &conn->liveness_work, 0);
}

void dst_conn_reap(struct dst_conn *conn)
{
	dst_sock_shutdown(conn->sock);
	wake_up(&conn->tx_wait);
	wake_up(&conn->claim_wait);
	queue_work(dst_conn_wq, &conn->reap_work);
}

void dst_conn_fail(struct dst_conn *conn, int err, const char *why)
{
	struct dst_device *dev = conn->dev;
	unsigned long flags;
	LIST_HEAD(fail);
	bool killed;

	spin_lock_irqsave(&dev->lock, flags);
	killed = dst_conn_kill_locked(conn, why, &fail);
	spin_unlock_irqrestore(&dev->lock, flags);
	if (!killed)
		return;
	pr_info("%s: connection to %s (epoch %u) lost: %s (%d)\n",
		dev->disk->disk_name, conn->peer, conn->epoch, why, err);
	dst_trans_complete_list(&fail, BLK_STS_IOERR);
	dst_dev_notify(dev);
	dst_conn_reap(conn);
}

/*
 * Each connection has a CPU, spread like nvme-tcp's queues, where both
 * threads run and the only one an inline sender may send from: all of a
 * socket's segments leave from one CPU, so a local peer's per-CPU backlogs
 * (veth, loopback) never reorder them, which TCP would take for loss. The
 * device sends small I/O from each CPU on that CPU's connection.
 */
static void dst_conn_bind(struct dst_conn *conn)
{
	conn->cpu = cpumask_local_spread(conn->slot, NUMA_NO_NODE);
	set_cpus_allowed_ptr(conn->tx_thread, cpumask_of(conn->cpu));
	set_cpus_allowed_ptr(conn->rx_thread, cpumask_of(conn->cpu));
}

struct dst_conn *dst_conn_create(struct dst_device *dev, struct socket *sock,
				 unsigned int slot, u32 epoch, u32 generation)
{
	struct dst_conn *conn;
	int err;

	conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	if (!conn)
		return ERR_PTR(-ENOMEM);
	conn->dev = dev;
	conn->sock = sock;
	conn->slot = slot;
	conn->epoch = epoch;
	conn->generation = generation;
	conn->last_rx = jiffies;
	init_waitqueue_head(&conn->tx_wait);
	init_waitqueue_head(&conn->claim_wait);
	mutex_init(&conn->send_mutex);
	INIT_WORK(&conn->reap_work, dst_conn_reap_work);
	init_completion(&conn->started);
	INIT_DELAYED_WORK(&conn->liveness_work, dst_conn_liveness);
	INIT_LIST_HEAD(&conn->send_queue);
	INIT_LIST_HEAD(&conn->sent);
	dst_sock_peer(sock, conn->peer, sizeof(conn->peer));

	conn->tx_thread = kthread_create(dst_tx_thread, conn, "dst%d-tx%u",
					 dev->index, slot);
	if (IS_ERR(conn->tx_thread)) {
		err = PTR_ERR(conn->tx_thread);
		goto free_conn;
	}
	conn->rx_thread = kthread_create(dst_rx_thread, conn, "dst%d-rx%u",
					 dev->index, slot);
	if (IS_ERR(conn->rx_thread)) {
		err = PTR_ERR(conn->rx_thread);
		goto stop_tx;
	}
	get_task_struct(conn->tx_thread);
	get_task_struct(conn->rx_thread);
	dst_sock_thread_prio(conn->tx_thread);
	dst_sock_thread_prio(conn->rx_thread);
	dst_conn_bind(conn);
	dst_sock_prepare(sock, true);
	conn->splice = dst_sock_may_splice(sock);
	return conn;

stop_tx:
	kthread_stop(conn->tx_thread);
free_conn:
	kfree(conn);
	return ERR_PTR(err);
}

void dst_conn_start(struct dst_conn *conn)
{
	wake_up_process(conn->tx_thread);
	wake_up_process(conn->rx_thread);
	queue_delayed_work(dst_conn_wq, &conn->liveness_work,
			   dst_conn_tick(READ_ONCE(conn->dev->tunables.ping_interval)));
	complete_all(&conn->started);
}

int dst_conn_module_init(void)
{
	dst_conn_wq = alloc_workqueue("dst_conn", WQ_MEM_RECLAIM, 0);
	return dst_conn_wq ? 0 : -ENOMEM;
}

void dst_conn_module_exit(void)
{
	destroy_workqueue(dst_conn_wq);
}
