// SPDX-License-Identifier: GPL-2.0-only
/*
 * The export object: export-add and the probe of its backing file, lookup,
 * listing, removal, and its namespace's exit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/stat.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include "debug.h"
#include "export.h"

/* All exports, every netns; names are unique within a netns. */
static LIST_HEAD(dst_exports);

static DEFINE_MUTEX(dst_exports_lock);

/* Bumped on every add and removal, so that a dump can tell it was cut. */
static unsigned int dst_exports_gen = 1;	/* dst_exports_lock */
/* Module exit started: no new exports, no more notifications. */
static bool dst_exports_closed;			/* dst_exports_lock, READ_ONCE */
/* Woken when an export leaves the list. */
DECLARE_WAIT_QUEUE_HEAD(dst_exports_wait);

struct kmem_cache *dst_exp_req_cache;

/* Probes of regular files and removals: each may wait for a backing store. */
static struct workqueue_struct *dst_exp_wq;

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
	kfree(exp->cert_path);
	kfree(exp->key_path);
	kfree(exp->ca_path);
	dst_exp_access_free(exp->access);
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
void dst_export_changed(struct dst_export *exp, u32 event, u32 clients,
			const struct dst_export_conn *conn, const char *last_error)
{
	if (!READ_ONCE(dst_exports_closed) && exp->net)
		dst_export_notify(exp, event, clients, conn, last_error);
}

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
	/* Its clients' queues advertise the same geometry (server-limits). */
	exp->geometry.io_min = bdev_io_min(bdev);
	exp->geometry.io_opt = bdev_io_opt(bdev);
	if (bdev_max_discard_sectors(bdev)) {
		exp->features |= DST_FEAT_DISCARD;
		exp->geometry.discard_granularity = bdev_discard_granularity(bdev);
		exp->geometry.discard_alignment = bdev_discard_alignment(bdev);
	}
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

	if (!exp) {
		dst_exp_access_free(cfg->access);
		return NULL;
	}
	/* Ours now: the release frees it. */
	exp->access = cfg->access;
	exp->tls_required = cfg->tls_required;
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
	exp->cert_path = cfg->cert_path ? kstrdup(cfg->cert_path, GFP_KERNEL) : NULL;
	exp->key_path = cfg->key_path ? kstrdup(cfg->key_path, GFP_KERNEL) : NULL;
	exp->ca_path = cfg->ca_path ? kstrdup(cfg->ca_path, GFP_KERNEL) : NULL;
	if (!exp->req_pool || !exp->wq || (cfg->backing_path && !exp->backing_path) ||
	    (cfg->listen && !exp->listen) || (cfg->cert_path && !exp->cert_path) ||
	    (cfg->key_path && !exp->key_path) || (cfg->ca_path && !exp->ca_path)) {
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

/* The backing store's size now (a grown LV, a longer file). */
static u64 dst_export_backing_size(struct dst_export *exp)
{
	return exp->bdev ? bdev_nr_bytes(exp->bdev) : i_size_read(file_inode(exp->file));
}

/* Ask TX of every connection that takes notices to send one; exp->lock held. */
static void dst_export_notify_resize(struct dst_export *exp)
{
	struct dst_export_conn *conn;

	lockdep_assert_held(&exp->lock);
	list_for_each_entry(conn, &exp->conns, node) {
		if (!(conn->features & DST_FEAT_RESIZE) || dst_exp_conn_dead(conn))
			continue;
		set_bit(DST_EXP_CONN_RESIZE_DUE, &conn->flags);
		wake_up(&conn->tx_wait);
	}
}

/*
 * Shrinking under a client would pull blocks from under its file system:
 * refused while any is connected (a disconnected one refuses the smaller
 * size when it reconnects).
 */
int dst_export_resize(struct dst_export *exp, u64 *size, struct netlink_ext_ack *extack)
{
	u64 backing = dst_export_backing_size(exp);
	u64 old;
	int err = 0;

	mutex_lock(&exp->lock);
	if (!*size)
		*size = round_down(backing, exp->logical_bs);
	old = exp->size;
	if (exp->state != DST_EXPORT_READY) {
		NL_SET_ERR_MSG_MOD(extack, "export is not ready or is being removed");
		err = -EBUSY;
	} else if (!*size || !IS_ALIGNED(*size, exp->logical_bs) ||
		   *size >> SECTOR_SHIFT > (sector_t)-1 >> 1) {
		NL_SET_ERR_MSG_MOD(extack, "size must be a non-zero multiple of the logical block size");
		err = -EINVAL;
	} else if (*size > backing) {
		NL_SET_ERR_MSG_MOD(extack, "size is larger than the backing store");
		err = -ENOSPC;
	} else if (*size < old && exp->nr_clients) {
		NL_SET_ERR_MSG_MOD(extack, "cannot shrink an export while clients are connected");
		err = -EBUSY;
	} else if (*size != old) {
		WRITE_ONCE(exp->size, *size);
		dst_export_notify_resize(exp);
		pr_info("export %s: resized from %llu to %llu bytes\n", exp->name, old, *size);
	}
	mutex_unlock(&exp->lock);
	return err;
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
