#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# fuzz-vm.sh - the long run of the uAPI fuzzer (selftests/vfio/uapi_fuzz.c)
# in a test VM: make fuzz-vm.
#
# usage: fuzz-vm.sh [--kernel NAME] [--ops N] [--seed S]
#
#   --kernel NAME  kernel of the VM harness (debug: KASAN, lockdep, UBSAN,
#                  kmemleak)
#   --ops N        operations per thread; 4 threads (250000: 1 M in all)
#   --seed S       seed (1); the same seed gives the same sequences
#
# Prints the fuzzer's TAP and ends with "N passed, N failed, N skipped";
# the VM's exit status also fails the run if the kernel log shows a
# warning, sanitizer report, lockdep splat, leak or oops.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
kernel=debug ops=250000 seed=1
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=${2:?}; shift 2 ;;
	--ops) ops=${2:?}; shift 2 ;;
	--seed) seed=${2:?}; shift 2 ;;
	*) sed -n '3,/^$/s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
logdir=$repo/build/logs
mkdir -p "$logdir"
log=$logdir/fuzz-vm-$kernel.log

bash selftests/vm/deps.sh vm build debug sparse rsync make gcc libc6-dev \
	libjson-c-dev uuid-dev libpng-dev >/dev/null
make -s -C selftests
kd=$(bash selftests/vm/kernel.sh "$kernel" | tail -n 1)
kdir=$(cat "$kd/kdir")
bdir=$repo/build/$kernel
make -s KDIR="$kdir" BUILD="$bdir" module >/dev/null
ko_dir=$(dirname "$(find "$bdir" -name mdgpu.ko | head -n 1)")
start=$(date +%s)
rc=0
bash selftests/vm/run-vm.sh --kernel "$kd" --log "$log" --timeout 14400 \
	--script selftests/fuzz-vm-guest.sh -- "$ko_dir" "$ops" "$seed" || rc=$?
echo "fuzz-vm: VM finished with status $rc in $(($(date +%s) - start)) s (log: $log)"
sed -n '/MDGPU-TAP-BEGIN/,/MDGPU-TAP-END/p' "$log" | grep -v '^\['
total=$(bash selftests/vm/count-results.sh "$log" | tail -n 1)
read -r p _ f _ s _ <<<"$(echo "$total" | tr -d ',')"
f=$(( ${f:-0} + (rc != 0) ))
echo "${p:-0} passed, $f failed, ${s:-0} skipped"
[ "$f" -eq 0 ]
