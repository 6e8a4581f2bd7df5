#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make demo: boot Debian's stock 6.12 kernel in a VM, load mdgpu, create one
# vGPU of every type, show what an admin would look at, remove them again;
# then let demand change and show mdgpu-balancer's decisions.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
kernel=${MDGPU_DEMO_KERNEL:-stock-6.12}

bash selftests/vm/deps.sh vm build rsync make gcc libc6-dev libpng-dev \
	libjson-c-dev libsmartcols-dev uuid-dev libcurl4-openssl-dev >/dev/null
kd=$(bash selftests/vm/kernel.sh "$kernel" | tail -n 1)
make -s KDIR="$(cat "$kd/kdir")" BUILD="$repo/build/$kernel" module >/dev/null
make -s -C tools >/dev/null
make -s -C tools/monitoring >/dev/null
ko=$(find "$repo/build/$kernel" -name mdgpu.ko | head -n 1)
out=$repo/build/demo
mkdir -p "$out"
rm -f "$out"/*.png
echo "demo: booting $kernel under QEMU (software emulation, ~30 s)..."
bash selftests/vm/run-vm.sh --kernel "$kd" --timeout 600 -v --outdir "$out" \
	--log "$repo/build/demo.log" --script tools/demo-guest.sh -- "$ko" "$out" |
	sed -n '/^=== mdgpu demo/,/^=== end of demo/p'
ls "$out"/*.png >/dev/null 2>&1 && { echo "demo: scanout pictures:"; ls "$out"/*.png | sed "s/^/  /"; }
