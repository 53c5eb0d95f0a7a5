#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# DST over IPv6, end to end:
#
#    netns "server"                              netns "client"
#    veth-s fd00::1, fd00::3, 192.0.2.1 <------> veth-c fd00::2, 192.0.2.2
#
#    export       listen                          device  --remote
#    d6 (ram0)    [::]:1025                       dst0    [fd00::1]:1025
#                                                 dst1    dst-server6:1025 (/etc/hosts:
#                                                         fd00::1, then fd00::3)
#    x6 (ram2)    [fd00::1]:1027, X.509           dst2    [fd00::1]:1027, X.509
#    m4 (ram1)    [::ffff:192.0.2.1]:1026         dst3    192.0.2.1:1026
#
# Proves: an export on [::] takes IPv6 clients and, being v6-only, no IPv4
# ones; a device attached by an IPv6 literal and one by a host name that
# resolves only to an IPv6 address carry data byte for byte; the kernel
# reports the peers as [ADDR]:PORT (sysfs, dstctl status); across a link
# flap with writes in flight both reconnect and resend, the host name is
# resolved again (it now names fd00::3) and kept as the device's remote;
# --allow-from with an IPv6 prefix admits and refuses; a client with
# certificates attaches by the IPv6 literal alone (its default server name,
# checked against the certificate's IP addresses); an IPv4 client of
# an IPv6 socket (IPv4-mapped) is matched against IPv4 prefixes and named
# by its IPv4 address.
# Sockets are address-family neutral in the kernel code, with no API that
# differs between the kernels: one kernel runs it.
# vm-timeout: 420
# vm-kernel: 6.12
. "$(dirname "$0")/../lib.sh"

setup_server 32 3
setup_net6
# Before anything starts in the client namespace, so that its dstd
# resolves through this file too.
hosts_override "$SERVER_IP6 dst-server6"
assert_eq "$(ip netns exec client getent ahosts dst-server6 | awk '{ print $1 }' | sort -u)" "$SERVER_IP6" \
	"addresses of dst-server6"

say "export on [::]:$PORT"
sv dstctl export /dev/ram0 --name d6 --listen "[::]:$PORT" >/dev/null
# v6-only: an IPv4 client finds nothing listening.
expect_fail_with --status 1 "dstctl: cannot connect to $SERVER_IP:$PORT: Connection refused" \
	ip netns exec client dstctl add-device --remote "$SERVER_IP:$PORT"

say "attach by IPv6 literal"
dev0=$(cl dstctl add-device --remote "$LISTEN6" --connections 1 --ping-interval 1 "${FAST_RECONNECT[@]}")
assert_eq "$dev0" /dev/dst0 "device"
assert_eq "$(sysfs_attr dst0 remote)" "$LISTEN6" "dst0 remote"
assert_eq "$(cl dstctl status --json | json_get 'j["devices"][0]["conns"][0]["peer"]')" "$LISTEN6" "dst0 peer"
status=$(cl dstctl status dst0)
echo "$status"
assert_contains "$status" "$LISTEN6" "dstctl status dst0"
peer=$(sv dstctl status --json | json_get 'j["exports"][0]["conns"][0]["peer"]')
[[ $peer =~ ^\[fd00::2\]:[0-9]+$ ]] || fail "export d6's client is '$peer', expected [fd00::2]:PORT"
echo "ok: export d6's client is $peer"

random_file "$WORK/src" 8192
run dd if="$WORK/src" of=/dev/dst0 bs=1M count=8 oflag=direct status=none
run dd if=/dev/dst0 of="$WORK/back" bs=1M count=8 iflag=direct status=none
run cmp "$WORK/src" "$WORK/back"

say "attach by a host name that resolves to IPv6 only"
dev1=$(cl dstctl add-device --remote "dst-server6:$PORT" --connections 1 --ping-interval 1 "${FAST_RECONNECT[@]}")
assert_eq "$dev1" /dev/dst1 "device"
assert_eq "$(sysfs_attr dst1 remote)" "dst-server6:$PORT" "dst1 remote"
assert_eq "$(cl dstctl status --json | json_get '[d for d in j["devices"] if d["name"] == "dst1"][0]["conns"][0]["peer"]')" \
	"$LISTEN6" "dst1 peer"
run dd if=/dev/dst1 of="$WORK/back" bs=1M count=8 iflag=direct status=none
run cmp "$WORK/src" "$WORK/back"

say "the name moves to fd00::3; the link flaps under writes"
hosts_set "$SERVER2_IP6 dst-server6"
random_file "$WORK/src2" 8192
link_down
# The writes go out into a dead link: their requests are in flight when
# the pings give the connections up (3 s), and are sent again after.
run dd if="$WORK/src2" of=/dev/dst0 bs=1M count=8 oflag=direct status=none &
w0=$!
bg_track "$w0"
run dd if="$WORK/src2" of=/dev/dst1 bs=1M count=8 oflag=direct status=none &
w1=$!
bg_track "$w1"
sleep 5
show_dev dst0
show_dev dst1
link_up
wait "$w0" || fail "a write to dst0 across the flap failed"
wait "$w1" || fail "a write to dst1 across the flap failed"
wait_state dst0 connected 30
wait_state dst1 connected 30
show_dev dst0
show_dev dst1
for d in dst0 dst1; do
	(($(sysfs_attr "$d" reconnects) > 0)) || fail "$d did not reconnect"
	(($(sysfs_attr "$d" resends) > 0)) || fail "$d resent nothing"
	assert_eq "$(sysfs_attr "$d" errors)" 0 "$d errors"
	run dd if="/dev/$d" of="$WORK/back" bs=1M count=8 iflag=direct status=none
	run cmp "$WORK/src2" "$WORK/back"
done
assert_eq "$(sysfs_attr dst1 remote)" "dst-server6:$PORT" "dst1 remote after the reconnect"
peers=$(cl dstctl status --json | json_get '" ".join(d["conns"][0]["peer"] for d in j["devices"])')
assert_eq "$peers" "$LISTEN6 [$SERVER2_IP6]:$PORT" "peers of dst0 and dst1 after the reconnect"
run cmp -n $((8 << 20)) "$WORK/src2" /dev/ram0

say "allow-from with IPv6 prefixes"
epoch=$(sysfs_attr dst0 epoch)
sv dstctl set-export d6 --allow-from fd00::/64
sleep 1
assert_eq "$(sysfs_attr dst0 epoch)" "$epoch" "dst0 epoch (still admitted)"
attr_is dst0 state connected || fail "dst0 was dropped by an allow-from that admits it"
echo "ok: fd00::/64 admits fd00::2"
sv dstctl set-export d6 --deny-from fd00::/64 --allow-from fd00:0:0:1::/64
# refused DEV: DEV's last reconnect attempt was refused by the export.
refused() { [[ $(sysfs_attr "$1" last_error) == *not-allowed* ]]; }
wait_until 15 refused dst0
echo "ok: dst0 is refused: $(sysfs_attr dst0 last_error)"
expect_fail_with --status 1 --prefix "dstctl: server refused the connection: not-allowed: " \
	ip netns exec client dstctl add-device --remote "$LISTEN6"
sv dstctl set-export d6 --allow-from "$CLIENT_IP6"
wait_until 30 reconnected_since "$epoch"
run dd if=/dev/dst0 of="$WORK/back" bs=1M count=8 iflag=direct status=none
run cmp "$WORK/src2" "$WORK/back"

say "X.509, the server named by its IPv6 literal"
run mkdir -p -m 700 "$TLS"
run "$REPO/Tests/tls/make-certs.sh" "$TLS"
sv dstctl export /dev/ram2 --name x6 --listen "[$SERVER_IP6]:1027" --cert "$TLS/server-ip.pem" \
	--cert-key "$TLS/server-ip-key.pem" --ca "$TLS/ca.pem" --allow-subject alice >/dev/null
dev2=$(cl dstctl add-device --remote "[$SERVER_IP6]:1027" --connections 1 --cert "$TLS/alice.pem" \
	--cert-key "$TLS/alice-key.pem" --ca "$TLS/ca.pem")
assert_eq "$dev2" /dev/dst2 "device"
[[ $(sysfs_attr dst2 protection) == tls1.3-* ]] || fail "dst2 is not protected by TLS: $(sysfs_attr dst2 protection)"
echo "ok: dst2 protection is $(sysfs_attr dst2 protection)"
run dd if="$WORK/src" of=/dev/dst2 bs=1M count=8 oflag=direct status=none
run cmp -n $((8 << 20)) "$WORK/src" /dev/ram2

say "an IPv4 client of an IPv6 socket, against an IPv4 prefix"
sv dstctl export /dev/ram1 --name m4 --listen "[::ffff:$SERVER_IP]:1026" --allow-from 192.0.2.0/24 >/dev/null
dev3=$(cl dstctl add-device --remote "$SERVER_IP:1026" --connections 1)
assert_eq "$dev3" /dev/dst3 "device"
peer=$(sv dstctl status --json | json_get '[e for e in j["exports"] if e["name"] == "m4"][0]["conns"][0]["peer"]')
[[ $peer =~ ^192\.0\.2\.2:[0-9]+$ ]] || fail "export m4's client is '$peer', expected 192.0.2.2:PORT"
echo "ok: export m4's client is $peer"
run dd if="$WORK/src" of=/dev/dst3 bs=1M count=8 oflag=direct status=none
run cmp -n $((8 << 20)) "$WORK/src" /dev/ram1
sv dstctl set-export m4 --deny-from 192.0.2.0/24 --allow-from 192.0.3.0/24
expect_fail_with --status 1 --prefix "dstctl: server refused the connection: not-allowed: " \
	ip netns exec client dstctl add-device --remote "$SERVER_IP:1026"
