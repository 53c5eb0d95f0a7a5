# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Shared by Tools/vm/run (host) and Tools/vm/guest-run.sh (guest). Sourced.

# Kernel log lines that fail a test, as one extended regex. Word boundaries
# keep "BUG" from matching "DEBUG". The hung task detector says "task X
# blocked for more than N seconds", not "hung task". The markers guest-run.sh
# writes to /dev/kmsg ("dst-vm: begin NAME", "dst-vm: end NAME") must never
# match.
BAD_DMESG_RE='\b(BUG|WARNING|Oops)\b|general protection|hung task|blocked for more than|refcount_t|list_add corruption|list_del corruption|sleeping function called from invalid context|scheduling while atomic|UBSAN|KFENCE|memory corruption|Poison overwritten|Kernel panic'

# Per-test time limit inside the guest unless the test's header says
# "# vm-timeout: SECS".
DEFAULT_TEST_TIMEOUT=300

# test_name PATH: 010-smoke for Tests/vm/tests/010-smoke.sh.
test_name() {
	local b=${1##*/}
	echo "${b%.sh}"
}

# test_timeout PATH: the "# vm-timeout: SECS" header value, or the default.
test_timeout() {
	local t
	t=$(sed -n 's/^# vm-timeout: *\([0-9][0-9]*\).*/\1/p' "$1" | head -n 1)
	echo "${t:-$DEFAULT_TEST_TIMEOUT}"
}
