#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# long-vm.sh - the long runs of the uAPI fuzzer, of the stress test and of
# the scale test in a test VM (make fuzz-vm, make stress, make scale-test);
# make check runs each briefly.
#
# usage: long-vm.sh fuzz|stress|scale [--kernel NAME] [VAR=VALUE...]
#
#   fuzz     selftests/vfio/uapi_fuzz.c, MDGPU_FUZZ_OPS (250000 per thread,
#            4 threads: 1 M operations) and MDGPU_FUZZ_SEED (1)
#   stress   selftests/vfio/stress.c, MDGPU_STRESS_THREADS (8),
#            MDGPU_STRESS_CYCLES (10000) and MDGPU_STRESS_ROUNDS (5000);
#            then MDGPU_STRESS_RELOADS (100) module reloads with instances
#   scale    selftests/vfio/scale.c on a vram_mb=65536 parent (stock-6.12
#            unless --kernel): MDGPU_SCALE_N (1024) vGPUs of 64M, groups
#            of MDGPU_SCALE_GROUP (64) busy under the weighted policy for
#            MDGPU_SCALE_WINDOW_MS (4000) each (longer until the group got
#            2 s of engine time, at most 8x), MDGPU_SCALE_WRONG_WEIGHT
#            (0; 1 must fail)
#   --kernel NAME  kernel of the VM harness (debug: KASAN, lockdep, UBSAN,
#                  kmemleak)
#   VAR=VALUE      overrides one of the variables above
#
# Prints the program's TAP and ends with "N passed, N failed, N skipped";
# the VM's exit status also fails the run if the kernel log shows a
# warning, sanitizer report, lockdep splat, leak or oops.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
what=${1:-}
shift || true
case "$what" in
fuzz)
	prog=uapi_fuzz params=vram_mb=1024
	vars=(MDGPU_FUZZ_OPS=250000 MDGPU_FUZZ_SEED=1) ;;
stress)
	prog=stress params=vram_mb=2048
	vars=(MDGPU_STRESS_THREADS=8 MDGPU_STRESS_CYCLES=10000
	      MDGPU_STRESS_ROUNDS=5000 MDGPU_STRESS_RELOADS=100) ;;
scale)
	prog=scale params=vram_mb=65536 kernel=stock-6.12
	vars=(MDGPU_SCALE_N=1024 MDGPU_SCALE_WEIGHTED=1 MDGPU_SCALE_GROUP=64
	      MDGPU_SCALE_WINDOW_MS=4000) ;;
*)
	sed -n '3,/^$/s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
esac
kernel=${kernel:-debug}
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=${2:?}; shift 2 ;;
	*=*) vars+=("$1"); shift ;;
	*) sed -n '3,/^$/s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
logdir=$repo/build/logs
mkdir -p "$logdir"
log=$logdir/$what-vm-$kernel.log

bash selftests/vm/deps.sh vm build debug sparse rsync make gcc libc6-dev \
	libjson-c-dev libsmartcols-dev uuid-dev libpng-dev >/dev/null
make -s -C selftests
kd=$(bash selftests/vm/kernel.sh "$kernel" | tail -n 1)
kdir=$(cat "$kd/kdir")
bdir=$repo/build/$kernel
make -s KDIR="$kdir" BUILD="$bdir" module >/dev/null
ko_dir=$(dirname "$(find "$bdir" -name mdgpu.ko | head -n 1)")
echo "long-vm: $prog on $kernel with ${vars[*]}"
start=$(date +%s)
rc=0
bash selftests/vm/run-vm.sh --kernel "$kd" --log "$log" --timeout 36000 \
	--script selftests/long-guest.sh -- "$ko_dir" "$params" "$prog" \
	"${vars[@]}" || rc=$?
echo "long-vm: VM finished with status $rc in $(($(date +%s) - start)) s (log: $log)"
sed -n '/MDGPU-TAP-BEGIN/,/MDGPU-TAP-END/p' "$log" | grep -v '^\['
total=$(bash selftests/vm/count-results.sh "$log" | tail -n 1)
read -r p _ f _ s _ <<<"$(echo "$total" | tr -d ',')"
f=$(( ${f:-0} + (rc != 0) ))
echo "${p:-0} passed, $f failed, ${s:-0} skipped"
[ "$f" -eq 0 ]
