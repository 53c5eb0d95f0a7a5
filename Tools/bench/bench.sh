#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# The benchmark itself. Runs inside the VM that Tools/bench/run boots, started
# by Tools/bench/guest.sh (which gives it DST_LOGDIR, the time limit below and
# the kernel-log check); never on the host. One boot measures one
# configuration: one TCG mode (the host chose it) and one topology.
#
# Settings come from $DST_LOGDIR/bench.env, written by Tools/bench/run:
# BENCH_RUNTIME, BENCH_RAMP (seconds), BENCH_ROUNDS, BENCH_SIZE_MB (each RAM
# disk), BENCH_SYSTEMS (which of local nvme nvme-digest nbd nbd-tls dst
# dst-tuned dst-tls), BENCH_JOBS (sections of bench.fio), BENCH_TOPOLOGY
# (veth or loopback), BENCH_TCG (single or multi, for the record), DSTCTL,
# DSTD, DST_KO (the binaries, copied aside before the boot so a concurrent
# rebuild cannot swap them).
#
# BENCH_TOPOLOGY:
#
#   veth      Tests/vm/lib.sh's: netns "server" (192.0.2.1) and netns
#             "client" (192.0.2.2) joined by a veth pair (MTU 1500); the
#             servers run in "server", the clients in "client", a dstd in
#             each.
#   loopback  everything in the initial netns over 127.0.0.1 (lo, MTU
#             65536): no ip netns at all; lib.sh's sv and cl run their
#             command as it is, and one dstd serves the export and the
#             devices.
#
# Either way fio runs in the initial netns, against the block device each
# system makes; every network system serves a RAM disk of its own:
#
#   local        /dev/ram0 itself                                       (the ceiling)
#   nvme         nvmet + nvmet-tcp (configfs, port 4420), namespace /dev/ram3 -> nvme connect
#   nvme-digest  a second subsystem on the same port and RAM disk -> nvme connect --hdr-digest --data-digest
#   nbd          nbd-server (port 10809), export /dev/ram2 -> nbd-client
#   dst          dstctl export /dev/ram1 (port 1025) -> dstctl add-device
#                --remote ADDR and no other option: DST as it comes (its
#                default checksum and number of connections, whatever they are)
#   dst-tuned    the same export -> dstctl add-device --csum none --connections
#                $(nproc) (no checksum; a connection per CPU, as NVMe/TCP has
#                an I/O queue per CPU)
#   nbd-tls      a second nbd-server (port 10810, tlsonly, certificates of
#                Tests/tls/make-certs.sh, TLS 1.3 AES-128-GCM), /dev/ram5 ->
#                nbd-client -certfile ... (GnuTLS in nbd-client, a userspace
#                proxy between the kernel's socket and TLS)
#   dst-tls      dstctl export /dev/ram4 (port 1026) --allow bench=KEY ->
#                dstctl add-device --identity bench --key KEY and no other
#                option: TLS 1.3 AES-128-GCM in kernel TLS, DST's defaults
#
# First every system is set up, one after the other, with memory snapshots
# around each step; then every job runs on every system, job by job, in
# BENCH_ROUNDS rounds (the order of the systems reversed in every other
# round), so that a change in the host's load while the benchmark runs
# spreads over all systems instead of landing on one.
#
# Output in $DST_LOGDIR: guest.env (kernel, settings, the guest CPU's model,
# flags and clock source), raw/SYSTEM/JOB.rN.json (fio), snap/*.txt (memory
# and CPU snapshots, see snap below), dev/SYSTEM.txt (the device and its
# queue settings), progress (one line per job), results.md and summary.json
# (report.py), failed (what did not work).
#
# vm-timeout: 1800
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LOGDIR=${DST_LOGDIR:?run by Tools/bench/guest.sh under Tools/bench/run}
# shellcheck source=/dev/null
. "$LOGDIR/bench.env"
export DSTCTL DSTD DST_KO
# shellcheck source=Tests/vm/lib.sh
. "$BENCH_DIR/../../Tests/vm/lib.sh"

BENCH_TOPOLOGY=${BENCH_TOPOLOGY:-veth}
case $BENCH_TOPOLOGY in
veth) ;;
loopback)
	# Both ends beside fio: lib.sh's sv and cl (ip netns exec server|client)
	# run the command as it is, and the server's address is 127.0.0.1.
	SERVER_IP=127.0.0.1
	LISTEN=$SERVER_IP:$PORT
	sv() { run "$@"; }
	cl() { run "$@"; }
	;;
*) fail "BENCH_TOPOLOGY is '$BENCH_TOPOLOGY', not veth or loopback" ;;
esac

RAW=$LOGDIR/raw
SNAP=$LOGDIR/snap
DEVINFO=$LOGDIR/dev
PROGRESS=$LOGDIR/progress
PROFILE=$LOGDIR/profile
mkdir -p "$RAW" "$SNAP" "$DEVINFO"
((BENCH_PROFILE)) && mkdir -p "$PROFILE"
: >"$PROGRESS"
: >"$LOGDIR/failed"

NBD_PORT=10809
NBD_TLS_PORT=10810
DST_TLS_PORT=1026
# The TLS systems both use AES-128-GCM: DST's PSK default, forced on NBD
# (GnuTLS would pick AES-256-GCM), so that neither pays for a stronger cipher.
NBD_TLS_PRIORITY="NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM"
NVME_PORT=4420
NVMET=/sys/kernel/config/nvmet
# A subsystem's configfs directory name is its NQN.
NVME_NQN=nqn.2014-08.org.dst:bench
NVME_NQN_DIGEST=nqn.2014-08.org.dst:bench-digest

# ---- helpers ----

# net_up: the topology's network. Loopback names the initial netns "host"
# (ip netns attach), so that lib.sh's start_dstd runs dstd there.
net_up() {
	if [[ $BENCH_TOPOLOGY == veth ]]; then
		setup_net
		return
	fi
	say "network: server and client in the initial netns over 127.0.0.1 (lo)"
	run ip link set lo up
	run ip netns attach host 1
	wait_until 10 ping -c 1 -W 1 "$SERVER_IP"
}

# listening PORT: a server listens on TCP PORT (in netns server with veth).
listening() { sv sh -c "ss -ltnH | grep -q ':$1 '"; }

# dstd_up: dstd beside the export and beside the devices: one in each netns
# (veth), or a single one for both (loopback; a second dstd in the same netns
# would find the first holding its lock).
dstd_up() {
	if [[ $BENCH_TOPOLOGY == veth ]]; then
		start_dstd server
		start_dstd client
	else
		start_dstd host
	fi
}

# snap NAME [--settle]: /proc/uptime, the first line of /proc/stat,
# /proc/meminfo, /proc/slabinfo, the per-CPU free page counts of
# /proc/zoneinfo, /proc/net/sockstat and every thread's stat line, in
# snap/NAME.txt, read with builtins and one cat so that taking it disturbs a
# running job as little as possible (report.py parses it). --settle: first
# sync, drop the page cache and reclaimable slab, wait, and take three
# snapshots half a second apart (NAME, NAME.2, NAME.3; report.py takes the
# median), for idle states compared across a change.
snap() {
	local f=$SNAP/$1.txt l a i
	if [[ ${2:-} == --settle ]]; then
		sync
		echo 3 >/proc/sys/vm/drop_caches
		sleep 2
		snap "$1"
		for i in 2 3; do
			sleep 0.5
			snap "$1.$i"
		done
		return 0
	fi
	{
		read -r l </proc/uptime
		echo "## uptime $l"
		read -r l </proc/stat
		echo "## stat $l"
		echo "## meminfo"
		mapfile -t a </proc/meminfo
		printf '%s\n' "${a[@]}"
		echo "## slabinfo"
		mapfile -t a </proc/slabinfo
		printf '%s\n' "${a[@]}"
		# Free pages held in per-CPU lists, which MemFree does not count
		# (tens of MiB that come and go), and the TCP buffer pages of all
		# namespaces (the counter is global).
		echo "## zoneinfo"
		mapfile -t a </proc/zoneinfo
		for l in "${a[@]}"; do
			[[ $l == *count:* ]] && echo "$l"
		done
		echo "## sockstat"
		mapfile -t a </proc/net/sockstat
		printf '%s\n' "${a[@]}"
		echo "## tasks"
		# Threads that exit meanwhile make cat fail; the rest is there.
		cat /proc/[0-9]*/task/[0-9]*/stat 2>/dev/null || true
		# Again at the end: a CPU window from one snapshot to the next
		# runs from this line of the first to the first line of the next,
		# without the time spent taking either.
		read -r l </proc/uptime
		echo "## uptime_end $l"
		read -r l </proc/stat
		echo "## stat_end $l"
	} >"$f"
	return 0
}

# centis VAR: sets VAR to the uptime in hundredths of a second.
centis() {
	local up _
	read -r up _ </proc/uptime
	printf -v "$1" '%d' $((10#${up/./}))
}

# A pipe nobody writes to: sleep_until waits on it with read -t, so that
# nothing forks or execs (costly under TCG) while a job is measured.
exec {NEVER_READY}<> <(:)

# sleep_until T0 CENTIS: sleep until CENTIS hundredths after T0 (centis).
sleep_until() {
	local now left secs
	centis now
	left=$(($1 + $2 - now))
	((left > 0)) || return 0
	printf -v secs '%d.%02d' $((left / 100)) $((left % 100))
	read -r -t "$secs" -u "$NEVER_READY" || true
}

# no_scheduler: "none" as I/O scheduler on every queue that has a choice
# (nbd's single hardware queue gets mq-deadline by default; brd, dst and the
# NVMe multipath node are bio-based and have none anyway).
no_scheduler() {
	local f
	for f in /sys/block/*/queue/scheduler; do
		grep -q '\[none\]' "$f" 2>/dev/null && continue
		grep -qw none "$f" 2>/dev/null && echo none >"$f"
	done
	return 0
}

# devinfo SYSTEM DEV [PATHDEV...]: the device fio meets and its queue
# settings into dev/SYSTEM.txt; its path into dev/SYSTEM.dev.
devinfo() {
	local sys=$1 dev=$2 p q a
	shift 2
	{
		echo "device: $dev ($(blockdev --getsize64 "$dev") bytes)"
		for p in "${dev##*/}" "$@"; do
			q=/sys/block/$p/queue
			printf '%s:' "$p"
			for a in logical_block_size physical_block_size max_sectors_kb max_hw_sectors_kb \
				nr_requests scheduler rotational write_cache nomerges rq_affinity; do
				printf ' %s=%s' "$a" "$(tr -d '\n' <"$q/$a" 2>/dev/null | tr ' ' ',')"
			done
			printf ' hw_queues=%s\n' "$(find "/sys/block/$p/mq" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)"
		done
		if [[ -d /sys/block/${dev##*/}/dst ]]; then
			for a in csum connections max_transfer features; do
				printf 'dst %s=%s\n' "$a" "$(cat "/sys/block/${dev##*/}/dst/$a")"
			done
		fi
	} >"$DEVINFO/$sys.txt"
	cat "$DEVINFO/$sys.txt"
	echo "$dev" >"$DEVINFO/$sys.dev"
}

# perf_start OUT: perf samples every CPU with call graphs into OUT.data, but
# only between perf_ctl enable and disable. Under TCG perf takes seconds to
# set up (it reads every process's maps and the kernel's symbols): that is
# done here, before the job starts, and perf_ctl ping waits for it.
perf_start() {
	# Two FIFOs, made in the guest's own /tmp (the 9p share cannot hold
	# them) and opened read-write (which does not wait for the other end):
	# perf inherits the descriptors.
	local fifo
	fifo=$(mktemp -d)
	mkfifo "$fifo/ctl" "$fifo/ack"
	exec {PERF_CTL}<>"$fifo/ctl" {PERF_ACK}<>"$fifo/ack"
	rm -r "$fifo"
	perf record -a -g -F 499 --no-buildid -D -1 --control "fd:$PERF_CTL,$PERF_ACK" \
		-o "$1.data" >"$1.log" 2>&1 </dev/null &
	PERF_PID=$!
	perf_ctl ping
}

# perf_ctl COMMAND: sends perf record a command and waits for its answer.
perf_ctl() {
	local ack
	echo "$1" >&"$PERF_CTL"
	if ! read -r -t 120 -u "$PERF_ACK" ack || [[ $ack != ack ]]; then
		fail "perf record did not answer $1"
	fi
}

perf_stop() {
	kill -INT "$PERF_PID"
	wait "$PERF_PID" || true
	exec {PERF_CTL}>&- {PERF_ACK}<&-
}

# run_job SYSTEM JOB ROUND: one fio job against SYSTEM's device. Snapshots
# just before it (t0) and at 15 % and 85 % of the measured time (t1, t2)
# give the CPU spent between t1 and t2 and the memory held under load.
run_job() {
	local sys=$1 job=$2 round=$3 dev pid t0 rc out
	local t1=$((BENCH_RAMP * 100 + 30 + BENCH_RUNTIME * 15))
	local t2=$((BENCH_RAMP * 100 + 30 + BENCH_RUNTIME * 85))
	dev=$(cat "$DEVINFO/$sys.dev")
	out=$RAW/$sys/$job.r$round
	mkdir -p "$RAW/$sys"
	say "round $round: $sys: $job on $dev (${BENCH_RAMP}s ramp + ${BENCH_RUNTIME}s)"
	((BENCH_PROFILE)) && perf_start "$PROFILE/$sys.$job.r$round"
	snap "$sys.$job.r$round.t0"
	centis t0
	BENCH_DEV=$dev BENCH_RUNTIME=$BENCH_RUNTIME BENCH_RAMP=$BENCH_RAMP \
		fio --section="$job" --output-format=json --output="$out.json" \
		"$BENCH_DIR/bench.fio" </dev/null >"$out.err" 2>&1 &
	pid=$!
	sleep_until "$t0" "$t1"
	snap "$sys.$job.r$round.t1"
	((BENCH_PROFILE)) && perf_ctl enable
	sleep_until "$t0" "$t2"
	((BENCH_PROFILE)) && perf_ctl disable
	snap "$sys.$job.r$round.t2"
	rc=0
	wait "$pid" || rc=$?
	((BENCH_PROFILE)) && perf_stop
	if ((rc != 0)); then
		cat "$out.err" >&2
		echo "$sys $job round $round: fio exit $rc" | tee -a "$LOGDIR/failed" >&2
		return 0
	fi
	python3 - "$out.json" "$sys" "$job" "$round" <<'PY' | tee -a "$PROGRESS"
import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
op = "write" if j["write"]["total_ios"] > j["read"]["total_ios"] else "read"
r = j[op]
p99 = r["lat_ns"].get("percentile", {}).get("99.000000", 0)
print(f"r{sys.argv[4]} {sys.argv[2]:<12} {sys.argv[3]:<18} {r['iops']:>9.0f} IOPS "
      f"{r['bw_bytes'] / 1e6:>8.1f} MB/s {r['lat_ns']['mean'] / 1e3:>9.1f} us mean {p99 / 1e3:>9.1f} us p99")
PY
}

# ---- set-up, one system after the other ----

up_local() {
	devinfo local /dev/ram0
}

# nvme_dev NQN: the block device of the namespace of subsystem NQN.
nvme_dev() {
	local s d
	for s in /sys/class/nvme-subsystem/*; do
		[[ $(cat "$s/subsysnqn" 2>/dev/null) == "$1" ]] || continue
		for d in "$s"/nvme*n*; do
			[[ ${d##*/} =~ ^nvme[0-9]+n[0-9]+$ ]] && echo "/dev/${d##*/}" && return 0
		done
	done
	return 1
}

# nvme_path_devs NQN: the per-controller path devices (nvmeXcYnZ) under it.
nvme_path_devs() {
	local d
	for d in /sys/block/nvme*c*n*; do
		[[ -e $d ]] || continue
		[[ $(cat "$d/device/subsysnqn" 2>/dev/null) == "$1" ]] && echo "${d##*/}"
	done
	return 0
}

# nvme_subsys NQN: a subsystem with namespace 1 on /dev/ram3, linked into
# port 1. Linking opens the listening socket (for the first subsystem) in
# the netns of the process that links (sv: netns server with veth); ip netns
# exec remounts /sys, so configfs must be mounted again in its private mount
# namespace.
nvme_subsys() {
	local sub=$NVMET/subsystems/$1
	run mkdir "$sub"
	echo 1 >"$sub/attr_allow_any_host"
	run mkdir "$sub/namespaces/1"
	echo -n /dev/ram3 >"$sub/namespaces/1/device_path"
	echo 1 >"$sub/namespaces/1/enable"
	sv sh -c "mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config
		ln -s $sub $NVMET/ports/1/subsystems/$1"
}

nvme_target_up() {
	local port=$NVMET/ports/1
	say "NVMe/TCP target: nvmet-tcp on $SERVER_IP:$NVME_PORT, subsystems on /dev/ram3"
	run modprobe nvmet
	run modprobe nvmet-tcp
	run modprobe nvme-tcp
	mountpoint -q /sys/kernel/config || run mount -t configfs none /sys/kernel/config
	snap nvme.base --settle
	run mkdir "$port"
	echo tcp >"$port/addr_trtype"
	echo ipv4 >"$port/addr_adrfam"
	echo "$SERVER_IP" >"$port/addr_traddr"
	echo "$NVME_PORT" >"$port/addr_trsvcid"
	[[ " $BENCH_SYSTEMS " == *" nvme "* ]] && nvme_subsys "$NVME_NQN"
	# The digest variant gets a subsystem of its own: a second controller of
	# the same subsystem would become a second path of the same multipath
	# device. Both share /dev/ram3 (nvmet opens it shared).
	[[ " $BENCH_SYSTEMS " == *" nvme-digest "* ]] && nvme_subsys "$NVME_NQN_DIGEST"
	wait_until 10 listening "$NVME_PORT"
	snap nvme.export --settle
}

# up_nvme SYSTEM NQN [ARGS]: connect from the client side.
up_nvme() {
	local sys=$1 nqn=$2 dev
	shift 2
	say "$sys: nvme connect ${*:-}"
	[[ -d $NVMET/ports/1 ]] || nvme_target_up
	cl nvme connect -t tcp -a "$SERVER_IP" -s "$NVME_PORT" -n "$nqn" "$@"
	wait_until 20 nvme_dev "$nqn"
	dev=$(nvme_dev "$nqn")
	wait_until 10 test "$(blockdev --getsize64 "$dev")" -gt 0
	no_scheduler
	# shellcheck disable=SC2046
	devinfo "$sys" "$dev" $(nvme_path_devs "$nqn")
}

nvme_down() {
	local nqn sub m
	for nqn in "$NVME_NQN" "$NVME_NQN_DIGEST"; do
		nvme_dev "$nqn" >/dev/null 2>&1 && { run nvme disconnect -n "$nqn" || true; }
		rm -f "$NVMET/ports/1/subsystems/$nqn" 2>/dev/null
	done
	[[ -d $NVMET/ports/1 ]] && rmdir "$NVMET/ports/1"
	for nqn in "$NVME_NQN" "$NVME_NQN_DIGEST"; do
		sub=$NVMET/subsystems/$nqn
		[[ -d $sub ]] || continue
		if [[ -d $sub/namespaces/1 ]]; then
			echo 0 >"$sub/namespaces/1/enable"
			rmdir "$sub/namespaces/1"
		fi
		rmdir "$sub"
	done
	for m in nvme_tcp nvme_fabrics nvmet_tcp nvmet; do
		[[ -d /sys/module/$m ]] && { run rmmod "$m" || true; }
	done
	return 0
}

up_nbd() {
	local conf=$WORK/nbd-server.conf
	say "NBD: nbd-server on $SERVER_IP:$NBD_PORT (/dev/ram2), nbd-client"
	cat >"$conf" <<EOF
[generic]
	listenaddr = $SERVER_IP
	port = $NBD_PORT
[bench]
	exportname = /dev/ram2
EOF
	run modprobe nbd nbds_max=2 max_part=0
	snap nbd.base --settle
	# nbd-server forks into the background; nbd_down finds it by name (the
	# VM runs nothing else called nbd-server).
	sv nbd-server -C "$conf"
	wait_until 10 listening "$NBD_PORT"
	snap nbd.export --settle
	# -L: the ioctl interface (nbd-client stays, in NBD_DO_IT); nbd's netlink
	# family answers only in the initial netns.
	cl nbd-client -L -N bench "$SERVER_IP" "$NBD_PORT" /dev/nbd0
	wait_until 10 test "$(cat /sys/block/nbd0/size)" -gt 0
	no_scheduler
	devinfo nbd /dev/nbd0
}

# up_nbd_tls: nbd-server that takes TLS only, with the test PKI; nbd-client
# presents alice's certificate and checks the server's name.
up_nbd_tls() {
	local conf=$WORK/nbd-tls.conf
	say "NBD-TLS: nbd-server on $SERVER_IP:$NBD_TLS_PORT (/dev/ram5, TLS only), nbd-client"
	tls_setup
	cat >"$conf" <<EOF
[generic]
	listenaddr = $SERVER_IP
	port = $NBD_TLS_PORT
	certfile = $TLS/server.pem
	keyfile = $TLS/server-key.pem
	cacertfile = $TLS/ca.pem
	tlsonly = true
	tlspriority = $NBD_TLS_PRIORITY
[bench]
	exportname = /dev/ram5
EOF
	run modprobe nbd nbds_max=2 max_part=0
	snap nbd-tls.base --settle
	sv nbd-server -C "$conf"
	wait_until 10 listening "$NBD_TLS_PORT"
	snap nbd-tls.export --settle
	cl nbd-client -L -N bench -certfile "$TLS/alice.pem" -keyfile "$TLS/alice-key.pem" \
		-cacertfile "$TLS/ca.pem" -tlshostname server.dst.test "$SERVER_IP" "$NBD_TLS_PORT" /dev/nbd1
	wait_until 10 test "$(cat /sys/block/nbd1/size)" -gt 0
	no_scheduler
	devinfo nbd-tls /dev/nbd1
}

nbd_down() {
	local pid dev
	for dev in /dev/nbd0 /dev/nbd1; do
		[[ -b $dev && $(cat "/sys/block/${dev#/dev/}/size" 2>/dev/null || echo 0) != 0 ]] &&
			{ run nbd-client -d "$dev" || true; }
	done
	for pid in $(pgrep -x nbd-server) $(pgrep -x nbd-client); do
		run kill -TERM "$pid" || true
	done
	sleep 0.5
	for pid in $(pgrep -x nbd-server) $(pgrep -x nbd-client); do
		run kill -KILL "$pid" || true
	done
	[[ -d /sys/module/nbd ]] && { run rmmod nbd || true; }
	return 0
}

dst_export_up() {
	say "DST: dstctl export /dev/ram1 on $LISTEN"
	load_dst
	dstd_up
	snap dst.base --settle
	export_dev /dev/ram1
	snap dst.export --settle
}

# up_dst SYSTEM [ARGS]: one more device on the export (several clients may
# attach one export), dst0 for the first, dst1 for the second; ARGS: the
# add-device options beyond --remote (none for dst: DST's defaults).
up_dst() {
	local sys=$1 dev
	shift
	say "$sys: dstctl add-device --remote $LISTEN${*:+ $*}"
	[[ -d /sys/module/dst ]] || dst_export_up
	# Not lib.sh's add_device, which gives the tests one connection.
	dev=$(cl dstctl add-device --remote "$LISTEN" "$@")
	[[ -b $dev ]] || fail "add-device printed '$dev', not a block device"
	no_scheduler
	devinfo "$sys" "$dev"
}

# up_dst_tls: a TLS export of its own (an export with credentials takes TLS
# only), and a device on it with a pre-shared key and otherwise DST's
# defaults.
up_dst_tls() {
	local dev
	say "dst-tls: dstctl export /dev/ram4 (TLS) on $SERVER_IP:$DST_TLS_PORT, add-device --identity bench"
	[[ -d /sys/module/dst ]] || dst_export_up
	tls_setup
	run dstctl genkey "$TLS/bench.key"
	sv dstctl export /dev/ram4 --listen "$SERVER_IP:$DST_TLS_PORT" --allow "bench=$TLS/bench.key"
	snap dst-tls.export --settle
	dev=$(cl dstctl add-device --remote "$SERVER_IP:$DST_TLS_PORT" --identity bench --key "$TLS/bench.key")
	[[ $(sysfs_attr "${dev#/dev/}" protection) == tls1.3-aes-128-gcm ]] || fail "dst-tls is not on TLS"
	no_scheduler
	devinfo dst-tls "$dev"
}

# bench_cleanup: what lib.sh's cleanup does not know about, before it
# (which takes down dst, the RAM disks and the namespaces). lib.sh unexports
# only in netns server and client: with loopback, the devices and then the
# exports of the initial netns go here.
bench_cleanup() {
	local pid dev m
	for pid in $(pgrep -x fio); do
		kill -KILL "$pid" 2>/dev/null || true
	done
	nbd_down >/dev/null 2>&1
	nvme_down >/dev/null 2>&1
	if [[ $BENCH_TOPOLOGY == loopback && -d /sys/module/dst ]]; then
		for dev in /sys/block/dst*; do
			run dstctl remove-device "${dev##*/}" || true
		done
		for m in $(dstctl status --json 2>/dev/null |
			json_get '"\n".join(e["name"] for e in j["exports"])' 2>/dev/null); do
			run dstctl unexport "$m" || true
		done
	fi
	# The name only: the initial netns itself stays.
	if [[ $BENCH_TOPOLOGY == loopback ]]; then
		ip netns del host 2>/dev/null || true
	fi
	return 0
}
trap 'rc=$?; bench_cleanup; (exit $rc); cleanup' EXIT

# ---- main ----

{
	echo "kernel=$(uname -r)"
	echo "cpus=$(nproc)"
	echo "mem_kib=$(awk '/MemTotal/ { print $2 }' /proc/meminfo)"
	echo "runtime=$BENCH_RUNTIME"
	echo "ramp=$BENCH_RAMP"
	echo "rounds=$BENCH_ROUNDS"
	echo "size_mb=$BENCH_SIZE_MB"
	echo "systems=$BENCH_SYSTEMS"
	echo "jobs=$BENCH_JOBS"
	echo "topology=$BENCH_TOPOLOGY"
	echo "tcg=${BENCH_TCG:-}"
	# The emulated CPU (QEMU's -cpu max under TCG): sse4_2 has the crc32
	# instruction (CRC32C for DST and NVMe/TCP digests), pclmulqdq the
	# carry-less multiply crc32c-intel folds long buffers with, aes and avx2
	# what AES-GCM uses; and the clock source, which every timestamp of fio
	# and the kernel reads.
	echo "cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
	flags=" $(sed -n 's/^flags[[:space:]]*: //p' /proc/cpuinfo | head -n 1) "
	for f in sse4_2 pclmulqdq aes avx2 constant_tsc; do
		echo "cpu_$f=$([[ $flags == *" $f "* ]] && echo 1 || echo 0)"
	done
	echo "clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource 2>/dev/null)"
	# CRC32C with the crc32 instruction over 4 KiB, MB/s on one vCPU (the
	# host's figure, from the same binary, is in host.env).
	echo "crc32c_mbps=$("$(dirname "$DST_KO")/crc32c-speed" | awk '$2 == 4096 { print $3 }')"
	echo "fio=$(fio --version)"
	echo "nbd=$(nbd-server -V 2>&1 | head -n 1)"
	echo "nvme=$(nvme version | head -n 1)"
	echo "hz=$(getconf CLK_TCK)"
	# What AES-128-GCM costs on these (emulated) CPUs: the ceiling of every
	# TLS system, in kB/s of 16 KiB records, as OpenSSL measures it.
	echo "openssl_aes128gcm_kbps=$({ openssl speed -seconds 2 -bytes 16384 -evp aes-128-gcm 2>/dev/null || true; } |
		awk 'END { sub(/k$/, "", $NF); print $NF }')"
	echo "start=$(date -u +%FT%TZ)"
} >"$LOGDIR/guest.env"
cat "$LOGDIR/guest.env"

net_up
brd_setup "$BENCH_SIZE_MB" 6
say "fill every RAM disk once, so that reads and writes find their pages allocated"
for i in 0 1 2 3 4 5; do
	run dd if=/dev/zero of="/dev/ram$i" bs=1M count="$BENCH_SIZE_MB" oflag=direct status=none
done

# Set-up in a background subshell that is waited for: set -e holds inside,
# and a system that fails to come up leaves the others to run.
up=()
for sys in $BENCH_SYSTEMS; do
	say "===== set up $sys ====="
	# Idle before and after (report.py takes the device's cost from these,
	# or from the export's snapshots taken in between).
	snap "$sys.pre" --settle
	case $sys in
	local) (up_local) & ;;
	nvme) (up_nvme nvme "$NVME_NQN") & ;;
	nvme-digest) (up_nvme nvme-digest "$NVME_NQN_DIGEST" --hdr-digest --data-digest) & ;;
	nbd) (up_nbd) & ;;
	nbd-tls) (up_nbd_tls) & ;;
	dst) (up_dst dst) & ;;
	dst-tuned) (up_dst dst-tuned --csum none --connections "$(nproc)") & ;;
	dst-tls) (up_dst_tls) & ;;
	*) fail "unknown system $sys" ;;
	esac
	if wait $! && [[ -s $DEVINFO/$sys.dev ]]; then
		up+=("$sys")
		snap "$sys.node" --settle
	else
		echo "$sys: set-up failed (see bench.log)" | tee -a "$LOGDIR/failed" >&2
	fi
done
((${#up[@]})) || fail "no system came up"
# Once crc32c is loaded by the kernel's crypto API, which driver serves it.
echo "crc32c=$(awk '/^name/ { n = $3 } /^driver/ { d = $3 }
	/^priority/ && n == "crc32c" { print $3, d }' /proc/crypto | sort -n | tail -n 1 | cut -d' ' -f2)" >>"$LOGDIR/guest.env"
snap idle --settle
# For Tools/bench/profile.py on the host: the symbols of this kernel and its modules.
((BENCH_PROFILE)) && cat /proc/kallsyms >"$PROFILE/kallsyms"

for ((round = 1; round <= BENCH_ROUNDS; round++)); do
	order=("${up[@]}")
	if ((round % 2 == 0)); then
		order=()
		for ((i = ${#up[@]} - 1; i >= 0; i--)); do
			order+=("${up[i]}")
		done
	fi
	for job in $BENCH_JOBS; do
		for sys in "${order[@]}"; do
			run_job "$sys" "$job" "$round"
		done
	done
done

say "report"
python3 "$BENCH_DIR/report.py" "$LOGDIR"
[[ ! -s $LOGDIR/failed ]] || fail "some systems or jobs failed: $(tr '\n' ';' <"$LOGDIR/failed")"
