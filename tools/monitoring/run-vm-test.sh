#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run-vm-test.sh [--kernel NAME] - `make monitoring-test`: mdgpu's metrics
# through Debian's prometheus-node-exporter and prometheus in a test VM
# (vm-test.sh says what it checks). NAME is a kernel of the VM harness
# (default stock-6.12). Prints the TAP and "N passed, N failed, N skipped"
# last; the log is build/logs/monitoring-vm-NAME.log.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
kernel=stock-6.12
if [ "${1:-}" = --kernel ]; then
	kernel=${2:?}
fi
logdir=$repo/build/logs
bin=$repo/build/monitoring
mkdir -p "$logdir" "$bin"
log=$logdir/monitoring-vm-$kernel.log

bash selftests/vm/deps.sh vm build rsync make gcc libc6-dev libjson-c-dev libsmartcols-dev \
	uuid-dev libpng-dev jq curl python3 prometheus \
	prometheus-node-exporter >/dev/null
make -s -C tools/mdgpuctl BUILDDIR="$bin" "$bin/mdgpuctl"
make -s -C tools/monitoring BUILDDIR="$bin"
kd=$(bash selftests/vm/kernel.sh "$kernel" | tail -n 1)
bdir=$repo/build/$kernel
make -s KDIR="$(cat "$kd/kdir")" BUILD="$bdir" module >/dev/null
ko=$(find "$bdir" -name mdgpu.ko | head -n 1)
start=$(date +%s)
rc=0
bash selftests/vm/run-vm.sh --kernel "$kd" --log "$log" --timeout 1500 \
	--script tools/monitoring/vm-test.sh -- "$ko" "$bin" || rc=$?
echo "monitoring-test: VM finished with status $rc in $(($(date +%s) - start)) s (log: $log)"
sed -n '/MDGPU-TAP-BEGIN/,/MDGPU-TAP-END/p' "$log" | grep -v '^\['
total=$(bash selftests/vm/count-results.sh "$log" | tail -n 1)
read -r p _ f _ s _ <<<"$(echo "$total" | tr -d ',')"
f=$(( ${f:-0} + (rc != 0) ))
echo "${p:-0} passed, $f failed, ${s:-0} skipped"
[ "$f" -eq 0 ]
