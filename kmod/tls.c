// SPDX-License-Identifier: GPL-2.0-only
/*
 * Kernel TLS on the sockets userspace hands in: see tls.h.
 *
 * Only struct tls_context is read (through tls_get_ctx(), an inline of
 * <net/tls.h>), so the module does not depend on tls.ko: a socket carries
 * TLS only if userspace loaded it and set it up.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/tls.h>
#include <net/inet_connection_sock.h>
#include <net/netlink.h>
#include <net/tcp.h>
#include <net/tls.h>
#include "compat.h"
#include "debug.h"
#include "gen/dst.h"
#include "tls.h"

/* TLS content and handshake message types (RFC 8446, 5.1 and 4). */
#define DST_TLS_ALERT			21
#define DST_TLS_HANDSHAKE		22
#define DST_TLS_NEW_SESSION_TICKET	4
#define DST_TLS_KEY_UPDATE		24

static int dst_tls_cipher(u16 cipher_type)
{
	switch (cipher_type) {
	case TLS_CIPHER_AES_GCM_128:
		return DST_TLS_CIPHER_AES_128_GCM;
	case TLS_CIPHER_CHACHA20_POLY1305:
		return DST_TLS_CIPHER_CHACHA20_POLY1305;
	default:
		return -1;
	}
}

/* Under the socket lock: what is set up on @sk, and whether we take it. */
static int dst_tls_check_locked(struct sock *sk, struct dst_tls_info *info,
				struct netlink_ext_ack *extack)
{
	const struct tcp_ulp_ops *ulp = inet_csk(sk)->icsk_ulp_ops;
	const struct tls_context *ctx;
	int cipher;

	if (!ulp)
		return 0;
	if (strcmp(ulp->name, "tls")) {
		NL_SET_ERR_MSG_MOD(extack, "socket carries an upper layer protocol other than TLS");
		return -EPROTONOSUPPORT;
	}
	ctx = tls_get_ctx(sk);
	if (!ctx || ctx->tx_conf == TLS_BASE || ctx->rx_conf == TLS_BASE) {
		NL_SET_ERR_MSG_MOD(extack, "kernel TLS is not set up in both directions");
		return -EPROTONOSUPPORT;
	}
	if (ctx->prot_info.version != TLS_1_3_VERSION) {
		NL_SET_ERR_MSG_MOD(extack, "kernel TLS carries a version other than TLS 1.3");
		return -EPROTONOSUPPORT;
	}
	cipher = dst_tls_cipher(ctx->prot_info.cipher_type);
	if (cipher < 0) {
		NL_SET_ERR_MSG_MOD(extack, "kernel TLS cipher is neither AES-128-GCM nor ChaCha20-Poly1305");
		return -EPROTONOSUPPORT;
	}
	info->version = TLS_1_3_VERSION;
	info->cipher = cipher;
	return 0;
}

int dst_tls_check(struct socket *sock, struct dst_tls_info *info,
		  struct netlink_ext_ack *extack)
{
	int err;

	info->version = 0;
	info->cipher = DST_TLS_CIPHER_NONE;
	lock_sock(sock->sk);
	err = dst_tls_check_locked(sock->sk, info, extack);
	release_sock(sock->sk);
	return err;
}

/*
 * The record sequence numbers kernel TLS keeps per direction are the counts
 * of records under the current keys. Read without the socket lock: the
 * other direction's count may move meanwhile, and a count is only compared
 * against limits far apart.
 */
u64 dst_tls_records(struct socket *sock)
{
	const struct tls_context *ctx;

	if (!inet_csk(sock->sk)->icsk_ulp_ops)
		return 0;
	ctx = tls_get_ctx(sock->sk);
	return max(get_unaligned_be64(ctx->tx.rec_seq), get_unaligned_be64(ctx->rx.rec_seq));
}

const char *dst_tls_name(const struct dst_tls_info *info)
{
	if (!info->version)
		return "plaintext";
	if (info->cipher == DST_TLS_CIPHER_CHACHA20_POLY1305)
		return "tls1.3-chacha20-poly1305";
	return "tls1.3-aes-128-gcm";
}

static const char *dst_tls_alert_why(u8 description)
{
	switch (description) {
	case 0:
		return "TLS alert from the peer: close_notify";
	case 10:
		return "TLS alert from the peer: unexpected_message";
	case 20:
		return "TLS alert from the peer: bad_record_mac";
	case 22:
		return "TLS alert from the peer: record_overflow";
	case 40:
		return "TLS alert from the peer: handshake_failure";
	case 47:
		return "TLS alert from the peer: illegal_parameter";
	case 50:
		return "TLS alert from the peer: decode_error";
	case 51:
		return "TLS alert from the peer: decrypt_error";
	case 80:
		return "TLS alert from the peer: internal_error";
	case 90:
		return "TLS alert from the peer: user_canceled";
	default:
		return "TLS alert from the peer";
	}
}

const char *dst_tls_control_why(u16 control)
{
	u8 type = control >> 8, byte = control & 0xff;

	if (type == DST_TLS_ALERT)
		return dst_tls_alert_why(byte);
	if (type != DST_TLS_HANDSHAKE)
		return "TLS record of an unexpected type from the peer";
	if (byte == DST_TLS_KEY_UPDATE)
		return "TLS KeyUpdate from the peer: rekeying takes a new connection";
	if (byte == DST_TLS_NEW_SESSION_TICKET)
		return "TLS NewSessionTicket from the peer";
	return "TLS handshake message from the peer";
}

#ifdef DST_DEBUG
/* One record of content @type holding @len bytes of @data. */
static int dst_tls_send_record(struct socket *sock, u8 type, const void *data, size_t len)
{
	u8 control[CMSG_SPACE(sizeof(type))] = {};
	struct kvec kv = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = {
		.msg_control = control,
		.msg_controllen = sizeof(control),
		.msg_flags = MSG_NOSIGNAL,
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	int ret;

	cmsg->cmsg_level = SOL_TLS;
	cmsg->cmsg_type = TLS_SET_RECORD_TYPE;
	cmsg->cmsg_len = CMSG_LEN(sizeof(type));
	*(u8 *)CMSG_DATA(cmsg) = type;
	ret = kernel_sendmsg(sock, &msg, &kv, 1, len);
	return ret < 0 ? ret : 0;
}

int dst_tls_debug_inject(struct socket *sock)
{
	/* A fatal internal_error alert; a KeyUpdate that asks for none back. */
	static const u8 alert[] = { 2, 80 };
	static const u8 key_update[] = { DST_TLS_KEY_UPDATE, 0, 0, 1, 0 };
	unsigned int what;

	if (!inet_csk(sock->sk)->icsk_ulp_ops)
		return 0;
	what = DST_DEBUG_TAKE(tls_inject);
	if (what == 1) {
		pr_info("debug: tls_inject: sending a fatal alert\n");
		return dst_tls_send_record(sock, DST_TLS_ALERT, alert, sizeof(alert));
	}
	if (what == 2) {
		pr_info("debug: tls_inject: sending a KeyUpdate\n");
		return dst_tls_send_record(sock, DST_TLS_HANDSHAKE, key_update, sizeof(key_update));
	}
	return 0;
}
#endif
