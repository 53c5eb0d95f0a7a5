// SPDX-License-Identifier: GPL-2.0-only
/*
 * Socket I/O for the data path, ready for kernel TLS: receives carry a
 * control buffer for the TLS record type, and pages are spliced into a socket
 * only when no upper layer protocol (kernel TLS) sits on it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/kthread.h>
#include <linux/sched/mm.h>
#include <linux/tcp.h>
#include <net/inet_connection_sock.h>
#include <net/ipv6.h>
#include <net/tcp.h>
#include <net/tls.h>
#include "compat.h"
#include "sock.h"
#include "tls.h"

#define DST_KEEPIDLE_SECS	10
#define DST_KEEPINTVL_SECS	5
#define DST_KEEPCNT		3
#define DST_USER_TIMEOUT_MS	(30 * MSEC_PER_SEC)

/* TLS content types alert and application_data (RFC 8446, 5.1). */
#define DST_TLS_RECORD_TYPE_ALERT	21
#define DST_TLS_RECORD_TYPE_DATA	23

/*
 * sk_set_memalloc() turns the memalloc_socks_key static branch on with the
 * first such socket and off with the last: text patching with IPIs to every
 * CPU, on each connect and disconnect. Holding a reference while the module
 * is loaded keeps the branch on and connections cheap. (Under QEMU's software
 * emulation, patching while other CPUs allocate skbs also trips int3 oopses.)
 */
void dst_sock_module_init(void)
{
	static_branch_inc(&memalloc_socks_key);
}

void dst_sock_module_exit(void)
{
	static_branch_dec(&memalloc_socks_key);
}

/*
 * sk_user_data of the sockets we own: a marker, never dereferenced. Its
 * address must leave clear the low bits that the users of sk_user_data take
 * for flags (SK_USER_DATA_NOCOPY, _BPF, _PSOCK): kernel TLS and sockmap must
 * never take our marker for a psock.
 */
static u64 dst_sock_owner __aligned(~SK_USER_DATA_PTRMASK + 1);

struct socket *dst_sock_get(int fd, struct net *net, struct netlink_ext_ack *extack)
{
	struct socket *sock;
	int err;

	sock = sockfd_lookup(fd, &err);
	if (!sock) {
		NL_SET_ERR_MSG_MOD(extack, "socket fd is not a socket");
		return ERR_PTR(err);
	}
	if (sock->type != SOCK_STREAM || sock->sk->sk_protocol != IPPROTO_TCP ||
	    (sock->sk->sk_family != AF_INET && sock->sk->sk_family != AF_INET6)) {
		NL_SET_ERR_MSG_MOD(extack, "socket fd is not a TCP socket");
		err = -EINVAL;
		goto put;
	}
	/* Devices and exports live in the namespace that made them. */
	if (!net_eq(sock_net(sock->sk), net)) {
		NL_SET_ERR_MSG_MOD(extack, "socket belongs to another network namespace");
		err = -EINVAL;
		goto put;
	}
	if (sock->sk->sk_state != TCP_ESTABLISHED) {
		NL_SET_ERR_MSG_MOD(extack, "socket is not connected");
		err = -ENOTCONN;
		goto put;
	}
	/* One owner per socket: two RX threads on one stream would corrupt it. */
	write_lock_bh(&sock->sk->sk_callback_lock);
	if (sock->sk->sk_user_data) {
		write_unlock_bh(&sock->sk->sk_callback_lock);
		NL_SET_ERR_MSG_MOD(extack, "socket is already in use");
		err = -EBUSY;
		goto put;
	}
	rcu_assign_sk_user_data(sock->sk, &dst_sock_owner);
	write_unlock_bh(&sock->sk->sk_callback_lock);
	return sock;
put:
	sockfd_put(sock);
	return ERR_PTR(err);
}

void dst_sock_unpin_net(struct socket *sock)
{
	lock_sock(sock->sk);
	if (sock->sk->sk_net_refcnt)
		dst_sk_net_unpin(sock->sk);
	release_sock(sock->sk);
}

/*
 * An unpinned socket (kernel sockets aside, only ours are) gets its counted
 * reference back before userspace may use it again. When its namespace is
 * exiting (the exit is what releases it), it is closed with a reset instead
 * of a graceful FIN: no timer may outlive the namespace.
 */
static void dst_sock_repin_net(struct socket *sock)
{
	struct sock *sk = sock->sk;
	bool pinned;

	lock_sock(sk);
	pinned = sk->sk_net_refcnt || sk->sk_kern_sock || dst_sk_net_repin(sk);
	release_sock(sk);
	if (!pinned)
		sock_no_linger(sk);
}

void dst_sock_put(struct socket *sock)
{
	struct sock *sk = sock->sk;

	/* Userspace may still hold the fd: leave it an ordinary socket. */
	if (sock_flag(sk, SOCK_MEMALLOC))
		sk_clear_memalloc(sk);
	dst_sock_repin_net(sock);
	write_lock_bh(&sk->sk_callback_lock);
	if (sk->sk_user_data == &dst_sock_owner)
		rcu_assign_sk_user_data(sk, NULL);
	write_unlock_bh(&sk->sk_callback_lock);
	sockfd_put(sock);
}

void dst_sock_prepare(struct socket *sock, bool memalloc)
{
	struct sock *sk = sock->sk;

	tcp_sock_set_nodelay(sk);
	/*
	 * A peer that vanishes without a FIN or RST (host down, link cut) is
	 * noticed by keepalive on an idle link and by the user timeout when
	 * sent data goes unacknowledged.
	 */
	sock_set_keepalive(sk);
	tcp_sock_set_keepidle(sk, DST_KEEPIDLE_SECS);
	tcp_sock_set_keepintvl(sk, DST_KEEPINTVL_SECS);
	tcp_sock_set_keepcnt(sk, DST_KEEPCNT);
	tcp_sock_set_user_timeout(sk, DST_USER_TIMEOUT_MS);
	lock_sock(sk);
	dst_sk_no_task_frag(sk);
	/* Timeouts userspace set for its handshake do not apply to us. */
	sk->sk_rcvtimeo = MAX_SCHEDULE_TIMEOUT;
	sk->sk_sndtimeo = MAX_SCHEDULE_TIMEOUT;
	if (memalloc)
		sk->sk_allocation = GFP_NOIO | __GFP_MEMALLOC;
	release_sock(sk);
	if (memalloc)
		sk_set_memalloc(sk);
}

/*
 * Move all of @iter with @step (one sendmsg or recvmsg), in a noreclaim scope.
 * A short transfer is continued; an interrupted one too, unless our kthread
 * is being stopped (a signal to it is a stop request). With MSG_DONTWAIT a
 * full socket ends it with -EAGAIN (@iter says how far it got). @eof is the
 * error for a transfer of 0 bytes: the peer is gone.
 */
static int dst_sock_xfer(struct socket *sock, struct iov_iter *iter, int flags,
			 int (*step)(struct socket *sock, struct msghdr *msg, u16 *control),
			 u16 *control, int eof)
{
	unsigned int noreclaim = memalloc_noreclaim_save();
	struct msghdr msg = { .msg_flags = flags, .msg_iter = *iter };
	int ret = 0;

	while (msg_data_left(&msg)) {
		ret = step(sock, &msg, control);
		if (ret == -EINTR || ret == -EAGAIN || ret == -ERESTARTSYS) {
			if (flags & MSG_DONTWAIT) {
				ret = -EAGAIN;
				break;
			}
			if (kthread_should_stop())
				break;
			continue;
		}
		if (ret < 0)
			break;
		if (ret == 0) {
			ret = eof;
			break;
		}
		ret = 0;
	}
	memalloc_noreclaim_restore(noreclaim);
	*iter = msg.msg_iter;
	return ret;
}

static int dst_sock_send_once(struct socket *sock, struct msghdr *msg, u16 *control)
{
	return sock_sendmsg(sock, msg);
}

static int dst_sock_splice_step(struct socket *sock, struct msghdr *msg, u16 *control)
{
	return dst_sock_splice_once(sock, msg);
}

int dst_sock_send(struct socket *sock, struct iov_iter *iter, int flags)
{
	return dst_sock_xfer(sock, iter, MSG_NOSIGNAL | flags, dst_sock_send_once, NULL, -EPIPE);
}

bool dst_sock_may_splice(struct socket *sock)
{
	return !inet_csk(sock->sk)->icsk_ulp_ops;
}

/* Slab pages and pages without a reference cannot be held by an skb. */
static bool dst_sock_pages_ok(const struct iov_iter *iter)
{
	const struct bio_vec *bv = iter->bvec;
	size_t skip = iter->iov_offset, left = iov_iter_count(iter);
	size_t first, last;

	for (; left; bv++, skip = 0) {
		size_t len = min(left, bv->bv_len - skip);

		last = (bv->bv_offset + skip + len - 1) >> PAGE_SHIFT;
		for (first = (bv->bv_offset + skip) >> PAGE_SHIFT; first <= last; first++)
			if (!sendpage_ok(nth_page(bv->bv_page, first)))
				return false;
		left -= len;
	}
	return true;
}

int dst_sock_send_pages(struct socket *sock, struct iov_iter *iter, int flags)
{
	if (!dst_sock_pages_ok(iter))
		return dst_sock_send(sock, iter, flags);
	return dst_sock_xfer(sock, iter, MSG_NOSIGNAL | flags, dst_sock_splice_step, NULL, -EPIPE);
}

int dst_sock_send_buf(struct socket *sock, const void *buf, size_t len, int flags)
{
	struct kvec kv = { .iov_base = (void *)buf, .iov_len = len };
	struct iov_iter iter;

	iov_iter_kvec(&iter, ITER_SOURCE, &kv, 1, len);
	return dst_sock_send(sock, &iter, flags);
}

/*
 * The first bytes of what a receive wrote at @at: a kvec or bvec iterator as
 * it was before the receive. For the content of a TLS control record.
 */
static void dst_sock_peek(const struct iov_iter *at, void *out, size_t len)
{
	struct iov_iter src;

	if (iov_iter_is_kvec(at))
		iov_iter_kvec(&src, ITER_SOURCE, at->kvec, at->nr_segs, at->iov_offset + len);
	else if (iov_iter_is_bvec(at))
		iov_iter_bvec(&src, ITER_SOURCE, at->bvec, at->nr_segs, at->iov_offset + len);
	else
		return;
	iov_iter_advance(&src, at->iov_offset);
	if (copy_from_iter(out, len, &src) != len)
		memset(out, 0, len);
}

/*
 * One recvmsg() with room for a TLS record-type cmsg. With kernel TLS a
 * control record (alert, handshake message) arrives alone, its content in
 * the caller's buffer and its type in the cmsg: report it in *@control and
 * refuse it with -ENOMSG.
 */
static int dst_sock_recv_once(struct socket *sock, struct msghdr *msg, u16 *control)
{
	union {
		struct cmsghdr cmsg;
		u8 buf[CMSG_SPACE(sizeof(u8))];
	} ctl;
	struct iov_iter at = msg->msg_iter;
	struct cmsghdr *cmsg;
	u8 type, content[2] = {};
	int ret;

	msg->msg_control = &ctl;
	msg->msg_controllen = sizeof(ctl);
	msg->msg_control_is_user = false;
	ret = sock_recvmsg(sock, msg, MSG_NOSIGNAL | MSG_WAITALL);
	if (ret <= 0 || msg->msg_controllen == sizeof(ctl))
		return ret;
	cmsg = &ctl.cmsg;
	if (cmsg->cmsg_level != SOL_TLS || cmsg->cmsg_type != TLS_GET_RECORD_TYPE)
		return ret;
	type = *(u8 *)CMSG_DATA(cmsg);
	if (type == DST_TLS_RECORD_TYPE_DATA)
		return ret;
	dst_sock_peek(&at, content, min_t(size_t, ret, sizeof(content)));
	/* An alert is level and description; a handshake message starts with its type. */
	*control = DST_TLS_CONTROL(type, ret >= 2 && type == DST_TLS_RECORD_TYPE_ALERT ?
				   content[1] : content[0]);
	return -ENOMSG;
}

int dst_sock_recv(struct socket *sock, struct iov_iter *iter, u16 *control)
{
	return dst_sock_xfer(sock, iter, 0, dst_sock_recv_once, control, -ECONNRESET);
}

int dst_sock_recv_buf(struct socket *sock, void *buf, size_t len, u16 *control)
{
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	struct iov_iter iter;

	iov_iter_kvec(&iter, ITER_DEST, &kv, 1, len);
	return dst_sock_recv(sock, &iter, control);
}

void dst_thread_wait_stop(void)
{
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
}

void dst_sock_thread_prio(struct task_struct *task)
{
	set_user_nice(task, MIN_NICE);
}

void dst_sock_shutdown(struct socket *sock)
{
	kernel_sock_shutdown(sock, SHUT_RDWR);
}

void dst_sock_abort(struct socket *sock)
{
	tcp_abort(sock->sk, ECONNABORTED);
}

/*
 * An IPv4 client of an IPv6 socket (one not v6-only) has an IPv4-mapped
 * address, ::ffff:a.b.c.d: it is reported as the IPv4 address, so that an
 * IPv4 allow-from prefix admits it, the per-peer limit counts it with its
 * IPv4 connections, and it reads as it would on an IPv4 socket.
 */
int dst_sock_peer_addr(struct socket *sock, struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	int len;

	memset(ss, 0, sizeof(*ss));
	len = kernel_getpeername(sock, (struct sockaddr *)ss);
	if (len < 0)
		return len;
	if (ss->ss_family == AF_INET6 && ipv6_addr_v4mapped(&a6->sin6_addr)) {
		a4.sin_port = a6->sin6_port;
		a4.sin_addr.s_addr = a6->sin6_addr.s6_addr32[3];
		memset(ss, 0, sizeof(*ss));
		memcpy(ss, &a4, sizeof(a4));
	}
	return 0;
}

bool dst_sock_same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)a;
	const struct sockaddr_in6 *b6 = (const struct sockaddr_in6 *)b;
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)a;
	const struct sockaddr_in *b4 = (const struct sockaddr_in *)b;

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET6)
		return ipv6_addr_equal(&a6->sin6_addr, &b6->sin6_addr);
	return a4->sin_addr.s_addr == b4->sin_addr.s_addr;
}

void dst_sock_peer(struct socket *sock, char *buf, size_t len)
{
	struct sockaddr_storage ss;

	if (dst_sock_peer_addr(sock, &ss)) {
		strscpy(buf, "?", len);
		return;
	}
	if (ss.ss_family == AF_INET6)
		snprintf(buf, len, "[%pI6c]:%u", &((struct sockaddr_in6 *)&ss)->sin6_addr,
			 ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	else
		snprintf(buf, len, "%pI4:%u", &((struct sockaddr_in *)&ss)->sin_addr,
			 ntohs(((struct sockaddr_in *)&ss)->sin_port));
}
