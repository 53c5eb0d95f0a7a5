/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * TLS 1.3 for DST connections: the handshake with GnuTLS in userspace, then
 * the record layer handed to kernel TLS.
 *
 * On a connected, blocking TCP socket, dst_tls_client() or dst_tls_server()
 * performs the handshake (ECDHE-PSK or mutual X.509; TLS 1.3 only;
 * AES-128-GCM or ChaCha20-Poly1305; no session tickets; a time limit). The
 * DST hello and reply then go through dst_tls_send() and dst_tls_recv().
 * dst_tls_to_kernel() checks that GnuTLS holds nothing back, installs the
 * traffic keys with TCP_ULP "tls", TLS_TX and TLS_RX, wipes every copy of
 * them and drops the session without a close_notify: from then on the kernel
 * sends and receives plaintext through the socket.
 *
 * Errors: the handshake, send and receive return a negative GnuTLS code
 * (GNUTLS_E_*), dst_tls_to_kernel() a negative errno; the two overlap as
 * numbers, so no function returns both. A session is used by one thread.
 */
#ifndef DST_TLS_H
#define DST_TLS_H

#include <stddef.h>
#include <stdint.h>

struct dst_tls_session;

enum dst_tls_auth {
	DST_TLS_AUTH_PSK = 1,	/* TLS 1.3 ECDHE-PSK with an external key */
	DST_TLS_AUTH_X509 = 2,	/* certificates, both sides */
};

enum dst_tls_ciphers {
	DST_TLS_CIPHERS_ANY = 0,	/* AES-128-GCM or ChaCha20-Poly1305 */
	DST_TLS_CIPHERS_AES_128_GCM = 1,
	DST_TLS_CIPHERS_CHACHA20_POLY1305 = 2,
};

/*
 * A server's PSK for @identity: copy it to @key (room for @cap bytes), set
 * *@len and return 0; -1 for an identity it does not admit.
 */
typedef int (*dst_tls_psk_lookup_fn)(void *ctx, const char *identity, uint8_t *key,
				     size_t cap, size_t *len);

struct dst_tls_config {
	int auth;				/* enum dst_tls_auth */
	int ciphers;				/* enum dst_tls_ciphers */
	unsigned int handshake_timeout_ms;	/* the whole handshake */
	unsigned int io_timeout_ms;		/* each read or write before the hand-off */

	/* PSK. A client offers @psk_identity with @psk_key; a server asks @psk_lookup. */
	const char *psk_identity;
	const uint8_t *psk_key;
	size_t psk_key_len;
	dst_tls_psk_lookup_fn psk_lookup;
	void *psk_lookup_ctx;

	/*
	 * X.509, PEM files: the CA that signs the peer's certificate, our own
	 * certificate chain and key. A client checks that the server's
	 * certificate names @server_name (DNS); a server requires a client
	 * certificate.
	 */
	const char *ca_file;
	const char *cert_file;
	const char *key_file;
	const char *server_name;
};

/* What a handshake found, filled on success and on failure. */
struct dst_tls_result {
	int alert_received;		/* TLS alert from the peer, -1: none */
	int alert_sent;			/* the alert we sent on failure, -1: none */
	unsigned int verify_status;	/* gnutls_certificate_status_t of the peer */
	int sys_errno;			/* the transport's last errno, 0: none */
	int identity_unknown;		/* server: the PSK lookup refused the identity */
	int cipher;			/* enum dst_tls_ciphers, 0 before the handshake ended */
	char identity[128];		/* server: the PSK identity offered, or the peer's CN */
	char peer_dn[256];		/* X.509: the peer's subject (RFC 4514) */
	uint8_t peer_first[8];		/* the peer's first bytes: who answered in plaintext */
	unsigned int peer_first_len;
};

int dst_tls_global_init(void);

/*
 * The handshake on @fd, which stays open whatever happens. On success
 * *@out is the session, for dst_tls_to_kernel() or dst_tls_free(); on
 * failure it is NULL, the peer was sent an alert where one fits (and @fd
 * shut down for writing, so that the alert reaches it), and @result says
 * why.
 */
int dst_tls_client(int fd, const struct dst_tls_config *cfg,
		   struct dst_tls_session **out, struct dst_tls_result *result);
int dst_tls_server(int fd, const struct dst_tls_config *cfg,
		   struct dst_tls_session **out, struct dst_tls_result *result);

/*
 * Application data through GnuTLS, before the hand-off. Send: all of @len,
 * or a GnuTLS error. Receive: up to @len bytes, 0 at the peer's close, or a
 * GnuTLS error; after GNUTLS_E_FATAL_ALERT_RECEIVED, dst_tls_last_alert()
 * says which alert (TLS 1.3 rejects a client certificate after the client's
 * handshake ended: the client hears of it here).
 */
long dst_tls_send(struct dst_tls_session *s, const void *buf, size_t len);
long dst_tls_recv(struct dst_tls_session *s, void *buf, size_t len);
int dst_tls_last_alert(const struct dst_tls_session *s);

/*
 * Hand the record layer to the kernel and destroy the session, on success
 * and on failure. -EPROTO when GnuTLS holds plaintext not yet read or read
 * into a record it did not finish; then -errno of the setsockopt that
 * failed, after which the socket is half set up and must be closed.
 */
int dst_tls_to_kernel(struct dst_tls_session *s);

/* Drop a session without a hand-off; nothing is sent. */
void dst_tls_free(struct dst_tls_session *s);

/*
 * The CN of the first certificate in PEM file @path, into @buf (room for
 * @size bytes). 0, or a GnuTLS error.
 */
int dst_tls_certificate_cn(const char *path, char *buf, size_t size);

/* The name of a GnuTLS error code, e.g. "GNUTLS_E_TIMEDOUT", and its text. */
const char *dst_tls_error_name(int err);
const char *dst_tls_error_text(int err);

#endif /* DST_TLS_H */
