#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# A bad network: netem on both ends of the veth delays every packet by
# 200 ms +- 20 ms, loses 5%, duplicates 5% and reorders 25%. TCP hides all of
# that from DST, so fio write-then-verify over crc32c frames must pass as on a
# clean link: fio exits 0, no verify error, no I/O error, no checksum or
# protocol error (a duplicated or reordered frame reaching DST would be one),
# and the device is connected at the end. netem's own counters prove the
# faults happened. The data volume is tiny: at 400 ms RTT and 5% loss TCP
# carries about 20 KB/s (MSS / RTT * 1.22 / sqrt(loss)).
# Loss, delay and reordering are TCP's business, DST's part its own logic:
# one kernel runs it (130-link-flap the other).
# vm-timeout: 300
# vm-kernel: 6.12
. "$(dirname "$0")/../lib.sh"

NETEM=(delay 200ms 20ms loss 5% duplicate 5% reorder 25% 50%)

setup_server 64
export_dev /dev/ram0 >/dev/null
add_device --csum crc32c >/dev/null

say "netem on both ends: ${NETEM[*]}"
run modprobe sch_netem
sv tc qdisc add dev veth-s root netem "${NETEM[@]}"
cl tc qdisc add dev veth-c root netem "${NETEM[@]}"
cl ping -c 3 -i 0.3 "$SERVER_IP" || true

fio_jobs /dev/dst0 randwrite:randwrite:4k-64k:384k randrw:randrw:16k:256k:4m >"$WORK/netem.fio"

say "fio write+verify across netem"
start=$(now)
fio_verify "$WORK/netem.fio"
echo "fio took $(since "$start")s"
show_dev dst0

say "netem counters"
drops=0
for ns in server client; do
	dev=veth-${ns:0:1}
	stats=$(ip netns exec "$ns" tc -s qdisc show dev "$dev")
	echo "$ns $dev: $stats"
	d=$(sed -n 's/.*(dropped \([0-9]*\),.*/\1/p' <<<"$stats" | head -n 1)
	drops=$((drops + ${d:-0}))
done
((drops > 0)) || fail "netem dropped no packet: the link was not lossy"
echo "ok: netem dropped $drops packets"

assert_eq "$(sysfs_attr dst0 errors)" 0 "sysfs errors"
assert_eq "$(sysfs_attr dst0 timeouts)" 0 "sysfs timeouts"
assert_eq "$(sysfs_attr dst0 csum_errors)" 0 "sysfs csum_errors"
assert_eq "$(sysfs_attr dst0 protocol_errors)" 0 "sysfs protocol_errors"
assert_eq "$(sysfs_attr dst0 state)" connected "sysfs state"

say "netem off: the data reads back the same"
sv tc qdisc del dev veth-s root
cl tc qdisc del dev veth-c root
random_file "$WORK/src" 1024
run dd if="$WORK/src" of=/dev/dst0 bs=64k seek=128 oflag=direct status=none
run dd if=/dev/dst0 of="$WORK/back" bs=64k skip=128 count=16 iflag=direct status=none
run cmp "$WORK/src" "$WORK/back"
