#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs inside the test VM (see selftests/vm/run-vm.sh): the KUnit suites,
# where the kernel has KUnit, then the kselftests.
#
# usage: guest-check.sh KO_DIR   (the directory holding mdgpu.ko)
set -uo pipefail

ko_dir=$1
rc=0

if [ -f "$ko_dir/mdgpu_kunit.ko" ]; then
	dmesg -C
	if insmod "$ko_dir/mdgpu_kunit.ko"; then
		echo "MDGPU-TAP-BEGIN ktap kunit"
		dmesg --notime | sed -n '/KTAP version\|# Subtest: mdgpu/,$p'
		echo "MDGPU-TAP-END kunit"
		rmmod mdgpu_kunit || rc=1
		dmesg --notime | grep -q '^not ok' && rc=1
	else
		echo "MDGPU-TAP-BEGIN ktap kunit"
		echo "not ok 1 mdgpu_kunit # insmod failed"
		echo "MDGPU-TAP-END kunit"
		rc=1
	fi
fi

bash selftests/run-guest.sh "$ko_dir/mdgpu.ko" || rc=1
bash tools/mdgpuctl/vm-test.sh "$ko_dir/mdgpu.ko" || rc=1
exit $rc
