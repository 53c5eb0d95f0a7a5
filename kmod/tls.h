/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel TLS on the sockets userspace hands in, for both roles. Userspace
 * performs the TLS 1.3 handshake and installs the traffic keys (TCP_ULP
 * "tls", TLS_TX and TLS_RX) before it hands the socket over; the data path
 * then sends and receives plaintext through it. Here: checking that a
 * socket is either plain TCP or carries TLS 1.3 in both directions with a
 * cipher we allow, the record counts that decide a rekey, and the words for
 * a record that is not application data.
 *
 * Neither Linux 6.1 nor 6.12 can change the keys of a kTLS socket (a second
 * TLS_TX is refused), so a client rekeys by replacing the connection.
 */
#ifndef DST_TLS_H
#define DST_TLS_H

#include <linux/net.h>
#include <linux/types.h>

struct netlink_ext_ack;

/**
 * struct dst_tls_info - A socket's protection, as status shows it.
 * @version: TLS_1_3_VERSION, or 0 for plain TCP.
 * @cipher: DST_TLS_CIPHER_* of the spec.
 */
struct dst_tls_info {
	u16 version;
	u16 cipher;
};

/*
 * Records a connection may carry under one key before the client replaces
 * it (the default of a device's rekey-records), and the most it may carry
 * before either side drops it. RFC 8446, 5.5 allows 2^24.5 full-size records
 * under one AES-GCM key; both limits stay well below.
 */
#define DST_TLS_REKEY_RECORDS	(1ULL << 23)
#define DST_TLS_RECORDS_MAX	(1ULL << 24)

/*
 * What protects @sock: plain TCP (version 0), or TLS 1.3 set up in both
 * directions with AES-128-GCM or ChaCha20-Poly1305. Anything else (another
 * upper layer protocol, one direction only, another version or cipher) is
 * refused: -EPROTONOSUPPORT with an extack message.
 */
int dst_tls_check(struct socket *sock, struct dst_tls_info *info,
		  struct netlink_ext_ack *extack);

/*
 * Records sent and received under the current keys, the larger count; 0
 * on plain TCP. For the thread that sends or receives on @sock.
 */
u64 dst_tls_records(struct socket *sock);

/*
 * A record that is not application data, as dst_sock_recv() reports it:
 * its content type in the high byte, in the low byte an alert's description
 * or a handshake message's type.
 */
#define DST_TLS_CONTROL(type, byte)	((u16)(((type) << 8) | (byte)))

/* The reason a connection ended on such a record, for last-error and logs. */
const char *dst_tls_control_why(u16 control);

/* "tls1.3-aes-128-gcm", "tls1.3-chacha20-poly1305" or "plaintext". */
const char *dst_tls_name(const struct dst_tls_info *info);

#ifdef DST_DEBUG
/*
 * dbg_tls_inject: send a record that is not application data on @sock (a
 * fatal alert or a KeyUpdate, once), for the peer's handling of it to be
 * tested. 0 when there is nothing to send or it went out; the caller holds
 * the sending side of @sock.
 */
int dst_tls_debug_inject(struct socket *sock);
#else
static inline int dst_tls_debug_inject(struct socket *sock)
{
	return 0;
}
#endif

#endif /* DST_TLS_H */
