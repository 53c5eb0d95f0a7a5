/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every kernel API difference DST meets, in one place.
 *
 * Differences are detected by compile probes (compat/tests/, run by
 * compat/probe.sh into compat-gen.h), never by LINUX_VERSION_CODE: Debian's
 * 6.1 carries many later APIs as backports.
 */
#ifndef DST_COMPAT_H
#define DST_COMPAT_H

#include <linux/blkdev.h>
#include <net/sock.h>
#include "compat-gen.h"

/* get_unaligned_*(): <asm/unaligned.h> moved to <linux/unaligned.h> in 6.12. */
#ifdef COMPAT_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* Queue limits of a client disk, in one kernel-neutral description. */
struct dst_disk_limits {
	u32 logical_bs;
	u32 physical_bs;
	u32 io_min;
	u32 io_opt;
	u32 max_hw_sectors;
	u32 max_discard_sectors;	/* 0: no discard */
	u32 discard_granularity;
	u32 discard_alignment;
	u32 max_write_zeroes_sectors;	/* 0: no write zeroes */
	bool write_cache;
	bool fua;
	bool rotational;
	bool stable_writes;		/* pages must not change while in flight */
};

#ifdef COMPAT_BLK_ALLOC_DISK_LIMITS
static inline struct gendisk *dst_alloc_disk(const struct dst_disk_limits *l)
{
	struct queue_limits lim = {
		.logical_block_size = l->logical_bs,
		.physical_block_size = l->physical_bs,
		.io_min = l->io_min,
		.io_opt = l->io_opt,
		.max_hw_sectors = l->max_hw_sectors,
		/* Segments are walked one by one: no limit on their number or size. */
		.max_segments = USHRT_MAX,
		.max_segment_size = UINT_MAX,
		.max_hw_discard_sectors = l->max_discard_sectors,
		.discard_granularity = l->discard_granularity,
		.discard_alignment = l->discard_alignment,
		.max_write_zeroes_sectors = l->max_write_zeroes_sectors,
	};

#ifdef COMPAT_BLK_FEAT_FLAGS
	if (l->write_cache)
		lim.features |= BLK_FEAT_WRITE_CACHE;
	if (l->fua)
		lim.features |= BLK_FEAT_FUA;
	if (l->rotational)
		lim.features |= BLK_FEAT_ROTATIONAL;
	if (l->stable_writes)
		lim.features |= BLK_FEAT_STABLE_WRITES;
	/* REQ_NOWAIT is honoured: io_uring submits without an io-wq thread. */
	lim.features |= BLK_FEAT_NOWAIT;
#else
#error "queue_limits at allocation without BLK_FEAT_*: add a probe"
#endif
	return blk_alloc_disk(&lim, NUMA_NO_NODE);
}
#else
static inline struct gendisk *dst_alloc_disk(const struct dst_disk_limits *l)
{
	struct gendisk *disk = blk_alloc_disk(NUMA_NO_NODE);
	struct request_queue *q;

	if (!disk)
		return ERR_PTR(-ENOMEM);
	q = disk->queue;
	blk_queue_logical_block_size(q, l->logical_bs);
	blk_queue_physical_block_size(q, l->physical_bs);
	blk_queue_io_min(q, l->io_min);
	blk_queue_io_opt(q, l->io_opt);
	blk_queue_max_hw_sectors(q, l->max_hw_sectors);
	blk_queue_max_segments(q, USHRT_MAX);
	blk_queue_max_segment_size(q, UINT_MAX);
	if (l->max_discard_sectors) {
		blk_queue_max_discard_sectors(q, l->max_discard_sectors);
		q->limits.discard_granularity = l->discard_granularity;
		q->limits.discard_alignment = l->discard_alignment;
	}
	blk_queue_max_write_zeroes_sectors(q, l->max_write_zeroes_sectors);
	blk_queue_write_cache(q, l->write_cache, l->fua);
	if (l->rotational)
		blk_queue_flag_clear(QUEUE_FLAG_NONROT, q);
	else
		blk_queue_flag_set(QUEUE_FLAG_NONROT, q);
	if (l->stable_writes)
		blk_queue_flag_set(QUEUE_FLAG_STABLE_WRITES, q);
	blk_queue_flag_set(QUEUE_FLAG_NOWAIT, q);
	return disk;
}
#endif

static inline void dst_sk_no_task_frag(struct sock *sk)
{
#ifdef COMPAT_SK_USE_TASK_FRAG
	/* Our threads' page_frag must not be used under reclaim (swap). */
	sk->sk_use_task_frag = false;
#endif
}

/*
 * One step of a zero-copy send of the bvec iterator in @msg: the pages are
 * referenced by the socket, not copied. One sendmsg() with MSG_SPLICE_PAGES
 * for all of it where the kernel has that. Before, sendpage of what is left
 * of the current page, or of the current bvec if it lies in one compound
 * page (sendpage references only the page it is given, and a compound page
 * whole), telling TCP whether more follows.
 */
#ifdef COMPAT_TCP_SPLICE_PAGES
static inline int dst_sock_splice_once(struct socket *sock, struct msghdr *msg)
{
	msg->msg_flags |= MSG_SPLICE_PAGES;
	return sock_sendmsg(sock, msg);
}
#else
static inline int dst_sock_splice_once(struct socket *sock, struct msghdr *msg)
{
	const struct bio_vec *bv = msg->msg_iter.bvec;
	struct page *page = bv->bv_page;
	size_t off = bv->bv_offset + msg->msg_iter.iov_offset;
	size_t left = iov_iter_count(&msg->msg_iter);
	size_t len = min(left, bv->bv_len - msg->msg_iter.iov_offset);
	int flags = msg->msg_flags;
	int ret;

	if (!PageHead(page) || bv->bv_offset + bv->bv_len > page_size(page)) {
		page = nth_page(page, off >> PAGE_SHIFT);
		off = offset_in_page(off);
		len = min(len, PAGE_SIZE - off);
	}
	if (len < left)
		flags |= MSG_MORE | MSG_SENDPAGE_NOTLAST;
	ret = kernel_sendpage(sock, page, off, len, flags);
	if (ret > 0)
		iov_iter_advance(&msg->msg_iter, ret);
	return ret;
}
#endif

/*
 * A socket userspace made holds a counted reference on its network namespace
 * (sk_net_refcnt); a kernel socket does not, so that the namespace can exit
 * while the socket lives. An export connection's socket is made to behave as
 * a kernel socket for as long as the export holds it (export.c, namespace
 * exit): dst_sk_net_unpin() drops the counted reference and
 * dst_sk_net_repin() takes it back, or fails once the namespace is exiting.
 * Both mirror what sk_alloc() does for either kind of socket: kernels with
 * sk_net_refcnt_upgrade() give a kernel socket a passive reference (which
 * keeps struct net allocated) instead. Called under lock_sock():
 * sk_net_refcnt shares its byte with bits that setsockopt() changes.
 */
#ifdef COMPAT_SK_NET_REFCNT_UPGRADE
static inline void dst_sk_net_unpin(struct sock *sk)
{
	struct net *net = sock_net(sk);

	net_passive_inc(net);
	__netns_tracker_free(net, &sk->ns_tracker, true);
	__netns_tracker_alloc(net, &sk->ns_tracker, false, GFP_KERNEL);
	sock_inuse_add(net, -1);
	sk->sk_net_refcnt = 0;
	put_net(net);
}

static inline bool dst_sk_net_repin(struct sock *sk)
{
	struct net *net = maybe_get_net(sock_net(sk));

	if (!net)
		return false;
	sk_net_refcnt_upgrade(sk);
	put_net(net);
	return true;
}
#else
static inline void dst_sk_net_unpin(struct sock *sk)
{
	struct net *net = sock_net(sk);

	netns_tracker_free(net, &sk->ns_tracker);
	sock_inuse_add(net, -1);
	sk->sk_net_refcnt = 0;
	put_net(net);
}

static inline bool dst_sk_net_repin(struct sock *sk)
{
	struct net *net = maybe_get_net(sock_net(sk));

	if (!net)
		return false;
	netns_tracker_alloc(net, &sk->ns_tracker, GFP_KERNEL);
	sock_inuse_add(net, 1);
	sk->sk_net_refcnt = 1;
	return true;
}
#endif

/*
 * block_device_operations.open takes the gendisk and a blk_mode_t since 6.5,
 * the block_device and an fmode_t before: an open is declared with
 * DST_BDOPS_OPEN_ARGS and finds its disk as DST_BDOPS_OPEN_DISK.
 */
#ifdef COMPAT_BDOPS_OPEN_GENDISK
#define DST_BDOPS_OPEN_ARGS	struct gendisk *disk, blk_mode_t mode
#define DST_BDOPS_OPEN_DISK	(disk)
#else
#define DST_BDOPS_OPEN_ARGS	struct block_device *bdev, fmode_t mode
#define DST_BDOPS_OPEN_DISK	(bdev->bd_disk)
#endif

#endif /* DST_COMPAT_H */
