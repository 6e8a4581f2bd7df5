#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs inside the test VM for selftests/long-vm.sh: loads mdgpu with
# PARAMS, runs the selftest PROGRAM with the VAR=VALUE environment, unloads
# mdgpu and has kmemleak scan (where the kernel has it), so a leak shows in
# the log the harness checks.
#
# usage: long-guest.sh KO_DIR PARAMS PROGRAM [VAR=VALUE...]
set -uo pipefail

ko_dir=$1 params=$2 prog=$3
shift 3
rc=0
# shellcheck disable=SC2086 # the parameters are words
insmod "$ko_dir/mdgpu.ko" $params || exit 1
echo "MDGPU-TAP-BEGIN kselftest $prog"
env "$@" "build/selftests/$prog" 2>&1 || rc=1
echo "MDGPU-TAP-END $prog"
rmmod mdgpu || rc=1
[ ! -e /sys/class/mdgpu ] || rc=1
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak
fi
exit $rc
