#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run.sh - does an unmodified Linux guest drive an mdgpu vGPU with its stock
# bochs DRM driver? Host side of the guest-display test.
#
# usage: run.sh [-v] [--kernel NAME] [--timeout SECONDS]
#
#   --kernel NAME   kernel of the VM harness for both levels (stock-6.12)
#   --timeout S     how long L1 waits for the nested guest's checks (1500)
#   -v              copy the VM console to stdout as it runs
#
# Builds mdgpu.ko for the kernel, builds (or takes from the cache) the nested
# guest's initramfs, and runs l1.sh in the VM harness: the VM ("L1") loads
# mdgpu, creates a vGPU and runs QEMU on it in turn, booting the same stock
# kernel ("L2") with l2-init.sh as /init. See Documentation/testing.rst,
# "make guest-display".
#
# The console log is build/logs/guest-display-NAME.log and the scanout L1
# saw is build/guest-display/out/scanout.ppm. The last line is "N passed,
# N failed, N skipped"; the exit status is non-zero if anything failed or
# the VM did not end cleanly.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
vm=$repo/selftests/vm
# shellcheck source=../vm/lib.sh
. "$vm/lib.sh"
# shellcheck source=../vm/nested.sh
. "$vm/nested.sh"

usage() {
	sed -n '4,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit "${1:-2}"
}

kernel=stock-6.12 l2_timeout=1500 verbose=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=${2:?}; shift 2 ;;
	--timeout) l2_timeout=${2:?}; shift 2 ;;
	-v) verbose=(-v); shift ;;
	-h|--help) usage 0 ;;
	*) mdgpu_log "unknown argument '$1'"; usage ;;
	esac
done
[[ "$l2_timeout" =~ ^[1-9][0-9]*$ ]] || mdgpu_die "--timeout wants seconds"

# The vGPU type L2 gets and its maximum mode, which its EDID prefers.
type=mdgpu-64M
max=1920x1080

t0=$(mdgpu_now)
# Nested TCG is CPU-bound: the timings mean little without the host's load.
mdgpu_log "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
bash "$vm/deps.sh" vm build rsync make gcc perl >/dev/null
kd=$(bash "$vm/kernel.sh" "$kernel" | tail -n 1)
[ -d "$kd" ] || mdgpu_die "kernel $kernel could not be prepared"
release=$(<"$kd/release")
modpath=$(<"$kd/moddir")/lib/modules/$release

bdir=$repo/build/guest-display/$kernel
make -s -C "$repo" KDIR="$(<"$kd/kdir")" BUILD="$bdir" module >/dev/null
ko=$(find "$bdir" -name mdgpu.ko | head -n 1)
[ -n "$ko" ] || mdgpu_die "mdgpu.ko was not built"

# The nested guest's initramfs (selftests/vm/nested.sh).
l2dir=$(mdgpu_l2_initramfs "$release" "$modpath" "$here/l2-init.sh")
mdgpu_log "nested guest: $l2dir"

# ---------------------------------------------------------------------------
# The run

logdir=$repo/build/logs
log=$logdir/guest-display-$kernel.log
out=$repo/build/guest-display/out
mkdir -p "$logdir" "$out"
rm -f "$out/scanout.ppm" "$out/screendump.ppm"

# L1 boots with "noxsave" (MDGPU_GD_XSAVE=1 leaves it out): without XSAVE,
# L1's kernel enables no AVX state, so the nested QEMU's TCG does not use
# AVX, which QEMU 7.2's TCG (emulating L1) has only just learnt. Without
# noxsave, L2's kernel has been seen to crash early (a #DB warning in
# exc_debug_kernel, then a general protection fault); with it, L2 has
# booted in every run so far. Few runs: this is a workaround, not a proof.
if [ "${MDGPU_GD_XSAVE:-0}" != 1 ]; then
	export MDGPU_VM_APPEND="${MDGPU_VM_APPEND:-} noxsave"
fi

rc=0
bash "$vm/run-vm.sh" --kernel "$kd" --script "$here/l1.sh" \
	--timeout $((l2_timeout + 300)) --outdir "$out" --log "$log" \
	"${verbose[@]}" -- "$ko" "$l2dir" "$type" "$max" "$l2_timeout" || rc=$?

grep -a 'MDGPU-GD-TIME' "$log" | tr -d '\r' | sed 's/^/guest-display: /' || true
[ -f "$out/scanout.ppm" ] && mdgpu_log "scanout: $out/scanout.ppm"
[ -f "$out/screendump.ppm" ] && mdgpu_log "QEMU's screendump: $out/screendump.ppm"
mdgpu_log "VM status $rc, ${kernel}, $(mdgpu_elapsed "$t0") s in all;" \
	"host load average now $(cut -d' ' -f1-3 /proc/loadavg); log $log"
bash "$vm/count-results.sh" -v "$log"
exit "$rc"
