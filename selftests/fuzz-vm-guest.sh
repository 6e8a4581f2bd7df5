#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs inside the test VM for make fuzz-vm: loads mdgpu, runs the uAPI
# fuzzer with OPS operations per thread and SEED, unloads mdgpu.
#
# usage: fuzz-vm-guest.sh KO_DIR OPS SEED
set -uo pipefail

ko_dir=$1
rc=0
insmod "$ko_dir/mdgpu.ko" vram_mb=1024 || exit 1
echo "MDGPU-TAP-BEGIN kselftest uapi_fuzz"
MDGPU_FUZZ_OPS=$2 MDGPU_FUZZ_SEED=$3 build/selftests/uapi_fuzz 2>&1 || rc=1
echo "MDGPU-TAP-END uapi_fuzz"
rmmod mdgpu || rc=1
[ ! -e /sys/class/mdgpu ] || rc=1
# kmemleak: scan now, so a leak shows in the log the harness checks
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak
fi
exit $rc
