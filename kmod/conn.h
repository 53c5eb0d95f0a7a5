/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Client connections: one socket, one TX and one RX kthread each.
 *
 * A connection is live from dst_conn_create() until dst_conn_fail(); then its
 * transactions go back to the device, its socket is shut down (waking both
 * threads) and a work item stops the threads, releases the socket and frees
 * the connection. The threads never exit on their own: they wait for
 * kthread_stop(), so the reaper may always stop them.
 *
 * Sending: whoever writes to the socket holds send_mutex: TX, or a task in
 * submit_bio on the connection's CPU that found the connection idle and
 * sends its transaction itself
 * (dst_conn_take_inline_locked), without blocking: what does not fit in the
 * socket is left to TX as tx_partial. The reaper takes send_mutex before
 * freeing, so an inline sender keeps the connection alive, and frees it only
 * after an RCU grace period: the sender unlocks in an RCU read section.
 */
#ifndef DST_CONN_H
#define DST_CONN_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <linux/completion.h>

struct dst_device;
struct dst_trans;
struct socket;

/* conn->flags */
enum {
	DST_CONN_PING_DUE,		/* liveness asks TX for a PING */
	DST_CONN_PING_SENT,		/* a PING waits for its reply */
};

struct dst_conn {
	struct dst_device *dev;
	struct socket *sock;
	u32 epoch;			/* in the tag of every frame it carries */
	u32 generation;			/* the hello's generation */
	bool splice;			/* data pages go by reference (no TLS) */
	unsigned int slot;		/* index in dev->conns */
	int cpu;			/* where both threads run, and inline sends */
	struct task_struct *tx_thread;
	struct task_struct *rx_thread;
	wait_queue_head_t tx_wait;	/* TX sleeps here for send_queue */
	wait_queue_head_t claim_wait;	/* RX waits here for TX to finish a send */
	struct mutex send_mutex;	/* held while writing frames to sock */
	struct work_struct reap_work;
	/* Threads woken, liveness queued: the reaper waits for it. */
	struct completion started;
	struct rcu_head rcu;		/* frees the connection (see above) */
	/* Every tick: PING a silent link, drop one that stopped answering. */
	struct delayed_work liveness_work;
	unsigned long flags;		/* DST_CONN_*, atomic bit operations */
	unsigned long last_rx;		/* jiffies: RX last received bytes */
	unsigned long silent_since;	/* jiffies: set when dropped for silence */
	unsigned int nomem_delay_ms;	/* RX: its last pause after a NOMEM reply */
	char peer[64];

	/* Guarded by dev->lock. */
	bool dead;
	bool tx_busy;			/* a sender holds a transaction */
	struct dst_trans *tx_partial;	/* half sent inline, for TX to finish */
	struct list_head send_queue;	/* QUEUED transactions, in order */
	struct list_head sent;		/* SENT transactions */
	/*
	 * Transactions SENDING..RECEIVING here and their data: at most
	 * DST_CONN_MAX_REQUESTS and DST_CONN_MAX_DATA (protocol.md), so that
	 * the server always has room to read on, and sees our PINGs.
	 */
	unsigned int nr_out;
	u32 out_bytes;
};

struct dst_conn *dst_conn_create(struct dst_device *dev, struct socket *sock,
				 unsigned int slot, u32 epoch, u32 generation);
/* The device's ping interval changed: run the liveness check now. */
void dst_conn_kick_locked(struct dst_conn *conn);
/*
 * Called by dst_dev_submit() from a task that may sleep, @trans alone on
 * @conn's send queue: true if the caller now holds it and send_mutex, and
 * must call dst_conn_send_inline(); false if TX is to be woken instead.
 */
bool dst_conn_take_inline_locked(struct dst_conn *conn, struct dst_trans *trans);
void dst_conn_send_inline(struct dst_conn *conn, struct dst_trans *trans);
/*
 * Start both threads and the liveness check, after the connection was
 * published in dev->conns; its reaper waits for this.
 */
void dst_conn_start(struct dst_conn *conn);
/* Take @conn out of service (idempotent); @why goes to last_error. */
void dst_conn_fail(struct dst_conn *conn, int err, const char *why);
/*
 * The two halves of dst_conn_fail() for the device's removal, which kills
 * every live connection under one hold of dev->lock: kill marks @conn dead
 * and moves its transactions (dev->lock held); reap shuts the socket down and
 * queues the reaper, and must follow a kill that returned true. After reap
 * the connection may be freed at any time.
 */
bool dst_conn_kill_locked(struct dst_conn *conn, const char *why,
			  struct list_head *fail);
void dst_conn_reap(struct dst_conn *conn);
/* @trans no longer counts against its connection's budget (dev->lock held). */
void dst_conn_untake_locked(struct dst_trans *trans);


int dst_conn_module_init(void);
void dst_conn_module_exit(void);

#endif /* DST_CONN_H */
