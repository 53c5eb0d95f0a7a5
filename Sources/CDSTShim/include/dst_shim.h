/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Small C helpers for DSTKit: what Swift cannot reach in libnl and the
 * netlink uapi (function-like macros, composite flag macros, variable
 * layout TLVs). Everything else is called from Swift directly.
 */
#ifndef DST_SHIM_H
#define DST_SHIM_H

#include <stdint.h>
#include <signal.h>
#include <sys/socket.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>

/*
 * Flag values built from other macros (NLM_F_DUMP is NLM_F_ROOT|NLM_F_MATCH),
 * which the Swift importer does not turn into constants.
 */
enum {
	DST_NLM_F_REQUEST = NLM_F_REQUEST,
	DST_NLM_F_ACK = NLM_F_ACK,
	DST_NLM_F_DUMP = NLM_F_DUMP,
	DST_NLMSG_NOOP = NLMSG_NOOP,
	DST_NLMSG_ERROR = NLMSG_ERROR,
	DST_NLMSG_DONE = NLMSG_DONE,
	DST_NLMSG_OVERRUN = NLMSG_OVERRUN,
};

/*
 * Ask the kernel for extended acks (the NL_SET_ERR_MSG text and the offset
 * of the bad attribute) and for capped acks (no copy of our request in the
 * error). libnl 3.7 has no setter and NETLINK_EXT_ACK / NETLINK_CAP_ACK come
 * from <linux/netlink.h>, which Swift's Glibc module does not export.
 * Returns 0 or -errno.
 */
int dst_nl_enable_ext_ack(struct nl_sock *sk);

/*
 * Status carried by an NLMSG_ERROR or NLMSG_DONE message: the (negative)
 * errno, the extack message and the offset of the bad attribute. The TLVs
 * sit behind the struct nlmsgerr, and behind the echoed request unless the
 * kernel capped it (NLM_F_CAPPED), so finding them takes the NLMSG_*
 * alignment macros. *msg points into nlh and is NULL when absent; *offs is
 * UINT32_MAX when absent. Returns 0, or -1 when the message is too short.
 */
int dst_nlmsg_status(const struct nlmsghdr *nlh, int *error,
		     const char **msg, uint32_t *offs);

/*
 * glibc declares these only under _GNU_SOURCE, which Swift's Glibc module
 * is not built with; this file is (see dst_shim.c).
 */

/* signalfd(2) for `mask` (already blocked by the caller), CLOEXEC and
 * non-blocking. Returns the fd or -errno. */
int dst_signalfd(const sigset_t *mask);

/* The signal number of the next pending signalfd_siginfo, 0 when none is
 * pending, or -errno. */
int dst_signalfd_read(int fd);

/* accept4(2) with SOCK_CLOEXEC: the accepted socket is blocking, and never
 * leaks into a process we start. Returns the fd, or -1 with errno set. */
int dst_accept_cloexec(int fd, struct sockaddr *addr, socklen_t *len);

/* POSIX_SPAWN_SETSID for posix_spawnattr_setflags(). */
extern const short dst_posix_spawn_setsid;

#endif /* DST_SHIM_H */
