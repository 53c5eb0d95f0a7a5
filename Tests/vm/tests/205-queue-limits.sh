#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Queue limits that stack. The server exports an md raid0 (two brd, 64 KiB
# chunks: io_min 64 KiB, io_opt 128 KiB; on 6.12 brd discards, so md0 does
# too). Proves:
# - /dev/dst0's queue advertises the backing device's geometry (block sizes,
#   minimum and optimal I/O, discard granularity and alignment), a write-back
#   cache with FUA, and no segment limits of its own;
# - a dm-linear over dst0 on the client sees what a dm-linear over the
#   backing device saw on the server (before it was exported);
# - a client that does not ask for the limits block (a hello without the
#   limits feature) is served as before;
# - LVM on dst0 (stacking.md's recipe): the logical volume has dst0's
#   geometry and data written through it reads back.
# vm-timeout: 300
. "$(dirname "$0")/../lib.sh"

GEOMETRY=(logical_block_size physical_block_size minimum_io_size optimal_io_size discard_granularity)

# geometry DEV: DEV's GEOMETRY and discard_alignment, one "name value" a line.
geometry() {
	local name a
	name=$(lsblk -dno KNAME "$1")
	for a in "${GEOMETRY[@]}"; do
		echo "$a $(cat "/sys/block/$name/queue/$a")"
	done
	echo "discard_alignment $(cat "/sys/block/$name/discard_alignment")"
}

# same_geometry EXPECTED DEV WHAT: DEV's geometry is EXPECTED (geometry's output).
same_geometry() {
	local a want
	while read -r a want; do
		assert_eq "$(geometry "$2" | awk -v a="$a" '$1 == a { print $2 }')" "$want" "$3 $a"
	done <<<"$1"
}

setup_server 64 2
say "backing: md raid0 over ram0 and ram1, 64 KiB chunks"
run mdadm --create /dev/md0 --run --quiet --level=0 --raid-devices=2 --chunk=64 /dev/ram0 /dev/ram1
backing=$(geometry /dev/md0)
echo "$backing"
assert_eq "$(cat /sys/block/md0/queue/optimal_io_size)" 131072 "backing optimal_io_size"
sectors=$(blockdev --getsz /dev/md0)
linear_setup over-md0 /dev/md0 "$sectors"
stacked=$(geometry /dev/mapper/over-md0)
run dmsetup remove --noudevsync over-md0
: >"$STATE/dm"
export_dev /dev/md0 >/dev/null
add_device >/dev/null

say "dst0 advertises the backing device's geometry"
same_geometry "$backing" /dev/dst0 dst0
assert_eq "$(cat /sys/block/dst0/queue/write_cache)" "write back" "dst0 write_cache"
assert_eq "$(cat /sys/block/dst0/queue/fua)" 1 "dst0 fua"
assert_eq "$(cat /sys/block/dst0/queue/max_segments)" 65535 "dst0 max_segments"
assert_eq "$(cat /sys/block/dst0/queue/max_segment_size)" 4294967295 "dst0 max_segment_size"

say "dm-linear over dst0 (client) sees what dm-linear over md0 saw (server)"
linear_setup over-dst0 /dev/dst0 "$sectors"
same_geometry "$stacked" /dev/mapper/over-dst0 "dm-linear"
run dmsetup remove --noudevsync over-dst0
: >"$STATE/dm"

say "on the wire: the limits block for a client that asks, none for one that does not"
# hello FEATURES: the server's reply to a plaintext hello with FEATURES, as
# "features io-min io-opt granularity alignment name" (no block: 0 0 0 0).
hello() {
	ip netns exec client python3 - "$REPO/Tests/vm" "$SERVER_IP" "$PORT" "$1" <<'PY'
import os, socket, sys
sys.path.insert(0, sys.argv[1])
from dst_spec import CONSTANTS as C, STRUCTS
from dstwire import HELLO, REPLY, recv_exact
LIMITS = STRUCTS["server_limits"][0]
s = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=10)
s.sendall(HELLO.pack(C["DST_HELLO_MAGIC"], C["DST_PROTO_VERSION"], int(sys.argv[4]), C["DST_CSUM_NONE"], 0,
                     os.urandom(C["DST_SESSION_LEN"]), 1, 0))
r = REPLY.unpack(recv_exact(s, REPLY.size))
limits = (0, 0, 0, 0)
if r[7] & C["DST_FEAT_LIMITS"]:
    limits = LIMITS.unpack(recv_exact(s, LIMITS.size))
print(f"{r[7]:#x}", *limits, recv_exact(s, r[9]).decode())
PY
}
read -r feats io_min io_opt gran align name < <(hello 64)
echo "asked: features $feats, io-min $io_min, io-opt $io_opt, discard $gran/$align, export $name"
assert_eq "$name" md0 "export named after the limits block"
assert_eq "$((feats & 64))" 64 "limits feature in the reply"
assert_eq "$io_opt" 131072 "io-opt on the wire"
read -r feats io_min io_opt gran align name < <(hello 0)
echo "did not ask: features $feats, export $name"
assert_eq "$name" md0 "export named right after the reply"
assert_eq "$((feats & 64))" 0 "limits feature in the reply to a client that did not ask"

say "LVM on dst0, as stacking.md sets it up: a logical volume with dst0's geometry"
# No udev in the VM: LVM makes its nodes itself.
# LVM takes block devices of drivers it knows; dst is not one of them.
LVM_CONF=(--config 'activation { udev_sync = 0 udev_rules = 0 } devices { obtain_device_list_from_udev = 0 types = [ "dst", 16 ] }')
mkdir -p /run/lock/lvm
run pvcreate -q "${LVM_CONF[@]}" --devices /dev/dst0 /dev/dst0
run vgcreate -q "${LVM_CONF[@]}" --devices /dev/dst0 vg-remote /dev/dst0
run lvcreate -q -y "${LVM_CONF[@]}" --devices /dev/dst0 -L 16M -n data vg-remote
same_geometry "$backing" /dev/vg-remote/data "LV over dst0"
random_file "$WORK/lv" 8192
run dd if="$WORK/lv" of=/dev/vg-remote/data bs=1M oflag=direct status=none
run dd if=/dev/vg-remote/data of="$WORK/lv.back" bs=1M count=8 iflag=direct status=none
run cmp "$WORK/lv" "$WORK/lv.back"
run vgchange -q "${LVM_CONF[@]}" --devices /dev/dst0 -an vg-remote
run vgremove -q -y "${LVM_CONF[@]}" --devices /dev/dst0 vg-remote

cl dstctl remove-device dst0
sv dstctl unexport md0
run mdadm --stop /dev/md0
