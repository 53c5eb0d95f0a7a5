// SPDX-License-Identifier: GPL-2.0-only
/*
 * Client devices: the gendisk, submit_bio, and the device's life from
 * creation over netlink to removal.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/idr.h>
#include <linux/kobject.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include "compat.h"
#include "conn.h"
#include "debug.h"
#include "dev.h"
#include "netlink.h"
#include "sock.h"
#include "trans.h"

DEFINE_MUTEX(dst_devs_mutex);
/*
 * index -> device, under dst_devs_mutex. A removed device whose disk is still
 * open keeps its index (entry NULL) until the disk is freed, so that no new
 * disk takes its minor numbers.
 */
static DEFINE_IDR(dst_devs);
static atomic_t dst_disks_alive = ATOMIC_INIT(0);	/* disks not yet freed */
static struct workqueue_struct *dst_dev_wq;	/* timeouts, freeing */
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

/*
 * A transaction may go on a live connection newer than the one that last put
 * it on the wire: the server fences that generation first (protocol.md).
 * A small transaction goes on the connection whose threads run on this CPU
 * (no wake-up crosses CPUs, as with nvme-tcp's queue per CPU). Large ones
 * all go on the first connection: one busy connection keeps its congestion
 * window open, where bursts spread over several would let each idle into a
 * slow-start restart (measured: 1M sequential I/O 2 to 3 times faster).
 */
static struct dst_conn *dst_dev_pick_conn_locked(struct dst_device *dev,
						 const struct dst_trans *trans)
{
	int cpu = trans->length <= DST_LOCAL_MAX ? smp_processor_id() : -1;
	struct dst_conn *first = NULL;
	unsigned int i;

	for (i = 0; i < DST_MAX_CONNS; i++) {
		struct dst_conn *conn = dev->conns[i];

		if (!conn || conn->dead || conn->generation <= trans->sent_gen)
			continue;
		if (conn->cpu == cpu)
			return conn;
		if (!first)
			first = conn;
	}
	return first;
}

/* Queue @trans on a connection, returned (TX not woken), or on pending. */
static struct dst_conn *dst_dev_place_locked(struct dst_device *dev, struct dst_trans *trans,
					     struct list_head *fail)
{
	struct dst_conn *conn = NULL;

	lockdep_assert_held(&dev->lock);
	dst_conn_untake_locked(trans);
	if (dev->removing || dev->state == DST_STATE_FAILED || trans->expired) {
		dst_trans_unhash_locked(trans);
		list_add_tail(&trans->entry, fail);
		return NULL;
	}
	/* Back from a connection that took it: it will be sent again. */
	if (trans->sends > trans->sends_counted) {
		trans->sends_counted = trans->sends;
		atomic64_inc(&dev->stats.resends);
	}
	if (dev->nr_live)
		conn = dst_dev_pick_conn_locked(dev, trans);
	trans->conn = conn;
	if (conn) {
		trans->state = DST_TRANS_QUEUED;
		list_add_tail(&trans->entry, &conn->send_queue);
	} else {
		trans->state = DST_TRANS_PENDING;
		list_add_tail(&trans->entry, &dev->pending);
	}
	return conn;
}

void dst_dev_queue_locked(struct dst_device *dev, struct dst_trans *trans,
			  struct list_head *fail)
{
	struct dst_conn *conn = dst_dev_place_locked(dev, trans, fail);

	/* Under the lock: a dead connection may be freed once we drop it. */
	if (conn)
		wake_up(&conn->tx_wait);
}

static void dst_dev_arm_timeout_locked(struct dst_device *dev, unsigned long at);

/*
 * Put @trans on dev->by_age by submission time: at the tail, but for a write
 * that waited for its pre-flush, which goes a little further up.
 */
static void dst_dev_add_by_age_locked(struct dst_device *dev, struct dst_trans *trans)
{
	struct list_head *pos = &dev->by_age;
	struct dst_trans *prev;

	list_for_each_entry_reverse(prev, &dev->by_age, age_entry) {
		if (!time_after(prev->submitted, trans->submitted))
			break;
		pos = &prev->age_entry;
	}
	list_add_tail(&trans->age_entry, pos);
	dst_dev_arm_timeout_locked(dev, trans->submitted +
				   msecs_to_jiffies(dev->tunables.io_timeout));
}

void dst_dev_submit(struct dst_device *dev, struct dst_trans *trans, bool may_sleep)
{
	struct dst_conn *conn, *send_now = NULL;
	unsigned long flags;
	LIST_HEAD(fail);

	spin_lock_irqsave(&dev->lock, flags);
	do {
		trans->id = dev->next_id++;
	} while (trans->id == DST_PING_ID || dst_trans_lookup_locked(dev, trans->id));
	trans->seq = dev->next_seq++;
	hash_add(dev->trans, &trans->node, trans->id);
	dst_dev_add_by_age_locked(dev, trans);
	if (dst_trans_is_write(trans))
		list_add_tail(&trans->write_entry, &dev->writes);
	dev->inflight++;
	conn = dst_dev_place_locked(dev, trans, &fail);
	/* An idle connection: send from here, sparing TX's wake-up. */
	if (conn && may_sleep && dst_conn_take_inline_locked(conn, trans))
		send_now = conn;
	else if (conn)
		wake_up(&conn->tx_wait);
	spin_unlock_irqrestore(&dev->lock, flags);
	if (send_now)
		dst_conn_send_inline(send_now, trans);
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

/* Submission order of the oldest write not yet completed, dev->lock held. */
static u64 dst_dev_oldest_write_locked(struct dst_device *dev)
{
	struct dst_trans *oldest;

	oldest = list_first_entry_or_null(&dev->writes, struct dst_trans, write_entry);
	return oldest ? oldest->seq : U64_MAX;
}

void dst_dev_flush_done(struct dst_device *dev, struct dst_trans *flush,
			blk_status_t status)
{
	unsigned long flags;
	bool hold;

	spin_lock_irqsave(&dev->lock, flags);
	dst_trans_unhash_locked(flush);
	/* A resent write may still be on its way: the FLUSH waits for it. */
	hold = !status && dst_dev_oldest_write_locked(dev) < flush->seq;
	if (hold) {
		flush->held_status = status;
		list_add_tail(&flush->write_entry, &dev->held_flushes);
	}
	spin_unlock_irqrestore(&dev->lock, flags);
	if (!hold)
		dst_trans_complete(flush, status);
}

void dst_dev_release_flushes(struct dst_device *dev)
{
	struct dst_trans *flush, *next;
	unsigned long flags;
	LIST_HEAD(done);
	u64 oldest;

	if (list_empty_careful(&dev->held_flushes))
		return;
	spin_lock_irqsave(&dev->lock, flags);
	oldest = dst_dev_oldest_write_locked(dev);
	list_for_each_entry_safe(flush, next, &dev->held_flushes, write_entry)
		if (flush->seq < oldest)
			list_move_tail(&flush->write_entry, &done);
	spin_unlock_irqrestore(&dev->lock, flags);
	list_for_each_entry_safe(flush, next, &done, write_entry) {
		list_del_init(&flush->write_entry);
		dst_trans_complete(flush, flush->held_status);
	}
}

/* Give every pending transaction to the live connections that may take it. */
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

/*
 * Kill the live connections of a generation below @below, dev->lock held,
 * collecting them in @killed for dst_conn_reap(). Their transactions go back
 * to the device, to newer connections or to pending.
 */
static unsigned int dst_dev_kill_below_locked(struct dst_device *dev, u32 below,
					      const char *why, struct dst_conn **killed,
					      struct list_head *fail)
{
	unsigned int i, n = 0;

	lockdep_assert_held(&dev->lock);
	for (i = 0; i < DST_MAX_CONNS; i++) {
		struct dst_conn *conn = dev->conns[i];

		if (conn && conn->generation < below && dst_conn_kill_locked(conn, why, fail))
			killed[n++] = conn;
	}
	return n;
}

/* ---- states and timeouts ---- */

/*
 * Every I/O completes within io_timeout of its submission, whatever holds it
 * up: no connection, a server that does not answer it, or one that keeps
 * answering NOMEM. dev->by_age has the transactions in submission order;
 * timeout_work runs at the oldest one's deadline, and at the deadline of a
 * device without a connection, which then fails (new I/O fails at once
 * until a connection comes back).
 */
static void dst_dev_arm_timeout_locked(struct dst_device *dev, unsigned long at)
{
	unsigned long now = jiffies;

	lockdep_assert_held(&dev->lock);
	if (dev->tunables.io_timeout == DST_TIMEOUT_FOREVER || dev->removing)
		return;
	if (dev->timeout_armed && !time_before(at, dev->timeout_at))
		return;
	dev->timeout_armed = true;
	dev->timeout_at = at;
	mod_delayed_work(dst_dev_wq, &dev->timeout_work,
			 time_after(at, now) ? at - now : 0);
}

void dst_dev_conn_lost_locked(struct dst_device *dev, const char *why,
			      unsigned long since)
{
	lockdep_assert_held(&dev->lock);
	strscpy(dev->last_error, why, sizeof(dev->last_error));
	if (dev->nr_live || dev->removing)
		return;
	dev->down_since = since;
	if (dev->state != DST_STATE_FAILED)
		dev->state = DST_STATE_DISCONNECTED;
	dst_dev_arm_timeout_locked(dev, since + msecs_to_jiffies(dev->tunables.io_timeout));
}

void dst_dev_conn_gone_locked(struct dst_device *dev, unsigned int slot)
{
	lockdep_assert_held(&dev->lock);
	dev->conns[slot] = NULL;
	wake_up_all(&dev->idle_wait);
}

u64 dst_dev_down_time(struct dst_device *dev)
{
	unsigned long flags, since;
	bool down;

	spin_lock_irqsave(&dev->lock, flags);
	down = !dev->nr_live;
	since = dev->down_since;
	spin_unlock_irqrestore(&dev->lock, flags);
	return down ? jiffies_to_msecs(jiffies - since) : 0;
}

/* Without a connection for io_timeout: the device fails, and its pending I/O. */
static bool dst_dev_expire_device_locked(struct dst_device *dev, unsigned long timeout,
					 struct list_head *fail)
{
	struct dst_trans *trans, *next;

	if (dev->nr_live || dev->state == DST_STATE_FAILED ||
	    time_before(jiffies, dev->down_since + timeout))
		return false;
	dev->state = DST_STATE_FAILED;
	strscpy(dev->last_error, "timed out waiting for a connection", sizeof(dev->last_error));
	list_for_each_entry_safe(trans, next, &dev->pending, entry) {
		dst_trans_unhash_locked(trans);
		list_add_tail(&trans->entry, fail);
		atomic64_inc(&dev->stats.timeouts);
	}
	return true;
}

/*
 * Fail the oldest transaction past its deadline and not yet expired; false
 * when there is none. Its outcome may be unknown (it was on the wire as
 * generation sent_gen): before the application learns of the failure, and
 * may write the block again, every live connection of that generation or
 * older is killed, so that the server fences them before it executes
 * anything newer (protocol.md, "Fencing"). A transaction a thread holds is
 * failed by that thread when it puts it back.
 */
static bool dst_dev_expire_one_locked(struct dst_device *dev, unsigned long timeout,
				      struct dst_conn **killed, unsigned int *nr_killed,
				      struct list_head *fail)
{
	struct dst_trans *trans;
	char why[DST_LAST_ERROR_MAX];

	list_for_each_entry(trans, &dev->by_age, age_entry) {
		if (time_before(jiffies, trans->submitted + timeout))
			return false;
		if (!trans->expired)
			break;
	}
	if (list_entry_is_head(trans, &dev->by_age, age_entry))
		return false;
	trans->expired = true;
	atomic64_inc(&dev->stats.timeouts);
	if (trans->sent_gen) {
		snprintf(why, sizeof(why), "I/O timed out after %u ms: fencing generation %u",
			 dev->tunables.io_timeout, trans->sent_gen);
		*nr_killed += dst_dev_kill_below_locked(dev, trans->sent_gen + 1, why,
							 killed + *nr_killed, fail);
	}
	/* The kill may have failed it already, off the connection it was on. */
	if (hash_hashed(&trans->node) &&
	    (trans->state == DST_TRANS_PENDING || trans->state == DST_TRANS_QUEUED)) {
		dst_trans_unhash_locked(trans);
		list_add_tail(&trans->entry, fail);
	}
	return true;
}

/* The next deadline: the oldest transaction's, or the device's. */
static void dst_dev_rearm_locked(struct dst_device *dev, unsigned long timeout)
{
	struct dst_trans *trans;

	list_for_each_entry(trans, &dev->by_age, age_entry) {
		if (!trans->expired) {
			dst_dev_arm_timeout_locked(dev, trans->submitted + timeout);
			break;
		}
	}
	if (!dev->nr_live && dev->state != DST_STATE_FAILED)
		dst_dev_arm_timeout_locked(dev, dev->down_since + timeout);
}

static void dst_dev_timeout(struct work_struct *work)
{
	struct dst_device *dev = container_of(to_delayed_work(work),
					      struct dst_device, timeout_work);
	struct dst_conn *killed[DST_MAX_CONNS];
	unsigned int i, nr_killed = 0, noio;
	unsigned long flags, timeout;
	bool failed = false;
	LIST_HEAD(fail);

	/* Whatever this allocates must not wait for our own I/O (swap). */
	noio = memalloc_noio_save();
	spin_lock_irqsave(&dev->lock, flags);
	dev->timeout_armed = false;
	if (!dev->removing && dev->tunables.io_timeout != DST_TIMEOUT_FOREVER) {
		timeout = msecs_to_jiffies(dev->tunables.io_timeout);
		failed = dst_dev_expire_device_locked(dev, timeout, &fail);
		while (dst_dev_expire_one_locked(dev, timeout, killed, &nr_killed, &fail))
			;
		dst_dev_rearm_locked(dev, timeout);
	}
	spin_unlock_irqrestore(&dev->lock, flags);
	if (!list_empty(&fail))
		pr_warn("%s: I/O not done within %u ms, failing it\n",
			dev->disk->disk_name, dev->tunables.io_timeout);
	for (i = 0; i < nr_killed; i++) {
		pr_info("%s: connection to %s (epoch %u) killed: its I/O timed out\n",
			dev->disk->disk_name, killed[i]->peer, killed[i]->epoch);
		dst_conn_reap(killed[i]);
	}
	dst_trans_complete_list(&fail, BLK_STS_IOERR);
	if (failed || nr_killed)
		dst_dev_notify(dev);
	memalloc_noio_restore(noio);
}

int dst_dev_check_tunables(const struct dst_dev_tunables *t,
			   struct netlink_ext_ack *extack)
{
	if (t->ping_interval && t->ping_interval < 100) {
		NL_SET_ERR_MSG_MOD(extack, "ping interval must be 0 (off) or at least 100 ms");
		return -EINVAL;
	}
	if (t->reconnect_delay > t->reconnect_delay_max) {
		NL_SET_ERR_MSG_MOD(extack, "reconnect delay must not exceed the maximum delay");
		return -EINVAL;
	}
	return 0;
}

void dst_dev_set_tunables(struct dst_device *dev, const struct dst_dev_tunables *t)
{
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&dev->lock, flags);
	dev->tunables = *t;
	/* Deadlines move with io_timeout: look again now. */
	dev->timeout_armed = false;
	if (!dev->removing)
		mod_delayed_work(dst_dev_wq, &dev->timeout_work, 0);
	for (i = 0; i < DST_MAX_CONNS; i++)
		if (dev->conns[i] && !dev->conns[i]->dead)
			dst_conn_kick_locked(dev->conns[i]);
	spin_unlock_irqrestore(&dev->lock, flags);
}

void dst_dev_report(struct dst_device *dev, bool reconnecting, const char *why)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->lock, flags);
	/* A failed device stays failed: its I/O fails fast until connected. */
	if (reconnecting && !dev->nr_live && dev->state == DST_STATE_DISCONNECTED)
		dev->state = DST_STATE_RECONNECTING;
	if (why)
		strscpy(dev->last_error, why, sizeof(dev->last_error));
	spin_unlock_irqrestore(&dev->lock, flags);
	dst_dev_notify(dev);
}

static void dst_dev_uevent(struct dst_device *dev, u32 state)
{
	char state_env[32], index_env[32];
	char *envp[3];

	envp[0] = state_env;
	envp[1] = index_env;
	envp[2] = NULL;
	snprintf(state_env, sizeof(state_env), "DST_STATE=%s", dst_state_name(state));
	snprintf(index_env, sizeof(index_env), "DST_INDEX=%d", dev->index);
	if (disk_live(dev->disk))
		kobject_uevent_env(&disk_to_dev(dev->disk)->kobj, KOBJ_CHANGE, envp);
}

void dst_dev_notify(struct dst_device *dev)
{
	char last_error[DST_LAST_ERROR_MAX];
	unsigned int noio;
	struct sk_buff *skb;
	unsigned long flags;
	u32 state, live;
	struct net *net;
	void *hdr;

	/* Called where a connection died: nothing may wait for our own I/O. */
	noio = memalloc_noio_save();
	spin_lock_irqsave(&dev->lock, flags);
	state = dev->state;
	live = dev->nr_live;
	strscpy(last_error, dev->last_error, sizeof(last_error));
	/* Not while the namespace exits: dst_dev_net_exit() moves us. */
	net = maybe_get_net(dev->net);
	spin_unlock_irqrestore(&dev->lock, flags);

	dst_dev_uevent(dev, state);
	skb = net ? dst_nl_event_start(DST_CMD_DEV_CHANGE_NTF, &hdr) : NULL;
	if (skb && (nla_put_u32(skb, DST_A_DEV_INDEX, dev->index) ||
		    nla_put_u32(skb, DST_A_STATE, state) ||
		    nla_put_string(skb, DST_A_LAST_ERROR, last_error) ||
		    nla_put_u32(skb, DST_A_CONNECTIONS, live) ||
		    nla_put_u32(skb, DST_A_CONN_COUNT, dev->params.conn_count))) {
		nlmsg_free(skb);
		skb = NULL;
	}
	if (skb)
		dst_nl_event_send(net, skb, hdr);
	if (net)
		put_net(net);
	memalloc_noio_restore(noio);
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

static const struct block_device_operations dst_fops = {
	.owner = THIS_MODULE,
	.open = dst_bdops_open,
	.submit_bio = dst_submit_bio,
	.free_disk = dst_free_disk,
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

static void dst_dev_free_work(struct work_struct *work);

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
	dev->net = net;
	dev->tunables = params->tunables;
	dev->state = DST_STATE_DISCONNECTED;
	dev->down_since = jiffies;
	mutex_init(&dev->conf_mutex);
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
	for (slot = 0; slot < DST_MAX_CONNS; slot++)
		if (!dev->conns[slot])
			break;
	spin_unlock_irqrestore(&dev->lock, flags);
	return slot < DST_MAX_CONNS ? slot : -EBUSY;
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
	struct dst_conn *killed[DST_MAX_CONNS];
	struct dst_conn *conn;
	unsigned int i, n = 0;
	unsigned long flags;
	bool newer;
	LIST_HEAD(fail);
	int slot;

	lockdep_assert_held(&dev->conf_mutex);
	if (generation < READ_ONCE(dev->generation)) {
		NL_SET_ERR_MSG_MOD(extack, "connection generation is older than the device's");
		dst_sock_put(sock);
		return -ESTALE;
	}
	slot = dst_dev_free_slot(dev);
	if (slot < 0) {
		NL_SET_ERR_MSG_MOD(extack, "device has the maximum number of connections");
		dst_sock_put(sock);
		return slot;
	}
	conn = dst_conn_create(dev, sock, slot, READ_ONCE(dev->epoch) + 1, generation);
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
			atomic64_inc(&dev->stats.reconnects);
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
 * (dstctl add-node at once, udev's blkid too).
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
		p->remote, p->export_name, p->size, dst_csum_name(p->csum));
	dst_dev_notify(dev);
}

/* Add a connection over @sock (also a reconnect); consumes @sock. */
int dst_dev_connect(struct dst_device *dev, struct socket *sock, u32 generation,
		    struct netlink_ext_ack *extack)
{
	int err;

	mutex_lock(&dev->conf_mutex);
	if (READ_ONCE(dev->removing)) {
		NL_SET_ERR_MSG_MOD(extack, "device is being removed");
		dst_sock_put(sock);
		err = -ENODEV;
	} else {
		err = dst_dev_attach(dev, sock, generation, extack);
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

int dst_dev_module_init(void)
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

void dst_dev_module_exit(void)
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
