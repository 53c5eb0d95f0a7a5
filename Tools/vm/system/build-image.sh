#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Builds the Debian 12 disk image of the system test (Tools/vm/system/run)
# from Debian's archive with mmdebstrap: systemd as PID 1, systemd-networkd,
# DKMS and its build tools, linux-image and linux-headers for each kernel the
# suite uses (Tools/vm/kernels), and DST's two packages installed with apt,
# so that DKMS builds dst.ko for both kernels while the image is made. The
# build fails unless `dkms status` shows dst installed for each of them.
#
#   Tools/vm/system/build-image.sh [--debs DIR] [--force]
#
# DIR (default .build-deb, what `make deb` writes) holds dst_*_amd64.deb and
# dst-dkms_*_all.deb. Output in .build-image/ (DST_IMAGE_DIR to choose):
#
#   dst-system.raw            ext4 root file system (no partition table)
#   vmlinuz-KVER initrd.img-KVER   each kernel, taken from the image's /boot
#   inputs                    what the image was made from (the cache key)
#
# An image whose inputs (this script, the files under image/, the two
# packages, the kernel versions) are unchanged is not built again. Debian's
# packages are kept between builds in DST_APT_CACHE (default
# /var/cache/dst/system-image-apt), outside the checkout, so that a fresh
# clone on the same machine downloads nothing. As root (mmdebstrap's root mode,
# chroot); no loop devices or mounts: the file system is made from the
# directory with mkfs.ext4 -d.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
OUT=${DST_IMAGE_DIR:-$REPO/.build-image}
APT_CACHE=${DST_APT_CACHE:-/var/cache/dst/system-image-apt}
MIRROR=${DST_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${DST_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

die() {
	echo "build-image: $*" >&2
	exit 1
}

usage() {
	echo "usage: Tools/vm/system/build-image.sh [--debs DIR] [--force]" >&2
	exit 2
}

debs=$REPO/.build-deb
force=0
while (($#)); do
	case $1 in
	--debs)
		(($# >= 2)) || usage
		debs=$(cd "$2" && pwd) || die "--debs $2: no such directory"
		shift 2
		;;
	--force) force=1; shift ;;
	-h | --help) usage ;;
	*) echo "build-image: unknown argument '$1'" >&2; usage ;;
	esac
done

(($(id -u) == 0)) || die "run as root (mmdebstrap's root mode, chroot)"
command -v mmdebstrap >/dev/null || die "mmdebstrap not found (run Tools/setup.sh)"
command -v mkfs.ext4 >/dev/null || die "mkfs.ext4 not found (run Tools/setup.sh)"

# one_deb PATTERN: the single package in $debs matching PATTERN.
one_deb() {
	local found
	mapfile -t found < <(compgen -G "$debs/$1")
	((${#found[@]} > 0)) || die "no $1 in $debs (make deb)"
	((${#found[@]} == 1)) || die "more than one $1 in $debs: ${found[*]##*/}"
	echo "${found[0]}"
}
deb_dst=$(one_deb 'dst_*_amd64.deb')
deb_dkms=$(one_deb 'dst-dkms_*_all.deb')
for deb in "$deb_dst" "$deb_dkms"; do
	dpkg-deb --info "$deb" >/dev/null || die "$deb is not a readable Debian package"
done

# One build at a time in this checkout; a second waits, then finds the
# image up to date.
mkdir -p "$OUT"
exec 8>"$OUT/.lock"
flock 8

mapfile -t kvers < <("$REPO/Tools/vm/kernels" all)
((${#kvers[@]} == 2)) || die "expected two kernels from Tools/vm/kernels, got: ${kvers[*]}"

# The cache key: everything the image is made from.
inputs() {
	printf 'kernel %s\n' "${kvers[@]}"
	sha256sum "$deb_dst" "$deb_dkms" | sed "s|  .*/|  |"
	(cd "$HERE" && find build-image.sh image -type f -print0 | sort -z | xargs -0 sha256sum)
	(cd "$HERE" && find image -print0 | sort -z | xargs -0 stat -c 'mode %a %n')
}
key=$(inputs)
if ((!force)) && [[ -f $OUT/inputs && -f $OUT/dst-system.raw ]] && [[ $(<"$OUT/inputs") == "$key" ]]; then
	echo "build-image: $OUT/dst-system.raw is up to date"
	exit 0
fi

start=$SECONDS
mkdir -p "$OUT" "$APT_CACHE"
rm -f "$OUT/inputs" "$OUT/dst-system.raw" "$OUT"/vmlinuz-* "$OUT"/initrd.img-*
root=$(mktemp -d "$OUT/rootfs.XXXXXX")
debdir=$(mktemp -d "$OUT/debs.XXXXXX")
cleanup() { rm -rf "$root" "$debdir"; }
trap cleanup EXIT
cp "$deb_dst" "$deb_dkms" "$debdir/"

kernel_pkgs=()
for k in "${kvers[@]}"; do
	kernel_pkgs+=("linux-image-$k" "linux-headers-$k")
done

# minbase: essential packages, apt, and what is listed here; no
# recommends (mmdebstrap's default). No documentation, manuals or locales.
packages=(
	systemd systemd-sysv udev dbus kmod iproute2 procps util-linux
	e2fsprogs xfsprogs dkms gcc make libc6-dev initramfs-tools zstd
	"${kernel_pkgs[@]}"
)
# Timers and services that would only cost a short test boot time.
masked=(
	apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer
	e2scrub_reap.service fstrim.timer systemd-tmpfiles-clean.timer getty@tty1.service
	systemd-timesyncd.service
)

echo "build-image: mmdebstrap bookworm with ${kvers[*]} into $root"
# The hooks' $1 is mmdebstrap's: the directory being built.
# shellcheck disable=SC2016
mmdebstrap --mode=root --variant=minbase --format=directory \
	--include="$(
		IFS=,
		echo "${packages[*]}"
	)" \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--dpkgopt='path-exclude=/usr/share/info/*' \
	--setup-hook='mkdir -p "$1/var/cache/apt/archives"' \
	--setup-hook="sync-in $APT_CACHE /var/cache/apt/archives" \
	--essential-hook="sync-in $HERE/image /" \
	--customize-hook="sync-out /var/cache/apt/archives $APT_CACHE" \
	--customize-hook="mkdir -p \"\$1/tmp/dst-debs\" && cp $debdir/*.deb \"\$1/tmp/dst-debs/\"" \
	--customize-hook='chroot "$1" sh -c "apt-get install -y --no-install-recommends /tmp/dst-debs/*.deb" </dev/null' \
	--customize-hook='rm -rf "$1/tmp/dst-debs"' \
	--customize-hook="chroot \"\$1\" systemctl enable systemd-networkd.service dst-test.service >/dev/null" \
	--customize-hook="chroot \"\$1\" systemctl mask ${masked[*]} >/dev/null" \
	--customize-hook='mkdir -p "$1/var/log/journal" "$1/var/lib/dst-test"' \
	--customize-hook='rm -f "$1/etc/machine-id" && chroot "$1" systemd-machine-id-setup >/dev/null' \
	--customize-hook="chroot \"\$1\" dkms status > $OUT/dkms-status" \
	bookworm "$root" \
	"deb $MIRROR bookworm main" \
	"deb $MIRROR bookworm-updates main" \
	"deb $SECURITY_MIRROR bookworm-security main" \
	"deb $MIRROR bookworm-backports main"

# dkms status: "dst/VERSION, KVER, x86_64: installed" for each kernel.
for k in "${kvers[@]}"; do
	grep -Fq ", $k, x86_64: installed" <(grep '^dst/' "$OUT/dkms-status") ||
		die "DKMS did not install dst for $k; dkms status: $(tr '\n' ';' <"$OUT/dkms-status")"
	# dst.ko.xz where the kernel compresses its modules (6.12).
	compgen -G "$root/lib/modules/$k/updates/dkms/dst.ko*" >/dev/null ||
		die "no /lib/modules/$k/updates/dkms/dst.ko in the image"
	cp "$root/boot/vmlinuz-$k" "$root/boot/initrd.img-$k" "$OUT/"
done

# Room for the journal and the test's files beyond what is installed.
size_mb=$(($(du -sm "$root" | cut -f1) * 11 / 10 + 256))
mkfs.ext4 -q -F -L dstroot -d "$root" "$OUT/dst-system.raw.tmp" "${size_mb}M"
mv "$OUT/dst-system.raw.tmp" "$OUT/dst-system.raw"
printf '%s\n' "$key" >"$OUT/inputs"
echo "build-image: $OUT/dst-system.raw (${size_mb} MB) in $((SECONDS - start)) s; dkms status:"
sed 's/^/  /' "$OUT/dkms-status"
