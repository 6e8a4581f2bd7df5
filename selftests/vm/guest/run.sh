#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest/run.sh - runs inside the mdgpu test VM, chrooted into the host's root
# file system, as the last step of guest/init. Not meant to be run by hand.
#
# Reads /run/mdgpu/job.env (written by run-vm.sh), loads the VFIO stack with
# the host's modprobe, runs the guest script with bash from the repository
# root under a deadline, then prints
#
#   MDGPU-VM-EXIT <rc>
#   MDGPU-DMESG-BEGIN
#   <dmesg, then the kmemleak report if the kernel has kmemleak>
#   MDGPU-DMESG-END
#
# on the console and reboots (QEMU runs with -no-reboot, so that ends the VM).

set -uo pipefail

# shellcheck source=/dev/null
. /run/mdgpu/job.env

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8 LC_ALL=C.UTF-8
export MDGPU_KERNEL_RELEASE MDGPU_MODDIR MDGPU_KDIR MDGPU_KERNEL MDGPU_OUTDIR
export MDGPU_HOTPLUG_TTY=${MDGPU_HOTPLUG_TTY:-}

state=/run/mdgpu
kmemleak=/sys/kernel/debug/kmemleak

uptime_s() {
	local up _
	read -r up _ </proc/uptime
	printf '%s\n' "${up%.*}"
}

# finish RC: report, dump the kernel log and end the VM. Called by the main
# flow and, if the script cannot be killed in time, by the watchdog; the
# first caller wins.
finish() {
	mkdir "$state/finished" 2>/dev/null || return 0
	sync
	echo "MDGPU-VM-EXIT $1"
	if [ -w "$kmemleak" ]; then
		# kmemleak ignores objects younger than ~5 s and reports
		# more reliably after a second scan.
		sleep 6
		echo scan >"$kmemleak"
		sleep 6
		echo scan >"$kmemleak"
	fi
	echo "MDGPU-DMESG-BEGIN"
	dmesg
	if [ -r "$kmemleak" ]; then
		echo "MDGPU-KMEMLEAK-REPORT"
		cat "$kmemleak"
	fi
	echo "MDGPU-DMESG-END"
	# Let the UART drain before pulling the plug.
	sleep 1
	busybox reboot -f
	exit "$1"
}

# True if module $1 is built into the running kernel.
builtin_module() {
	local builtin="$MDGPU_MODDIR/lib/modules/$MDGPU_KERNEL_RELEASE/modules.builtin"
	[ -f "$builtin" ] && grep -Eq "/${1//_/[-_]}\.ko\$" "$builtin"
}

load_vfio() {
	local m
	for m in vfio vfio_iommu_type1 mdev; do
		[ -d "/sys/module/$m" ] && continue
		builtin_module "$m" && continue
		if ! modprobe -d "$MDGPU_MODDIR" "$m"; then
			echo "MDGPU-VM: modprobe -d $MDGPU_MODDIR $m failed"
			return 1
		fi
	done
}

if ! load_vfio; then
	finish 1
fi

# The script's deadline leaves time, before QEMU's hard timeout, for what
# ran before the kernel (QEMU, firmware: ~5 s), killing the script (10 s), the
# kmemleak scans and the log dump. With too little left the host's timeout
# alone applies.
reserve=25
[ -e "$kmemleak" ] && reserve=70
budget=$((MDGPU_TIMEOUT - $(uptime_s) - reserve - 15))

cd "$MDGPU_REPO" || finish 1
echo "MDGPU-VM-SCRIPT-START uptime=$(cut -d' ' -f1 /proc/uptime)"

# Job control gives the script its own process group, so the watchdog can
# kill everything it started.
set -m
bash "$MDGPU_SCRIPT" "${MDGPU_ARGS[@]}" </dev/null &
pid=$!
set +m

# The watchdog's waits after the deadline are reads from a FIFO nobody
# writes, and it uses bash builtins only up to the dumps: a VM whose root
# file system (9p) stopped answering cannot start a program, and that is
# one of the stalls it is there to show.
mkfifo "$state/watchdog.fifo" || finish 1
wd_wait() {
	read -r -t "$1" _ <>"$state/watchdog.fifo"
}
watchdog=
if [ "$budget" -ge 5 ]; then
	(
		wd_wait "$budget"
		: >"$state/timed-out"
		echo "MDGPU-VM: script still running after ${budget}s: every task's state, then killing it"
		echo t >/proc/sysrq-trigger 2>/dev/null
		kill -TERM -- "-$pid" 2>/dev/null
		wd_wait 5
		kill -KILL -- "-$pid" 2>/dev/null
		wd_wait 5
		# Still there: stuck in the kernel. Show where, then give up
		# on it.
		echo "MDGPU-VM: script did not die, dumping blocked tasks"
		echo w >/proc/sysrq-trigger 2>/dev/null
		finish 124
	) &
	watchdog=$!
fi

wait "$pid"
rc=$?
[ -n "$watchdog" ] && kill "$watchdog" 2>/dev/null
[ -e "$state/timed-out" ] && rc=124
finish "$rc"
