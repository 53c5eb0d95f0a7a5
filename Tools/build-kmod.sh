#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Builds dst.ko twice per kernel, each in its own copy of kmod/ so that the
# compat probes and objects of one kernel or variant never mix with another's:
#
#   kmod/  --copy-->  .build-kmod/<kver>/        --make KDIR=...-->  dst.ko  (release)
#   kmod/  --copy-->  .build-kmod/<kver>-debug/  --make DST_DEBUG=1-->  dst.ko  (debug)
#
# The release build is what users and the benchmarks load; the debug build,
# with fault injection points and poisoned frees (kmod/debug.h), is what the
# VM tests load.
#
#   Tools/build-kmod.sh                  both kernels (Tools/vm/kernels)
#   Tools/build-kmod.sh KVER|6.1|6.12...  the kernels named
#
# The copy keeps mtimes, so an unchanged tree rebuilds nothing.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

die() {
	echo "build-kmod: $*" >&2
	exit 1
}

[[ -f kmod/Makefile ]] || die "kmod/Makefile is missing"

kvers=()
if (($# == 0)); then
	mapfile -t kvers < <(Tools/vm/kernels all)
else
	for arg; do
		case $arg in
		6.1 | 6.12) kvers+=("$(Tools/vm/kernels "$arg")") ;;
		*) kvers+=("$arg") ;;
		esac
	done
fi

# build_one KVER OUT [MAKE ARGS...]
build_one() {
	local kver=$1 out=$2 kdir=/lib/modules/$1/build
	shift 2
	[[ -d $kdir ]] || die "no kernel headers at $kdir (run Tools/setup.sh)"
	echo "build-kmod: $kver -> $out/dst.ko${*:+ ($*)}"
	mkdir -p "$out"
	# Sources only: objects someone built inside kmod/ itself stay there.
	tar -C kmod --exclude='*.o' --exclude='*.ko' --exclude='*.mod' \
		--exclude='*.mod.c' --exclude='.*.cmd' --exclude='*.a' \
		--exclude=modules.order --exclude=Module.symvers \
		--exclude=compat-gen.h -cf - . | tar -C "$out" -xf -
	rm -f "$out/dst.ko"
	if ! make -C "$out" KDIR="$kdir" DST_VERSION="$version" -j"$(nproc)" "$@"; then
		die "make failed for $kver (see above)"
	fi
	[[ -f $out/dst.ko ]] || die "make succeeded but $out/dst.ko is missing for $kver"
	echo "build-kmod: $kver ok: $(modinfo -F vermagic "$out/dst.ko")"
}

# The copies cannot find Sources/DSTKit/Version.swift themselves.
version=$(Tools/version.sh)
for kver in "${kvers[@]}"; do
	build_one "$kver" ".build-kmod/$kver"
	build_one "$kver" ".build-kmod/$kver-debug" DST_DEBUG=1
done
