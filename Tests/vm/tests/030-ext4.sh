#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# ext4 on /dev/dst0: a tree of random files goes in, comes back out
# identical after a remount (so from the server, not the page cache), and
# fsck finds nothing wrong, through DST and on the backing brd.
# vm-timeout: 600
. "$(dirname "$0")/../lib.sh"

setup_net
brd_setup 128 1
load_dst
start_dstd server
export_dev /dev/ram0
add_node >/dev/null

say "a tree of files"
make_tree "$WORK/tree"
(cd "$WORK/tree" && find . -type f -print0 | sort -z | xargs -0 sha256sum) >"$WORK/tree.sha256"
echo "$(wc -l <"$WORK/tree.sha256") files, $(du -sh "$WORK/tree" | cut -f1)"

say "mkfs.ext4, copy, compare"
run mkfs.ext4 -q -F /dev/dst0
mount_on /dev/dst0 "$WORK/mnt"
run cp -a "$WORK/tree/." "$WORK/mnt/"
run sync
(cd "$WORK/mnt" && run sha256sum --quiet -c "$WORK/tree.sha256")

say "remount, compare again"
run umount "$WORK/mnt"
run mount /dev/dst0 "$WORK/mnt"
(cd "$WORK/mnt" && run sha256sum --quiet -c "$WORK/tree.sha256")
run umount "$WORK/mnt"

say "fsck through DST and on the backing device"
run fsck.ext4 -fn /dev/dst0
cl dstctl remove-node dst0
run fsck.ext4 -fn /dev/ram0
