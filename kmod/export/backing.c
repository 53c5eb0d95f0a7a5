// SPDX-License-Identifier: GPL-2.0-only
/*
 * Backing store I/O of exports, apart from the transport as nvmet's
 * io-cmd-file.c keeps it: READ and WRITE as asynchronous kiocbs, and FLUSH,
 * DISCARD and WRITE_ZEROES on the export's workqueue.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/bvec.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/ioprio.h>
#include <linux/uio.h>
#include "debug.h"
#include "export.h"

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
	if ((req->nowait && (ret == -EAGAIN || ret == -EOPNOTSUPP)) ||
	    (ret > 0 && req->done < req->len)) {
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
ssize_t dst_exp_iter_sync(struct dst_export *exp, struct iov_iter *iter,
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
void dst_exp_submit(struct dst_exp_req *req, bool nowait)
{
	struct dst_export *exp = req->conn->exp;

	if (req->opcode == DST_OP_READ || req->opcode == DST_OP_WRITE) {
		/* NOWAIT only where the file takes it (a dm target may not). */
		req->nowait = nowait && exp->direct && (exp->file->f_mode & FMODE_NOWAIT);
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
bool dst_exp_debug_hold(struct dst_exp_req *req)
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

bool dst_exp_debug_hold(struct dst_exp_req *req)
{
	return false;
}

#endif
