# SPDX-License-Identifier: GPL-2.0-only
#
# mdgpu top-level Makefile.
#
#   make                 build mdgpu.ko for the running kernel (or KDIR=...)
#   make install         install the module (and tools) for that kernel
#   make check           the test suite: every kernel of the VM harness
#   make demo            boot a VM, create one vGPU of every type, show them
#   make guest-display   a nested VM drives a vGPU with the stock bochs driver
#   make guest-migrate   QEMU 10 saves, restores and live-migrates such a VM
#                        (QEMU 10 from bookworm-backports, unpacked into the
#                        cache; not part of make check)
#   make fuzz-vm         the uAPI fuzzer, 1 M operations, in the debug VM
#   make stress          8 threads x 10 000 vGPU lifecycles under load, debug VM
#   make scale-test      1024 vGPUs on one parent, 64 at a time busy under the
#                        weighted policy, stock 6.12 VM (not part of make check)
#   make lint            W=1, sparse and checkpatch over the module
#   make docs            Documentation/*.rst as HTML in build/docs/, the
#                        code's DOC: blocks pulled in (tools/rst-kerneldoc.py)
#   make monitoring-test Prometheus scrapes mdgpuctl metrics through
#                        node_exporter in a VM (tools/monitoring)
#   make balancer-test   mdgpu-balancer with synthetic demand and a real
#                        Prometheus in a VM (tools/balancer; not part of
#                        make check)
#   make deb             Debian packages mdgpu-dkms and mdgpu-tools, with
#                        dpkg-buildpackage and lintian, in build/deb/
#   make deb-test        install them in a VM of each stock kernel: DKMS
#                        builds the module, modprobe, an mdevctl instance,
#                        removal (not part of make check)
#   make fuzz            fuzz the pure decoders, FUZZ_SECONDS (60) each
#   make libvirt-test    libvirt in a VM sees the PCI parent: nodedev-list,
#                        nodedev-define/start of an mdev (through mdevctl), a
#                        domain with it as a hostdev (not part of make check)
#
# Objects are built in build/<kernel release>/ (a copy of the sources), so
# one tree can build for several kernels side by side.

KDIR ?= /lib/modules/$(shell uname -r)/build
# The release the modules are for: Debian's 6.1 headers name it only in
# their path (their kernel.release reads the upstream version).
KDIR_BASE := $(notdir $(realpath $(KDIR)))
ifneq ($(filter linux-headers-%,$(KDIR_BASE)),)
KREL := $(patsubst linux-headers-%,%,$(KDIR_BASE))
else
KREL := $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
endif
BUILD ?= $(CURDIR)/build
BDIR := $(BUILD)/$(KREL)
MODULE_SRCS := Kbuild drivers include uapi scheduler

.PHONY: all module install check demo bench guest-display guest-migrate \
	lint clean tools \
	fuzz-vm stress scale-test selftests fuzz monitoring-test deb deb-test \
	bench-regs libvirt-test

all: module

module:
	@test -n "$(KREL)" || { echo "mdgpu: no kernel build tree at KDIR=$(KDIR) (install linux-headers-$$(uname -r))" >&2; exit 1; }
	@mkdir -p $(BDIR)
	@rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
		--exclude='mdgpu_probes.h' $(MODULE_SRCS) $(BDIR)/ 2>/dev/null || \
		cp -a $(MODULE_SRCS) $(BDIR)/
	$(MAKE) -C $(KDIR) M=$(BDIR) W=$(W) C=$(C) modules

install: module
	$(MAKE) -C $(KDIR) M=$(BDIR) INSTALL_MOD_DIR=updates \
		KERNELRELEASE=$(KREL) modules_install
	depmod -a $(KREL)
	$(MAKE) -C tools install

tools:
	$(MAKE) -C tools

selftests:
	$(MAKE) -C selftests

check:
	bash selftests/check.sh

demo:
	bash tools/demo.sh

bench:
	bash tools/bench.sh

bench-regs:
	MDGPU_BENCH_PARTS=regs bash tools/bench.sh

guest-display:
	bash selftests/guest-display/run.sh

guest-migrate:
	bash selftests/guest-migrate/run.sh

fuzz-vm:
	bash selftests/long-vm.sh fuzz

stress:
	bash selftests/long-vm.sh stress

scale-test:
	bash selftests/long-vm.sh scale

lint:
	bash tools/lint.sh

.PHONY: docs
docs:
	bash selftests/vm/deps.sh linux-source-6.12 python3-docutils >/dev/null
	mkdir -p $(BUILD)/docs
	for f in Documentation/*.rst; do \
		/usr/bin/python3 tools/rst-kerneldoc.py \
			--html $(BUILD)/docs/$$(basename $$f .rst).html $$f || exit 1; \
	done

monitoring-test:
	bash tools/monitoring/run-vm-test.sh

.PHONY: balancer-test
balancer-test:
	bash tools/balancer/run-vm-test.sh

deb:
	bash selftests/deb/build.sh

deb-test:
	bash selftests/deb/test.sh

fuzz:
	bash selftests/fuzz/run.sh

libvirt-test:
	bash selftests/libvirt/run.sh

clean:
	rm -rf $(BUILD)
	-$(MAKE) -C selftests clean
	-$(MAKE) -C tools clean
