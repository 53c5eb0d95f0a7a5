// SPDX-License-Identifier: GPL-2.0-only
/*
 * The generic netlink family `dst`: registration, events, privilege. Policies
 * and the op table are generated (gen/dst-nl-gen.c); the handlers live with
 * what they act on (client/netlink.c, export/netlink.c). Every op that
 * changes state carries GENL_ADMIN_PERM (CAP_NET_ADMIN over the caller's
 * namespace) and checks dst_nl_capable() (CAP_SYS_ADMIN). Devices and exports
 * belong to the network namespace that made them: an op from another sees
 * neither. Handlers run in parallel (parallel_ops).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "netlink.h"
#include "proto.h"

static bool dst_nl_registered;	/* events are sent only while registered */

struct genl_family dst_nl_family __ro_after_init = {
	.name = DST_FAMILY_NAME,
	.version = DST_FAMILY_VERSION,
	.maxattr = DST_A_MAX,
	.policy = dst_nl_policy,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = dst_nl_ops,
	.n_ops = ARRAY_SIZE(dst_nl_ops),
	.mcgrps = dst_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(dst_nl_mcgrps),
};

struct sk_buff *dst_nl_event_start(u8 cmd, void **hdr)
{
	struct sk_buff *skb;

	if (!READ_ONCE(dst_nl_registered))
		return NULL;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_NOIO);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, &dst_nl_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

int dst_nl_dump_start(struct netlink_callback *cb)
{
	cb->min_dump_alloc = DST_NL_MSG_SIZE;
	return 0;
}

void dst_nl_event_send(struct net *net, struct sk_buff *skb, void *hdr)
{
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&dst_nl_family, net, skb, 0, DST_NLGRP_EVENTS, GFP_NOIO);
}

int dst_nl_capable(struct sk_buff *skb, struct genl_info *info)
{
	if (netlink_capable(skb, CAP_SYS_ADMIN))
		return 0;
	NL_SET_ERR_MSG_MOD(info->extack, "needs CAP_SYS_ADMIN");
	return -EPERM;
}

int dst_nl_register(void)
{
	int err = genl_register_family(&dst_nl_family);

	if (!err)
		WRITE_ONCE(dst_nl_registered, true);
	return err;
}

void dst_nl_unregister(void)
{
	WRITE_ONCE(dst_nl_registered, false);
	genl_unregister_family(&dst_nl_family);
}

int dst_nl_put_geometry(struct sk_buff *skb, const struct dst_geometry *g)
{
	if (nla_put_u32(skb, DST_A_IO_MIN, g->io_min) ||
	    nla_put_u32(skb, DST_A_IO_OPT, g->io_opt) ||
	    nla_put_u32(skb, DST_A_DISCARD_GRANULARITY, g->discard_granularity) ||
	    nla_put_u32(skb, DST_A_DISCARD_ALIGNMENT, g->discard_alignment))
		return -EMSGSIZE;
	return 0;
}

static u32 dst_nl_u32_or_0(const struct nlattr *attr)
{
	return attr ? nla_get_u32(attr) : 0;
}

void dst_nl_get_geometry(struct nlattr **attrs, struct dst_geometry *g)
{
	g->io_min = dst_nl_u32_or_0(attrs[DST_A_IO_MIN]);
	g->io_opt = dst_nl_u32_or_0(attrs[DST_A_IO_OPT]);
	g->discard_granularity = dst_nl_u32_or_0(attrs[DST_A_DISCARD_GRANULARITY]);
	g->discard_alignment = dst_nl_u32_or_0(attrs[DST_A_DISCARD_ALIGNMENT]);
}
