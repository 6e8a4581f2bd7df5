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
# The scheduler: a parent of 512 MiB, so eight 64M vGPUs fill it.
insmod "$ko" vram_mb=512
echo
tools/mdgpu-schedbench sim0
rmmod mdgpu
echo "=== end of bench"
