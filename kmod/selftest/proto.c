// SPDX-License-Identifier: GPL-2.0-only
/*
 * Self-tests of the wire protocol's pure functions, run at module init in the
 * debug build (as wireguard's selftest/ does): CRC32C, header seals and their
 * checks, tags, and the status mapping. A failure refuses to load the module.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/string.h>
#include "debug.h"
#include "proto.h"

static bool dst_selftest_crc(void)
{
	/* The check value of CRC-32C (iSCSI, RFC 3720). */
	return dst_crc32c("123456789", 9) == 0xe3069283 &&
	       dst_crc_final(dst_crc32c_update(dst_crc32c_update(~0U, "1234", 4),
					       "56789", 5)) == 0xe3069283;
}

static bool dst_selftest_req_seal(u32 csum)
{
	struct dst_req_hdr hdr = {
		.magic = cpu_to_be32(DST_REQ_MAGIC),
		.opcode = cpu_to_be16(DST_OP_WRITE),
		.tag = cpu_to_be64(dst_tag(7, 42)),
		.offset = cpu_to_be64(4096),
		.length = cpu_to_be32(512),
	};
	unsigned int i;

	dst_req_hdr_seal(&hdr, csum);
	if (!dst_req_hdr_csum_ok(&hdr, csum))
		return false;
	if (csum == DST_CSUM_NONE)
		return !hdr.hdr_csum;
	/* Any one bit flipped anywhere in the header is caught. */
	for (i = 0; i < sizeof(hdr) * 8; i++) {
		u8 *bytes = (u8 *)&hdr;
		bool ok;

		bytes[i / 8] ^= 1 << (i % 8);
		ok = dst_req_hdr_csum_ok(&hdr, csum);
		bytes[i / 8] ^= 1 << (i % 8);
		if (ok)
			return false;
	}
	return true;
}

static bool dst_selftest_rep_seal(u32 csum)
{
	struct dst_rep_hdr hdr = {
		.magic = cpu_to_be32(DST_REP_MAGIC),
		.status = cpu_to_be32(DST_ST_NOSPC),
		.tag = cpu_to_be64(dst_tag(U32_MAX, DST_PING_ID - 1)),
		.opcode = cpu_to_be16(DST_OP_READ),
	};
	u8 *bytes = (u8 *)&hdr;

	dst_rep_hdr_seal(&hdr, csum);
	if (!dst_rep_hdr_csum_ok(&hdr, csum))
		return false;
	bytes[sizeof(hdr) - 1] ^= 0x80;
	return dst_rep_hdr_csum_ok(&hdr, csum) == (csum == DST_CSUM_NONE);
}

static bool dst_selftest_tags(void)
{
	static const u32 epochs[] = { 0, 1, 0x80000000, U32_MAX };
	static const u32 ids[] = { 0, 1, 0xfffffffe, DST_PING_ID };
	unsigned int e, i;

	for (e = 0; e < ARRAY_SIZE(epochs); e++)
		for (i = 0; i < ARRAY_SIZE(ids); i++) {
			u64 tag = dst_tag(epochs[e], ids[i]);

			if (dst_tag_epoch(tag) != epochs[e] || dst_tag_id(tag) != ids[i])
				return false;
		}
	return dst_tag(1, 2) == 0x100000002ULL;
}

/* Status codes round-trip through errno; ENOMEM of a backing store is io. */
static bool dst_selftest_status(void)
{
	static const u32 codes[] = { DST_ST_OK, DST_ST_NOSPC, DST_ST_INVAL,
				     DST_ST_ROFS, DST_ST_NOTSUPP, DST_ST_IO };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(codes); i++)
		if (dst_errno_to_status(dst_status_to_errno(codes[i])) != codes[i])
			return false;
	return dst_errno_to_status(-ENOMEM) == DST_ST_IO &&
	       dst_errno_to_status(-EDQUOT) == DST_ST_NOSPC &&
	       dst_status_to_blk(DST_ST_NOMEM) == BLK_STS_RESOURCE;
}

int dst_selftest(void)
{
	static const struct {
		const char *name;
		bool (*test)(void);
	} simple[] = {
		{ "crc32c", dst_selftest_crc },
		{ "tags", dst_selftest_tags },
		{ "status", dst_selftest_status },
	};
	bool ok = true;
	unsigned int i;
	u32 csum;

	for (i = 0; i < ARRAY_SIZE(simple); i++) {
		if (!simple[i].test()) {
			pr_err("selftest %s: FAIL\n", simple[i].name);
			ok = false;
		}
	}
	for (csum = DST_CSUM_NONE; csum <= DST_CSUM_CRC32C; csum++) {
		if (!dst_selftest_req_seal(csum) || !dst_selftest_rep_seal(csum)) {
			pr_err("selftest header seal (%s): FAIL\n", dst_csum_name(csum));
			ok = false;
		}
	}
	if (ok)
		pr_info("selftests: pass\n");
	return ok ? 0 : -EINVAL;
}
