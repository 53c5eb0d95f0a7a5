#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Tear a working set-up down by hand, step by step, and check that nothing
# is left: no devices, no exports, no dstd, no module, no kernel threads.
# vm-timeout: 300
. "$(dirname "$0")/../lib.sh"

setup_server 32
export_dev /dev/ram0 >/dev/null
add_device >/dev/null
add_device >/dev/null
random_file "$WORK/a" 1024
run dd if="$WORK/a" of=/dev/dst1 bs=64K oflag=direct status=none
say "kernel threads and daemons while running"
ps -eo pid,comm | awk '$2 ~ /^dst/'
for ns in server client; do
	dstd_ready "$ns" && echo "dstd runs in $ns" || echo "no dstd in $ns"
done

say "remove the nodes"
cl dstctl remove-device dst0
cl dstctl remove-device /dev/dst1
assert_eq "$(ls /sys/block | grep -c '^dst' || true)" 0 "dst block devices"
assert_eq "$(cl dstctl status --json | json_get 'len(j["devices"])')" 0 "devices in status"
assert_eq "$(sv dstctl status --json | json_get 'j["exports"][0]["clients"]')" 0 "export clients"

say "unexport"
sv dstctl unexport ram0
assert_eq "$(sv dstctl status --json | json_get 'len(j["exports"])')" 0 "exports"

say "stop dstd, unload"
stop_dstd
run rmmod dst
if lsmod | grep -q '^dst '; then
	fail "lsmod still lists dst"
fi
echo "ok: lsmod lists no dst"
left=$(ps -eo pid,comm | awk '$2 ~ /^dst/')
[[ -z $left ]] || fail "threads left after rmmod: $left"
echo "ok: no dst threads"
run rmmod brd
