/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The export role: the server half of the data path. An export serves one
 * backing block device or regular file, opened by userspace and handed in by
 * fd, to any number of client connections. Each connection has an RX kthread
 * that parses requests and submits them to the backing file (asynchronous
 * direct I/O, or the export's workqueue for what blocks) and a TX kthread that
 * sends the replies in completion order. Structures and the prototypes the
 * export's files share, grouped by the file that defines them.
 *
 * A client device names itself with a session id and a generation that grows
 * with every reconnect (from its hello). When a session connects with a newer
 * generation, its older connections are fenced: closed, and every request they
 * had accepted completes on the backing store before the new connection
 * executes any. A client that resends its writes after a reconnect thus never
 * sees a stale copy from the old connection land after them.
 *
 * Lock order, outermost first (a lock is taken only under those above it):
 *
 *   dst_exports_lock                the export list, name uniqueness
 *     exp->lock                     connections, state, sessions, fencing,
 *                                   client events, whom it admits
 *       conn->lock                  spinlock, irq: a connection's requests
 *   conn->tx_mutex                  sending replies
 *     conn->lock
 *
 * conn->lock is taken from interrupt context (direct I/O completion), with
 * interrupts disabled, and nobody sleeps under it.
 */
#ifndef DST_EXPORT_H
#define DST_EXPORT_H

#include <linux/bvec.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mempool.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uuid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include "proto.h"
#include "tls.h"

struct block_device;
struct genl_info;
struct sk_buff;
struct file;
struct net;
struct netlink_ext_ack;
struct nlattr;
struct socket;

/* A request never carries more than one max_xfer of data pages. */
#define DST_EXP_MAX_PAGES	DIV_ROUND_UP(DST_MAX_XFER_DEFAULT, PAGE_SIZE)
/*
 * Data pages come in compound blocks of up to 32 KiB when one is free at
 * once (dst_exp_alloc_block): an eighth of the allocations, of the backing
 * I/O's segments and, on 6.1, of the sendpage calls of a read reply.
 */
#define DST_EXP_BLOCK_ORDER	3
/*
 * Per connection, RX reads a request only while fewer than
 * DST_CONN_MAX_REQUESTS are allocated (from header to sent reply) and its
 * data fits in DST_EXP_CONN_DATA: what a client may have outstanding
 * (protocol.md), each request rounded up to pages. PINGs may come on top of
 * a full connection, this many.
 */
#define DST_EXP_CONN_DATA	(DST_CONN_MAX_DATA + DST_CONN_MAX_REQUESTS * PAGE_SIZE)
#define DST_EXP_PING_SLACK	16
/* Requests kept in reserve so that a connection can always make progress. */
#define DST_EXP_REQ_RESERVE	16
/* Pages of zeroes written per call when nothing better zeroes a range. */
#define DST_EXP_ZERO_PAGES	16
/*
 * Per connection, data blocks of freed requests kept for the next ones, at
 * most this much (dst_exp_cache_put_locked): a fresh page costs a zeroing
 * (init_on_alloc, on in Debian's kernels), the copy that 1M transfers could
 * least afford.
 */
#define DST_EXP_CACHE_BYTES	SZ_2M
/* The newest generation of this many sessions is remembered per export. */
#define DST_EXP_SESSIONS_MAX	4096

static_assert(DST_MAX_XFER_DEFAULT <= DST_MAX_XFER_LIMIT);
static_assert(DST_MAX_XFER_LIMIT <= DST_CONN_MAX_DATA);
static_assert(DST_MAX_RANGE % 4096 == 0);
static_assert(sizeof_field(struct dst_client_hello, session) == DST_SESSION_LEN);

/**
 * struct dst_exp_allow - One identity an export admits.
 * @identity: a PSK identity, or a certificate's CN or subject.
 * @key_path: the PSK's key file, for dstd; NULL for a certificate.
 * @read_only: its connections carry no writes.
 */
struct dst_exp_allow {
	char identity[DST_IDENTITY_MAX + 1];
	char *key_path;
	bool read_only;
};

/**
 * struct dst_exp_cidr - An address prefix an export takes clients from.
 * @family: AF_INET or AF_INET6.
 * @prefix: significant leading bits of @addr.
 * @addr: the address, an IPv4 one in the first 4 bytes.
 */
struct dst_exp_cidr {
	u8 family;
	u8 prefix;
	u8 addr[16];
};

/**
 * struct dst_exp_access - Whom an export admits, replaced whole by export-set.
 * @nr_allow: entries of @allow.
 * @nr_from: entries of @from; none: clients from anywhere.
 * @from: address prefixes.
 * @allow: identities; a TLS export admits only these.
 */
struct dst_exp_access {
	unsigned int nr_allow;
	unsigned int nr_from;
	struct dst_exp_cidr *from;
	struct dst_exp_allow allow[];
};

/**
 * struct dst_export - An export: a backing file served to clients.
 * @node: on the export list, under dst_exports_lock.
 * @kref: the list holds one reference, every connection and a pending
 *	probe one more.
 * @name: unique among the exports of @net.
 * @file: the backing store; ours until removal closes it.
 * @bdev: @file's block device, or NULL for a regular file.
 * @direct: @file takes IOCB_DIRECT.
 * @backing_path: for display only, may be NULL.
 * @listen: for display only, may be NULL.
 * @uuid: the export's UUID.
 * @size: bytes; export-resize changes it under @lock, read it with
 *	READ_ONCE().
 * @logical_bs: logical block size.
 * @physical_bs: physical block size.
 * @max_xfer: largest READ or WRITE.
 * @geometry: the backing store's I/O geometry, offered to clients.
 * @features: DST_FEAT_*.
 * @tls_required: created with credentials: takes TLS connections only, from
 *	the identities @access lists.
 * @cert_path: the server's certificate, for dstd; may be NULL.
 * @key_path: its key, for dstd; may be NULL.
 * @ca_path: the CA of the clients' certificates, for dstd; may be NULL.
 * @net: where export-add ran. Not a counted reference: the namespace's exit
 *	removes the export, waits for its sockets, then sets @net NULL (under
 *	dst_exports_lock and @lock) and unlists it (dst_export_net_exit()).
 * @req_pool: this export's requests.
 * @wq: backing I/O that may block (flush, discard, write-zeroes, buffered
 *	I/O, what direct I/O could not submit without waiting) and the
 *	connections' reapers: one hung export stalls no other.
 * @probe_work: a regular file's direct I/O probe.
 * @remove_work: the end of a removal.
 * @lock: sleeping lock, taken after dst_exports_lock; guards what follows.
 * @state: DST_EXPORT_*; WRITE_ONCE.
 * @conns: &struct dst_export_conn.node, live and draining, in connection
 *	order; along it the generations of one session never decrease
 *	(export-connect refuses an older one), which the fence accounting
 *	relies on.
 * @nr_clients: entries on @conns; WRITE_ONCE.
 * @nr_sockets: of those, the ones still holding their socket.
 * @conns_wait: removal waits here for @conns to empty.
 * @sessions: the newest generation each session connected with, hashed.
 * @session_lru: the same, least recently connected first.
 * @nr_sessions: entries on @session_lru.
 * @access: whom it admits; NULL: anyone (an export without credentials).
 *
 * Everything from @name to @net is set before the export is listed and
 * never changes, but for @size and for what the probe of a regular file sets before the
 * export turns ready (@direct, block sizes): read it without locks. Removal
 * (export-del, the namespace's exit, module exit) turns it removing under
 * @lock, so that no connection is added, and kills its connections;
 * remove_work waits until @conns is empty, closes the backing file and
 * takes it off the list. The memory goes with the last reference.
 */
struct dst_export {
	struct list_head node;
	struct kref kref;

	char name[DST_EXPORT_NAME_MAX + 1];
	struct file *file;
	struct block_device *bdev;
	bool direct;
	char *backing_path;
	char *listen;
	uuid_t uuid;
	u64 size;
	u32 logical_bs;
	u32 physical_bs;
	u32 max_xfer;
	struct dst_geometry geometry;
	u32 features;
	bool tls_required;
	char *cert_path;
	char *key_path;
	char *ca_path;
	struct net *net;
	mempool_t *req_pool;
	struct workqueue_struct *wq;
	struct work_struct probe_work;
	struct work_struct remove_work;

	struct mutex lock;
	u32 state;
	struct list_head conns;
	unsigned int nr_clients;
	unsigned int nr_sockets;
	wait_queue_head_t conns_wait;
	struct hlist_head sessions[64];
	struct list_head session_lru;
	unsigned int nr_sessions;
	struct dst_exp_access *access;
};

/* What export-add asks for; netlink.c fills it from the attributes. */
struct dst_export_cfg {
	const char *name;
	int backing_fd;
	const char *backing_path;	/* may be NULL */
	const char *listen;		/* may be NULL */
	const uuid_t *uuid;		/* NULL: generate one */
	bool read_only;
	bool tls_required;
	const char *cert_path;		/* the server's X.509, for dstd: may be NULL */
	const char *key_path;
	const char *ca_path;
	struct dst_exp_access *access;	/* consumed by dst_export_add(); may be NULL */
	/* Where extack points when the name or the backing file is refused. */
	const struct nlattr *name_attr;
	const struct nlattr *fd_attr;
};

/* What export-connect hands in; netlink.c fills it from the attributes. */
struct dst_export_client {
	u32 csum;			/* DST_CSUM_*, negotiated */
	u8 session[DST_SESSION_LEN];	/* all zeroes: no session */
	u32 generation;			/* >= 1 */
	char identity[DST_IDENTITY_MAX + 1];	/* the TLS identity; empty: none */
	bool read_only;			/* the connection carries no writes */
	u32 features;			/* protocol features: DST_FEAT_RESIZE */
	u64 size;			/* the size its reply gave; 0: unknown */
};

enum {
	DST_EXP_CONN_DEAD,	/* killed: socket shut down, reaper queued */
	DST_EXP_CONN_RESIZE_DUE,	/* TX owes the client a RESIZE notice */
};

/**
 * struct dst_export_conn - A client connection of an export.
 * @node: on exp->conns, under exp->lock.
 * @exp: its export; holds a reference.
 * @sock: the socket; holds its file until the reaper lets go of it.
 * @csum: DST_CSUM_*.
 * @splice: read data goes by reference (no TLS).
 * @session: the client's session; all zeroes: none.
 * @has_session: @session is not all zeroes.
 * @generation: the client's generation.
 * @identity: the TLS identity the client proved; empty without TLS.
 * @read_only: writes are refused (a read-only identity or export).
 * @features: protocol features the client took: DST_FEAT_RESIZE.
 * @tls: the socket's protection.
 * @tls_control: RX's last TLS control record (dst_sock_recv()); RX only.
 * @peer: the client's address, for logs and events.
 * @peer_addr: the same, for the limit per peer.
 * @rx_thread: reads and submits requests.
 * @tx_thread: sends replies.
 * @reap_work: stops the threads and frees the connection.
 * @flags: DST_EXP_CONN_* bits.
 * @err: why it was killed (-ESTALE: fenced); written once by the first
 *	dst_exp_conn_kill(), read by the reaper it queues.
 * @last_error: the same, for userspace.
 * @scratch: sink for refused WRITE payloads; RX only.
 * @cpu: where both threads run, -1 anywhere; RX only.
 * @cpu_moved: jiffies of the last move; RX only.
 * @tx_mutex: held while sending replies: TX, or RX itself when a request
 *	completed while RX submitted it and nothing else waits to be read.
 * @tx_wait: TX waits here for @tx_queue.
 * @lock: irq-safe; guards what follows.
 * @tx_queue: requests with a reply to send.
 * @fence_wait: older connections of the session still on exp->conns;
 *	changes under exp->lock too. While non-zero, RX parks requests on
 *	@held.
 * @held: requests waiting for the fence.
 * @nr_reqs: requests allocated, not yet freed.
 * @nr_pending: of those, the ones not on @tx_queue (held ones too).
 * @data_bytes: data pages of the @nr_reqs.
 * @free_blocks: blocks of freed requests by order, linked by page->lru,
 *	each referenced by us alone (dst_exp_cache_*).
 * @sent_blocks: oldest first, those a read reply's skbs still hold, ready
 *	once only our reference is left.
 * @cache_bytes: bytes of @free_blocks and @sent_blocks.
 * @wait: RX waits here for room, the reaper for @nr_pending.
 *
 * Everything else is set before the threads start and then only read.
 * Created by export-connect, freed by its reaper after both threads stopped
 * and no request is left. Both threads run until kthread_stop(), never
 * exiting on their own, so the reaper may stop them.
 */
struct dst_export_conn {
	struct list_head node;
	struct dst_export *exp;
	struct socket *sock;
	u32 csum;
	bool splice;
	u8 session[DST_SESSION_LEN];
	bool has_session;
	u32 generation;
	char identity[DST_IDENTITY_MAX + 1];
	bool read_only;
	u32 features;
	struct dst_tls_info tls;
	u16 tls_control;
	char peer[DST_PEER_MAX + 1];
	struct sockaddr_storage peer_addr;
	struct task_struct *rx_thread;
	struct task_struct *tx_thread;
	struct work_struct reap_work;
	unsigned long flags;
	int err;
	char last_error[DST_LAST_ERROR_MAX + 1];
	struct page *scratch;
	int cpu;
	unsigned long cpu_moved;
	struct mutex tx_mutex;
	wait_queue_head_t tx_wait;

	spinlock_t lock;
	struct list_head tx_queue;
	unsigned int fence_wait;
	struct list_head held;
	unsigned int nr_reqs;
	unsigned int nr_pending;
	size_t data_bytes;
	struct list_head free_blocks[DST_EXP_BLOCK_ORDER + 1];
	struct list_head sent_blocks;
	size_t cache_bytes;
	wait_queue_head_t wait;
};

/**
 * struct dst_exp_req - One request, from its header to its reply.
 * @node: on conn->held, then conn->tx_queue.
 * @conn: its connection.
 * @iocb: READ and WRITE.
 * @work: what runs on the export's workqueue.
 * @tag: the client's tag.
 * @offset: bytes.
 * @len: bytes.
 * @opcode: DST_OP_*.
 * @flags: DST_CMD_F_*.
 * @status: DST_ST_* of the reply.
 * @err: the backing store's errno, for the log.
 * @done: READ and WRITE: bytes the backing store did.
 * @nowait: submitted by RX: must not block.
 * @write_ref: holds the file system's freeze protection.
 * @hold_work: debug build: dbg_write_hold_ms.
 * @nr_bvecs: entries of @bvec, each a page or a compound block.
 * @bvec: its data.
 *
 * RX owns it until it submits or parks it; then whoever completes it hands it
 * to TX through conn->tx_queue, exactly once, and TX (or the reaper) frees
 * it.
 */
struct dst_exp_req {
	struct list_head node;
	struct dst_export_conn *conn;
	struct kiocb iocb;
	struct work_struct work;
	u64 tag;
	u64 offset;
	u32 len;
	u16 opcode;
	u16 flags;
	u32 status;
	int err;
	u32 done;
	bool nowait;
	bool write_ref;
#ifdef DST_DEBUG
	struct delayed_work hold_work;
#endif
	unsigned int nr_bvecs;
	struct bio_vec bvec[DST_EXP_MAX_PAGES];
};

/* export.c APIs: */
int dst_export_init(void);
void dst_export_exit(void);
/* @net is exiting: remove its exports, wait until their sockets are released. */
void dst_export_net_exit(struct net *net);
extern struct kmem_cache *dst_exp_req_cache;
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
 * Set @exp's size to *@size, or with *@size 0 to its backing store's size
 * (set in *@size); connected clients that take RESIZE notices get one.
 */
int dst_export_resize(struct dst_export *exp, u64 *size, struct netlink_ext_ack *extack);
/*
 * Call @fn on each export of @net from position *@pos on, under the export
 * list lock (@fn may take exp->lock, never the list lock), until @fn returns
 * non-zero; *@pos is left at the export @fn refused. *@gen receives the
 * list's generation, for genl_dump_check_consistent(), before @fn is first
 * called.
 */
int dst_export_for_each(struct net *net, unsigned long *pos, unsigned int *gen,
			int (*fn)(struct dst_export *exp, void *arg), void *arg);
/* Tell userspace, unless the module or the export's namespace is going. */
void dst_export_changed(struct dst_export *exp, u32 event, u32 clients,
			const struct dst_export_conn *conn, const char *last_error);
/* Woken when an export leaves the list or lets go of a socket. */
extern wait_queue_head_t dst_exports_wait;

/* request.c APIs: */
/* Whether @bytes more of request data fit in the server's budget. */
bool dst_exp_mem_fits(size_t bytes);
/* Not counted yet: dst_exp_rx_reserve() does, or mempool_free() undoes. */
struct dst_exp_req *dst_exp_req_alloc(struct dst_export_conn *conn);
/* The end of a request: after its reply was sent, or dropped. */
void dst_exp_req_free(struct dst_exp_req *req);
/* Data pages for @req, from the connection's blocks first; -ENOMEM. */
int dst_exp_req_alloc_pages(struct dst_exp_req *req);
/* CRC32C of the request's data. */
u32 dst_exp_req_crc(const struct dst_exp_req *req);
/* Hand @req to TX, exactly once per request; any context. */
void dst_exp_req_done(struct dst_exp_req *req);
/* At the connection's end: whatever the socket still holds, it frees. */
void dst_exp_cache_release(struct dst_export_conn *conn);

/* backing.c APIs: */
/* Start a request on the backing store; from RX (@nowait) or a worker. */
void dst_exp_submit(struct dst_exp_req *req, bool nowait);
/* Debug build: dbg_write_hold_ms holds the next WRITE; true if it took @req. */
bool dst_exp_debug_hold(struct dst_exp_req *req);
/* Synchronous kiocb I/O, for workers: the probe and written zeroes. */
ssize_t dst_exp_iter_sync(struct dst_export *exp, struct iov_iter *iter,
			  loff_t pos, int flags);

/* conn.c APIs: */
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
 * Take @conn out of service; idempotent, process context. The first
 * caller's @err and @why (NULL: a socket error, described after @err) are
 * what the reaper reports. False when @conn was dead already.
 */
bool dst_exp_conn_kill(struct dst_export_conn *conn, int err, const char *why);
bool dst_exp_conn_dead(struct dst_export_conn *conn);
void dst_export_forget_sessions(struct dst_export *exp);

/* access.c APIs: */
/* The allow and allow-from attributes of @info; an ERR_PTR with extack set. */
struct dst_exp_access *dst_exp_access_parse(struct genl_info *info);
void dst_exp_access_free(struct dst_exp_access *access);
/* Whether @exp admits a client; see access.c. */
int dst_exp_access_check(struct dst_export *exp, const char *identity,
			 const struct sockaddr_storage *peer, const struct dst_tls_info *tls,
			 bool *read_only, struct netlink_ext_ack *extack);
/* export-set: install @access (consumed), dropping who it no longer admits. */
void dst_export_set_access(struct dst_export *exp, struct dst_exp_access *access);
int dst_exp_access_fill(struct sk_buff *skb, struct dst_export *exp);

/* rx.c APIs: */
int dst_exp_rx_thread(void *arg);

/* tx.c APIs: */
int dst_exp_tx_thread(void *arg);
/* Send (or drop) every reply queued; @conn->tx_mutex held. */
void dst_exp_tx_queued(struct dst_export_conn *conn);

/* netlink.c APIs: */
/*
 * Multicast export-change-ntf in the export's netns: @event (enum
 * dst_export_event), the @clients left, and for client events the client's
 * connection @conn and, when it left, @last_error (both may be NULL).
 */
void dst_export_notify(struct dst_export *exp, u32 event, u32 clients,
		       const struct dst_export_conn *conn, const char *last_error);

#endif /* DST_EXPORT_H */
