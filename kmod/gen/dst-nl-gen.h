/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/* Do not edit directly, auto-generated from Documentation/spec/dst.yaml by Tools/nlgen */

#ifndef _DST_NL_GEN_H
#define _DST_NL_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include "dst.h"

/* Global policy: struct genl_family .policy, with .maxattr DST_A_MAX */
extern const struct nla_policy dst_nl_policy[DST_A_MAX + 1];

/* Nested set conn (DST_A_CONN): for nla_parse_nested() with DST_A_CONN_MAX */
extern const struct nla_policy dst_conn_nl_policy[DST_A_CONN_MAX + 1];

/*
 * Nested set allow (DST_A_ALLOW): for nla_parse_nested() with DST_A_ALLOW_MAX
 */
extern const struct nla_policy dst_allow_nl_policy[DST_A_ALLOW_MAX + 1];

/* Handlers, written by hand */
int dst_nl_dev_add_doit(struct sk_buff *skb, struct genl_info *info);
int dst_nl_dev_del_doit(struct sk_buff *skb, struct genl_info *info);
int dst_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info);
int dst_nl_dev_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int dst_nl_dev_connect_doit(struct sk_buff *skb, struct genl_info *info);
int dst_nl_export_add_doit(struct sk_buff *skb, struct genl_info *info);
int dst_nl_export_del_doit(struct sk_buff *skb, struct genl_info *info);
int dst_nl_export_get_doit(struct sk_buff *skb, struct genl_info *info);
int dst_nl_export_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int dst_nl_export_connect_doit(struct sk_buff *skb, struct genl_info *info);
int dst_nl_dev_set_doit(struct sk_buff *skb, struct genl_info *info);
int dst_nl_export_set_doit(struct sk_buff *skb, struct genl_info *info);
int dst_nl_export_resize_doit(struct sk_buff *skb, struct genl_info *info);
int dst_nl_dump_start(struct netlink_callback *cb);

enum {
	DST_NLGRP_EVENTS,
};

extern const struct genl_ops dst_nl_ops[11];
extern const struct genl_multicast_group dst_nl_mcgrps[1];

#endif /* _DST_NL_GEN_H */
