#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# dstctl's one-line errors, exactly as a user sees them.
# vm-timeout: 300
# vm-kernel: 6.12
. "$(dirname "$0")/../lib.sh"

setup_server 32
export_dev /dev/ram0 >/dev/null

say "remote unreachable"
expect_fail_with --status 1 "dstctl: cannot connect to 192.0.2.1:9: Connection refused" \
	ip netns exec client dstctl add-device --remote 192.0.2.1:9

say "handshake refused"
expect_fail_with --status 1 --prefix "dstctl: server refused the connection: unknown-export:" \
	ip netns exec client dstctl add-device --remote "$LISTEN" --export nosuch

say "bad addresses"
expect_fail_with --status 64 "dstctl: The value '192.0.2.1:99999' is invalid for '--remote <addr:port>': port \"99999\" is not a number from 1 to 65535" \
	ip netns exec client dstctl add-device --remote 192.0.2.1:99999
expect_fail_with --status 64 "dstctl: The value 'nonsense:' is invalid for '--remote <addr:port>': no port after ':'" \
	ip netns exec client dstctl add-device --remote nonsense:
# A host name that resolves nowhere (no DNS in the test namespaces).
expect_fail_with --status 1 --prefix "dstctl: cannot resolve nonsense: " \
	ip netns exec client dstctl add-device --remote nonsense
[[ ! -e /sys/block/dst0 ]] || fail "a failed add-device left /sys/block/dst0"

say "device busy"
add_device >/dev/null
run mkfs.ext4 -q -F /dev/dst0
mount_on /dev/dst0 "$WORK/mnt"
expect_fail_with --status 1 "dstctl: dst0 is busy: it is open or mounted" \
	ip netns exec client dstctl remove-device dst0
run umount "$WORK/mnt"
cl dstctl remove-device dst0

say "no such device"
expect_fail_with --status 1 "dstctl: no such device: dst5" \
	ip netns exec client dstctl remove-device dst5

say "backing path missing"
expect_fail_with --status 1 "dstctl: cannot open /nonexistent: No such file or directory" \
	ip netns exec server dstctl export /nonexistent --listen "$SERVER_IP:1026"

say "module not loaded"
sv dstctl unexport ram0
stop_dstd
run rmmod dst
expect_fail_with --status 1 "dstctl: the dst kernel module is not loaded (try: modprobe dst)" \
	dstctl status
expect_fail_with --status 1 "dstctl: the dst kernel module is not loaded (try: modprobe dst)" \
	ip netns exec client dstctl add-device --remote "$LISTEN"
