// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exports: backing store, client connections, and the server data path.
 *
 * One connection, two kthreads and the completion paths between them:
 *
 *   socket -> RX: header, checks, WRITE payload -> submit
 *                   READ/WRITE, direct:  ->read_iter/->write_iter, async kiocb
 *                   anything else:       dst_exp_io_wq (flush, discard,
 *                                        write-zeroes, buffered read/write)
 *                   held by the fence:   conn->held, submitted when it lifts
 *                 PING, refused requests: straight to conn->tx_queue
 *   completion (irq, workqueue or RX itself) -> conn->tx_queue
 *   socket <- TX: reply header (+ READ data), then frees the request
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
#include <linux/falloc.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/ioprio.h>
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
 * Per connection, RX stops reading requests while this many are allocated
 * (from header to sent reply) or while another max_xfer of data pages would
 * exceed DST_EXP_MAX_DATA: a client cannot pin more than that on the server.
 */
#define DST_EXP_MAX_REQS	64
#define DST_EXP_MAX_DATA	SZ_16M
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

static_assert(DST_MAX_XFER_DEFAULT <= DST_MAX_XFER_LIMIT);
static_assert(DST_MAX_XFER_DEFAULT + DST_MAX_XFER_DEFAULT <= DST_EXP_MAX_DATA);
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
	unsigned int nr_bvecs;		/* each a page or a compound block */
	struct bio_vec bvec[DST_EXP_MAX_PAGES];
};

/* All exports, every netns; names are unique across all of them. */
static LIST_HEAD(dst_exports);
static DEFINE_MUTEX(dst_exports_lock);
/* Bumped on every add and removal, so that a dump can tell it was cut. */
static unsigned int dst_exports_gen = 1;	/* dst_exports_lock */
/* Module exit started: no new exports, no more notifications. */
static bool dst_exports_closed;			/* dst_exports_lock, READ_ONCE */

static struct kmem_cache *dst_exp_req_cache;
static mempool_t *dst_exp_req_pool;
/* Synchronous backing operations: may be needed to reclaim memory. */
static struct workqueue_struct *dst_exp_io_wq;
/* Connection reapers. */
static struct workqueue_struct *dst_exp_reap_wq;

static void dst_export_release(struct kref *kref)
{
	struct dst_export *exp = container_of(kref, struct dst_export, kref);

	WARN_ON_ONCE(!list_empty(&exp->conns));
	if (exp->file)
		fput(exp->file);
	if (exp->net)
		put_net(exp->net);
	kfree(exp->backing_path);
	kfree(exp->listen);
	kfree(exp);
}

void dst_export_put(struct dst_export *exp)
{
	kref_put(&exp->kref, dst_export_release);
}

/* Tell userspace, unless the module is going away with its netlink family. */
static void dst_export_changed(struct dst_export *exp, u32 event, u32 clients,
			       const char *peer, const char *last_error)
{
	if (!READ_ONCE(dst_exports_closed))
		dst_export_notify(exp, event, clients, peer, last_error);
}

/* ---- requests ---- */

static struct dst_exp_req *dst_exp_req_alloc(struct dst_export_conn *conn)
{
	struct dst_exp_req *req;

	/* Sleeps until another request is freed rather than failing. */
	req = mempool_alloc(dst_exp_req_pool, GFP_KERNEL);
	req->conn = conn;
	req->status = DST_ST_OK;
	req->err = 0;
	req->nr_bvecs = 0;
	spin_lock_irq(&conn->lock);
	conn->nr_reqs++;
	conn->nr_pending++;
	spin_unlock_irq(&conn->lock);
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

	if (conn->cache_bytes + bytes > DST_EXP_CACHE_BYTES) {
		put_page(page);
		return;
	}
	conn->cache_bytes += bytes;
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
	conn->cache_bytes = 0;
}

/* The end of a request: after its reply was sent, or dropped. */
static void dst_exp_req_free(struct dst_exp_req *req)
{
	struct dst_export_conn *conn = req->conn;
	unsigned int i;

	spin_lock_irq(&conn->lock);
	for (i = 0; i < req->nr_bvecs; i++)
		dst_exp_cache_put_locked(conn, req->bvec[i].bv_page);
	conn->nr_reqs--;
	conn->data_bytes -= dst_exp_req_data_bytes(req);
	wake_up(&conn->wait);
	spin_unlock_irq(&conn->lock);
	mempool_free(req, dst_exp_req_pool);
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

static void dst_exp_iocb_init(struct dst_exp_req *req, bool direct,
			      void (*complete)(struct kiocb *iocb, long ret))
{
	int flags = direct ? IOCB_DIRECT : 0;

	if (req->opcode == DST_OP_WRITE) {
		flags |= IOCB_WRITE;
		/* Durable before the reply: FUA for direct I/O, a sync otherwise. */
		if (req->flags & DST_CMD_F_FUA)
			flags |= IOCB_DSYNC;
	}
	/* Not init_sync_kiocb(): the fd's own flags (O_APPEND...) do not apply. */
	req->iocb = (struct kiocb) {
		.ki_filp = req->conn->exp->file,
		.ki_pos = req->offset,
		.ki_flags = flags,
		.ki_ioprio = get_current_ioprio(),
		.ki_complete = complete,
	};
}

static ssize_t dst_exp_rw_submit(struct dst_exp_req *req)
{
	struct file *file = req->conn->exp->file;
	struct iov_iter iter;

	if (req->opcode == DST_OP_WRITE) {
		iov_iter_bvec(&iter, ITER_SOURCE, req->bvec, req->nr_bvecs, req->len);
		return file->f_op->write_iter(&req->iocb, &iter);
	}
	iov_iter_bvec(&iter, ITER_DEST, req->bvec, req->nr_bvecs, req->len);
	return file->f_op->read_iter(&req->iocb, &iter);
}

static void dst_exp_rw_result(struct dst_exp_req *req, long ret)
{
	if (ret == req->len)
		return;
	/* Short: the backing file shrank under us. */
	req->err = ret < 0 ? ret : -EIO;
	req->status = dst_errno_to_status(req->err);
}

/* ki_complete: the backing store finished an asynchronous READ or WRITE. */
static void dst_exp_rw_complete(struct kiocb *iocb, long ret)
{
	struct dst_exp_req *req = container_of(iocb, struct dst_exp_req, iocb);

	dst_exp_rw_result(req, ret);
	dst_exp_req_done(req);
}

/* Asynchronous direct I/O, submitted from RX. */
static void dst_exp_rw_direct(struct dst_exp_req *req)
{
	ssize_t ret;

	dst_exp_iocb_init(req, true, dst_exp_rw_complete);
	ret = dst_exp_rw_submit(req);
	/*
	 * -EIOCBQUEUED: ki_complete runs (or already ran) and owns @req. Any
	 * other value means the I/O completed synchronously without calling
	 * ki_complete, so we complete it here, once.
	 */
	if (ret != -EIOCBQUEUED)
		dst_exp_rw_complete(&req->iocb, ret);
}

/* Synchronous kiocb I/O, for workers: buffered files and written zeroes. */
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

static void dst_exp_rw_buffered(struct dst_exp_req *req)
{
	dst_exp_iocb_init(req, false, NULL);
	dst_exp_rw_result(req, dst_exp_rw_submit(req));
}

/* Write zero pages over [pos, pos + len): what works on any writable file. */
static int dst_exp_write_zero_pages(struct dst_export *exp, loff_t pos, u64 len)
{
	struct bio_vec bvec[DST_EXP_ZERO_PAGES];
	int flags = exp->direct ? IOCB_DIRECT | IOCB_WRITE : IOCB_WRITE;
	struct iov_iter iter;
	unsigned int i;
	size_t chunk;
	ssize_t ret;

	for (i = 0; i < ARRAY_SIZE(bvec); i++)
		bvec_set_page(&bvec[i], ZERO_PAGE(0), PAGE_SIZE, 0);
	while (len) {
		chunk = min_t(u64, len, ARRAY_SIZE(bvec) * PAGE_SIZE);
		iov_iter_bvec(&iter, ITER_SOURCE, bvec, DIV_ROUND_UP(chunk, PAGE_SIZE), chunk);
		ret = dst_exp_iter_sync(exp, &iter, pos, flags);
		if (ret < 0)
			return ret;
		if (!ret)
			return -EIO;
		pos += ret;
		len -= ret;
		cond_resched();
	}
	return 0;
}

static int dst_exp_discard(struct dst_exp_req *req)
{
	struct dst_export *exp = req->conn->exp;

	if (exp->bdev)
		return blkdev_issue_discard(exp->bdev, req->offset >> SECTOR_SHIFT,
					    req->len >> SECTOR_SHIFT, GFP_KERNEL);
	return vfs_fallocate(exp->file, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			     req->offset, req->len);
}

static int dst_exp_write_zeroes(struct dst_exp_req *req)
{
	struct dst_export *exp = req->conn->exp;
	int err;

	/* Unmaps when the device zeroes that way, else writes zeroes itself. */
	if (exp->bdev)
		return blkdev_issue_zeroout(exp->bdev, req->offset >> SECTOR_SHIFT,
					    req->len >> SECTOR_SHIFT, GFP_KERNEL, 0);
	err = vfs_fallocate(exp->file, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
			    req->offset, req->len);
	/* A punched hole reads back as zeroes too. */
	if (err == -EOPNOTSUPP)
		err = vfs_fallocate(exp->file, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				    req->offset, req->len);
	if (err == -EOPNOTSUPP)
		err = dst_exp_write_zero_pages(exp, req->offset, req->len);
	return err;
}

/* dst_exp_io_wq: the operations that block until they are done. */
static void dst_exp_io_work(struct work_struct *work)
{
	struct dst_exp_req *req = container_of(work, struct dst_exp_req, work);
	struct file *file = req->conn->exp->file;
	int err;

	switch (req->opcode) {
	case DST_OP_READ:
	case DST_OP_WRITE:
		/* Sets status itself: a short transfer is an error too. */
		dst_exp_rw_buffered(req);
		dst_exp_req_done(req);
		return;
	case DST_OP_FLUSH:
		/*
		 * fdatasync: the export's size never changes, so the metadata
		 * a data sync leaves out (timestamps) is nothing a client reads.
		 */
		err = vfs_fsync(file, 1);
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

static void dst_exp_submit(struct dst_exp_req *req)
{
	bool rw = req->opcode == DST_OP_READ || req->opcode == DST_OP_WRITE;

	if (rw && req->conn->exp->direct) {
		dst_exp_rw_direct(req);
		return;
	}
	INIT_WORK(&req->work, dst_exp_io_work);
	queue_work(dst_exp_io_wq, &req->work);
}

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
	queue_work(dst_exp_reap_wq, &conn->reap_work);
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
	dst_exp_submit(req);
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
			dst_exp_submit(req);
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

	if (req->opcode != DST_OP_WRITE) {
		/* FUA is a WRITE flag; without checksums data-csum is not looked at. */
		if (req->flags & DST_CMD_F_FUA)
			return DST_ST_INVAL;
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
	if (req->status != DST_ST_OK)
		dst_exp_rx_log_refused(conn, req);

	if (req->opcode == DST_OP_WRITE)
		return dst_exp_rx_write(conn, req, data_csum);
	if (req->status == DST_ST_OK && req->opcode == DST_OP_READ &&
	    dst_exp_req_alloc_pages(req))
		req->status = DST_ST_NOMEM;
	/*
	 * A PING is answered now, from here: not behind backing store I/O nor
	 * the fence. It shares the request budget, so a flood of them cannot
	 * pin more than other requests could.
	 */
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

static bool dst_exp_rx_has_budget(struct dst_export_conn *conn)
{
	bool ok;

	spin_lock_irq(&conn->lock);
	ok = conn->nr_reqs < DST_EXP_MAX_REQS &&
	     conn->data_bytes + conn->exp->max_xfer <= DST_EXP_MAX_DATA;
	spin_unlock_irq(&conn->lock);
	return ok;
}

static int dst_exp_rx_thread(void *arg)
{
	struct dst_export_conn *conn = arg;
	int err = 0;

	while (!kthread_should_stop()) {
		wait_event_interruptible(conn->wait, dst_exp_rx_has_budget(conn) ||
					 dst_exp_conn_dead(conn) || kthread_should_stop());
		/*
		 * Dead: not one more request, though the socket may still hold
		 * some (a shut down socket returns what it had queued).
		 */
		if (kthread_should_stop() || dst_exp_conn_dead(conn))
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

/*
 * Fence the older generations of @conn's session, before @conn is listed:
 * refuse @conn when a newer generation is there, live or draining; else kill
 * the older live connections and count every older one, live or draining, in
 * @conn's fence_wait. Those of the same generation are left alone.
 */
static int dst_exp_conn_fence(struct dst_export_conn *conn, struct netlink_ext_ack *extack)
{
	struct dst_export *exp = conn->exp;
	struct dst_export_conn *old;
	char why[32];

	lockdep_assert_held(&exp->lock);
	if (!conn->has_session)
		return 0;
	list_for_each_entry(old, &exp->conns, node) {
		if (dst_exp_same_session(old, conn) && old->generation > conn->generation) {
			NL_SET_ERR_MSG_MOD(extack, "a newer generation of this session is connected");
			return -ESTALE;
		}
	}
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
	return 0;
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

	dst_sock_put(conn->sock);
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

int dst_export_connect(struct dst_export *exp, struct socket *sock,
		       const struct dst_export_client *client,
		       struct netlink_ext_ack *extack)
{
	struct dst_export_conn *conn;
	u32 clients;
	int err;

	conn = dst_exp_conn_create(exp, sock, client);
	if (IS_ERR(conn)) {
		NL_SET_ERR_MSG_MOD(extack, "cannot start the connection's threads");
		return PTR_ERR(conn);
	}
	dst_sock_prepare(sock, false);

	mutex_lock(&exp->lock);
	if (exp->dead) {
		NL_SET_ERR_MSG_MOD(extack, "export is being removed");
		err = -ENOENT;
		goto refuse;
	}
	err = dst_exp_conn_fence(conn, extack);
	if (err)
		goto refuse;
	kref_get(&exp->kref);
	list_add_tail(&conn->node, &exp->conns);
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
	mutex_unlock(&exp->lock);
	return 0;

refuse:
	mutex_unlock(&exp->lock);
	kthread_stop(conn->tx_thread);
	kthread_stop(conn->rx_thread);
	dst_exp_conn_free(conn);
	return err;
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

static struct dst_export *dst_export_lookup(const char *name)
{
	struct dst_export *exp;

	lockdep_assert_held(&dst_exports_lock);
	list_for_each_entry(exp, &dst_exports, node)
		if (!strcmp(exp->name, name))
			return exp;
	return NULL;
}

struct dst_export *dst_export_find(struct net *net, const char *name)
{
	struct dst_export *exp;

	mutex_lock(&dst_exports_lock);
	exp = dst_export_lookup(name);
	if (exp && net_eq(exp->net, net))
		kref_get(&exp->kref);
	else
		exp = NULL;
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
 * A regular file: its logical block size is the direct I/O alignment of its
 * filesystem, so that every request a client may send can go straight to
 * disk; without direct I/O, 512 and buffered I/O.
 */
static void dst_export_probe_file(struct dst_export *exp)
{
	struct inode *inode = file_inode(exp->file);
	struct block_device *sb_bdev = inode->i_sb->s_bdev;
	bool direct = exp->file->f_mode & FMODE_CAN_ODIRECT;
	struct kstat stat = {};
	u32 align;

	exp->size = i_size_read(inode);
	align = sb_bdev ? bdev_logical_block_size(sb_bdev) : SECTOR_SIZE;
	if (direct && !vfs_getattr(&exp->file->f_path, &stat, STATX_DIOALIGN,
				   AT_STATX_SYNC_AS_STAT) &&
	    (stat.result_mask & STATX_DIOALIGN)) {
		/* 0: no direct I/O for this file (data journalling...). */
		align = stat.dio_offset_align;
		direct = align && stat.dio_mem_align <= PAGE_SIZE;
	}
	if (direct && is_power_of_2(align))
		align = dst_export_dio_align(exp, max_t(u32, align, SECTOR_SIZE));
	else
		align = 0;
	exp->direct = align;
	exp->logical_bs = align ?: SECTOR_SIZE;
	exp->physical_bs = clamp_t(u32, i_blocksize(inode), exp->logical_bs, 65536);
	/* Punching holes may still fail: DISCARD then replies NOTSUPP. */
	if (exp->file->f_op->fallocate)
		exp->features |= DST_FEAT_DISCARD;
	if (sb_bdev && !bdev_nonrot(sb_bdev))
		exp->features |= DST_FEAT_ROTATIONAL;
}

static int dst_export_probe(struct dst_export *exp, const struct dst_export_cfg *cfg,
			    struct netlink_ext_ack *extack)
{
	struct file *file = exp->file;
	umode_t mode = file_inode(file)->i_mode;

	if (!S_ISBLK(mode) && !S_ISREG(mode)) {
		NL_SET_ERR_MSG_MOD(extack, "backing file must be a block device or regular file");
		NL_SET_BAD_ATTR(extack, cfg->fd_attr);
		return -EINVAL;
	}
	/* Before probing, which reads: ->read_iter() does not check the mode. */
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
	if (S_ISBLK(mode))
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

int dst_export_add(struct net *net, const struct dst_export_cfg *cfg,
		   struct netlink_ext_ack *extack)
{
	struct dst_export *exp;
	int err;

	exp = kzalloc(sizeof(*exp), GFP_KERNEL);
	if (!exp)
		return -ENOMEM;
	kref_init(&exp->kref);
	INIT_LIST_HEAD(&exp->node);
	mutex_init(&exp->lock);
	INIT_LIST_HEAD(&exp->conns);
	init_waitqueue_head(&exp->conns_wait);
	strscpy(exp->name, cfg->name, sizeof(exp->name));
	if (cfg->uuid)
		uuid_copy(&exp->uuid, cfg->uuid);
	else
		uuid_gen(&exp->uuid);

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
	err = -ENOMEM;
	if (cfg->backing_path) {
		exp->backing_path = kstrdup(cfg->backing_path, GFP_KERNEL);
		if (!exp->backing_path)
			goto put_exp;
	}
	if (cfg->listen) {
		exp->listen = kstrdup(cfg->listen, GFP_KERNEL);
		if (!exp->listen)
			goto put_exp;
	}
	exp->net = get_net(net);

	mutex_lock(&dst_exports_lock);
	if (dst_exports_closed) {
		NL_SET_ERR_MSG_MOD(extack, "module is unloading");
		err = -ESHUTDOWN;
		goto unlock;
	}
	if (dst_export_lookup(exp->name)) {
		NL_SET_ERR_MSG_MOD(extack, "export name already in use");
		NL_SET_BAD_ATTR(extack, cfg->name_attr);
		err = -EEXIST;
		goto unlock;
	}
	list_add_tail(&exp->node, &dst_exports);
	dst_exports_gen++;
	mutex_unlock(&dst_exports_lock);

	pr_info("export %s: %s, %llu bytes, block size %u/%u, %s I/O%s\n", exp->name,
		exp->backing_path ?: "(no path)", exp->size, exp->logical_bs,
		exp->physical_bs, exp->direct ? "direct" : "buffered",
		cfg->read_only ? ", read-only" : "");
	dst_export_changed(exp, DST_EXPORT_EV_ADDED, 0, NULL, NULL);
	return 0;

unlock:
	mutex_unlock(&dst_exports_lock);
put_exp:
	/* Never published: the release frees what was set up. */
	dst_export_put(exp);
	return err;
}

/*
 * Tear down an unpublished export: kill its connections, wait until their
 * reapers are done with the backing file, close it and drop the list's
 * reference.
 */
static void dst_export_remove(struct dst_export *exp)
{
	struct dst_export_conn *conn;

	mutex_lock(&exp->lock);
	exp->dead = true;
	list_for_each_entry(conn, &exp->conns, node)
		dst_exp_conn_kill(conn, -ESHUTDOWN, "export removed");
	mutex_unlock(&exp->lock);
	wait_event(exp->conns_wait, !READ_ONCE(exp->nr_clients));
	/* The last reaper sends its event under the lock: ours goes after it. */
	mutex_lock(&exp->lock);
	mutex_unlock(&exp->lock);

	/* Closed now, not with the last reference: userspace may reuse it. */
	fput(exp->file);
	exp->file = NULL;
	pr_info("export %s: removed\n", exp->name);
	dst_export_changed(exp, DST_EXPORT_EV_REMOVED, 0, NULL, NULL);
	dst_export_put(exp);
}

int dst_export_del(struct dst_export *exp)
{
	mutex_lock(&dst_exports_lock);
	if (list_empty(&exp->node)) {
		/* Someone else removed it since the lookup. */
		mutex_unlock(&dst_exports_lock);
		return -ENOENT;
	}
	list_del_init(&exp->node);
	dst_exports_gen++;
	mutex_unlock(&dst_exports_lock);
	dst_export_remove(exp);
	return 0;
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

int dst_export_init(void)
{
	dst_exp_req_cache = KMEM_CACHE(dst_exp_req, 0);
	if (!dst_exp_req_cache)
		return -ENOMEM;
	dst_exp_req_pool = mempool_create_slab_pool(DST_EXP_REQ_RESERVE, dst_exp_req_cache);
	if (!dst_exp_req_pool)
		goto destroy_cache;
	dst_exp_io_wq = alloc_workqueue("dst-export-io", WQ_MEM_RECLAIM | WQ_UNBOUND, 0);
	if (!dst_exp_io_wq)
		goto destroy_pool;
	dst_exp_reap_wq = alloc_workqueue("dst-export-reap", WQ_UNBOUND, 0);
	if (!dst_exp_reap_wq)
		goto destroy_io_wq;
	return 0;

destroy_io_wq:
	destroy_workqueue(dst_exp_io_wq);
destroy_pool:
	mempool_destroy(dst_exp_req_pool);
destroy_cache:
	kmem_cache_destroy(dst_exp_req_cache);
	return -ENOMEM;
}

void dst_export_exit(void)
{
	struct dst_export *exp;

	mutex_lock(&dst_exports_lock);
	WRITE_ONCE(dst_exports_closed, true);
	mutex_unlock(&dst_exports_lock);

	for (;;) {
		mutex_lock(&dst_exports_lock);
		exp = list_first_entry_or_null(&dst_exports, struct dst_export, node);
		if (exp) {
			list_del_init(&exp->node);
			dst_exports_gen++;
		}
		mutex_unlock(&dst_exports_lock);
		if (!exp)
			break;
		dst_export_remove(exp);
	}
	/* Drains: every reaper has dropped its export reference and returned. */
	destroy_workqueue(dst_exp_reap_wq);
	destroy_workqueue(dst_exp_io_wq);
	mempool_destroy(dst_exp_req_pool);
	kmem_cache_destroy(dst_exp_req_cache);
}
