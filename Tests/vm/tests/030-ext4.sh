#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# ext4 on /dev/dst0: a tree of random files goes in, comes back out
# identical after a remount (so from the server, not the page cache), and
# fsck finds nothing wrong, through DST and on the backing brd.
# Plaintext on 6.1, over TLS (x509) on 6.12: the file system's I/O is the
# same on both.
# vm-timeout: 600
# vm-kernel: 6.1
# vm-tls: x509@6.12
. "$(dirname "$0")/../lib.sh"

setup_server 128
export_dev /dev/ram0
add_device >/dev/null

say "mkfs.ext4, a tree of files in and out"
run mkfs.ext4 -q -F /dev/dst0
fs_roundtrip /dev/dst0

say "fsck through DST and on the backing device"
run fsck.ext4 -fn /dev/dst0
cl dstctl remove-device dst0
run fsck.ext4 -fn /dev/ram0
