// SPDX-License-Identifier: GPL-2.0-only
/*
 * Transactions: allocation from a mempool, mapping bios to wire requests,
 * the id hash and completion.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include "client.h"

/* Enough transactions for forward progress under memory pressure. */
#define DST_TRANS_POOL_MIN	64

static struct kmem_cache *dst_trans_cache;

int dst_trans_module_init(void)
{
	dst_trans_cache = KMEM_CACHE(dst_trans, 0);
	return dst_trans_cache ? 0 : -ENOMEM;
}

void dst_trans_module_exit(void)
{
	kmem_cache_destroy(dst_trans_cache);
}

mempool_t *dst_trans_pool_create(void)
{
	return mempool_create_slab_pool(DST_TRANS_POOL_MIN, dst_trans_cache);
}

/* Wire opcode for a bio, or 0 when the device cannot carry it. */
static u16 dst_bio_opcode(struct dst_device *dev, struct bio *bio)
{
	u32 features = dev->params.features;

	switch (bio_op(bio)) {
	case REQ_OP_READ:
		return DST_OP_READ;
	case REQ_OP_WRITE:
		/* An empty write is a cache flush (REQ_PREFLUSH). */
		return bio_sectors(bio) ? DST_OP_WRITE : DST_OP_FLUSH;
	case REQ_OP_FLUSH:
		return DST_OP_FLUSH;
	case REQ_OP_DISCARD:
		return features & DST_FEAT_DISCARD ? DST_OP_DISCARD : 0;
	case REQ_OP_WRITE_ZEROES:
		return features & DST_FEAT_WRITE_ZEROES ? DST_OP_WRITE_ZEROES : 0;
	default:
		return 0;
	}
}

struct dst_trans *dst_trans_from_bio(struct dst_device *dev, struct bio *bio)
{
	struct dst_trans *trans;
	u16 opcode = dst_bio_opcode(dev, bio);

	if (!opcode) {
		bio->bi_status = BLK_STS_NOTSUPP;
		bio_endio(bio);
		return NULL;
	}
	trans = mempool_alloc(dev->trans_pool, bio->bi_opf & REQ_NOWAIT ? GFP_NOWAIT : GFP_NOIO);
	if (!trans) {
		/* Only without waiting: the caller submits it again, waiting. */
		bio_wouldblock_error(bio);
		return NULL;
	}
	trans->dev = dev;
	trans->bio = bio;
	trans->opcode = opcode;
	trans->flags = 0;
	if ((bio->bi_opf & REQ_FUA) && opcode == DST_OP_WRITE)
		trans->flags |= DST_CMD_F_FUA;
	/* The range must stay allocated (BLKZEROOUT, and file systems that count on it). */
	if ((bio->bi_opf & REQ_NOUNMAP) && opcode == DST_OP_WRITE_ZEROES)
		trans->flags |= DST_CMD_F_NOUNMAP;
	if (opcode == DST_OP_FLUSH) {
		trans->offset = 0;
		trans->length = 0;
	} else {
		trans->offset = (u64)bio->bi_iter.bi_sector << SECTOR_SHIFT;
		trans->length = bio->bi_iter.bi_size;
	}
	trans->sends = 0;
	trans->sends_counted = 0;
	trans->after = NULL;
	trans->conn = NULL;
	trans->out_conn = NULL;
	trans->sent_gen = 0;
	trans->expired = false;
	trans->failfast = bio->bi_opf & REQ_FAILFAST_MASK;
	INIT_LIST_HEAD(&trans->entry);
	INIT_LIST_HEAD(&trans->write_entry);
	INIT_LIST_HEAD(&trans->age_entry);
	INIT_HLIST_NODE(&trans->node);
	trans->start_time = bio_start_io_acct(bio);
	trans->submitted = jiffies;
	return trans;
}

struct dst_trans *dst_trans_preflush(struct dst_device *dev, struct dst_trans *write)
{
	struct dst_trans *trans = mempool_alloc(dev->trans_pool, GFP_NOIO);

	memset(trans, 0, sizeof(*trans));
	trans->dev = dev;
	trans->opcode = DST_OP_FLUSH;
	trans->after = write;
	trans->failfast = write->failfast;
	/* Both count from the bio's submission. */
	trans->submitted = write->submitted;
	INIT_LIST_HEAD(&trans->entry);
	INIT_LIST_HEAD(&trans->write_entry);
	INIT_LIST_HEAD(&trans->age_entry);
	INIT_HLIST_NODE(&trans->node);
	return trans;
}

struct dst_trans *dst_trans_lookup_locked(struct dst_device *dev, u32 id)
{
	struct dst_trans *trans;

	lockdep_assert_held(&dev->lock);
	hash_for_each_possible(dev->trans, trans, node, id)
		if (trans->id == id)
			return trans;
	return NULL;
}

void dst_trans_unhash_locked(struct dst_trans *trans)
{
	struct dst_device *dev = trans->dev;

	lockdep_assert_held(&dev->lock);
	dst_conn_untake_locked(trans);
	hash_del(&trans->node);
	list_del_init(&trans->entry);
	list_del_init(&trans->write_entry);
	list_del_init(&trans->age_entry);
	trans->conn = NULL;
}

static void dst_trans_count(struct dst_trans *trans, blk_status_t status)
{
	struct dst_stats *st = &trans->dev->stats;

	if (status) {
		atomic64_inc(&st->errors);
		return;
	}
	switch (trans->opcode) {
	case DST_OP_READ:
		atomic64_inc(&st->reads);
		atomic64_add(trans->length, &st->read_bytes);
		break;
	case DST_OP_WRITE:
		atomic64_inc(&st->writes);
		atomic64_add(trans->length, &st->write_bytes);
		break;
	case DST_OP_FLUSH:
		atomic64_inc(&st->flushes);
		break;
	case DST_OP_DISCARD:
		atomic64_inc(&st->discards);
		break;
	case DST_OP_WRITE_ZEROES:
		atomic64_inc(&st->write_zeroes);
		break;
	}
}

/* End the bio and free the transaction; nobody else can reach it. */
static void dst_trans_end(struct dst_trans *trans, blk_status_t status)
{
	struct bio *bio = trans->bio;

	dst_trans_count(trans, status);
	if (bio) {
		bio_end_io_acct(bio, trans->start_time);
		/* A chained split may carry an error already: keep it. */
		if (status)
			bio->bi_status = status;
	}
	mempool_free(trans, trans->dev->trans_pool);
	if (bio)
		bio_endio(bio);
}

void dst_trans_complete(struct dst_trans *trans, blk_status_t status)
{
	struct dst_trans *after = trans->after;
	struct dst_device *dev = trans->dev;
	bool write = dst_trans_is_write(trans);

	dst_trans_end(trans, status);
	if (write)
		dst_dev_release_flushes(dev);
	if (after) {
		/* The pre-flush came first, as REQ_PREFLUSH requires. */
		if (status)
			dst_trans_end(after, status);
		else
			dst_dev_submit(dev, after, false);
	}
	dst_dev_put_inflight(dev);
}

void dst_trans_complete_list(struct list_head *list, blk_status_t status)
{
	struct dst_trans *trans, *next;

	list_for_each_entry_safe(trans, next, list, entry) {
		list_del_init(&trans->entry);
		dst_trans_complete(trans, status);
	}
}

void dst_bio_iter(struct bio *bio, unsigned int dir, struct iov_iter *iter)
{
	struct bvec_iter bi;
	struct bio_vec bv;
	unsigned long nr = 0;

	bio_for_each_bvec(bv, bio, bi)
		nr++;
	iov_iter_bvec(iter, dir, __bvec_iter_bvec(bio->bi_io_vec, bio->bi_iter), nr,
		      bio->bi_iter.bi_size);
	iter->iov_offset = bio->bi_iter.bi_bvec_done;
}
