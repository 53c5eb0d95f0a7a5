#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# The export side against a hostile client that speaks raw netlink and raw
# frames (export_peer.py, no dstd, no handshake): every netlink refusal,
# read-only, all opcodes with and without crc32c, refused requests that keep
# the stream in step, malformed frames that drop the connection, pipelining,
# vanishing clients, several clients at once, PINGs; on a sparse file on ext4
# and on brd. Then sessions on brd slowed down by dm-delay: a newer generation
# fences the older ones and runs nothing before their writes are done, an
# older one is refused. Last, rmmod with an export and busy clients left
# behind must clean up and release the backing device.
# Every test exports a block device on both kernels; this one's own checks
# are DST's logic: one kernel runs it in CI (EVERY_KERNEL=1: both).
# vm-timeout: 900
# vm-kernel: 6.12
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

DELAY_MS=2000
slow_setup slow "$DELAY_MS" /dev/ram0

say "sessions and generations, every I/O taking ${DELAY_MS} ms"
run "${PEER[@]}" fence /dev/mapper/slow "$DELAY_MS"

say "rmmod with an export and busy clients left behind"
"${PEER[@]}" leave /dev/mapper/slow >"$WORK/leave.log" 2>&1 &
peer=$!
wait_until 120 grep -q "left 3 busy clients" "$WORK/leave.log"
run rmmod dst
kill "$peer" 2>/dev/null || true
wait "$peer" 2>/dev/null || true
# The backing device was closed. A udevd (6.12 guests run one) probes a dm
# device again once a writer closed it, here at DELAY_MS a read: make the
# device fast and let udev finish before counting its openers, and so that
# cleanup can remove it.
run dmsetup suspend --noudevsync slow
run dmsetup reload --noudevsync slow --table "0 $(blockdev --getsz /dev/ram0) linear /dev/ram0 0"
run dmsetup resume --noudevsync slow
if command -v udevadm >/dev/null; then
	run udevadm settle --timeout=60 || true
fi
wait_until 30 bash -c '[[ $(dmsetup info -c --noheadings -o open slow | tr -d " ") == 0 ]]'
printf 'ok: nobody holds the backing device open\n'
