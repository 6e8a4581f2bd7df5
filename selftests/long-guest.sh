#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs inside the test VM for selftests/long-vm.sh: loads mdgpu with
# PARAMS, runs the selftest PROGRAM with the VAR=VALUE environment, unloads
# mdgpu and has kmemleak scan (where the kernel has it), so a leak shows in
# the log the harness checks. With MDGPU_STRESS_RELOADS=N among the
# variables, it then reloads the module with instances N times in between
# (module_lifecycle's unload_removes_instances: two loads, four instances,
# one of them used, unloaded with them), reported as the TAP block
# "module_reload".
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
reloads=0
for v in "$@"; do
	case "$v" in MDGPU_STRESS_RELOADS=*) reloads=${v#*=} ;; esac
done
if [ "$reloads" -gt 0 ]; then
	echo "MDGPU-TAP-BEGIN kselftest module_reload"
	echo "TAP version 13"
	echo "1..1"
	start=$(date +%s) bad=0 i=0
	while [ "$i" -lt "$reloads" ]; do
		out=$(MDGPU_KO="$ko_dir/mdgpu.ko" build/selftests/module_lifecycle \
			-t unload_removes_instances 2>&1) || { bad=$((bad + 1)); echo "$out" | sed 's/^/# /'; }
		i=$((i + 1))
	done
	echo "# $reloads runs of unload_removes_instances ($((2 * reloads)) loads with instances), $bad failed, in $(($(date +%s) - start)) s"
	if [ "$bad" -eq 0 ]; then echo "ok 1 module_reload"; else echo "not ok 1 module_reload"; rc=1; fi
	echo "# Totals: pass:$((bad == 0)) fail:$((bad != 0)) xfail:0 xpass:0 skip:0 error:0"
	echo "MDGPU-TAP-END module_reload"
fi
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak
fi
exit $rc
