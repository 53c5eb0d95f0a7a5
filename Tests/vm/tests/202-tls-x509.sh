#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# TLS 1.3 with X.509 certificates: an export with a server certificate
# admits client certificates by subject, read-write or read-only, and
# refuses the writes of a read-only one whatever its client does (a Python
# TLS client that ignores read-only). A client certificate from another
# CA, a server whose name differs from the one asked for, a server
# certificate from a CA the client does not trust and an expired server
# certificate are refused with exact texts on the client and leave no
# device.
# vm-timeout: 420
# vm-kernel: 6.12
. "$(dirname "$0")/../lib.sh"

setup_server 64 2
DST_TLS=x509
tls_setup
server_cert="--cert $TLS/server.pem --cert-key $TLS/server-key.pem --ca $TLS/ca.pem"

say "an export with a certificate: alice read-write, bob read-only"
# shellcheck disable=SC2086 # the options are words
sv dstctl export /dev/ram0 --listen "$LISTEN" $server_cert --allow-subject alice --allow-subject-ro bob
sjson=$(sv dstctl status --export ram0 --json)
assert_eq "$(json_get 'j["exports"][0]["security"]' <<<"$sjson")" tls "export security"

refused() {
	local why=$1
	shift
	expect_fail_with --status 1 "dstctl: TLS with $LISTEN failed: $why" \
		ip netns exec client dstctl add-device --remote "$LISTEN" "$@"
}

say "refused: each with its reason, and no device"
refused "the server does not trust our certificate (bad_certificate)" \
	--cert "$TLS/mallory.pem" --cert-key "$TLS/mallory-key.pem" --ca "$TLS/ca.pem" --server-name server.dst.test
refused "the server's certificate is not trusted (name does not match)" \
	--cert "$TLS/alice.pem" --cert-key "$TLS/alice-key.pem" --ca "$TLS/ca.pem" --server-name other.dst.test
refused "the server's certificate is not trusted (unknown issuer)" \
	--cert "$TLS/alice.pem" --cert-key "$TLS/alice-key.pem" --ca "$TLS/rogue-ca.pem" --server-name server.dst.test
devices=(/sys/block/dst*)
((${#devices[@]} == 0)) || fail "a refused add-device left ${devices[*]}"

say "alice attaches with her certificate"
dev=$(add_device)
assert_eq "$dev" /dev/dst0 "alice's device"
assert_eq "$(sysfs_attr dst0 identity)" alice "sysfs identity"
assert_eq "$(sysfs_attr dst0 protection)" tls1.3-aes-128-gcm "sysfs protection"
fio_jobs /dev/dst0 write-4k:randwrite:4k:8m write-1m:write:1m:24m:16m >"$WORK/verify.fio"
fio_verify "$WORK/verify.fio"
sjson=$(sv dstctl status --export ram0 --json)
assert_eq "$(json_get 'j["exports"][0]["conns"][0]["identity"]' <<<"$sjson")" alice "client identity"

say "bob's certificate gets a read-only device"
dev=$(cl dstctl add-device --remote "$LISTEN" --cert "$TLS/bob.pem" --cert-key "$TLS/bob-key.pem" \
	--ca "$TLS/ca.pem" --server-name server.dst.test)
assert_eq "$(blockdev --getro "$dev")" 1 "bob's device is read-only"
run dd if=/dev/dst0 of="$WORK/alice" bs=1M count=4 iflag=direct status=none
run dd if="$dev" of="$WORK/bob" bs=1M count=4 iflag=direct status=none
run cmp "$WORK/alice" "$WORK/bob"
cl dstctl remove-device "${dev#/dev/}"

say "bob's certificate in a client that ignores read-only: its write is refused"
run dd if=/dev/ram0 of="$WORK/before" bs=4k count=1 iflag=direct status=none
out=$(ip netns exec client python3 "$REPO/Tests/vm/ro_peer.py" "$LISTEN" "$TLS/bob.pem" "$TLS/bob-key.pem" \
	"$TLS/ca.pem" server.dst.test)
echo "$out"
assert_contains "$out" "read-only: yes"
assert_contains "$out" "status: rofs"
run dd if=/dev/ram0 of="$WORK/after" bs=4k count=1 iflag=direct status=none
run cmp "$WORK/before" "$WORK/after"

say "an expired server certificate"
sv dstctl export /dev/ram1 --listen "$SERVER_IP:1026" --cert "$TLS/expired-server.pem" \
	--cert-key "$TLS/expired-server-key.pem" --ca "$TLS/ca.pem" --allow-subject alice
expect_fail_with --status 1 \
	"dstctl: TLS with $SERVER_IP:1026 failed: the server's certificate is not trusted (expired)" \
	ip netns exec client dstctl add-device --remote "$SERVER_IP:1026" --cert "$TLS/alice.pem" \
	--cert-key "$TLS/alice-key.pem" --ca "$TLS/ca.pem" --server-name server.dst.test
[[ ! -e /sys/block/dst1 ]] || fail "a refused add-device left dst1"
