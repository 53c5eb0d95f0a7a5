/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* Do not edit directly, auto-generated from Documentation/spec/dst.yaml by Tools/nlgen */

#ifndef _UAPI_LINUX_DST_H
#define _UAPI_LINUX_DST_H

#include <linux/types.h>

/*
 * DST network block device: client devices (/dev/dstN) and exports. Userspace
 * performs the handshake on a TCP socket and hands the connected socket to the
 * kernel, which carries all I/O. Devices and exports belong to the network
 * namespace that made them and are invisible from others; every operation that
 * changes one needs CAP_SYS_ADMIN in the initial user namespace (a block-device
 * privilege, as nbd asks), besides the CAP_NET_ADMIN that admin-perm checks.
 */
#define DST_FAMILY_NAME "dst"
#define DST_FAMILY_VERSION 1

/* Wire protocol version carried in both hello messages. */
#define DST_PROTO_VERSION 1

/* Client hello magic, ASCII "DSTHELLO". */
#define DST_HELLO_MAGIC 0x44535448454c4c4fULL

/* Server hello reply magic, ASCII "DSTREPLY". */
#define DST_REPLY_MAGIC 0x4453545245504c59ULL

/* Data request frame magic, ASCII "DSTQ". */
#define DST_REQ_MAGIC 0x44535451

/* Data reply frame magic, ASCII "DSTA". */
#define DST_REP_MAGIC 0x44535441

/* TCP port used when an address names none. */
#define DST_DEFAULT_PORT 1025

/* Longest export name in bytes (no NUL on the wire). */
#define DST_EXPORT_NAME_MAX 64

/* Length of a session id in bytes. */
#define DST_SESSION_LEN 16

/* Highest N of /dev/dstN. */
#define DST_DEV_INDEX_MAX 1023

/* Connections a client device has at most. */
#define DST_DEV_CONNS_MAX 16

/* Longest address text (remote, listen) in bytes, without the NUL. */
#define DST_ADDRESS_MAX 128

/*
 * Longest peer address text in bytes, without the NUL: ADDR:PORT, or
 * [ADDR]:PORT for IPv6.
 */
#define DST_PEER_MAX 63

/* Longest identity (PSK identity or certificate subject name) in bytes. */
#define DST_IDENTITY_MAX 64

/* Longest path of a key or certificate file in bytes, without the NUL. */
#define DST_PATH_MAX 1024

/* Longest DNS name a client expects in the server's certificate, in bytes. */
#define DST_SERVER_NAME_MAX 253

/*
 * Bytes of one allow-from entry: the address family (AF_INET 2 or AF_INET6 10),
 * the prefix length, two zero bytes, then 16 address bytes (an IPv4 address in
 * the first 4, the rest zero).
 */
#define DST_CIDR_LEN 20

/*
 * Identities and address prefixes an export admits, at most, each; their text
 * (identities and key paths) is at most 4096 bytes in all.
 */
#define DST_ALLOW_MAX 64

/*
 * TLS records a connection may carry under one key before the client replaces
 * it, at most (2^23): RFC 8446, 5.5 allows 2^24.5 full-size records under one
 * AES-GCM key. Also the default.
 */
#define DST_REKEY_RECORDS_MAX 8388608

/* Longest last-error text in bytes, without the NUL. */
#define DST_LAST_ERROR_MAX 127

/* Longest backing path text in bytes, without the NUL. */
#define DST_BACKING_PATH_MAX 1024

/* Longest refusal message in a server reply, in bytes. */
#define DST_MESSAGE_MAX 1024

/* Largest max-transfer either side accepts, in bytes. */
#define DST_MAX_XFER_LIMIT 4194304

/* Max-transfer an export offers unless told otherwise, in bytes. */
#define DST_MAX_XFER_DEFAULT 1048576

/* Largest DISCARD or WRITE_ZEROES length of one request, in bytes. */
#define DST_MAX_RANGE 1073741824

/*
 * Requests (PINGs aside) a client keeps outstanding on one connection at most,
 * from sending the header to receiving the reply. A server accepts that many at
 * any time; past it, it may stop reading the connection.
 */
#define DST_CONN_MAX_REQUESTS 64

/*
 * Bytes of READ and WRITE data a client keeps outstanding on one connection at
 * most (the lengths of the requests counted above).
 */
#define DST_CONN_MAX_DATA 16777216

/*
 * A frame tag is (epoch << 32) | id: the connection epoch in the high 32 bits,
 * the transaction id in the low 32 bits.
 */
#define DST_TAG_EPOCH_SHIFT 32

/*
 * A timeout attribute (milliseconds) with this value never expires: I/O waits
 * for a connection forever, dstd never gives up reconnecting.
 */
#define DST_TIMEOUT_FOREVER 0xffffffffU

/*
 * Transaction id of a PING; never used by a data transaction. A PING's tag is
 * (epoch << 32) | ping-id.
 */
#define DST_PING_ID 0xffffffffU

/**
 * enum dst_opcode - Request opcode of a data frame.
 * @DST_OP_READ: Read length bytes at offset; the reply carries the data.
 * @DST_OP_WRITE: Write the length bytes that follow the header at offset.
 * @DST_OP_FLUSH: Make every completed write durable; offset and length are 0.
 * @DST_OP_DISCARD: The range may be deallocated; its contents become undefined.
 * @DST_OP_WRITE_ZEROES: The range reads back as zeroes.
 * @DST_OP_PING: Liveness probe; offset and length 0. The server answers at once
 *	with status ok, without touching the backing store.
 * @DST_OP_RESIZE: Server to client only, with the resize feature: a notice in a
 *	rep-hdr (tag 0, status ok, length 8) followed by the export's new size,
 *	u64 big-endian. A request with this opcode is answered inval.
 */
enum dst_opcode {
	DST_OP_READ = 1,
	DST_OP_WRITE = 2,
	DST_OP_FLUSH = 3,
	DST_OP_DISCARD = 4,
	DST_OP_WRITE_ZEROES = 5,
	DST_OP_PING = 6,
	DST_OP_RESIZE = 7,

	/* private: */
	__DST_OP_MAX,
	DST_OP_MAX = (__DST_OP_MAX - 1)
};

/**
 * enum dst_cmd_flags - Flags of a data request.
 * @DST_CMD_F_FUA: A write is durable before its reply is sent.
 * @DST_CMD_F_NOUNMAP: A WRITE_ZEROES range stays allocated: the server must not
 *	deallocate it (REQ_NOUNMAP).
 */
enum dst_cmd_flags {
	DST_CMD_F_FUA = 1,
	DST_CMD_F_NOUNMAP = 2,
};

#define DST_CMD_FLAGS_MASK 0x3

/**
 * enum dst_status - Status of a data reply; never a raw errno.
 * @DST_ST_OK: Success.
 * @DST_ST_IO: I/O error on the backing store (EIO).
 * @DST_ST_NOSPC: No space left on the backing store (ENOSPC).
 * @DST_ST_INVAL: Request out of bounds, misaligned or malformed (EINVAL).
 * @DST_ST_ROFS: Write to a read-only export (EROFS).
 * @DST_ST_NOTSUPP: Operation not supported by the export (EOPNOTSUPP).
 * @DST_ST_NOMEM: Server out of memory, retry later (ENOMEM).
 * @DST_ST_BAD_DATA_CSUM: A WRITE's data did not match its data-csum; it was not
 *	executed and is sent again (EBADMSG).
 */
enum dst_status {
	DST_ST_OK = 0,
	DST_ST_IO = 1,
	DST_ST_NOSPC = 2,
	DST_ST_INVAL = 3,
	DST_ST_ROFS = 4,
	DST_ST_NOTSUPP = 5,
	DST_ST_NOMEM = 6,
	DST_ST_BAD_DATA_CSUM = 7,

	/* private: */
	__DST_ST_MAX,
	DST_ST_MAX = (__DST_ST_MAX - 1)
};

/**
 * enum dst_checksum - Checksum over frame headers and data.
 * @DST_CSUM_NONE: No checksums; the csum fields are zero.
 * @DST_CSUM_CRC32C: CRC32C (Castagnoli) over each header and each data payload.
 */
enum dst_checksum {
	DST_CSUM_NONE = 0,
	DST_CSUM_CRC32C = 1,

	/* private: */
	__DST_CSUM_MAX,
	DST_CSUM_MAX = (__DST_CSUM_MAX - 1)
};

/**
 * enum dst_tls_cipher - Cipher that protects a connection's TLS records (kTLS).
 * @DST_TLS_CIPHER_NONE: No TLS; the connection is plaintext.
 * @DST_TLS_CIPHER_AES_128_GCM: AES-128-GCM (kTLS TLS_CIPHER_AES_GCM_128).
 * @DST_TLS_CIPHER_CHACHA20_POLY1305: ChaCha20-Poly1305 (kTLS
 *	TLS_CIPHER_CHACHA20_POLY1305).
 */
enum dst_tls_cipher {
	DST_TLS_CIPHER_NONE = 0,
	DST_TLS_CIPHER_AES_128_GCM = 1,
	DST_TLS_CIPHER_CHACHA20_POLY1305 = 2,

	/* private: */
	__DST_TLS_CIPHER_MAX,
	DST_TLS_CIPHER_MAX = (__DST_TLS_CIPHER_MAX - 1)
};

/**
 * enum dst_features - Export properties, offered in the server reply.
 * @DST_FEAT_FLUSH: The export has a volatile cache; FLUSH and FUA are honoured.
 * @DST_FEAT_FUA: FUA writes are supported.
 * @DST_FEAT_DISCARD: DISCARD is supported.
 * @DST_FEAT_WRITE_ZEROES: WRITE_ZEROES is supported.
 * @DST_FEAT_READ_ONLY: Writes fail with status rofs.
 * @DST_FEAT_ROTATIONAL: The backing store is rotational.
 * @DST_FEAT_LIMITS: Protocol, not export: in the hello, the client reads a
 *	server-limits block; in the reply, one follows the reply header, before
 *	its message. Never an export's or a device's feature.
 * @DST_FEAT_RESIZE: Protocol: the server sends a RESIZE notice when the export
 *	grows. Set in the hello by a client that takes them, in the reply when
 *	the server will send them; a device created with it accepts them.
 */
enum dst_features {
	DST_FEAT_FLUSH = 1,
	DST_FEAT_FUA = 2,
	DST_FEAT_DISCARD = 4,
	DST_FEAT_WRITE_ZEROES = 8,
	DST_FEAT_READ_ONLY = 16,
	DST_FEAT_ROTATIONAL = 32,
	DST_FEAT_LIMITS = 64,
	DST_FEAT_RESIZE = 128,
};

#define DST_FEATURES_MASK 0xff

/**
 * enum dst_hello_status - Outcome of the handshake, in the server reply.
 * @DST_HELLO_OK: Accepted; the connection carries data frames from now on.
 * @DST_HELLO_BAD_VERSION: The server does not speak the client's protocol
 *	version.
 * @DST_HELLO_UNKNOWN_EXPORT: No export of that name is served here.
 * @DST_HELLO_BAD_CHECKSUM: The proposed checksum is not supported.
 * @DST_HELLO_BUSY: The export takes no more clients now.
 * @DST_HELLO_INTERNAL: The server failed; the message says why.
 * @DST_HELLO_BAD_REQUEST: The hello was malformed.
 * @DST_HELLO_TLS_REQUIRED: The export takes TLS connections only; this one was
 *	plaintext.
 * @DST_HELLO_NOT_ALLOWED: The export does not admit the client's identity or
 *	address.
 */
enum dst_hello_status {
	DST_HELLO_OK = 0,
	DST_HELLO_BAD_VERSION = 1,
	DST_HELLO_UNKNOWN_EXPORT = 2,
	DST_HELLO_BAD_CHECKSUM = 3,
	DST_HELLO_BUSY = 4,
	DST_HELLO_INTERNAL = 5,
	DST_HELLO_BAD_REQUEST = 6,
	DST_HELLO_TLS_REQUIRED = 7,
	DST_HELLO_NOT_ALLOWED = 8,

	/* private: */
	__DST_HELLO_MAX,
	DST_HELLO_MAX = (__DST_HELLO_MAX - 1)
};

/**
 * enum dst_dev_state - State of a client device.
 * @DST_STATE_CONNECTED: At least one connection carries I/O.
 * @DST_STATE_DISCONNECTED: No live connection; I/O is queued until the timeout.
 * @DST_STATE_RECONNECTING: Userspace is working on a new connection.
 * @DST_STATE_FAILED: The timeout expired; queued I/O failed with EIO.
 * @DST_STATE_REMOVED: The device is being removed.
 */
enum dst_dev_state {
	DST_STATE_CONNECTED = 1,
	DST_STATE_DISCONNECTED = 2,
	DST_STATE_RECONNECTING = 3,
	DST_STATE_FAILED = 4,
	DST_STATE_REMOVED = 5,

	/* private: */
	__DST_STATE_MAX,
	DST_STATE_MAX = (__DST_STATE_MAX - 1)
};

/**
 * enum dst_export_state - State of an export.
 * @DST_EXPORT_PROBING: The backing file is being probed for direct I/O; the
 *	export takes clients once it is ready.
 * @DST_EXPORT_READY: The export takes clients.
 * @DST_EXPORT_REMOVING: export-del was asked: the clients are gone or leaving,
 *	and the backing file is closed once their requests left it.
 */
enum dst_export_state {
	DST_EXPORT_PROBING = 1,
	DST_EXPORT_READY = 2,
	DST_EXPORT_REMOVING = 3,

	/* private: */
	__DST_EXPORT_MAX,
	DST_EXPORT_MAX = (__DST_EXPORT_MAX - 1)
};

/**
 * enum dst_export_event - What an export-change-ntf reports.
 * @DST_EXPORT_EV_ADDED: The export was added.
 * @DST_EXPORT_EV_REMOVED: The export was removed; its clients were
 *	disconnected.
 * @DST_EXPORT_EV_CLIENT_CONNECTED: A client connection was handed in; peer
 *	names it.
 * @DST_EXPORT_EV_CLIENT_DISCONNECTED: A client connection ended; peer names it,
 *	last-error says why.
 * @DST_EXPORT_EV_CLIENT_FENCED: A client connection was closed because the same
 *	session connected again with a newer generation; its requests were
 *	drained first.
 */
enum dst_export_event {
	DST_EXPORT_EV_ADDED = 1,
	DST_EXPORT_EV_REMOVED = 2,
	DST_EXPORT_EV_CLIENT_CONNECTED = 3,
	DST_EXPORT_EV_CLIENT_DISCONNECTED = 4,
	DST_EXPORT_EV_CLIENT_FENCED = 5,

	/* private: */
	__DST_EXPORT_EV_MAX,
	DST_EXPORT_EV_MAX = (__DST_EXPORT_EV_MAX - 1)
};

/**
 * struct dst_client_hello - First bytes a client sends; name-len bytes of
 * export name follow.
 * @magic: hello-magic.
 * @version: proto-version.
 * @features: Features the client can use (features flags).
 * @csum: Proposed checksum (checksum enum).
 * @name_len: Length of the export name that follows, 0 to export-name-max.
 * @session: Random id of the client device, the same on every connection it
 *	makes; all zeroes: no session (no fencing).
 * @generation: Connection generation of the session, 1 on the first
 *	connections, higher on every reconnect. The export fences older
 *	generations.
 * @reserved: Sent as 0, refused otherwise.
 */
struct dst_client_hello {
	__be64 magic;
	__be32 version;
	__be32 features;
	__be32 csum;
	__be32 name_len;
	__u8 session[16];
	__be32 generation;
	__be32 reserved;
};

#define DST_CLIENT_HELLO_SIZE 48

/**
 * struct dst_server_reply - The server's answer; msg-len bytes of message
 * follow.
 * @magic: u64, big-endian.
 * @version: u32, big-endian.
 * @status: hello-status enum.
 * @size: Export size in bytes.
 * @logical_bs: u32, big-endian.
 * @physical_bs: u32, big-endian.
 * @max_xfer: u32, big-endian.
 * @features: u32, big-endian.
 * @csum: Chosen checksum.
 * @msg_len: Length of the message that follows, 0 to message-max: on success
 *	the chosen export's name, on a refusal why.
 * @uuid: 16 bytes.
 */
struct dst_server_reply {
	__be64 magic;
	__be32 version;
	__be32 status;
	__be64 size;
	__be32 logical_bs;
	__be32 physical_bs;
	__be32 max_xfer;
	__be32 features;
	__be32 csum;
	__be32 msg_len;
	__u8 uuid[16];
};

#define DST_SERVER_REPLY_SIZE 64

/**
 * struct dst_server_limits - The backing store's I/O geometry, after a
 * server-reply with the limits feature: what the client's queue advertises, so
 * that md, device-mapper and file systems on it see what they would see on the
 * backing store. All in bytes, multiples of the physical block size but for
 * discard-alignment (of the logical block size); 0: none.
 * @io_min: Smallest preferred I/O (a RAID chunk); 0 is the physical block size.
 * @io_opt: Optimal I/O (a RAID stripe); 0 if the backing store has none.
 * @discard_granularity: Unit of discard; 0 is the physical block size.
 * @discard_alignment: Offset of the first whole discard unit, below
 *	discard-granularity.
 */
struct dst_server_limits {
	__be32 io_min;
	__be32 io_opt;
	__be32 discard_granularity;
	__be32 discard_alignment;
};

#define DST_SERVER_LIMITS_SIZE 16

/**
 * struct dst_req_hdr - Data request header; a WRITE is followed by length bytes
 * of data.
 * @magic: u32, big-endian.
 * @opcode: u16, big-endian.
 * @flags: u16, big-endian.
 * @tag: u64, big-endian.
 * @offset: u64, big-endian.
 * @length: u32, big-endian.
 * @data_csum: Checksum of the data that follows (WRITE), else 0.
 * @hdr_csum: Checksum of this header computed with hdr-csum set to 0.
 * @reserved: Sent as 0, refused otherwise.
 */
struct dst_req_hdr {
	__be32 magic;
	__be16 opcode;
	__be16 flags;
	__be64 tag;
	__be64 offset;
	__be32 length;
	__be32 data_csum;
	__be32 hdr_csum;
	__be32 reserved;
};

#define DST_REQ_HDR_SIZE 40

/**
 * struct dst_rep_hdr - Data reply header; a successful READ is followed by
 * length bytes.
 * @magic: u32, big-endian.
 * @status: u32, big-endian.
 * @tag: u64, big-endian.
 * @opcode: Opcode of the request this answers.
 * @flags: Sent as 0.
 * @length: u32, big-endian.
 * @data_csum: u32, big-endian.
 * @hdr_csum: u32, big-endian.
 */
struct dst_rep_hdr {
	__be32 magic;
	__be32 status;
	__be64 tag;
	__be16 opcode;
	__be16 flags;
	__be32 length;
	__be32 data_csum;
	__be32 hdr_csum;
};

#define DST_REP_HDR_SIZE 32

/*
 * Attributes of the dst family, one set for all commands.
 * @DST_A_DEV_INDEX: (u32) Index N of /dev/dstN.
 * @DST_A_SOCK_FD: (u32) File descriptor of a connected TCP socket in the
 *	caller.
 * @DST_A_SIZE: (u64) Size in bytes.
 * @DST_A_LOGICAL_BS: (u32) Logical block size in bytes, a power of two.
 * @DST_A_PHYSICAL_BS: (u32) Physical block size in bytes, a power of two.
 * @DST_A_MAX_XFER: (u32) Largest data transfer of one frame in bytes.
 * @DST_A_FEATURES: (u32) Export features.
 * @DST_A_CSUM: (u32) Checksum in use.
 * @DST_A_UUID: (binary) Export UUID, 16 bytes.
 * @DST_A_EXPORT_NAME: (string) Name of an export.
 * @DST_A_REMOTE: (string) Server address as the user gave it, for display.
 * @DST_A_STATE: (u32) Device state.
 * @DST_A_LAST_ERROR: (string) Why the device last left the connected state.
 * @DST_A_BACKING_FD: (u32) File descriptor of the export's backing block device
 *	or file.
 * @DST_A_LISTEN: (string) Address dstd listens on for this export, as
 *	ADDR:PORT.
 * @DST_A_READ_ONLY: (flag) export-add: the export refuses writes;
 *	export-connect: this connection's writes are refused (a read-only
 *	identity).
 * @DST_A_CLIENTS: (u32) Connected clients of an export.
 * @DST_A_BACKING_PATH: (string) Path of the backing store, for display.
 * @DST_A_CONNECTIONS: (u32) Live connections of a device.
 * @DST_A_INFLIGHT: (u32) Transactions of a device not yet completed.
 * @DST_A_PAD: (pad) Alignment padding for 64-bit attributes.
 * @DST_A_SESSION: (binary) Session id of a client device (client-hello
 *	session), 16 bytes; required by dev-add, never all zeroes. dev-get shows
 *	it only to callers with CAP_SYS_ADMIN.
 * @DST_A_GENERATION: (u32) Connection generation (client-hello generation).
 *	dev-get shows it only to callers with CAP_SYS_ADMIN.
 * @DST_A_IO_TIMEOUT: (u32) Milliseconds one I/O may take from its submission,
 *	whatever holds it up, before it fails with EIO; a device without a
 *	connection for that long fails; timeout-forever: never.
 * @DST_A_PING_INTERVAL: (u32) Milliseconds of silence on a connection before
 *	the client sends a PING; 0 turns pings off. A connection with requests
 *	or a PING outstanding that hears nothing for three intervals (at most
 *	the io-timeout) is dropped.
 * @DST_A_RECONNECT_DELAY: (u32) Milliseconds dstd waits before its first
 *	reconnect attempt.
 * @DST_A_RECONNECT_DELAY_MAX: (u32) Largest delay between reconnect attempts,
 *	in milliseconds.
 * @DST_A_RECONNECT_GIVE_UP: (u32) Milliseconds after the connection was lost
 *	that dstd stops reconnecting; timeout-forever: never.
 * @DST_A_DOWN_TIME: (u64) Milliseconds since the device lost its last
 *	connection; 0 while connected.
 * @DST_A_EXPORT_EVENT: (u32) What an export-change-ntf reports.
 * @DST_A_PEER: (string) Address of a client connection, as ADDR:PORT.
 * @DST_A_FORCE: (flag) dev-del also removes a mounted or claimed device.
 * @DST_A_CONN_COUNT: (u32) Connections a device is meant to have: dstctl
 *	add-device opens them, dstd opens them all again (one new generation)
 *	when one is lost.
 * @DST_A_EXPORT_STATE: (u32) State of an export.
 * @DST_A_CHECK: (flag) export-connect only checks that the export would take
 *	the connection now (state, limits, generation) and adopts nothing.
 * @DST_A_DATA_BYTES: (u64) Bytes of request data an export's connections hold
 *	now: payloads received, read data not yet sent, and freed blocks kept
 *	for reuse.
 * @DST_A_EPOCH: (u32) Last connection epoch handed out (the high half of its
 *	tags).
 * @DST_A_STAT_READS: (u64) READs completed without error.
 * @DST_A_STAT_WRITES: (u64) WRITEs completed without error.
 * @DST_A_STAT_FLUSHES: (u64) FLUSHes completed without error.
 * @DST_A_STAT_DISCARDS: (u64) DISCARDs completed without error.
 * @DST_A_STAT_WRITE_ZEROES: (u64) WRITE_ZEROES completed without error.
 * @DST_A_STAT_READ_BYTES: (u64) Bytes of those READs.
 * @DST_A_STAT_WRITE_BYTES: (u64) Bytes of those WRITEs.
 * @DST_A_STAT_ERRORS: (u64) I/Os completed with an error.
 * @DST_A_STAT_CSUM_ERRORS: (u64) Replies whose header or data checksum did not
 *	match, and writes answered bad-data-csum.
 * @DST_A_STAT_PROTOCOL_ERRORS: (u64) Malformed or unexpected replies (each
 *	dropped its connection).
 * @DST_A_STAT_RECONNECTS: (u64) Connection generations handed in after the
 *	first.
 * @DST_A_STAT_RESENDS: (u64) I/Os put on a wire again.
 * @DST_A_STAT_TIMEOUTS: (u64) I/Os that reached the I/O timeout.
 * @DST_A_CONN: (nest conn, multi-attr) One connection of the device or the
 *	export (dev-get, export-get).
 * @DST_A_IDENTITY: (string) A client's TLS identity: its PSK identity, or the
 *	CN of its certificate. dev-add: the device's, for status and dstd's
 *	reconnects; export-connect: the client's, which the export must admit.
 * @DST_A_KEY_PATH: (string) A client device's PSK key file, or the key of its
 *	certificate, which dstd reads to reconnect; with cert-path, an export's
 *	certificate key. Never the key itself.
 * @DST_A_CERT_PATH: (string) A certificate file (PEM) of the device or the
 *	export.
 * @DST_A_CA_PATH: (string) The CA file (PEM) that signs the peer's
 *	certificates.
 * @DST_A_SERVER_NAME: (string) The DNS name a client device expects in the
 *	server's certificate.
 * @DST_A_TLS_REQUIRED: (flag) The export takes TLS connections only (it was
 *	created with credentials); without it, it is insecure and takes
 *	plaintext ones.
 * @DST_A_ALLOW: (nest allow, multi-attr) One identity an export admits
 *	(export-add, export-set, export-get). An export with TLS admits only
 *	those it lists.
 * @DST_A_ALLOW_FROM: (binary, multi-attr) One address prefix an export takes
 *	clients from (cidr-len bytes, see there); an export that lists none
 *	takes them from anywhere.
 * @DST_A_REKEY_RECORDS: (u32) TLS records one of a device's connections may
 *	carry before the kernel asks dstd for a new connection (rekey-due).
 *	Either side drops a connection at 2^24 records, whatever this says.
 * @DST_A_REKEY_DUE: (flag) A connection of the device waits for its replacement
 *	(a rekey).
 * @DST_A_STAT_REKEYS: (u64) Connections replaced because their TLS keys carried
 *	rekey-records.
 * @DST_A_STAT_TLS_ERRORS: (u64) TLS records from the server that failed
 *	authentication, and TLS alerts and handshake messages from it.
 * @DST_A_IO_MIN: (u32) Smallest preferred I/O in bytes (server-limits io-min).
 * @DST_A_IO_OPT: (u32) Optimal I/O in bytes, 0 for none (server-limits io-opt).
 * @DST_A_DISCARD_GRANULARITY: (u32) Unit of discard in bytes (server-limits
 *	discard-granularity).
 * @DST_A_DISCARD_ALIGNMENT: (u32) Offset of the first whole discard unit in
 *	bytes (server-limits discard-alignment).
 */
enum {
	DST_A_DEV_INDEX = 1,
	DST_A_SOCK_FD,
	DST_A_SIZE,
	DST_A_LOGICAL_BS,
	DST_A_PHYSICAL_BS,
	DST_A_MAX_XFER,
	DST_A_FEATURES,
	DST_A_CSUM,
	DST_A_UUID,
	DST_A_EXPORT_NAME,
	DST_A_REMOTE,
	DST_A_STATE,
	DST_A_LAST_ERROR,
	DST_A_BACKING_FD,
	DST_A_LISTEN,
	DST_A_READ_ONLY,
	DST_A_CLIENTS,
	DST_A_BACKING_PATH,
	DST_A_CONNECTIONS,
	DST_A_INFLIGHT,
	DST_A_PAD,
	DST_A_SESSION,
	DST_A_GENERATION,
	DST_A_IO_TIMEOUT,
	DST_A_PING_INTERVAL,
	DST_A_RECONNECT_DELAY,
	DST_A_RECONNECT_DELAY_MAX,
	DST_A_RECONNECT_GIVE_UP,
	DST_A_DOWN_TIME,
	DST_A_EXPORT_EVENT,
	DST_A_PEER,
	DST_A_FORCE,
	DST_A_CONN_COUNT,
	DST_A_EXPORT_STATE,
	DST_A_CHECK,
	DST_A_DATA_BYTES,
	DST_A_EPOCH,
	DST_A_STAT_READS,
	DST_A_STAT_WRITES,
	DST_A_STAT_FLUSHES,
	DST_A_STAT_DISCARDS,
	DST_A_STAT_WRITE_ZEROES,
	DST_A_STAT_READ_BYTES,
	DST_A_STAT_WRITE_BYTES,
	DST_A_STAT_ERRORS,
	DST_A_STAT_CSUM_ERRORS,
	DST_A_STAT_PROTOCOL_ERRORS,
	DST_A_STAT_RECONNECTS,
	DST_A_STAT_RESENDS,
	DST_A_STAT_TIMEOUTS,
	DST_A_CONN,
	DST_A_IDENTITY,
	DST_A_KEY_PATH,
	DST_A_CERT_PATH,
	DST_A_CA_PATH,
	DST_A_SERVER_NAME,
	DST_A_TLS_REQUIRED,
	DST_A_ALLOW,
	DST_A_ALLOW_FROM,
	DST_A_REKEY_RECORDS,
	DST_A_REKEY_DUE,
	DST_A_STAT_REKEYS,
	DST_A_STAT_TLS_ERRORS,
	DST_A_IO_MIN,
	DST_A_IO_OPT,
	DST_A_DISCARD_GRANULARITY,
	DST_A_DISCARD_ALIGNMENT,

	/* private: */
	__DST_A_MAX,
	DST_A_MAX = (__DST_A_MAX - 1)
};

/*
 * One connection of a client device or of an export, nested in the conn
 * attribute of dev-get and export-get replies.
 * @DST_A_CONN_SLOT: (u32) Connection slot of a device, 0..dev-conns-max-1.
 * @DST_A_CONN_GENERATION: (u32) Connection generation (client-hello generation)
 *	the connection belongs to.
 * @DST_A_CONN_PEER: (string) Address of the other end, as ADDR:PORT.
 * @DST_A_CONN_IDENTITY: (string) TLS identity of the other end: the PSK
 *	identity, or the subject name of its certificate; absent on a plaintext
 *	connection.
 * @DST_A_CONN_TLS_VERSION: (u32) TLS version as on the wire, e.g. 0x0304 for
 *	TLS 1.3; 0 = plaintext.
 * @DST_A_CONN_TLS_CIPHER: (u32) Cipher of the connection's TLS records.
 * @DST_A_CONN_READ_ONLY: (flag) The connection carries no writes.
 * @DST_A_CONN_RECORDS: (u64) TLS records sent and received on the connection.
 * @DST_A_CONN_RECORD_ERRORS: (u64) TLS records of the connection that failed
 *	(not authentic, not decryptable or malformed).
 * @DST_A_CONN_PAD: (pad) Alignment padding for 64-bit attributes
 *	(nla_put_u64_64bit in the nest).
 * @DST_A_CONN_PINGS: (u64) A client connection's PINGs answered. The client
 *	sends a PING only when the connection has been silent for the device's
 *	ping interval, so a busy connection answers none.
 * @DST_A_CONN_PING_RTT_US: (u32) A client connection's last PING round trip, in
 *	microseconds: from the PING's send to its reply's arrival, including
 *	what was queued ahead of it on the socket. Absent until a PING was
 *	answered.
 * @DST_A_CONN_PING_SRTT_US: (u32) A client connection's smoothed PING round
 *	trip, in microseconds: the first sample, then 7/8 of the last value and
 *	1/8 of each new sample (as TCP's srtt, RFC 6298). Absent until a PING
 *	was answered.
 */
enum {
	DST_A_CONN_SLOT = 1,
	DST_A_CONN_GENERATION,
	DST_A_CONN_PEER,
	DST_A_CONN_IDENTITY,
	DST_A_CONN_TLS_VERSION,
	DST_A_CONN_TLS_CIPHER,
	DST_A_CONN_READ_ONLY,
	DST_A_CONN_RECORDS,
	DST_A_CONN_RECORD_ERRORS,
	DST_A_CONN_PAD,
	DST_A_CONN_PINGS,
	DST_A_CONN_PING_RTT_US,
	DST_A_CONN_PING_SRTT_US,

	/* private: */
	__DST_A_CONN_MAX,
	DST_A_CONN_MAX = (__DST_A_CONN_MAX - 1)
};

/*
 * One identity an export admits, nested in the allow attribute.
 * @DST_A_ALLOW_IDENTITY: (string) The client's PSK identity, or the CN or the
 *	whole subject (RFC 4514) of its certificate.
 * @DST_A_ALLOW_KEY_PATH: (string) The identity's PSK key file, which dstd
 *	reads; absent for a certificate subject.
 * @DST_A_ALLOW_READ_ONLY: (flag) The identity gets a read-only device; the
 *	export refuses its writes.
 */
enum {
	DST_A_ALLOW_IDENTITY = 1,
	DST_A_ALLOW_KEY_PATH,
	DST_A_ALLOW_READ_ONLY,

	/* private: */
	__DST_A_ALLOW_MAX,
	DST_A_ALLOW_MAX = (__DST_A_ALLOW_MAX - 1)
};

/*
 * Commands of the dst family; events are sent to multicast groups.
 * @DST_CMD_DEV_ADD: Create /dev/dstN over a connected, handshaken socket.
 * @DST_CMD_DEV_DEL: Remove a device in any state; its queued and new I/O fails
 *	with EIO. Refused while mounted or claimed, unless force is given.
 * @DST_CMD_DEV_GET: Get one device, or dump all devices.
 * @DST_CMD_DEV_CONNECT: Hand a connected, handshaken socket to an existing
 *	device. A newer generation than the device's replaces every older
 *	connection; an older one is refused.
 * @DST_CMD_EXPORT_ADD: Export a block device or file, opened by the caller.
 * @DST_CMD_EXPORT_DEL: Remove an export; its clients are disconnected.
 * @DST_CMD_EXPORT_GET: Get one export, or dump the exports of the caller's
 *	netns.
 * @DST_CMD_EXPORT_CONNECT: Hand a client socket, handshaken by the caller, to
 *	an export.
 * @DST_CMD_DEV_CHANGE_NTF: A device was added, changed state or was removed.
 * @DST_CMD_EXPORT_CHANGE_NTF: An export was added or removed, or a client came,
 *	left or was fenced.
 * @DST_CMD_DEV_SET: Change a device's timeouts and reconnect policy, or (dstd)
 *	report that it is reconnecting (state) or why a reconnect failed
 *	(last-error).
 * @DST_CMD_EXPORT_SET: Replace the identities and the address prefixes an
 *	export admits. Connections they no longer admit are dropped.
 * @DST_CMD_EXPORT_RESIZE: Set an export's size: the size given, or without one
 *	the backing store's size now, rounded down to the logical block size.
 *	Connected clients that took the resize feature are told; shrinking is
 *	refused while a client is connected.
 */
enum {
	DST_CMD_DEV_ADD = 1,
	DST_CMD_DEV_DEL,
	DST_CMD_DEV_GET,
	DST_CMD_DEV_CONNECT,
	DST_CMD_EXPORT_ADD,
	DST_CMD_EXPORT_DEL,
	DST_CMD_EXPORT_GET,
	DST_CMD_EXPORT_CONNECT,
	DST_CMD_DEV_CHANGE_NTF,
	DST_CMD_EXPORT_CHANGE_NTF,
	DST_CMD_DEV_SET,
	DST_CMD_EXPORT_SET,
	DST_CMD_EXPORT_RESIZE,

	/* private: */
	__DST_CMD_MAX,
	DST_CMD_MAX = (__DST_CMD_MAX - 1)
};

#define DST_MCGRP_EVENTS "events"

#endif /* _UAPI_LINUX_DST_H */
