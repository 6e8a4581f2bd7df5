#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run-guest.sh - run mdgpu's kselftests inside a test VM, as root.
#
# Usage: run-guest.sh KO_PATH [PROGRAM...]
#
# For each test program: load KO_PATH with the parameters that program
# wants, run it with its output between
#
#   MDGPU-TAP-BEGIN kselftest <program>
#   MDGPU-TAP-END <program>
#
# and unload the module again, which must work and leave nothing behind.
# Then the programs of pci_programs once more, as PROG@pci, on the VM's PCI
# device bound as a PCI parent (MDGPU_PARENT names it; see below), some
# in a reduced form (pci_args).
# module_lifecycle runs with the module unloaded and loads it itself. The
# loads and unloads are reported at the end as one more TAP block,
# "run-guest". Exits non-zero if any program or any of those steps failed.
#
# The programs are built on the host (make -C selftests) into
# build/selftests/, or MDGPU_SELFTESTS_BIN. With PROGRAMs, only those run
# (make check passes MDGPU_TESTS here): PROG on sim0, PROG@pci on the PCI
# parent.

set -uo pipefail

if [ $# -lt 1 ]; then
	sed -n '3,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit 2
fi
ko=$(realpath -e "$1") || { echo "run-guest: no module at $1" >&2; exit 2; }
shift
only=" $* "
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
bin=${MDGPU_SELFTESTS_BIN:-$repo/build/selftests}
# shellcheck source=selftests/pci-parent.sh
. "$repo/selftests/pci-parent.sh"

# program, then the module parameters it runs with ("-": not loaded).
programs=(
	sysfs_lifecycle "parents=2 vram_mb=1024"
	vfio_device "vram_mb=1024"
	vfio_display "vram_mb=1024"
	vfio_config "vram_mb=1024"
	vfio_irq "vram_mb=1024"
	fail_nth "vram_mb=256"
	engine_cmds "vram_mb=1024"
	engine_errors "vram_mb=1024"
	engine_lifecycle "vram_mb=1024"
	engine_limits "vram_mb=1024"
	uapi_fuzz "vram_mb=1024"
	stress "vram_mb=2048"
	fault_inject "parents=4 vram_mb=256"
	sched_share "vram_mb=512"
	vram_dirty "vram_mb=256"
	migration "parents=2 vram_mb=512"
	relocate "vram_mb=512"
	pci_parent "vram_mb=256"
	scale "vram_mb=16384"
	vram_lazy "vram_mb=1024"
	oversub "vram_mb=256"
	reserve "vram_mb=256"
	module_lifecycle "-"
)

# The programs that also run on the PCI parent (make check's set: the tests
# of VRAM, mappings, config space, interrupts, display, the engine, dirty
# tracking, relocation, migration and the lifecycle), as
# PROG@pci: the module is loaded once for all of them with sim0 beside, the
# VM's ivshmem-plain device is bound as a PCI parent (pci-parent.sh), and
# each program works on it (MDGPU_PARENT=<its PCI address>). A test that
# cannot apply there SKIPs with the reason.
pci_programs=(
	vfio_device vfio_display engine_cmds engine_lifecycle
	vfio_config vfio_irq engine_errors engine_limits vram_dirty vram_lazy
	sysfs_lifecycle relocate migration
)
pci_params="parents=1 vram_mb=256"
# Kselftest harness arguments of a PROG@pci run (-v VARIANT, -t TEST: only
# those), for the programs that run a reduced form on the PCI parent to
# stay within make check's budget; testing.rst says which and why.
declare -A pci_args=(
	[engine_errors]="-v opcode -v range_fill -v range_copy_dst
		-v range_dma_vram -v dma_unmapped_iova -v dma_past_mapping_end
		-v dma_after_unmap -v overlap_copy -v ring_outside_vram
		-v ring_tail_past_end"
	[migration]="-t flags_and_compat -t stop_copy_stream -t data_size
		-t roundtrip_same_parent -t roundtrip_other_parent
		-t mid_fill_other_parent -t reset_during_stop_copy
		-t close_without_resume_discards"
)

# The most one program may take (s), above the slowest's time on the
# debug kernel under load.
prog_timeout=${MDGPU_PROG_TIMEOUT:-1200}

# Results of the runner's own steps, printed as TAP at the end.
steps=()
failed=0

step() {
	local ok=$1
	shift
	if [ "$ok" -eq 0 ]; then
		steps+=("ok $*")
	else
		steps+=("not ok $*")
		failed=1
	fi
}

loaded() {
	[ -d /sys/module/mdgpu ]
}

# Unload mdgpu; it must go away completely.
unload() {
	local why=$1 out rc
	out=$(rmmod mdgpu 2>&1)
	rc=$?
	[ -n "$out" ] && printf '# rmmod: %s\n' "$out"
	step "$rc" "rmmod mdgpu after $why"
	step "$( ! loaded && [ ! -e /sys/class/mdgpu ]; echo $?)" \
		"nothing of mdgpu left after $why"
}

if [ "$(id -u)" -ne 0 ]; then
	echo "run-guest: must run as root (inside the test VM)" >&2
	exit 2
fi
# fail_nth needs debugfs; the VM harness normally mounts it already.
mountpoint -q /sys/kernel/debug ||
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null || true
if loaded; then
	unload "an earlier run"
fi

# run_block LABEL PROG [PARENT [ARGS]]: run PROG as TAP block LABEL, on
# PARENT (MDGPU_PARENT) if given, with the harness arguments ARGS.
run_block() {
	local label=$1 prog=$2 parent=${3:-} args=${4:-} rc t0 t1

	echo "MDGPU-TAP-BEGIN kselftest $label"
	t0=$(date +%s%N)
	# shellcheck disable=SC2086 # the arguments are words
	MDGPU_KO=$ko MDGPU_PARENT=$parent timeout -k 10 "$prog_timeout" \
		"$bin/$prog" $args 2>&1
	rc=$?
	t1=$(date +%s%N)
	echo "MDGPU-TAP-END $label"
	# A program stuck for longer than any takes (the slowest, debug's
	# module_lifecycle, about 440 s): every task's state to the kernel
	# log, where to look, and the programs after it still run.
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "run-guest: $label did not finish in $prog_timeout s; the blocked tasks:"
		echo t >/proc/sysrq-trigger 2>/dev/null
	fi
	# Where make check's time goes (check.sh prints these after the run).
	echo "run-guest: time $label $(((t1 - t0) / 1000000)) ms"
	# The harness exits 0 when everything passed, 4 when all skipped.
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 4 ]; then
		echo "run-guest: $label exited with status $rc"
		failed=1
	fi
}

# load PARAMS WHY: insmod with PARAMS; 0 if it worked.
load() {
	local out rc

	# shellcheck disable=SC2086 # the parameters are words
	out=$(insmod "$ko" $1 2>&1)
	rc=$?
	[ -n "$out" ] && printf '# insmod: %s\n' "$out"
	step "$rc" "insmod mdgpu.ko $1 for $2"
	return "$rc"
}

echo "run-guest: kernel ${MDGPU_KERNEL_RELEASE:-$(uname -r)}, module $ko"
for ((i = 0; i < ${#programs[@]}; i += 2)); do
	prog=${programs[i]}
	params=${programs[i + 1]}
	if [ "$only" != "  " ] && [ "${only/ $prog /}" = "$only" ]; then
		continue
	fi
	if [ ! -x "$bin/$prog" ]; then
		step 1 "$prog is built (run make -C selftests on the host)"
		continue
	fi
	if [ "$params" != "-" ]; then
		load "$params" "$prog" || continue
	fi
	run_block "$prog" "$prog"
	if [ "$params" != "-" ]; then
		unload "$prog"
	elif loaded; then
		step 1 "$prog left mdgpu unloaded"
		unload "$prog"
	else
		step 0 "$prog left mdgpu unloaded"
	fi
done

# The PCI parent's programs, PROG@pci, all on one load and one bind (the
# bind zeroes the whole BAR, seconds under TCG). Each program leaves the
# parent as it found it, or the next one fails its setup.
# Without PROGRAMs pci_programs; with them, every PROG@pci among them.
pci_run=()
pci_want=("${pci_programs[@]}")
if [ "$only" != "  " ]; then
	pci_want=()
	for t in $only; do
		[ "${t%@pci}" = "$t" ] || pci_want+=("${t%@pci}")
	done
fi
for prog in ${pci_want[@]+"${pci_want[@]}"}; do
	if [ ! -x "$bin/$prog" ]; then
		step 1 "$prog is built (run make -C selftests on the host)"
		continue
	fi
	pci_run+=("$prog")
done
pci=
[ ${#pci_run[@]} -eq 0 ] || pci=$(mdgpu_pci_find)
if [ ${#pci_run[@]} -gt 0 ] && [ -z "$pci" ]; then
	for prog in "${pci_run[@]}"; do
		echo "MDGPU-TAP-BEGIN kselftest $prog@pci"
		echo "TAP version 13"
		echo "1..1"
		echo "ok 1 $prog@pci # SKIP no ivshmem-plain device (1af4:1110) in this VM"
		echo "MDGPU-TAP-END $prog@pci"
	done
elif [ ${#pci_run[@]} -gt 0 ] && load "$pci_params" "the PCI parent"; then
	t0=$(date +%s%N)
	out=$(mdgpu_pci_bind "$pci" 2>&1)
	rc=$?
	t1=$(date +%s%N)
	[ -n "$out" ] && printf '# bind: %s\n' "$out"
	step "$rc" "bind $pci to mdgpu (PCI parent)"
	echo "run-guest: time bind@pci $(((t1 - t0) / 1000000)) ms"
	if [ "$rc" -eq 0 ]; then
		for prog in "${pci_run[@]}"; do
			run_block "$prog@pci" "$prog" "$pci" \
				"${pci_args[$prog]:-}"
		done
	fi
	out=$(mdgpu_pci_unbind "$pci" 2>&1)
	rc=$?
	[ -n "$out" ] && printf '# unbind: %s\n' "$out"
	step "$rc" "unbind $pci from mdgpu"
	unload "the PCI parent's programs"
fi

echo "MDGPU-TAP-BEGIN kselftest run-guest"
echo "TAP version 13"
echo "1..${#steps[@]}"
pass=0
fail=0
for ((i = 0; i < ${#steps[@]}; i++)); do
	line=${steps[i]}
	if [ "${line#not ok }" != "$line" ]; then
		echo "not ok $((i + 1)) ${line#not ok }"
		fail=$((fail + 1))
	else
		echo "ok $((i + 1)) ${line#ok }"
		pass=$((pass + 1))
	fi
done
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
echo "MDGPU-TAP-END run-guest"

exit "$failed"
