#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Metrics and dstd's log. A device with 2 connections and a 0.2 s ping
# interval gets 1 MiB written and read with O_DIRECT, then 1 MiB more
# written while the link is down for 2 s (its connections are dropped for
# silence, dstd reconnects once the link is back, the write in flight is
# resent), then the whole 2 MiB read back. After an idle second (PINGs on
# both connections) PINGs are turned off, so that nothing moves, and
# `dstctl status --prometheus` is parsed with prometheus_client's parser
# and compared with `status --json` and sysfs. Proves: the page parses,
# each family with HELP and TYPE and its lines together; every counter,
# state and gauge equals the kernel's; the I/O counters moved by exactly
# what dd did (32 writes of 64 KiB, 48 reads); reconnects and resends > 0;
# each connection answered PINGs with a round trip in (0, 1 s); the server's
# export metrics match its status; --textfile, rewritten while a reader
# reads it, is always whole, mode 644, with no temporary file left; a
# textfile in a missing directory fails with a message; dstd's logs on both
# sides are one key=value event per line, the client's with the reconnect.
# The round-trip accounting is plain kernel code, the rest userspace: one
# kernel runs it.
# vm-kernel: 6.12
. "$(dirname "$0")/../lib.sh"

CHECK=$REPO/Tests/vm/metrics_check.py
# Debian's, for which Tools/setup.sh installs python3-prometheus-client.
PYTHON=/usr/bin/python3
"$PYTHON" -c 'import prometheus_client' ||
	fail "$PYTHON has no prometheus_client (Tools/setup.sh installs python3-prometheus-client)"

setup_server 64
export_dev /dev/ram0 >/dev/null
add_device --connections 2 --ping-interval 0.2 "${FAST_RECONNECT[@]}" >/dev/null
wait_until 10 attr_is dst0 connections 2
show_dev dst0

# counters NAME...: the sysfs counters, space-separated.
counters() {
	local a out=()
	for a in "$@"; do out+=("$(sysfs_attr dst0 "$a")"); done
	echo "${out[*]}"
}
read -r reads0 writes0 rbytes0 wbytes0 < <(counters reads writes read_bytes write_bytes)

say "1 MiB written and read back with O_DIRECT, 64 KiB at a time"
random_file "$WORK/data" 2048
run dd if="$WORK/data" of=/dev/dst0 bs=64K count=16 oflag=direct status=none
run dd if=/dev/dst0 of="$WORK/back" bs=64K count=16 iflag=direct status=none
run cmp "$WORK/back" <(head -c 1M "$WORK/data")

say "the second MiB written while the link is down for 2 s"
epoch=$(sysfs_attr dst0 epoch)
link_down
run dd if="$WORK/data" of=/dev/dst0 bs=64K skip=16 seek=16 count=16 oflag=direct status=none &
dd_pid=$!
sleep 2
link_up
wait "$dd_pid" || fail "the write across the outage failed"
wait_until 20 reconnected_since "$epoch"
wait_until 10 attr_is dst0 connections 2
run dd if=/dev/dst0 of="$WORK/back" bs=64K count=32 iflag=direct status=none
run cmp "$WORK/back" "$WORK/data"
show_dev dst0

say "idle for 1 s: PINGs on both connections; then PINGs off, so that nothing moves"
sleep 1
cl dstctl set-device dst0 --ping-interval 0
sleep 0.3

cl dstctl status --json >"$WORK/before.json"
cl dstctl status --prometheus >"$WORK/metrics.prom"
cl dstctl status --json >"$WORK/status.json"
cmp "$WORK/before.json" "$WORK/status.json" || fail "the status moved while the metrics were read"
cat "$WORK/metrics.prom"
run "$PYTHON" "$CHECK" compare "$WORK/metrics.prom" "$WORK/status.json" --min-pings 1 --rtt-max 1 --sysfs ||
	fail "the metrics do not match the kernel's counters"

say "the counters moved by what dd did"
read -r reads writes rbytes wbytes < <(counters reads writes read_bytes write_bytes)
assert_eq $((writes - writes0)) 32 "writes"
assert_eq $((wbytes - wbytes0)) $((2 << 20)) "bytes written"
assert_eq $((reads - reads0)) 48 "reads"
assert_eq $((rbytes - rbytes0)) $((3 << 20)) "bytes read"
(($(sysfs_attr dst0 reconnects) > 0)) || fail "no reconnect across the outage"
(($(sysfs_attr dst0 resends) > 0)) || fail "nothing was resent across the outage"
assert_eq "$(sysfs_attr dst0 errors)" 0 "errors"
assert_eq "$(sysfs_attr dst0 timeouts)" 0 "timeouts"

say "the server's export metrics"
sv dstctl status --json >"$WORK/server.json"
sv dstctl status --prometheus >"$WORK/server.prom"
grep '^dst_export' "$WORK/server.prom"
run "$PYTHON" "$CHECK" compare "$WORK/server.prom" "$WORK/server.json" ||
	fail "the export metrics do not match the kernel's"
grep -qxF 'dst_export_clients{export="ram0",listen="192.0.2.1:1025"} 2' "$WORK/server.prom" ||
	fail "the export does not have 2 clients"

say "--textfile: rewritten 3 times while a reader reads it"
mkdir -p "$WORK/textfile"
prom=$WORK/textfile/dst.prom
rm -f "$WORK/stop" "$WORK/ready"
"$PYTHON" "$CHECK" watch "$prom" "$WORK/stop" "$WORK/ready" >"$WORK/watch.log" 2>&1 &
watch_pid=$!
wait_until 20 test -e "$WORK/ready"
start=$(now)
for ((i = 1; i <= 3; i++)); do
	(umask 077 && timeout 20 ip netns exec client dstctl status --textfile "$prom") ||
		fail "status --textfile failed (write $i)"
	echo "write $i at +$(since "$start") s"
done
touch "$WORK/stop"
wait "$watch_pid" || fail "the reader saw a partial textfile: $(cat "$WORK/watch.log")"
cat "$WORK/watch.log"
run cmp "$prom" "$WORK/metrics.prom"
assert_eq "$(stat -c %a "$prom")" 644 "textfile mode"
assert_eq "$(ls -A "$WORK/textfile")" dst.prom "files beside the textfile"
expect_fail_with --status 1 "dstctl: cannot write /nonexistent/dst.prom: No such file or directory" \
	ip netns exec client dstctl status --textfile /nonexistent/dst.prom
expect_fail_with --status 64 "dstctl: --json and --prometheus exclude each other" \
	ip netns exec client dstctl status --json --prometheus

say "dstd's logs: one key=value event per line"
client_log=$LOGDIR/$TEST.dstd-auto.log
server_log=$LOGDIR/$TEST.dstd-server.log
grep -E 'event=(reconnect|attach)' "$client_log" "$server_log"
run "$PYTHON" "$CHECK" log "$client_log" "$server_log" || fail "dstd logged lines that are not events"
generation=$(sysfs_attr dst0 generation)
grep -qE "^[0-9-]+ [0-9:.]+ level=info event=reconnect-start device=dst0 state=(connected|disconnected) conns=[01] wanted=2 reason=\".+\"$" \
	"$client_log" || fail "the client's dstd did not log why it started reconnecting"
grep -qE "^[0-9-]+ [0-9:.]+ level=info event=reconnect device=dst0 generation=$generation conns=2 attempts=[0-9]+$" \
	"$client_log" || fail "the client's dstd did not log the reconnect to generation $generation"
echo "ok: the client's dstd logged the reconnect to generation $generation"
(($(grep -c "level=info event=attach export=ram0 peer=$CLIENT_IP:[0-9]* listen=$LISTEN protection=plaintext checksum=" \
	"$server_log") >= 4)) || fail "the server's dstd did not log 4 attaches"
echo "ok: the server's dstd logged the attaches"
