#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run.sh - does the management stack see mdgpu's parents? Host side of
# make libvirt-test.
#
# usage: run.sh [-v] [--kernel NAME] [--timeout SECONDS]
#
#   --kernel NAME   kernel of the VM harness (stock-6.12)
#   --timeout S     limit of the VM run (2400)
#   -v              copy the VM console to stdout as it runs
#
# Builds mdgpu.ko for the kernel and runs l1.sh in the VM harness: the VM
# loads mdgpu with one simulated parent, binds its ivshmem-plain device to
# mdgpu (a PCI parent), starts Debian's udevd and libvirtd, and checks what
# `virsh nodedev-*` shows of both parents, defines and starts an mdev on the
# PCI parent through libvirt (which drives mdevctl), and starts a libvirt
# domain (QEMU, TCG, no OS) with that mdev as a <hostdev type='mdev'>, then
# one with a vGPU of the simulated parent. See
# Documentation/testing.rst, "make libvirt-test".
#
# libvirt runs only inside the VM. On the host it needs the packages
# (deps.sh group "libvirt": libvirt-daemon, libvirt-clients, mdevctl,
# without libvirt-daemon-system, so nothing is started on the host); the VM
# sees the host's root read-only and l1.sh gives libvirt its own writable
# /etc/libvirt, /var/lib, /var/cache and /var/log on tmpfs.
#
# The console log is build/logs/libvirt-test-NAME.log. The last line is
# "N passed, N failed, N skipped"; the exit status is non-zero if anything
# failed or the VM did not end cleanly.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
vm=$repo/selftests/vm
# shellcheck source=../vm/lib.sh
. "$vm/lib.sh"

usage() {
	sed -n '4,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit "${1:-2}"
}

kernel=stock-6.12 timeout=2400 verbose=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kernel=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	-v) verbose=(-v); shift ;;
	-h|--help) usage 0 ;;
	*) mdgpu_log "unknown argument '$1'"; usage ;;
	esac
done
[[ "$timeout" =~ ^[1-9][0-9]*$ ]] || mdgpu_die "--timeout wants seconds"

t0=$(mdgpu_now)
mdgpu_log "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
bash "$vm/deps.sh" vm build libvirt rsync make gcc >/dev/null
kd=$(bash "$vm/kernel.sh" "$kernel" | tail -n 1)
[ -d "$kd" ] || mdgpu_die "kernel $kernel could not be prepared"

bdir=$repo/build/libvirt-test/$kernel
make -s -C "$repo" KDIR="$(<"$kd/kdir")" BUILD="$bdir" module >/dev/null
ko=$(find "$bdir" -name mdgpu.ko | head -n 1)
[ -n "$ko" ] || mdgpu_die "mdgpu.ko was not built"

logdir=$repo/build/logs
log=$logdir/libvirt-test-$kernel.log
mkdir -p "$logdir"
rm -f "$log"

# As for make guest-display: no XSAVE in L1, so the nested QEMU's TCG does
# not use AVX (selftests/guest-display/run.sh).
export MDGPU_VM_APPEND="${MDGPU_VM_APPEND:-} noxsave"

rc=0
bash "$vm/run-vm.sh" --kernel "$kd" --script "$here/l1.sh" \
	--timeout "$timeout" --log "$log" "${verbose[@]}" -- "$ko" || rc=$?

grep -a 'MDGPU-LV-TIME' "$log" | tr -d '\r' | sed 's/^/libvirt-test: /' || true
mdgpu_log "VM status $rc, ${kernel}, $(mdgpu_elapsed "$t0") s in all;" \
	"host load average now $(cut -d' ' -f1-3 /proc/loadavg); log $log"
bash "$vm/count-results.sh" -v "$log"
exit "$rc"
