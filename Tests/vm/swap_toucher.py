#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only OR MIT
"""Touches more memory than it may keep, so that it swaps, and verifies
every page it wrote, for the VM tests.

    swap_toucher.py MIB SECONDS

Maps MIB MiB of anonymous memory and goes over it pass after pass, each in a
new random order, until SECONDS have passed (finishing the pass): every page
must hold what the previous pass wrote into it, byte for byte, and gets a
new content, stamped with the pass and the page's number. Prints one line a
pass; exits 1 at the first page that does not verify, 0 otherwise.
"""

import mmap
import random
import struct
import sys
import time

PAGE = 4096


def content(pass_no, page):
    return struct.pack("<QQ", pass_no, page) * (PAGE // 16)


def main(argv):
    mib, seconds = int(argv[0]), float(argv[1])
    pages = mib * 1024 * 1024 // PAGE
    mem = mmap.mmap(-1, pages * PAGE)
    order = list(range(pages))
    start = time.monotonic()
    pass_no = 0
    while pass_no == 0 or time.monotonic() - start < seconds:
        pass_no += 1
        t0 = time.monotonic()
        random.shuffle(order)
        for page in order:
            off = page * PAGE
            if pass_no > 1 and mem[off:off + PAGE] != content(pass_no - 1, page):
                print(f"pass {pass_no}: page {page} does not hold what pass {pass_no - 1} wrote", flush=True)
                return 1
            mem[off:off + PAGE] = content(pass_no, page)
        print(f"pass {pass_no}: {pages} pages verified and rewritten in {time.monotonic() - t0:.1f} s", flush=True)
    for page in range(pages):
        off = page * PAGE
        if mem[off:off + PAGE] != content(pass_no, page):
            print(f"final check: page {page} does not hold what pass {pass_no} wrote", flush=True)
            return 1
    print(f"ok: {pass_no} passes over {mib} MiB, every page verified", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
