/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Socket I/O shared by client connections and export connections.
 *
 * Sockets come from userspace, connected and handshaken, and may carry kernel
 * TLS later: receives always pass a control buffer so a non-data TLS record is
 * seen and refused, and pages are spliced only into a socket without TLS.
 * All I/O runs in a memalloc scope with MSG_NOSIGNAL; a short transfer is
 * retried until complete, so callers see all-or-error, except that a send
 * with MSG_DONTWAIT stops at a full socket.
 */
#ifndef DST_SOCK_H
#define DST_SOCK_H

#include <linux/net.h>
#include <linux/uio.h>
#include <net/sock.h>

struct netlink_ext_ack;

/* Module init and exit: see sock.c, dst_sock_module_init(). */
void dst_sock_module_init(void);
void dst_sock_module_exit(void);

/*
 * Look up @fd in the calling process: it must be a connected TCP socket of
 * network namespace @net (the caller's). Returns the socket with a file
 * reference held (release with dst_sock_put) or an ERR_PTR with an extack
 * message set.
 */
struct socket *dst_sock_get(int fd, struct net *net, struct netlink_ext_ack *extack);
/*
 * Stop @sock from keeping its network namespace alive, as a kernel socket
 * does not: whoever holds it must release it when the namespace exits.
 * dst_sock_put() undoes it.
 */
void dst_sock_unpin_net(struct socket *sock);
void dst_sock_put(struct socket *sock);

/*
 * Prepare an adopted socket for the data path: TCP_NODELAY, no task frags,
 * and for swap-safety (@memalloc, client side) GFP_NOIO | __GFP_MEMALLOC
 * allocations and sk_set_memalloc().
 */
void dst_sock_prepare(struct socket *sock, bool memalloc);

/*
 * Send all of @iter, advancing it. @flags: MSG_MORE (more follows at once),
 * MSG_DONTWAIT (-EAGAIN when the socket is full). 0 or -errno.
 */
int dst_sock_send(struct socket *sock, struct iov_iter *iter, int flags);
int dst_sock_send_buf(struct socket *sock, const void *buf, size_t len, int flags);
/*
 * The same for a bvec @iter, sent by reference (zero copy): the pages must
 * stay unchanged until the peer acknowledged them, as stable pages or the
 * bio's life guarantee. Copied instead if a page may not be referenced (slab).
 * Only on sockets dst_sock_may_splice() allows.
 */
int dst_sock_send_pages(struct socket *sock, struct iov_iter *iter, int flags);
/* No upper layer protocol (kernel TLS) that would refuse or copy spliced pages. */
bool dst_sock_may_splice(struct socket *sock);

/*
 * Receive exactly iov_iter_count(@iter) bytes. 0, -ECONNRESET when the peer
 * closed, -EBADMSG when kernel TLS found a record that fails authentication
 * (the socket is dead), -ENOMSG on a TLS record that is not application data
 * (*@control says which, as DST_TLS_CONTROL() does; dst_tls_control_why()
 * words it), or another -errno.
 */
int dst_sock_recv(struct socket *sock, struct iov_iter *iter, u16 *control);
int dst_sock_recv_buf(struct socket *sock, void *buf, size_t len, u16 *control);

/*
 * The threads that move a connection's frames run at the priority of the
 * kernel's own block-over-TCP workers (nvme-tcp's and nbd's are WQ_HIGHPRI):
 * a frame is handled when it arrives, not after the running task's slice.
 */
void dst_sock_thread_prio(struct task_struct *task);

/*
 * For a connection's thread after a failure: sleep until kthread_stop(). The
 * threads never exit on their own, so their reaper may always stop them.
 */
void dst_thread_wait_stop(void);

/* Wake both directions of a connection's threads: shutdown(SHUT_RDWR). */
void dst_sock_shutdown(struct socket *sock);
/*
 * Reset the connection and drop what it still holds to send or resend:
 * afterwards TCP sends nothing more from the pages dst_sock_send_pages()
 * gave it, so the I/O they belong to may complete (and its pages change)
 * before the peer acknowledged them. Process context; idempotent.
 */
void dst_sock_abort(struct socket *sock);

/* Format the peer address as "ADDR:PORT" / "[ADDR]:PORT" into @buf. */
void dst_sock_peer(struct socket *sock, char *buf, size_t len);
/*
 * The peer's address (0 or -errno; an IPv4-mapped one as IPv4), and whether
 * two are of one host (port aside).
 */
int dst_sock_peer_addr(struct socket *sock, struct sockaddr_storage *ss);
bool dst_sock_same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

#endif /* DST_SOCK_H */
