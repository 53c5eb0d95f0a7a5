// SPDX-License-Identifier: GPL-2.0-only
/*
 * The RX thread of a client connection matches replies to transactions.
 * Every reply field is checked against its transaction before the bio is
 * touched; anything unexpected drops the connection and the transactions are
 * resent elsewhere.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/sched/mm.h>
#include <linux/sizes.h>
#include "sock.h"
#include "client.h"

/* Read data is received in steps of this much (see dst_rx_data()). */
#define DST_RX_STEP	SZ_128K
/* The longest pause before resending what the server refused for lack of memory. */
#define DST_NOMEM_DELAY_MAX_MS	256U

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
		err = dst_sock_recv(conn->sock, &to, &conn->tls_control);
		if (err)
			return err;
		iov_iter_reexpand(&to, left - step);
		WRITE_ONCE(conn->last_rx, jiffies);
	}
	return 0;
}

/* Why a receive from the server failed, for last-error. */
static const char *dst_rx_sock_why(struct dst_conn *conn, int err)
{
	switch (err) {
	case -ENOMSG:
		atomic64_inc(&conn->dev->stats.tls_errors);
		return dst_tls_control_why(conn->tls_control);
	case -EBADMSG:
		atomic64_inc(&conn->dev->stats.tls_errors);
		return "TLS record failed authentication";
	default:
		return "receive failed";
	}
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
	dst_conn_fail_trans(conn, &fail);
}

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
	/* Not executed: sent again, with a checksum of the data as it is now. */
	if (status == DST_ST_BAD_DATA_CSUM && trans->opcode == DST_OP_WRITE) {
		atomic64_inc(&dev->stats.csum_errors);
		trans->sent_gen = 0;
		dst_rx_release(conn, trans);
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

/*
 * A PING's round trip: from its send to its reply's header, so it includes
 * what was queued ahead of it on the socket in both directions. PINGs go
 * out only on a silent link, so the sample is of an idle one.
 */
static void dst_rx_ping_rtt(struct dst_conn *conn)
{
	struct dst_device *dev = conn->dev;
	s64 rtt = ktime_to_ns(ktime_sub(ktime_get(), READ_ONCE(conn->ping_sent)));
	unsigned long flags;

	rtt = max_t(s64, rtt, 1);
	spin_lock_irqsave(&dev->lock, flags);
	conn->ping_rtt = rtt;
	if (conn->pings)
		conn->ping_srtt = conn->ping_srtt - (conn->ping_srtt >> 3) + (rtt >> 3);
	else
		conn->ping_srtt = rtt;
	conn->pings++;
	spin_unlock_irqrestore(&dev->lock, flags);
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
	dst_rx_ping_rtt(conn);
	return 0;
}

/*
 * The server's RESIZE notice: the export's new size follows in 8 bytes. Only
 * a device created with the resize feature takes one, and only to grow.
 */
static int dst_rx_resize(struct dst_conn *conn, const struct dst_rep_hdr *hdr,
			 u32 status, const char **why)
{
	struct dst_device *dev = conn->dev;
	u32 csum = 0;
	__be64 wire;
	u64 size;
	int err;

	*why = "unexpected RESIZE notice";
	if (!(dev->params.features & DST_FEAT_RESIZE) || hdr->tag || status != DST_ST_OK ||
	    be32_to_cpu(hdr->length) != sizeof(wire))
		return -EPROTO;
	err = dst_sock_recv_buf(conn->sock, &wire, sizeof(wire), &conn->tls_control);
	if (err) {
		*why = dst_rx_sock_why(conn, err);
		return err;
	}
	if (dev->params.csum == DST_CSUM_CRC32C)
		csum = dst_crc32c(&wire, sizeof(wire));
	if (csum != be32_to_cpu(hdr->data_csum)) {
		atomic64_inc(&dev->stats.csum_errors);
		*why = "RESIZE notice checksum mismatch";
		return -EBADMSG;
	}
	size = be64_to_cpu(wire);
	*why = dst_dev_size_problem(dev, size);
	if (*why)
		return -EPROTO;
	dst_dev_grow(dev, size);
	return 0;
}

static int dst_rx_read_data(struct dst_conn *conn, const struct dst_rep_hdr *hdr,
			    struct dst_trans *trans, const char **why)
{
	struct dst_device *dev = conn->dev;
	int err;

	err = dst_rx_data(conn, trans->bio);
	if (err) {
		*why = dst_rx_sock_why(conn, err);
		return err;
	}
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

	err = dst_sock_recv_buf(conn->sock, &hdr, sizeof(hdr), &conn->tls_control);
	if (err) {
		*why = dst_rx_sock_why(conn, err);
		return err;
	}
	WRITE_ONCE(conn->last_rx, jiffies);
	err = dst_conn_check_records(conn);
	if (err) {
		*why = "TLS record limit reached";
		return err;
	}
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
	if (be16_to_cpu(hdr.opcode) == DST_OP_RESIZE)
		return dst_rx_resize(conn, &hdr, status, why);
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

int dst_rx_thread(void *data)
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
	dst_thread_wait_stop();
	return 0;
}
