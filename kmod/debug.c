// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault injection points of the debug build; see debug.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/moduleparam.h>
#include "debug.h"

unsigned int dst_dbg_attach_start_ms;
module_param_named(dbg_attach_start_ms, dst_dbg_attach_start_ms, uint, 0644);
MODULE_PARM_DESC(dbg_attach_start_ms,
		 "debug: sleep between publishing a client connection and starting it");

unsigned int dst_dbg_add_notify_ms;
module_param_named(dbg_add_notify_ms, dst_dbg_add_notify_ms, uint, 0644);
MODULE_PARM_DESC(dbg_add_notify_ms,
		 "debug: sleep in dev-add after the disk was added, before announcing it");

unsigned int dst_dbg_write_hold_ms;
module_param_named(dbg_write_hold_ms, dst_dbg_write_hold_ms, uint, 0644);
MODULE_PARM_DESC(dbg_write_hold_ms,
		 "debug: hold the next WRITE an export receives this long before executing it (once)");

unsigned int dst_dbg_backing_enomem;
module_param_named(dbg_backing_enomem, dst_dbg_backing_enomem, uint, 0644);
MODULE_PARM_DESC(dbg_backing_enomem,
		 "debug: this many of the next backing store completions fail with ENOMEM");

unsigned int dst_dbg_tls_inject;
module_param_named(dbg_tls_inject, dst_dbg_tls_inject, uint, 0644);
MODULE_PARM_DESC(dbg_tls_inject,
		 "debug: an export's next TLS reply batch starts with a fatal alert (1) or a KeyUpdate (2) (once)");

void dst_debug_delay(const unsigned int *ms, const char *where)
{
	unsigned int n = READ_ONCE(*ms);

	if (!n)
		return;
	pr_info("debug: %s: sleeping %u ms\n", where, n);
	msleep(n);
}

unsigned int dst_debug_take(unsigned int *value)
{
	return xchg(value, 0);
}

bool dst_debug_count(unsigned int *count)
{
	unsigned int n = READ_ONCE(*count);

	while (n) {
		unsigned int was = cmpxchg(count, n, n - 1);

		if (was == n)
			return true;
		n = was;
	}
	return false;
}
