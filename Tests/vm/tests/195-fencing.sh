#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Fencing does not rest on userspace, and a timed-out write of unknown
# outcome never lands after a later rewrite:
#   1. a write the server holds (debug build: dbg_write_hold_ms, 8 s) times
#      out on the client after --io-timeout 5 with EIO; the application
#      writes the block again, which succeeds; the held write lands at 8 s,
#      yet the block holds the rewrite, on the server and through the
#      device. Without a fence, the rewrite would go on the other live
#      connection of the same generation and be overwritten by the old copy;
#   2. dev-add without a session, or with an all-zero one, is refused: a
#      device without a session could not be fenced;
#   3. an export remembers each session's newest generation: an older one
#      is refused also after the newer one left (export_peer.py stale).
# Fencing is the export's own bookkeeping, with no API that differs between
# the kernels: one kernel runs it.
# vm-timeout: 300
# vm-kernel: 6.1
. "$(dirname "$0")/../lib.sh"

setup_server 16 2
export_dev /dev/ram0 >/dev/null
add_device --connections 2 --io-timeout 5 >/dev/null

nlraw() {
	local out
	out=$(run ip netns exec client python3 "$NLRAW" "$@")
	sed 's/^/  | /' <<<"$out" >&2
	echo "$out"
}
field() { sed -n "s/^$1: //p" <<<"$2"; }
DEV_ADD=(DEV_ADD SOCK_FD=tcp: SIZE=u64:1048576 LOGICAL_BS=u32:512 PHYSICAL_BS=u32:4096
	MAX_XFER=u32:1048576 FEATURES=u32:0 CSUM=u32:0 GENERATION=u32:1)

say "1. a held write times out; its rewrite wins"
random_file "$WORK/old" 4
random_file "$WORK/new" 4
dbg_set write_hold_ms 8000
start=$(now)
rc=0
run dd if="$WORK/old" of=/dev/dst0 bs=4k seek=100 oflag=direct status=none 2>"$WORK/dd.err" || rc=$?
took=$(since "$start")
cat "$WORK/dd.err"
echo "the held write ended after ${took}s, exit $rc"
((rc != 0)) || fail "the held write succeeded: it did not time out"
grep -q "Input/output error" "$WORK/dd.err" || fail "the held write did not fail with EIO"
awk -v t="$took" 'BEGIN { exit !(t >= 4.5 && t <= 8) }' || fail "EIO after ${took}s, not at the 5 s timeout"
for attempt in 1 2 3 4 5; do
	run dd if="$WORK/new" of=/dev/dst0 bs=4k seek=100 oflag=direct status=none && break
	((attempt < 5)) || fail "the rewrite failed five times"
	sleep 1
done
echo "rewritten $(since "$start")s after the first write"
# The held write lands 8 s after it arrived.
sleep "$(awk -v t="$(since "$start")" 'BEGIN { s = 10 - t; print (s > 0 ? s : 0) }')"
run dd if=/dev/ram0 of="$WORK/server" bs=4k skip=100 count=1 iflag=direct status=none
run cmp "$WORK/new" "$WORK/server"
run dd if=/dev/dst0 of="$WORK/client" bs=4k skip=100 count=1 iflag=direct status=none
run cmp "$WORK/new" "$WORK/client"
show_dev dst0

say "2. dev-add without a session"
out=$(nlraw "${DEV_ADD[@]}")
assert_eq "$(field errno "$out")" "EINVAL (22)" "errno"
assert_eq "$(field missing-attribute "$out")" DST_A_SESSION "missing attribute"
out=$(nlraw "${DEV_ADD[@]}" SESSION=bin:00000000000000000000000000000000)
assert_eq "$(field errno "$out")" "EINVAL (22)" "errno"
assert_eq "$(field message "$out")" "dst: session must not be all zeroes" "extack"
assert_eq "$(field bad-attribute "$out")" DST_A_SESSION "bad attribute"
[[ ! -e /sys/block/dst1 ]] || fail "a device was created"

say "3. a late connection of an older generation"
run env REPO="$REPO" python3 "$REPO/Tests/vm/export_peer.py" stale /dev/ram1
