#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# TLS 1.3 with pre-shared keys. An export that lists identities takes them
# only, over kernel TLS: fio verifies through it; sysfs, status and the
# export show the protection and the identity; a capture of the link holds
# no plaintext (a canary written through the device is absent; every record
# after the ClientHello and ServerHello is application data), while the
# same canary through an insecure export is found. A wrong key, an unknown
# identity, a plaintext client and an open key file are refused with exact
# texts and create no device. A read-only identity gets a read-only device;
# set-export --deny drops its connection and refuses it from then on.
# vm-timeout: 600
# vm-kernel: 6.1
. "$(dirname "$0")/../lib.sh"

setup_server 64 2
DST_TLS=psk tls_setup

say "a TLS export: alice read-write, bob read-only"
out=$(sv dstctl export /dev/ram0 --listen "$LISTEN" --allow "alice=$TLS/alice.key" \
	--allow-ro "bob=$TLS/bob.key" 2>"$WORK/export.err")
echo "$out"
! grep "dstctl:" "$WORK/export.err" || fail "a TLS export is not insecure"
sjson=$(sv dstctl status --export ram0 --json)
assert_eq "$(json_get 'j["exports"][0]["security"]' <<<"$sjson")" tls "export security"
assert_eq "$(json_get '[a["identity"] for a in j["exports"][0]["allow"]]' <<<"$sjson")" '["alice", "bob"]' \
	"admitted identities"

say "refused: each with its reason, and no device"
expect_fail_with --status 1 \
	"dstctl: TLS with $LISTEN failed: wrong key: the server's key for this identity differs (illegal_parameter)" \
	ip netns exec client dstctl add-device --remote "$LISTEN" --identity alice --key "$TLS/carol.key"
expect_fail_with --status 1 \
	"dstctl: TLS with $LISTEN failed: unknown identity: the server does not admit it (unknown_psk_identity)" \
	ip netns exec client dstctl add-device --remote "$LISTEN" --identity carol --key "$TLS/carol.key"
expect_fail_with --status 1 \
	'dstctl: server refused the connection: tls-required: export "ram0" takes TLS connections only' \
	ip netns exec client dstctl add-device --remote "$LISTEN"
run cp "$TLS/alice.key" "$WORK/open.key"
run chmod 644 "$WORK/open.key"
expect_fail_with --status 1 \
	"dstctl: key file $WORK/open.key: readable or writable by others (mode 644); chmod 600 it" \
	ip netns exec client dstctl add-device --remote "$LISTEN" --identity alice --key "$WORK/open.key"
devices=(/sys/block/dst*)
((${#devices[@]} == 0)) || fail "a refused add-device left ${devices[*]}"

say "alice attaches over TLS, the link captured"
capture_start "$PORT" "$WORK/tls.cap"
# One connection: the capture follows one TCP flow.
dev=$(cl dstctl add-device --remote "$LISTEN" --identity alice --key "$TLS/alice.key" --connections 1)
assert_eq "$dev" /dev/dst0 "alice's device"
assert_eq "$(sysfs_attr dst0 protection)" tls1.3-aes-128-gcm "sysfs protection"
assert_eq "$(sysfs_attr dst0 identity)" alice "sysfs identity"
assert_eq "$(sysfs_attr dst0 csum)" none "checksum off under TLS"
canary=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
python3 -c "import sys; sys.stdout.buffer.write(bytes.fromhex('$canary') * 65536)" >"$WORK/canary"
run dd if="$WORK/canary" of=/dev/dst0 bs=1M oflag=direct status=none
run dd if=/dev/dst0 of="$WORK/back" bs=1M count=1 iflag=direct status=none
run cmp "$WORK/canary" "$WORK/back"
capture_stop "$WORK/tls.cap"
run python3 "$REPO/Tests/vm/capture.py" tls "$WORK/tls.cap"
python3 "$REPO/Tests/vm/capture.py" find "$WORK/tls.cap" "$canary" && fail "the canary crossed the link in the clear"
echo "ok: no canary in the capture"
hello=$(python3 -c "import sys; sys.path.insert(0, '$REPO/Tests/vm'); from dst_spec import CONSTANTS as C; \
print('%016x' % C['DST_HELLO_MAGIC'])")
python3 "$REPO/Tests/vm/capture.py" find "$WORK/tls.cap" "$hello" && fail "the DST hello crossed the link in the clear"
echo "ok: the hello went inside TLS"

say "status says how it is protected"
text=$(cl dstctl status dst0)
echo "$text"
assert_contains "$text" "protection: tls1.3-aes-128-gcm as alice"
json=$(cl dstctl status dst0 --json)
assert_eq "$(json_get 'j["devices"][0]["conns"][0]["protection"]' <<<"$json")" tls1.3-aes-128-gcm "conn protection"
sjson=$(sv dstctl status --export ram0 --json)
assert_eq "$(json_get 'j["exports"][0]["conns"][0]["identity"]' <<<"$sjson")" alice "client identity"
assert_eq "$(json_get 'j["exports"][0]["conns"][0]["protection"]' <<<"$sjson")" tls1.3-aes-128-gcm \
	"client protection"

say "fio verify over TLS"
fio_jobs /dev/dst0 write-4k:randwrite:4k:8m write-1m:randwrite:1m:16m:16m randrw-64k:randrw:64k:8m:8m \
	>"$WORK/verify.fio"
fio_verify "$WORK/verify.fio"
assert_eq "$(sysfs_attr dst0 tls_errors)" 0 "tls_errors"
assert_eq "$(sysfs_attr dst0 errors)" 0 "errors"

say "bob is read-only"
dev=$(cl dstctl add-device --remote "$LISTEN" --identity bob --key "$TLS/bob.key" --connections 1)
assert_eq "$dev" /dev/dst1 "bob's device"
assert_eq "$(blockdev --getro /dev/dst1)" 1 "bob's device is read-only"
run dd if=/dev/dst0 of="$WORK/alice" bs=1M count=4 iflag=direct status=none
run dd if=/dev/dst1 of="$WORK/bob" bs=1M count=4 iflag=direct status=none
run cmp "$WORK/alice" "$WORK/bob"
expect_fail_with --status 1 "dd: error writing '/dev/dst1': Operation not permitted" \
	dd if="$WORK/alice" of=/dev/dst1 bs=4k count=1 oflag=direct status=none

say "set-export --deny bob: dropped, and refused from then on"
sv dstctl set-export ram0 --deny bob
wait_until 20 bash -c "grep -q 'unknown identity' /sys/block/dst1/dst/last_error"
echo "bob: $(sysfs_attr dst1 last_error)"
attr_is dst0 state connected || fail "alice lost her connection"
sjson=$(sv dstctl status --export ram0 --json)
assert_eq "$(json_get '[a["identity"] for a in j["exports"][0]["allow"]]' <<<"$sjson")" '["alice"]' \
	"identities after --deny"
cl dstctl remove-device --force dst1

say "positive control: an insecure export carries the canary in the clear"
out=$(sv dstctl export /dev/ram1 --listen "$SERVER_IP:1026" 2>&1)
assert_contains "$out" "dstctl: warning: export ram1 is insecure"
capture_start 1026 "$WORK/plain.cap"
dev=$(cl dstctl add-device --remote "$SERVER_IP:1026" --connections 1)
assert_eq "$(sysfs_attr "${dev#/dev/}" protection)" plaintext "plaintext protection"
run dd if="$WORK/canary" of="$dev" bs=1M oflag=direct status=none
capture_stop "$WORK/plain.cap"
python3 "$REPO/Tests/vm/capture.py" find "$WORK/plain.cap" "$canary" || fail "the control capture missed the canary"
echo "ok: the canary is in the plaintext capture"
