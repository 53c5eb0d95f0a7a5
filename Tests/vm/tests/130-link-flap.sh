#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# The link flaps: the server end of the veth goes down for 4 s and up for
# 4 s, over and over for 36 s, under a continuous fio write-then-verify
# load. With --ping-interval 1 the client gives up on a connection that has
# been silent for 3 s while requests are outstanding; its dstd dials again
# (backoff capped at 1 s) until the link is back, and everything that was in
# flight is resent on the new connection. Proves: no I/O fails (each outage
# is far shorter than the 30 s io-timeout), every fio pass exits 0 with no
# verify error, and the device ends connected with reconnects > 0,
# resends > 0, timeouts = 0 and errors = 0.
# Losing and regaining the link is TCP's and DST's own logic, the same on
# both kernels: one kernel runs it (140-netem the other).
# vm-timeout: 300
# vm-kernel: 6.12
. "$(dirname "$0")/../lib.sh"

setup_server 64
export_dev /dev/ram0 >/dev/null
add_device --ping-interval 1 "${FAST_RECONNECT[@]}" >/dev/null
show_dev dst0

fault_fio_job >"$WORK/flap.fio"

say "fio write+verify passes while the link flaps for 36 s (4 s down, 4 s up)"
fio_loop "$WORK/flap.fio"
sleep 2
start=$(now)
flaps=0
while (($(since "$start" | cut -d. -f1) < 36)); do
	link_down
	sleep 4
	link_up
	flaps=$((flaps + 1))
	echo "flap $flaps at +$(since "$start")s: $(show_dev dst0)"
	sleep 4
done
fio_loop_stop 1

wait_state dst0 connected 30
show_dev dst0
echo "$flaps flaps"
(($(sysfs_attr dst0 reconnects) > 0)) || fail "no reconnect across $flaps link flaps"
echo "ok: reconnects = $(sysfs_attr dst0 reconnects)"
(($(sysfs_attr dst0 resends) > 0)) || fail "nothing was resent across $flaps link flaps"
echo "ok: resends = $(sysfs_attr dst0 resends)"
assert_eq "$(sysfs_attr dst0 timeouts)" 0 "sysfs timeouts"
assert_eq "$(sysfs_attr dst0 errors)" 0 "sysfs errors"
assert_eq "$(sysfs_attr dst0 csum_errors)" 0 "sysfs csum_errors"
assert_eq "$(sysfs_attr dst0 protocol_errors)" 0 "sysfs protocol_errors"

say "one more verify pass on the link as it is now"
fio_verify "$WORK/flap.fio"
