/* 6.9+: blk_alloc_disk() takes the queue limits. */
#include <linux/blkdev.h>

static __maybe_unused struct gendisk *probe(struct queue_limits *lim)
{
	return blk_alloc_disk(lim, NUMA_NO_NODE);
}
