// SPDX-License-Identifier: GPL-2.0-only
/*
 * Queueing on a client device: which connection a transaction goes to, or
 * the pending list; the order of FLUSHes after the writes before them; the
 * I/O timeout, which bounds every transaction from its submission; the
 * device's state.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched/mm.h>
#include <net/netlink.h>
#include "client.h"

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

/*
 * A transaction may go on a live connection newer than the one that last put
 * it on the wire: the server fences that generation first (protocol.md).
 * A small transaction goes on the connection whose threads run on this CPU
 * (no wake-up crosses CPUs, as with nvme-tcp's queue per CPU); from a CPU
 * without one, on one chosen by the CPU's number, so that such CPUs share
 * the connections evenly. Large ones all go on the first connection: one
 * busy connection keeps its congestion window open, where bursts spread over
 * several would let each idle into a slow-start restart (measured: 1M
 * sequential I/O 2 to 3 times faster).
 */
static struct dst_conn *dst_dev_pick_conn_locked(struct dst_device *dev,
						 const struct dst_trans *trans)
{
	int cpu = trans->length <= DST_LOCAL_MAX ? smp_processor_id() : -1;
	struct dst_conn *usable[DST_DEV_CONNS_MAX];
	unsigned int i, n = 0;

	for (i = 0; i < DST_DEV_CONNS_MAX; i++) {
		struct dst_conn *conn = dev->conns[i];

		if (!conn || conn->dead || conn->generation <= trans->sent_gen)
			continue;
		if (conn->cpu == cpu)
			return conn;
		usable[n++] = conn;
	}
	if (!n)
		return NULL;
	return cpu < 0 ? usable[0] : usable[cpu % n];
}

/*
 * Queue @trans on a connection, returned (TX not woken), or on pending; or
 * on @fail when it may not wait: the device is going or failed, its deadline
 * passed, or it is failfast and no live connection takes it (reconnect.md).
 */
static struct dst_conn *dst_dev_place_locked(struct dst_device *dev, struct dst_trans *trans,
					     struct list_head *fail)
{
	struct dst_conn *conn = NULL;

	lockdep_assert_held(&dev->lock);
	dst_conn_untake_locked(trans);
	if (dev->removing || dev->state == DST_STATE_FAILED || trans->expired)
		goto out_fail;
	if (dev->nr_live)
		conn = dst_dev_pick_conn_locked(dev, trans);
	if (!conn && trans->failfast)
		goto out_fail;
	/* Back from a connection that took it: it will be sent again. */
	if (trans->sends > trans->sends_counted) {
		trans->sends_counted = trans->sends;
		atomic64_inc(&dev->stats.resends);
	}
	trans->conn = conn;
	if (conn) {
		trans->state = DST_TRANS_QUEUED;
		list_add_tail(&trans->entry, &conn->send_queue);
	} else {
		trans->state = DST_TRANS_PENDING;
		list_add_tail(&trans->entry, &dev->pending);
	}
	return conn;

out_fail:
	dst_trans_unhash_locked(trans);
	list_add_tail(&trans->entry, fail);
	return NULL;
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

/*
 * Send what waits on the connection of this CPU from here when it is idle
 * (@may_send), else wake its TX; wake the TX of every other connection
 * with something to send.
 */
static void dst_dev_kick(struct dst_device *dev, bool may_send)
{
	struct dst_conn *send_now = NULL;
	struct dst_trans *trans = NULL;
	unsigned long flags;
	unsigned int i;
	bool more;

	spin_lock_irqsave(&dev->lock, flags);
	for (i = 0; i < DST_DEV_CONNS_MAX; i++) {
		struct dst_conn *conn = dev->conns[i];

		if (!conn || conn->dead || !dst_conn_next_locked(conn))
			continue;
		if (!send_now && may_send) {
			trans = dst_conn_take_inline_locked(conn, &more);
			if (trans) {
				send_now = conn;
				continue;
			}
		}
		wake_up(&conn->tx_wait);
	}
	spin_unlock_irqrestore(&dev->lock, flags);
	if (send_now)
		dst_conn_send_inline(send_now, trans, more);
}

/*
 * The end of a plug (blk_start_plug: io_uring's and io_submit's batches,
 * writeback): what was queued meanwhile leaves in one burst. From schedule(),
 * TX sends it.
 */
static void dst_dev_unplug(struct blk_plug_cb *cb, bool from_schedule)
{
	struct dst_device *dev = cb->data;

	kfree(cb);
	dst_dev_kick(dev, !from_schedule);
}

void dst_dev_submit(struct dst_device *dev, struct dst_trans *trans, bool may_sleep)
{
	struct dst_conn *conn, *send_now = NULL;
	struct dst_trans *first = NULL;
	unsigned long flags;
	bool plugged, more;
	LIST_HEAD(fail);

	/* The submitter holds the disk open until its plug ends. */
	plugged = may_sleep && blk_check_plugged(dst_dev_unplug, dev, sizeof(struct blk_plug_cb));
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
	/* Plugged: the unplug sends. An idle connection: send from here, sparing TX's wake-up. */
	if (conn && !plugged && may_sleep)
		first = dst_conn_take_inline_locked(conn, &more);
	if (first)
		send_now = conn;
	else if (conn && !plugged)
		wake_up(&conn->tx_wait);
	spin_unlock_irqrestore(&dev->lock, flags);
	if (send_now)
		dst_conn_send_inline(send_now, first, more);
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
void dst_dev_dispatch_pending(struct dst_device *dev)
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
unsigned int dst_dev_kill_below_locked(struct dst_device *dev, u32 below,
					      const char *why, struct dst_conn **killed,
					      struct list_head *fail)
{
	unsigned int i, n = 0;

	lockdep_assert_held(&dev->lock);
	for (i = 0; i < DST_DEV_CONNS_MAX; i++) {
		struct dst_conn *conn = dev->conns[i];

		if (conn && conn->generation < below && dst_conn_kill_locked(conn, why, fail))
			killed[n++] = conn;
	}
	return n;
}

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

void dst_dev_status(struct dst_device *dev, struct dst_dev_status *st)
{
	struct dst_conn *conn;
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&dev->lock, flags);
	st->state = dev->state;
	st->nr_live = dev->nr_live;
	st->inflight = dev->inflight;
	st->generation = dev->generation;
	st->epoch = dev->epoch;
	st->down_time = dev->nr_live ? 0 : jiffies_to_msecs(jiffies - dev->down_since);
	st->tunables = dev->tunables;
	st->rekey_due = false;
	st->tls = (struct dst_tls_info) {};
	for (i = 0; i < DST_DEV_CONNS_MAX; i++) {
		conn = dev->conns[i];
		if (!conn || conn->dead)
			continue;
		st->rekey_due |= test_bit(DST_CONN_REKEY_DUE, &conn->flags);
		if (!st->tls.version || conn->generation >= st->generation)
			st->tls = conn->tls;
	}
	strscpy(st->last_error, dev->last_error, sizeof(st->last_error));
	spin_unlock_irqrestore(&dev->lock, flags);
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
	char why[DST_LAST_ERROR_MAX + 1];

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

void dst_dev_timeout(struct work_struct *work)
{
	struct dst_device *dev = container_of(to_delayed_work(work),
					      struct dst_device, timeout_work);
	struct dst_conn *killed[DST_DEV_CONNS_MAX];
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
	for (i = 0; i < DST_DEV_CONNS_MAX; i++)
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
