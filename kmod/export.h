/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Exports: the server half of the data path. An export serves one backing
 * block device or regular file, opened by userspace and handed in by fd, to
 * any number of client connections. Each connection has an RX kthread that
 * parses requests and submits them to the backing file (asynchronous direct
 * I/O, or a workqueue for what is synchronous) and a TX kthread that sends
 * the replies in completion order.
 *
 * A client device names itself with a session id and a generation that grows
 * with every reconnect (from its hello). When a session connects with a newer
 * generation, its older connections are fenced: closed, and every request they
 * had accepted completes on the backing store before the new connection
 * executes any. A client that resends its writes after a reconnect thus never
 * sees a stale copy from the old connection land after them.
 */
#ifndef DST_EXPORT_H
#define DST_EXPORT_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mempool.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/stddef.h>
#include <linux/types.h>
#include <linux/uuid.h>
#include <linux/wait.h>
#include "proto.h"

struct block_device;
struct file;
struct net;
struct netlink_ext_ack;
struct nlattr;
struct socket;

/* Length of a session id, as in the client hello. */
#define DST_EXP_SESSION_LEN	sizeof_field(struct dst_client_hello, session)

/*
 * An export is created by export-add and listed on the export list
 * (export.c: dst_exports, dst_exports_lock) from then until its backing file
 * is closed. Everything from name to net is set before it is listed and never
 * changes afterwards, but for what the probe of a regular file sets before
 * the export turns ready (block sizes, direct): read it without locks.
 *
 * Lifetime: the list holds one reference, every connection and a pending
 * probe one more. Removal (export-del, the namespace's exit, module exit)
 * turns it removing under @lock, so that no connection is added, kills its
 * connections and returns; remove_work waits until @conns is empty, closes
 * the backing file and takes it off the list (a namespace exit does that
 * earlier). The memory goes with the last reference, which remove_work
 * holds.
 */
struct dst_export {
	struct list_head node;		/* on dst_exports, dst_exports_lock */
	struct kref kref;

	char name[DST_EXPORT_NAME_MAX + 1];
	struct file *file;		/* backing store; ours until removal */
	struct block_device *bdev;	/* file's bdev, or NULL for a regular file */
	bool direct;			/* file takes IOCB_DIRECT */
	char *backing_path;		/* display only, may be NULL */
	char *listen;			/* display only, may be NULL */
	uuid_t uuid;
	u64 size;
	u32 logical_bs;
	u32 physical_bs;
	u32 max_xfer;
	u32 features;			/* DST_FEAT_* */
	/*
	 * Where export-add ran. Not a counted reference: the namespace's exit
	 * removes the export and waits for its sockets, then sets it NULL
	 * (under dst_exports_lock and @lock) and unlists it
	 * (dst_export_net_exit).
	 */
	struct net *net;
	mempool_t *req_pool;		/* this export's requests */
	/*
	 * Backing I/O that may block (flush, discard, write-zeroes, buffered
	 * I/O, what direct I/O could not submit without waiting) and the
	 * connections' reapers: one hung export stalls no other.
	 */
	struct workqueue_struct *wq;
	struct work_struct probe_work;	/* a regular file: direct I/O probe */
	struct work_struct remove_work;

	/* Sleeping lock, taken after dst_exports_lock. */
	struct mutex lock;
	u32 state;			/* DST_EXPORT_*; lock (WRITE_ONCE) */
	/*
	 * dst_export_conn.node, live and draining, in connection order; along
	 * it the generations of one session never decrease (export-connect
	 * refuses an older one), which the fence accounting relies on.
	 */
	struct list_head conns;		/* lock */
	unsigned int nr_clients;	/* entries on conns; lock (WRITE_ONCE) */
	unsigned int nr_sockets;	/* of those, holding their socket; lock */
	wait_queue_head_t conns_wait;	/* removal waits for conns to empty */
	/* The newest generation seen of each session (export.c, fencing). */
	struct hlist_head sessions[64];	/* lock */
	struct list_head session_lru;	/* lock: least recently connected first */
	unsigned int nr_sessions;	/* lock */
};

/* What export-add asks for; export_nl.c fills it from the attributes. */
struct dst_export_cfg {
	const char *name;
	int backing_fd;
	const char *backing_path;	/* may be NULL */
	const char *listen;		/* may be NULL */
	const uuid_t *uuid;		/* NULL: generate one */
	bool read_only;
	/* Where extack points when the name or the backing file is refused. */
	const struct nlattr *name_attr;
	const struct nlattr *fd_attr;
};

/* What export-connect hands in; export_nl.c fills it from the attributes. */
struct dst_export_client {
	u32 csum;				/* DST_CSUM_*, negotiated */
	u8 session[DST_EXP_SESSION_LEN];	/* all zeroes: no session */
	u32 generation;				/* >= 1 */
};

/* export.c APIs: */
int dst_export_init(void);
void dst_export_exit(void);
/* @net is exiting: remove its exports, wait until their backing files are closed. */
void dst_export_net_exit(struct net *net);
bool dst_export_name_valid(const char *name);
int dst_export_add(struct net *net, const struct dst_export_cfg *cfg,
		   struct netlink_ext_ack *extack);
/* A referenced export of @net by name, or NULL; release with dst_export_put(). */
struct dst_export *dst_export_find(struct net *net, const char *name);
void dst_export_put(struct dst_export *exp);
/*
 * Start removing @exp: its clients are disconnected, and once their requests
 * left the backing store, the file is closed and the export leaves the list
 * (the removed event says when). -ENOENT when removal started already.
 */
int dst_export_del(struct dst_export *exp);
/*
 * Serve @exp on @sock (from dst_sock_get, handshaken by userspace) for
 * @client. Fences the older generations of the client's session; -ESTALE
 * when a newer one was connected, -EBUSY past a limit. With @check, only
 * says whether it would. On success the connection owns the socket
 * reference; otherwise the caller still does.
 */
int dst_export_connect(struct dst_export *exp, struct socket *sock,
		       const struct dst_export_client *client, bool check,
		       struct netlink_ext_ack *extack);
/* Bytes of request data @exp's connections hold (DST_A_DATA_BYTES). */
u64 dst_export_data_bytes(struct dst_export *exp);
/*
 * Call @fn on each export of @net from position *@pos on, under the export
 * list lock (@fn may take exp->lock, never the list lock), until @fn returns non-zero;
 * *@pos is left at the export @fn refused. *@gen receives the list's
 * generation, for genl_dump_check_consistent(), before @fn is first called.
 */
int dst_export_for_each(struct net *net, unsigned long *pos, unsigned int *gen,
			int (*fn)(struct dst_export *exp, void *arg), void *arg);

/* export_nl.c APIs: */
/*
 * Multicast export-change-ntf in the export's netns: @event (enum
 * dst_export_event), the @clients left, and for client events the client's
 * @peer and, when it left, @last_error (both may be NULL).
 */
void dst_export_notify(struct dst_export *exp, u32 event, u32 clients,
		       const char *peer, const char *last_error);

#endif /* DST_EXPORT_H */
