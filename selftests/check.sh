#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make check: build mdgpu for every kernel of the VM harness, boot each
# kernel under QEMU, run the KUnit and kselftest suites in it, and sum the
# results into one line "N passed, N failed, N skipped".
#
# Environment: MDGPU_KERNELS (default "stock-6.12 stock-6.1 debug"),
# MDGPU_CACHE (default /var/cache/mdgpu), MDGPU_VM_TIMEOUT (seconds per VM),
# MDGPU_LINT (default 1; 0 skips tools/lint.sh), MDGPU_TESTS (default: all;
# else the VM runs only these: "kunit", "mdgpuctl", selftest program names).
set -uo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
kernels=${MDGPU_KERNELS:-stock-6.12 stock-6.1 debug}
logdir=$repo/build/logs
mkdir -p "$logdir"
rm -f "$logdir"/*.log

say() { printf 'check: %s\n' "$*"; }

bash selftests/vm/deps.sh vm build debug fuzz monitoring sparse rsync make gcc \
	libc6-dev libjson-c-dev libsmartcols-dev uuid-dev libpng-dev jq mdevctl libcurl4-openssl-dev ||
	{ say "installing dependencies failed"; exit 1; }

say "building selftests and tools"
make -s -C selftests || { say "selftests do not build"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
make -s -C tools all || { say "tools do not build"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

# host_tap NAME DESC CMD...: run a host test suite that prints TAP, keep
# its output in build/logs/NAME.log and print its results.
host_tap() {
	local name=$1
	say "$2"
	shift 2
	{
		echo "MDGPU-TAP-BEGIN kselftest $name"
		"$@" 2>&1
		echo "MDGPU-TAP-END $name"
	} >"$logdir/$name.log"
	bash selftests/vm/count-results.sh -v "$logdir/$name.log" | sed "s/^/check: [host] /"
}

host_tap mdgpuctl-unit "mdgpuctl unit tests (fake sysfs trees, on the host)" \
	make -s -C tools/mdgpuctl check
host_tap balancer-unit "mdgpu-balancer unit tests: decision logic, fake sysfs, mutations (on the host)" \
	make -s -C tools/balancer check
host_tap libmdgpu-unit "libmdgpu unit tests (regions at reported offsets, on the host)" \
	make -s -C tools check
host_tap monitoring "monitoring tests: metrics vs the ABI, promtool, rules, dashboard (on the host)" \
	make -s -C tools/monitoring check

# A short, fixed-seed pass of each decoder fuzzer (make fuzz runs long ones).
say "decoder fuzzers, short fixed-seed pass (on the host)"
{
	echo "MDGPU-TAP-BEGIN kselftest fuzz"
	bash selftests/fuzz/run.sh --check 2>&1
	echo "MDGPU-TAP-END fuzz"
} >"$logdir/fuzz.log"
grep '^# [a-z_]*: [0-9]* execs' "$logdir/fuzz.log" | sed "s/^# /check: [host] fuzz /"
bash selftests/vm/count-results.sh -v "$logdir/fuzz.log" | sed "s/^/check: [host] /"

# W=1, sparse and checkpatch --strict (tools/lint.sh): one result.
lint_passed=0
lint_failed=0
if [ "${MDGPU_LINT:-1}" = 0 ]; then
	say "[lint] skipped (MDGPU_LINT=0)"
elif say "lint: W=1 + sparse on both stock kernels, checkpatch --strict" &&
	bash tools/lint.sh >"$logdir/lint.txt" 2>&1; then
	lint_passed=1
	say "[lint] clean"
else
	lint_failed=1
	grep -v '^lint: ' "$logdir/lint.txt" | head -n 40
	say "[lint] findings (log: $logdir/lint.txt)"
fi

# The build probes must decide, or fail the build (on the host).
say "probe.sh tests (both stock kernels' headers, a broken header)"
{
	echo "MDGPU-TAP-BEGIN kselftest probes"
	bash selftests/probes/probe-test.sh 2>&1
	echo "MDGPU-TAP-END probes"
} >"$logdir/probes.log"
bash selftests/vm/count-results.sh -v "$logdir/probes.log" | sed "s/^/check: [host] /"

# The script behind the persistent parent settings' udev rule (on the host).
say "mdgpu-parent-setup tests (fake sysfs)"
{
	echo "MDGPU-TAP-BEGIN kselftest parent-setup"
	bash tools/udev/test-parent-setup.sh 2>&1
	echo "MDGPU-TAP-END parent-setup"
} >"$logdir/parent-setup.log"
bash selftests/vm/count-results.sh -v "$logdir/parent-setup.log" | sed "s/^/check: [host] /"

vm_failed=0
for k in $kernels; do
	log=$logdir/$k.log
	say "[$k] preparing kernel"
	if ! kd=$(bash selftests/vm/kernel.sh "$k" | tail -n 1) || [ ! -d "$kd" ]; then
		say "[$k] kernel preparation failed"
		vm_failed=$((vm_failed + 1))
		continue
	fi
	kdir=$(cat "$kd/kdir")
	bdir=$repo/build/$k
	say "[$k] building mdgpu.ko against $kdir"
	if ! make -s KDIR="$kdir" BUILD="$bdir" W=1 module >"$logdir/$k-build.txt" 2>&1; then
		cat "$logdir/$k-build.txt"
		say "[$k] module build failed"
		vm_failed=$((vm_failed + 1))
		continue
	fi
	if grep -q 'warning:' "$logdir/$k-build.txt"; then
		grep 'warning:' "$logdir/$k-build.txt"
		say "[$k] module build has warnings (W=1)"
		vm_failed=$((vm_failed + 1))
	fi
	ko_dir=$(dirname "$(find "$bdir" -name mdgpu.ko | head -n 1)")
	say "[$k] running tests in the VM (log: $log)"
	# The debug kernel runs the same tests 3-5x slower (KASAN, lockdep,
	# kmemleak under TCG): 1800 s was reached at load 23.
	vm_timeout=1800
	[ "$k" = debug ] && vm_timeout=2700
	start=$(date +%s)
	bash selftests/vm/run-vm.sh --kernel "$kd" --log "$log" \
		--timeout "${MDGPU_VM_TIMEOUT:-$vm_timeout}" \
		--script selftests/guest-check.sh -- "$ko_dir" ${MDGPU_TESTS:-}
	rc=$?
	say "[$k] VM finished with status $rc in $(($(date +%s) - start)) s"
	if [ $rc -ne 0 ]; then
		vm_failed=$((vm_failed + 1))
	fi
	bash selftests/vm/count-results.sh -v "$log" | sed "s/^/check: [$k] /"
	# The slowest programs of this kernel, to keep make check's budget.
	grep -aoE 'run-guest: time [a-z0-9_@-]+ [0-9]+ ms' "$log" |
		sort -k4,4nr | head -n 5 | awk -v k="$k" \
		'{ printf "check: [%s] time %s %.0f s\n", k, $3, $4 / 1000 }'
done

# One line per kernel above; the total, with every failed VM or build counted
# as one more failure, last.
total=$(bash selftests/vm/count-results.sh "$logdir"/*.log 2>/dev/null | tail -n 1)
read -r p _ f _ s _ <<<"$(echo "$total" | tr -d ',')"
p=$(( ${p:-0} + lint_passed ))
f=$(( ${f:-0} + vm_failed + lint_failed ))
echo "$p passed, $f failed, ${s:-0} skipped"
[ "$f" -eq 0 ]
