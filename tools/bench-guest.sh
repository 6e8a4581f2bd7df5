#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The guest half of `make bench` (runs inside the VM as root).
set -euo pipefail

ko=$1
mtty_ko=$2
echo "=== mdgpu bench on Linux $(uname -r), $(nproc) vCPUs under QEMU TCG"
insmod "$ko"
insmod "$mtty_ko"
u=$(cat /proc/sys/kernel/random/uuid)
m=$(cat /proc/sys/kernel/random/uuid)
echo "$u" >/sys/class/mdgpu/sim0/mdev_supported_types/mdgpu-64M/create
echo "$m" >/sys/class/mtty/mtty/mdev_supported_types/mtty-1/create
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
