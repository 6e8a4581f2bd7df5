#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs inside the test VM (see selftests/vm/run-vm.sh): the KUnit suites,
# where the kernel has KUnit (mdgpu_kunit.ko, then mdgpu_sched_kunit.ko on
# mdgpu.ko), then the kselftests.
#
# usage: guest-check.sh KO_DIR [TEST...]
#   KO_DIR: the directory holding mdgpu.ko; TESTs: run only these ("kunit",
#   "mdgpuctl" (both mdgpuctl VM tests), "mdgpuctl-migration" or a selftest
#   program; default: everything)
set -uo pipefail

ko_dir=$1
shift
rc=0
only=" $* "

# wanted NAME: NAME is to run.
wanted() {
	[ "$only" = "  " ] || [ "${only/ $1 /}" != "$only" ]
}

if [ -f "$ko_dir/mdgpu_kunit.ko" ] && wanted kunit; then
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

# The scheduler's suites call mdgpu.ko's scheduler: mdgpu.ko first.
if [ -f "$ko_dir/mdgpu_sched_kunit.ko" ] && wanted kunit; then
	echo "MDGPU-TAP-BEGIN ktap kunit-sched"
	if insmod "$ko_dir/mdgpu.ko"; then
		dmesg -C
		if insmod "$ko_dir/mdgpu_sched_kunit.ko"; then
			dmesg --notime | sed -n '/KTAP version\|# Subtest: mdgpu/,$p'
			rmmod mdgpu_sched_kunit || rc=1
			dmesg --notime | grep -q '^not ok' && rc=1
		else
			echo "not ok 1 mdgpu_sched_kunit # insmod failed"
			rc=1
		fi
		rmmod mdgpu || rc=1
	else
		echo "not ok 1 mdgpu_sched_kunit # insmod mdgpu.ko failed"
		rc=1
	fi
	echo "MDGPU-TAP-END kunit-sched"
fi

progs=()
for t in "$@"; do
	[ "$t" = kunit ] || [ "$t" = mdgpuctl ] ||
		[ "$t" = mdgpuctl-migration ] || progs+=("$t")
done
if [ "$only" = "  " ] || [ ${#progs[@]} -gt 0 ]; then
	bash selftests/run-guest.sh "$ko_dir/mdgpu.ko" ${progs[@]+"${progs[@]}"} ||
		rc=1
fi
if wanted mdgpuctl; then
	bash tools/mdgpuctl/vm-test.sh "$ko_dir/mdgpu.ko" || rc=1
fi
if wanted mdgpuctl || wanted mdgpuctl-migration; then
	bash tools/mdgpuctl/vm-test-migration.sh "$ko_dir/mdgpu.ko" || rc=1
fi
exit $rc
