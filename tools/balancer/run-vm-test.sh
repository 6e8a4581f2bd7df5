#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run-vm-test.sh [--kernel NAME] [--move-only] - `make balancer-test`:
# mdgpu-balancer against the real module, with synthetic demand and a real
# Prometheus, then --move, in a test VM (vm-test.sh and vm-test-move.sh
# say what they check; --move-only runs the second alone). NAME is a
# kernel of the VM harness (default stock-6.12). Prints the TAP and
# "N passed, N failed, N skipped" last; the log is
# build/logs/balancer-vm-NAME.log.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
kernel=stock-6.12
script=tools/balancer/vm-test.sh
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=${2:?}; shift 2 ;;
	--move-only) script=tools/balancer/vm-test-move.sh; shift ;;
	*) echo "usage: run-vm-test.sh [--kernel NAME] [--move-only]" >&2; exit 2 ;;
	esac
done
logdir=$repo/build/logs
bin=$repo/build/balancer
mkdir -p "$logdir" "$bin"
log=$logdir/balancer-vm-$kernel.log

bash selftests/vm/deps.sh vm build rsync make gcc libc6-dev libjson-c-dev libsmartcols-dev \
	uuid-dev libpng-dev libcurl4-openssl-dev jq curl prometheus \
	prometheus-node-exporter >/dev/null
make -s -C tools/mdgpuctl BUILDDIR="$bin" "$bin/mdgpuctl" "$bin/mdgpuctl-vm-helper"
make -s -C tools/monitoring BUILDDIR="$bin"
make -s -C tools/balancer BUILDDIR="$bin" "$bin/mdgpu-balancer"
kd=$(bash selftests/vm/kernel.sh "$kernel" | tail -n 1)
bdir=$repo/build/$kernel
make -s KDIR="$(cat "$kd/kdir")" BUILD="$bdir" module >/dev/null
ko=$(find "$bdir" -name mdgpu.ko | head -n 1)
start=$(date +%s)
rc=0
bash selftests/vm/run-vm.sh --kernel "$kd" --log "$log" --timeout 2400 \
	--script "$script" -- "$ko" "$bin" || rc=$?
echo "balancer-test: VM finished with status $rc in $(($(date +%s) - start)) s (log: $log)"
sed -n '/MDGPU-TAP-BEGIN/,/MDGPU-TAP-END/p' "$log" | grep -v '^\['
total=$(bash selftests/vm/count-results.sh "$log" | tail -n 1)
read -r p _ f _ s _ <<<"$(echo "$total" | tr -d ',')"
f=$(( ${f:-0} + (rc != 0) ))
echo "${p:-0} passed, $f failed, ${s:-0} skipped"
[ "$f" -eq 0 ]
