/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The generic netlink family. Handlers live with what they act on:
 * device handlers in client/netlink.c, export handlers in export/netlink.c;
 * policies and the op table are generated into gen/dst-nl-gen.c.
 */
#ifndef DST_NETLINK_H
#define DST_NETLINK_H

#include <linux/sizes.h>
#include <net/genetlink.h>
#include "gen/dst-nl-gen.h"

extern struct genl_family dst_nl_family;

/*
 * Room for the largest object in one message, more than NLMSG_GOODSIZE: a
 * device with its connections and file paths, an export with whom it admits
 * (at most 64 identities and prefixes, 4096 bytes of their text). Dumps
 * start with this much (dst_nl_dump_start()); readers need a buffer as big.
 */
#define DST_NL_MSG_SIZE		SZ_16K

struct dst_geometry;

int dst_nl_register(void);
void dst_nl_unregister(void);

/*
 * Devices and exports are block storage: an op that changes one needs
 * CAP_SYS_ADMIN in the initial user namespace (netlink_capable), as nbd's
 * do, not only the CAP_NET_ADMIN of GENL_ADMIN_PERM, which a container may
 * have over its own namespace. 0, or -EPERM with extack set.
 */
int dst_nl_capable(struct sk_buff *skb, struct genl_info *info);

/*
 * Multicast @skb (a message built with dst_nl_event_start) on the events
 * group of @net; consumes @skb. Errors (nobody listening) are ignored.
 */
struct sk_buff *dst_nl_event_start(u8 cmd, void **hdr);
void dst_nl_event_send(struct net *net, struct sk_buff *skb, void *hdr);

/* The io-min, io-opt and discard-* attributes (absent: 0). */
int dst_nl_put_geometry(struct sk_buff *skb, const struct dst_geometry *g);
void dst_nl_get_geometry(struct nlattr **attrs, struct dst_geometry *g);

#endif /* DST_NETLINK_H */
