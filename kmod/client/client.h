/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The client role: /dev/dstN, a bio-based gendisk over one or more
 * connections to an export. Structures and the prototypes the client's files
 * share, grouped by the file that defines them.
 *
 * Lock order, outermost first (a lock is taken only under those above it):
 *
 *   dst_devs_mutex                  the device IDR; creation, lookup, removal
 *     disk->open_mutex              (block layer) open, claims, removal's check
 *     dev->conf_mutex               handing connections in
 *       dev->resize_mutex           growing the device (also RX, alone)
 *       dev->lock                   spinlock, irqsave: everything that moves
 *   conn->send_mutex                writing frames to the socket
 *     dev->lock
 *
 * submit_bio takes send_mutex only with mutex_trylock() under dev->lock, and
 * never sleeps on it. dev->lock is never held across socket I/O, memory
 * allocation or a bio's completion: completions are collected on a list and
 * run after it is dropped.
 */
#ifndef DST_CLIENT_H
#define DST_CLIENT_H

#include <linux/atomic.h>
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/completion.h>
#include <linux/hashtable.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mempool.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uuid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include "proto.h"
#include "tls.h"

#define DST_PART_MINORS		16
#define DST_TRANS_HASH_BITS	10
#define DST_IO_TIMEOUT_DEFAULT_MS	30000
#define DST_PING_INTERVAL_DEFAULT_MS	5000
#define DST_RECONNECT_DELAY_DEFAULT_MS	500
#define DST_RECONNECT_DELAY_MAX_DEFAULT_MS 10000
/* Transactions up to this many bytes go on the submitting CPU's connection. */
#define DST_LOCAL_MAX		SZ_64K

struct dst_conn;
struct dst_trans;
struct net;
struct netlink_ext_ack;
struct socket;

/**
 * struct dst_stats - Counters of a device, for sysfs and dev-get.
 * @reads: READs completed without error.
 * @writes: WRITEs completed without error.
 * @flushes: FLUSHes completed without error.
 * @discards: DISCARDs completed without error.
 * @write_zeroes: WRITE_ZEROES completed without error.
 * @read_bytes: bytes of those READs.
 * @write_bytes: bytes of those WRITEs.
 * @errors: transactions completed with an error.
 * @csum_errors: replies whose header or data checksum did not match, and
 *	WRITEs the server answered bad-data-csum (sent again).
 * @reconnects: connection generations handed in after the first.
 * @resends: transactions put on a wire again.
 * @timeouts: transactions that reached the I/O timeout.
 * @protocol_errors: malformed or unexpected replies.
 * @rekeys: connections replaced because their TLS keys had carried enough
 *	records.
 * @tls_errors: TLS records that failed authentication, and control records
 *	(alerts, handshake messages) from the server.
 */
struct dst_stats {
	atomic64_t reads;
	atomic64_t writes;
	atomic64_t flushes;
	atomic64_t discards;
	atomic64_t write_zeroes;
	atomic64_t read_bytes;
	atomic64_t write_bytes;
	atomic64_t errors;
	atomic64_t csum_errors;
	atomic64_t reconnects;
	atomic64_t resends;
	atomic64_t timeouts;
	atomic64_t protocol_errors;
	atomic64_t rekeys;
	atomic64_t tls_errors;
};

/**
 * struct dst_dev_tunables - Timeouts and dstd's reconnect policy.
 * @io_timeout: how long one I/O may take, from its submission.
 * @ping_interval: silence before a PING; 0: no PINGs.
 * @reconnect_delay: dstd's first delay before a reconnect attempt.
 * @reconnect_delay_max: dstd's largest delay between attempts.
 * @reconnect_give_up: when dstd stops trying, after the connection was lost.
 * @rekey_records: TLS records a connection may carry under its keys before
 *	the kernel asks for its replacement (DST_CONN_REKEY_DUE).
 *
 * Times in milliseconds, DST_TIMEOUT_FOREVER for never. The kernel uses
 * @io_timeout, @ping_interval and @rekey_records; it only keeps the rest,
 * so that a restarted dstd finds them.
 */
struct dst_dev_tunables {
	u32 io_timeout;
	u32 ping_interval;
	u32 reconnect_delay;
	u32 reconnect_delay_max;
	u32 reconnect_give_up;
	u32 rekey_records;
};

/**
 * struct dst_dev_params - What dev-add asks for: the handshake's outcome.
 * @index: N of /dev/dstN, -1 for the first free one.
 * @size: bytes; grows (dst_dev_grow()), read it with READ_ONCE().
 * @logical_bs: logical block size.
 * @physical_bs: physical block size.
 * @max_xfer: largest READ or WRITE.
 * @features: DST_FEAT_*; with DST_FEAT_RESIZE the server may send RESIZE.
 * @csum: DST_CSUM_*.
 * @uuid: the export's UUID.
 * @export_name: the export's name.
 * @remote: the server's address as the user gave it.
 * @session: the hello's session, the same on every connection.
 * @generation: the first connection's generation.
 * @conn_count: connections dstd keeps up.
 * @geometry: the export's I/O geometry, for the queue limits.
 * @tunables: timeouts and reconnect policy.
 *
 * Checked by dst_dev_create(), constant afterwards but for the tunables,
 * which have their live copy in &struct dst_device, and @size.
 */
struct dst_dev_params {
	int index;
	u64 size;
	u32 logical_bs;
	u32 physical_bs;
	u32 max_xfer;
	u32 features;
	u32 csum;
	uuid_t uuid;
	char export_name[DST_EXPORT_NAME_MAX + 1];
	char remote[DST_ADDRESS_MAX + 1];
	u8 session[DST_SESSION_LEN];
	u32 generation;
	u32 conn_count;
	struct dst_geometry geometry;
	struct dst_dev_tunables tunables;
};

/**
 * struct dst_dev_auth - How a device authenticates, for status and for
 * dstd's reconnects: its TLS identity and the files dstd reads. Never a key.
 * @identity: its PSK identity or its certificate's CN; empty without TLS.
 * @key_path: its PSK key file, or its certificate's key; may be NULL.
 * @cert_path: its certificate; may be NULL.
 * @ca_path: the CA of the server's certificate; may be NULL.
 * @server_name: the name the server's certificate must carry; may be NULL.
 *
 * Constant once the device exists; the strings are the device's own.
 */
struct dst_dev_auth {
	char identity[DST_IDENTITY_MAX + 1];
	const char *key_path;
	const char *cert_path;
	const char *ca_path;
	const char *server_name;
};

/**
 * struct dst_dev_status - What a device shows: sysfs, dev-get and events
 * read this one snapshot, taken under dev->lock (dst_dev_status()).
 * @state: DST_STATE_*.
 * @nr_live: live connections.
 * @inflight: transactions not yet completed.
 * @generation: newest connection generation handed in.
 * @epoch: last connection epoch handed out.
 * @down_time: milliseconds since the last connection was lost, 0 while connected.
 * @tunables: the live timeouts and reconnect policy.
 * @rekey_due: a connection waits for its replacement (DST_CONN_REKEY_DUE).
 * @tls: the newest live connection's protection.
 * @last_error: why the device last left the connected state.
 */
struct dst_dev_status {
	u32 state;
	u32 nr_live;
	u32 inflight;
	u32 generation;
	u32 epoch;
	u64 down_time;
	struct dst_dev_tunables tunables;
	bool rekey_due;
	struct dst_tls_info tls;
	char last_error[DST_LAST_ERROR_MAX + 1];
};

/**
 * struct dst_device - A client device, /dev/dstN.
 * @params: what dev-add negotiated; constant.
 * @auth: how it authenticates; constant.
 * @index: N of /dev/dstN; constant.
 * @disk: the gendisk; constant.
 * @trans_pool: transactions, reserved for forward progress under reclaim.
 * @timeout_work: fails transactions at their deadline.
 * @free_work: frees the device after its disk's last reference.
 * @stats: counters, atomic.
 * @added: device_add_disk() ran; under dst_devs_mutex.
 * @conf_mutex: serialises handing connections in.
 * @resize_mutex: serialises growing (params.size and the capacity); taken
 *	by RX and under @conf_mutex, never around anything that waits for RX.
 * @tls: its first connection carried TLS, so every later one must; under
 *	@conf_mutex.
 * @lock: guards the fields below; irqsave. Never held across socket I/O.
 * @net: the namespace that made the device: netlink finds it only there and
 *	its events go there. Not a counted reference: when the namespace
 *	exits, the device moves to the initial one (dst_dev_net_exit()), under
 *	dst_devs_mutex too.
 * @trans: transactions by id, until completed.
 * @by_age: the same, oldest submission first, for the timeout.
 * @pending: PENDING transactions.
 * @writes: data-changing transactions, in submission order.
 * @held_flushes: FLUSHes answered before older writes completed.
 * @next_seq: submission order of the next transaction.
 * @tunables: the live timeouts and reconnect policy.
 * @generation: newest connection generation handed in.
 * @down_since: jiffies when the last connection was lost (@nr_live 0).
 * @timeout_armed: @timeout_work is queued for @timeout_at.
 * @timeout_at: jiffies of the next deadline.
 * @conns: connection slots, set by attach and cleared by the reaper.
 * @nr_live: connections in @conns not dead.
 * @next_id: id of the next transaction.
 * @inflight: transactions in @trans.
 * @epoch: last connection epoch handed out.
 * @state: DST_STATE_*.
 * @removing: removal started; also read without @lock (READ_ONCE).
 * @last_error: why the device last left the connected state.
 * @idle_wait: woken when @inflight drops to 0 or a slot empties.
 */
struct dst_device {
	struct dst_dev_params params;
	struct dst_dev_auth auth;
	int index;
	struct gendisk *disk;
	mempool_t *trans_pool;
	struct delayed_work timeout_work;
	struct work_struct free_work;
	struct dst_stats stats;
	bool added;

	struct mutex conf_mutex;
	bool tls;
	struct mutex resize_mutex;

	spinlock_t lock;
	struct net *net;
	DECLARE_HASHTABLE(trans, DST_TRANS_HASH_BITS);
	struct list_head by_age;
	struct list_head pending;
	struct list_head writes;
	struct list_head held_flushes;
	u64 next_seq;
	struct dst_dev_tunables tunables;
	u32 generation;
	unsigned long down_since;
	bool timeout_armed;
	unsigned long timeout_at;
	struct dst_conn *conns[DST_DEV_CONNS_MAX];
	unsigned int nr_live;
	u32 next_id;
	u32 inflight;
	u32 epoch;
	u32 state;
	bool removing;
	char last_error[DST_LAST_ERROR_MAX + 1];
	wait_queue_head_t idle_wait;
};

/* conn->flags */
enum {
	DST_CONN_PING_DUE,		/* liveness asks TX for a PING */
	DST_CONN_PING_SENT,		/* a PING waits for its reply */
	DST_CONN_REKEY_DUE,		/* its TLS keys carried rekey_records: replace it */
};

/**
 * struct dst_conn - A client connection: one socket, a TX and an RX thread.
 * @dev: its device.
 * @sock: the socket userspace handed in.
 * @epoch: in the tag of every frame it carries.
 * @generation: the hello's generation.
 * @splice: data pages go by reference (no TLS).
 * @slot: its index in dev->conns.
 * @cpu: where both threads run, and the only CPU an inline sender may use.
 * @tx_thread: sends requests in queue order.
 * @rx_thread: matches replies to transactions.
 * @tx_wait: TX sleeps here for work.
 * @claim_wait: RX waits here for TX to let go of a transaction.
 * @send_mutex: held while writing frames to @sock: TX, or an inline sender.
 * @reap_work: stops the threads and frees the connection.
 * @started: the threads were woken and liveness queued; the reaper waits
 *	for it.
 * @rcu: frees the connection after a grace period (an inline sender's
 *	mutex_unlock() may still touch it).
 * @liveness_work: every tick, PINGs a silent link and drops one that stopped
 *	answering.
 * @flags: DST_CONN_*, atomic bit operations.
 * @last_rx: jiffies when RX last received bytes (WRITE_ONCE).
 * @silent_since: jiffies of the server's last sign of life, set when dropped
 *	for silence.
 * @nomem_delay_ms: RX's last pause after a NOMEM reply; RX only.
 * @peer: the server's address, for logs.
 * @tls: its protection, checked when it was handed in.
 * @tls_control: RX's last TLS control record (dst_sock_recv()); RX only.
 * @ping_sent: when TX put the last PING on the socket; TX writes it before
 *	setting DST_CONN_PING_SENT, RX reads it after clearing that bit (the
 *	barrier of the bit operations orders them).
 * @ping_rtt: round trip of the last PING answered, ns; under dev->lock.
 * @ping_srtt: smoothed round trip, ns: 7/8 of the last value and 1/8 of
 *	each new sample, as TCP's srtt (RFC 6298); under dev->lock.
 * @pings: PINGs answered; under dev->lock.
 * @dead: out of service; under dev->lock (READ_ONCE elsewhere).
 * @tx_busy: a sender holds a transaction; under dev->lock.
 * @tx_partial: half sent inline, for TX to finish; under dev->lock.
 * @send_queue: QUEUED transactions, in order; under dev->lock.
 * @sent: SENT transactions; under dev->lock.
 * @nr_out: transactions SENDING..RECEIVING here; under dev->lock. At most
 *	DST_CONN_MAX_REQUESTS, so that the server always has room to read our
 *	PINGs (protocol.md).
 * @out_bytes: their data, at most DST_CONN_MAX_DATA; under dev->lock.
 *
 * Life: live from dst_conn_create() until dst_conn_fail(); then its
 * transactions go back to the device, its socket is shut down (waking both
 * threads) and the reaper stops the threads, releases the socket and frees
 * the connection. The threads never exit on their own: they wait for
 * kthread_stop(), so the reaper may always stop them. The reaper takes
 * @send_mutex before freeing, so an inline sender keeps the connection
 * alive, and frees it only after an RCU grace period: the sender unlocks in
 * an RCU read section.
 */
struct dst_conn {
	struct dst_device *dev;
	struct socket *sock;
	u32 epoch;
	u32 generation;
	bool splice;
	unsigned int slot;
	int cpu;
	struct task_struct *tx_thread;
	struct task_struct *rx_thread;
	wait_queue_head_t tx_wait;
	wait_queue_head_t claim_wait;
	struct mutex send_mutex;
	struct work_struct reap_work;
	struct completion started;
	struct rcu_head rcu;
	struct delayed_work liveness_work;
	unsigned long flags;
	unsigned long last_rx;
	unsigned long silent_since;
	unsigned int nomem_delay_ms;
	char peer[DST_PEER_MAX + 1];
	struct dst_tls_info tls;
	u16 tls_control;
	ktime_t ping_sent;
	u64 ping_rtt;
	u64 ping_srtt;
	u64 pings;

	bool dead;
	bool tx_busy;
	struct dst_trans *tx_partial;
	struct list_head send_queue;
	struct list_head sent;
	unsigned int nr_out;
	u32 out_bytes;
};

/*
 * Where a transaction is; changed only under dev->lock. A thread that holds
 * one (SENDING, RECEIVING) owns it and puts it back with dst_dev_queue_locked().
 */
enum dst_trans_state {
	DST_TRANS_PENDING,	/* on dev->pending: waiting for a connection */
	DST_TRANS_QUEUED,	/* on conn->send_queue */
	DST_TRANS_SENDING,	/* held by conn's TX thread */
	DST_TRANS_SENT,		/* on conn->sent: waiting for its reply */
	DST_TRANS_RECEIVING,	/* held by conn's RX thread */
};

/**
 * struct dst_trans - A transaction: one bio (after splitting) on the wire.
 * @dev: its device.
 * @bio: the bio, or NULL for a FLUSH made for a pre-flush.
 * @start_time: bio_start_io_acct(), jiffies.
 * @submitted: jiffies; its deadline is io_timeout later.
 * @id: its id among the device's live transactions; the same when resent.
 * @opcode: DST_OP_*.
 * @flags: DST_CMD_F_*.
 * @offset: bytes.
 * @length: bytes.
 * @seq: submission order.
 * @sends: times it was put on a wire.
 * @tx_done: bytes of its frame sent this time; its sender's.
 * @sends_counted: sends already counted as resends.
 * @after: the write a pre-flush FLUSH holds back until it succeeded.
 * @state: where it is; under dev->lock, as all that follows.
 * @conn: QUEUED..RECEIVING: its connection.
 * @out_conn: SENDING..RECEIVING: the connection whose budget it uses.
 * @sent_gen: generation of the connection that last put it on the wire, 0
 *	if none or the server said it did not execute it. Its outcome is
 *	unknown until it is answered, so a resend needs a newer generation:
 *	the server fences the old one before serving the new one.
 * @expired: past its deadline: failed with EIO wherever it is, by its
 *	holder if a thread holds it (dst_dev_queue_locked()).
 * @failfast: its bio asked for REQ_FAILFAST_* (md's failfast legs,
 *	dm-multipath): failed with EIO when no live connection can take it,
 *	instead of waiting for one until the timeout.
 * @entry: on pending, a send queue or a sent list.
 * @age_entry: on dev->by_age while hashed.
 * @write_entry: on dev->writes or dev->held_flushes.
 * @node: in dev->trans until completed.
 * @held_status: a held FLUSH's reply.
 *
 * A transaction is completed exactly once: by the RX thread that claimed its
 * reply, or by a failure path that removed it from the hash.
 */
struct dst_trans {
	struct dst_device *dev;
	struct bio *bio;
	unsigned long start_time;
	unsigned long submitted;
	u32 id;
	u16 opcode;
	u16 flags;
	u64 offset;
	u32 length;
	u64 seq;
	unsigned int sends;
	u32 tx_done;
	unsigned int sends_counted;
	struct dst_trans *after;

	enum dst_trans_state state;
	struct dst_conn *conn;
	struct dst_conn *out_conn;
	u32 sent_gen;
	bool expired;
	bool failfast;
	struct list_head entry;
	struct list_head age_entry;
	struct list_head write_entry;
	struct hlist_node node;
	blk_status_t held_status;
};

/* Changes data: a later FLUSH must not be acknowledged before it. */
static inline bool dst_trans_is_write(const struct dst_trans *trans)
{
	return trans->opcode == DST_OP_WRITE || trans->opcode == DST_OP_DISCARD ||
	       trans->opcode == DST_OP_WRITE_ZEROES;
}

/* Bytes of data it moves: what counts against a connection's budget. */
static inline u32 dst_trans_data_len(const struct dst_trans *trans)
{
	return trans->opcode == DST_OP_READ || trans->opcode == DST_OP_WRITE ?
	       trans->length : 0;
}

/* device.c APIs: */
int dst_client_init(void);
void dst_client_exit(void);
/* All callers hold dst_devs_mutex, which orders creation, lookup, removal. */
extern struct mutex dst_devs_mutex;
/* Timeouts and frees. */
extern struct workqueue_struct *dst_dev_wq;
struct dst_device *dst_dev_find(int index);
struct dst_device *dst_dev_next(int *index);	/* iteration for dumps */
struct dst_device *dst_dev_create(const struct dst_dev_params *params,
				  const struct dst_dev_auth *auth,
				  struct socket *sock, struct net *net,
				  struct netlink_ext_ack *extack);
/* Make a created device visible; its partitions are scanned at its first open. */
int dst_dev_add_disk(struct dst_device *dev, struct netlink_ext_ack *extack);
/* Log and announce a device that dev-add created. */
void dst_dev_announce(struct dst_device *dev);
int dst_dev_remove(struct dst_device *dev, bool force, struct netlink_ext_ack *extack);
/* Add a connection over @sock; @size: the export's size in its reply, 0: unknown. */
int dst_dev_connect(struct dst_device *dev, struct socket *sock, u32 generation, u64 size,
		    struct netlink_ext_ack *extack);
/* Why @size cannot be the device's new size, or NULL if it can. */
const char *dst_dev_size_problem(struct dst_device *dev, u64 size);
/* Grow the device to @size (checked), with a uevent; smaller is ignored. */
void dst_dev_grow(struct dst_device *dev, u64 size);
/* @net is exiting: its devices move to the initial namespace. */
void dst_dev_net_exit(struct net *net);
/* The block device's open, under disk->open_mutex (compat.h adapts it). */
int dst_dev_open(struct gendisk *disk);

/* queue.c APIs: */
const char *dst_state_name(u32 state);
/* What the device shows, read under dev->lock. */
void dst_dev_status(struct dst_device *dev, struct dst_dev_status *st);
/*
 * Give a new transaction an id and queue it (submit_bio, released writes);
 * when @may_sleep, it may be sent from here (dst_conn_send_inline), or at
 * the end of the submitter's plug.
 */
void dst_dev_submit(struct dst_device *dev, struct dst_trans *trans, bool may_sleep);
/* A completed transaction left the device. */
void dst_dev_put_inflight(struct dst_device *dev);
/*
 * A FLUSH's reply arrived: complete it once every write submitted before it
 * completed (at once if none is left), else hold it until then.
 */
void dst_dev_flush_done(struct dst_device *dev, struct dst_trans *flush,
			blk_status_t status);
/* A write left dev->writes: release the FLUSHes it held back. */
void dst_dev_release_flushes(struct dst_device *dev);
/* Give every pending transaction to the live connections that may take it. */
void dst_dev_dispatch_pending(struct dst_device *dev);
/*
 * Put a transaction where it belongs now (dev->lock held): on a live
 * connection's send queue (waking its TX), on pending, or, out of the hash,
 * on @fail when the device failed, is being removed or the transaction
 * expired. The caller completes @fail with EIO after dropping the lock.
 */
void dst_dev_queue_locked(struct dst_device *dev, struct dst_trans *trans,
			  struct list_head *fail);
/* Kill the live connections older than @below, dev->lock held (see queue.c). */
unsigned int dst_dev_kill_below_locked(struct dst_device *dev, u32 below,
				       const char *why, struct dst_conn **killed,
				       struct list_head *fail);
/* A connection died (dev->lock held): state and timeout bookkeeping. */
void dst_dev_conn_lost_locked(struct dst_device *dev, const char *why,
			      unsigned long since);
/* A reaped connection left its slot (dev->lock held). */
void dst_dev_conn_gone_locked(struct dst_device *dev, unsigned int slot);
void dst_dev_timeout(struct work_struct *work);
int dst_dev_check_tunables(const struct dst_dev_tunables *t,
			   struct netlink_ext_ack *extack);
/* dev-set: new tunables (already validated), or dstd's state and reason. */
void dst_dev_set_tunables(struct dst_device *dev, const struct dst_dev_tunables *t);
void dst_dev_report(struct dst_device *dev, bool reconnecting, const char *why);

/* netlink.c APIs: */
/* Multicast the device's state and send a uevent (process context). */
void dst_dev_notify(struct dst_device *dev);

/* trans.c APIs: */
int dst_trans_module_init(void);
void dst_trans_module_exit(void);
mempool_t *dst_trans_pool_create(void);
/*
 * Build a transaction for @bio; NULL (bio already ended) if unsupported, or
 * if REQ_NOWAIT and none is free.
 */
struct dst_trans *dst_trans_from_bio(struct dst_device *dev, struct bio *bio);
/* A FLUSH that must succeed before @write is submitted. */
struct dst_trans *dst_trans_preflush(struct dst_device *dev, struct dst_trans *write);
/* Remove from the hash, dev->lock held. */
void dst_trans_unhash_locked(struct dst_trans *trans);
/*
 * Complete a transaction taken out of the hash: end its bio, release a write
 * waiting for it, free it and drop the device's in-flight count.
 */
void dst_trans_complete(struct dst_trans *trans, blk_status_t status);
void dst_trans_complete_list(struct list_head *list, blk_status_t status);
/* Hash lookup by id, dev->lock held. */
struct dst_trans *dst_trans_lookup_locked(struct dst_device *dev, u32 id);
/*
 * @bio's data as one bvec iterator over the bio's own vector, which must not
 * change while @iter is used (@dir: ITER_SOURCE to send, ITER_DEST to receive).
 */
void dst_bio_iter(struct bio *bio, unsigned int dir, struct iov_iter *iter);

/* conn.c APIs: */
int dst_conn_module_init(void);
void dst_conn_module_exit(void);
int dst_conn_check_records(struct dst_conn *conn);
struct dst_conn *dst_conn_create(struct dst_device *dev, struct socket *sock,
				 const struct dst_tls_info *tls, unsigned int slot,
				 u32 epoch, u32 generation);
/*
 * Start both threads and the liveness check, after the connection was
 * published in dev->conns; its reaper waits for this.
 */
void dst_conn_start(struct dst_conn *conn);
/* The device's ping interval changed: run the liveness check now. */
void dst_conn_kick_locked(struct dst_conn *conn);
/* Take @conn out of service (idempotent); @why goes to last_error. */
void dst_conn_fail(struct dst_conn *conn, int err, const char *why);
/*
 * The two halves of dst_conn_fail() for a caller that kills several
 * connections under one hold of dev->lock: kill marks @conn dead and moves
 * its transactions (dev->lock held); reap resets the socket and queues
 * the reaper, and must follow a kill that returned true. After reap the
 * connection may be freed at any time. Transactions a kill failed complete
 * only after the reset (or dst_conn_fail_trans()): a socket may hold their
 * pages for a resend, and they are the submitter's again once completed.
 */
bool dst_conn_kill_locked(struct dst_conn *conn, const char *why,
			  struct list_head *fail);
void dst_conn_reap(struct dst_conn *conn);
/* Complete @fail, failed off dead @conn, with EIO once its socket is reset. */
void dst_conn_fail_trans(struct dst_conn *conn, struct list_head *fail);
/* The next transaction of @conn's send queue if it fits its budget. */
struct dst_trans *dst_conn_next_locked(struct dst_conn *conn);
bool dst_conn_fits_locked(const struct dst_conn *conn, const struct dst_trans *trans);
/* @trans, first on @conn's send queue, is now held by its sender. */
void dst_conn_take_locked(struct dst_conn *conn, struct dst_trans *trans);
/* @trans no longer counts against its connection's budget (dev->lock held). */
void dst_conn_untake_locked(struct dst_trans *trans);

/* tx.c APIs: */
int dst_tx_thread(void *data);
/*
 * From a task that may sleep (submit_bio, an unplug): when @conn runs on this
 * CPU and is idle, take the first transaction of its send queue, with
 * send_mutex; the caller must then call dst_conn_send_inline(), which also
 * sends what follows it (@more: something does). NULL: wake TX instead.
 */
struct dst_trans *dst_conn_take_inline_locked(struct dst_conn *conn, bool *more);
void dst_conn_send_inline(struct dst_conn *conn, struct dst_trans *trans, bool more);

/* rx.c APIs: */
int dst_rx_thread(void *data);

/* sysfs.c APIs: */
extern const struct attribute_group *dst_sysfs_groups[];

#endif /* DST_CLIENT_H */
