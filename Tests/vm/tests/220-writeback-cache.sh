#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# A local write-back cache in front of a DST device, as
# Documentation/stacking.md sets it up: dm-writecache, then dm-cache in
# writeback mode, each with a local brd (ram1) as the cache and dst0 (the
# server's ram0) as the origin, ext4 on top. For each, proves:
# - fio write+verify through the cache passes while the link flaps under it;
# - after a workload with fsync, an unmount and the cache's flush, the cache
#   is dropped (removed and wiped) and the server's disk alone holds every
#   file: fsck -fn is clean there and every file's checksum matches.
# DST's own logic, with no kernel API that differs between 6.1 and 6.12:
# one kernel runs it in CI (make test-vm EVERY_KERNEL=1 runs it on both).
# vm-timeout: 600
# vm-kernel: 6.12
. "$(dirname "$0")/../lib.sh"

MIB=64
CACHE=/dev/mapper/cached

# flap N: the link goes down for 3 s, N times, 3 s apart.
flap() {
	local i
	for ((i = 0; i < $1; i++)); do
		sleep 3
		link_down
		sleep 3
		link_up
	done
}

# workload: fio write+verify on ext4 across link flaps, then a tree of
# files, each fsynced, whose checksums go to $WORK/sums.
workload() {
	run mkfs.ext4 -q "$CACHE"
	mount_on "$CACHE" "$WORK/cached"
	fio_jobs "$WORK/cached/fio.dat" randwrite:randwrite:4k-64k:4m >"$WORK/cached.fio"
	fio_loop "$WORK/cached.fio"
	flap 1
	fio_loop_stop 1
	rm -rf "$WORK/tree"
	make_tree "$WORK/tree"
	say "copy the tree onto the cached ext4, every file fsynced"
	(cd "$WORK/tree" && find . -type d) | (cd "$WORK/cached" && xargs mkdir -p)
	(cd "$WORK/tree" && find . -type f) | while read -r f; do
		dd if="$WORK/tree/$f" of="$WORK/cached/$f" conv=fsync status=none
	done
	(cd "$WORK/tree" && find . -type f -exec md5sum {} + | sort -k2) >"$WORK/sums"
	echo "$(wc -l <"$WORK/sums") files"
	run umount "$WORK/cached"
}

# drop_cache WIPE...: the cache is gone: remove it and zero its devices.
drop_cache() {
	run dmsetup remove --noudevsync cached
	run blkdiscard -z /dev/ram1
}

# server_has_everything: with the device and export gone, the server's
# ram0 holds a clean ext4 with every file of $WORK/sums.
server_has_everything() {
	cl dstctl remove-device dst0
	sv dstctl unexport ram0
	run fsck.ext4 -fn /dev/ram0
	mkdir -p "$WORK/server"
	run mount -o ro /dev/ram0 "$WORK/server"
	(cd "$WORK/server" && md5sum -c --quiet "$WORK/sums") || fail "files differ on the server"
	echo "ok: every file matches on the server's disk"
	run umount "$WORK/server"
}

attach() {
	sv dstctl export /dev/ram0 --listen "$LISTEN" >/dev/null
	add_device --ping-interval 1 "${FAST_RECONNECT[@]}" >/dev/null
}

setup_server "$MIB" 2
run modprobe -a dm-writecache dm-cache dm-cache-smq
sectors=$(blockdev --getsz /dev/ram0)

say "dm-writecache: ram1 caches dst0"
attach
run dmsetup create cached --noudevsync --table "0 $sectors writecache s /dev/dst0 /dev/ram1 4096 0"
run dmsetup mknodes cached
workload
run dmsetup message cached 0 flush
run dmsetup status cached
drop_cache
server_has_everything

say "dm-cache, writeback: ram1 (8 MiB metadata, the rest data) caches dst0"
attach
run blkdiscard -z /dev/ram1
meta=$((8 * 2048))
linear_setup cache-meta /dev/ram1 "$meta"
run dmsetup create cache-data --noudevsync --table "0 $(($(blockdev --getsz /dev/ram1) - meta)) linear /dev/ram1 $meta"
echo cache-data >>"$STATE/dm"
run dmsetup mknodes cache-data
table="0 $sectors cache /dev/mapper/cache-meta /dev/mapper/cache-data /dev/dst0 128 1 writeback"
run dmsetup create cached --noudevsync --table "$table smq 0"
run dmsetup mknodes cached
workload
say "dm-cache: the cleaner policy writes every dirty block back"
run dmsetup suspend cached
run dmsetup reload cached --noudevsync --table "$table cleaner 0"
run dmsetup resume cached
# status: ... <#dirty> <#features> ...; the 14th field is the dirty count.
wait_until 120 bash -c '[[ $(dmsetup status cached | awk "{ print \$14 }") == 0 ]]'
run dmsetup status cached
run dmsetup remove --noudevsync cached
run dmsetup remove --noudevsync cache-data
run dmsetup remove --noudevsync cache-meta
: >"$STATE/dm"
run blkdiscard -z /dev/ram1
server_has_everything
