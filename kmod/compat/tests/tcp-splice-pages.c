/*
 * 6.5+: TCP takes MSG_SPLICE_PAGES (and kernel_sendpage is gone). Some
 * stable kernels define the flag without TCP knowing it: probe for what
 * TCP splices with, not for the flag.
 */
#include <linux/skbuff.h>

static ssize_t (*probe)(struct sk_buff *skb, struct iov_iter *iter, ssize_t maxsize,
			gfp_t gfp) __maybe_unused = skb_splice_from_iter;
