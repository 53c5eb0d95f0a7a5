// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * How fast this CPU computes CRC32C with the SSE4.2 crc32 instruction, the
 * instruction the kernel's crc32c-intel driver uses: MB/s over 4 KiB and
 * 1 MiB buffers, one core. Run on the host and in the benchmark's guest, it
 * gives the cost of DST's default checksum on the hardware and under QEMU's
 * emulation, and so the factor by which emulation inflates it:
 *
 *   cc -O2 -msse4.2 -o crc32c-speed Tools/bench/crc32c-speed.c && ./crc32c-speed
 *
 * Prints one line per buffer size: "crc32c BYTES MB/s". Exits 1 without
 * SSE4.2.
 */
#include <nmmintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint32_t crc32c(uint32_t crc, const unsigned char *p, size_t len)
{
	uint64_t c = ~crc;
	uint64_t v;

	for (; len >= 8; len -= 8, p += 8) {
		memcpy(&v, p, 8);
		c = _mm_crc32_u64(c, v);
	}
	for (; len; len--, p++)
		c = _mm_crc32_u8((uint32_t)c, *p);
	return ~(uint32_t)c;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* MB/s of crc32c over @size bytes, repeated for about half a second. */
static double speed(const unsigned char *buf, size_t size)
{
	volatile uint32_t sink = 0;
	double start = now(), t;
	size_t done = 0;

	do {
		for (int i = 0; i < 16; i++) {
			sink += crc32c(0, buf, size);
			done += size;
		}
		t = now() - start;
	} while (t < 0.5);
	(void)sink;
	return done / t / 1e6;
}

int main(void)
{
	static const size_t sizes[] = { 4096, 1 << 20 };
	unsigned char *buf;

	__builtin_cpu_init();
	if (!__builtin_cpu_supports("sse4.2")) {
		fprintf(stderr, "crc32c-speed: no SSE4.2 (crc32 instruction) on this CPU\n");
		return 1;
	}
	buf = malloc(1 << 20);
	if (!buf)
		return 1;
	for (size_t i = 0; i < 1 << 20; i++)
		buf[i] = (unsigned char)(i * 131 + 7);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		printf("crc32c %zu %.0f MB/s\n", sizes[i], speed(buf, sizes[i]));
	free(buf);
	return 0;
}
