#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# TEMPORARY stand-in for `make deb` (Tools/deb/build.sh, not merged yet):
# builds .build-deb/dst_0.0~standin_amd64.deb (dstctl and dstd from
# .build/debug with the Swift runtime they link, the units, the udev rules)
# and .build-deb/dst-dkms_0.0~standin_all.deb (kmod/ for DKMS), so that the
# system test can be developed before the real packages exist. Delete once
# the packaging branch is merged.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$REPO"
VER=0.0~standin
out=.build-deb
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

# dst-dkms
d=$tmp/dkms
mkdir -p "$d/DEBIAN" "$d/usr/src/dst-$VER"
tar -C kmod --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' --exclude=compat-gen.h -cf - . |
	tar -C "$d/usr/src/dst-$VER" -xf -
cat >"$d/usr/src/dst-$VER/dkms.conf" <<CONF
PACKAGE_NAME=dst
PACKAGE_VERSION=$VER
BUILT_MODULE_NAME[0]=dst
DEST_MODULE_LOCATION[0]=/updates/dkms
MAKE[0]="make KDIR=\${kernel_source_dir}"
CLEAN="make KDIR=\${kernel_source_dir} clean"
AUTOINSTALL=yes
CONF
cat >"$d/DEBIAN/control" <<CTL
Package: dst-dkms
Version: $VER
Architecture: all
Maintainer: DST <dst@invalid>
Depends: dkms
Description: stand-in DKMS package of dst.ko
CTL
cat >"$d/DEBIAN/postinst" <<'SH'
#!/bin/sh
set -e
VER=0.0~standin
dkms add -m dst -v "$VER" || true
for b in /lib/modules/*/build; do
	k=${b#/lib/modules/}; k=${k%/build}
	dkms install --force -m dst -v "$VER" -k "$k"
done
SH
cat >"$d/DEBIAN/prerm" <<'SH'
#!/bin/sh
dkms remove -m dst -v 0.0~standin --all || true
SH
chmod 755 "$d/DEBIAN/postinst" "$d/DEBIAN/prerm"
dpkg-deb --root-owner-group -b "$d" "$out/dst-dkms_${VER}_all.deb" >/dev/null

# dst
d=$tmp/dst
mkdir -p "$d/DEBIAN" "$d/usr/sbin" "$d/lib/systemd/system" "$d/lib/udev/rules.d" "$d/usr/lib/dst" \
	"$d/opt/swift/usr/lib/swift/linux"
install -m 755 .build/debug/dstctl .build/debug/dstd "$d/usr/sbin/"
cp -a /opt/swift/usr/lib/swift/linux/*.so "$d/opt/swift/usr/lib/swift/linux/"
install -m 644 Tools/dist/60-dst.rules "$d/lib/udev/rules.d/"
install -m 755 Tools/dist/dst-md-readd "$d/usr/lib/dst/"
sed 's|/usr/local/sbin/dstd|/usr/sbin/dstd|' Tools/dist/dstd.service >"$d/lib/systemd/system/dstd.service"
cat >"$d/lib/systemd/system/dst.service" <<'UNIT'
[Unit]
Description=DST exports and devices from /etc/dst/dst.conf (stand-in)
After=network.target network-online.target dstd.service
Wants=network-online.target dstd.service remote-fs-pre.target
Before=remote-fs-pre.target
ConditionPathExists=/etc/dst/dst.conf

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/dstctl apply
ExecStop=/usr/sbin/dstctl down

[Install]
WantedBy=multi-user.target
UNIT
cat >"$d/DEBIAN/control" <<CTL
Package: dst
Version: $VER
Architecture: amd64
Maintainer: DST <dst@invalid>
Depends: libnl-3-200, libnl-genl-3-200, libgnutls30, libstdc++6
Description: stand-in package of dstctl and dstd
CTL
cat >"$d/DEBIAN/postinst" <<'SH'
#!/bin/sh
set -e
systemctl enable dstd.service dst.service >/dev/null 2>&1 || true
SH
chmod 755 "$d/DEBIAN/postinst"
dpkg-deb --root-owner-group -b "$d" "$out/dst_${VER}_amd64.deb" >/dev/null
ls -l "$out"
