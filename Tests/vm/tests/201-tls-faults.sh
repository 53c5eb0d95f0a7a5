#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# TLS faults, none of which may lose or fail an I/O. Rekey by reconnect: a
# device that carries 512 records per connection is given fresh
# connections (fresh keys) again and again under fio verify. Tampering: a
# relay flips one byte of a record on its way to the client; kernel TLS
# refuses the record, the connection fails, is counted, and the client
# reconnects and resends. An injected fatal alert and an injected KeyUpdate
# from the export: the same, each named in last_error.
# vm-timeout: 600
# vm-kernel: 6.12
. "$(dirname "$0")/../lib.sh"

RELAY_PORT=1125

setup_server 128
DST_TLS=psk
tls_setup
sv dstctl export /dev/ram0 --listen "$LISTEN" --allow "alice=$TLS/alice.key" 2>&1

say "rekey every 512 records under fio verify"
dev=$(add_device --rekey-records 512)
assert_eq "$(sysfs_attr dst0 rekey_records)" 512 "rekey_records"
fio_jobs "$dev" write-1m:write:1m:32m randwrite-4k:randwrite:4k:4m:64m randrw-64k:randrw:64k:8m:96m \
	>"$WORK/rekey.fio"
fio_verify "$WORK/rekey.fio"
rekeys=$(sysfs_attr dst0 rekeys)
echo "rekeys: $rekeys, reconnects: $(sysfs_attr dst0 reconnects)"
((rekeys >= 3)) || fail "only $rekeys rekeys for 88 MiB in records of 16 KiB at most"
assert_eq "$(sysfs_attr dst0 errors)" 0 "I/O errors"
assert_eq "$(sysfs_attr dst0 timeouts)" 0 "timeouts"
assert_eq "$(sysfs_attr dst0 tls_errors)" 0 "tls_errors"
assert_eq "$(sysfs_attr dst0 protection)" tls1.3-aes-128-gcm "protection after rekeys"
cl dstctl remove-device dst0

say "a relay flips one byte of a record to the client"
printf '+ relay.py %s %s 4194304 &\n' "$RELAY_PORT" "$LISTEN" >&2
ip netns exec client python3 "$REPO/Tests/vm/relay.py" "$RELAY_PORT" "$LISTEN" 4194304 \
	>"$WORK/relay.out" 2>&1 &
bg_track $!
wait_until 10 grep -q listening "$WORK/relay.out"
# One connection, through the relay, whose record it corrupts.
# shellcheck disable=SC2046 # the options are words
dev=$(cl dstctl add-device --remote "127.0.0.1:$RELAY_PORT" --connections 1 $(tls_client_args))
random_file "$WORK/data" 16384
run dd if="$WORK/data" of="$dev" bs=1M oflag=direct status=none
epoch=$(sysfs_attr dst0 epoch)
run dd if="$dev" of="$WORK/back" bs=1M count=16 iflag=direct status=none
run cmp "$WORK/data" "$WORK/back"
cat "$WORK/relay.out"
grep -q "relay: flipped" "$WORK/relay.out" || fail "the relay flipped nothing"
assert_eq "$(sysfs_attr dst0 tls_errors)" 1 "tls_errors after one flipped byte"
wait_until 20 reconnected_since "$epoch"
assert_eq "$(sysfs_attr dst0 errors)" 0 "I/O errors"
echo "last_error: $(sysfs_attr dst0 last_error)"
assert_contains "$(sysfs_attr dst0 last_error)" "TLS record failed authentication"
cl dstctl remove-device dst0

inject() {
	local what=$1 why=$2 epoch errors
	say "the export injects a $what"
	dev=$(add_device)
	random_file "$WORK/data" 8192
	run dd if="$WORK/data" of="$dev" bs=1M oflag=direct status=none
	epoch=$(sysfs_attr dst0 epoch)
	errors=$(sysfs_attr dst0 tls_errors)
	dbg_set tls_inject "$3"
	run dd if="$dev" of="$WORK/back" bs=1M count=8 iflag=direct status=none
	run cmp "$WORK/data" "$WORK/back"
	wait_until 20 reconnected_since "$epoch"
	assert_eq "$(sysfs_attr dst0 tls_errors)" $((errors + 1)) "tls_errors after the $what"
	assert_eq "$(sysfs_attr dst0 errors)" 0 "I/O errors"
	assert_contains "$(sysfs_attr dst0 last_error)" "$why"
	cl dstctl remove-device dst0
}
inject "fatal alert" "TLS alert from the peer: internal_error" 1
inject KeyUpdate "TLS KeyUpdate from the peer: rekeying takes a new connection" 2
