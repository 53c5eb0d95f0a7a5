#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Devices and exports are privileged block-storage objects, each scoped to
# the network namespace that made it:
#   1. root without CAP_SYS_ADMIN (CAP_NET_ADMIN kept, as a container given
#      --cap-add NET_ADMIN has it), and root of a user namespace: every
#      state-changing operation fails with EPERM; dev-get answers without the
#      session and generation that a takeover would need;
#   2. full root in another network namespace: the device and the export are
#      not there (ENODEV, ENOENT), dumps list neither, and an export of the
#      same name can be made there;
#   3. a socket from another network namespace is refused by dev-connect
#      and export-connect: the device keeps its connection and generation.
# The checks are genetlink's and ours, with no API that differs between the
# kernels: one kernel runs it.
# vm-timeout: 300
# vm-kernel: 6.1
. "$(dirname "$0")/../lib.sh"

# Root with every capability but CAP_SYS_ADMIN.
NO_SYS_ADMIN=(setpriv --bounding-set=-sys_admin --inh-caps=-sys_admin)

setup_server 16 2
export_dev /dev/ram0 >/dev/null
add_device >/dev/null
generation=$(sysfs_attr dst0 generation)
epoch=$(sysfs_attr dst0 epoch)

# nlraw NETNS [PREFIX...] -- REQUEST...: nlraw.py's answer in NETNS, run
# under PREFIX (a capability filter).
nlraw() {
	local ns=$1 pre=() out
	shift
	while [[ $1 != -- ]]; do
		pre+=("$1")
		shift
	done
	shift
	out=$(run ip netns exec "$ns" "${pre[@]}" python3 "$NLRAW" "$@")
	sed 's/^/  | /' <<<"$out" >&2
	echo "$out"
}
field() { sed -n "s/^$1: //p" <<<"$2"; }

# expect_errno WANT NETNS [PREFIX...] -- REQUEST...
expect_errno() {
	local want=$1 out
	shift
	out=$(nlraw "$@")
	assert_eq "$(field errno "$out")" "$want" "errno"
}

DEV_OPS=(
	"DEV_DEL DEV_INDEX=u32:0"
	"DEV_SET DEV_INDEX=u32:0 IO_TIMEOUT=u32:60000"
	"DEV_CONNECT DEV_INDEX=u32:0 GENERATION=u32:$((generation + 1)) SOCK_FD=tcp:"
	"DEV_ADD SOCK_FD=tcp: SIZE=u64:1048576 LOGICAL_BS=u32:512 PHYSICAL_BS=u32:4096 MAX_XFER=u32:1048576 FEATURES=u32:0 CSUM=u32:0 SESSION=bin:0102030405060708090a0b0c0d0e0f10 GENERATION=u32:1"
)
EXPORT_OPS=(
	"EXPORT_DEL EXPORT_NAME=str:ram0"
	"EXPORT_CONNECT EXPORT_NAME=str:ram0 SOCK_FD=tcp:"
	"EXPORT_ADD EXPORT_NAME=str:other BACKING_FD=u32:0"
)

say "1. root without CAP_SYS_ADMIN: every change refused"
run ip netns exec client "${NO_SYS_ADMIN[@]}" grep Cap /proc/self/status
for op in "${DEV_OPS[@]}"; do
	# shellcheck disable=SC2086
	expect_errno "EPERM (1)" client "${NO_SYS_ADMIN[@]}" -- $op
done
for op in "${EXPORT_OPS[@]}"; do
	# shellcheck disable=SC2086
	expect_errno "EPERM (1)" server "${NO_SYS_ADMIN[@]}" -- $op
done
expect_fail_with --status 1 "dstctl: permission denied: this needs CAP_SYS_ADMIN" \
	ip netns exec client "${NO_SYS_ADMIN[@]}" "$DSTCTL" remove-device dst0
expect_fail_with --status 1 "dstctl: permission denied: this needs CAP_SYS_ADMIN" \
	ip netns exec server "${NO_SYS_ADMIN[@]}" "$DSTCTL" unexport ram0

say "1. dev-get without CAP_SYS_ADMIN: no session, no generation"
out=$(nlraw client "${NO_SYS_ADMIN[@]}" -- DEV_GET DEV_INDEX=u32:0)
assert_eq "$(field errno "$out")" "0 (0)" "errno"
assert_contains "$out" "reply-attribute: DST_A_STATE=" "reply"
[[ $out != *DST_A_SESSION=* && $out != *DST_A_GENERATION=* ]] ||
	fail "dev-get without CAP_SYS_ADMIN shows the session or generation"
echo "ok: neither session nor generation"
out=$(nlraw client -- DEV_GET DEV_INDEX=u32:0)
assert_contains "$out" "reply-attribute: DST_A_SESSION=" "dev-get as root"
assert_contains "$out" "reply-attribute: DST_A_GENERATION=" "dev-get as root"

say "1. root of a user namespace (its own netns): every change refused"
for op in "${DEV_OPS[@]}"; do
	# shellcheck disable=SC2086
	expect_errno "EPERM (1)" client unshare --user --map-root-user --net \
		sh -c 'ip link set lo up && exec "$@"' _ -- $op
done

say "2. another network namespace: neither the device nor the export"
run ip netns add other
run ip -n other link set lo up
for op in "DEV_GET DEV_INDEX=u32:0" "DEV_DEL DEV_INDEX=u32:0" \
	"DEV_SET DEV_INDEX=u32:0 IO_TIMEOUT=u32:60000" \
	"DEV_CONNECT DEV_INDEX=u32:0 GENERATION=u32:$((generation + 1)) SOCK_FD=tcp:"; do
	# shellcheck disable=SC2086
	expect_errno "ENODEV (19)" other -- $op
done
for op in "EXPORT_GET EXPORT_NAME=str:ram0" "EXPORT_DEL EXPORT_NAME=str:ram0" \
	"EXPORT_CONNECT EXPORT_NAME=str:ram0 SOCK_FD=tcp:"; do
	# shellcheck disable=SC2086
	expect_errno "ENOENT (2)" other -- $op
done
status=$(run ip netns exec other dstctl status --json)
assert_eq "$(json_get 'len(j["devices"]) + len(j["exports"])' <<<"$status")" 0 "objects seen from other"
say "2. the name ram0 is free in the other namespace"
run ip netns exec other dstctl export /dev/ram1 --name ram0 --listen 127.0.0.1:1025
assert_eq "$(sv dstctl status --json | json_get 'j["exports"][0]["path"]')" /dev/ram0 "server's ram0"
assert_eq "$(run ip netns exec other dstctl status --json | json_get 'j["exports"][0]["path"]')" \
	/dev/ram1 "other's ram0"
run ip netns exec other dstctl unexport ram0

say "3. a socket from another network namespace is refused"
out=$(nlraw client -- DEV_CONNECT DEV_INDEX=u32:0 GENERATION=u32:$((generation + 1)) SOCK_FD=tcp:other)
assert_eq "$(field errno "$out")" "EINVAL (22)" "errno"
assert_contains "$(field message "$out")" "another network namespace" "extack"
out=$(nlraw server -- EXPORT_CONNECT EXPORT_NAME=str:ram0 SOCK_FD=tcp:other)
assert_eq "$(field errno "$out")" "EINVAL (22)" "errno"
assert_contains "$(field message "$out")" "another network namespace" "extack"

say "the device was never touched"
assert_eq "$(sysfs_attr dst0 generation)" "$generation" "generation"
assert_eq "$(sysfs_attr dst0 epoch)" "$epoch" "epoch"
assert_eq "$(sysfs_attr dst0 state)" connected "state"
run dd if=/dev/urandom of="$WORK/data" bs=64k count=16 status=none
run dd if="$WORK/data" of=/dev/dst0 bs=64k oflag=direct status=none
run cmp -n $((1 << 20)) "$WORK/data" /dev/ram0
run ip netns del other
