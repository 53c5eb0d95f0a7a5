#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# version.sh: prints DST's version, from Sources/DSTKit/Version.swift, the one
# place it is written. Used by kmod/Makefile (MODULE_VERSION), Tools/build-kmod.sh,
# Tools/deb/build.sh and the top Makefile.
set -eu
file=$(cd "$(dirname "$0")/.." && pwd)/Sources/DSTKit/Version.swift
version=$(sed -n 's/^ *public static let string = "\([^"]*\)".*/\1/p' "$file")
case $version in
[0-9]*) echo "$version" ;;
*)
	echo "version.sh: no version found in $file" >&2
	exit 1
	;;
esac
