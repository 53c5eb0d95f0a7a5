// SPDX-License-Identifier: GPL-2.0-only OR MIT
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/attr.h>

#include "dst_shim.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int dst_nl_enable_ext_ack(struct nl_sock *sk)
{
	int fd = nl_socket_get_fd(sk);
	int one = 1;

	if (fd < 0)
		return -EBADF;
	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) < 0)
		return -errno;
	/* Capped acks are an optimisation; older kernels may refuse them. */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return 0;
}

int dst_nlmsg_status(const struct nlmsghdr *nlh, int *error,
		     const char **msg, uint32_t *offs)
{
	const unsigned char *data = NLMSG_DATA(nlh);
	size_t datalen, payload;
	const struct nlattr *nla;
	int rem;

	*error = 0;
	*msg = NULL;
	*offs = UINT32_MAX;
	if (nlh->nlmsg_len < NLMSG_HDRLEN)
		return -1;
	datalen = nlh->nlmsg_len - NLMSG_HDRLEN;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = (const struct nlmsgerr *)data;

		if (datalen < sizeof(*e))
			return -1;
		*error = e->error;
		payload = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			if (e->msg.nlmsg_len < NLMSG_HDRLEN)
				return 0;
			payload += e->msg.nlmsg_len - NLMSG_HDRLEN;
		}
	} else {
		/* NLMSG_DONE of a dump: an int status, then the TLVs. */
		int status;

		if (datalen < sizeof(status))
			return 0;
		memcpy(&status, data, sizeof(status));
		*error = status;
		payload = sizeof(status);
	}

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return 0;
	payload = NLMSG_ALIGN(payload);
	if (payload >= datalen)
		return 0;

	nla = (const struct nlattr *)(data + payload);
	rem = (int)(datalen - payload);
	for (; nla_ok(nla, rem); nla = nla_next(nla, &rem)) {
		const char *p = nla_data(nla);
		int len = nla_len(nla);

		switch (nla_type(nla)) {
		case NLMSGERR_ATTR_MSG:
			/* Only a NUL-terminated string is trusted. */
			if (len > 0 && memchr(p, '\0', (size_t)len))
				*msg = p;
			break;
		case NLMSGERR_ATTR_OFFS:
			if (len >= (int)sizeof(uint32_t))
				memcpy(offs, p, sizeof(uint32_t));
			break;
		}
	}
	return 0;
}

int dst_signalfd(const sigset_t *mask)
{
	int fd = signalfd(-1, mask, SFD_CLOEXEC | SFD_NONBLOCK);

	return fd < 0 ? -errno : fd;
}

int dst_signalfd_read(int fd)
{
	struct signalfd_siginfo si;
	ssize_t n;

	do {
		n = read(fd, &si, sizeof(si));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	if (n != (ssize_t)sizeof(si))
		return 0;
	return (int)si.ssi_signo;
}

int dst_accept_cloexec(int fd, struct sockaddr *addr, socklen_t *len)
{
	return accept4(fd, addr, len, SOCK_CLOEXEC);
}

const short dst_posix_spawn_setsid = POSIX_SPAWN_SETSID;
