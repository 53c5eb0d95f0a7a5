/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Wire protocol v1 helpers shared by the client and the export side.
 * Frame layouts and constants are generated from Documentation/spec/dst.yaml
 * into gen/dst.h; this file only adds what C code needs around them.
 * Frames are always encoded into and decoded from separate buffers: host-order
 * values never live in a struct that goes on the wire.
 */
#ifndef DST_PROTO_H
#define DST_PROTO_H

#include <linux/blk_types.h>
#include <linux/types.h>
#include "gen/dst.h"

/* Tag: epoch in the high 32 bits, transaction id in the low 32 bits. */
static inline u64 dst_tag(u32 epoch, u32 id)
{
	return ((u64)epoch << DST_TAG_EPOCH_SHIFT) | id;
}

static inline u32 dst_tag_epoch(u64 tag)
{
	return tag >> DST_TAG_EPOCH_SHIFT;
}

static inline u32 dst_tag_id(u64 tag)
{
	return (u32)tag;
}

/**
 * struct dst_geometry - A backing store's I/O geometry (server-limits), in
 *	bytes: what an export offers and a client's queue advertises.
 * @io_min: smallest preferred I/O; 0 for the physical block size.
 * @io_opt: optimal I/O; 0 for none.
 * @discard_granularity: unit of discard; 0 for the physical block size.
 * @discard_alignment: offset of the first whole discard unit.
 */
struct dst_geometry {
	u32 io_min;
	u32 io_opt;
	u32 discard_granularity;
	u32 discard_alignment;
};

/* CRC32C as in iSCSI and NVMe/TCP: seed ~0, result inverted. */
u32 dst_crc32c(const void *buf, size_t len);
/* Continue a CRC32C over more bytes: start with ~0, finish with dst_crc_final(). */
u32 dst_crc32c_update(u32 crc, const void *buf, size_t len);
static inline u32 dst_crc_final(u32 crc)
{
	return ~crc;
}

/* CRC32C over the data of a bio (its current iterator), for csum == crc32c. */
u32 dst_crc32c_bio(struct bio *bio);

/* Seal a header: fill hdr_csum (0 when csum is none). */
void dst_req_hdr_seal(struct dst_req_hdr *hdr, u32 csum);
void dst_rep_hdr_seal(struct dst_rep_hdr *hdr, u32 csum);
/* True when the header checksum matches (always true when csum is none). */
bool dst_req_hdr_csum_ok(const struct dst_req_hdr *hdr, u32 csum);
bool dst_rep_hdr_csum_ok(const struct dst_rep_hdr *hdr, u32 csum);

/* Status codes: never raw errnos on the wire. */
u32 dst_errno_to_status(int err);
int dst_status_to_errno(u32 status);
blk_status_t dst_status_to_blk(u32 status);

const char *dst_opcode_name(u32 opcode);
const char *dst_csum_name(u32 csum);

#endif /* DST_PROTO_H */
