#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The guest half of `make bench` (runs inside the VM as root).
set -euo pipefail

ko=$1
mtty_ko=$2
parts=${3:-all}
echo "=== mdgpu bench on Linux $(uname -r), $(nproc) vCPUs under QEMU TCG"
insmod "$ko"
insmod "$mtty_ko"
u=$(cat /proc/sys/kernel/random/uuid)
m=$(cat /proc/sys/kernel/random/uuid)
echo "$u" >/sys/class/mdgpu/sim0/mdev_supported_types/mdgpu-64M/create
echo "$m" >/sys/class/mtty/mtty/mdev_supported_types/mtty-1/create
if [ "$parts" = regs ]; then
	# make bench-regs: the register accesses only.
	tools/mdgpu-bench --regs "$u" "$m"
	echo 1 >"/sys/bus/mdev/devices/$u/remove"
	echo 1 >"/sys/bus/mdev/devices/$m/remove"
	rmmod mtty mdgpu
	echo "=== end of bench"
	exit 0
fi
if [ "$parts" = sched ]; then
	# MDGPU_BENCH_PARTS=sched: the engine scheduler and the engine time
	# jobs get (tools/mdgpu-schedbench) only, on its own 512 MiB parent.
	echo 1 >"/sys/bus/mdev/devices/$u/remove"
	echo 1 >"/sys/bus/mdev/devices/$m/remove"
	rmmod mtty mdgpu
	insmod "$ko" vram_mb=512
	tools/mdgpu-schedbench sim0
	rmmod mdgpu
	echo "=== end of bench"
	exit 0
fi
tools/mdgpu-bench "$u" "$m"
# Migration: a second 64M instance takes the first one's stream.
v=$(cat /proc/sys/kernel/random/uuid)
echo "$v" >/sys/class/mdgpu/sim0/mdev_supported_types/mdgpu-64M/create
echo
tools/mdgpu-migbench "$u" "$v"
echo 1 >"/sys/bus/mdev/devices/$v/remove"
echo 1 >"/sys/bus/mdev/devices/$u/remove"
echo 1 >"/sys/bus/mdev/devices/$m/remove"
rmmod mtty mdgpu
# Figures of many vGPUs (tools/mdgpu-scalebench): lifecycle and memory
# against mtty, the data paths, a fence among 64 busy vGPUs, the 1024th
# create; then the scheduler's own cost against the number of busy vGPUs.
insmod "$ko" vram_mb=65536
insmod "$mtty_ko"
# A 32 MiB DMA may run for seconds under TCG on a loaded host: no
# per-job watchdog in the way of a figure.
echo 60000 >/sys/class/mdgpu/sim0/watchdog_ms
t=/sys/class/mdgpu/sim0/mdev_supported_types
tools/mdgpu-scalebench life "$t/mdgpu-64M" \
	/sys/class/mtty/mtty/mdev_supported_types/mtty-1 "${MDGPU_BENCH_CYCLES:-200}"
w=$(cat /proc/sys/kernel/random/uuid)
echo "$w" >"$t/mdgpu-128M/create"
tools/mdgpu-scalebench io "$w"
echo 1 >"/sys/bus/mdev/devices/$w/remove"
tools/mdgpu-scalebench fence "$t/mdgpu-64M" 64
tools/mdgpu-scalebench count "$t/mdgpu-64M" 1024
rmmod mtty mdgpu
echo
tools/mdgpu-schedcost

# VRAM: first touch, bandwidth and reset of a fully populated 512M vGPU.
insmod "$ko" vram_mb=1024
w=$(cat /proc/sys/kernel/random/uuid)
echo "$w" >/sys/class/mdgpu/sim0/mdev_supported_types/mdgpu-512M/create
echo
tools/mdgpu-vrambench "$w"
echo 1 >"/sys/bus/mdev/devices/$w/remove"
echo "parent VRAM populated after remove: $(cat /sys/class/mdgpu/sim0/vram_populated) bytes"
rmmod mdgpu
# The scheduler: a parent of 512 MiB, so eight 64M vGPUs fill it.
insmod "$ko" vram_mb=512
echo
tools/mdgpu-schedbench sim0
rmmod mdgpu
echo "=== end of bench"
