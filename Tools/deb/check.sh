#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# check.sh (make check-deb): checks the packages make deb built, without
# installing them on this machine:
#
#   contents   every file the packages promise is in them, executable where
#              it must be; the units and the udev rule name files of the
#              package; Depends names Debian libraries, no Swift
#   DKMS       the module source of dst-dkms builds with DKMS for every
#              kernel here that has headers (private DKMS trees, no install)
#   depmod     with /lib/depmod.d/dst.conf, depmod resolves "dst" to the
#              DKMS module rather than the kernel's DVB dst.ko, also under a
#              site's "search built-in updates"
#
# Exits 1 naming what failed.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
version=$(cd "$REPO" && Tools/version.sh)
arch=$(dpkg --print-architecture)
dst_deb=$REPO/.build-deb/dst_${version}_$arch.deb
dkms_deb=$REPO/.build-deb/dst-dkms_${version}_all.deb
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
	echo "FAIL: $*" >&2
	failures=$((failures + 1))
}

for deb in "$dst_deb" "$dkms_deb"; do
	[[ -f $deb ]] || {
		echo "check-deb: $deb is missing (make deb)" >&2
		exit 1
	}
done
dpkg-deb -x "$dst_deb" "$work/dst"
dpkg-deb -x "$dkms_deb" "$work/dkms"

echo "== contents"
executables=(usr/sbin/dstctl usr/sbin/dstd usr/lib/dst/dst-md-readd)
files=(lib/systemd/system/dstd.service lib/systemd/system/dst.service
	lib/udev/rules.d/60-dst.rules
	usr/share/man/man8/dstctl.8.gz usr/share/man/man8/dstd.8.gz
	usr/share/bash-completion/completions/dstctl
	usr/share/zsh/vendor-completions/_dstctl
	usr/share/fish/vendor_completions.d/dstctl.fish
	usr/share/doc/dst/admin-guide.md.gz usr/share/doc/dst/copyright)
for f in "${executables[@]}"; do
	[[ -x $work/dst/$f ]] || fail "dst: $f missing or not executable"
done
for f in "${files[@]}"; do
	[[ -f $work/dst/$f ]] || fail "dst: $f missing"
done
src=usr/src/dst-$version
for f in "$src/dkms.conf" "$src/Makefile" "$src/Kbuild" "$src/main.c" lib/depmod.d/dst.conf; do
	[[ -f $work/dkms/$f ]] || fail "dst-dkms: $f missing"
done
[[ -x $work/dkms/$src/compat/probe.sh ]] || fail "dst-dkms: $src/compat/probe.sh not executable"
grep -q "^PACKAGE_VERSION=\"$version\"$" "$work/dkms/$src/dkms.conf" ||
	fail "dst-dkms: dkms.conf does not say PACKAGE_VERSION=\"$version\""
# Every absolute program a unit or rule runs is in the package or the system.
for path in $(grep -ho '^Exec[A-Za-z]*=-\?/[^ ]*' "$work/dst/lib/systemd/system/"*.service | sed 's/^[^=]*=-\?//') \
	$(grep -o 'RUN+="/[^ "]*' "$work/dst/lib/udev/rules.d/60-dst.rules" | sed 's/^RUN+="//'); do
	[[ -x $work/dst$path || -x $path ]] || fail "dst: $path, run by a unit or rule, is neither in the package nor here"
done
depends=$(dpkg-deb -f "$dst_deb" Depends)
for lib in libgnutls30 libnl-3-200 libnl-genl-3-200; do
	[[ $depends == *"$lib"* ]] || fail "dst: Depends lacks $lib: $depends"
done
[[ $depends != *swift* ]] || fail "dst: Depends names Swift: $depends"
if ldd "$work/dst/usr/sbin/dstctl" | grep -i swift; then
	fail "dst: dstctl links a Swift library dynamically"
fi
"$work/dst/usr/sbin/dstctl" --version | grep -qx "$version" || fail "dstctl --version is not $version"

echo "== DKMS"
kvers=()
for build in /lib/modules/*/build; do
	[[ -d $build ]] && kvers+=("$(basename "$(dirname "$build")")")
done
((${#kvers[@]})) || fail "no kernel headers in /lib/modules/*/build"
mkdir -p "$work/dkms-tree"
dkms=(--sourcetree "$work/dkms/usr/src" --dkmstree "$work/dkms-tree")
dkms add -m dst -v "$version" "${dkms[@]}" >/dev/null
for kver in "${kvers[@]}"; do
	if ! dkms build -m dst -v "$version" -k "$kver" "${dkms[@]}" >"$work/dkms-$kver.log" 2>&1; then
		cat "$work/dkms-$kver.log" "$work/dkms-tree/dst/$version/build/make.log" 2>/dev/null >&2
		fail "DKMS build for $kver"
		continue
	fi
	ko=$(find "$work/dkms-tree/dst/$version/$kver" -name 'dst.ko*' | head -n 1)
	got=$(modinfo -F version "$ko")
	[[ $got == "$version" ]] || fail "$kver: the DKMS module's version is '$got', not $version"
	echo "$kver: $ko"

	echo "== depmod $kver"
	# A module tree with the two modules named dst, and the kernel's lists.
	base=$work/root-$kver
	mods=$base/lib/modules/$kver
	dvb=$(find "/lib/modules/$kver/kernel/drivers/media/pci/bt8xx" -name 'dst.ko*' 2>/dev/null | head -n 1)
	if [[ -z $dvb ]]; then
		echo "$kver has no DVB dst.ko: nothing to shadow"
		continue
	fi
	mkdir -p "$mods/kernel/drivers/media/pci/bt8xx" "$mods/updates/dkms" "$base/conf" "$base/site" \
		"$base/site-only"
	cp "$dvb" "$mods/kernel/drivers/media/pci/bt8xx/"
	cp "$ko" "$mods/updates/dkms/"
	cp /lib/modules/"$kver"/modules.{order,builtin,builtin.modinfo} "$mods/"
	cp "$work/dkms/lib/depmod.d/dst.conf" "$base/conf/"
	cp "$work/dkms/lib/depmod.d/dst.conf" "$base/site/"
	echo "search built-in updates" >"$base/site/00-site.conf"
	cp "$base/site/00-site.conf" "$base/site-only/"
	for conf in conf site; do
		depmod -b "$base" -C "$base/$conf" "$kver"
		got=$(modinfo -b "$base" -k "$kver" -n dst)
		[[ $got == */updates/dkms/dst.ko* ]] || fail "$kver ($conf): modinfo -n dst is $got, not the DKMS module"
		echo "$kver ($conf): $got"
	done
	# The same site order without dst.conf: the DVB driver, which the
	# override is there to beat.
	depmod -b "$base" -C "$base/site-only" "$kver"
	got=$(modinfo -b "$base" -k "$kver" -n dst)
	[[ $got == */kernel/drivers/media/* ]] || fail "$kver (site-only): expected the DVB module, got $got"
done

if ((failures)); then
	echo "check-deb: $failures failed" >&2
	exit 1
fi
echo "check-deb: ok"
