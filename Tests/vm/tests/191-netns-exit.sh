#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# An export dies with its network namespace. The server's namespace is
# deleted (its dstd gone first, as when a container stops) while a client is
# connected and writing: the export is removed with it, so right after
#   - the backing device can be opened exclusively again,
#   - the export name can be used again, in a new namespace,
# and the client, whose connection was reset, reconnects to the new export
# (same name, same UUID) and its data verifies.
# vm-timeout: 300
. "$(dirname "$0")/../lib.sh"

UUID=0b1e2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d

setup_server 32
export_uuid /dev/ram0 data "$UUID" >/dev/null
add_device --io-timeout 60 "${FAST_RECONNECT[@]}" >/dev/null

say "data before"
random_file "$WORK/before" 4096
run dd if="$WORK/before" of=/dev/dst0 bs=1M oflag=direct status=none

say "delete the server's namespace, the client connected and writing"
random_file "$WORK/during" 4096
fio_jobs /dev/dst0 write:randwrite:64k:8m:8m >"$WORK/during.fio"
fio_bg "$WORK/during.fio"
sleep 2
for pid in $(pids_in server dstd); do
	term_wait "$pid" || fail "dstd in server ignored SIGTERM"
done
run ip netns del server
start=$(now)
# The export's last reference was its namespace: gone with it.
wait_until 30 bdev_free /dev/ram0
echo "ok: /dev/ram0 free $(since "$start")s after the namespace was deleted"

say "the name, in a new server namespace"
wait_until 30 bash -c '! ip link show veth-c >/dev/null 2>&1 && ! ip -n client link show veth-c >/dev/null 2>&1'
server_netns server veth-s "$SERVER_IP" veth-c "$CLIENT_IP"
start_dstd server
export_uuid /dev/ram0 data "$UUID" >/dev/null

say "the client reconnects to the new export; its data verifies"
wait_state dst0 connected 30
fio_bg_wait
run dd if=/dev/dst0 of="$WORK/back" bs=1M count=4 iflag=direct status=none
run cmp "$WORK/before" "$WORK/back"
run dd if=/dev/ram0 of="$WORK/srv" bs=1M count=4 status=none
run cmp "$WORK/before" "$WORK/srv"
show_dev dst0
