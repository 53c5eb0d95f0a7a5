/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Client devices: /dev/dstN, a bio-based gendisk over one or more connections.
 */
#ifndef DST_DEV_H
#define DST_DEV_H

#include <linux/atomic.h>
#include <linux/blkdev.h>
#include <linux/hashtable.h>
#include <linux/mempool.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/uuid.h>
#include <linux/workqueue.h>
#include "proto.h"

#define DST_MAX_CONNS		16
#define DST_PART_MINORS		16
#define DST_MAX_INDEX		1023
#define DST_TRANS_HASH_BITS	10
#define DST_IO_TIMEOUT_DEFAULT_MS	30000
#define DST_PING_INTERVAL_DEFAULT_MS	5000
#define DST_RECONNECT_DELAY_DEFAULT_MS	500
#define DST_RECONNECT_DELAY_MAX_DEFAULT_MS 10000
#define DST_REMOTE_MAX		128
#define DST_LAST_ERROR_MAX	128
#define DST_SESSION_LEN		16
/* Transactions up to this many bytes go on the submitting CPU's connection. */
#define DST_LOCAL_MAX		SZ_64K

struct dst_conn;
struct dst_trans;
struct socket;
struct netlink_ext_ack;

struct dst_stats {
	atomic64_t reads;
	atomic64_t writes;
	atomic64_t flushes;
	atomic64_t discards;
	atomic64_t write_zeroes;
	atomic64_t read_bytes;
	atomic64_t write_bytes;
	atomic64_t errors;		/* transactions completed with an error */
	atomic64_t csum_errors;
	atomic64_t reconnects;		/* connections handed in after the first */
	atomic64_t resends;
	atomic64_t timeouts;
	atomic64_t protocol_errors;	/* replies that dropped a connection */
};

/*
 * Timeouts and dstd's reconnect policy, in milliseconds (DST_TIMEOUT_FOREVER:
 * never). The kernel uses io_timeout and ping_interval; it only stores the
 * reconnect policy so that a restarted dstd finds it.
 */
struct dst_dev_tunables {
	u32 io_timeout;
	u32 ping_interval;		/* 0: no pings */
	u32 reconnect_delay;
	u32 reconnect_delay_max;
	u32 reconnect_give_up;
};

/* What the handshake negotiated; validated by dst_dev_create(). */
struct dst_dev_params {
	int index;			/* -1: first free */
	u64 size;
	u32 logical_bs;
	u32 physical_bs;
	u32 max_xfer;
	u32 features;			/* DST_FEAT_* */
	u32 csum;			/* DST_CSUM_* */
	uuid_t uuid;
	char export_name[DST_EXPORT_NAME_MAX + 1];
	char remote[DST_REMOTE_MAX + 1];
	u8 session[DST_SESSION_LEN];	/* the hello's session, for reconnects */
	u32 generation;			/* of the first connection */
	u32 conn_count;			/* connections dstd keeps up */
	struct dst_dev_tunables tunables;
};

struct dst_device {
	/* Set by dst_dev_create(), constant afterwards. */
	struct dst_dev_params params;
	int index;
	struct gendisk *disk;
	mempool_t *trans_pool;
	struct delayed_work timeout_work;	/* fails I/O at its deadline */
	struct work_struct free_work;	/* after the disk's last reference */
	struct dst_stats stats;
	/* Under dst_devs_mutex: device_add_disk() ran. */
	bool added;

	/* Guarded by conf_mutex (sleeps): handing in connections. */
	struct mutex conf_mutex;

	/*
	 * Guarded by lock, taken with irqsave from submit_bio, the connection
	 * threads, the reaper and the timeout. Never held across socket I/O.
	 */
	spinlock_t lock;
	/*
	 * The namespace that made the device: netlink finds it only there and
	 * its events go there. Not a counted reference: when the namespace
	 * exits, the device moves to the initial one (dst_dev_net_exit), also
	 * under dst_devs_mutex.
	 */
	struct net *net;
	DECLARE_HASHTABLE(trans, DST_TRANS_HASH_BITS);	/* by id, until completed */
	struct list_head by_age;	/* the same, oldest submission first */
	struct list_head pending;	/* PENDING transactions */
	struct list_head writes;	/* data-changing transactions, by seq */
	struct list_head held_flushes;	/* FLUSHes acknowledged before older writes */
	u64 next_seq;			/* submission order */
	struct dst_dev_tunables tunables;
	u32 generation;			/* newest connection generation handed in */
	unsigned long down_since;	/* jiffies: last connection lost (nr_live 0) */
	bool timeout_armed;		/* timeout_work queued for timeout_at */
	unsigned long timeout_at;
	struct dst_conn *conns[DST_MAX_CONNS];	/* slots: set by attach, cleared by the reaper */
	unsigned int nr_live;		/* conns not dead */
	u32 next_id;
	u32 inflight;			/* transactions in the hash */
	u32 epoch;			/* last connection epoch handed out */
	u32 state;			/* DST_STATE_* */
	bool removing;			/* also read without the lock */
	char last_error[DST_LAST_ERROR_MAX];
	wait_queue_head_t idle_wait;	/* woken when inflight drops to 0 or a slot empties */
};

int dst_dev_module_init(void);
void dst_dev_module_exit(void);

/* All callers hold dst_devs_mutex, which orders creation, lookup, removal. */
extern struct mutex dst_devs_mutex;
struct dst_device *dst_dev_find(int index);
struct dst_device *dst_dev_next(int *index);	/* iteration for dumps */
struct dst_device *dst_dev_create(const struct dst_dev_params *params,
				  struct socket *sock, struct net *net,
				  struct netlink_ext_ack *extack);
/* Make a created device visible; its partitions are scanned at its first open. */
int dst_dev_add_disk(struct dst_device *dev, struct netlink_ext_ack *extack);
/* Log and announce a device that dev-add created. */
void dst_dev_announce(struct dst_device *dev);
int dst_dev_remove(struct dst_device *dev, bool force, struct netlink_ext_ack *extack);
int dst_dev_connect(struct dst_device *dev, struct socket *sock, u32 generation,
		    struct netlink_ext_ack *extack);
/* dev-set: new tunables (already validated), or dstd's state and reason. */
void dst_dev_set_tunables(struct dst_device *dev, const struct dst_dev_tunables *t);
void dst_dev_report(struct dst_device *dev, bool reconnecting, const char *why);
int dst_dev_check_tunables(const struct dst_dev_tunables *t,
			   struct netlink_ext_ack *extack);
/* Milliseconds since the last connection was lost; 0 while connected. */
u64 dst_dev_down_time(struct dst_device *dev);

/*
 * Give a new transaction an id and queue it (submit_bio, released writes);
 * when @may_sleep, it may be sent from here (dst_conn_send_inline).
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

/*
 * Put a transaction where it belongs now (dev->lock held): on a live
 * connection's send queue (waking its TX), on pending, or, out of the hash,
 * on @fail when the device failed or is being removed. The caller completes
 * @fail with EIO after dropping the lock.
 */
void dst_dev_queue_locked(struct dst_device *dev, struct dst_trans *trans,
			  struct list_head *fail);

/* A connection died (dev->lock held): state and timeout bookkeeping. */
void dst_dev_conn_lost_locked(struct dst_device *dev, const char *why,
			      unsigned long since);
/* A reaped connection left its slot (dev->lock held). */
void dst_dev_conn_gone_locked(struct dst_device *dev, unsigned int slot);
/* Multicast the device's state and send a uevent (process context). */
void dst_dev_notify(struct dst_device *dev);
/* @net is exiting: its devices move to the initial namespace. */
void dst_dev_net_exit(struct net *net);
const char *dst_state_name(u32 state);

extern const struct attribute_group *dst_sysfs_groups[];

#endif /* DST_DEV_H */
