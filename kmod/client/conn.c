// SPDX-License-Identifier: GPL-2.0-only
/*
 * Client connections: their life from dst_conn_create() to the reaper, the
 * liveness check, and what each may have outstanding.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kthread.h>
#include <linux/net.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include "debug.h"
#include "sock.h"
#include "client.h"

static struct workqueue_struct *dst_conn_wq;

/* Whether @trans fits in what @conn may have outstanding (dev->lock held). */
bool dst_conn_fits_locked(const struct dst_conn *conn, const struct dst_trans *trans)
{
	return conn->nr_out < DST_CONN_MAX_REQUESTS &&
	       conn->out_bytes + dst_trans_data_len(trans) <= DST_CONN_MAX_DATA;
}

/* The first transaction of @conn's send queue if it may be sent now. */
struct dst_trans *dst_conn_next_locked(struct dst_conn *conn)
{
	struct dst_trans *trans;

	trans = list_first_entry_or_null(&conn->send_queue, struct dst_trans, entry);
	return trans && dst_conn_fits_locked(conn, trans) ? trans : NULL;
}

/* @trans, first on @conn's send queue, is now held by its sender. */
void dst_conn_take_locked(struct dst_conn *conn, struct dst_trans *trans)
{
	lockdep_assert_held(&conn->dev->lock);
	list_del_init(&trans->entry);
	trans->state = DST_TRANS_SENDING;
	trans->sends++;
	trans->sent_gen = conn->generation;
	trans->tx_done = 0;
	trans->out_conn = conn;
	conn->nr_out++;
	conn->out_bytes += dst_trans_data_len(trans);
	conn->tx_busy = true;
}

void dst_conn_untake_locked(struct dst_trans *trans)
{
	struct dst_conn *conn = trans->out_conn;

	if (!conn)
		return;
	lockdep_assert_held(&conn->dev->lock);
	trans->out_conn = NULL;
	conn->nr_out--;
	conn->out_bytes -= dst_trans_data_len(trans);
	/* TX may wait for the room this made. */
	if (!conn->dead && dst_conn_next_locked(conn))
		wake_up(&conn->tx_wait);
}

static void dst_conn_free_rcu(struct rcu_head *rcu)
{
	struct dst_conn *conn = container_of(rcu, struct dst_conn, rcu);

	dst_debug_poison(conn, sizeof(*conn));
	kfree(conn);
}

static void dst_conn_reap_work(struct work_struct *work)
{
	struct dst_conn *conn = container_of(work, struct dst_conn, reap_work);
	struct dst_device *dev = conn->dev;
	unsigned int noio = memalloc_noio_save();
	unsigned long flags;

	/* Failed between being published and started: let the start finish. */
	wait_for_completion(&conn->started);
	cancel_delayed_work_sync(&conn->liveness_work);
	kthread_stop(conn->rx_thread);
	kthread_stop(conn->tx_thread);
	/* An inline sender that took the connection while it was live. */
	mutex_lock(&conn->send_mutex);
	mutex_unlock(&conn->send_mutex);
	put_task_struct(conn->rx_thread);
	put_task_struct(conn->tx_thread);
	dst_sock_put(conn->sock);

	/* The last touch of dev: removal may free it once the slot is empty. */
	spin_lock_irqsave(&dev->lock, flags);
	dst_dev_conn_gone_locked(dev, conn->slot);
	spin_unlock_irqrestore(&dev->lock, flags);
	call_rcu(&conn->rcu, dst_conn_free_rcu);
	memalloc_noio_restore(noio);
}

/* When the server stopped answering: its last sign of life, or now. */
static unsigned long dst_conn_silent_since(struct dst_conn *conn)
{
	unsigned long since = READ_ONCE(conn->silent_since);

	return since ? since : jiffies;
}

bool dst_conn_kill_locked(struct dst_conn *conn, const char *why,
			  struct list_head *fail)
{
	struct dst_device *dev = conn->dev;
	struct dst_trans *trans, *next;
	LIST_HEAD(moving);

	lockdep_assert_held(&dev->lock);
	if (conn->dead)
		return false;
	conn->dead = true;
	dev->nr_live--;
	list_splice_init(&conn->sent, &moving);
	list_splice_tail_init(&conn->send_queue, &moving);
	/* Half sent by an inline sender, and nobody holds it now. */
	if (conn->tx_partial) {
		list_add(&conn->tx_partial->entry, &moving);
		conn->tx_partial = NULL;
	}
	dst_dev_conn_lost_locked(dev, why, dst_conn_silent_since(conn));
	list_for_each_entry_safe(trans, next, &moving, entry) {
		list_del_init(&trans->entry);
		dst_dev_queue_locked(dev, trans, fail);
	}
	return true;
}

/* Ticks of the liveness check: often enough to see a silent interval. */
static unsigned long dst_conn_tick(u32 ping_after)
{
	return msecs_to_jiffies(ping_after ? max(ping_after / 4, 50U) : 1000);
}

/*
 * A link silent for a ping interval gets a PING. A connection waiting for
 * replies (or its PING's) that hears nothing for three intervals, at most the
 * io-timeout, is dropped: the server is gone or stuck, and the transactions
 * are better resent on a new connection. A slow link still makes progress,
 * and a live server answers PINGs, which go out often enough to be answered
 * before that limit.
 */
static void dst_conn_liveness(struct work_struct *work)
{
	struct dst_conn *conn = container_of(to_delayed_work(work), struct dst_conn,
					     liveness_work);
	struct dst_device *dev = conn->dev;
	unsigned long flags, last = READ_ONCE(conn->last_rx);
	u32 ping, limit, silence;
	char why[DST_LAST_ERROR_MAX + 1];
	unsigned int noio;
	bool busy, dead;

	spin_lock_irqsave(&dev->lock, flags);
	ping = dev->tunables.ping_interval;
	limit = min_t(u64, 3ULL * ping, dev->tunables.io_timeout);
	busy = conn->tx_busy || !list_empty(&conn->sent) ||
	       test_bit(DST_CONN_PING_SENT, &conn->flags);
	dead = conn->dead;
	spin_unlock_irqrestore(&dev->lock, flags);
	if (dead)
		return;
	ping = min(ping, limit / 3);
	silence = jiffies_to_msecs(jiffies - last);
	if (ping && busy && silence >= limit) {
		WRITE_ONCE(conn->silent_since, last);
		snprintf(why, sizeof(why), "no reply from the server for %u ms", silence);
		/* On the way to the reconnect that swap may be waiting for. */
		noio = memalloc_noio_save();
		dst_conn_fail(conn, -ETIMEDOUT, why);
		memalloc_noio_restore(noio);
		return;
	}
	if (ping && silence >= ping && !test_bit(DST_CONN_PING_SENT, &conn->flags) &&
	    !test_and_set_bit(DST_CONN_PING_DUE, &conn->flags))
		wake_up(&conn->tx_wait);
	queue_delayed_work(dst_conn_wq, &conn->liveness_work, dst_conn_tick(ping));
}

void dst_conn_kick_locked(struct dst_conn *conn)
{
	lockdep_assert_held(&conn->dev->lock);
	mod_delayed_work(dst_conn_wq, &conn->liveness_work, 0);
}

void dst_conn_reap(struct dst_conn *conn)
{
	/* A reset, not a FIN: nothing more leaves from pages of our I/O. */
	dst_sock_abort(conn->sock);
	wake_up(&conn->tx_wait);
	wake_up(&conn->claim_wait);
	queue_work(dst_conn_wq, &conn->reap_work);
}

void dst_conn_fail_trans(struct dst_conn *conn, struct list_head *fail)
{
	if (list_empty(fail))
		return;
	dst_sock_abort(conn->sock);
	dst_trans_complete_list(fail, BLK_STS_IOERR);
}

void dst_conn_fail(struct dst_conn *conn, int err, const char *why)
{
	struct dst_device *dev = conn->dev;
	unsigned long flags;
	LIST_HEAD(fail);
	bool killed;

	spin_lock_irqsave(&dev->lock, flags);
	killed = dst_conn_kill_locked(conn, why, &fail);
	spin_unlock_irqrestore(&dev->lock, flags);
	if (!killed)
		return;
	pr_info("%s: connection to %s (epoch %u) lost: %s (%d)\n",
		dev->disk->disk_name, conn->peer, conn->epoch, why, err);
	dst_conn_fail_trans(conn, &fail);
	dst_dev_notify(dev);
	dst_conn_reap(conn);
}

/*
 * Each connection has a CPU, spread like nvme-tcp's queues, where both
 * threads run and the only one an inline sender may send from: all of a
 * socket's segments leave from one CPU, so a local peer's per-CPU backlogs
 * (veth, loopback) never reorder them, which TCP would take for loss. The
 * device sends small I/O from each CPU on that CPU's connection.
 */
static void dst_conn_bind(struct dst_conn *conn)
{
	conn->cpu = cpumask_local_spread(conn->slot, NUMA_NO_NODE);
	set_cpus_allowed_ptr(conn->tx_thread, cpumask_of(conn->cpu));
	set_cpus_allowed_ptr(conn->rx_thread, cpumask_of(conn->cpu));
}

/*
 * After a receive or a send: once the connection's TLS keys carried the
 * device's rekey_records, ask userspace to replace it (dstd hands in a new
 * generation, as after a loss, and nothing fails); at DST_TLS_RECORDS_MAX,
 * which userspace should never let it reach, refuse to go on.
 */
int dst_conn_check_records(struct dst_conn *conn)
{
	u64 records;

	if (!conn->tls.version)
		return 0;
	records = dst_tls_records(conn->sock);
	if (records >= DST_TLS_RECORDS_MAX)
		return -EKEYEXPIRED;
	if (records >= READ_ONCE(conn->dev->tunables.rekey_records) &&
	    !test_and_set_bit(DST_CONN_REKEY_DUE, &conn->flags)) {
		pr_info("%s: connection to %s carried %llu TLS records: asking for a new one\n",
			conn->dev->disk->disk_name, conn->peer, records);
		dst_dev_notify(conn->dev);
	}
	return 0;
}

struct dst_conn *dst_conn_create(struct dst_device *dev, struct socket *sock,
				 const struct dst_tls_info *tls, unsigned int slot,
				 u32 epoch, u32 generation)
{
	struct dst_conn *conn;
	int err;

	conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	if (!conn)
		return ERR_PTR(-ENOMEM);
	conn->dev = dev;
	conn->sock = sock;
	conn->slot = slot;
	conn->epoch = epoch;
	conn->generation = generation;
	conn->tls = *tls;
	conn->last_rx = jiffies;
	init_waitqueue_head(&conn->tx_wait);
	init_waitqueue_head(&conn->claim_wait);
	mutex_init(&conn->send_mutex);
	INIT_WORK(&conn->reap_work, dst_conn_reap_work);
	init_completion(&conn->started);
	INIT_DELAYED_WORK(&conn->liveness_work, dst_conn_liveness);
	INIT_LIST_HEAD(&conn->send_queue);
	INIT_LIST_HEAD(&conn->sent);
	dst_sock_peer(sock, conn->peer, sizeof(conn->peer));

	conn->tx_thread = kthread_create(dst_tx_thread, conn, "dst%d-tx%u",
					 dev->index, slot);
	if (IS_ERR(conn->tx_thread)) {
		err = PTR_ERR(conn->tx_thread);
		goto free_conn;
	}
	conn->rx_thread = kthread_create(dst_rx_thread, conn, "dst%d-rx%u",
					 dev->index, slot);
	if (IS_ERR(conn->rx_thread)) {
		err = PTR_ERR(conn->rx_thread);
		goto stop_tx;
	}
	get_task_struct(conn->tx_thread);
	get_task_struct(conn->rx_thread);
	dst_sock_thread_prio(conn->tx_thread);
	dst_sock_thread_prio(conn->rx_thread);
	dst_conn_bind(conn);
	dst_sock_prepare(sock, true);
	conn->splice = dst_sock_may_splice(sock);
	return conn;

stop_tx:
	kthread_stop(conn->tx_thread);
free_conn:
	kfree(conn);
	return ERR_PTR(err);
}

void dst_conn_start(struct dst_conn *conn)
{
	wake_up_process(conn->tx_thread);
	wake_up_process(conn->rx_thread);
	queue_delayed_work(dst_conn_wq, &conn->liveness_work,
			   dst_conn_tick(READ_ONCE(conn->dev->tunables.ping_interval)));
	complete_all(&conn->started);
}

int dst_conn_module_init(void)
{
	dst_conn_wq = alloc_workqueue("dst_conn", WQ_MEM_RECLAIM, 0);
	return dst_conn_wq ? 0 : -ENOMEM;
}

void dst_conn_module_exit(void)
{
	destroy_workqueue(dst_conn_wq);
}
