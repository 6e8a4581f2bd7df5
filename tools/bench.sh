#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench: run tools/mdgpu-bench in a VM booting Debian's stock 6.12
# kernel, next to the kernel's own mtty sample driver built from Debian's
# linux-source-6.12 for that same kernel. Prints a table of ratios measured
# in one run; it never fails on timing.
# MDGPU_BENCH_PARTS=regs (make bench-regs) runs the register accesses only;
# MDGPU_BENCH_PARTS=sched runs the scheduler and engine-time part only;
# MDGPU_BENCH_KO=path benchmarks that mdgpu.ko instead of the one built here
# (another branch's, or a deliberately slowed one).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
kernel=${MDGPU_BENCH_KERNEL:-stock-6.12}
cache=${MDGPU_CACHE:-/var/cache/mdgpu}

bash selftests/vm/deps.sh vm build rsync make gcc libc6-dev libpng-dev \
	libjson-c-dev libsmartcols-dev uuid-dev linux-source-6.12 >/dev/null
kd=$(bash selftests/vm/kernel.sh "$kernel" | tail -n 1)
kdir=$(cat "$kd/kdir")
if [ -z "${MDGPU_BENCH_KO:-}" ]; then
	make -s KDIR="$kdir" BUILD="$repo/build/$kernel" module >/dev/null
fi
make -s -C tools >/dev/null
ko=${MDGPU_BENCH_KO:-$(find "$repo/build/$kernel" -name mdgpu.ko | head -n 1)}

# The mtty sample, from the kernel source package, built outside the repo.
mtty=$cache/mtty-$(cat "$kd/release")
if [ ! -f "$mtty/mtty.ko" ]; then
	mkdir -p "$mtty"
	tar -xf /usr/src/linux-source-6.12.tar.xz -C "$mtty" --strip-components=3 \
		--wildcards '*/samples/vfio-mdev/mtty.c'
	echo 'obj-m := mtty.o' >"$mtty/Kbuild"
	make -s -C "$kdir" M="$mtty" modules >/dev/null
fi

echo "bench: booting $kernel under QEMU (software emulation)..."
bash selftests/vm/run-vm.sh --kernel "$kd" --timeout 900 -v \
	--log "$repo/build/bench.log" --script tools/bench-guest.sh -- \
	"$ko" "$mtty/mtty.ko" "${MDGPU_BENCH_PARTS:-all}" | sed -n '/^=== mdgpu bench/,/^=== end of bench/p'
