#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# The test bed itself, no DST: both namespaces reach each other over the
# veth pair and not otherwise, brd gives the requested devices, and O_DIRECT
# works on them.
# vm-timeout: 120
. "$(dirname "$0")/../lib.sh"

setup_net
say "ping both ways"
cl ping -c 2 -W 2 "$SERVER_IP"
sv ping -c 2 -W 2 "$CLIENT_IP"
say "the initial netns has no route to either"
if run ping -c 1 -W 1 "$SERVER_IP"; then
	fail "initial netns reached $SERVER_IP"
fi

brd_setup 16 2
assert_eq "$(blockdev --getsize64 /dev/ram0)" $((16 << 20)) "/dev/ram0 size"
assert_eq "$(blockdev --getsize64 /dev/ram1)" $((16 << 20)) "/dev/ram1 size"
random_file "$WORK/data" 1024
run dd if="$WORK/data" of=/dev/ram1 bs=64K oflag=direct status=none
run cmp -n $((1 << 20)) "$WORK/data" /dev/ram1
