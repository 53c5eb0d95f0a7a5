// SPDX-License-Identifier: GPL-2.0-only
/*
 * Wire protocol v1: checksums and status mapping.
 */
#include <linux/bio.h>
#include <linux/crc32c.h>
#include <linux/highmem.h>
#include <linux/stddef.h>
#include "proto.h"

u32 dst_crc32c_update(u32 crc, const void *buf, size_t len)
{
	return crc32c(crc, buf, len);
}

u32 dst_crc32c(const void *buf, size_t len)
{
	return dst_crc_final(crc32c(~0U, buf, len));
}

u32 dst_crc32c_bio(struct bio *bio)
{
	struct bvec_iter iter;
	struct bio_vec bv;
	u32 crc = ~0U;

	bio_for_each_segment(bv, bio, iter) {
		void *p = bvec_kmap_local(&bv);

		crc = crc32c(crc, p, bv.bv_len);
		kunmap_local(p);
	}
	return dst_crc_final(crc);
}

/* The header checksum covers the header with its own field as zero. */
static u32 dst_hdr_crc(const void *hdr, size_t len, size_t csum_off)
{
	static const __be32 zero;
	u32 crc;

	crc = crc32c(~0U, hdr, csum_off);
	crc = crc32c(crc, &zero, sizeof(zero));
	crc = crc32c(crc, hdr + csum_off + sizeof(zero), len - csum_off - sizeof(zero));
	return dst_crc_final(crc);
}

void dst_req_hdr_seal(struct dst_req_hdr *hdr, u32 csum)
{
	hdr->hdr_csum = 0;
	if (csum == DST_CSUM_CRC32C)
		hdr->hdr_csum = cpu_to_be32(dst_hdr_crc(hdr, sizeof(*hdr),
					    offsetof(struct dst_req_hdr, hdr_csum)));
}

void dst_rep_hdr_seal(struct dst_rep_hdr *hdr, u32 csum)
{
	hdr->hdr_csum = 0;
	if (csum == DST_CSUM_CRC32C)
		hdr->hdr_csum = cpu_to_be32(dst_hdr_crc(hdr, sizeof(*hdr),
					    offsetof(struct dst_rep_hdr, hdr_csum)));
}

bool dst_req_hdr_csum_ok(const struct dst_req_hdr *hdr, u32 csum)
{
	if (csum != DST_CSUM_CRC32C)
		return true;
	return be32_to_cpu(hdr->hdr_csum) ==
	       dst_hdr_crc(hdr, sizeof(*hdr), offsetof(struct dst_req_hdr, hdr_csum));
}

bool dst_rep_hdr_csum_ok(const struct dst_rep_hdr *hdr, u32 csum)
{
	if (csum != DST_CSUM_CRC32C)
		return true;
	return be32_to_cpu(hdr->hdr_csum) ==
	       dst_hdr_crc(hdr, sizeof(*hdr), offsetof(struct dst_rep_hdr, hdr_csum));
}

u32 dst_errno_to_status(int err)
{
	switch (err) {
	case 0:
		return DST_ST_OK;
	case -ENOSPC:
	case -EDQUOT:
		return DST_ST_NOSPC;
	case -EINVAL:
	case -ERANGE:
		return DST_ST_INVAL;
	case -EROFS:
	case -EPERM:
		return DST_ST_ROFS;
	case -EOPNOTSUPP:
		return DST_ST_NOTSUPP;
	default:
		/*
		 * ENOMEM too: the backing store may have done part of it, so it
		 * is no "not executed, send again" (DST_ST_NOMEM), which the
		 * server answers only when it did not start a request.
		 */
		return DST_ST_IO;
	}
}

int dst_status_to_errno(u32 status)
{
	switch (status) {
	case DST_ST_OK:
		return 0;
	case DST_ST_NOSPC:
		return -ENOSPC;
	case DST_ST_INVAL:
		return -EINVAL;
	case DST_ST_ROFS:
		return -EROFS;
	case DST_ST_NOTSUPP:
		return -EOPNOTSUPP;
	case DST_ST_NOMEM:
		return -ENOMEM;
	case DST_ST_BAD_DATA_CSUM:
		return -EBADMSG;
	default:
		return -EIO;
	}
}

blk_status_t dst_status_to_blk(u32 status)
{
	switch (status) {
	case DST_ST_OK:
		return BLK_STS_OK;
	case DST_ST_NOSPC:
		return BLK_STS_NOSPC;
	case DST_ST_NOTSUPP:
		return BLK_STS_NOTSUPP;
	case DST_ST_NOMEM:
		return BLK_STS_RESOURCE;
	case DST_ST_INVAL:
	case DST_ST_ROFS:
		return BLK_STS_TARGET;
	default:
		return BLK_STS_IOERR;
	}
}

const char *dst_opcode_name(u32 opcode)
{
	switch (opcode) {
	case DST_OP_READ:
		return "read";
	case DST_OP_WRITE:
		return "write";
	case DST_OP_FLUSH:
		return "flush";
	case DST_OP_DISCARD:
		return "discard";
	case DST_OP_WRITE_ZEROES:
		return "write-zeroes";
	default:
		return "unknown";
	}
}

const char *dst_csum_name(u32 csum)
{
	return csum == DST_CSUM_CRC32C ? "crc32c" : "none";
}
