# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Sourced by every VM test (Tests/vm/tests/NNN-name.sh). Runs inside the VM
# booted by Tools/vm/run, as root, one test per bash. The topology:
#
#    netns "server"                            netns "client"
#  +----------------------------------+      +----------------------------------+
#  | dstd, dstctl export              |      | dstctl add-device                  |
#  | backing: /dev/ramN (brd), or a   |      |                                  |
#  |   sparse file on ext4 on brd     |      |                                  |
#  |                                  |      |                                  |
#  |   veth-s 192.0.2.1/24 ===========|======|=========== veth-c 192.0.2.2/24   |
#  |   lo                             |      |   lo                             |
#  +----------------------------------+      +----------------------------------+
#                       \                          /
#                        dst.ko (one module, init netns)
#                        /dev/dst0, /dev/dst1 ...: block devices and file
#                        systems are not per-netns; only the TCP sockets are.
#
# Every function that changes the system echoes the command first ("+ ...").
# Mounts are made in the initial mount namespace (ip netns exec gives each
# command a private one), before the dstctl that opens the path runs.
#
# On exit, cleanup undoes everything (nodes, exports, dstd, mounts, dst,
# dm devices, brd, netns) and fails the test if `rmmod dst` does not succeed.

set -euo pipefail
shopt -s nullglob

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TEST=${DST_TEST:-$(basename "$0" .sh)}
LOGDIR=${DST_LOGDIR:-/tmp}
DSTCTL=${DSTCTL:-$REPO/.build/debug/dstctl}
DSTD=${DSTD:-$REPO/.build/debug/dstd}
NLRAW=$REPO/Tests/vm/nlraw.py
# The debug build: fault injection points (dbg_* parameters) and poisoned
# frees; Tools/build-kmod.sh builds it beside the release build.
DST_KO=${DST_KO:-$REPO/.build-kmod/$(uname -r)-debug/dst.ko}

SERVER_IP=192.0.2.1
CLIENT_IP=192.0.2.2
PORT=1025
LISTEN=$SERVER_IP:$PORT

# What cleanup must undo lives here, not in shell variables, so that
# guest-run.sh can clean up after a test that was killed.
STATE=/run/dst-vm
# Scratch space: tmpfs in the guest (virtme-ng overlays /tmp in RAM).
WORK=/tmp/dst-vm/$TEST

mkdir -p "$STATE/bin" "$WORK"
# dstctl and dstd by name, so the echoed commands read as a user types them
# and `ip netns exec` (which execs, not a shell) finds them.
ln -sf "$DSTCTL" "$STATE/bin/dstctl"
ln -sf "$DSTD" "$STATE/bin/dstd"
export PATH=$STATE/bin:$PATH
# A dstd that dstctl starts by itself logs here rather than to syslog.
export DSTD_LOG=$LOGDIR/$TEST.dstd-auto.log

# ---- output ----

say() { printf '\n### %s\n' "$*"; }

# run CMD...: echo (to stderr, so $(run ...) captures only CMD's output),
# then run.
run() {
	{
		printf '+'
		printf ' %q' "$@"
		printf '\n'
	} >&2
	"$@"
}
sv() { run ip netns exec server "$@"; }
cl() { run ip netns exec client "$@"; }

fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

# ---- assertions ----

# assert_eq ACTUAL EXPECTED [WHAT]
assert_eq() {
	[[ $1 == "$2" ]] || fail "${3:-value}: got '$1', expected '$2'"
	printf 'ok: %s = %s\n' "${3:-value}" "$2"
}

# assert_contains HAYSTACK NEEDLE [WHAT]
assert_contains() {
	[[ $1 == *"$2"* ]] || fail "${3:-output} does not contain '$2':"$'\n'"$1"
	printf 'ok: %s contains %s\n' "${3:-output}" "$2"
}

# assert_zero_file FILE [WHAT]: FILE holds only zero bytes.
assert_zero_file() {
	cmp -s -n "$(stat -c %s "$1")" "$1" /dev/zero || fail "${2:-$1} is not all zeroes"
	printf 'ok: %s is all zeroes\n' "${2:-$1}"
}

# expect_fail_with [--status N] [--prefix] MESSAGE CMD...
# CMD must fail (with status N if given) and print MESSAGE as a whole line
# on stderr (with --prefix: a line starting with MESSAGE).
expect_fail_with() {
	local status= prefix=0 msg out err rc
	while :; do
		case $1 in
		--status) status=$2; shift 2 ;;
		--prefix) prefix=1; shift ;;
		*) break ;;
		esac
	done
	msg=$1
	shift
	printf '+'
	printf ' %q' "$@"
	printf '   # must fail with: %s\n' "$msg"
	out=$WORK/expect.out
	err=$WORK/expect.err
	"$@" >"$out" 2>"$err" && rc=0 || rc=$?
	sed 's/^/  stdout| /' "$out"
	sed 's/^/  stderr| /' "$err"
	printf '  exit %d\n' "$rc"
	((rc != 0)) || fail "succeeded; expected failure with: $msg"
	[[ -z $status || $rc == "$status" ]] || fail "exit status $rc, expected $status"
	if ((prefix)); then
		grep -qF -- "$msg" <(cut -c1-"${#msg}" "$err") || fail "no stderr line starts with: $msg"
	else
		grep -qxF -- "$msg" "$err" || fail "no stderr line is exactly: $msg"
	fi
	printf 'ok: failed as expected\n'
}

# wait_until SECS CMD...: poll CMD every 0.2 s until it succeeds.
wait_until() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 5; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	fail "gave up after ${secs}s waiting for: $*"
}

# ---- set-up ----

setup_net() {
	say "network: server 192.0.2.1 <-veth-> client 192.0.2.2"
	run ip netns add client
	run ip -n client link set lo up
	server_netns server veth-s "$SERVER_IP" veth-c "$CLIENT_IP"
	wait_until 10 ip netns exec client ping -c 1 -W 1 "$SERVER_IP"
}

# server_netns NETNS VETH IP CLIENT_VETH CLIENT_IP: a server namespace
# NETNS cabled to the client namespace: VETH with IP in it, its peer
# CLIENT_VETH with CLIENT_IP in the client's.
server_netns() {
	run ip netns add "$1"
	run ip -n "$1" link set lo up
	run ip link add "$2" netns "$1" type veth peer name "$4" netns client
	run ip -n "$1" addr add "$3/24" dev "$2"
	run ip -n client addr add "$5/24" dev "$4"
	run ip -n "$1" link set "$2" up
	run ip -n client link set "$4" up
}

# brd_setup SIZE_MB COUNT: /dev/ram0../dev/ram<COUNT-1>, SIZE_MB each.
brd_setup() {
	say "brd: $2 x $1 MiB"
	[[ -d /sys/module/brd ]] && run rmmod brd
	run modprobe brd rd_nr="$2" rd_size="$(($1 * 1024))" max_part=0
	wait_until 10 test -b "/dev/ram$(($2 - 1))"
}

load_dst() {
	local dep
	say "load $DST_KO"
	[[ -f $DST_KO ]] || fail "$DST_KO is missing: run Tools/build-kmod.sh $(uname -r)"
	run modprobe crc32c
	for dep in $(modinfo -F depends "$DST_KO" | tr ',' ' '); do
		run modprobe "$dep"
	done
	run insmod "$DST_KO" ${DST_MODPARAMS:-}
}

# dbg_set NAME VALUE: set the debug build's fault injection point dbg_NAME.
dbg_set() {
	local p=/sys/module/dst/parameters/dbg_$1
	[[ -w $p ]] || fail "$p is missing: the test needs the debug build of dst.ko"
	run bash -c "echo $2 >$p"
}

# setup_server MB [COUNT]: what almost every test starts with: the two
# namespaces, COUNT (default 1) brd disks of MB MiB (/dev/ram0 ...), dst.ko,
# and dstd in the server namespace.
setup_server() {
	setup_net
	brd_setup "$1" "${2:-1}"
	load_dst
	start_dstd server
}

# Reconnect options of a test that breaks connections and wants them back
# at once.
FAST_RECONNECT=(--reconnect-delay 0.2 --reconnect-delay-max 1)

# dstd_ready NETNS: a dstd holds its lock (abstract socket @dstd) there.
dstd_ready() {
	ip netns exec "$1" awk '$NF == "@dstd" { found = 1 } END { exit !found }' /proc/net/unix
}

# start_dstd [NETNS]: dstd in NETNS (default server), logging to
# vm-logs/<kver>/<test>.dstd-<netns>.log; waits until it holds its lock.
start_dstd() {
	local ns=${1:-server} log=$LOGDIR/$TEST.dstd-${1:-server}.log pid i
	printf '+ ip netns exec %s dstd --log %s &\n' "$ns" "$log" >&2
	ip netns exec "$ns" "$DSTD" --log "$log" </dev/null >>"$log.out" 2>&1 &
	pid=$!
	echo "$pid" >>"$STATE/pids"
	for ((i = 0; i < 50; i++)); do
		dstd_ready "$ns" && return 0
		kill -0 "$pid" 2>/dev/null || fail "dstd in $ns exited: $(cat "$log.out" "$log" 2>/dev/null)"
		sleep 0.2
	done
	fail "dstd in $ns did not take its lock within 10s"
}

# json_get EXPR: evaluates the Python expression EXPR over j, the JSON
# document on stdin; prints strings bare, null as nothing.
json_get() {
	python3 -c '
import json, sys
j = json.load(sys.stdin)
v = eval(sys.argv[1])
print("" if v is None else json.dumps(v) if isinstance(v, (list, dict, bool)) else v)' "$1"
}

# stop_dstd: SIGTERM to every dstd: those start_dstd started and those
# dstctl started by itself (add-device starts one in the client netns to
# reconnect devices); waits for each to exit.
stop_dstd() {
	local pid
	for pid in $(dstd_pids); do
		term_wait "$pid" || fail "dstd ($pid) ignored SIGTERM for 5s"
	done
	rm -f "$STATE/pids"
}

# dstd_pids: those start_dstd started and those dstctl started by itself.
# Everything in the VM is the suite's, so finding the rest by name is safe.
dstd_pids() {
	{
		cat "$STATE/pids" 2>/dev/null
		pgrep -x dstd
	} | sort -u
}

# term_wait PID: SIGTERM, then up to 5 s for PID to exit; fails if it
# does not.
term_wait() {
	local i
	kill -0 "$1" 2>/dev/null || return 0
	run kill -TERM "$1"
	for ((i = 0; i < 50; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# sparse_setup SIZE_MB: SPARSE=a sparse file of SIZE_MB on ext4 on
# /dev/ram0 (128 MiB), mounted in the initial mount namespace. ext4 because
# the export opens its backing file with O_DIRECT, which tmpfs and 9p may
# refuse; brd because it gives ext4 a real block device in the guest.
sparse_setup() {
	brd_setup 128 1
	say "sparse file of $1 MiB on ext4 on /dev/ram0"
	run mkfs.ext4 -q -F /dev/ram0
	mount_on /dev/ram0 "$WORK/srv"
	SPARSE=$WORK/srv/disk.img
	run truncate -s "${1}M" "$SPARSE"
}

# slow_setup NAME MS DEV: /dev/mapper/NAME, DEV with every I/O delayed by
# MS milliseconds (dm-delay). No udev in the VM: dmsetup makes the node.
slow_setup() {
	local sectors
	sectors=$(blockdev --getsz "$3")
	say "dm-delay: /dev/mapper/$1 = $3 + ${2} ms per I/O"
	run modprobe dm-delay
	run dmsetup create "$1" --noudevsync --table "0 $sectors delay $3 0 $2"
	echo "$1" >>"$STATE/dm"
	run dmsetup mknodes "$1"
	wait_until 10 test -b "/dev/mapper/$1"
}

# blocks FILE: 512-byte blocks allocated to FILE.
blocks() { stat -c %b "$1"; }

# ---- the link ----

# capture_start PORT FILE: record the TCP payloads to and from PORT on the
# client's veth (Tests/vm/capture.py) until capture_stop FILE.
capture_start() {
	local i
	printf '+ capture.py record veth-c %s %s &\n' "$1" "$2" >&2
	ip netns exec client python3 "$REPO/Tests/vm/capture.py" record veth-c "$1" "$2" >"$2.out" 2>&1 &
	bg_track $!
	for ((i = 0; i < 100; i++)); do
		grep -q recording "$2.out" && return 0
		sleep 0.1
	done
	cat "$2.out"
	fail "the capture did not start"
}

capture_stop() {
	run pkill -TERM -f "capture.py record veth-c [0-9]* $1"
	wait_until 10 test -s "$1"
	cat "$1.out"
}

# ---- TLS ----
#
# DST_TLS=psk or x509 (Tools/vm/run sets it for the tests whose header says
# "# vm-tls: psk x509") makes export_dev and add_device use TLS: the export
# admits the identity alice, the client attaches as alice, with a
# pre-shared key or a certificate. Empty: plaintext.
DST_TLS=${DST_TLS:-}
TLS=$WORK/tls

# tls_setup: keys (alice, bob, carol; mode 600) and a test PKI in $TLS.
tls_setup() {
	[[ -f $TLS/alice.key ]] && return 0
	say "TLS: keys and certificates in $TLS"
	run mkdir -p -m 700 "$TLS"
	for who in alice bob carol; do
		run dstctl genkey "$TLS/$who.key"
	done
	run "$REPO/Tests/tls/make-certs.sh" "$TLS"
}

# tls_export_args: export options for DST_TLS.
tls_export_args() {
	case $DST_TLS in
	psk) echo "--allow alice=$TLS/alice.key" ;;
	x509) echo "--cert $TLS/server.pem --cert-key $TLS/server-key.pem --ca $TLS/ca.pem --allow-subject alice" ;;
	esac
}

# tls_client_args [WHO]: add-device options for DST_TLS, as WHO (alice).
tls_client_args() {
	local who=${1:-alice}
	case $DST_TLS in
	psk) echo "--identity $who --key $TLS/$who.key" ;;
	x509) echo "--cert $TLS/$who.pem --cert-key $TLS/$who-key.pem --ca $TLS/ca.pem --server-name server.dst.test" ;;
	esac
}

# export_dev PATH [ARGS...]: export PATH from the server netns (over TLS
# when DST_TLS says so).
export_dev() {
	[[ -z $DST_TLS ]] || tls_setup >&2
	# shellcheck disable=SC2046 # the options are words
	sv dstctl export "$@" --listen "$LISTEN" $(tls_export_args)
}

# add_device [ARGS...]: attach the server's export from the client netns
# (over TLS when DST_TLS says so); prints what dstctl prints (the device
# path) and checks it is a block device. One connection unless ARGS say
# --connections: the tests count epochs, reconnects and killed sockets of one
# connection; 010 checks the default (one per CPU) and 180 several.
add_device() {
	local dev
	[[ " $* " == *" --connections "* ]] || set -- --connections 1 "$@"
	[[ -z $DST_TLS ]] || tls_setup >&2
	# shellcheck disable=SC2046
	dev=$(cl dstctl add-device --remote "$LISTEN" "$@" $(tls_client_args))
	echo "$dev"
	[[ -b $dev ]] || fail "add-device printed '$dev', not a block device"
	[[ -z $DST_TLS ]] || [[ $(sysfs_attr "${dev#/dev/}" protection) == tls1.3-* ]] ||
		fail "$dev is not protected by TLS"
}

# dev_size DEV: size in bytes.
dev_size() { blockdev --getsize64 "$1"; }

# sysfs_attr DEV ATTR: /sys/block/DEV/dst/ATTR.
sysfs_attr() { cat "/sys/block/$1/dst/$2"; }

# random_file PATH SIZE_KIB
random_file() {
	run dd if=/dev/urandom of="$1" bs=1K count="$2" status=none
}

# make_tree DIR: random files from 0 B to 4 MiB in nested directories,
# about 8 MiB in all, and a symlink.
make_tree() {
	local d=$1 i dirs=(. a a/b a/b/c x) sizes=(0 1 511 4096 4097 65536 100000 1048576 2097152 3000 12345 777777 4194304)
	say "make_tree $d"
	mkdir -p "$d/a/b/c" "$d/x" "$d/empty"
	for i in "${!sizes[@]}"; do
		head -c "${sizes[i]}" /dev/urandom >"$d/${dirs[i % ${#dirs[@]}]}/file$i"
	done
	ln -s a/b/c/file3 "$d/link"
}

# fs_roundtrip DEV: a tree of random files copied onto the file system on
# DEV reads back identical, before and after a remount (so the second time
# from the server, not the page cache). Leaves DEV unmounted.
fs_roundtrip() {
	local mnt=$WORK/mnt
	make_tree "$WORK/tree"
	(cd "$WORK/tree" && find . -type f -print0 | sort -z | xargs -0 sha256sum) >"$WORK/tree.sha256"
	echo "$(wc -l <"$WORK/tree.sha256") files, $(du -sh "$WORK/tree" | cut -f1)"
	say "copy the tree onto $1, compare"
	mount_on "$1" "$mnt"
	run cp -a "$WORK/tree/." "$mnt/"
	run sync
	(cd "$mnt" && run sha256sum --quiet -c "$WORK/tree.sha256")
	say "remount, compare again"
	run umount "$mnt"
	run mount "$1" "$mnt"
	(cd "$mnt" && run sha256sum --quiet -c "$WORK/tree.sha256")
	run umount "$mnt"
}

# fio_job DEV: the [global] section of every fio verify job: direct,
# libaio, crc32c verification of everything written, failing at the first
# mismatch; jobs run one after another. Append the jobs.
fio_job() {
	cat <<FIO
[global]
filename=$1
direct=1
ioengine=libaio
iodepth=8
verify=crc32c
do_verify=1
verify_fatal=1
verify_dump=1
randrepeat=0
stonewall
FIO
}

# fio_jobs DEV JOB...: a verify job file on stdout: fio_job's [global] and
# one job per JOB, NAME:RW:BS:SIZE[:OFFSET], e.g. randwrite-4k:randwrite:4k:16m;
# BS may be a range (4k-64k); a randrw job reads and writes half each.
fio_jobs() {
	local dev=$1 spec name rw bs size offset
	shift
	fio_job "$dev"
	for spec; do
		IFS=: read -r name rw bs size offset <<<"$spec"
		printf '\n[%s]\nrw=%s\n' "$name" "$rw"
		[[ $rw == randrw ]] && printf 'rwmixread=50\n'
		[[ $bs == *-* ]] && printf 'bsrange=%s\n' "$bs" || printf 'bs=%s\n' "$bs"
		[[ -n $offset ]] && printf 'offset=%s\n' "$offset"
		printf 'size=%s\n' "$size"
	done
}

# fio_verify JOBFILE: run it; fail unless fio exits 0 with no verify error.
fio_verify() {
	local out=$1.out rc=0
	run fio --output="$out" "$1" || rc=$?
	cat "$out"
	assert_eq "$rc" 0 "fio exit status"
	if grep -Ei 'verify.*(fail|bad|mismatch)|bad magic|crc32c: ' "$out"; then
		fail "fio reported verify errors"
	fi
}

# mount_on DEV DIR [OPTS]: mount DEV on DIR in the initial mount namespace.
mount_on() {
	mkdir -p "$2"
	run mount ${3:+-o "$3"} "$1" "$2"
	echo "$2" >>"$STATE/mounts"
}

# ---- stacking (210-230): a second server, udev, md and dm over DST ----

SERVER2_IP=192.0.3.1
CLIENT2_IP=192.0.3.2
LISTEN2=$SERVER2_IP:$PORT

sv2() { run ip netns exec server2 "$@"; }

# setup_server2: a second server, netns server2 (192.0.3.1) on its own veth
# to the client (192.0.3.2), with its own dstd; setup_server made the first.
setup_server2() {
	say "second server: server2 192.0.3.1 <-veth-> client 192.0.3.2"
	server_netns server2 veth-s2 "$SERVER2_IP" veth-c2 "$CLIENT2_IP"
	wait_until 10 ip netns exec client ping -c 1 -W 1 "$SERVER2_IP"
	start_dstd server2
}

link2_down() { run ip -n server2 link set veth-s2 down; }
link2_up() { run ip -n server2 link set veth-s2 up; }

# start_udevd: systemd-udevd with the system's rules and ours from the tree
# (60-dst.rules, its helper path pointing into the tree), logging at debug
# level to vm-logs/<kver>/<test>.udevd.log, where RUN programs' output lands.
start_udevd() {
	local log=$LOGDIR/$TEST.udevd.log
	mkdir -p /run/udev/rules.d
	sed "s|/usr/lib/dst/dst-md-readd|$REPO/Tools/dist/dst-md-readd|" \
		"$REPO/Tools/dist/60-dst.rules" >/run/udev/rules.d/60-dst.rules
	printf '+ systemd-udevd --debug >%s &\n' "$log" >&2
	/lib/systemd/systemd-udevd --debug >"$log" 2>&1 </dev/null &
	echo $! >"$STATE/udevd"
	wait_until 10 udevadm control --ping
}

stop_udevd() {
	run udevadm settle --timeout 30
	term_wait "$(cat "$STATE/udevd")" || run kill -KILL "$(cat "$STATE/udevd")"
	rm -f "$STATE/udevd" /run/udev/rules.d/60-dst.rules
}

# on_dst NAME: the block device NAME (md0, dm-1, dst0) is, or sits on, a
# DST device.
on_dst() {
	local slave
	[[ $1 == dst* ]] && return 0
	for slave in /sys/block/"$1"/slaves/*; do
		on_dst "${slave##*/}" && return 0
	done
	return 1
}

# stack_teardown_holders SYSDIR: stop what holds the block device at SYSDIR
# (md arrays, dm targets), top down.
stack_teardown_holders() {
	local h name
	for h in "$1"/holders/*; do
		name=${h##*/}
		stack_teardown_holders "/sys/block/$name"
		case $name in
		md*) run mdadm --stop "/dev/$name" ;;
		dm-*) run dmsetup remove --noudevsync "$(cat "/sys/block/$name/dm/name")" ;;
		esac
	done
}

# stack_teardown: swap, mounts, md arrays and dm targets on DST devices.
stack_teardown() {
	local dev src name
	for src in $(awk 'NR > 1 { print $1 }' /proc/swaps); do
		name=$(basename "$(readlink -f "$src")")
		on_dst "$name" && run swapoff "$src"
	done
	while read -r src dev _; do
		[[ $src == /dev/* ]] || continue
		name=$(basename "$(readlink -f "$src")")
		[[ -d /sys/block/$name ]] && on_dst "$name" && run umount "$dev"
	done < <(tac /proc/mounts)
	for dev in /sys/block/dst* /sys/block/dst*/dst*p*; do
		stack_teardown_holders "$dev"
	done
}

# ---- fault tests (130-175): background jobs, waits, links, daemons ----

# bg_track PID: a background job of the test (fio, dd, a fault loop, a
# monitor, the fake server) that cleanup_all kills first, so that nothing
# holds /dev/dstN open when the nodes go.
bg_track() { echo "$1" >>"$STATE/bg"; }

# descendants PID: PID's children, their children, ... (fio forks its jobs).
descendants() {
	local c
	for c in $(pgrep -P "$1"); do
		echo "$c"
		descendants "$c"
	done
}

# kill_bg: SIGKILL to every tracked background job still running and to its
# descendants (jobs in D state die when their I/O ends: remove-device ends it).
kill_bg() {
	local pid pids
	while read -r pid; do
		kill -0 "$pid" 2>/dev/null || continue
		mapfile -t pids < <(descendants "$pid")
		run kill -KILL "$pid" "${pids[@]}"
	done <"$STATE/bg"
	rm -f "$STATE/bg"
}

# now: seconds since the epoch, with fractions. since T: seconds since now
# returned T, rounded to 0.1.
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# attr_is DEV ATTR VALUE / attr_ge DEV ATTR N: for wait_until.
attr_is() { [[ $(sysfs_attr "$1" "$2") == "$3" ]]; }
attr_ge() { (($(sysfs_attr "$1" "$2") >= $3)); }

# wait_state DEV STATE SECS: until /sys/block/DEV/dst/state is STATE.
wait_state() {
	printf '+ wait up to %ss for %s state %s\n' "$3" "$1" "$2" >&2
	wait_until "$3" attr_is "$1" state "$2"
	printf 'ok: %s is %s\n' "$1" "$2"
}

# show_dev DEV: the fault-relevant sysfs attributes on one line.
show_dev() {
	local a out=
	for a in state epoch connections inflight reconnects resends timeouts errors csum_errors protocol_errors; do
		out+="$a=$(sysfs_attr "$1" "$a" 2>/dev/null) "
	done
	echo "$1: ${out}last_error='$(sysfs_attr "$1" last_error 2>/dev/null)'"
}

# link_down / link_up: pull and put back the "cable" (the server end of the
# veth; the client end loses its carrier, its routes stay).
link_down() { run ip -n server link set veth-s down; }
link_up() { run ip -n server link set veth-s up; }

# pids_in NETNS NAME: pids of processes named NAME whose netns is NETNS.
pids_in() {
	local pid
	for pid in $(pgrep -x "$2"); do
		[[ $(ip netns identify "$pid" 2>/dev/null) == "$1" ]] && echo "$pid"
	done
	return 0
}

# kill9_dstd NETNS: SIGKILL the dstd of NETNS and wait until it is gone.
kill9_dstd() {
	local pids pid i
	pids=$(pids_in "$1" dstd)
	[[ -n $pids ]] || fail "no dstd runs in $1"
	for pid in $pids; do
		run kill -KILL "$pid"
	done
	for ((i = 0; i < 50; i++)); do
		[[ -z $(pids_in "$1" dstd) ]] && ! dstd_ready "$1" && return 0
		sleep 0.1
	done
	fail "dstd in $1 survived SIGKILL"
}

# kill_conns: ss -K every DST TCP connection, from the client end.
kill_conns() {
	cl ss -K -t state established dst "$SERVER_IP" dport = :"$PORT"
}

# export_uuid PATH NAME UUID: export PATH as NAME with the given UUID, as a
# server that comes back after a reboot does.
export_uuid() {
	export_dev "$1" --name "$2" --uuid "$3"
}

# bdev_free DEV: nobody holds DEV exclusively (an export, dm, a mount).
bdev_free() {
	python3 -c 'import os, sys; os.close(os.open(sys.argv[1], os.O_RDONLY | os.O_EXCL))' "$1"
}

# linear_setup NAME DEV SECTORS: /dev/mapper/NAME, the first SECTORS of DEV.
linear_setup() {
	say "dm-linear: /dev/mapper/$1 = first $3 sectors of $2"
	run modprobe dm-mod
	run dmsetup create "$1" --noudevsync --table "0 $3 linear $2 0"
	echo "$1" >>"$STATE/dm"
	run dmsetup mknodes "$1"
	wait_until 10 test -b "/dev/mapper/$1"
}

# start_monitor FILE [NETNS]: dstctl monitor --json in NETNS (default
# client) in the background, one event a line into FILE.
start_monitor() {
	local ns=${2:-client}
	printf '+ ip netns exec %s dstctl monitor --json > %s &\n' "$ns" "$1" >&2
	ip netns exec "$ns" "$DSTCTL" monitor --json >"$1" 2>"$1.err" </dev/null &
	bg_track $!
	MONITOR_PID=$!
	sleep 1
	kill -0 "$MONITOR_PID" 2>/dev/null || fail "dstctl monitor exited: $(cat "$1" "$1.err")"
}

# monitor_states FILE DEV: the states DEV went through, in order, as
# `dstctl monitor --json` recorded them in FILE (one word a line).
monitor_states() {
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("type") == "device" and e.get("device") == sys.argv[2] and e.get("state"):
        print(e["state"])' "$1" "$2"
}

# fio_bg JOBFILE: run fio_verify's fio in the background; fio_bg_wait
# waits for it and fails as fio_verify does.
fio_bg() {
	FIO_BG_JOB=$1
	printf '+ fio --output=%s %s &\n' "$1.out" "$1" >&2
	fio --output="$1.out" "$1" </dev/null >/dev/null 2>"$1.err" &
	FIO_BG_PID=$!
	bg_track "$FIO_BG_PID"
}
fio_bg_wait() {
	local rc=0 out=$FIO_BG_JOB.out
	wait "$FIO_BG_PID" || rc=$?
	cat "$out" "$FIO_BG_JOB.err"
	assert_eq "$rc" 0 "fio exit status"
	if grep -Ei 'verify.*(fail|bad|mismatch)|bad magic|crc32c: ' "$out" "$FIO_BG_JOB.err"; then
		fail "fio reported verify errors"
	fi
}

# fio_loop JOBFILE: in the background, run JOBFILE (write, then verify)
# again and again until fio_loop_stop; each pass must exit 0 without a verify
# error. Keeps I/O in flight across whatever the test breaks meanwhile.
fio_loop() {
	FIO_LOOP_DIR=$WORK/fio-loop
	mkdir -p "$FIO_LOOP_DIR"
	rm -f "$FIO_LOOP_DIR"/*
	printf '+ fio %s, pass after pass, in the background\n' "$1" >&2
	(
		n=0
		while [[ ! -e $FIO_LOOP_DIR/stop ]]; do
			n=$((n + 1))
			out=$FIO_LOOP_DIR/pass$n.out
			start=$(now)
			rc=0
			fio --output="$out" "$1" </dev/null >/dev/null 2>"$out.err" || rc=$?
			echo "pass $n: exit $rc after $(since "$start")s" >>"$FIO_LOOP_DIR/passes"
			if ((rc != 0)) || grep -Eiq 'verify.*(fail|bad|mismatch)|bad magic|crc32c: ' "$out" "$out.err"; then
				echo "$n" >"$FIO_LOOP_DIR/failed"
				break
			fi
		done
	) &
	FIO_LOOP_PID=$!
	bg_track "$FIO_LOOP_PID"
}

# fio_loop_stop [MIN_PASSES]: let the current pass finish, then check every
# pass; at least MIN_PASSES (default 1) must have completed.
fio_loop_stop() {
	local n
	say "stop the fio loop after its current pass"
	touch "$FIO_LOOP_DIR/stop"
	wait "$FIO_LOOP_PID" || true
	cat "$FIO_LOOP_DIR/passes" 2>/dev/null
	if [[ -e $FIO_LOOP_DIR/failed ]]; then
		n=$(cat "$FIO_LOOP_DIR/failed")
		cat "$FIO_LOOP_DIR/pass$n.out" "$FIO_LOOP_DIR/pass$n.out.err"
		fail "fio pass $n failed"
	fi
	n=$(wc -l <"$FIO_LOOP_DIR/passes" 2>/dev/null || echo 0)
	((n >= ${1:-1})) || fail "only $n fio passes, expected at least ${1:-1}"
	# The last pass's report, as evidence.
	cat "$FIO_LOOP_DIR/pass$n.out"
	echo "ok: $n fio passes, no verify error"
}

# proc_state PID: the one-letter state of PID (R, S, D, ...), empty if gone.
proc_state() { sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null; }

# running PID: PID exists and is not a zombie (kill -0 succeeds on a zombie
# the test shell has not reaped yet).
running() {
	local s
	s=$(proc_state "$1")
	[[ -n $s && $s != Z ]]
}

# in_d_state PID: PID sleeps uninterruptibly (waits for I/O).
in_d_state() { [[ $(proc_state "$1") == D ]]; }

# ---- IPv6 (260) ----

SERVER_IP6=fd00::1
# A second address of the server, for a host name that moves.
SERVER2_IP6=fd00::3
CLIENT_IP6=fd00::2
LISTEN6=[$SERVER_IP6]:$PORT

# setup_net6: IPv6 on setup_net's veth pair besides IPv4: fd00::1 and
# fd00::3 on veth-s, fd00::2 on veth-c, /64. nodad makes them usable at
# once; keep_addr_on_down keeps them (and their routes) across link_down,
# which would otherwise flush a device's IPv6 addresses.
setup_net6() {
	say "IPv6: server fd00::1, fd00::3 <-veth-> client fd00::2"
	run ip netns exec server sysctl -qw net.ipv6.conf.veth-s.keep_addr_on_down=1
	run ip netns exec client sysctl -qw net.ipv6.conf.veth-c.keep_addr_on_down=1
	run ip -n server addr add "$SERVER_IP6/64" dev veth-s nodad
	run ip -n server addr add "$SERVER2_IP6/64" dev veth-s nodad
	run ip -n client addr add "$CLIENT_IP6/64" dev veth-c nodad
	wait_until 10 ip netns exec client ping -6 -c 1 -W 1 "$SERVER_IP6"
}

# hosts_override LINE...: a private /etc/hosts for the rest of the test,
# the VM's only: $WORK/hosts bind-mounted over it in the initial mount
# namespace (the guest's root is the host's file system, never written).
# Namespaces made later (ip netns exec, the dstd that add-device starts)
# inherit the mount. Cleanup unmounts it.
hosts_override() {
	printf '%s\n' "$@" >"$WORK/hosts"
	run mount --bind "$WORK/hosts" /etc/hosts
	touch "$STATE/hosts"
}

# hosts_set LINE...: new contents for hosts_override's file, written in
# place (the same inode), so that every namespace that has the mount sees
# them at its next lookup.
hosts_set() {
	printf '+ hosts: %s\n' "$*" >&2
	printf '%s\n' "$@" >"$WORK/hosts"
}

# ---- clean-up ----

# Undo everything a test may have set up, in order: client mounts, nodes,
# exports, dstd, dst.ko, server mounts, dm devices, brd, netns. Safe to run any number
# of times, also by guest-run.sh after a test that was killed. Returns
# non-zero if dst.ko could not be removed.
cleanup_all() {
	local ret=0 m dev pid i ns
	set +e

	# Fault tests' background jobs (fio, dd, monitor, fake server) first.
	[[ -e $STATE/bg ]] && kill_bg
	# A backing store a test left hung (suspended): its I/O must drain.
	for m in $(cat "$STATE/dm" 2>/dev/null); do
		run dmsetup resume --noudevsync "$m"
	done

	for m in $(awk '$1 ~ "^/dev/dst" { print $2 }' /proc/mounts | tac); do
		run umount "$m"
	done
	# What a stacking test built on the devices: swap, mounts, md, dm.
	stack_teardown
	[[ -e $STATE/udevd ]] && stop_udevd
	for m in $(cat "$STATE/cgroups" 2>/dev/null); do
		rmdir "$m"
	done
	rm -f "$STATE/cgroups"

	for dev in /sys/block/dst*; do
		ns=
		[[ -e /run/netns/client ]] && ns=client
		run ${ns:+ip netns exec $ns} "$DSTCTL" remove-device "${dev##*/}"
	done

	# Exports belong to the netns they were made in.
	for ns in server server2 client; do
		[[ -e /run/netns/$ns && -d /sys/module/dst ]] || continue
		for m in $(ip netns exec "$ns" "$DSTCTL" status --json 2>/dev/null |
			json_get '"\n".join(e["name"] for e in j["exports"])' 2>/dev/null); do
			run ip netns exec "$ns" "$DSTCTL" unexport "$m"
		done
	done

	for pid in $(dstd_pids); do
		term_wait "$pid" || run kill -KILL "$pid"
	done
	rm -f "$STATE/pids"

	if [[ -d /sys/module/dst ]]; then
		for ((i = 0; i < 20; i++)); do
			run rmmod dst && break
			sleep 0.5
		done
		if [[ -d /sys/module/dst ]]; then
			echo "FAIL: cleanup: rmmod dst failed (refcnt $(cat /sys/module/dst/refcnt 2>/dev/null))" >&2
			ret=1
		fi
	fi

	# Server side: file systems holding sparse-file exports, anything on brd.
	for m in $(tac "$STATE/mounts" 2>/dev/null) $(awk '$1 ~ "^/dev/ram" { print $2 }' /proc/mounts | tac); do
		mountpoint -q "$m" && run umount "$m"
	done
	rm -f "$STATE/mounts"
	if [[ -e $STATE/hosts ]]; then
		run umount /etc/hosts
		rm -f "$STATE/hosts"
	fi
	for m in $(tac "$STATE/dm" 2>/dev/null); do
		run dmsetup remove --noudevsync "$m"
	done
	rm -f "$STATE/dm"
	for m in /sys/block/ram*; do
		stack_teardown_holders "$m"
	done
	if [[ -d /sys/module/brd ]]; then
		for ((i = 0; i < 10; i++)); do
			run rmmod brd && break
			sleep 0.5
		done
	fi

	for ns in server server2 client; do
		[[ -e /run/netns/$ns ]] && run ip netns del "$ns"
	done
	rm -rf /tmp/dst-vm
	return $ret
}

# EXIT trap: keeps the test's status unless cleanup fails.
cleanup() {
	local rc=$?
	trap - EXIT
	say "cleanup"
	cleanup_all || rc=1
	if ((rc == 0)); then
		printf '\nPASS: %s\n' "$TEST"
	else
		printf '\nFAIL: %s (exit %d)\n' "$TEST" "$rc"
	fi
	exit "$rc"
}
trap cleanup EXIT
# timeout(1) sends SIGTERM: run cleanup then too.
trap 'echo "killed by SIGTERM (test timeout?)" >&2; exit 143' TERM
trap 'exit 130' INT

# fault_fio_job: the fio verify job the fault tests run across a fault, on
# /dev/dst0 (16 MiB/s of mixed random writes and reads).
fault_fio_job() {
	fio_jobs /dev/dst0 randwrite:randwrite:4k-64k:8m randrw:randrw:16k:4m:8m
}

# reconnected_since N: dst0 is connected on a connection newer than epoch N.
reconnected_since() { attr_is dst0 state connected && (($(sysfs_attr dst0 epoch) > $1)); }
