#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# The netlink family refuses what it must: unprivileged changes (through
# dstctl and raw), attributes out of policy range, a missing attribute, an
# unknown device; each with an errno and an extack explanation. The raw
# requests come from nlraw.py, which knows only the uapi header.
# DST's own logic, with no kernel API that differs between 6.1 and 6.12:
# one kernel runs it in CI (make test-vm EVERY_KERNEL=1 runs it on both).
# vm-timeout: 300
# vm-kernel: 6.1
. "$(dirname "$0")/../lib.sh"

# setpriv: nobody, no groups, no capabilities at all.
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all)

setup_server 16
export_dev /dev/ram0 >/dev/null
add_device >/dev/null

say "dstctl as nobody"
expect_fail_with --status 1 "dstctl: permission denied: this needs CAP_SYS_ADMIN" \
	ip netns exec client "${NOBODY[@]}" "$DSTCTL" remove-device dst0
[[ -e /sys/block/dst0 ]] || fail "dst0 is gone after a refused remove-device"
# Reading is not privileged.
run ip netns exec client "${NOBODY[@]}" "$DSTCTL" status >/dev/null

# nlraw REQUEST...: print and return nlraw.py's answer.
nlraw() {
	local out
	out=$(run ip netns exec client python3 "$NLRAW" "$@")
	sed 's/^/  | /' <<<"$out" >&2
	echo "$out"
}

field() { sed -n "s/^$1: //p" <<<"$2"; }

say "raw DEV_ADD with DST_A_LOGICAL_BS=3 (policy: 512..4096)"
out=$(nlraw DEV_ADD LOGICAL_BS=u32:3)
# The netlink core answers a range violation with ERANGE ("integer out of
# range"), other policy violations with EINVAL.
case $(field errno "$out") in
"EINVAL (22)" | "ERANGE (34)") echo "ok: errno $(field errno "$out")" ;;
*) fail "errno $(field errno "$out"), expected EINVAL or ERANGE" ;;
esac
[[ -n $(field message "$out") ]] || fail "no extack message"
assert_eq "$(field bad-attribute "$out")" DST_A_LOGICAL_BS "offending attribute"

say "raw DEV_DEL without DST_A_DEV_INDEX"
out=$(nlraw DEV_DEL)
assert_eq "$(field errno "$out")" "EINVAL (22)" "errno"
assert_eq "$(field missing-attribute "$out")" DST_A_DEV_INDEX "missing attribute"

say "raw DEV_DEL of a device that does not exist"
out=$(nlraw DEV_DEL DEV_INDEX=u32:777)
case $(field errno "$out") in
"ENODEV (19)" | "ENOENT (2)") echo "ok: errno $(field errno "$out")" ;;
*) fail "errno $(field errno "$out"), expected ENODEV or ENOENT" ;;
esac
[[ -n $(field message "$out") ]] || fail "no extack message"

say "raw DEV_ADD as nobody"
out=$(run ip netns exec client "${NOBODY[@]}" python3 "$NLRAW" DEV_ADD LOGICAL_BS=u32:512)
sed 's/^/  | /' <<<"$out"
assert_eq "$(field errno "$out")" "EPERM (1)" "errno"

say "raw DEV_GET of dst0 as nobody: allowed"
out=$(run ip netns exec client "${NOBODY[@]}" python3 "$NLRAW" DEV_GET DEV_INDEX=u32:0)
sed 's/^/  | /' <<<"$out"
assert_eq "$(field errno "$out")" "0 (0)" "errno"
assert_contains "$out" "reply-attribute: DST_A_DEV_INDEX=00000000" "reply"
