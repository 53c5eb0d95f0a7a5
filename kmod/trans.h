/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Transactions: one per bio (after splitting), from a per-device mempool,
 * indexed by id in the device's hash until completed. A transaction is resent
 * on another connection when its connection dies, and completed exactly once:
 * by the RX thread that claimed its reply, or by a failure path that removed
 * it from the hash.
 */
#ifndef DST_TRANS_H
#define DST_TRANS_H

#include <linux/bio.h>
#include <linux/list.h>
#include <linux/types.h>
#include "proto.h"

struct dst_device;
struct dst_conn;

/*
 * Where a transaction is; changed only under dev->lock. A thread that holds
 * one (SENDING, RECEIVING) owns it and puts it back with dst_dev_queue_locked().
 */
enum dst_trans_state {
	DST_TRANS_PENDING,	/* on dev->pending: waiting for a connection */
	DST_TRANS_QUEUED,	/* on conn->send_queue */
	DST_TRANS_SENDING,	/* held by conn's TX thread */
	DST_TRANS_SENT,		/* on conn->sent: waiting for its reply */
	DST_TRANS_RECEIVING,	/* held by conn's RX thread */
};

struct dst_trans {
	struct dst_device *dev;
	struct bio *bio;
	unsigned long start_time;	/* bio_start_io_acct(), jiffies */
	unsigned long submitted;	/* jiffies: its deadline is io_timeout later */
	u32 id;
	u16 opcode;			/* DST_OP_* */
	u16 flags;			/* DST_CMD_F_* */
	u64 offset;			/* bytes */
	u32 length;			/* bytes */
	u64 seq;			/* submission order */
	unsigned int sends;		/* times put on a wire */
	u32 tx_done;			/* bytes of its frame sent this time; sender */
	unsigned int sends_counted;	/* sends already counted as resends */
	/*
	 * A FLUSH made for a write with REQ_PREFLUSH holds that write here
	 * (bio is NULL then); the write is submitted when the flush succeeds.
	 */
	struct dst_trans *after;

	/* Guarded by dev->lock. */
	enum dst_trans_state state;
	struct dst_conn *conn;		/* QUEUED..RECEIVING: the connection */
	/* SENDING..RECEIVING: the connection whose outstanding budget it uses */
	struct dst_conn *out_conn;
	/*
	 * Generation of the connection that last put it on the wire, 0 if none
	 * or the server said it did not execute it. Its outcome is unknown
	 * until it is answered, so a resend needs a newer generation: the
	 * server fences the old one before serving the new one.
	 */
	u32 sent_gen;
	/*
	 * Past its deadline: failed with EIO wherever it is, by its holder
	 * if a thread holds it (dst_dev_queue_locked).
	 */
	bool expired;
	struct list_head entry;		/* on pending, send_queue or sent */
	struct list_head age_entry;	/* on dev->by_age while hashed */
	struct list_head write_entry;	/* on dev->writes or held_flushes */
	struct hlist_node node;		/* in dev->trans until completed */
	blk_status_t held_status;	/* a held FLUSH's reply */
};

/* Changes data: a later FLUSH must not be acknowledged before it. */
static inline bool dst_trans_is_write(const struct dst_trans *trans)
{
	return trans->opcode == DST_OP_WRITE || trans->opcode == DST_OP_DISCARD ||
	       trans->opcode == DST_OP_WRITE_ZEROES;
}

int dst_trans_module_init(void);
void dst_trans_module_exit(void);
mempool_t *dst_trans_pool_create(void);

/* Build a transaction for @bio; NULL (bio already ended) if unsupported. */
struct dst_trans *dst_trans_from_bio(struct dst_device *dev, struct bio *bio);
/* A FLUSH that must succeed before @write is submitted. */
struct dst_trans *dst_trans_preflush(struct dst_device *dev, struct dst_trans *write);

/* Remove from the hash, dev->lock held. */
void dst_trans_unhash_locked(struct dst_trans *trans);
/* Bytes of data it moves: what counts against a connection's budget. */
static inline u32 dst_trans_data_len(const struct dst_trans *trans)
{
	return trans->opcode == DST_OP_READ || trans->opcode == DST_OP_WRITE ?
	       trans->length : 0;
}
/*
 * Complete a transaction taken out of the hash: end its bio, release a write
 * waiting for it, free it and drop the device's in-flight count.
 */
void dst_trans_complete(struct dst_trans *trans, blk_status_t status);
void dst_trans_complete_list(struct list_head *list, blk_status_t status);

/* Hash lookup by id, dev->lock held. */
struct dst_trans *dst_trans_lookup_locked(struct dst_device *dev, u32 id);

/*
 * @bio's data as one bvec iterator over the bio's own vector, which must not
 * change while @iter is used (@dir: ITER_SOURCE to send, ITER_DEST to receive).
 */
void dst_bio_iter(struct bio *bio, unsigned int dir, struct iov_iter *iter);

#endif /* DST_TRANS_H */
