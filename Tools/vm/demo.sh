#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# A narrated tour of DST, run in the VM by `make demo`
# (Tools/vm/run --kernel 6.1 --verbose Tools/vm/demo.sh): a server and a
# client network namespace, a RAM disk exported by one and attached by the
# other over TLS 1.3 with a pre-shared key, a file system on it, and
# everything taken down again.
# vm-timeout: 600
. "$(dirname "$0")/../../Tests/vm/lib.sh"

pause() { sleep "${DEMO_PAUSE:-1}"; }

cat <<'TXT'

==========================================================================
 DST demo: a network block device between two network namespaces

   server (192.0.2.1)                         client (192.0.2.2)
   /dev/ram0 --export--> dstd :1025  <--TLS 1.3-->  dstctl add-device --> /dev/dst0
==========================================================================
TXT
pause

setup_net
brd_setup 64 1
load_dst
pause

say "Keys: a pre-shared key for the identity alice, on both sides (dstctl genkey)"
DST_TLS=psk
tls_setup
pause

say "On the server: start dstd, export the RAM disk to alice"
start_dstd server
export_dev /dev/ram0
sv dstctl status
pause

say "On the client: attach it as alice"
dev=$(add_device)
echo "attached: $dev ($(dev_size "$dev") bytes), $(sysfs_attr dst0 protection) as $(sysfs_attr dst0 identity)"
pause

say "A file system on /dev/dst0"
run mkfs.ext4 -q -F /dev/dst0
mount_on /dev/dst0 "$WORK/mnt"
run df -h "$WORK/mnt"
pause

say "Write a file, drop it from the cache, read it back"
random_file "$WORK/payload" 2048
run cp "$WORK/payload" "$WORK/mnt/payload"
run sync
run umount "$WORK/mnt"
run mount /dev/dst0 "$WORK/mnt"
run sha256sum "$WORK/payload" "$WORK/mnt/payload"
run cmp "$WORK/payload" "$WORK/mnt/payload"
echo "identical: the bytes went to the server and came back"
pause

say "dstctl status on the client"
cl dstctl status
pause

say "The same, one value per file: /sys/block/dst0/dst/"
for f in /sys/block/dst0/dst/*; do
	printf '  %-16s %s\n' "${f##*/}" "$(cat "$f")"
done
pause

say "Teardown"
run umount "$WORK/mnt"
cl dstctl remove-device dst0
sv dstctl unexport ram0
stop_dstd
run rmmod dst
echo
echo "Done: dst unloaded, nothing left behind."
