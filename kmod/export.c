// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exports: backing store, client connections, and the server data path.
 *
 * One connection, two kthreads and the completion paths between them:
 *
 *   socket -> RX: header, checks, room for it, WRITE payload -> submit
 *                   READ/WRITE, direct:  ->read_iter/->write_iter, async
 *                                        kiocb with IOCB_NOWAIT; what would
 *                                        block goes on to exp->wq
 *                   anything else:       exp->wq (flush, discard,
 *                                        write-zeroes, buffered read/write)
 *                   held by the fence:   conn->held, submitted when it lifts
 *                 PING, refused requests: straight to conn->tx_queue
 *   completion (irq, workqueue or RX itself) -> conn->tx_queue
 *   socket <- TX: reply header (+ READ data), then frees the request
 *
 * RX never waits for the backing store, so a PING is answered whatever the
 * backing store does; it waits only for room, which a client that keeps to
 * DST_CONN_MAX_REQUESTS and DST_CONN_MAX_DATA always leaves it.
 *
 * Every request gets exactly one reply while the connection lives. When it
 * dies (peer gone, socket error, malformed frame, fenced, removal) the socket
 * is shut down, which wakes both threads, RX reads no further request, and a
 * reaper stops RX, waits until every request left the backing store, stops TX
 * and frees the rest; replies completed after the death are dropped.
 *
 * Fencing: export-connect with a session and generation kills the session's
 * connections of older generations and counts, in the new connection's
 * fence_wait, every one of them still on exp->conns (live or draining). Each
 * reaper, once its connection's requests are all done, takes it off the list
 * and decrements the count of every newer connection of the session after it
 * on the list. Until the count is zero the new connection's RX parks what it
 * would submit on conn->held; whoever brings the count to zero submits them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/bvec.h>
#include <linux/delay.h>
#include <linux/falloc.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/ioprio.h>
#include <linux/jhash.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/mempool.h>
#include <linux/net.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/stat.h>
#include <linux/uio.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <net/sock.h>
#include "debug.h"
#include "export.h"
#include "proto.h"
#include "sock.h"

/* A request never carries more than one max_xfer of data pages. */
#define DST_EXP_MAX_PAGES	DIV_ROUND_UP(DST_MAX_XFER_DEFAULT, PAGE_SIZE)
/*
 * Data pages come in compound blocks of up to 32 KiB when one is free at
 * once (dst_exp_alloc_block): an eighth of the allocations, of the backing
 * I/O's segments and, on 6.1, of the sendpage calls of a read reply.
 */
#define DST_EXP_BLOCK_ORDER	3
/*
 * Per connection, RX reads a request only while fewer than
 * DST_CONN_MAX_REQUESTS are allocated (from header to sent reply) and its
 * data fits in DST_EXP_CONN_DATA: what a client may have outstanding
 * (protocol.md), each request rounded up to pages. PINGs may come on top of
 * a full connection, this many.
 */
#define DST_EXP_CONN_DATA	(DST_CONN_MAX_DATA + DST_CONN_MAX_REQUESTS * PAGE_SIZE)
#define DST_EXP_PING_SLACK	16
/* Requests kept in reserve so that a connection can always make progress. */
#define DST_EXP_REQ_RESERVE	16
/* Pages of zeroes written per call when nothing better zeroes a range. */
#define DST_EXP_ZERO_PAGES	16
/*
 * Per connection, data blocks of freed requests kept for the next ones, at
 * most this much (dst_exp_cache_put_locked): a fresh page costs a zeroing
 * (init_on_alloc, on in Debian's kernels), the copy that 1M transfers could
 * least afford.
 */
#define DST_EXP_CACHE_BYTES	SZ_2M

/* The newest generation of this many sessions is remembered per export. */
#define DST_EXP_SESSIONS_MAX	4096

static_assert(DST_MAX_XFER_DEFAULT <= DST_MAX_XFER_LIMIT);
static_assert(DST_MAX_XFER_LIMIT <= DST_CONN_MAX_DATA);
static_assert(DST_MAX_RANGE % 4096 == 0);

enum {
	DST_EXP_CONN_DEAD,	/* killed: socket shut down, reaper queued */
};

/*
 * A client connection of an export.
 *
 * Locking: @node is guarded by exp->lock. The data path state under @lock is
 * touched from interrupt context (direct I/O completion), so @lock is taken
 * with interrupts disabled and nobody sleeps under it. Everything else is set
 * before the threads start and then only read, except @scratch (RX only) and
 * @err and @last_error (written once by the first dst_exp_conn_kill(), read
 * by the reaper that it queues). Replies go out under @tx_mutex: from TX, or
 * from RX itself when a request completed while RX submitted it and no
 * further request is waiting to be read (no thread switch at queue depth 1).
 *
 * Lifetime: created by export-connect, freed by its reaper (reap_work) after
 * both threads have stopped and no request is left. Both threads run until
 * kthread_stop(), never exiting on their own, so the reaper may stop them.
 */
struct dst_export_conn {
	struct list_head node;		/* on exp->conns */
	struct dst_export *exp;		/* holds a reference */
	struct socket *sock;		/* holds the socket file */
	u32 csum;			/* DST_CSUM_* */
	bool splice;			/* read data goes by reference (no TLS) */
	u8 session[DST_EXP_SESSION_LEN];	/* all zeroes: none */
	bool has_session;		/* session is not all zeroes */
	u32 generation;
	char peer[64];
	struct sockaddr_storage peer_addr;	/* for the limit per peer */
	struct task_struct *rx_thread;
	struct task_struct *tx_thread;
	struct work_struct reap_work;
	unsigned long flags;		/* DST_EXP_CONN_* bits */
	int err;			/* why it was killed; -ESTALE: fenced */
	char last_error[64];		/* the same, for userspace */
	struct page *scratch;		/* RX: sink for refused WRITE payloads */
	int cpu;			/* RX: where both threads run; -1: anywhere */
	unsigned long cpu_moved;	/* RX: jiffies of the last move */
	struct mutex tx_mutex;		/* held while sending replies */
	wait_queue_head_t tx_wait;	/* TX waits here for tx_queue */

	spinlock_t lock;		/* irq-safe; guards the fields marked "lock" */
	struct list_head tx_queue;	/* requests with a reply to send; lock */
	/*
	 * Older connections of the session still on exp->conns; changes under
	 * exp->lock too. While non-zero, RX parks requests on @held.
	 */
	unsigned int fence_wait;	/* lock */
	struct list_head held;		/* requests waiting for the fence; lock */
	unsigned int nr_reqs;		/* allocated, not yet freed; lock */
	unsigned int nr_pending;	/* allocated, not on tx_queue (held too); lock */
	size_t data_bytes;		/* data pages of the nr_reqs; lock */
	/*
	 * Blocks of freed requests (dst_exp_cache_*), linked by page->lru:
	 * @free_blocks by order, each referenced by us alone; @sent_blocks,
	 * oldest first, those a read reply's skbs still hold, ready once only
	 * our reference is left. @cache_bytes counts both.
	 */
	struct list_head free_blocks[DST_EXP_BLOCK_ORDER + 1];	/* lock */
	struct list_head sent_blocks;	/* lock */
	size_t cache_bytes;		/* lock */
	/* RX waits for budget, the reaper for nr_pending. */
	wait_queue_head_t wait;
};

/*
 * One request, from its header to its reply. RX owns it until it submits or
 * parks it; then whoever completes it hands it to TX through conn->tx_queue,
 * exactly once, and TX (or the reaper) frees it.
 */
struct dst_exp_req {
	struct list_head node;		/* on conn->held, then conn->tx_queue */
	struct dst_export_conn *conn;
	struct kiocb iocb;		/* READ and WRITE */
	struct work_struct work;	/* what runs in dst_exp_io_wq */
	u64 tag;
	u64 offset;
	u32 len;
	u16 opcode;
	u16 flags;
	u32 status;			/* DST_ST_* of the reply */
	int err;			/* backing store errno, for the log */
	u32 done;			/* READ/WRITE: bytes the backing store did */
	bool nowait;			/* submitted by RX: must not block */
	bool write_ref;			/* holds the file system's freeze protection */
#ifdef DST_DEBUG
	struct delayed_work hold_work;	/* dbg_write_hold_ms */
#endif
	unsigned int nr_bvecs;		/* each a page or a compound block */
	struct bio_vec bvec[DST_EXP_MAX_PAGES];
};

/* All exports, every netns; names are unique within a netns. */
static LIST_HEAD(dst_exports);
static DEFINE_MUTEX(dst_exports_lock);
/* Bumped on every add and removal, so that a dump can tell it was cut. */
static unsigned int dst_exports_gen = 1;	/* dst_exports_lock */
/* Module exit started: no new exports, no more notifications. */
static bool dst_exports_closed;			/* dst_exports_lock, READ_ONCE */
/* Woken when an export leaves the list. */
static DECLARE_WAIT_QUEUE_HEAD(dst_exports_wait);

static struct kmem_cache *dst_exp_req_cache;
/* Probes of regular files and removals: each may wait for a backing store. */
static struct workqueue_struct *dst_exp_wq;

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
static unsigned int dst_export_mem_mb;
module_param_named(export_mem_mb, dst_export_mem_mb, uint, 0644);
MODULE_PARM_DESC(export_mem_mb,
		 "MiB of request data all connections may hold (0: an eighth of the RAM)");

static atomic_t dst_exp_nr_conns = ATOMIC_INIT(0);
/* Bytes: every connection's data_bytes and cache_bytes. */
static atomic_long_t dst_exp_mem = ATOMIC_LONG_INIT(0);

static void dst_export_forget_sessions(struct dst_export *exp);

static void dst_export_release(struct kref *kref)
{
	struct dst_export *exp = container_of(kref, struct dst_export, kref);

	WARN_ON_ONCE(!list_empty(&exp->conns));
	if (exp->file)
		fput(exp->file);
	/* An export removal destroys it; this is one that never was listed. */
	if (exp->wq)
		destroy_workqueue(exp->wq);
	mempool_destroy(exp->req_pool);
	dst_export_forget_sessions(exp);
	kfree(exp->backing_path);
	kfree(exp->listen);
	dst_debug_poison(exp, sizeof(*exp));
	kfree(exp);
}

void dst_export_put(struct dst_export *exp)
{
	kref_put(&exp->kref, dst_export_release);
}

/*
 * Tell userspace, unless the module is going away with its netlink family
 * or the export's namespace is gone (exp->net is NULL then, under exp->lock
 * and dst_exports_lock: the caller holds one).
 */
static void dst_export_changed(struct dst_export *exp, u32 event, u32 clients,
			       const char *peer, const char *last_error)
{
	if (!READ_ONCE(dst_exports_closed) && exp->net)
		dst_export_notify(exp, event, clients, peer, last_error);
}

/* ---- the memory budget ---- */

static long dst_exp_mem_limit(void)
{
	unsigned int mb = READ_ONCE(dst_export_mem_mb);

	return mb ? (long)mb << 20 : (long)(totalram_pages() / 8) << PAGE_SHIFT;
}

/* Whether @bytes more of request data fit in the server's budget. */
static bool dst_exp_mem_fits(size_t bytes)
{
	return atomic_long_read(&dst_exp_mem) + (long)bytes <= dst_exp_mem_limit();
}

/* ---- requests ---- */

/* Not counted yet: dst_exp_rx_reserve() does, or mempool_free() undoes. */
static struct dst_exp_req *dst_exp_req_alloc(struct dst_export_conn *conn)
{
	struct dst_exp_req *req;

	/* Sleeps until another request is freed rather than failing. */
	req = mempool_alloc(conn->exp->req_pool, GFP_KERNEL);
	req->conn = conn;
	req->status = DST_ST_OK;
	req->err = 0;
	req->done = 0;
	req->nowait = false;
	req->write_ref = false;
	req->nr_bvecs = 0;
	return req;
}

/* Pages the socket still references (spliced) are freed when it lets go. */
static void dst_exp_req_free_pages(struct dst_exp_req *req)
{
	unsigned int i;

	for (i = 0; i < req->nr_bvecs; i++)
		put_page(req->bvec[i].bv_page);
}

/* The pages a request's data holds, for the connection's data_bytes. */
static size_t dst_exp_req_data_bytes(const struct dst_exp_req *req)
{
	return req->nr_bvecs ? PAGE_ALIGN(req->len) : 0;
}

/* ---- data block cache ---- */

/* Keep the block of a freed request for the next ones, or let it go. */
static void dst_exp_cache_put_locked(struct dst_export_conn *conn, struct page *page)
{
	size_t bytes = page_size(page);

	/* Kept only while live requests have half the budget to themselves. */
	if (conn->cache_bytes + bytes > DST_EXP_CACHE_BYTES ||
	    atomic_long_read(&dst_exp_mem) + (long)bytes > dst_exp_mem_limit() / 2) {
		put_page(page);
		return;
	}
	conn->cache_bytes += bytes;
	atomic_long_add(bytes, &dst_exp_mem);
	/* Only our reference left: nobody else can take one any more. */
	if (page_ref_count(page) == 1)
		list_add(&page->lru, &conn->free_blocks[compound_order(page)]);
	else
		list_add_tail(&page->lru, &conn->sent_blocks);
}

/* Sent blocks the socket has let go of (in the order sent) become free. */
static void dst_exp_cache_reclaim_locked(struct dst_export_conn *conn)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, &conn->sent_blocks, lru) {
		if (page_ref_count(page) != 1)
			break;
		list_move(&page->lru, &conn->free_blocks[compound_order(page)]);
	}
}

static struct page *dst_exp_cache_get_locked(struct dst_export_conn *conn, unsigned int order)
{
	struct page *page;

	page = list_first_entry_or_null(&conn->free_blocks[order], struct page, lru);
	if (page) {
		list_del(&page->lru);
		conn->cache_bytes -= page_size(page);
		atomic_long_sub(page_size(page), &dst_exp_mem);
	}
	return page;
}

/* At the connection's end: whatever the socket still holds, it frees. */
static void dst_exp_cache_release(struct dst_export_conn *conn)
{
	struct page *page, *next;
	unsigned int order;

	for (order = 0; order <= DST_EXP_BLOCK_ORDER; order++)
		list_splice_init(&conn->free_blocks[order], &conn->sent_blocks);
	list_for_each_entry_safe(page, next, &conn->sent_blocks, lru) {
		list_del(&page->lru);
		put_page(page);
	}
	atomic_long_sub(conn->cache_bytes, &dst_exp_mem);
	conn->cache_bytes = 0;
}

/* The end of a request: after its reply was sent, or dropped. */
static void dst_exp_req_free(struct dst_exp_req *req)
{
	struct dst_export_conn *conn = req->conn;
	unsigned int i;

	spin_lock_irq(&conn->lock);
	conn->nr_reqs--;
	conn->data_bytes -= dst_exp_req_data_bytes(req);
	atomic_long_sub(dst_exp_req_data_bytes(req), &dst_exp_mem);
	for (i = 0; i < req->nr_bvecs; i++)
		dst_exp_cache_put_locked(conn, req->bvec[i].bv_page);
	wake_up(&conn->wait);
	spin_unlock_irq(&conn->lock);
	mempool_free(req, conn->exp->req_pool);
}

/*
 * A compound block of up to 1 << @order pages if one is free as it is (no
 * reclaim or compaction for it), else a single page, or NULL.
 */
static struct page *dst_exp_alloc_block(unsigned int *order)
{
	struct page *page;

	for (; *order; (*order)--) {
		page = alloc_pages((GFP_KERNEL & ~__GFP_RECLAIM) | __GFP_COMP | __GFP_NOWARN,
				   *order);
		if (page)
			return page;
	}
	return alloc_page(GFP_KERNEL | __GFP_NOWARN);
}

/* The largest block order, up to @order, with no page beyond the @left bytes. */
static unsigned int dst_exp_block_order(u32 left, unsigned int order)
{
	return min_t(unsigned int, order, ilog2(DIV_ROUND_UP(left, PAGE_SIZE)));
}

/* Append @page, a block of compound_order(@page), to @req's data. */
static void dst_exp_req_add_block(struct dst_exp_req *req, struct page *page, u32 *left)
{
	u32 len = min_t(u32, *left, page_size(page));

	bvec_set_page(&req->bvec[req->nr_bvecs++], page, len, 0);
	*left -= len;
}

/*
 * Data pages for @req: blocks from the connection's cache, then fresh ones
 * (no larger than what is left, so that no page is allocated unused).
 */
static int dst_exp_req_alloc_pages(struct dst_exp_req *req)
{
	struct dst_export_conn *conn = req->conn;
	unsigned int order = DST_EXP_BLOCK_ORDER;
	u32 left = req->len;
	struct page *page;

	if (WARN_ON_ONCE(DIV_ROUND_UP(left, PAGE_SIZE) > DST_EXP_MAX_PAGES))
		return -EINVAL;
	req->nr_bvecs = 0;
	spin_lock_irq(&conn->lock);
	/* Counted now, in the section the cache needs anyway; undone on failure. */
	conn->data_bytes += PAGE_ALIGN(left);
	atomic_long_add(PAGE_ALIGN(left), &dst_exp_mem);
	dst_exp_cache_reclaim_locked(conn);
	while (left) {
		page = dst_exp_cache_get_locked(conn, dst_exp_block_order(left, order));
		if (!page)
			break;
		dst_exp_req_add_block(req, page, &left);
	}
	spin_unlock_irq(&conn->lock);
	while (left) {
		order = dst_exp_block_order(left, order);
		page = dst_exp_alloc_block(&order);
		if (!page) {
			dst_exp_req_free_pages(req);
			req->nr_bvecs = 0;
			spin_lock_irq(&conn->lock);
			conn->data_bytes -= PAGE_ALIGN(req->len);
			atomic_long_sub(PAGE_ALIGN(req->len), &dst_exp_mem);
			spin_unlock_irq(&conn->lock);
			return -ENOMEM;
		}
		dst_exp_req_add_block(req, page, &left);
	}
	return 0;
}

/* CRC32C of the request's data: its own bvecs, each starting at offset 0. */
static u32 dst_exp_req_crc(const struct dst_exp_req *req)
{
	u32 crc = ~0U, n, done;
	unsigned int i;

	for (i = 0; i < req->nr_bvecs; i++) {
		const struct bio_vec *bv = &req->bvec[i];

		for (done = 0; done < bv->bv_len; done += n) {
			struct page *page = nth_page(bv->bv_page, done >> PAGE_SHIFT);
			void *p = kmap_local_page(page);

			n = min_t(u32, bv->bv_len - done, PAGE_SIZE);
			crc = dst_crc32c_update(crc, p, n);
			kunmap_local(p);
		}
	}
	return dst_crc_final(crc);
}

/*
 * Hand @req to TX, exactly once per request; any context. The decrement of
 * nr_pending is what lets the reaper free the connection, so it comes last
 * and under the lock: the reaper reads it under the same lock, after which
 * this function no longer touches @conn. RX, completing a request itself
 * (in its own context, not in an interrupt that came on top of it), does not
 * wake TX: it sends the reply or wakes TX after the request
 * (dst_exp_rx_replies).
 */
static void dst_exp_req_done(struct dst_exp_req *req)
{
	struct dst_export_conn *conn = req->conn;
	unsigned long flags;

	spin_lock_irqsave(&conn->lock, flags);
	list_add_tail(&req->node, &conn->tx_queue);
	conn->nr_pending--;
	wake_up(&conn->wait);
	if (!in_task() || current != conn->rx_thread)
		wake_up(&conn->tx_wait);
	spin_unlock_irqrestore(&conn->lock, flags);
}

/* ---- backing store I/O ---- */

/*
 * READ and WRITE: RX submits asynchronous direct I/O with IOCB_NOWAIT and,
 * writing to a file, takes the file system's freeze protection only if that
 * is free. What would block, and what a NOWAIT submission did only in part,
 * goes on from where it stopped on the export's workqueue, without NOWAIT;
 * so does buffered I/O. A write to a frozen file system waits there for the
 * thaw, never on the frozen file system. A short transfer is continued until
 * the backing store says why it stops: a read past the end (EIO: the file
 * shrank) or a write's error (ENOSPC...).
 */
static void dst_exp_rw_complete(struct kiocb *iocb, long ret);

static void dst_exp_iocb_init(struct dst_exp_req *req)
{
	struct dst_export *exp = req->conn->exp;
	int flags = exp->direct ? IOCB_DIRECT : 0;

	if (req->opcode == DST_OP_WRITE) {
		flags |= IOCB_WRITE;
		/* Durable before the reply: FUA for direct I/O, a sync otherwise. */
		if (req->flags & DST_CMD_F_FUA)
			flags |= IOCB_DSYNC;
	}
	if (req->nowait)
		flags |= IOCB_NOWAIT;
	/* Not init_sync_kiocb(): the fd's own flags (O_APPEND...) do not apply. */
	req->iocb = (struct kiocb) {
		.ki_filp = exp->file,
		.ki_pos = req->offset + req->done,
		.ki_flags = flags,
		.ki_ioprio = get_current_ioprio(),
		.ki_complete = exp->direct ? dst_exp_rw_complete : NULL,
	};
}

/*
 * The freeze protection a write to a file needs until it completes (a block
 * device has none), as aio takes it; -EAGAIN when RX would wait for it.
 */
static int dst_exp_start_write(struct dst_exp_req *req)
{
	struct super_block *sb = file_inode(req->iocb.ki_filp)->i_sb;

	if (req->opcode != DST_OP_WRITE || req->conn->exp->bdev)
		return 0;
	if (!req->nowait) {
		kiocb_start_write(&req->iocb);
	} else if (sb_start_write_trylock(sb)) {
		/* Handed to the completion, as kiocb_start_write() does. */
		__sb_writers_release(sb, SB_FREEZE_WRITE);
	} else {
		return -EAGAIN;
	}
	req->write_ref = true;
	return 0;
}

static void dst_exp_end_write(struct dst_exp_req *req)
{
	if (req->write_ref) {
		req->write_ref = false;
		kiocb_end_write(&req->iocb);
	}
}

/* Submit what is left of a READ or WRITE, from req->done on. */
static void dst_exp_rw_start(struct dst_exp_req *req)
{
	struct file *file = req->conn->exp->file;
	struct iov_iter iter;
	ssize_t ret;

	dst_exp_iocb_init(req);
	ret = dst_exp_start_write(req);
	if (!ret) {
		if (req->opcode == DST_OP_WRITE) {
			iov_iter_bvec(&iter, ITER_SOURCE, req->bvec, req->nr_bvecs, req->len);
			iov_iter_advance(&iter, req->done);
			ret = file->f_op->write_iter(&req->iocb, &iter);
		} else {
			iov_iter_bvec(&iter, ITER_DEST, req->bvec, req->nr_bvecs, req->len);
			iov_iter_advance(&iter, req->done);
			ret = file->f_op->read_iter(&req->iocb, &iter);
		}
		/* ki_complete runs (or already ran) and owns @req. */
		if (ret == -EIOCBQUEUED)
			return;
	}
	/* Done or refused without ki_complete: complete it here, once. */
	dst_exp_rw_complete(&req->iocb, ret);
}

/* The export's workqueue: go on with a READ or WRITE, waiting if need be. */
static void dst_exp_rw_work(struct work_struct *work)
{
	struct dst_exp_req *req = container_of(work, struct dst_exp_req, work);

	req->nowait = false;
	dst_exp_rw_start(req);
}

static void dst_exp_rw_later(struct dst_exp_req *req)
{
	INIT_WORK(&req->work, dst_exp_rw_work);
	queue_work(req->conn->exp->wq, &req->work);
}

/* ki_complete, and the end of every READ and WRITE attempt; any context. */
static void dst_exp_rw_complete(struct kiocb *iocb, long ret)
{
	struct dst_exp_req *req = container_of(iocb, struct dst_exp_req, iocb);

	dst_exp_end_write(req);
	if (DST_DEBUG_COUNT(backing_enomem))
		ret = -ENOMEM;
	if (ret > 0)
		req->done += ret;
	if ((ret == -EAGAIN && req->nowait) || (ret > 0 && req->done < req->len)) {
		dst_exp_rw_later(req);
		return;
	}
	/* Nothing more from a read: the file ended (it shrank under us). */
	if (ret >= 0 && req->done < req->len)
		ret = -EIO;
	if (ret < 0) {
		req->err = ret;
		req->status = dst_errno_to_status(ret);
	}
	dst_exp_req_done(req);
}

/* Synchronous kiocb I/O, for workers: the probe and written zeroes. */
static ssize_t dst_exp_iter_sync(struct dst_export *exp, struct iov_iter *iter,
				 loff_t pos, int flags)
{
	struct kiocb iocb = {
		.ki_filp = exp->file,
		.ki_pos = pos,
		.ki_flags = flags,
		.ki_ioprio = get_current_ioprio(),
	};

	if (iov_iter_rw(iter) == WRITE)
		return exp->file->f_op->write_iter(&iocb, iter);
	return exp->file->f_op->read_iter(&iocb, iter);
}

/* Write zero pages over [pos, pos + len): what works on any writable file. */
static int dst_exp_write_zero_pages(struct dst_export *exp, loff_t pos, u64 len)
{
	struct bio_vec bvec[DST_EXP_ZERO_PAGES];
	int flags = exp->direct ? IOCB_DIRECT | IOCB_WRITE : IOCB_WRITE;
	struct iov_iter iter;
	unsigned int i;
	ssize_t ret = 0;
	size_t chunk;

	for (i = 0; i < ARRAY_SIZE(bvec); i++)
		bvec_set_page(&bvec[i], ZERO_PAGE(0), PAGE_SIZE, 0);
	file_start_write(exp->file);
	while (len) {
		chunk = min_t(u64, len, ARRAY_SIZE(bvec) * PAGE_SIZE);
		iov_iter_bvec(&iter, ITER_SOURCE, bvec, DIV_ROUND_UP(chunk, PAGE_SIZE), chunk);
		ret = dst_exp_iter_sync(exp, &iter, pos, flags);
		if (ret <= 0)
			break;
		pos += ret;
		len -= ret;
		cond_resched();
	}
	file_end_write(exp->file);
	return ret < 0 ? ret : len ? -EIO : 0;
}

/*
 * A discard of a block device, with what blkdev_fallocate() does around
 * blkdev_issue_*() and blkdev_issue_discard() alone does not: the device's
 * read-only flag, and its page cache (a buffered reader on the server must
 * not see what was discarded).
 */
static int dst_exp_bdev_discard(struct dst_exp_req *req)
{
	struct dst_export *exp = req->conn->exp;
	struct address_space *mapping = exp->file->f_mapping;
	int err;

	if (bdev_read_only(exp->bdev))
		return -EPERM;
	filemap_invalidate_lock(mapping);
	truncate_inode_pages_range(mapping, req->offset, req->offset + req->len - 1);
	err = blkdev_issue_discard(exp->bdev, req->offset >> SECTOR_SHIFT,
				   req->len >> SECTOR_SHIFT, GFP_KERNEL);
	filemap_invalidate_unlock(mapping);
	return err;
}

static int dst_exp_fallocate(struct dst_exp_req *req, int mode)
{
	struct dst_export *exp = req->conn->exp;

	/* blkdev_fallocate() leaves the read-only flag to write_iter. */
	if (exp->bdev && bdev_read_only(exp->bdev))
		return -EPERM;
	return vfs_fallocate(exp->file, mode | FALLOC_FL_KEEP_SIZE, req->offset, req->len);
}

static int dst_exp_discard(struct dst_exp_req *req)
{
	if (req->conn->exp->bdev)
		return dst_exp_bdev_discard(req);
	return dst_exp_fallocate(req, FALLOC_FL_PUNCH_HOLE);
}

/*
 * As loop does: deallocate where allowed (punch a hole; a block device then
 * unmaps, or fails rather than writing zeroes), else zero in place (a file
 * keeps the range allocated; a block device writes zeroes if it must), else
 * write pages of zeroes. vfs_fallocate() takes care of the page cache and
 * the freeze protection.
 */
static int dst_exp_write_zeroes(struct dst_exp_req *req)
{
	int err = -EOPNOTSUPP;

	if (!(req->flags & DST_CMD_F_NOUNMAP))
		err = dst_exp_fallocate(req, FALLOC_FL_PUNCH_HOLE);
	if (err == -EOPNOTSUPP)
		err = dst_exp_fallocate(req, FALLOC_FL_ZERO_RANGE);
	if (err == -EOPNOTSUPP)
		err = dst_exp_write_zero_pages(req->conn->exp, req->offset, req->len);
	return err;
}

/* The export's workqueue: the operations that block until they are done. */
static void dst_exp_io_work(struct work_struct *work)
{
	struct dst_exp_req *req = container_of(work, struct dst_exp_req, work);
	int err;

	switch (req->opcode) {
	case DST_OP_FLUSH:
		/*
		 * fdatasync: the export's size never changes, so the metadata
		 * a data sync leaves out (timestamps) is nothing a client reads.
		 */
		err = vfs_fsync(req->conn->exp->file, 1);
		break;
	case DST_OP_DISCARD:
		err = dst_exp_discard(req);
		break;
	case DST_OP_WRITE_ZEROES:
		err = dst_exp_write_zeroes(req);
		break;
	default:
		err = -EINVAL;
		break;
	}
	if (err) {
		req->err = err;
		req->status = dst_errno_to_status(err);
	}
	dst_exp_req_done(req);
}

/* Start a request on the backing store; from RX (@nowait) or a worker. */
static void dst_exp_submit(struct dst_exp_req *req, bool nowait)
{
	struct dst_export *exp = req->conn->exp;

	if (req->opcode == DST_OP_READ || req->opcode == DST_OP_WRITE) {
		req->nowait = nowait && exp->direct;
		if (req->nowait || !nowait)
			dst_exp_rw_start(req);
		else
			dst_exp_rw_later(req);
		return;
	}
	INIT_WORK(&req->work, dst_exp_io_work);
	queue_work(exp->wq, &req->work);
}

#ifdef DST_DEBUG
static void dst_exp_hold_done(struct work_struct *work)
{
	struct dst_exp_req *req = container_of(to_delayed_work(work), struct dst_exp_req,
					       hold_work);

	dst_exp_submit(req, false);
}

/* dbg_write_hold_ms: the next WRITE waits this long before it executes. */
static bool dst_exp_debug_hold(struct dst_exp_req *req)
{
	unsigned int ms = req->opcode == DST_OP_WRITE ? DST_DEBUG_TAKE(write_hold_ms) : 0;

	if (!ms)
		return false;
	pr_info("debug: export %s: holding a WRITE at %llu for %u ms\n",
		req->conn->exp->name, req->offset, ms);
	INIT_DELAYED_WORK(&req->hold_work, dst_exp_hold_done);
	queue_delayed_work(req->conn->exp->wq, &req->hold_work, msecs_to_jiffies(ms));
	return true;
}
#else
static bool dst_exp_debug_hold(struct dst_exp_req *req)
{
	return false;
}
#endif

/* ---- connections ---- */

/* What a socket error tells userspace about why a client left. */
static void dst_exp_sock_error(char *buf, size_t len, int err)
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
		/* dst_sock_recv(): a TLS record that is not application data. */
		strscpy(buf, "unexpected TLS record", len);
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
static bool dst_exp_conn_kill(struct dst_export_conn *conn, int err, const char *why)
{
	if (test_and_set_bit(DST_EXP_CONN_DEAD, &conn->flags))
		return false;
	conn->err = err;
	if (why)
		strscpy(conn->last_error, why, sizeof(conn->last_error));
	else
		dst_exp_sock_error(conn->last_error, sizeof(conn->last_error), err);
	dst_sock_shutdown(conn->sock);
	/* RX may be waiting for budget, not in recvmsg. */
	wake_up(&conn->wait);
	/* Orders the writes above before the reaper's reads. */
	queue_work(conn->exp->wq, &conn->reap_work);
	return true;
}

static bool dst_exp_conn_dead(struct dst_export_conn *conn)
{
	return test_bit(DST_EXP_CONN_DEAD, &conn->flags);
}

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

/* For threads that failed: sleep until the reaper calls kthread_stop(). */
static void dst_exp_wait_for_stop(void)
{
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
}

/* ---- RX ---- */

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
	if (!req->len || req->len > max)
		return DST_ST_INVAL;
	if (!IS_ALIGNED(req->offset | req->len, exp->logical_bs))
		return DST_ST_INVAL;
	if (req->len > exp->size || req->offset > exp->size - req->len)
		return DST_ST_INVAL;
	return DST_ST_OK;
}

/* The status a well-formed request gets before it reaches the backing store. */
static u32 dst_exp_rx_check_req(struct dst_export_conn *conn, const struct dst_exp_req *req,
				u32 data_csum)
{
	struct dst_export *exp = conn->exp;
	bool ro = exp->features & DST_FEAT_READ_ONLY;
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
		err = dst_sock_recv(conn->sock, &iter);
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
	err = dst_sock_recv(conn->sock, &iter);
	if (!err && conn->csum == DST_CSUM_CRC32C && dst_exp_req_crc(req) != data_csum) {
		pr_warn_ratelimited("export %s: %s: tag %#llx: data checksum mismatch, dropping connection\n",
				    conn->exp->name, conn->peer, req->tag);
		err = -EBADMSG;
		dst_exp_conn_kill(conn, err, "data checksum mismatch");
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

	err = dst_sock_recv_buf(conn->sock, &hdr, sizeof(hdr));
	if (err)
		return err;
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

static void dst_exp_tx_queued(struct dst_export_conn *conn);

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

static int dst_exp_rx_thread(void *arg)
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
	dst_exp_wait_for_stop();
	return 0;
}

/* ---- TX ---- */

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
static void dst_exp_tx_queued(struct dst_export_conn *conn)
{
	LIST_HEAD(batch);

	lockdep_assert_held(&conn->tx_mutex);
	spin_lock_irq(&conn->lock);
	list_splice_init(&conn->tx_queue, &batch);
	spin_unlock_irq(&conn->lock);
	dst_exp_tx_batch(conn, &batch);
}

static int dst_exp_tx_thread(void *arg)
{
	struct dst_export_conn *conn = arg;

	/* Runs until stopped, sending or dropping: RX and the reaper count on it. */
	for (;;) {
		wait_event_interruptible(conn->tx_wait, !list_empty_careful(&conn->tx_queue) ||
					 kthread_should_stop());
		if (kthread_should_stop())
			break;
		mutex_lock(&conn->tx_mutex);
		dst_exp_tx_queued(conn);
		mutex_unlock(&conn->tx_mutex);
	}
	return 0;
}

/* ---- connection life ---- */

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

/* ---- sessions: the newest generation each connected with ---- */

struct dst_exp_session {
	struct hlist_node node;		/* on exp->sessions */
	struct list_head lru;		/* on exp->session_lru */
	u8 id[DST_EXP_SESSION_LEN];
	u32 generation;			/* the newest that connected */
};

static struct hlist_head *dst_exp_session_bucket(struct dst_export *exp, const u8 *id)
{
	/* The id is the client's choice: no order of its bytes is trusted. */
	return &exp->sessions[jhash(id, DST_EXP_SESSION_LEN, (u32)(uintptr_t)exp) %
			      ARRAY_SIZE(exp->sessions)];
}

static struct dst_exp_session *dst_exp_session_find(struct dst_export *exp, const u8 *id)
{
	struct dst_exp_session *session;

	lockdep_assert_held(&exp->lock);
	hlist_for_each_entry(session, dst_exp_session_bucket(exp, id), node)
		if (!memcmp(session->id, id, DST_EXP_SESSION_LEN))
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
	memcpy(session->id, id, DST_EXP_SESSION_LEN);
	session->generation = generation;
	hlist_add_head(&session->node, dst_exp_session_bucket(exp, id));
	list_add_tail(&session->lru, &exp->session_lru);
}

static void dst_export_forget_sessions(struct dst_export *exp)
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

	mutex_lock(&conn->tx_mutex);
	mutex_unlock(&conn->tx_mutex);
	dst_sock_put(conn->sock);
	conn->sock = NULL;
	mutex_lock(&exp->lock);
	exp->nr_sockets--;
	mutex_unlock(&exp->lock);
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
			   clients, conn->peer, conn->last_error);
	mutex_unlock(&exp->lock);
	dst_exp_submit_held(&ready);
	/* Our reference keeps @exp alive even if removal is done now. */
	wake_up(&exp->conns_wait);

	dst_exp_conn_free(conn);
	dst_export_put(exp);
}

static struct dst_export_conn *dst_exp_conn_create(struct dst_export *exp, struct socket *sock,
						   const struct dst_export_client *client)
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
			 const struct sockaddr_storage *peer, struct netlink_ext_ack *extack)
{
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
	return dst_exp_check_stale(exp, client, extack);
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
		pr_info("export %s: client %s connected, checksum %s, session %pUb generation %u%s\n",
			exp->name, conn->peer, dst_csum_name(conn->csum), conn->session,
			conn->generation, conn->fence_wait ? ", waiting for older generations" : "");
	else
		pr_info("export %s: client %s connected, checksum %s\n", exp->name, conn->peer,
			dst_csum_name(conn->csum));
	dst_export_changed(exp, DST_EXPORT_EV_CLIENT_CONNECTED, clients, conn->peer, NULL);
}

int dst_export_connect(struct dst_export *exp, struct socket *sock,
		       const struct dst_export_client *client, bool check,
		       struct netlink_ext_ack *extack)
{
	struct dst_export_conn *conn = NULL;
	struct sockaddr_storage peer;
	int err;

	err = dst_sock_peer_addr(sock, &peer);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "socket has no peer");
		return err;
	}
	if (!check) {
		conn = dst_exp_conn_create(exp, sock, client);
		if (IS_ERR(conn)) {
			NL_SET_ERR_MSG_MOD(extack, "cannot start the connection's threads");
			return PTR_ERR(conn);
		}
	}
	mutex_lock(&exp->lock);
	err = dst_exp_admit(exp, client, &peer, extack);
	if (!err && conn && atomic_inc_return(&dst_exp_nr_conns) > READ_ONCE(dst_max_conns)) {
		/* Another export took the last one meanwhile. */
		atomic_dec(&dst_exp_nr_conns);
		NL_SET_ERR_MSG_MOD(extack, "server has the maximum number of connections");
		err = -EBUSY;
	}
	if (!err && conn) {
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

/* ---- exports ---- */

bool dst_export_name_valid(const char *name)
{
	size_t len = strnlen(name, DST_EXPORT_NAME_MAX + 1);
	size_t i;

	if (!len || len > DST_EXPORT_NAME_MAX)
		return false;
	/* Not isalnum(): the kernel's ctype counts Latin-1 letters in. */
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static struct dst_export *dst_export_lookup(struct net *net, const char *name)
{
	struct dst_export *exp;

	lockdep_assert_held(&dst_exports_lock);
	list_for_each_entry(exp, &dst_exports, node)
		if (net_eq(exp->net, net) && !strcmp(exp->name, name))
			return exp;
	return NULL;
}

struct dst_export *dst_export_find(struct net *net, const char *name)
{
	struct dst_export *exp;

	mutex_lock(&dst_exports_lock);
	exp = dst_export_lookup(net, name);
	if (exp)
		kref_get(&exp->kref);
	mutex_unlock(&dst_exports_lock);
	return exp;
}

static void dst_export_probe_bdev(struct dst_export *exp)
{
	struct block_device *bdev = I_BDEV(exp->file->f_mapping->host);

	exp->bdev = bdev;
	exp->direct = exp->file->f_mode & FMODE_CAN_ODIRECT;
	exp->size = bdev_nr_bytes(bdev);
	exp->logical_bs = bdev_logical_block_size(bdev);
	exp->physical_bs = bdev_physical_block_size(bdev);
	if (bdev_max_discard_sectors(bdev))
		exp->features |= DST_FEAT_DISCARD;
	if (!bdev_nonrot(bdev))
		exp->features |= DST_FEAT_ROTATIONAL;
}

/*
 * Whether a direct read of @len bytes works at an offset aligned to @len and
 * no more. FMODE_CAN_ODIRECT alone is no proof (overlayfs sets it over files
 * whose filesystem refuses IOCB_DIRECT), nor is the alignment a filesystem
 * reports.
 */
static bool dst_export_dio_works(struct dst_export *exp, struct page *page, u32 len)
{
	loff_t pos = exp->size >= 2 * len ? len : 0;
	struct iov_iter iter;
	struct bio_vec bv;

	bvec_set_page(&bv, page, len, 0);
	iov_iter_bvec(&iter, ITER_DEST, &bv, 1, len);
	return dst_exp_iter_sync(exp, &iter, pos, IOCB_DIRECT) == len;
}

/* The smallest alignment from @align to 4096 that direct I/O takes, or 0. */
static u32 dst_export_dio_align(struct dst_export *exp, u32 align)
{
	struct page *page = alloc_page(GFP_KERNEL);
	u32 found = 0;

	if (!page)
		return 0;
	for (; align <= 4096 && align <= exp->size; align <<= 1) {
		if (dst_export_dio_works(exp, page, align)) {
			found = align;
			break;
		}
	}
	__free_page(page);
	return found;
}

/*
 * A regular file, what needs no I/O: its size, and what export-get shows
 * until the probe (dst_export_probe_work) found the rest.
 */
static void dst_export_probe_file(struct dst_export *exp)
{
	struct inode *inode = file_inode(exp->file);
	struct block_device *sb_bdev = inode->i_sb->s_bdev;

	exp->size = i_size_read(inode);
	exp->logical_bs = SECTOR_SIZE;
	exp->physical_bs = clamp_t(u32, i_blocksize(inode), SECTOR_SIZE, 65536);
	/* Punching holes may still fail: DISCARD then replies NOTSUPP. */
	if (exp->file->f_op->fallocate)
		exp->features |= DST_FEAT_DISCARD;
	if (sb_bdev && !bdev_nonrot(sb_bdev))
		exp->features |= DST_FEAT_ROTATIONAL;
}

static void dst_export_ready(struct dst_export *exp);

/*
 * The probe of a regular file, which reads it (and may hang with its file
 * system, so not in export-add): its logical block size is the direct I/O
 * alignment of its filesystem, so that every request a client may send can
 * go straight to disk; without direct I/O, 512 and buffered I/O. Then the
 * export turns ready.
 */
static void dst_export_probe_work(struct work_struct *work)
{
	struct dst_export *exp = container_of(work, struct dst_export, probe_work);
	struct inode *inode = file_inode(exp->file);
	struct block_device *sb_bdev = inode->i_sb->s_bdev;
	bool direct = exp->file->f_mode & FMODE_CAN_ODIRECT;
	struct kstat stat = {};
	u32 align;

	align = sb_bdev ? bdev_logical_block_size(sb_bdev) : SECTOR_SIZE;
	if (direct && !vfs_getattr(&exp->file->f_path, &stat, STATX_DIOALIGN,
				   AT_STATX_SYNC_AS_STAT) &&
	    (stat.result_mask & STATX_DIOALIGN)) {
		/* 0: no direct I/O for this file (data journalling...). */
		align = stat.dio_offset_align;
		direct = align && stat.dio_mem_align <= PAGE_SIZE;
	}
	if (direct && is_power_of_2(align) && IS_ALIGNED(exp->size, align))
		align = dst_export_dio_align(exp, max_t(u32, align, SECTOR_SIZE));
	else
		align = 0;

	/* Under the lock: its namespace may be exiting (exp->net). */
	mutex_lock(&exp->lock);
	if (exp->state == DST_EXPORT_PROBING) {
		exp->direct = align;
		exp->logical_bs = align ?: SECTOR_SIZE;
		exp->physical_bs = max(exp->physical_bs, exp->logical_bs);
		WRITE_ONCE(exp->state, DST_EXPORT_READY);
		dst_export_ready(exp);
	}
	mutex_unlock(&exp->lock);
	dst_export_put(exp);
}

static int dst_export_check_file(struct dst_export *exp, const struct dst_export_cfg *cfg,
				 struct netlink_ext_ack *extack)
{
	struct file *file = exp->file;
	umode_t mode = file_inode(file)->i_mode;

	if (!S_ISBLK(mode) && !S_ISREG(mode)) {
		NL_SET_ERR_MSG_MOD(extack, "backing file must be a block device or regular file");
		NL_SET_BAD_ATTR(extack, cfg->fd_attr);
		return -EINVAL;
	}
	/* ->read_iter() does not check the mode. */
	if (!(file->f_mode & FMODE_READ) || !file->f_op->read_iter) {
		NL_SET_ERR_MSG_MOD(extack, "backing file is not open for reading");
		NL_SET_BAD_ATTR(extack, cfg->fd_attr);
		return -EBADF;
	}
	if (!cfg->read_only && (!(file->f_mode & FMODE_WRITE) || !file->f_op->write_iter)) {
		NL_SET_ERR_MSG_MOD(extack, "backing file is not writable but the export is");
		NL_SET_BAD_ATTR(extack, cfg->fd_attr);
		return -EBADF;
	}
	return 0;
}

static int dst_export_probe(struct dst_export *exp, const struct dst_export_cfg *cfg,
			    struct netlink_ext_ack *extack)
{
	int err = dst_export_check_file(exp, cfg, extack);

	if (err)
		return err;
	if (S_ISBLK(file_inode(exp->file)->i_mode))
		dst_export_probe_bdev(exp);
	else
		dst_export_probe_file(exp);
	if (!exp->size) {
		NL_SET_ERR_MSG_MOD(extack, "backing file is empty");
		NL_SET_BAD_ATTR(extack, cfg->fd_attr);
		return -EINVAL;
	}
	if (exp->logical_bs > 4096) {
		NL_SET_ERR_MSG_MOD(extack, "backing logical block size is larger than 4096");
		NL_SET_BAD_ATTR(extack, cfg->fd_attr);
		return -EINVAL;
	}
	if (!IS_ALIGNED(exp->size, exp->logical_bs)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "backing size is not a multiple of its logical block size");
		NL_SET_BAD_ATTR(extack, cfg->fd_attr);
		return -EINVAL;
	}
	/* The block layer splits for the backing device: no smaller limit. */
	exp->max_xfer = DST_MAX_XFER_DEFAULT;
	exp->features |= DST_FEAT_FLUSH | DST_FEAT_FUA | DST_FEAT_WRITE_ZEROES;
	if (cfg->read_only) {
		exp->features &= ~(DST_FEAT_DISCARD | DST_FEAT_WRITE_ZEROES);
		exp->features |= DST_FEAT_READ_ONLY;
	}
	return 0;
}

/* Log and announce an export that turned ready. */
static void dst_export_ready(struct dst_export *exp)
{
	pr_info("export %s: %s, %llu bytes, block size %u/%u, %s I/O%s\n", exp->name,
		exp->backing_path ?: "(no path)", exp->size, exp->logical_bs,
		exp->physical_bs, exp->direct ? "direct" : "buffered",
		exp->features & DST_FEAT_READ_ONLY ? ", read-only" : "");
	dst_export_changed(exp, DST_EXPORT_EV_ADDED, 0, NULL, NULL);
}

static void dst_export_remove_work(struct work_struct *work);

static struct dst_export *dst_export_alloc(struct net *net, const struct dst_export_cfg *cfg)
{
	struct dst_export *exp = kzalloc(sizeof(*exp), GFP_KERNEL);
	unsigned int i;

	if (!exp)
		return NULL;
	kref_init(&exp->kref);
	INIT_LIST_HEAD(&exp->node);
	mutex_init(&exp->lock);
	INIT_LIST_HEAD(&exp->conns);
	init_waitqueue_head(&exp->conns_wait);
	for (i = 0; i < ARRAY_SIZE(exp->sessions); i++)
		INIT_HLIST_HEAD(&exp->sessions[i]);
	INIT_LIST_HEAD(&exp->session_lru);
	INIT_WORK(&exp->probe_work, dst_export_probe_work);
	INIT_WORK(&exp->remove_work, dst_export_remove_work);
	strscpy(exp->name, cfg->name, sizeof(exp->name));
	if (cfg->uuid)
		uuid_copy(&exp->uuid, cfg->uuid);
	else
		uuid_gen(&exp->uuid);
	exp->net = net;
	exp->req_pool = mempool_create_slab_pool(DST_EXP_REQ_RESERVE, dst_exp_req_cache);
	exp->wq = alloc_workqueue("dst-export", WQ_MEM_RECLAIM | WQ_UNBOUND, 0);
	if (cfg->backing_path)
		exp->backing_path = kstrdup(cfg->backing_path, GFP_KERNEL);
	if (cfg->listen)
		exp->listen = kstrdup(cfg->listen, GFP_KERNEL);
	if (!exp->req_pool || !exp->wq || (cfg->backing_path && !exp->backing_path) ||
	    (cfg->listen && !exp->listen)) {
		dst_export_put(exp);
		return NULL;
	}
	return exp;
}

/* List @exp, unless its name is taken in its namespace. */
static int dst_export_publish(struct dst_export *exp, const struct dst_export_cfg *cfg,
			      struct netlink_ext_ack *extack)
{
	int err = 0;

	mutex_lock(&dst_exports_lock);
	if (dst_exports_closed) {
		NL_SET_ERR_MSG_MOD(extack, "module is unloading");
		err = -ESHUTDOWN;
	} else if (dst_export_lookup(exp->net, exp->name)) {
		NL_SET_ERR_MSG_MOD(extack, "export name already in use");
		NL_SET_BAD_ATTR(extack, cfg->name_attr);
		err = -EEXIST;
	} else {
		list_add_tail(&exp->node, &dst_exports);
		dst_exports_gen++;
	}
	mutex_unlock(&dst_exports_lock);
	return err;
}

int dst_export_add(struct net *net, const struct dst_export_cfg *cfg,
		   struct netlink_ext_ack *extack)
{
	struct dst_export *exp;
	bool probe;
	int err;

	exp = dst_export_alloc(net, cfg);
	if (!exp)
		return -ENOMEM;
	exp->file = fget(cfg->backing_fd);
	if (!exp->file) {
		NL_SET_ERR_MSG_MOD(extack, "backing fd is not an open file");
		NL_SET_BAD_ATTR(extack, cfg->fd_attr);
		err = -EBADF;
		goto put_exp;
	}
	err = dst_export_probe(exp, cfg, extack);
	if (err)
		goto put_exp;
	probe = !exp->bdev;
	exp->state = probe ? DST_EXPORT_PROBING : DST_EXPORT_READY;
	err = dst_export_publish(exp, cfg, extack);
	if (err)
		goto put_exp;
	if (!probe) {
		dst_export_ready(exp);
		return 0;
	}
	/* Removal waits for it; the probe holds its own reference. */
	kref_get(&exp->kref);
	queue_work(dst_exp_wq, &exp->probe_work);
	return 0;

put_exp:
	/* Never listed: the release frees what was set up. */
	dst_export_put(exp);
	return err;
}

/*
 * Start removing @exp (dst_exports_lock held): it turns removing, so no
 * connection is added, and its connections are killed; remove_work does the
 * rest. False if it was removing already.
 */
static bool dst_export_start_removal(struct dst_export *exp)
{
	struct dst_export_conn *conn;
	bool started = false;

	lockdep_assert_held(&dst_exports_lock);
	mutex_lock(&exp->lock);
	if (exp->state != DST_EXPORT_REMOVING) {
		WRITE_ONCE(exp->state, DST_EXPORT_REMOVING);
		list_for_each_entry(conn, &exp->conns, node)
			dst_exp_conn_kill(conn, -ESHUTDOWN, "export removed");
		/* The list's reference goes with remove_work. */
		queue_work(dst_exp_wq, &exp->remove_work);
		started = true;
	}
	mutex_unlock(&exp->lock);
	return started;
}

/*
 * The rest of a removal: once the probe and every connection are done with
 * the backing file (their requests left it), close it, so that userspace may
 * reuse it, and take the export off the list.
 */
static void dst_export_remove_work(struct work_struct *work)
{
	struct dst_export *exp = container_of(work, struct dst_export, remove_work);

	flush_work(&exp->probe_work);
	wait_event(exp->conns_wait, !READ_ONCE(exp->nr_clients));
	/* The last reaper sends its event under the lock: ours goes after it. */
	mutex_lock(&exp->lock);
	mutex_unlock(&exp->lock);
	/* Drains what is left of the reapers, which ran on it. */
	destroy_workqueue(exp->wq);
	exp->wq = NULL;
	fput(exp->file);
	exp->file = NULL;

	pr_info("export %s: removed\n", exp->name);
	mutex_lock(&dst_exports_lock);
	/* Unlisted already if its namespace exited meanwhile. */
	if (!list_empty(&exp->node)) {
		list_del_init(&exp->node);
		dst_exports_gen++;
	}
	dst_export_changed(exp, DST_EXPORT_EV_REMOVED, 0, NULL, NULL);
	mutex_unlock(&dst_exports_lock);
	wake_up_all(&dst_exports_wait);
	dst_export_put(exp);
}

int dst_export_del(struct dst_export *exp)
{
	bool started;

	mutex_lock(&dst_exports_lock);
	started = dst_export_start_removal(exp);
	mutex_unlock(&dst_exports_lock);
	return started ? 0 : -ENOENT;
}

int dst_export_for_each(struct net *net, unsigned long *pos, unsigned int *gen,
			int (*fn)(struct dst_export *exp, void *arg), void *arg)
{
	struct dst_export *exp;
	unsigned long idx = 0;
	int ret = 0;

	mutex_lock(&dst_exports_lock);
	*gen = dst_exports_gen;
	list_for_each_entry(exp, &dst_exports, node) {
		if (!net_eq(exp->net, net))
			continue;
		if (idx >= *pos) {
			ret = fn(exp, arg);
			if (ret)
				break;
			*pos = idx + 1;
		}
		idx++;
	}
	mutex_unlock(&dst_exports_lock);
	return ret;
}

static bool dst_exports_listed(void)
{
	bool listed;

	mutex_lock(&dst_exports_lock);
	listed = !list_empty(&dst_exports);
	mutex_unlock(&dst_exports_lock);
	return listed;
}

/* Remove every export and wait for them to leave the list. */
static void dst_exports_remove(void)
{
	struct dst_export *exp;

	mutex_lock(&dst_exports_lock);
	list_for_each_entry(exp, &dst_exports, node)
		dst_export_start_removal(exp);
	mutex_unlock(&dst_exports_lock);
	wait_event(dst_exports_wait, !dst_exports_listed());
}

/* Whether a connection of an export of @net still holds its socket. */
static bool dst_exports_hold_sockets(struct net *net)
{
	struct dst_export *exp;
	bool held = false;

	mutex_lock(&dst_exports_lock);
	list_for_each_entry(exp, &dst_exports, node)
		if (net_eq(exp->net, net))
			held |= READ_ONCE(exp->nr_sockets);
	mutex_unlock(&dst_exports_lock);
	return held;
}

/*
 * The namespace waits for its sockets only, not for a backing store that
 * may hang (all namespace exits on the host wait behind this one): its
 * exports are removed, and once their connections let go of their sockets
 * they leave the list, their names free; each closes its backing file when
 * its requests left it, telling nobody.
 */
void dst_export_net_exit(struct net *net)
{
	struct dst_export *exp, *next;

	mutex_lock(&dst_exports_lock);
	list_for_each_entry(exp, &dst_exports, node)
		if (net_eq(exp->net, net))
			dst_export_start_removal(exp);
	mutex_unlock(&dst_exports_lock);
	wait_event(dst_exports_wait, !dst_exports_hold_sockets(net));

	mutex_lock(&dst_exports_lock);
	list_for_each_entry_safe(exp, next, &dst_exports, node) {
		if (!net_eq(exp->net, net))
			continue;
		list_del_init(&exp->node);
		dst_exports_gen++;
		mutex_lock(&exp->lock);
		exp->net = NULL;
		mutex_unlock(&exp->lock);
	}
	mutex_unlock(&dst_exports_lock);
}

int dst_export_init(void)
{
	dst_exp_req_cache = KMEM_CACHE(dst_exp_req, 0);
	if (!dst_exp_req_cache)
		return -ENOMEM;
	dst_exp_wq = alloc_workqueue("dst-export", WQ_UNBOUND, 0);
	if (!dst_exp_wq) {
		kmem_cache_destroy(dst_exp_req_cache);
		return -ENOMEM;
	}
	return 0;
}

void dst_export_exit(void)
{
	mutex_lock(&dst_exports_lock);
	WRITE_ONCE(dst_exports_closed, true);
	mutex_unlock(&dst_exports_lock);
	dst_exports_remove();
	/* Also the removals of exports whose namespace exited: their I/O drains. */
	destroy_workqueue(dst_exp_wq);
	kmem_cache_destroy(dst_exp_req_cache);
}
