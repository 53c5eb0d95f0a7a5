#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# dstctl apply and down with a configuration file on each side: the server's
# exports, the client's devices. Each step applies a changed file and checks
# the exact lines printed, the exit status and the kernel's state: added
# (data written and read back), the same file again (no changes, the
# connection untouched), a timeout changed in place (same connection), a
# second export and device, removals, a device in use that cannot be
# removed, files with errors that change nothing, and down.
# vm-kernel: 6.1
# vm-timeout: 300
. "$(dirname "$0")/../lib.sh"

setup_server 16 2

SV=$WORK/server.conf
CL=$WORK/client.conf

# apply_ok NETNS FILE EXPECTED [ARGS...]: dstctl apply prints exactly
# EXPECTED on stdout and exits 0.
apply_ok() {
	local ns=$1 file=$2 want=$3 out rc
	shift 3
	out=$(run ip netns exec "$ns" dstctl apply --config "$file" "$@") && rc=0 || rc=$?
	printf '%s\n' "$out" | sed 's/^/  stdout| /'
	assert_eq "$rc" 0 "exit status of apply in $ns"
	assert_eq "$out" "$want" "output of apply in $ns"
}

# state: the devices with their connection epoch and io_timeout.
state() {
	local d
	for d in /sys/block/dst*; do
		printf '%s epoch=%s io_timeout=%s\n' "${d##*/}" "$(sysfs_attr "${d##*/}" epoch)" \
			"$(sysfs_attr "${d##*/}" io_timeout)"
	done
}

say "server: one export"
cat >"$SV" <<CONF
# the server's exports
[Export db]
Path = /dev/ram0
Listen = $LISTEN
CONF
apply_ok server "$SV" "export db: added (/dev/ram0 on $LISTEN)"

say "client: one device"
cat >"$CL" <<CONF
[Device dst0]
Remote = $LISTEN
Export = db
Connections = 1
CONF
apply_ok client "$CL" "dst0: added ($LISTEN export db)" --dry-run
[[ ! -e /sys/block/dst0 ]] || fail "--dry-run added dst0"
apply_ok client "$CL" "dst0: added ($LISTEN export db)"
wait_state dst0 connected 10
random_file "$WORK/src" 1024
run dd if="$WORK/src" of=/dev/dst0 bs=64K oflag=direct status=none
run dd if=/dev/dst0 of="$WORK/back" bs=64K count=16 iflag=direct status=none
run cmp "$WORK/src" "$WORK/back"
run dd if=/dev/ram0 of="$WORK/backing" bs=64K count=16 iflag=direct status=none
run cmp "$WORK/src" "$WORK/backing"
epoch=$(sysfs_attr dst0 epoch)
generation=$(sysfs_attr dst0 generation)

say "the same files again: no changes"
apply_ok server "$SV" "no changes"
apply_ok client "$CL" "no changes" --dry-run
assert_eq "$(sysfs_attr dst0 epoch)/$(sysfs_attr dst0 generation)" "$epoch/$generation" "dst0 epoch/generation"
assert_eq "$(sysfs_attr dst0 reconnects)" 0 "dst0 reconnects"

say "a timeout changed in place"
echo "IOTimeout = 60" >>"$CL"
apply_ok client "$CL" "dst0: io-timeout 30s -> 60s"
assert_eq "$(sysfs_attr dst0 io_timeout)" 60 "dst0 io_timeout"
assert_eq "$(sysfs_attr dst0 epoch)/$(sysfs_attr dst0 generation)" "$epoch/$generation" "dst0 epoch/generation"

say "a second export, the first one's access changed in place"
cat >>"$SV" <<CONF
AllowFrom = $CLIENT_IP
AllowFrom = 198.51.100.0/24

[Export logs]
Path = /dev/ram1
Listen = $LISTEN
CONF
apply_ok server "$SV" "export db: allow-from $CLIENT_IP/32 added
export db: allow-from 198.51.100.0/24 added
export logs: added (/dev/ram1 on $LISTEN)"
assert_eq "$(sysfs_attr dst0 reconnects)" 0 "dst0 reconnects"
cat >>"$CL" <<CONF

[Device dst1]
Remote = $LISTEN
Export = logs
Connections = 1
CONF
apply_ok client "$CL" "dst1: added ($LISTEN export logs)"
wait_state dst1 connected 10
assert_eq "$(sysfs_attr dst1 export)" logs "dst1 export"
assert_eq "$(sysfs_attr dst0 epoch)" "$epoch" "dst0 epoch"

say "files with errors change nothing"
before=$(state)
cat >"$WORK/bad.conf" <<CONF
[Device dst0]
Remote = $LISTEN
IOTimeout = 0
Colour = blue
Key = /etc/dst/client.key

[Device dst0]
Remote = $LISTEN
[Export db]
Listen = nowhere:99999
CONF
expect_fail_with --status 78 "$WORK/bad.conf:3: IOTimeout must be -1 or between 1 and 4294967 seconds" \
	ip netns exec client dstctl apply --config "$WORK/bad.conf"
want="$WORK/bad.conf:3: IOTimeout must be -1 or between 1 and 4294967 seconds
$WORK/bad.conf:4: unknown key \"Colour\" in [Device dst0]
$WORK/bad.conf:5: Key needs Identity
$WORK/bad.conf:7: duplicate section [Device dst0], first on line 1
$WORK/bad.conf:9: [Export db] needs Path
$WORK/bad.conf:10: Listen: invalid address \"nowhere:99999\": expected HOST:PORT or [IPv6]:PORT
dstctl: $WORK/bad.conf: 6 errors, nothing changed"
assert_eq "$(cat "$WORK/expect.err")" "$want" "the errors"
assert_eq "$(cat "$WORK/expect.out")" "" "stdout"
assert_eq "$(state)" "$before" "state after the refused files"

say "a device in use is not removed"
run mkfs.ext4 -q /dev/dst1
mount_on /dev/dst1 "$WORK/mnt"
head -n 4 "$CL" >"$WORK/only-dst0.conf"
expect_fail_with --status 1 "dstctl: dst1: not removed: it is open or mounted; unmount it and run apply again" \
	ip netns exec client dstctl apply --config "$WORK/only-dst0.conf"
assert_eq "$(cat "$WORK/expect.out")" "dst0: io-timeout 60s -> 30s" "what apply did change"
[[ -e /sys/block/dst1 ]] || fail "dst1 was removed while mounted"
run umount "$WORK/mnt"

say "removals"
apply_ok client "$WORK/only-dst0.conf" "dst1: removed"
[[ ! -e /sys/block/dst1 ]] || fail "dst1 is still there"
sed -n '/^\[Export logs\]/,$p' "$SV" >"$WORK/only-logs.conf"
expect_fail_with --status 1 "dstctl: export db: not removed: it has 1 client; remove the devices on them, or dstctl unexport db to drop them, and run apply again" \
	ip netns exec server dstctl apply --config "$WORK/only-logs.conf"
apply_ok client /dev/null "dst0: removed"
apply_ok server "$WORK/only-logs.conf" "export db: removed"

say "down"
apply_ok server "$SV" "export db: added (/dev/ram0 on $LISTEN)"
apply_ok client "$CL" "dst0: added ($LISTEN export db)
dst1: added ($LISTEN export logs)"
out=$(run ip netns exec client dstctl down --config "$CL")
assert_eq "$out" "dst0: removed
dst1: removed" "output of down in client"
out=$(run ip netns exec server dstctl down --config "$SV")
assert_eq "$out" "export db: removed
export logs: removed" "output of down in server"
assert_eq "$(state)" "" "devices after down"
assert_eq "$(ip netns exec server dstctl status --json | json_get 'len(j["exports"])')" 0 "exports after down"
