#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# build-release.sh: dstctl and dstd as they are installed (make install,
# make deb): optimized, with the Swift runtime linked statically so that they
# need Debian's libraries only, with full RELRO and immediate binding as
# Debian links its programs. (-D_FORTIFY_SOURCE cannot be given with -Xcc:
# the Swift importer then finds glibc's fortified inlines twice, in Glibc and
# in CDSTShim, and refuses them.) Prints the directory that holds them as its
# last line.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

flags=(-c release --static-swift-stdlib
	-Xlinker -z -Xlinker relro -Xlinker -z -Xlinker now)
swift build "${flags[@]}" --product dstctl >&2
swift build "${flags[@]}" --product dstd >&2
swift build "${flags[@]}" --show-bin-path
