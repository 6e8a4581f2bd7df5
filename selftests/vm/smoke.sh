#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# smoke.sh - guest script that checks the VM harness itself.
#
# Run it with: run-vm.sh --kernel "$(selftests/vm/kernel.sh NAME)" \
#                        --script selftests/vm/smoke.sh [--outdir DIR]
#
# It checks what every mdgpu guest script relies on: the kernel is the one
# asked for, the VFIO stack is loaded, /dev/vfio exists, the repository is
# the working directory, writable scratch space exists and, with --outdir,
# that a file written in the guest shows up on the host. It also prints a
# fixed kselftest TAP block (2 passed, 1 skipped) and a KTAP block (2 passed,
# 1 failed, 1 skipped) so count-results.sh can be checked against the log:
# a clean smoke run counts "4 passed, 1 failed, 2 skipped".

set -euo pipefail

fails=0
check() {
	local what=$1
	shift
	if "$@"; then
		echo "smoke: ok: $what"
	else
		echo "smoke: FAILED: $what"
		fails=$((fails + 1))
	fi
}

echo "smoke: uname -r: $(uname -r)"
check "running kernel is $MDGPU_KERNEL_RELEASE" \
	test "$(uname -r)" = "$MDGPU_KERNEL_RELEASE"
check "cwd is the repository root" test -f selftests/vm/smoke.sh

# mdev only appears under /sys/module once something loaded it.
[ -d /sys/module/mdev ] || modprobe -d "$MDGPU_MODDIR" mdev || true
check "/sys/module/vfio exists" test -d /sys/module/vfio
check "/sys/module/mdev exists" test -d /sys/module/mdev
check "/dev/vfio/vfio exists" test -c /dev/vfio/vfio
echo "smoke: ls -l /dev/vfio:"
ls -l /dev/vfio
check "modprobe can see the kernel's modules" \
	test -f "$MDGPU_MODDIR/lib/modules/$MDGPU_KERNEL_RELEASE/modules.dep"
check "/tmp is writable" touch /tmp/smoke
check "debugfs is mounted" test -d /sys/kernel/debug/block -o \
	-e /sys/kernel/debug/kmemleak -o -d /sys/kernel/debug/kunit -o \
	-d /sys/kernel/debug/dri
# The debug kernel must provide what the tests it exists for rely on.
if [[ "$MDGPU_KERNEL_RELEASE" == *-mdgpu-debug ]]; then
	check "debug: /dev/iommu (iommufd) exists" test -c /dev/iommu
	check "debug: fail-nth exists" test -e "/proc/self/task/$$/fail-nth"
	check "debug: kmemleak is on" test -e /sys/kernel/debug/kmemleak
	check "debug: KUnit debugfs exists" test -d /sys/kernel/debug/kunit
	check "debug: failslab exists" test -d /sys/kernel/debug/failslab
	check "debug: dma-buf system heap exists" test -c /dev/dma_heap/system
	check "debug: mtty sample module loads" \
		modprobe -d "$MDGPU_MODDIR" mtty
fi
if [ -n "${MDGPU_OUTDIR:-}" ]; then
	write_outdir() {
		uname -r >"$MDGPU_OUTDIR/smoke-uname.txt"
	}
	check "output directory is writable" write_outdir
fi

echo "MDGPU-TAP-BEGIN kselftest smoke-kselftest"
cat <<'EOF'
TAP version 13
1..3
# Starting 3 tests from 1 test cases.
#  RUN           smoke.first ...
#            OK  smoke.first
ok 1 smoke.first
#  RUN           smoke.second ...
#      SKIP      nothing to do here
#            OK  smoke.second
ok 2 smoke.second # SKIP nothing to do here
#  RUN           smoke.third ...
#            OK  smoke.third
ok 3 smoke.third
# PASSED: 3 / 3 tests passed.
# Totals: pass:2 fail:0 xfail:0 xpass:0 skip:1 error:0
EOF
echo "MDGPU-TAP-END smoke-kselftest"

echo "MDGPU-TAP-BEGIN ktap smoke-kunit"
cat <<'EOF'
[   12.000001] KTAP version 1
[   12.000002] 1..1
[   12.000003]     KTAP version 1
[   12.000004]     # Subtest: smoke_suite
[   12.000005]     # module: smoke
[   12.000006]     1..4
[   12.000007]     ok 1 smoke_pass_one
[   12.000008]     ok 2 smoke_pass_two
[   12.000009]     # smoke_fail: EXPECTATION FAILED at smoke.c:1
[   12.000010]     not ok 3 smoke_fail
[   12.000011]     ok 4 smoke_skip # SKIP not applicable
[   12.000012] # smoke_suite: pass:2 fail:1 skip:1 total:4
[   12.000013] not ok 1 smoke_suite
EOF
echo "MDGPU-TAP-END smoke-kunit"

if [ "$fails" -ne 0 ]; then
	echo "smoke: $fails check(s) failed"
	exit 1
fi
echo "smoke: all checks passed"
