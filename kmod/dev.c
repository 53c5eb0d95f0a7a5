// SPDX-License-Identifier: GPL-2.0-only
/*
 * Client devices: the gendisk, submit_bio, and the device's life from
 * creation over netlink to removal.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/idr.h>
#include <linux/kobject.h>
#include <linux/slab.h>
#include "compat.h"
#include "conn.h"
#include "dev.h"
#include "netlink.h"
#include "sock.h"
#include "trans.h"

DEFINE_MUTEX(dst_devs_mutex);
static DEFINE_IDR(dst_devs);		/* index -> device, under dst_devs_mutex */
static int dst_major;

const char *dst_state_name(u32 state)
{
	switch (state) {
	case DST_STATE_CONNECTED:
		return "connected";
	case DST_STATE_DISCONNECTED:
		return "disconnected";
	case DST_STATE_RECONNECTING:
		return "reconnecting";
	case DST_STATE_FAILED:
		return "failed";
	case DST_STATE_REMOVED:
		return "removed";
	default:
		return "unknown";
	}
}

/* ---- queueing ---- */

static struct dst_conn *dst_dev_pick_conn_locked(struct dst_device *dev)
{
	unsigned int i;

	for (i = 0; i < DST_MAX_CONNS; i++) {
		struct dst_conn *conn = dev->conns[(dev->next_conn + i) % DST_MAX_CONNS];

		if (conn && !conn->dead) {
			dev->next_conn = (conn->slot + 1) % DST_MAX_CONNS;
			return conn;
		}
	}
	return NULL;
}

void dst_dev_queue_locked(struct dst_device *dev, struct dst_trans *trans,
			  struct list_head *fail)
{
	struct dst_conn *conn = NULL;

	lockdep_assert_held(&dev->lock);
	if (dev->removing || dev->state == DST_STATE_FAILED) {
		dst_trans_unhash_locked(trans);
		list_add_tail(&trans->entry, fail);
		return;
	}
	/* Back from a connection that took it: it will be sent again. */
	if (trans->sends > trans->sends_counted) {
		trans->sends_counted = trans->sends;
		atomic64_inc(&dev->stats.resends);
	}
	if (dev->nr_live)
		conn = dst_dev_pick_conn_locked(dev);
	trans->conn = conn;
	if (conn) {
		trans->state = DST_TRANS_QUEUED;
		list_add_tail(&trans->entry, &conn->send_queue);
		/* Under the lock: a dead connection may be freed once we drop it. */
		wake_up(&conn->tx_wait);
	} else {
		trans->state = DST_TRANS_PENDING;
		list_add_tail(&trans->entry, &dev->pending);
	}
}

void dst_dev_submit(struct dst_device *dev, struct dst_trans *trans)
{
	unsigned long flags;
	LIST_HEAD(fail);

	spin_lock_irqsave(&dev->lock, flags);
	do {
		trans->id = dev->next_id++;
	} while (dst_trans_lookup_locked(dev, trans->id));
	hash_add(dev->trans, &trans->node, trans->id);
	dev->inflight++;
	dst_dev_queue_locked(dev, trans, &fail);
	spin_unlock_irqrestore(&dev->lock, flags);
	dst_trans_complete_list(&fail, BLK_STS_IOERR);
}

void dst_dev_put_inflight(struct dst_device *dev)
{
	unsigned long flags;

	/* Woken under the lock: removal frees dev once it sees zero. */
	spin_lock_irqsave(&dev->lock, flags);
	if (!--dev->inflight)
		wake_up_all(&dev->idle_wait);
	spin_unlock_irqrestore(&dev->lock, flags);
}

/* Give every pending transaction to the live connections. */
static void dst_dev_dispatch_pending(struct dst_device *dev)
{
	struct dst_trans *trans, *next;
	unsigned long flags;
	LIST_HEAD(moving);
	LIST_HEAD(fail);

	spin_lock_irqsave(&dev->lock, flags);
	list_splice_init(&dev->pending, &moving);
	list_for_each_entry_safe(trans, next, &moving, entry) {
		list_del_init(&trans->entry);
		dst_dev_queue_locked(dev, trans, &fail);
	}
	spin_unlock_irqrestore(&dev->lock, flags);
	dst_trans_complete_list(&fail, BLK_STS_IOERR);
}

/* ---- states ---- */

void dst_dev_conn_lost_locked(struct dst_device *dev, const char *why)
{
	lockdep_assert_held(&dev->lock);
	strscpy(dev->last_error, why, sizeof(dev->last_error));
	if (dev->nr_live || dev->removing)
		return;
	dev->state = DST_STATE_DISCONNECTED;
	/* A negative io_timeout would mean forever; the default is finite. */
	mod_delayed_work(system_wq, &dev->timeout_work, dev->io_timeout);
}

void dst_dev_conn_gone_locked(struct dst_device *dev, unsigned int slot)
{
	lockdep_assert_held(&dev->lock);
	dev->conns[slot] = NULL;
	wake_up_all(&dev->idle_wait);
}

/* No connection came back in time: fail what waits, and new I/O, with EIO. */
static void dst_dev_timeout(struct work_struct *work)
{
	struct dst_device *dev = container_of(to_delayed_work(work),
					      struct dst_device, timeout_work);
	struct dst_trans *trans, *next;
	unsigned long flags;
	LIST_HEAD(fail);

	spin_lock_irqsave(&dev->lock, flags);
	if (dev->nr_live || dev->removing) {
		spin_unlock_irqrestore(&dev->lock, flags);
		return;
	}
	dev->state = DST_STATE_FAILED;
	strscpy(dev->last_error, "timed out waiting for a connection",
		sizeof(dev->last_error));
	list_for_each_entry_safe(trans, next, &dev->pending, entry) {
		dst_trans_unhash_locked(trans);
		list_add_tail(&trans->entry, &fail);
		atomic64_inc(&dev->stats.timeouts);
	}
	spin_unlock_irqrestore(&dev->lock, flags);
	pr_warn("%s: no connection for %lu s, failing I/O\n", dev->disk->disk_name,
		dev->io_timeout / HZ);
	dst_trans_complete_list(&fail, BLK_STS_IOERR);
	dst_dev_notify(dev);
}

void dst_dev_notify(struct dst_device *dev)
{
	char state_env[32], index_env[32];
	char last_error[DST_LAST_ERROR_MAX];
	char *envp[3];
	struct sk_buff *skb;
	unsigned long flags;
	void *hdr;
	u32 state;

	spin_lock_irqsave(&dev->lock, flags);
	state = dev->state;
	strscpy(last_error, dev->last_error, sizeof(last_error));
	spin_unlock_irqrestore(&dev->lock, flags);

	snprintf(state_env, sizeof(state_env), "DST_STATE=%s", dst_state_name(state));
	snprintf(index_env, sizeof(index_env), "DST_INDEX=%d", dev->index);
	envp[0] = state_env;
	envp[1] = index_env;
	envp[2] = NULL;
	if (disk_live(dev->disk))
		kobject_uevent_env(&disk_to_dev(dev->disk)->kobj, KOBJ_CHANGE, envp);

	skb = dst_nl_event_start(DST_CMD_DEV_CHANGE_NTF, &hdr);
	if (!skb)
		return;
	if (nla_put_u32(skb, DST_A_DEV_INDEX, dev->index) ||
	    nla_put_u32(skb, DST_A_STATE, state) ||
	    nla_put_string(skb, DST_A_LAST_ERROR, last_error)) {
		nlmsg_free(skb);
		return;
	}
	dst_nl_event_send(dev->net, skb, hdr);
}

/* ---- block device ---- */

static void dst_submit_bio(struct bio *bio)
{
	struct dst_device *dev = bio->bi_bdev->bd_disk->private_data;
	struct dst_trans *trans;

	bio = bio_split_to_limits(bio);
	if (!bio)
		return;
	trans = dst_trans_from_bio(dev, bio);
	if (!trans)
		return;
	/*
	 * A write with REQ_PREFLUSH: a FLUSH goes first and the write is
	 * submitted when the flush succeeded (dst_trans_complete).
	 */
	if ((bio->bi_opf & REQ_PREFLUSH) && trans->opcode == DST_OP_WRITE)
		trans = dst_trans_preflush(dev, trans);
	dst_dev_submit(dev, trans);
}

/* Runs under disk->open_mutex, like the removal's check of the openers. */
int dst_dev_open(struct gendisk *disk)
{
	struct dst_device *dev = disk->private_data;

	return READ_ONCE(dev->removing) ? -ENXIO : 0;
}

static const struct block_device_operations dst_fops = {
	.owner = THIS_MODULE,
	.open = dst_bdops_open,
	.submit_bio = dst_submit_bio,
};

/* ---- creation and removal ---- */

static int dst_dev_check(const struct dst_dev_params *p, struct netlink_ext_ack *extack)
{
	if (!is_power_of_2(p->logical_bs) || !is_power_of_2(p->physical_bs) ||
	    p->physical_bs < p->logical_bs) {
		NL_SET_ERR_MSG_MOD(extack, "block sizes must be powers of two, physical >= logical");
		return -EINVAL;
	}
	if (!p->size || p->size % p->logical_bs || p->size >> SECTOR_SHIFT > (sector_t)-1 >> 1) {
		NL_SET_ERR_MSG_MOD(extack, "size must be a non-zero multiple of the logical block size");
		return -EINVAL;
	}
	if (p->max_xfer % p->logical_bs || p->max_xfer < PAGE_SIZE) {
		NL_SET_ERR_MSG_MOD(extack, "max transfer must be a multiple of the logical block size and at least a page");
		return -EINVAL;
	}
	/* FUA is not emulated for bio-based queues: a cache needs both. */
	if ((p->features & DST_FEAT_FLUSH) && !(p->features & DST_FEAT_FUA)) {
		NL_SET_ERR_MSG_MOD(extack, "an export with a write cache must support FUA");
		return -EINVAL;
	}
	return 0;
}

static struct gendisk *dst_dev_alloc_disk(struct dst_device *dev)
{
	const struct dst_dev_params *p = &dev->params;
	u32 range = p->features & DST_FEAT_DISCARD ? DST_MAX_RANGE >> SECTOR_SHIFT : 0;
	struct dst_disk_limits lim = {
		.logical_bs = p->logical_bs,
		.physical_bs = p->physical_bs,
		.max_hw_sectors = p->max_xfer >> SECTOR_SHIFT,
		.max_discard_sectors = range,
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

static struct dst_device *dst_dev_alloc(const struct dst_dev_params *params,
					struct net *net)
{
	struct dst_device *dev = kzalloc(sizeof(*dev), GFP_KERNEL);

	if (!dev)
		return NULL;
	dev->trans_pool = dst_trans_pool_create();
	if (!dev->trans_pool) {
		kfree(dev);
		return NULL;
	}
	dev->params = *params;
	dev->net = get_net(net);
	dev->io_timeout = DST_IO_TIMEOUT_DEFAULT;
	dev->state = DST_STATE_DISCONNECTED;
	mutex_init(&dev->conf_mutex);
	spin_lock_init(&dev->lock);
	hash_init(dev->trans);
	INIT_LIST_HEAD(&dev->pending);
	init_waitqueue_head(&dev->idle_wait);
	INIT_DELAYED_WORK(&dev->timeout_work, dst_dev_timeout);
	return dev;
}

static void dst_dev_free(struct dst_device *dev)
{
	mempool_destroy(dev->trans_pool);
	put_net(dev->net);
	kfree(dev);
}

static int dst_dev_free_slot(struct dst_device *dev)
{
	unsigned long flags;
	int slot;

	spin_lock_irqsave(&dev->lock, flags);
	for (slot = 0; slot < DST_MAX_CONNS; slot++)
		if (!dev->conns[slot])
			break;
	spin_unlock_irqrestore(&dev->lock, flags);
	return slot < DST_MAX_CONNS ? slot : -EBUSY;
}

/*
 * Publish a connection over @sock in a free slot and start it. conf_mutex
 * serialises attaching, so the slot found stays free (the reaper only ever
 * empties slots). Consumes @sock, also on failure.
 */
static int dst_dev_attach(struct dst_device *dev, struct socket *sock,
			  struct netlink_ext_ack *extack)
{
	struct dst_conn *conn;
	unsigned long flags;
	bool reconnect;
	int slot;

	lockdep_assert_held(&dev->conf_mutex);
	slot = dst_dev_free_slot(dev);
	if (slot < 0) {
		NL_SET_ERR_MSG_MOD(extack, "device has the maximum number of connections");
		dst_sock_put(sock);
		return slot;
	}
	conn = dst_conn_create(dev, sock, slot, READ_ONCE(dev->epoch) + 1);
	if (IS_ERR(conn)) {
		NL_SET_ERR_MSG_MOD(extack, "cannot start connection threads");
		dst_sock_put(sock);
		return PTR_ERR(conn);
	}
	spin_lock_irqsave(&dev->lock, flags);
	dev->epoch++;
	dev->conns[slot] = conn;
	dev->nr_live++;
	reconnect = dev->epoch > 1;
	dev->state = DST_STATE_CONNECTED;
	spin_unlock_irqrestore(&dev->lock, flags);
	cancel_delayed_work(&dev->timeout_work);
	if (reconnect)
		atomic64_inc(&dev->stats.reconnects);
	dst_conn_start(conn);
	dst_dev_dispatch_pending(dev);
	return 0;
}

/*
 * Create a device over @sock (consumed, also on failure), not yet visible:
 * dst_dev_add_disk() follows without dst_devs_mutex, because adding the disk
 * reads the partition table over the network.
 */
struct dst_device *dst_dev_create(const struct dst_dev_params *params,
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
	dev = dst_dev_alloc(params, net);
	if (!dev)
		goto put_sock;
	if (params->index >= 0)
		index = idr_alloc(&dst_devs, dev, params->index, params->index + 1, GFP_KERNEL);
	else
		index = idr_alloc(&dst_devs, dev, 0, DST_MAX_INDEX + 1, GFP_KERNEL);
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
	err = dst_dev_attach(dev, sock, extack);
	mutex_unlock(&dev->conf_mutex);
	if (err)
		goto put_disk;
	dev->adding = true;
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

int dst_dev_add_disk(struct dst_device *dev, int err, struct netlink_ext_ack *extack)
{
	const struct dst_dev_params *p = &dev->params;

	if (!err) {
		err = device_add_disk(NULL, dev->disk, dst_sysfs_groups);
		if (err)
			NL_SET_ERR_MSG_MOD(extack, "cannot add the disk");
	}
	mutex_lock(&dst_devs_mutex);
	dev->adding = false;
	if (err)
		dst_dev_remove(dev, NULL);
	else
		dev->added = true;
	mutex_unlock(&dst_devs_mutex);
	if (err)
		return err;
	pr_info("%s: %s export \"%s\", %llu bytes, checksum %s\n", dev->disk->disk_name,
		p->remote, p->export_name, p->size, dst_csum_name(p->csum));
	dst_dev_notify(dev);
	return 0;
}

/* Add a connection over @sock (also a reconnect); consumes @sock. */
int dst_dev_connect(struct dst_device *dev, struct socket *sock,
		    struct netlink_ext_ack *extack)
{
	int err;

	mutex_lock(&dev->conf_mutex);
	if (READ_ONCE(dev->removing)) {
		NL_SET_ERR_MSG_MOD(extack, "device is being removed");
		dst_sock_put(sock);
		err = -ENODEV;
	} else {
		err = dst_dev_attach(dev, sock, extack);
	}
	mutex_unlock(&dev->conf_mutex);
	if (!err)
		dst_dev_notify(dev);
	return err;
}

/* Mark the device removing; fails with -EBUSY while it is open. */
static int dst_dev_start_removal(struct dst_device *dev, struct netlink_ext_ack *extack)
{
	if (dev->adding) {
		NL_SET_ERR_MSG_MOD(extack, "device is still being added");
		return -EBUSY;
	}
	if (!dev->added) {
		WRITE_ONCE(dev->removing, true);
		return 0;
	}
	/* open_mutex orders this check against dst_dev_open(). */
	mutex_lock(&dev->disk->open_mutex);
	if (disk_openers(dev->disk)) {
		mutex_unlock(&dev->disk->open_mutex);
		NL_SET_ERR_MSG_MOD(extack, "device is open or mounted");
		return -EBUSY;
	}
	WRITE_ONCE(dev->removing, true);
	mutex_unlock(&dev->disk->open_mutex);
	return 0;
}

/* Kill every live connection; removing is set, so nothing comes back. */
static void dst_dev_kill_conns(struct dst_device *dev)
{
	struct dst_conn *killed[DST_MAX_CONNS];
	unsigned int i, n = 0;
	unsigned long flags;
	LIST_HEAD(fail);

	mutex_lock(&dev->conf_mutex);
	spin_lock_irqsave(&dev->lock, flags);
	dev->state = DST_STATE_REMOVED;
	for (i = 0; i < DST_MAX_CONNS; i++)
		if (dev->conns[i] && dst_conn_kill_locked(dev->conns[i], "device removed", &fail))
			killed[n++] = dev->conns[i];
	spin_unlock_irqrestore(&dev->lock, flags);
	mutex_unlock(&dev->conf_mutex);
	dst_trans_complete_list(&fail, BLK_STS_IOERR);
	for (i = 0; i < n; i++)
		dst_conn_reap(killed[i]);
}

static bool dst_dev_quiet(struct dst_device *dev, bool transactions)
{
	unsigned long flags;
	bool quiet = true;
	unsigned int i;

	spin_lock_irqsave(&dev->lock, flags);
	for (i = 0; i < DST_MAX_CONNS; i++)
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
 * Remove a device; refused while it is open. I/O fails with EIO: new I/O at
 * once, queued I/O once the connections are gone. The disk goes last, so
 * nothing del_gendisk() submits can wait on the network.
 */
int dst_dev_remove(struct dst_device *dev, struct netlink_ext_ack *extack)
{
	int err;

	lockdep_assert_held(&dst_devs_mutex);
	err = dst_dev_start_removal(dev, extack);
	if (err)
		return err;
	cancel_delayed_work_sync(&dev->timeout_work);
	dst_dev_kill_conns(dev);
	wait_event(dev->idle_wait, dst_dev_quiet(dev, false));
	dst_dev_fail_all(dev);
	wait_event(dev->idle_wait, dst_dev_quiet(dev, true));

	if (dev->added)
		del_gendisk(dev->disk);
	dst_dev_notify(dev);
	put_disk(dev->disk);
	idr_remove(&dst_devs, dev->index);
	pr_info("dst%d: removed\n", dev->index);
	dst_dev_free(dev);
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

int dst_dev_module_init(void)
{
	dst_major = register_blkdev(0, "dst");
	return dst_major < 0 ? dst_major : 0;
}

void dst_dev_module_exit(void)
{
	struct dst_device *dev;
	int index = 0;

	mutex_lock(&dst_devs_mutex);
	/* Nothing can be open: an open disk holds a module reference. */
	for (; (dev = idr_get_next(&dst_devs, &index)); index++)
		dst_dev_remove(dev, NULL);
	mutex_unlock(&dst_devs_mutex);
	idr_destroy(&dst_devs);
	unregister_blkdev(dst_major, "dst");
}
