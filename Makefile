# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# DST, as root on Debian 12:
#
#   make demo     set up, build, boot Linux 6.1 in QEMU and walk through DST
#   make check    set up, build, check generated files, lint kmod/, unit tests (the
#                 spec against the kernel's YNL schema, Swift, the fuzz target), and the VM suite on
#                 Linux 6.1 and 6.12 (what CI runs: .ci/run)
#
# Pieces: setup, build, generate, check-generated, lint, test-unit, test-vm.
# VM runs take KERNEL=6.1|6.12|all and TESTS="010 020 ..." (default: all),
# e.g. make test-vm KERNEL=6.1 TESTS=010-smoke. Logs land in vm-logs/<kver>/.

SHELL := /bin/bash
KERNEL ?= all
TESTS ?=
VM_TIMEOUT ?= 2700
# Debian's interpreter, which has the python3-* packages Tools/setup.sh
# installs (a python3 earlier on PATH may not).
PYTHON ?= /usr/bin/python3

# Each step needs the previous one; never run them side by side.
.NOTPARALLEL:

.PHONY: all setup build build-swift build-kmod generate check-generated \
	lint test-unit test-vm check demo clean

all: build

setup:
	Tools/setup.sh

build: build-swift build-kmod

build-swift:
	swift build

build-kmod:
	Tools/build-kmod.sh

generate:
	Tools/generate.sh

check-generated:
	Tools/generate.sh --check

# checkpatch and sparse over kmod/, both kernels.
lint:
	Tools/lint-kmod.sh

# The spec against the kernel's YNL schema (Tests/spec), the Swift tests,
# and the handshake fuzz target for a bounded number of inputs.
test-unit:
	$(PYTHON) -m unittest discover --start-directory Tests/spec --verbose
	swift test
	Tools/fuzz.sh 200000

test-vm:
	Tools/vm/run --kernel $(KERNEL) --timeout $(VM_TIMEOUT) $(TESTS)

check: setup build check-generated lint test-unit
	Tools/vm/run --kernel all --parallel --timeout $(VM_TIMEOUT)

demo: setup build
	Tools/vm/run --kernel 6.1 --verbose Tools/vm/demo.sh

# The packages on Debian 12 booted with systemd, two VMs per kernel: DKMS,
# dst.service and fstab at boot, reboot, shutdown under I/O
# (Tools/vm/system/run). KERNEL=6.1|6.12|all. Logs: vm-logs/system/<kver>/.
.PHONY: test-system
test-system:
	Tools/vm/system/run --kernel $(KERNEL)

# DST side by side with NVMe/TCP, NBD and a local RAM disk, one VM boot per
# kernel, TCG mode and topology (Documentation/benchmarks.md). Linux 6.1
# unless KERNEL is given (KERNEL=6.12 or all); QUICK=1 for short jobs;
# TCG=single|multi and TOPOLOGY=veth|loopback for one of each (default: both).
# Results: vm-logs/bench/<kver>/ (combined) and its <tcg>-<topology>/.
.PHONY: bench
bench: setup build
	Tools/bench/run --kernel $(if $(filter command line environment,$(origin KERNEL)),$(KERNEL),6.1) $(if $(QUICK),--quick) \
		$(if $(TCG),--tcg $(TCG)) $(if $(TOPOLOGY),--topology $(TOPOLOGY))

clean:
	rm -rf .build .build-kmod vm-logs
