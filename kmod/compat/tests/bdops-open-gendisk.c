/* 6.5+: block_device_operations.open takes the gendisk and a blk_mode_t. */
#include <linux/blkdev.h>

static int probe_open(struct gendisk *disk, blk_mode_t mode)
{
	return 0;
}

static const struct block_device_operations probe_ops __maybe_unused = {
	.open = probe_open,
};
