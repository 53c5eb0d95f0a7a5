#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# build.sh (make deb): the Debian packages of DST, into .build-deb/:
#
#   dst_VERSION_ARCH.deb       dstctl, dstd, systemd units, udev rules,
#                              manual pages, shell completions, docs
#   dst-dkms_VERSION_all.deb   the module's source for DKMS, which builds
#                              it for every kernel with headers
#
# VERSION is Sources/DSTKit/Version.swift's. Swift is not a Debian package,
# so dstctl and dstd are built here first (Tools/build-release.sh), with the
# Swift runtime linked statically (their package then depends on Debian
# libraries only), and dpkg-buildpackage does not check for it; the
# packaging (Tools/deb/debian/) runs with dpkg-buildpackage in a staged tree,
#
#   .build-deb/dst-VERSION/   debian/, bin/, kmod/, dist/, man/, doc/
#
# since the project's top level has no debian/. Lintian checks both
# packages. The last two lines of output are the paths of the two .debs.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=$REPO/.build-deb
cd "$REPO"

die() {
	echo "deb: $*" >&2
	exit 1
}

for tool in swift dpkg-buildpackage dh lintian; do
	command -v "$tool" >/dev/null || die "$tool not found (Tools/setup.sh installs what Debian has; Swift: PATH=/opt/swift/usr/bin:\$PATH)"
done

version=$(Tools/version.sh)
arch=$(dpkg --print-architecture)

echo "deb: dstctl and dstd (Tools/build-release.sh)"
bin=$(Tools/build-release.sh | tail -n 1)

stage=$OUT/dst-$version
rm -rf "$stage"
mkdir -p "$stage"/{bin,dist,man,doc}
cp -a Tools/deb/debian "$stage/debian"
install -m 755 "$bin/dstctl" "$bin/dstd" "$stage/bin/"
# The module's source: Tools/deb/debian/rules leaves out build products.
cp -a kmod "$stage/kmod"
cp -a Tools/dist/. "$stage/dist/"
cp -a Documentation/dstctl.8 Documentation/dstd.8 "$stage/man/"
cp -a README.md Documentation/*.md "$stage/doc/"

# The changelog carries the version; dated by the last commit, so that a
# rebuild of the same tree makes the same packages.
when=$(git log -1 --format=%cD 2>/dev/null || date -R)
maintainer=$(sed -n 's/^Maintainer: //p' Tools/deb/debian/control)
cat >"$stage/debian/changelog" <<EOF
dst ($version) bookworm; urgency=medium

  * DST $version, built from $(git describe --always --dirty 2>/dev/null || echo "a source tree").

 -- $maintainer  $when
EOF

rm -f "$OUT"/dst_*.deb "$OUT"/dst-dkms_*.deb "$OUT"/dst-dbgsym_*.deb \
	"$OUT"/dst_*.buildinfo "$OUT"/dst_*.changes
echo "deb: dpkg-buildpackage -b in $stage"
(cd "$stage" && dpkg-buildpackage -b -us -uc)

debs=("$OUT/dst_${version}_$arch.deb" "$OUT/dst-dkms_${version}_all.deb")
for deb in "${debs[@]}"; do
	[[ -f $deb ]] || die "dpkg-buildpackage succeeded but $deb is missing"
done

echo "deb: lintian"
# Errors fail the build; warnings are shown.
lintian --fail-on error "${debs[@]}" ||
	die "lintian reported errors (above)"

printf '%s\n' "${debs[@]}"
