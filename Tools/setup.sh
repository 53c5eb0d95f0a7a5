#!/usr/bin/env bash
# Installs everything DST needs to build, run in a VM and test, from Debian's
# archive and PyPI. Idempotent: seconds when everything is present.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
BACKPORTS=/etc/apt/sources.list.d/dst-bookworm-backports.sources

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: run as root (apt-get install)" >&2
		exit 1
	fi
}

add_backports() {
	[ -f "$BACKPORTS" ] && return 0
	cat >"$BACKPORTS" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	rm -f /var/lib/dst-apt-updated
}

apt_update_once() {
	[ -f /var/lib/dst-apt-updated ] && return 0
	apt-get update -qq
	touch /var/lib/dst-apt-updated
}

PACKAGES=(
	build-essential bc kmod sparse pkg-config
	linux-image-amd64 linux-headers-amd64 linux-source-6.1
	qemu-system-x86 busybox-static
	libnl-3-dev libnl-genl-3-dev libgnutls28-dev gnutls-bin
	fio iproute2 e2fsprogs xfsprogs util-linux
	nbd-client nbd-server nvme-cli
	python3-pip python3-yaml python3-jsonschema python3-prometheus-client
	iputils-ping procps dmsetup mdadm lvm2 thin-provisioning-tools udev
	linux-perf
	dpkg-dev debhelper dh-dkms dkms fakeroot lintian
	# The system test's Debian image (Tools/vm/system/build-image.sh), and
	# journalctl to read its client's journal (Tools/vm/system/run).
	mmdebstrap systemd
)

# From bookworm-backports, beside the 6.12 kernel: its source, for the YNL
# schema below.
BACKPORTS_PACKAGES=(linux-source-6.12)

# The kernel's JSON schema for YNL specs of protocol genetlink-legacy, which
# Tests/spec/test_ynl_schema.py checks Documentation/spec/dst.yaml against.
YNL_SCHEMA_DIR=/usr/local/share/dst/ynl
YNL_SOURCE=/usr/src/linux-source-6.12.tar.xz

# The newest 6.12 kernel in bookworm-backports, by the name its metapackage depends on.
backports_kernel() {
	apt-cache show -a linux-image-amd64 2>/dev/null |
		awk '/^Version: 6\.12/ { want = 1 } want && /^Depends:/ { print; exit }' |
		grep -o 'linux-image-6\.12[^ ,]*' | head -n 1
}

missing_packages() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || echo "$p"
	done
}

# extract_ynl_schema: Documentation/netlink/genetlink-legacy.yaml from the
# 6.12 source tarball into YNL_SCHEMA_DIR; again after the package changes.
extract_ynl_schema() {
	local schema=$YNL_SCHEMA_DIR/genetlink-legacy.yaml tmp
	[ -f "$schema" ] && [ "$schema" -nt "$YNL_SOURCE" ] && return 0
	mkdir -p "$YNL_SCHEMA_DIR"
	tmp=$(mktemp -d "$YNL_SCHEMA_DIR/.extract.XXXXXX")
	# -m: stamped now, so that -nt above sees the tarball it came from.
	tar -C "$tmp" -m -xJf "$YNL_SOURCE" --strip-components=3 \
		linux-source-6.12/Documentation/netlink/genetlink-legacy.yaml
	mv "$tmp/genetlink-legacy.yaml" "$schema"
	rmdir "$tmp"
}

main() {
	need_root
	add_backports
	local missing missing_backports
	missing=$(missing_packages "${PACKAGES[@]}")
	missing_backports=$(missing_packages "${BACKPORTS_PACKAGES[@]}")
	if [ -n "$missing" ] || [ -n "$missing_backports" ] || ! ls /boot/vmlinuz-6.12* >/dev/null 2>&1; then
		apt_update_once
		[ -n "$missing" ] && apt-get install -y -qq --no-install-recommends $missing
		local img
		img=$(backports_kernel)
		if [ -z "$img" ]; then
			echo "setup: no 6.12 kernel found in bookworm-backports" >&2
			exit 1
		fi
		apt-get install -y -qq --no-install-recommends -t bookworm-backports \
			"$img" "${img/linux-image-/linux-headers-}" "${BACKPORTS_PACKAGES[@]}"
	fi
	extract_ynl_schema
	if ! command -v vng >/dev/null 2>&1; then
		# A Debian system Python refuses pip installs (PEP 668) unless told.
		python3 -m pip install -q virtme-ng ||
			python3 -m pip install -q --break-system-packages virtme-ng
	fi
}

main "$@"
