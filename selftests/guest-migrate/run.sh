#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run.sh - does QEMU 10 save, restore and live-migrate a guest that drives an
# mdgpu vGPU with its stock bochs DRM driver? Host side of the guest-migrate
# test.
#
# usage: run.sh [-v] [--kernel NAME] [--timeout SECONDS]
#               [--migrate-timeout SECONDS] [--enable-migration on|auto]
#               [--downtime-ms MS]
#
#   --kernel NAME          kernel of the VM harness for both levels
#                          (stock-6.12)
#   --timeout S            how long L1 waits for the nested guest's checks
#                          (1500)
#   --migrate-timeout S    how long each save, restore or migration may take
#                          (900)
#   --enable-migration V   vfio-pci's enable-migration (on; auto lets QEMU
#                          start on a vGPU without migration support, which
#                          then blocks the migration)
#   --downtime-ms MS       QEMU's downtime-limit for both migrations
#                          (300000: under TCG a smaller one may never be met)
#   -v                     copy the VM console to stdout as it runs
#
# Gets QEMU 10 from bookworm-backports into the cache
# (selftests/vm/qemu-backports.sh; the system's QEMU 7.2, which boots L1,
# stays), builds mdgpu.ko for the kernel and guest-display's nested guest
# (selftests/vm/nested.sh), and runs l1.sh in the VM harness: the VM ("L1")
# loads mdgpu with two parents, boots the nested guest ("L2") with QEMU 10
# on a vGPU, saves it to a file and restores it on a second vGPU, then
# migrates it live to a vGPU of the other parent. See
# Documentation/testing.rst, "make guest-migrate".
#
# The console log is build/logs/guest-migrate-NAME.log, QEMU's screendumps
# before and after are in build/guest-migrate/out/. The last line is "N
# passed, N failed, N skipped"; the exit status is non-zero if anything
# failed or the VM did not end cleanly.

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

kernel=stock-6.12 l2_timeout=1500 mig_timeout=900 enable=on downtime=300000
verbose=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=${2:?}; shift 2 ;;
	--timeout) l2_timeout=${2:?}; shift 2 ;;
	--migrate-timeout) mig_timeout=${2:?}; shift 2 ;;
	--enable-migration) enable=${2:?}; shift 2 ;;
	--downtime-ms) downtime=${2:?}; shift 2 ;;
	-v) verbose=(-v); shift ;;
	-h|--help) usage 0 ;;
	*) mdgpu_log "unknown argument '$1'"; usage ;;
	esac
done
[[ "$l2_timeout" =~ ^[1-9][0-9]*$ ]] || mdgpu_die "--timeout wants seconds"
[[ "$mig_timeout" =~ ^[1-9][0-9]*$ ]] ||
	mdgpu_die "--migrate-timeout wants seconds"
[[ "$downtime" =~ ^[1-9][0-9]*$ ]] || mdgpu_die "--downtime-ms wants milliseconds"
case "$enable" in
on|auto) ;;
*) mdgpu_die "--enable-migration wants on or auto" ;;
esac

# The vGPU type L2 gets and its maximum mode, which its EDID prefers.
type=mdgpu-64M
max=1920x1080

t0=$(mdgpu_now)
# Nested TCG is CPU-bound: the timings mean little without the host's load.
mdgpu_log "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
bash "$vm/deps.sh" vm build rsync make gcc perl >/dev/null
qemu=$(bash "$vm/qemu-backports.sh" | tail -n 1)
[ -x "$qemu" ] || mdgpu_die "QEMU 10 could not be prepared"
mdgpu_log "QEMU for L2: $qemu"
kd=$(bash "$vm/kernel.sh" "$kernel" | tail -n 1)
[ -d "$kd" ] || mdgpu_die "kernel $kernel could not be prepared"
release=$(<"$kd/release")
modpath=$(<"$kd/moddir")/lib/modules/$release

bdir=$repo/build/guest-migrate/$kernel
make -s -C "$repo" KDIR="$(<"$kd/kdir")" BUILD="$bdir" module >/dev/null
ko=$(find "$bdir" -name mdgpu.ko | head -n 1)
[ -n "$ko" ] || mdgpu_die "mdgpu.ko was not built"

# guest-display's nested guest; its /init prints a heartbeat when asked to.
l2dir=$(mdgpu_l2_initramfs "$release" "$modpath" \
	"$repo/selftests/guest-display/l2-init.sh")
mdgpu_log "nested guest: $l2dir"

logdir=$repo/build/logs
log=$logdir/guest-migrate-$kernel.log
out=$repo/build/guest-migrate/out
mkdir -p "$logdir" "$out"
rm -f "$out"/*.ppm

# noxsave, as for guest-display (see its run.sh); MDGPU_GD_XSAVE=1 leaves
# it out here too.
if [ "${MDGPU_GD_XSAVE:-0}" != 1 ]; then
	export MDGPU_VM_APPEND="${MDGPU_VM_APPEND:-} noxsave"
fi

# L1 holds up to two nested guests of 192 MiB, their vGPUs' VRAM and the
# saved state in /tmp (tmpfs): 3 GiB.
rc=0
bash "$vm/run-vm.sh" --kernel "$kd" --script "$here/l1.sh" --mem 3072 \
	--timeout $((l2_timeout + 3 * mig_timeout + 900)) --outdir "$out" \
	--log "$log" "${verbose[@]}" -- \
	"$ko" "$l2dir" "$qemu" "$type" "$max" "$l2_timeout" "$mig_timeout" \
	"$enable" "$downtime" || rc=$?

grep -a 'MDGPU-GM-TIME' "$log" | tr -d '\r' | sed 's/^/guest-migrate: /' || true
mdgpu_log "VM status $rc, ${kernel}, $(mdgpu_elapsed "$t0") s in all;" \
	"host load average now $(cut -d' ' -f1-3 /proc/loadavg); log $log"
bash "$vm/count-results.sh" -v "$log"
exit "$rc"
