# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# pci-parent.sh - make the test VM's PCI device a PCI parent of mdgpu, and
# undo it. Sourced (not run) by the scripts that run tests on the PCI
# parent: selftests/run-guest.sh.
#
# Every test VM has one QEMU ivshmem-plain device (1af4:1110; run-vm.sh
# --ivshmem MB) whose BAR2 becomes the parent's VRAM. mdgpu binds only when
# asked, the documented way (drivers/pci_parent.c): driver_override, then
# drivers_probe.
#
#   mdgpu_pci_find           print the device's PCI address; 1 if none
#   mdgpu_pci_bind ADDR      bind ADDR to mdgpu (mdgpu.ko loaded); 0 once
#                            its mdev_supported_types/ is there
#   mdgpu_pci_unbind ADDR    unbind ADDR from mdgpu if bound and clear
#                            driver_override; 0 once nothing is bound

MDGPU_PCI_VENDOR=0x1af4
MDGPU_PCI_DEVICE=0x1110

mdgpu_pci_find() {
	local d

	for d in /sys/bus/pci/devices/*; do
		if [ "$(cat "$d/vendor" 2>/dev/null)" = "$MDGPU_PCI_VENDOR" ] &&
		   [ "$(cat "$d/device" 2>/dev/null)" = "$MDGPU_PCI_DEVICE" ]; then
			echo "${d##*/}"
			return 0
		fi
	done
	return 1
}

mdgpu_pci_bind() {
	local d=/sys/bus/pci/devices/$1

	echo mdgpu >"$d/driver_override" &&
		echo "$1" >/sys/bus/pci/drivers_probe &&
		[ -d "$d/mdev_supported_types" ]
}

mdgpu_pci_unbind() {
	local d=/sys/bus/pci/devices/$1

	if [ "$(basename "$(readlink "$d/driver" 2>/dev/null)")" = mdgpu ]; then
		echo "$1" >/sys/bus/pci/drivers/mdgpu/unbind || return 1
	fi
	echo >"$d/driver_override" && [ ! -e "$d/driver" ]
}
