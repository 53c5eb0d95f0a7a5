/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The debug build (make DST_DEBUG=1, what the VM tests load): fault
 * injection points that widen race windows so that a test can hit them,
 * poisoning of freed objects so that a use after free faults at once, and
 * the self-tests of pure functions (selftest/) at module init. The release
 * build compiles all of it away.
 *
 * Each point is a module parameter, /sys/module/dst/parameters/dbg_*: a
 * delay in milliseconds (_ms) or a count; 0, the default, turns it off.
 */
#ifndef DST_DEBUG_H
#define DST_DEBUG_H

#include <linux/poison.h>
#include <linux/string.h>
#include <linux/types.h>

#ifdef DST_DEBUG
extern unsigned int dst_dbg_attach_start_ms;
extern unsigned int dst_dbg_add_notify_ms;
extern unsigned int dst_dbg_write_hold_ms;
extern unsigned int dst_dbg_backing_enomem;
extern unsigned int dst_dbg_tls_inject;

/* Sleep for the milliseconds in @point if set, saying where. */
void dst_debug_delay(const unsigned int *ms, const char *where);
#define DST_DEBUG_DELAY(point) dst_debug_delay(&dst_dbg_##point, #point)
/* A one-shot value: the delay in @point, and it is 0 again. */
unsigned int dst_debug_take(unsigned int *value);
#define DST_DEBUG_TAKE(point) dst_debug_take(&dst_dbg_##point)
/* A count in @point: true while it is not 0, taking one each time. */
bool dst_debug_count(unsigned int *count);
#define DST_DEBUG_COUNT(point) dst_debug_count(&dst_dbg_##point)

/* Fill an object about to be freed with POISON_FREE. */
static inline void dst_debug_poison(void *obj, size_t size)
{
	memset(obj, POISON_FREE, size);
}

/* The self-tests of selftest/, at module init: 0 or -EINVAL. */
int dst_selftest(void);
#else
#define DST_DEBUG_DELAY(point) do { } while (0)
#define DST_DEBUG_TAKE(point) 0U
#define DST_DEBUG_COUNT(point) false
static inline void dst_debug_poison(void *obj, size_t size)
{
}

static inline int dst_selftest(void)
{
	return 0;
}
#endif

#endif /* DST_DEBUG_H */
