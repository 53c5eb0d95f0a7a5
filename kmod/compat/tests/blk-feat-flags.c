/* 6.11+: queue features live in queue_limits.features. */
#include <linux/blkdev.h>

static __maybe_unused void probe(struct queue_limits *lim)
{
	lim->features |= BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA | BLK_FEAT_STABLE_WRITES;
}
