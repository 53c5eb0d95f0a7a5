#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# The export reports what the backing store did, and respects it:
#   1. a file system that fills up, under direct I/O (ext4) and buffered
#      I/O (tmpfs, where the write that fills it is short): the client's
#      write fails with ENOSPC, not EIO;
#   2. the backing store failing with ENOMEM (debug build:
#      dbg_backing_enomem) is an I/O error the client
#      sees, not a "not executed, resend" answer;
#   3. WRITE_ZEROES with REQ_NOUNMAP (BLKZEROOUT: blkdiscard -z) keeps the
#      range allocated in a file on tmpfs, which cannot zero a range in
#      place; without it (fallocate --punch-hole on the device) the range
#      may be deallocated; both read back as zeroes;
#   4. a block device export: WRITE_ZEROES and DISCARD go through the
#      device's page cache (a buffered reader on the server sees the zeroes)
#      and are refused while the device is read-only (blockdev --setro);
#   5. a file on a frozen file system (fsfreeze): the client's write waits
#      for the thaw instead of modifying the frozen file system.
# DST's own logic, with no kernel API that differs between 6.1 and 6.12:
# one kernel runs it in CI (make test-vm EVERY_KERNEL=1 runs it on both).
# vm-timeout: 300
# vm-kernel: 6.1
. "$(dirname "$0")/../lib.sh"

setup_server 32 3

# tmpfs_on DIR SIZE: a tmpfs of SIZE on DIR.
tmpfs_on() {
	mkdir -p "$1"
	run mount -t tmpfs -o size="$2" tmpfs "$1"
	echo "$1" >>"$STATE/mounts"
}

# ext4 for 1 (ram0) and 5 (ram2), tmpfs for 1 and 3.
run mkfs.ext4 -q -F /dev/ram0
run mkfs.ext4 -q -F /dev/ram2
mount_on /dev/ram0 "$WORK/full"
mount_on /dev/ram2 "$WORK/frozen"
tmpfs_on "$WORK/tmpfs" 64m
tmpfs_on "$WORK/small" 32m
run truncate -s 128M "$WORK/full/disk.img"
run truncate -s 128M "$WORK/small/disk.img"
run truncate -s 16M "$WORK/tmpfs/disk.img"
run truncate -s 16M "$WORK/frozen/disk.img"
sv dstctl export "$WORK/full/disk.img" --name full --listen "$LISTEN" >/dev/null
sv dstctl export "$WORK/small/disk.img" --name small --listen "$LISTEN" >/dev/null
sv dstctl export "$WORK/tmpfs/disk.img" --name tmpfs --listen "$LISTEN" >/dev/null
sv dstctl export /dev/ram1 --name bdev --listen "$LISTEN" >/dev/null
sv dstctl export "$WORK/frozen/disk.img" --name frozen --listen "$LISTEN" >/dev/null
full=$(add_device --export full)
small=$(add_device --export small)
tmpfs=$(add_device --export tmpfs)
bdev=$(add_device --export bdev)
frozen=$(add_device --export frozen)

# fill DEV: writing 64 MiB to DEV, whose backing file system has 32, fails with ENOSPC.
fill() {
	local rc=0
	run dd if=/dev/urandom of="$1" bs=1M count=64 oflag=direct status=none 2>"$WORK/dd.err" || rc=$?
	cat "$WORK/dd.err"
	((rc != 0)) || fail "64 MiB fit in a 32 MiB file system"
	grep -q "No space left on device" "$WORK/dd.err" || fail "the write did not fail with ENOSPC"
}

say "1. the backing file system fills up: ENOSPC, direct I/O on ext4"
fill "$full"
say "1. the same, buffered I/O on tmpfs"
fill "$small"

say "2. the backing store fails with ENOMEM: an I/O error"
dbg_set backing_enomem 1
rc=0
run dd if=/dev/urandom of="$bdev" bs=4k count=1 oflag=direct status=none 2>"$WORK/dd.err" || rc=$?
cat "$WORK/dd.err"
((rc != 0)) || fail "the write succeeded: ENOMEM was taken for 'not executed' and resent"
grep -q "Input/output error" "$WORK/dd.err" || fail "the write did not fail with EIO"

say "3. WRITE_ZEROES with and without REQ_NOUNMAP, on tmpfs"
img=$WORK/tmpfs/disk.img
run dd if=/dev/urandom of="$tmpfs" bs=1M count=1 oflag=direct status=none
allocated=$(blocks "$img")
echo "allocated: $allocated blocks"
((allocated >= 2048)) || fail "1 MiB written, only $allocated blocks allocated"
run blkdiscard -z -o 0 -l 1M "$tmpfs"
assert_eq "$(blocks "$img")" "$allocated" "blocks after BLKZEROOUT (no unmap)"
run dd if="$tmpfs" of="$WORK/z" bs=1M count=1 iflag=direct status=none
assert_zero_file "$WORK/z" "the zeroed range"
run fallocate --punch-hole -o 0 -l 1M "$tmpfs"
left=$(blocks "$img")
echo "after punching: $left blocks"
((left < allocated)) || fail "punching the range deallocated nothing"
run dd if="$tmpfs" of="$WORK/z" bs=1M count=1 iflag=direct status=none
assert_zero_file "$WORK/z" "the punched range"

say "4. a block device export: the page cache and the read-only flag"
run dd if=/dev/urandom of=/dev/ram1 bs=64k count=4 status=none
run sync
run dd if=/dev/ram1 of="$WORK/cached" bs=64k count=4 status=none
run blkdiscard -z -o 0 -l 64k "$bdev"
run dd if=/dev/ram1 of="$WORK/now" bs=64k count=1 status=none
assert_zero_file "$WORK/now" "the server's buffered read of the zeroed range"
run blockdev --setro /dev/ram1
run dd if=/dev/ram1 of="$WORK/before" bs=64k count=4 iflag=direct status=none
expect_fail_with --prefix "blkdiscard: " blkdiscard -z -o 64k -l 64k "$bdev"
discard=$(cl dstctl status --json | json_get "'discard' in [d for d in j['devices'] if d['name'] == '${bdev#/dev/}'][0]['features']")
if [[ $discard == true ]]; then
	expect_fail_with --prefix "blkdiscard: " blkdiscard -o 128k -l 64k "$bdev"
else
	echo "(the export has no discard)"
fi
rc=0
run dd if=/dev/urandom of="$bdev" bs=64k seek=3 count=1 oflag=direct status=none || rc=$?
((rc != 0)) || fail "a write to a read-only device succeeded"
run dd if=/dev/ram1 of="$WORK/after" bs=64k count=4 iflag=direct status=none
run cmp "$WORK/before" "$WORK/after"
run blockdev --setrw /dev/ram1

say "5. a frozen file system: the write waits for the thaw"
random_file "$WORK/frz" 256
run fsfreeze -f "$WORK/frozen"
printf '+ dd of=%s ... &\n' "$frozen" >&2
dd if="$WORK/frz" of="$frozen" bs=64k oflag=direct status=none &
writer=$!
bg_track "$writer"
sleep 3
running "$writer" || { run fsfreeze -u "$WORK/frozen"; fail "the write finished on a frozen file system"; }
echo "ok: the write waits while the file system is frozen"
run fsfreeze -u "$WORK/frozen"
wait_until 20 bash -c "! kill -0 $writer 2>/dev/null"
wait "$writer" || fail "the write failed after the thaw"
run cmp -n $((256 << 10)) "$WORK/frz" "$WORK/frozen/disk.img"
