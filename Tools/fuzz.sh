#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# Builds dst-fuzz (Tests/Fuzz/Handshake) with libFuzzer and AddressSanitizer
# and runs it over the committed corpus, then for RUNS new inputs (default
# 20000). A crash fails the run and leaves its input in .build-fuzz/crashes/.
#
# Usage: Tools/fuzz.sh [RUNS]
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${1:-20000}
scratch=$repo/.build-fuzz
corpus=$repo/Tests/Fuzz/corpus

cd "$repo"
# SwiftPM names the entry point dst_fuzz_main; libFuzzer's main is not used.
swift build --quiet --product dst-fuzz --scratch-path "$scratch" \
	-Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -use-ld=lld \
	-Xswiftc -DDST_FUZZ
mkdir -p "$scratch/crashes" "$scratch/corpus"
# New inputs go to a scratch corpus: the committed one stays as it is.
"$scratch/debug/dst-fuzz" -runs="$runs" -max_len=4096 -timeout=10 \
	-artifact_prefix="$scratch/crashes/" "$scratch/corpus" "$corpus"
