/* 6.12+: get_unaligned_*() from <linux/unaligned.h>, not <asm/unaligned.h>. */
#include <linux/unaligned.h>

static u64 __maybe_unused probe_get(const void *p)
{
	return get_unaligned_be64(p);
}
