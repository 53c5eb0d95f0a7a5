#!/usr/bin/env bash
# Kernel hygiene for kmod/: checkpatch and kernel-doc (from Debian's
# linux-source-6.1, the exact source of the headers we build against) and
# sparse (make C=2) on every kernel given, default both. Fails on any
# finding.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$repo/.build-kmod/lint
mkdir -p "$work"

checkpatch=$work/scripts/checkpatch.pl
if [ ! -f "$checkpatch" ]; then
	tarball=$(ls /usr/src/linux-source-6.1.tar.* | head -n 1)
	tar -C "$work" --strip-components=1 -xf "$tarball" --wildcards \
		'linux-source-6.1/scripts/checkpatch.pl' \
		'linux-source-6.1/scripts/kernel-doc' \
		'linux-source-6.1/scripts/spelling.txt' \
		'linux-source-6.1/scripts/const_structs.checkpatch'
fi
mapfile -t sources < <(cd "$repo/kmod" && find . -name '*.[ch]' -not -name compat-gen.h | sort)
# gen/ is generated, with kernel-doc that 6.1's script reads only in part.
mapfile -t documented < <(printf '%s\n' "${sources[@]}" | grep -v '^./gen/')

status=0
echo "== checkpatch"
# EMBEDDED_FILENAME misfires on #include <net/sock.h> in our sock.h.
if ! (cd "$repo/kmod" && perl "$checkpatch" --no-tree --terse --show-types \
	--ignore EMBEDDED_FILENAME,SPDX_LICENSE_TAG -f "${sources[@]}"); then
	status=1
fi

echo "== kernel-doc"
# -none: no output but the warnings (an undescribed member, a stale name).
out=$(cd "$repo/kmod" && perl "$work/scripts/kernel-doc" -none "${documented[@]}" 2>&1)
if [ -n "$out" ]; then
	echo "$out"
	status=1
fi

kernels=("$@")
if [ ${#kernels[@]} -eq 0 ]; then
	mapfile -t kernels < <("$repo/Tools/vm/kernels" all)
fi
for kver in "${kernels[@]}"; do
	echo "== sparse $kver"
	dir=$work/sparse-$kver
	rm -rf "$dir"
	cp -a "$repo/kmod" "$dir"
	"$dir/compat/probe.sh" "/lib/modules/$kver/build" "$dir/compat-gen.h"
	log=$dir/sparse.log
	make -s -C "/lib/modules/$kver/build" M="$dir" C=2 CHECK=sparse modules >"$log" 2>&1 || {
		cat "$log"
		status=1
		continue
	}
	if grep -E '(warning|error):' "$log"; then
		status=1
	fi
done
exit $status
