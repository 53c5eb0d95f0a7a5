// SPDX-License-Identifier: GPL-2.0-only
/*
 * DST: a network block device. Module init in dependency order, exit in
 * reverse; the netlink family comes last on init and first on exit so that
 * no request arrives while the rest is not ready.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/net_namespace.h>
#include "client/client.h"
#include "debug.h"
#include "export/export.h"
#include "netlink.h"
#include "sock.h"

/*
 * A namespace that exits takes its exports with it, and hands its devices
 * (block devices, used outside it) to the initial namespace. Neither holds
 * a counted reference that would keep it alive.
 */
static void __net_exit dst_net_exit(struct net *net)
{
	dst_export_net_exit(net);
	dst_dev_net_exit(net);
}

static struct pernet_operations dst_net_ops = {
	.exit = dst_net_exit,
};

static int __init dst_module_init(void)
{
	int err;

	BUILD_BUG_ON(sizeof(struct dst_req_hdr) != DST_REQ_HDR_SIZE);
	BUILD_BUG_ON(sizeof(struct dst_rep_hdr) != DST_REP_HDR_SIZE);

	err = dst_selftest();
	if (err)
		return err;
	dst_sock_module_init();
	err = dst_client_init();
	if (err)
		goto sock_exit;
	err = dst_export_init();
	if (err)
		goto client_exit;
	err = register_pernet_subsys(&dst_net_ops);
	if (err)
		goto export_exit;
	err = dst_nl_register();
	if (err)
		goto pernet_exit;
	pr_info("loaded, protocol version %d\n", DST_PROTO_VERSION);
	return 0;

pernet_exit:
	unregister_pernet_subsys(&dst_net_ops);
export_exit:
	dst_export_exit();
client_exit:
	dst_client_exit();
sock_exit:
	dst_sock_module_exit();
	return err;
}

static void __exit dst_module_exit(void)
{
	dst_nl_unregister();
	/* Runs dst_net_exit() for every namespace: all exports go. */
	unregister_pernet_subsys(&dst_net_ops);
	dst_export_exit();
	dst_client_exit();
	dst_sock_module_exit();
	pr_info("unloaded\n");
}

module_init(dst_module_init);
module_exit(dst_module_exit);

MODULE_DESCRIPTION("DST network block device: client devices and exports");
MODULE_LICENSE("GPL");
/* Sources/DSTKit/Version.swift, which kmod/Makefile passes in (Kbuild). */
MODULE_VERSION(DST_VERSION);
MODULE_ALIAS_GENL_FAMILY(DST_FAMILY_NAME);
MODULE_SOFTDEP("pre: crc32c");
