#!/usr/bin/env bash
# Regenerates kmod/gen/* and Sources/DSTKit/Generated/DSTSpec.swift from
# Documentation/spec/dst.yaml. With --check, writes nothing and fails if a
# generated file is out of date.
#
# Usage: Tools/generate.sh [--check]
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
args=()
case "${1:-}" in
--check) args+=(--check) ;;
"") ;;
*)
	echo "usage: Tools/generate.sh [--check]" >&2
	exit 2
	;;
esac

cd "$repo"
exec swift run --quiet --scratch-path "$repo/.build-nlgen" dst-nlgen --root "$repo" "${args[@]}"
