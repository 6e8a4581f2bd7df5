#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run.sh - run the libFuzzer harnesses of mdgpu's pure decoders.
#
# Usage: run.sh [--check] [HARNESS...]
#
#   (default)  make fuzz: fuzz each harness for FUZZ_SECONDS (default 60)
#              seconds, one at a time, starting from its seeds in corpus/
#              and the inputs earlier runs kept in build/fuzz/corpus/.
#              Then it measures the source coverage of the decoder's own
#              files (llvm-cov: lines and branches of drivers/NAME.c, and
#              include/mdgpu_regs.h for reg_table) by replaying the corpus.
#   --check    make check: a short pass with a fixed seed, -seed=1
#              -runs=FUZZ_RUNS (default 100000) from the seeds alone. Every
#              seed runs every time; the mutations after them vary a little
#              from run to run (libFuzzer's features are not all
#              deterministic), so a failure keeps its input to replay.
#
# Prints TAP (kselftest ktap_helpers.sh): one result per harness, failed if
# it crashed, broke an invariant or a sanitizer reported. A diagnostic line
# per harness gives its executions, time, coverage (libFuzzer's cov: edges
# reached, and ft: features) and corpus size. Crashing inputs are kept as
# build/fuzz/crash-HARNESS-*; the log of each run is build/fuzz/logs/.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
# shellcheck source=../vm/lib.sh
. "$repo/selftests/vm/lib.sh"
ktap=$(mdgpu_ktap_helpers) || exit 1
# shellcheck disable=SC1090
. "$ktap"

check=0
if [ "${1:-}" = --check ]; then
	check=1
	shift
fi
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(cfg_space reg_table cmd ring display_mode)
out=$repo/build/fuzz
seconds=${FUZZ_SECONDS:-60}
runs=${FUZZ_RUNS:-100000}

# source_coverage HARNESS CORPUS: replay the corpus and the seeds through
# the coverage build; print the decoder's line and branch coverage.
source_coverage() {
	local h=$1 corpus=$2 prof=$out/cov/$1 srcs=("$repo/drivers/$1.c") total

	[ "$h" = reg_table ] && srcs+=("$repo/include/mdgpu_regs.h")
	rm -f "$prof.profraw"
	LLVM_PROFILE_FILE=$prof.profraw "$out/cov/fuzz_$h" -runs=0 \
		"$corpus" "$here/corpus/$h" >"$out/logs/$h-cov.log" 2>&1 &&
	llvm-profdata-14 merge -sparse "$prof.profraw" -o "$prof.profdata" &&
	total=$(llvm-cov-14 report "$out/cov/fuzz_$h" \
		-instr-profile="$prof.profdata" "${srcs[@]}" | grep '^TOTAL') ||
		{ ktap_print_msg "$h: source coverage could not be measured"; return; }
	# TOTAL regions missed % functions missed % lines missed % branches missed %
	read -r _ _ _ _ _ _ _ lines lmiss lpct br bmiss bpct <<<"$total"
	ktap_print_msg "$h: ${srcs[*]##*/}: lines $((lines - lmiss))/$lines ($lpct)," \
		"branches $((br - bmiss))/$br ($bpct)"
}

ktap_print_header
bash "$repo/selftests/vm/deps.sh" fuzz >&2 ||
	ktap_exit_fail_msg "installing clang-14 and libclang-rt-14-dev failed"
targets=(all)
[ $check -eq 1 ] || targets+=(cov)
make -s -C "$here" OUT="$out" "${targets[@]}" >"$out.build.log" 2>&1 || {
	sed 's/^/# /' "$out.build.log"
	ktap_exit_fail_msg "the harnesses do not build"
}
mkdir -p "$out/logs"
ktap_set_plan ${#harnesses[@]}

for h in "${harnesses[@]}"; do
	log=$out/logs/$h.log
	opts=(-print_final_stats=1 -timeout=10 -use_value_profile=1
	      -artifact_prefix="$out/crash-$h-")
	if [ $check -eq 1 ]; then
		# New inputs go to a scratch directory, never into the repo.
		work=$(mktemp -d)
		opts+=(-seed=1 -runs="$runs")
	else
		work=$out/corpus/$h
		mkdir -p "$work"
		opts+=(-max_total_time="$seconds")
	fi
	start=$(mdgpu_now)
	"$out/fuzz_$h" "${opts[@]}" "$work" "$here/corpus/$h" >"$log" 2>&1
	rc=$?
	secs=$(mdgpu_elapsed "$start")
	[ $check -eq 1 ] && rm -rf "$work"
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)
	cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")
	corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$done_line")
	ktap_print_msg "$h: ${execs:-?} execs in $secs s, cov ${cov:-?}," \
		"ft ${ft:-?}, corpus ${corp:-?}"
	[ $check -eq 1 ] || source_coverage "$h" "$work"
	if [ $rc -eq 0 ] && [ -n "$execs" ]; then
		ktap_test_pass "fuzz_$h"
	else
		grep -E 'invariant broken|ERROR: |runtime error|SUMMARY|Test unit written' \
			"$log" | head -n 20 | sed 's/^/# /'
		ktap_test_fail "fuzz_$h (exit $rc, log $log)"
	fi
done

ktap_finished
