// SPDX-License-Identifier: GPL-2.0-only
/*
 * Requests of export connections, from header to sent reply, their data in
 * blocks a connection keeps for reuse, and the server's memory budget for
 * all of it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/log2.h>
#include <linux/mempool.h>
#include <linux/mm.h>
#include "export.h"

static unsigned int dst_export_mem_mb;

module_param_named(export_mem_mb, dst_export_mem_mb, uint, 0644);

MODULE_PARM_DESC(export_mem_mb,
		 "MiB of request data all connections may hold (0: an eighth of the RAM)");

/* Bytes: every connection's data_bytes and cache_bytes. */
static atomic_long_t dst_exp_mem = ATOMIC_LONG_INIT(0);

static long dst_exp_mem_limit(void)
{
	unsigned int mb = READ_ONCE(dst_export_mem_mb);

	return mb ? (long)mb << 20 : (long)(totalram_pages() / 8) << PAGE_SHIFT;
}

/* Whether @bytes more of request data fit in the server's budget. */
bool dst_exp_mem_fits(size_t bytes)
{
	return atomic_long_read(&dst_exp_mem) + (long)bytes <= dst_exp_mem_limit();
}

/* Not counted yet: dst_exp_rx_reserve() does, or mempool_free() undoes. */
struct dst_exp_req *dst_exp_req_alloc(struct dst_export_conn *conn)
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
void dst_exp_cache_release(struct dst_export_conn *conn)
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
void dst_exp_req_free(struct dst_exp_req *req)
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
int dst_exp_req_alloc_pages(struct dst_exp_req *req)
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
u32 dst_exp_req_crc(const struct dst_exp_req *req)
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
void dst_exp_req_done(struct dst_exp_req *req)
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
