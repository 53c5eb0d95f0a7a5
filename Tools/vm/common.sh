# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Shared by the host side (Tools/vm/run, Tools/bench/run) and the guest side
# (Tools/vm/guest-run.sh, Tools/bench/guest.sh). Sourced.
# shellcheck shell=bash

# Kernel log lines that fail a test, as one extended regex. Word boundaries
# keep "BUG" from matching "DEBUG". The hung task detector says "task X
# blocked for more than N seconds", not "hung task". The markers guest-run.sh
# writes to /dev/kmsg ("dst-vm: begin NAME", "dst-vm: end NAME") must never
# match.
# shellcheck disable=SC2034 # used by the scripts that source this file
BAD_DMESG_RE='\b(BUG|WARNING|Oops)\b|general protection|hung task|blocked for more than|refcount_t|list_add corruption|list_del corruption|sleeping function called from invalid context|scheduling while atomic|UBSAN|KFENCE|memory corruption|Poison overwritten|Kernel panic'

# Per-test time limit inside the guest unless the test's header says
# "# vm-timeout: SECS".
DEFAULT_TEST_TIMEOUT=300

# A test runs as it is, and again over TLS for each mode its header names:
# "# vm-tls: psk x509" runs NNN-name, NNN-name@psk and NNN-name@x509, the
# last two with DST_TLS=psk and DST_TLS=x509 (Tests/vm/lib.sh). An entry
# of the test list is PATH or PATH@MODE. A mode may name the one kernel it
# runs on: "x509@6.12" (the kernel data path is the same for every mode, so
# a mode that only changes the userspace handshake need not run twice). A
# test of userspace alone, or of kernel code that uses no API that differs
# between the kernels (194's admission limits), may say "# vm-kernel: 6.12":
# it runs on that kernel only. What runs on both in CI: the tests of what
# kmod/compat.h covers (the disk and its queue limits, discard, opening the
# backing device, splicing pages, the socket's namespace) and of the block
# layer under DST (010, 020, 070, 191, 205, 245, 900); the rest
# is split between the kernels so that both VMs take about as long, and the
# TLS tests half on each (kTLS differs). The headers choose what a full run
# (CI) takes, within its time; Tools/vm/run --every-kernel runs everything on
# both. Any test built on export_dev and add_device runs over TLS when
# named as TEST@psk or TEST@x509 (Tools/vm/run 140-netem@psk).

# test_modes PATH: the words of its "# vm-tls:" header.
test_modes() { sed -n 's/^# vm-tls: *//p' "$1" | head -n 1; }

# test_variants PATH: the entries of PATH, one a line.
test_variants() {
	local mode
	echo "$1"
	for mode in $(test_modes "$1"); do
		echo "$1@${mode%@*}"
	done
}

# kernel_is KVER KERNEL: whether KVER (6.1.0-57-amd64) is KERNEL (6.1).
kernel_is() { [[ $1 == "$2".* || $1 == "$2"-* || $1 == "$2" ]]; }

# test_runs_on ENTRY KVER: whether ENTRY runs on the kernel KVER. The
# "# vm-kernel:" header is the plain entry's; a TLS variant runs where its
# mode says (030-ext4 on 6.1, 030-ext4@x509 on 6.12).
test_runs_on() {
	local mode only
	if [[ $1 != *@* ]]; then
		only=$(sed -n 's/^# vm-kernel: *//p' "$1" | head -n 1)
		[[ -z $only ]] || kernel_is "$2" "$only"
		return
	fi
	for mode in $(test_modes "${1%@*}"); do
		[[ ${mode%@*} == "${1##*@}" ]] || continue
		[[ $mode == *@* ]] || return 0
		kernel_is "$2" "${mode#*@}"
		return
	done
	return 0
}

# test_path ENTRY: the script of an entry.
test_path() { echo "${1%@*}"; }

# test_tls ENTRY: the TLS mode of an entry, empty for plaintext.
test_tls() {
	[[ $1 == *@* ]] && echo "${1##*@}"
	return 0
}

# test_name ENTRY: 010-smoke for Tests/vm/tests/010-smoke.sh, 020-fio-verify@psk
# for its psk variant.
test_name() {
	local b=${1##*/}
	echo "${b%.sh*}${b#*.sh}"
}

# test_timeout PATH: the "# vm-timeout: SECS" header value, or the default.
test_timeout() {
	local t
	t=$(sed -n 's/^# vm-timeout: *\([0-9][0-9]*\).*/\1/p' "$1" | head -n 1)
	echo "${t:-$DEFAULT_TEST_TIMEOUT}"
}

# ---- Host side: booting, locking and killing the VM ----
#
# Used by Tools/vm/run and Tools/bench/run. Each sets, before it calls these:
# VM_PROG (its name in messages: "run", "bench"), REPO, and vm_timeout (the
# limit of a boot as a whole, in seconds); vm_echo=1 copies the console to
# the terminal. vm_boot sets vm_pid and vm_sid.

# One host thread runs both vCPUs (the guest is still SMP; vCPUs take turns).
# With a thread per vCPU, QEMU 7.2 lets a vCPU run code that another has
# just patched back from int3: every flip of a static key may Oops the guest
# with "Oops: int3" (Linux 6.12: one in about ten connects under a ping
# flood, when each client connection flipped memalloc_socks_key; dst.ko now
# holds it on while loaded, but the kernel flips others). The benchmark
# measures both modes (Tools/bench/run --tcg); DST_VM_ACCEL=tcg,thread=multi
# runs the tests so.
DST_VM_ACCEL=${DST_VM_ACCEL:-tcg,thread=single}

# One VM at a time on this machine: the cores are shared (and a benchmark
# beside another VM would measure that VM).
VM_LOCK=/tmp/dst-vm-run.lock

vm_echo=0
vm_pid=
vm_sid=
vm_lock_pid=

die() {
	echo "${VM_PROG:-vm}: $*" >&2
	exit 1
}

# vm_require: what every boot needs on the host.
vm_require() {
	command -v vng >/dev/null || die "vng not found (run Tools/setup.sh)"
	# The checkout's path appears several times on the guest kernel's
	# command line, which holds 2048 bytes; a longer one panics the kernel
	# in early boot.
	((${#REPO} <= 256)) || die "the checkout's path is ${#REPO} characters long; the VM allows at most 256 (the guest kernel's command line holds 2048 bytes)"
}

# vm_signal STATUS: the INT, TERM and HUP traps: ends a wait for the lock,
# then exits (the EXIT trap kills the VM).
vm_signal() {
	[[ -z $vm_lock_pid ]] || kill "$vm_lock_pid" 2>/dev/null || true
	exit "$1"
}

vm_traps() {
	trap 'vm_signal 130' INT
	trap 'vm_signal 143' TERM HUP
}

# vm_lock: takes the VM slot (fd 9, held until this shell exits), waiting
# for it if another Tools/vm/run or Tools/bench/run has it. The wait runs in
# the background, so that a signal meanwhile ends it too (the lock belongs
# to the open file, which this shell keeps).
vm_lock() {
	exec 9>"$VM_LOCK"
	flock -n 9 && return 0
	echo "$VM_PROG: another VM (Tools/vm/run or Tools/bench/run) holds the VM slot; waiting" >&2
	flock 9 &
	vm_lock_pid=$!
	wait "$vm_lock_pid"
	vm_lock_pid=
}

# kill_vm: ends every process of the VM's session; fails if one survives.
kill_vm() {
	local pid
	[[ -n $vm_sid ]] || return 0
	if pgrep -s "$vm_sid" >/dev/null; then
		kill -TERM -- "-$vm_sid" 2>/dev/null || true
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			pgrep -s "$vm_sid" >/dev/null || break
			sleep 0.5
		done
		kill -KILL -- "-$vm_sid" 2>/dev/null || true
		# Anything that left the process group but not the session.
		for pid in $(pgrep -s "$vm_sid"); do
			kill -KILL "$pid" 2>/dev/null || true
		done
		sleep 0.5
	fi
	if pgrep -s "$vm_sid" >/dev/null; then
		echo "$VM_PROG: processes of the VM session $vm_sid survived SIGKILL:" >&2
		ps -o pid,stat,cmd -s "$vm_sid" >&2 || true
		vm_sid=
		return 1
	fi
	vm_sid=
}

# console_sink FILE: stdin to FILE and, with vm_echo=1, from the first test
# on (no boot messages) to the terminal. A pipe, not the file itself, is
# QEMU's stdout: QEMU opens its stdout once per console and each open of a
# regular file would write at its own offset over the others.
console_sink() {
	if ((vm_echo)); then
		tee -a "$1" | awk '/dst-vm: begin|^guest-run:/ { on = 1 } on { print; fflush() }'
	else
		cat >>"$1"
	fi
}

# vm_boot NAME IMAGE DIR APPEND COMMAND...: boots the kernel IMAGE under QEMU
# (TCG, never KVM) with virtme-ng in the background, the host's root file
# system shared read-only and DIR read-write, APPEND added to the kernel's
# command line; the guest runs COMMAND. The console goes to DIR/console.txt.
# vm_memory: the guest's memory (default 2G). Sets vm_pid and vm_sid.
vm_boot() {
	local name=$1 image=$2 dir=$3 append=$4
	shift 4
	# setsid: the VM gets a session of its own, so kill_vm reaches vng and
	# QEMU (vng execs it) and nothing else. timeout bounds the boot even if
	# this script is killed with SIGKILL.
	setsid timeout -k 10 "${vm_timeout:?}" \
		vng --run "$image" --disable-kvm --force-9p --cpus 2 --memory "${vm_memory:-2G}" \
		--name "$name" --verbose --append "$append" \
		--qemu-opts="-accel $DST_VM_ACCEL" \
		--cwd "$REPO" --rwdir "$dir" \
		--exec "$(printf '%q ' "$@")" \
		</dev/null > >(console_sink "$dir/console.txt") 2>&1 &
	vm_pid=$!
	# The child leads a session of its own once setsid has run, a moment
	# after the fork; until then it is in this script's session.
	for _ in {1..50}; do
		vm_sid=$(ps -o sid= -p "$vm_pid" | tr -d ' ') || vm_sid=
		[[ $vm_sid != "$vm_pid" ]] || return 0
		sleep 0.1
	done
	# Never leave kill_vm a session that is not the VM's: it may be ours.
	vm_sid=
	kill "$vm_pid" 2>/dev/null || true
	die "setsid did not give the VM its own session"
}
