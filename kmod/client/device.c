// SPDX-License-Identifier: GPL-2.0-only
/*
 * Client devices: the gendisk and its block operations, and a device's life
 * from dev-add to removal: creation, connections handed in, removal, and its
 * namespace's exit.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/idr.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include "compat.h"
#include "debug.h"
#include "sock.h"
#include "client.h"

DEFINE_MUTEX(dst_devs_mutex);

/*
 * index -> device, under dst_devs_mutex. A removed device whose disk is still
 * open keeps its index (entry NULL) until the disk is freed, so that no new
 * disk takes its minor numbers.
 */
static DEFINE_IDR(dst_devs);

static atomic_t dst_disks_alive = ATOMIC_INIT(0);	/* disks not yet freed */
struct workqueue_struct *dst_dev_wq;
static int dst_major;

static void dst_submit_bio(struct bio *bio)
{
	struct dst_device *dev = bio->bi_bdev->bd_disk->private_data;
	struct dst_trans *trans;

	bio = bio_split_to_limits(bio);
	if (!bio)
		return;
	/*
	 * REQ_NOWAIT (io_uring's first try): never wait for a transaction.
	 * A write with a pre-flush needs two; its caller retries it without.
	 */
	if ((bio->bi_opf & REQ_NOWAIT) && (bio->bi_opf & REQ_PREFLUSH) && bio_sectors(bio)) {
		bio_wouldblock_error(bio);
		return;
	}
	trans = dst_trans_from_bio(dev, bio);
	if (!trans)
		return;
	/*
	 * A write with REQ_PREFLUSH: a FLUSH goes first and the write is
	 * submitted when the flush succeeded (dst_trans_complete).
	 */
	if ((bio->bi_opf & REQ_PREFLUSH) && trans->opcode == DST_OP_WRITE)
		trans = dst_trans_preflush(dev, trans);
	dst_dev_submit(dev, trans, preemptible());
}

/* Runs under disk->open_mutex, like the removal's check of the openers. */
int dst_dev_open(struct gendisk *disk)
{
	struct dst_device *dev = disk->private_data;

	return READ_ONCE(dev->removing) ? -ENXIO : 0;
}

/* The disk's last reference is gone (it was added): free the device. */
static void dst_free_disk(struct gendisk *disk)
{
	struct dst_device *dev = disk->private_data;

	queue_work(dst_dev_wq, &dev->free_work);
}

static int dst_bdops_open(DST_BDOPS_OPEN_ARGS)
{
	return dst_dev_open(DST_BDOPS_OPEN_DISK);
}

static const struct block_device_operations dst_fops = {
	.owner = THIS_MODULE,
	.open = dst_bdops_open,
	.submit_bio = dst_submit_bio,
	.free_disk = dst_free_disk,
};

/* The export's geometry (server-limits): what the queue can advertise. */
static int dst_dev_check_geometry(const struct dst_dev_params *p,
				  struct netlink_ext_ack *extack)
{
	const struct dst_geometry *g = &p->geometry;

	if ((g->io_min | g->io_opt | g->discard_granularity | g->discard_alignment) &
	    (p->logical_bs - 1)) {
		NL_SET_ERR_MSG_MOD(extack, "I/O and discard geometry must be multiples of the logical block size");
		return -EINVAL;
	}
	if (!(p->features & DST_FEAT_DISCARD) && (g->discard_granularity || g->discard_alignment)) {
		NL_SET_ERR_MSG_MOD(extack, "discard geometry without discard");
		return -EINVAL;
	}
	if (g->discard_alignment >= max(g->discard_granularity, p->physical_bs)) {
		NL_SET_ERR_MSG_MOD(extack, "discard alignment must be below the discard granularity");
		return -EINVAL;
	}
	return 0;
}

static bool dst_size_valid(u64 size, u32 logical_bs)
{
	return size && !(size % logical_bs) && size >> SECTOR_SHIFT <= (sector_t)-1 >> 1;
}

static int dst_dev_check(const struct dst_dev_params *p, struct netlink_ext_ack *extack)
{
	if (!is_power_of_2(p->logical_bs) || !is_power_of_2(p->physical_bs) ||
	    p->physical_bs < p->logical_bs) {
		NL_SET_ERR_MSG_MOD(extack, "block sizes must be powers of two, physical >= logical");
		return -EINVAL;
	}
	if (!dst_size_valid(p->size, p->logical_bs)) {
		NL_SET_ERR_MSG_MOD(extack, "size must be a non-zero multiple of the logical block size");
		return -EINVAL;
	}
	if (p->max_xfer % p->logical_bs || p->max_xfer < PAGE_SIZE) {
		NL_SET_ERR_MSG_MOD(extack, "max transfer must be a multiple of the logical block size and at least a page");
		return -EINVAL;
	}
	if (p->features & DST_FEAT_LIMITS) {
		NL_SET_ERR_MSG_MOD(extack, "limits is a protocol feature, not a device's");
		return -EINVAL;
	}
	/* FUA is not emulated for bio-based queues: a cache needs both. */
	if ((p->features & DST_FEAT_FLUSH) && !(p->features & DST_FEAT_FUA)) {
		NL_SET_ERR_MSG_MOD(extack, "an export with a write cache must support FUA");
		return -EINVAL;
	}
	return dst_dev_check_geometry(p, extack);
}

static struct gendisk *dst_dev_alloc_disk(struct dst_device *dev)
{
	const struct dst_dev_params *p = &dev->params;
	u32 range = p->features & DST_FEAT_DISCARD ? DST_MAX_RANGE >> SECTOR_SHIFT : 0;
	const struct dst_geometry *g = &p->geometry;
	struct dst_disk_limits lim = {
		.logical_bs = p->logical_bs,
		.physical_bs = p->physical_bs,
		.io_min = max(g->io_min, p->physical_bs),
		.io_opt = g->io_opt,
		.max_hw_sectors = p->max_xfer >> SECTOR_SHIFT,
		.max_discard_sectors = range,
		.discard_granularity = range ? max(g->discard_granularity, p->physical_bs) : 0,
		.discard_alignment = range ? g->discard_alignment : 0,
		.max_write_zeroes_sectors = p->features & DST_FEAT_WRITE_ZEROES ?
					    DST_MAX_RANGE >> SECTOR_SHIFT : 0,
		.write_cache = p->features & DST_FEAT_FLUSH,
		.fua = p->features & DST_FEAT_FUA,
		.rotational = p->features & DST_FEAT_ROTATIONAL,
		.stable_writes = p->csum != DST_CSUM_NONE,
	};
	struct gendisk *disk = dst_alloc_disk(&lim);

	if (IS_ERR(disk))
		return disk;
	disk->major = dst_major;
	disk->first_minor = dev->index * DST_PART_MINORS;
	disk->minors = DST_PART_MINORS;
	disk->fops = &dst_fops;
	disk->private_data = dev;
	snprintf(disk->disk_name, DISK_NAME_LEN, "dst%d", dev->index);
	set_capacity(disk, p->size >> SECTOR_SHIFT);
	set_disk_ro(disk, p->features & DST_FEAT_READ_ONLY);
	return disk;
}

static void dst_dev_free_work(struct work_struct *work);

/* The device's own copy of @from's strings; false when memory ran out. */
static bool dst_dev_copy_auth(struct dst_dev_auth *to, const struct dst_dev_auth *from)
{
	strscpy(to->identity, from->identity, sizeof(to->identity));
	to->key_path = kstrdup_const(from->key_path, GFP_KERNEL);
	to->cert_path = kstrdup_const(from->cert_path, GFP_KERNEL);
	to->ca_path = kstrdup_const(from->ca_path, GFP_KERNEL);
	to->server_name = kstrdup_const(from->server_name, GFP_KERNEL);
	return (!from->key_path || to->key_path) && (!from->cert_path || to->cert_path) &&
		(!from->ca_path || to->ca_path) && (!from->server_name || to->server_name);
}

static void dst_dev_free_auth(struct dst_dev_auth *auth)
{
	kfree_const(auth->key_path);
	kfree_const(auth->cert_path);
	kfree_const(auth->ca_path);
	kfree_const(auth->server_name);
}

static struct dst_device *dst_dev_alloc(const struct dst_dev_params *params,
					const struct dst_dev_auth *auth, struct net *net)
{
	struct dst_device *dev = kzalloc(sizeof(*dev), GFP_KERNEL);

	if (!dev)
		return NULL;
	dev->trans_pool = dst_trans_pool_create();
	if (!dev->trans_pool || !dst_dev_copy_auth(&dev->auth, auth)) {
		mempool_destroy(dev->trans_pool);
		dst_dev_free_auth(&dev->auth);
		kfree(dev);
		return NULL;
	}
	dev->params = *params;
	dev->net = net;
	dev->tunables = params->tunables;
	dev->state = DST_STATE_DISCONNECTED;
	dev->down_since = jiffies;
	mutex_init(&dev->conf_mutex);
	mutex_init(&dev->resize_mutex);
	spin_lock_init(&dev->lock);
	hash_init(dev->trans);
	INIT_LIST_HEAD(&dev->by_age);
	INIT_LIST_HEAD(&dev->pending);
	INIT_LIST_HEAD(&dev->writes);
	INIT_LIST_HEAD(&dev->held_flushes);
	init_waitqueue_head(&dev->idle_wait);
	INIT_DELAYED_WORK(&dev->timeout_work, dst_dev_timeout);
	INIT_WORK(&dev->free_work, dst_dev_free_work);
	return dev;
}

static void dst_dev_free(struct dst_device *dev)
{
	mempool_destroy(dev->trans_pool);
	dst_dev_free_auth(&dev->auth);
	dst_debug_poison(dev, sizeof(*dev));
	kfree(dev);
}

static void dst_dev_free_work(struct work_struct *work)
{
	struct dst_device *dev = container_of(work, struct dst_device, free_work);

	mutex_lock(&dst_devs_mutex);
	idr_remove(&dst_devs, dev->index);
	mutex_unlock(&dst_devs_mutex);
	dst_dev_free(dev);
	if (atomic_dec_and_test(&dst_disks_alive))
		wake_up_var(&dst_disks_alive);
}

static int dst_dev_free_slot(struct dst_device *dev)
{
	unsigned long flags;
	int slot;

	spin_lock_irqsave(&dev->lock, flags);
	for (slot = 0; slot < DST_DEV_CONNS_MAX; slot++)
		if (!dev->conns[slot])
			break;
	spin_unlock_irqrestore(&dev->lock, flags);
	return slot < DST_DEV_CONNS_MAX ? slot : -EBUSY;
}

/*
 * What protects @sock (tls.h). A device whose first connection carried TLS
 * takes only TLS connections after it: a plaintext one would undo what
 * its user asked for. 0 or -errno with an extack message.
 */
static int dst_dev_check_tls(struct dst_device *dev, struct socket *sock,
			     struct dst_tls_info *tls, struct netlink_ext_ack *extack)
{
	int err = dst_tls_check(sock, tls, extack);

	if (err)
		return err;
	if (!dev->generation)
		dev->tls = tls->version;
	else if (dev->tls && !tls->version) {
		NL_SET_ERR_MSG_MOD(extack, "device takes TLS connections only");
		return -EPROTONOSUPPORT;
	}
	return 0;
}

/* A live connection waits for its replacement for a rekey. */
static bool dst_dev_rekey_due_locked(struct dst_device *dev)
{
	unsigned int i;

	lockdep_assert_held(&dev->lock);
	for (i = 0; i < DST_DEV_CONNS_MAX; i++)
		if (dev->conns[i] && !dev->conns[i]->dead &&
		    test_bit(DST_CONN_REKEY_DUE, &dev->conns[i]->flags))
			return true;
	return false;
}

/*
 * Publish a connection over @sock in a free slot and start it. conf_mutex
 * serialises attaching, so the slot found stays free (the reaper only ever
 * empties slots) and dev->generation only grows here. Consumes @sock, also on
 * failure.
 */
static int dst_dev_attach(struct dst_device *dev, struct socket *sock, u32 generation,
			  struct netlink_ext_ack *extack)
{
	struct dst_conn *killed[DST_DEV_CONNS_MAX];
	struct dst_tls_info tls;
	struct dst_conn *conn;
	unsigned int i, n = 0;
	unsigned long flags;
	bool newer;
	LIST_HEAD(fail);
	int slot, err;

	lockdep_assert_held(&dev->conf_mutex);
	if (generation < READ_ONCE(dev->generation)) {
		NL_SET_ERR_MSG_MOD(extack, "connection generation is older than the device's");
		dst_sock_put(sock);
		return -ESTALE;
	}
	err = dst_dev_check_tls(dev, sock, &tls, extack);
	if (err) {
		dst_sock_put(sock);
		return err;
	}
	slot = dst_dev_free_slot(dev);
	if (slot < 0) {
		NL_SET_ERR_MSG_MOD(extack, "device has the maximum number of connections");
		dst_sock_put(sock);
		return slot;
	}
	conn = dst_conn_create(dev, sock, &tls, slot, READ_ONCE(dev->epoch) + 1, generation);
	if (IS_ERR(conn)) {
		NL_SET_ERR_MSG_MOD(extack, "cannot start connection threads");
		dst_sock_put(sock);
		return PTR_ERR(conn);
	}
	spin_lock_irqsave(&dev->lock, flags);
	dev->epoch++;
	dev->conns[slot] = conn;
	dev->nr_live++;
	dev->state = DST_STATE_CONNECTED;
	newer = generation > dev->generation;
	if (newer) {
		/* The first generation comes with the device: not a reconnect. */
		if (dev->generation)
			atomic64_inc(dst_dev_rekey_due_locked(dev) ? &dev->stats.rekeys :
				     &dev->stats.reconnects);
		dev->generation = generation;
		/* Replaced, also when they still look alive. */
		n = dst_dev_kill_below_locked(dev, generation, "replaced by a newer connection",
					      killed, &fail);
	}
	spin_unlock_irqrestore(&dev->lock, flags);
	DST_DEBUG_DELAY(attach_start_ms);
	dst_conn_start(conn);
	for (i = 0; i < n; i++)
		dst_conn_reap(killed[i]);
	dst_trans_complete_list(&fail, BLK_STS_IOERR);
	dst_dev_dispatch_pending(dev);
	return 0;
}

/*
 * Create a device over @sock (consumed, also on failure), not yet visible:
 * dst_dev_add_disk() follows.
 */
struct dst_device *dst_dev_create(const struct dst_dev_params *params,
				  const struct dst_dev_auth *auth,
				  struct socket *sock, struct net *net,
				  struct netlink_ext_ack *extack)
{
	struct dst_device *dev;
	int index, err;

	lockdep_assert_held(&dst_devs_mutex);
	err = dst_dev_check(params, extack);
	if (err)
		goto put_sock;
	err = -ENOMEM;
	dev = dst_dev_alloc(params, auth, net);
	if (!dev)
		goto put_sock;
	if (params->index >= 0)
		index = idr_alloc(&dst_devs, dev, params->index, params->index + 1, GFP_KERNEL);
	else
		index = idr_alloc(&dst_devs, dev, 0, DST_DEV_INDEX_MAX + 1, GFP_KERNEL);
	if (index < 0) {
		err = index;
		if (index == -ENOSPC && params->index >= 0) {
			err = -EEXIST;
			NL_SET_ERR_MSG_MOD(extack, "device index in use");
		} else {
			NL_SET_ERR_MSG_MOD(extack, "no free device index");
		}
		goto free_dev;
	}
	dev->index = index;
	dev->disk = dst_dev_alloc_disk(dev);
	if (IS_ERR(dev->disk)) {
		err = PTR_ERR(dev->disk);
		goto remove_idr;
	}
	mutex_lock(&dev->conf_mutex);
	err = dst_dev_attach(dev, sock, params->generation, extack);
	mutex_unlock(&dev->conf_mutex);
	if (err)
		goto put_disk;
	return dev;

put_disk:
	put_disk(dev->disk);
	idr_remove(&dst_devs, dev->index);
	dst_dev_free(dev);
	return ERR_PTR(err);
remove_idr:
	idr_remove(&dst_devs, dev->index);
free_dev:
	dst_dev_free(dev);
put_sock:
	dst_sock_put(sock);
	return ERR_PTR(err);
}

/*
 * The partition table is not read here: that reads over the network, and
 * dev-add runs under genetlink's lock, which every generic netlink family on
 * the host shares. Whoever opens the disk first reads it, in its own context
 * (dstctl add-device at once, udev's blkid too).
 */
int dst_dev_add_disk(struct dst_device *dev, struct netlink_ext_ack *extack)
{
	struct gendisk *disk = dev->disk;
	int err;

	lockdep_assert_held(&dst_devs_mutex);
	set_bit(GD_SUPPRESS_PART_SCAN, &disk->state);
	err = device_add_disk(NULL, disk, dst_sysfs_groups);
	clear_bit(GD_SUPPRESS_PART_SCAN, &disk->state);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack, "cannot add the disk");
		return err;
	}
	set_bit(GD_NEED_PART_SCAN, &disk->state);
	dev->added = true;
	return 0;
}

void dst_dev_announce(struct dst_device *dev)
{
	const struct dst_dev_params *p = &dev->params;

	lockdep_assert_held(&dst_devs_mutex);
	DST_DEBUG_DELAY(add_notify_ms);
	pr_info("%s: %s export \"%s\", %llu bytes, checksum %s\n", dev->disk->disk_name,
		p->remote, p->export_name, READ_ONCE(p->size), dst_csum_name(p->csum));
	dst_dev_notify(dev);
}

const char *dst_dev_size_problem(struct dst_device *dev, u64 size)
{
	if (!dst_size_valid(size, dev->params.logical_bs))
		return "RESIZE to a size that is not a multiple of the logical block size";
	if (size < READ_ONCE(dev->params.size))
		return "RESIZE to a smaller size";
	return NULL;
}

void dst_dev_grow(struct dst_device *dev, u64 size)
{
	u64 old;

	mutex_lock(&dev->resize_mutex);
	old = dev->params.size;
	if (size > old) {
		WRITE_ONCE(dev->params.size, size);
		set_capacity_and_notify(dev->disk, size >> SECTOR_SHIFT);
		pr_info("%s: grew from %llu to %llu bytes\n", dev->disk->disk_name, old, size);
	}
	mutex_unlock(&dev->resize_mutex);
}

/*
 * Add a connection over @sock (also a reconnect); consumes @sock. A
 * reconnect learns a grown export's size from its reply.
 */
int dst_dev_connect(struct dst_device *dev, struct socket *sock, u32 generation, u64 size,
		    struct netlink_ext_ack *extack)
{
	int err = 0;

	mutex_lock(&dev->conf_mutex);
	if (READ_ONCE(dev->removing)) {
		NL_SET_ERR_MSG_MOD(extack, "device is being removed");
		err = -ENODEV;
	} else if (size && !dst_size_valid(size, dev->params.logical_bs)) {
		NL_SET_ERR_MSG_MOD(extack, "size must be a non-zero multiple of the logical block size");
		err = -EINVAL;
	} else if (size && size < READ_ONCE(dev->params.size)) {
		NL_SET_ERR_MSG_MOD(extack, "the export shrank");
		err = -EINVAL;
	}
	if (err) {
		dst_sock_put(sock);
	} else {
		err = dst_dev_attach(dev, sock, generation, extack);
		if (!err && size)
			dst_dev_grow(dev, size);
	}
	mutex_unlock(&dev->conf_mutex);
	if (!err)
		dst_dev_notify(dev);
	return err;
}

/*
 * Mounted, or claimed by another driver (md, dm), whole disk or a partition.
 * Without open_mutex too (see below): partitions go after an RCU grace
 * period.
 */
static bool dst_disk_claimed(struct gendisk *disk)
{
	struct block_device *part;
	unsigned long idx;
	bool claimed = false;

	rcu_read_lock();
	xa_for_each(&disk->part_tbl, idx, part)
		if (READ_ONCE(part->bd_holder))
			claimed = true;
	rcu_read_unlock();
	return claimed;
}

/*
 * open_mutex orders removal against dst_dev_open() and new claims. But the
 * first opener holds it while reading the partition table, and the last
 * closer while writing back, both over the network: their I/O may wait for
 * a link that is dead, and fails only once removal is under way. So removal
 * waits for open_mutex only briefly and then goes on without it; a claim
 * that completes right then gets a device whose I/O fails.
 */
static bool dst_dev_lock_open(struct gendisk *disk)
{
	unsigned int tries;

	for (tries = 0; tries < 5; tries++) {
		if (mutex_trylock(&disk->open_mutex))
			return true;
		msleep(20);
	}
	return false;
}

/*
 * Mark the device removing. Merely open is no reason to refuse (I/O may be
 * stuck on a dead link: it fails); mounted or claimed is, unless @force.
 */
static int dst_dev_start_removal(struct dst_device *dev, bool force,
				 struct netlink_ext_ack *extack)
{
	bool locked = dev->added && dst_dev_lock_open(dev->disk);
	unsigned long flags;
	int err = 0;

	if (dev->added && !force && dst_disk_claimed(dev->disk)) {
		NL_SET_ERR_MSG_MOD(extack, "device is mounted or in use by another driver");
		err = -EBUSY;
	} else {
		spin_lock_irqsave(&dev->lock, flags);
		WRITE_ONCE(dev->removing, true);
		spin_unlock_irqrestore(&dev->lock, flags);
	}
	if (locked)
		mutex_unlock(&dev->disk->open_mutex);
	return err;
}

/* Kill every live connection; removing is set, so nothing comes back. */
static void dst_dev_kill_conns(struct dst_device *dev)
{
	struct dst_conn *killed[DST_DEV_CONNS_MAX];
	unsigned int i, n = 0;
	unsigned long flags;
	LIST_HEAD(fail);

	mutex_lock(&dev->conf_mutex);
	spin_lock_irqsave(&dev->lock, flags);
	dev->state = DST_STATE_REMOVED;
	for (i = 0; i < DST_DEV_CONNS_MAX; i++)
		if (dev->conns[i] && dst_conn_kill_locked(dev->conns[i], "device removed", &fail))
			killed[n++] = dev->conns[i];
	spin_unlock_irqrestore(&dev->lock, flags);
	mutex_unlock(&dev->conf_mutex);
	/* Reset first: the sockets let go of the pages of what fails. */
	for (i = 0; i < n; i++)
		dst_conn_reap(killed[i]);
	dst_trans_complete_list(&fail, BLK_STS_IOERR);
}

static bool dst_dev_quiet(struct dst_device *dev, bool transactions)
{
	unsigned long flags;
	bool quiet = true;
	unsigned int i;

	spin_lock_irqsave(&dev->lock, flags);
	for (i = 0; i < DST_DEV_CONNS_MAX; i++)
		quiet &= !dev->conns[i];
	if (transactions)
		quiet &= !dev->inflight;
	spin_unlock_irqrestore(&dev->lock, flags);
	return quiet;
}

/* Fail every transaction still known to the device (all threads stopped). */
static void dst_dev_fail_all(struct dst_device *dev)
{
	struct dst_trans *trans;
	struct hlist_node *tmp;
	unsigned long flags;
	LIST_HEAD(fail);
	int bkt;

	spin_lock_irqsave(&dev->lock, flags);
	hash_for_each_safe(dev->trans, bkt, tmp, trans, node) {
		dst_trans_unhash_locked(trans);
		list_add_tail(&trans->entry, &fail);
	}
	spin_unlock_irqrestore(&dev->lock, flags);
	dst_trans_complete_list(&fail, BLK_STS_IOERR);
}

/*
 * Remove a device in any state. I/O fails with EIO: new I/O at once, queued
 * I/O once the connections are gone. The disk goes last, so nothing
 * del_gendisk() submits can wait on the network. A disk still open keeps
 * the device (and its index) until dst_free_disk().
 */
int dst_dev_remove(struct dst_device *dev, bool force, struct netlink_ext_ack *extack)
{
	int err;

	lockdep_assert_held(&dst_devs_mutex);
	err = dst_dev_start_removal(dev, force, extack);
	if (err)
		return err;
	cancel_delayed_work_sync(&dev->timeout_work);
	dst_dev_kill_conns(dev);
	wait_event(dev->idle_wait, dst_dev_quiet(dev, false));
	dst_dev_fail_all(dev);
	wait_event(dev->idle_wait, dst_dev_quiet(dev, true));

	dst_dev_notify(dev);
	pr_info("dst%d: removed\n", dev->index);
	if (!dev->added) {
		put_disk(dev->disk);
		idr_remove(&dst_devs, dev->index);
		dst_dev_free(dev);
		return 0;
	}
	del_gendisk(dev->disk);
	idr_replace(&dst_devs, NULL, dev->index);
	atomic_inc(&dst_disks_alive);
	put_disk(dev->disk);
	return 0;
}

struct dst_device *dst_dev_find(int index)
{
	lockdep_assert_held(&dst_devs_mutex);
	return idr_find(&dst_devs, index);
}

struct dst_device *dst_dev_next(int *index)
{
	lockdep_assert_held(&dst_devs_mutex);
	return idr_get_next(&dst_devs, index);
}

void dst_dev_net_exit(struct net *net)
{
	struct dst_device *dev;
	unsigned long flags;
	int index = 0;

	/* Module exit runs this for the initial namespace too. */
	if (net_eq(net, &init_net))
		return;
	mutex_lock(&dst_devs_mutex);
	for (; (dev = idr_get_next(&dst_devs, &index)); index++) {
		if (!net_eq(dev->net, net))
			continue;
		spin_lock_irqsave(&dev->lock, flags);
		dev->net = &init_net;
		spin_unlock_irqrestore(&dev->lock, flags);
		pr_info("%s: its network namespace exited: it belongs to the initial one now\n",
			dev->disk->disk_name);
	}
	mutex_unlock(&dst_devs_mutex);
}

static int dst_dev_module_init(void)
{
	dst_dev_wq = alloc_workqueue("dst_dev", WQ_MEM_RECLAIM, 0);
	if (!dst_dev_wq)
		return -ENOMEM;
	dst_major = register_blkdev(0, "dst");
	if (dst_major < 0) {
		destroy_workqueue(dst_dev_wq);
		return dst_major;
	}
	return 0;
}

static void dst_dev_module_exit(void)
{
	struct dst_device *dev;
	int index = 0;

	mutex_lock(&dst_devs_mutex);
	/* Nothing can be open: an open disk holds a module reference. */
	for (; (dev = idr_get_next(&dst_devs, &index)); index++)
		dst_dev_remove(dev, true, NULL);
	mutex_unlock(&dst_devs_mutex);
	/* The last disk references go with their last openers' module refs. */
	wait_var_event(&dst_disks_alive, !atomic_read(&dst_disks_alive));
	destroy_workqueue(dst_dev_wq);
	idr_destroy(&dst_devs);
	unregister_blkdev(dst_major, "dst");
}

/* The client's parts in dependency order; exit in reverse. */
int dst_client_init(void)
{
	int err;

	err = dst_trans_module_init();
	if (err)
		return err;
	err = dst_conn_module_init();
	if (err)
		goto trans_exit;
	err = dst_dev_module_init();
	if (err)
		goto conn_exit;
	return 0;

conn_exit:
	dst_conn_module_exit();
trans_exit:
	dst_trans_module_exit();
	return err;
}

void dst_client_exit(void)
{
	dst_dev_module_exit();
	dst_conn_module_exit();
	dst_trans_module_exit();
}
