# SPDX-License-Identifier: GPL-2.0-only OR MIT
#
# DST, as root on Debian 12:
#
#   make demo     set up, build, boot Linux 6.1 in QEMU and walk through DST
#   make check    set up, build, check generated files, lint kmod/, unit tests (the
#                 spec against the kernel's YNL schema, Swift, the fuzz target), the
#                 Debian packages (make deb, lintian), the VM suite on Linux 6.1 and
#                 6.12 and the system test (Tools/vm/all; what CI runs: .ci/run)
#
# Pieces: setup, build, generate, check-generated, lint, test-unit, test-vm.
# VM runs take KERNEL=6.1|6.12|all and TESTS="010 020 ..." (default: all),
# e.g. make test-vm KERNEL=6.1 TESTS=010-smoke. Logs land in vm-logs/<kver>/.
# CI runs a test that exercises no kernel API differing between 6.1 and 6.12
# on one of them (its header says which); EVERY_KERNEL=1 runs all of them on
# every kernel.
# make test-system KERNEL=...: the packages in Debian VMs booted with systemd.
#
# On a real host (Documentation/admin-guide.md):
#
#   make deb           .build-deb/dst_<version>_<arch>.deb (programs, units, udev
#                      rules, man pages, completions) and dst-dkms_<version>_all.deb
#                      (the module's source for DKMS); lintian-checked
#   make check-deb     checks them: contents, DKMS builds for the kernels here, depmod
#   make install       the programs and the rest of the dst package under PREFIX
#                      (default /usr/local; DESTDIR for staging); make uninstall
#   make install-kmod  builds dst.ko for KVER (default: the running kernel) and
#                      installs it in /lib/modules/KVER/updates; make uninstall-kmod

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
	Tools/vm/run --kernel $(KERNEL) --timeout $(VM_TIMEOUT) $(if $(EVERY_KERNEL),--every-kernel) $(TESTS)

check: setup build check-generated lint test-unit
	Tools/vm/all --timeout $(VM_TIMEOUT)

demo: setup build
	Tools/vm/run --kernel 6.1 --verbose Tools/vm/demo.sh


# DST side by side with NVMe/TCP, NBD and a local RAM disk, one VM boot per
# kernel, TCG mode and topology (Documentation/benchmarks.md). Linux 6.1
# unless KERNEL is given (KERNEL=6.12 or all); QUICK=1 for short jobs;
# TCG=single|multi and TOPOLOGY=veth|loopback for one of each (default: both).
# Results: vm-logs/bench/<kver>/ (combined) and its <tcg>-<topology>/.
.PHONY: bench
bench: setup build
	Tools/bench/run --kernel $(if $(filter command line environment,$(origin KERNEL)),$(KERNEL),6.1) $(if $(QUICK),--quick) \
		$(if $(TCG),--tcg $(TCG)) $(if $(TOPOLOGY),--topology $(TOPOLOGY))

# Installing. The paths are Debian's under PREFIX; systemd and udev read
# /usr/local/lib/{systemd/system,udev/rules.d}, kmod /usr/local/lib/depmod.d.
# The units and the udev rule name /usr/sbin and /usr/lib/dst (the package's
# paths) and are rewritten for PREFIX.
PREFIX ?= /usr/local
DESTDIR ?=
KVER ?= $(shell uname -r)
SBINDIR = $(PREFIX)/sbin
LIBDIR = $(PREFIX)/lib
UNITDIR = $(LIBDIR)/systemd/system
UDEVDIR = $(LIBDIR)/udev/rules.d
MANDIR = $(PREFIX)/share/man/man8
DOCDIR = $(PREFIX)/share/doc/dst
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(if $(filter /usr,$(PREFIX)),/usr/share/zsh/vendor-completions,$(PREFIX)/share/zsh/site-functions)
FISHCOMPDIR = $(PREFIX)/share/fish/vendor_completions.d
MODDIR = /lib/modules/$(KVER)/updates
DEPMODDIR = $(LIBDIR)/depmod.d
REWRITE = sed -e 's|/usr/sbin/|$(SBINDIR)/|g' -e 's|/usr/lib/dst/|$(LIBDIR)/dst/|g'
# What runs the services now, when installing into this system.
LIVE = $(if $(DESTDIR),,$(if $(wildcard /run/systemd/system),1))

.PHONY: build-release install uninstall install-kmod uninstall-kmod deb check-deb

# dstctl and dstd as installed: release build, Swift runtime linked in.
build-release:
	Tools/build-release.sh >/dev/null

install: build-release
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(UDEVDIR) \
		$(DESTDIR)$(LIBDIR)/dst $(DESTDIR)$(MANDIR) $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 755 .build/release/dstctl .build/release/dstd $(DESTDIR)$(SBINDIR)/
	for unit in dstd.service dst.service; do \
		$(REWRITE) Tools/dist/$$unit >$(DESTDIR)$(UNITDIR)/$$unit && \
		chmod 644 $(DESTDIR)$(UNITDIR)/$$unit || exit 1; \
	done
	$(REWRITE) Tools/dist/60-dst.rules >$(DESTDIR)$(UDEVDIR)/60-dst.rules
	chmod 644 $(DESTDIR)$(UDEVDIR)/60-dst.rules
	install -m 755 Tools/dist/dst-md-readd $(DESTDIR)$(LIBDIR)/dst/
	install -m 644 Documentation/dstctl.8 Documentation/dstd.8 $(DESTDIR)$(MANDIR)/
	install -m 644 README.md Documentation/*.md $(DESTDIR)$(DOCDIR)/
	install -d $(DESTDIR)$(DOCDIR)/examples
	install -m 644 Tools/dist/dst.conf.example $(DESTDIR)$(DOCDIR)/examples/
	for p in dstctl dstd; do \
		.build/release/$$p --generate-completion-script bash >$(DESTDIR)$(BASHCOMPDIR)/$$p && \
		sed -i '1{/^#!/d}' $(DESTDIR)$(BASHCOMPDIR)/$$p && \
		.build/release/$$p --generate-completion-script zsh >$(DESTDIR)$(ZSHCOMPDIR)/_$$p && \
		.build/release/$$p --generate-completion-script fish >$(DESTDIR)$(FISHCOMPDIR)/$$p.fish && \
		chmod 644 $(DESTDIR)$(BASHCOMPDIR)/$$p $(DESTDIR)$(ZSHCOMPDIR)/_$$p \
			$(DESTDIR)$(FISHCOMPDIR)/$$p.fish || exit 1; \
	done
	$(if $(LIVE),systemctl daemon-reload)
	$(if $(LIVE),udevadm control --reload)

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/dstctl $(DESTDIR)$(SBINDIR)/dstd \
		$(DESTDIR)$(UNITDIR)/dstd.service $(DESTDIR)$(UNITDIR)/dst.service \
		$(DESTDIR)$(UDEVDIR)/60-dst.rules $(DESTDIR)$(LIBDIR)/dst/dst-md-readd \
		$(DESTDIR)$(MANDIR)/dstctl.8 $(DESTDIR)$(MANDIR)/dstd.8 \
		$(DESTDIR)$(BASHCOMPDIR)/dstctl $(DESTDIR)$(BASHCOMPDIR)/dstd \
		$(DESTDIR)$(ZSHCOMPDIR)/_dstctl $(DESTDIR)$(ZSHCOMPDIR)/_dstd \
		$(DESTDIR)$(FISHCOMPDIR)/dstctl.fish $(DESTDIR)$(FISHCOMPDIR)/dstd.fish
	rm -rf $(DESTDIR)$(DOCDIR)
	-rmdir $(DESTDIR)$(LIBDIR)/dst 2>/dev/null
	$(if $(LIVE),systemctl daemon-reload)
	$(if $(LIVE),udevadm control --reload)

# The module for one kernel (headers: linux-headers-KVER), in updates/ so that
# it, not the kernel's DVB driver of the same name, is "dst" (depmod.d/dst.conf).
install-kmod:
	$(MAKE) -C kmod KDIR=/lib/modules/$(KVER)/build
	install -D -m 644 kmod/dst.ko $(DESTDIR)$(MODDIR)/dst.ko
	install -D -m 644 Tools/dist/depmod.d/dst.conf $(DESTDIR)$(DEPMODDIR)/dst.conf
	$(if $(DESTDIR),,depmod -a $(KVER))

uninstall-kmod:
	rm -f $(DESTDIR)$(MODDIR)/dst.ko $(DESTDIR)$(DEPMODDIR)/dst.conf
	$(if $(DESTDIR),,depmod -a $(KVER))

# The Debian packages (Tools/deb/build.sh); the last two lines name them.
deb:
	Tools/deb/build.sh

# What make deb built: contents, a DKMS build for each kernel with headers,
# depmod choosing DST's dst.ko (Tools/deb/check.sh); installs nothing.
check-deb:
	Tools/deb/check.sh

# The packages on Debian 12 booted with systemd, two VMs per kernel: DKMS,
# dst.service and fstab at boot, reboot, shutdown under I/O
# (Tools/vm/system/run). KERNEL=6.1|6.12|all. Logs: vm-logs/system/<kver>/.
.PHONY: test-system
test-system: deb
	Tools/vm/system/run --kernel $(KERNEL)

clean:
	rm -rf .build .build-kmod .build-deb .build-image vm-logs
