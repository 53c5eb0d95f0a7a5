#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# No netlink handler waits on the network: add-device against a server that
# does the handshake and then never answers (Tests/vm/fake_server.py
# --always silent), with --io-timeout -1 (I/O waits forever). dev-add
# returns at once; the partition table is read by dstctl after it, outside
# the kernel's netlink locks. While that read hangs:
#   - generic netlink answers at once, also behind a waiting writer (a
#     module that registers a family: modprobe nbd),
#   - another device's operations answer at once,
#   - remove-device of the hanging device succeeds within seconds, and the
#     add-device that was reading its partitions fails saying why.
# DST's own logic, with no kernel API that differs between 6.1 and 6.12:
# one kernel runs it in CI (make test-vm EVERY_KERNEL=1 runs it on both).
# vm-timeout: 300
# vm-kernel: 6.1
. "$(dirname "$0")/../lib.sh"

SILENT=$SERVER_IP:1026
FLOG=$LOGDIR/$TEST.fake-server.log

setup_server 16
export_dev /dev/ram0 >/dev/null
add_device >/dev/null
rm -f "$FLOG"
[[ -d /sys/module/nbd ]] && run rmmod nbd

say "a server that answers the handshake, then nothing, on $SILENT"
printf '+ ip netns exec server python3 Tests/vm/fake_server.py --always silent ... &\n' >&2
ip netns exec server python3 "$REPO/Tests/vm/fake_server.py" --listen "$SILENT" \
	--backing "$WORK/silent.img" --size $((16 << 20)) --name silent --always silent \
	--log "$FLOG" </dev/null >"$FLOG.out" 2>&1 &
bg_track $!
wait_until 20 grep -q "listening on" "$FLOG"

say "add-device against it, I/O waiting forever"
printf '+ ip netns exec client dstctl add-device --remote %s --io-timeout -1 &\n' "$SILENT" >&2
start=$(now)
ip netns exec client "$DSTCTL" add-device --remote "$SILENT" --io-timeout -1 \
	>"$WORK/add.out" 2>"$WORK/add.err" </dev/null &
add_pid=$!
bg_track "$add_pid"
wait_until 20 test -e /sys/block/dst1
echo "dst1 exists after $(since "$start")s"
sleep 2
running "$add_pid" || fail "add-device did not wait for the partition table: $(cat "$WORK/add.out" "$WORK/add.err")"

say "generic netlink answers, with a writer waiting for its lock"
printf '+ modprobe nbd &\n' >&2
modprobe nbd &
modprobe_pid=$!
start=$(now)
run timeout 5 genl ctrl list >/dev/null || fail "genl ctrl list did not answer within 5 s"
echo "ok: genl ctrl list answered in $(since "$start")s"
start=$(now)
wait "$modprobe_pid" || fail "modprobe nbd failed"
echo "ok: modprobe nbd (a family registration) done in $(since "$start")s"
start=$(now)
run timeout 5 ip netns exec client dstctl status --json >/dev/null || fail "status did not answer within 5 s"
echo "ok: dstctl status answered in $(since "$start")s"
run rmmod nbd

say "remove-device cancels the device being added"
start=$(now)
run timeout 10 ip netns exec client dstctl remove-device dst1 || fail "remove-device dst1 did not succeed within 10 s"
echo "ok: dst1 removed in $(since "$start")s"
wait_until 10 bash -c "! kill -0 $add_pid 2>/dev/null"
rc=0
wait "$add_pid" || rc=$?
cat "$WORK/add.out" "$WORK/add.err"
((rc != 0)) || fail "add-device succeeded although its device was removed"
grep -qx "dstctl: dst1 was removed while its partition table was being read" "$WORK/add.err" ||
	fail "add-device did not say why it failed"
[[ ! -e /sys/block/dst1 ]] || fail "dst1 is still there"
assert_eq "$(sysfs_attr dst0 state)" connected "dst0 state"
