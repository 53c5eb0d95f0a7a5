#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# The export side against a hostile client that speaks raw netlink and raw
# frames (export_peer.py, no dstd, no handshake): every netlink refusal,
# read-only, all opcodes with and without crc32c, refused requests that keep
# the stream in step, malformed frames that drop the connection, pipelining,
# vanishing clients, several clients at once; on a sparse file on ext4 and on
# brd. Last, rmmod with an export and busy clients left behind must clean up
# and release the backing device.
# vm-timeout: 900
. "$(dirname "$0")/../lib.sh"

PEER=(python3 "$REPO/Tests/vm/export_peer.py")

brd_setup 128 2
load_dst

say "sparse file on ext4"
run mkfs.ext4 -q -F /dev/ram1
mount_dir=$WORK/mnt
mount_on /dev/ram1 "$mount_dir"
run truncate -s 64M "$mount_dir/e.img"
run "${PEER[@]}" file "$mount_dir/e.img" "$mount_dir"
run umount "$mount_dir"

say "block device"
run "${PEER[@]}" bdev /dev/ram0

say "rmmod with an export and busy clients left behind"
"${PEER[@]}" leave /dev/ram0 >"$WORK/leave.log" 2>&1 &
peer=$!
wait_until 120 grep -q "left 3 busy clients" "$WORK/leave.log"
run rmmod dst
kill "$peer" 2>/dev/null || true
wait "$peer" 2>/dev/null || true
# The backing device was closed: brd can go.
run rmmod brd
