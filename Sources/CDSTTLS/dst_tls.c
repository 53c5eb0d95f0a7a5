// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * TLS 1.3 handshake with GnuTLS, then kernel TLS: see dst_tls.h.
 *
 * What the hand-off relies on, measured on Debian's GnuTLS 3.7.9 and on
 * Linux 6.1 and 6.12:
 * - gnutls_record_get_state() gives each direction's 12-byte static IV, the
 *   traffic key and the record sequence number, big-endian. Kernel TLS
 *   forms the TLS 1.3 nonce as (salt || iv) XOR the sequence number in the
 *   last 8 bytes: for AES-GCM the salt is the IV's first 4 bytes and iv the
 *   other 8; ChaCha20-Poly1305 has no salt and iv is all 12.
 * - GnuTLS reads a record as its 5-byte header, then exactly its body. The
 *   pull function below never reads further, so when the kernel takes the
 *   socket over no byte of the peer's is hidden in GnuTLS.
 * - GnuTLS sends no alert when its handshake fails; we do, or the peer
 *   would wait for its own timeout.
 * - gnutls_deinit() sends nothing: no close_notify reaches the peer, whose
 *   kernel would take it for the end of the connection.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/tls.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include "dst_tls.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

#define TLS_HEADER_LEN	5
#define PSK_KEY_MAX	64

/*
 * TLS 1.3 only, the two ciphers kernel TLS offers on Linux 6.1, forward
 * secrecy with a PSK (ECDHE-PSK, never plain PSK), no middlebox
 * compatibility records (a lone ChangeCipherSpec costs a delayed ACK).
 */
#define PRIORITY_BASE	"NONE:+VERS-TLS1.3:+AEAD:+GROUP-X25519:+GROUP-SECP256R1:" \
			"+GROUP-SECP384R1:+SIGN-ALL:+COMP-NULL:%DISABLE_TLS13_COMPAT_MODE"

struct dst_tls_session {
	gnutls_session_t gs;
	int fd;
	int server;
	gnutls_psk_client_credentials_t psk_client;
	gnutls_psk_server_credentials_t psk_server;
	gnutls_certificate_credentials_t x509;
	gnutls_typed_vdata_st verify[2];	/* must outlive the handshake */
	char server_name[256];
	dst_tls_psk_lookup_fn psk_lookup;
	void *psk_lookup_ctx;
	char psk_offered[128];
	int psk_unknown;
	int alert;				/* last alert received, -1: none */
	int sys_errno;
	uint8_t first[8];
	unsigned int first_len;
	/* Where the pull function is in the record GnuTLS reads. */
	uint8_t header[TLS_HEADER_LEN];
	unsigned int header_got;
	unsigned int body_left;
};

static void set_errno(struct dst_tls_session *s, int err)
{
	s->sys_errno = err;
	gnutls_transport_set_errno(s->gs, err);
}

/* Reads at most the rest of the current record's header, or of its body. */
static ssize_t pull(gnutls_transport_ptr_t ptr, void *buf, size_t len)
{
	struct dst_tls_session *s = ptr;
	size_t allowed = s->body_left ? s->body_left : TLS_HEADER_LEN - s->header_got;
	ssize_t n;

	if (len > allowed)
		len = allowed;
	do
		n = recv(s->fd, buf, len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		set_errno(s, errno);
		return -1;
	}
	if (s->first_len < sizeof(s->first)) {
		size_t keep = sizeof(s->first) - s->first_len;

		memcpy(s->first + s->first_len, buf, (size_t)n < keep ? (size_t)n : keep);
		s->first_len += (size_t)n < keep ? (size_t)n : keep;
	}
	if (s->body_left) {
		s->body_left -= n;
		return n;
	}
	memcpy(s->header + s->header_got, buf, n);
	s->header_got += n;
	if (s->header_got == TLS_HEADER_LEN) {
		s->body_left = (unsigned int)s->header[3] << 8 | s->header[4];
		s->header_got = 0;
	}
	return n;
}

static int pull_timeout(gnutls_transport_ptr_t ptr, unsigned int ms)
{
	struct dst_tls_session *s = ptr;
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	int timeout = ms == GNUTLS_INDEFINITE_TIMEOUT || ms > INT32_MAX ? -1 : (int)ms;
	int n;

	do
		n = poll(&pfd, 1, timeout);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		set_errno(s, errno);
	return n;
}

/* A flight in one sendmsg(): a send per record would meet Nagle. */
static ssize_t push(gnutls_transport_ptr_t ptr, const giovec_t *iov, int count)
{
	struct dst_tls_session *s = ptr;
	struct msghdr msg = { .msg_iov = (struct iovec *)iov, .msg_iovlen = count };
	ssize_t n;

	do
		n = sendmsg(s->fd, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		set_errno(s, errno);
	return n;
}

static unsigned int millis_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

static void set_socket_timeouts(int fd, unsigned int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = ms % 1000 * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void copy_string(char *dst, size_t cap, const char *src, size_t len)
{
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, src, len);
	dst[len] = 0;
}

static void session_destroy(struct dst_tls_session *s)
{
	if (s->gs)
		gnutls_deinit(s->gs);
	if (s->psk_client)
		gnutls_psk_free_client_credentials(s->psk_client);
	if (s->psk_server)
		gnutls_psk_free_server_credentials(s->psk_server);
	if (s->x509)
		gnutls_certificate_free_credentials(s->x509);
	explicit_bzero(s, sizeof(*s));
	free(s);
}

/* GnuTLS asks for the key of the identity a client offers. */
static int psk_server_key(gnutls_session_t gs, const gnutls_datum_t *identity,
			  gnutls_datum_t *key)
{
	struct dst_tls_session *s = gnutls_session_get_ptr(gs);
	uint8_t buf[PSK_KEY_MAX];
	size_t len = 0;

	copy_string(s->psk_offered, sizeof(s->psk_offered), (const char *)identity->data,
		    identity->size);
	s->psk_unknown = 1;
	if (strlen(s->psk_offered) != identity->size ||
	    s->psk_lookup(s->psk_lookup_ctx, s->psk_offered, buf, sizeof(buf), &len) ||
	    !len || len > sizeof(buf))
		goto refuse;
	key->data = gnutls_malloc(len);
	if (!key->data)
		goto refuse;
	memcpy(key->data, buf, len);
	key->size = len;
	explicit_bzero(buf, sizeof(buf));
	s->psk_unknown = 0;
	return 0;
refuse:
	explicit_bzero(buf, sizeof(buf));
	return -1;
}

static const char *priority(const struct dst_tls_config *cfg)
{
	static const char *const strings[2][3] = {
		{
			PRIORITY_BASE ":+ECDHE-PSK:+AES-128-GCM:+CHACHA20-POLY1305",
			PRIORITY_BASE ":+ECDHE-PSK:+AES-128-GCM",
			PRIORITY_BASE ":+ECDHE-PSK:+CHACHA20-POLY1305",
		}, {
			PRIORITY_BASE ":+CTYPE-X509:+AES-128-GCM:+CHACHA20-POLY1305",
			PRIORITY_BASE ":+CTYPE-X509:+AES-128-GCM",
			PRIORITY_BASE ":+CTYPE-X509:+CHACHA20-POLY1305",
		},
	};

	if (cfg->ciphers < DST_TLS_CIPHERS_ANY || cfg->ciphers > DST_TLS_CIPHERS_CHACHA20_POLY1305)
		return NULL;
	return strings[cfg->auth == DST_TLS_AUTH_X509][cfg->ciphers];
}

static int setup_psk(struct dst_tls_session *s, const struct dst_tls_config *cfg)
{
	gnutls_datum_t key = { (unsigned char *)cfg->psk_key, cfg->psk_key_len };
	int ret;

	if (s->server) {
		if (!cfg->psk_lookup)
			return GNUTLS_E_INVALID_REQUEST;
		ret = gnutls_psk_allocate_server_credentials(&s->psk_server);
		if (ret < 0)
			return ret;
		s->psk_lookup = cfg->psk_lookup;
		s->psk_lookup_ctx = cfg->psk_lookup_ctx;
		gnutls_psk_set_server_credentials_function2(s->psk_server, psk_server_key);
		return gnutls_credentials_set(s->gs, GNUTLS_CRD_PSK, s->psk_server);
	}
	if (!cfg->psk_identity || !cfg->psk_key || !cfg->psk_key_len ||
	    cfg->psk_key_len > PSK_KEY_MAX)
		return GNUTLS_E_INVALID_REQUEST;
	ret = gnutls_psk_allocate_client_credentials(&s->psk_client);
	if (ret < 0)
		return ret;
	ret = gnutls_psk_set_client_credentials(s->psk_client, cfg->psk_identity, &key,
						GNUTLS_PSK_KEY_RAW);
	if (ret < 0)
		return ret;
	return gnutls_credentials_set(s->gs, GNUTLS_CRD_PSK, s->psk_client);
}

/*
 * Whether @name is an IPv4 or IPv6 address literal: RFC 6066 keeps those out
 * of SNI (GnuTLS servers refuse a name with ':' in it), and GnuTLS checks
 * them against the certificate's IP addresses rather than its DNS names.
 */
static int is_address_literal(const char *name)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, name, buf) == 1 || inet_pton(AF_INET6, name, buf) == 1;
}

/*
 * Certificates checked inside the handshake: the chain to the CA, validity,
 * the key purpose and, by a client, the server's name (a DNS name, or an
 * address the certificate must list). A server sends no
 * list of the CAs it trusts, so that a client whose certificate comes from
 * another CA sends it and hears that it is not trusted.
 */
static int setup_x509(struct dst_tls_session *s, const struct dst_tls_config *cfg)
{
	unsigned int n = 0;
	size_t name_len;
	int ret;

	if (!cfg->ca_file || !cfg->cert_file || !cfg->key_file ||
	    (!s->server && !cfg->server_name))
		return GNUTLS_E_INVALID_REQUEST;
	ret = gnutls_certificate_allocate_credentials(&s->x509);
	if (ret < 0)
		return ret;
	ret = gnutls_certificate_set_x509_trust_file(s->x509, cfg->ca_file, GNUTLS_X509_FMT_PEM);
	if (ret <= 0)
		return ret < 0 ? ret : GNUTLS_E_NO_CERTIFICATE_FOUND;
	ret = gnutls_certificate_set_x509_key_file(s->x509, cfg->cert_file, cfg->key_file,
						   GNUTLS_X509_FMT_PEM);
	if (ret < 0)
		return ret;
	ret = gnutls_credentials_set(s->gs, GNUTLS_CRD_CERTIFICATE, s->x509);
	if (ret < 0)
		return ret;
	if (s->server) {
		gnutls_certificate_server_set_request(s->gs, GNUTLS_CERT_REQUIRE);
		gnutls_certificate_send_x509_rdn_sequence(s->gs, 1);
		s->verify[n].type = GNUTLS_DT_KEY_PURPOSE_OID;
		s->verify[n++].data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT;
	} else {
		name_len = strlen(cfg->server_name);
		/* An IPv6 address's zone ("fe80::1%eth0") is not part of it. */
		if (strchr(cfg->server_name, ':'))
			name_len = strcspn(cfg->server_name, "%");
		copy_string(s->server_name, sizeof(s->server_name), cfg->server_name, name_len);
		if (!is_address_literal(s->server_name)) {
			ret = gnutls_server_name_set(s->gs, GNUTLS_NAME_DNS, s->server_name,
						     strlen(s->server_name));
			if (ret < 0)
				return ret;
		}
		s->verify[n].type = GNUTLS_DT_DNS_HOSTNAME;
		s->verify[n++].data = (unsigned char *)s->server_name;
		s->verify[n].type = GNUTLS_DT_KEY_PURPOSE_OID;
		s->verify[n++].data = (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER;
	}
	gnutls_session_set_verify_cert2(s->gs, s->verify, n, 0);
	return 0;
}

static int cipher_of(gnutls_session_t gs)
{
	switch (gnutls_cipher_get(gs)) {
	case GNUTLS_CIPHER_AES_128_GCM:
		return DST_TLS_CIPHERS_AES_128_GCM;
	case GNUTLS_CIPHER_CHACHA20_POLY1305:
		return DST_TLS_CIPHERS_CHACHA20_POLY1305;
	default:
		return DST_TLS_CIPHERS_ANY;
	}
}

/* The peer certificate's subject, and its CN as the identity. */
static void peer_subject(struct dst_tls_session *s, struct dst_tls_result *r)
{
	const gnutls_datum_t *certs;
	gnutls_x509_crt_t crt;
	gnutls_datum_t dn;
	unsigned int n = 0;
	size_t size = sizeof(r->identity);

	certs = gnutls_certificate_get_peers(s->gs, &n);
	if (!certs || !n || gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) == 0) {
		if (gnutls_x509_crt_get_dn3(crt, &dn, 0) == 0) {
			copy_string(r->peer_dn, sizeof(r->peer_dn), (const char *)dn.data, dn.size);
			gnutls_free(dn.data);
		}
		if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0,
						  r->identity, &size) < 0)
			r->identity[0] = 0;
	}
	gnutls_x509_crt_deinit(crt);
}

static void fill_result(struct dst_tls_session *s, struct dst_tls_result *r)
{
	r->sys_errno = s->sys_errno;
	r->cipher = cipher_of(s->gs);
	memcpy(r->peer_first, s->first, s->first_len);
	r->peer_first_len = s->first_len;
	if (s->psk_server) {
		copy_string(r->identity, sizeof(r->identity), s->psk_offered,
			    strlen(s->psk_offered));
		r->identity_unknown = s->psk_unknown;
	}
	if (s->x509 && gnutls_certificate_type_get2(s->gs, GNUTLS_CTYPE_PEERS) == GNUTLS_CRT_X509)
		peer_subject(s, r);
}

/*
 * Tell the peer why the handshake failed, unless it told us, is gone, or
 * nothing was exchanged yet. An unknown PSK identity gets its own alert
 * (GnuTLS would say internal_error).
 */
static void send_failure_alert(struct dst_tls_session *s, int err, struct dst_tls_result *r)
{
	int level, alert;

	switch (err) {
	case GNUTLS_E_FATAL_ALERT_RECEIVED:
	case GNUTLS_E_PULL_ERROR:
	case GNUTLS_E_PUSH_ERROR:
	case GNUTLS_E_TIMEDOUT:
	case GNUTLS_E_PREMATURE_TERMINATION:
	case GNUTLS_E_INVALID_REQUEST:
	case GNUTLS_E_MEMORY_ERROR:
		return;
	}
	if (s->psk_unknown) {
		if (gnutls_alert_send(s->gs, GNUTLS_AL_FATAL, GNUTLS_A_UNKNOWN_PSK_IDENTITY) == 0)
			r->alert_sent = GNUTLS_A_UNKNOWN_PSK_IDENTITY;
		return;
	}
	alert = gnutls_error_to_alert(err, &level);
	if (alert >= 0 && gnutls_alert_send_appropriate(s->gs, err) == 0)
		r->alert_sent = alert;
}

/*
 * After a failure alert, a lingering close: no more sending, and what the
 * peer still sends (its first records, if it thinks the handshake went
 * well) is read and dropped for a moment. Closed at once, the socket would
 * answer those with a reset, which can overtake the alert.
 */
static void linger_after_alert(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[512];
	int i;

	shutdown(fd, SHUT_WR);
	for (i = 0; i < 10 && poll(&pfd, 1, 50) > 0; i++)
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0)
			break;
}

static int setup(struct dst_tls_session *s, const struct dst_tls_config *cfg)
{
	const char *prio = priority(cfg);
	unsigned int io_ms = cfg->io_timeout_ms;
	int ret;

	if (!prio || !cfg->handshake_timeout_ms || !io_ms)
		return GNUTLS_E_INVALID_REQUEST;
	/* No tickets: no NewSessionTicket may follow the handshake. */
	ret = gnutls_init(&s->gs, (s->server ? GNUTLS_SERVER : GNUTLS_CLIENT) |
			  GNUTLS_NO_TICKETS | GNUTLS_NO_SIGNAL);
	if (ret < 0) {
		s->gs = NULL;
		return ret;
	}
	gnutls_session_set_ptr(s->gs, s);
	if (cfg->auth == DST_TLS_AUTH_PSK)
		ret = setup_psk(s, cfg);
	else if (cfg->auth == DST_TLS_AUTH_X509)
		ret = setup_x509(s, cfg);
	else
		ret = GNUTLS_E_INVALID_REQUEST;
	if (ret < 0)
		return ret;
	ret = gnutls_priority_set_direct(s->gs, prio, NULL);
	if (ret < 0)
		return ret;
	gnutls_transport_set_ptr(s->gs, s);
	gnutls_transport_set_pull_function(s->gs, pull);
	gnutls_transport_set_pull_timeout_function(s->gs, pull_timeout);
	gnutls_transport_set_vec_push_function(s->gs, push);
	set_socket_timeouts(s->fd, io_ms);
	gnutls_handshake_set_timeout(s->gs, cfg->handshake_timeout_ms);
	gnutls_record_set_timeout(s->gs, io_ms);
	return 0;
}

static int handshake(struct dst_tls_session *s, unsigned int timeout_ms)
{
	struct timespec start;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do
		ret = gnutls_handshake(s->gs);
	while ((ret == GNUTLS_E_INTERRUPTED || ret == GNUTLS_E_AGAIN) &&
	       millis_since(&start) < timeout_ms);
	if (ret == GNUTLS_E_INTERRUPTED || ret == GNUTLS_E_AGAIN)
		return GNUTLS_E_TIMEDOUT;
	if (ret < 0)
		return ret;
	/* What the priority string allows, checked again. */
	if (gnutls_protocol_get_version(s->gs) != GNUTLS_TLS1_3 || !cipher_of(s->gs))
		return GNUTLS_E_UNSUPPORTED_VERSION_PACKET;
	return 0;
}

static int start(int fd, const struct dst_tls_config *cfg, int server,
		 struct dst_tls_session **out, struct dst_tls_result *r)
{
	struct dst_tls_session *s;
	int ret;

	memset(r, 0, sizeof(*r));
	r->alert_received = -1;
	r->alert_sent = -1;
	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return GNUTLS_E_MEMORY_ERROR;
	s->fd = fd;
	s->server = server;
	s->alert = -1;
	ret = setup(s, cfg);
	if (!ret)
		ret = handshake(s, cfg->handshake_timeout_ms);
	if (s->gs)
		fill_result(s, r);
	if (!ret) {
		*out = s;
		return 0;
	}
	if (s->gs) {
		if (ret == GNUTLS_E_FATAL_ALERT_RECEIVED)
			r->alert_received = gnutls_alert_get(s->gs);
		if (ret == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR)
			r->verify_status = gnutls_session_get_verify_cert_status(s->gs);
		send_failure_alert(s, ret, r);
		if (r->alert_sent >= 0)
			linger_after_alert(fd);
	}
	session_destroy(s);
	return ret;
}

int dst_tls_global_init(void)
{
	return gnutls_global_init();
}

int dst_tls_client(int fd, const struct dst_tls_config *cfg,
		   struct dst_tls_session **out, struct dst_tls_result *result)
{
	return start(fd, cfg, 0, out, result);
}

int dst_tls_server(int fd, const struct dst_tls_config *cfg,
		   struct dst_tls_session **out, struct dst_tls_result *result)
{
	return start(fd, cfg, 1, out, result);
}

long dst_tls_send(struct dst_tls_session *s, const void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = gnutls_record_send(s->gs, (const char *)buf + done, len - done);
		if (n == GNUTLS_E_INTERRUPTED)
			continue;
		/* A blocking socket says EAGAIN when SO_SNDTIMEO expired. */
		if (n == GNUTLS_E_AGAIN)
			return GNUTLS_E_TIMEDOUT;
		if (n < 0)
			return n;
		done += n;
	}
	return done;
}

long dst_tls_recv(struct dst_tls_session *s, void *buf, size_t len)
{
	ssize_t n;

	do
		n = gnutls_record_recv(s->gs, buf, len);
	while (n == GNUTLS_E_INTERRUPTED);
	if (n == GNUTLS_E_AGAIN)
		return GNUTLS_E_TIMEDOUT;
	if (n == GNUTLS_E_FATAL_ALERT_RECEIVED || n == GNUTLS_E_WARNING_ALERT_RECEIVED)
		s->alert = gnutls_alert_get(s->gs);
	return n;
}

int dst_tls_last_alert(const struct dst_tls_session *s)
{
	return s->alert;
}

void dst_tls_free(struct dst_tls_session *s)
{
	session_destroy(s);
}

union crypto_info {
	struct tls_crypto_info info;
	struct tls12_crypto_info_aes_gcm_128 aes;
	struct tls12_crypto_info_chacha20_poly1305 chacha;
};

/* One direction's keys as kernel TLS takes them; their size, or -errno. */
static int crypto_info(gnutls_session_t gs, int read, union crypto_info *ci)
{
	gnutls_datum_t iv, key;
	unsigned char seq[8];
	int size;

	memset(ci, 0, sizeof(*ci));
	if (gnutls_record_get_state(gs, read, NULL, &iv, &key, seq) < 0)
		return -EINVAL;
	ci->info.version = TLS_1_3_VERSION;
	switch (gnutls_cipher_get(gs)) {
	case GNUTLS_CIPHER_AES_128_GCM:
		if (key.size != sizeof(ci->aes.key) ||
		    iv.size != sizeof(ci->aes.salt) + sizeof(ci->aes.iv))
			return -EINVAL;
		ci->info.cipher_type = TLS_CIPHER_AES_GCM_128;
		memcpy(ci->aes.salt, iv.data, sizeof(ci->aes.salt));
		memcpy(ci->aes.iv, iv.data + sizeof(ci->aes.salt), sizeof(ci->aes.iv));
		memcpy(ci->aes.key, key.data, sizeof(ci->aes.key));
		memcpy(ci->aes.rec_seq, seq, sizeof(ci->aes.rec_seq));
		size = sizeof(ci->aes);
		break;
	case GNUTLS_CIPHER_CHACHA20_POLY1305:
		if (key.size != sizeof(ci->chacha.key) || iv.size != sizeof(ci->chacha.iv))
			return -EINVAL;
		ci->info.cipher_type = TLS_CIPHER_CHACHA20_POLY1305;
		memcpy(ci->chacha.iv, iv.data, sizeof(ci->chacha.iv));
		memcpy(ci->chacha.key, key.data, sizeof(ci->chacha.key));
		memcpy(ci->chacha.rec_seq, seq, sizeof(ci->chacha.rec_seq));
		size = sizeof(ci->chacha);
		break;
	default:
		size = -EOPNOTSUPP;
	}
	explicit_bzero(seq, sizeof(seq));
	return size;
}

static int install(struct dst_tls_session *s, union crypto_info *tx, union crypto_info *rx)
{
	int tx_size, rx_size;

	/* Neither plaintext nor the rest of a record may stay in GnuTLS. */
	if (gnutls_record_check_pending(s->gs) || s->header_got || s->body_left)
		return -EPROTO;
	tx_size = crypto_info(s->gs, 0, tx);
	if (tx_size < 0)
		return tx_size;
	rx_size = crypto_info(s->gs, 1, rx);
	if (rx_size < 0)
		return rx_size;
	/* Bytes already queued on the socket are decrypted once RX is set. */
	if (setsockopt(s->fd, SOL_TCP, TCP_ULP, "tls", sizeof("tls")) ||
	    setsockopt(s->fd, SOL_TLS, TLS_TX, tx, tx_size) ||
	    setsockopt(s->fd, SOL_TLS, TLS_RX, rx, rx_size))
		return -errno;
	return 0;
}

int dst_tls_to_kernel(struct dst_tls_session *s)
{
	union crypto_info tx, rx;
	int ret = install(s, &tx, &rx);

	explicit_bzero(&tx, sizeof(tx));
	explicit_bzero(&rx, sizeof(rx));
	/* gnutls_deinit() wipes GnuTLS's copies and, without gnutls_bye(), sends nothing. */
	session_destroy(s);
	return ret;
}

int dst_tls_certificate_cn(const char *path, char *buf, size_t size)
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t pem;
	int ret;

	ret = gnutls_load_file(path, &pem);
	if (ret < 0)
		return ret;
	ret = gnutls_x509_crt_init(&crt);
	if (ret == 0) {
		ret = gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM);
		if (ret == 0)
			ret = gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0,
							    buf, &size);
		gnutls_x509_crt_deinit(crt);
	}
	gnutls_free(pem.data);
	return ret;
}

const char *dst_tls_error_name(int err)
{
	const char *name = gnutls_strerror_name(err);

	return name ? name : "GNUTLS_E_UNKNOWN";
}

const char *dst_tls_error_text(int err)
{
	return gnutls_strerror(err);
}
