#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# count-results.sh - count test results in VM console logs.
#
# Usage: count-results.sh [-v] LOGFILE...
#
# Guest scripts wrap each test program's output in
#
#   MDGPU-TAP-BEGIN <kind> <label>
#   ...
#   MDGPU-TAP-END <label>
#
# where <kind> is
#
#   kselftest  TAP 13 from kselftest_harness.h. The top-level "ok N" and
#              "not ok N" lines count; "# SKIP" makes a result skipped;
#              other "#" lines are diagnostics. Results missing from the
#              plan ("1..N") count as failed, and so do a block with no
#              plan and no "# Totals:" line (the program died early) and
#              each "Bail out!" line.
#   ktap       KUnit KTAP taken from dmesg, with or without timestamps. Only
#              leaf results count: test cases (and parameters of
#              parameterised cases), not the suite lines that summarise
#              them. "# SKIP" makes a result skipped. A block without any
#              result counts as one failure, and so do suites announced in
#              the top-level plan that never reported.
#
# A block cut short (next BEGIN or end of file without END) is closed where
# it stops. Carriage returns from the serial console and lines of kernel
# noise are ignored. Prints "N passed, N failed, N skipped" as the last
# line; with -v, first one line per failed or skipped test. Always exits 0:
# the caller decides what the numbers mean.

set -euo pipefail

verbose=0
if [ "${1:-}" = "-v" ]; then
	verbose=1
	shift
fi
if [ $# -eq 0 ] || [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
	sed -n '4,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit 0
fi

logs=()
for f in "$@"; do
	if [ -r "$f" ] && [ -f "$f" ]; then
		logs+=("$f")
	else
		echo "count-results.sh: cannot read $f, skipped" >&2
	fi
done

awk -v verbose="$verbose" '
function report(what, desc) {
	if (verbose)
		printf "%s %s: %s\n", what, label, desc
}

function count(res, desc) {
	if (res == "pass") {
		pass++
	} else if (res == "skip") {
		skip++
		report("SKIP", desc)
	} else {
		fail++
		report("FAIL", desc)
	}
}

# Classify a result line already stripped of indentation.
function classify(line,   d) {
	d = line
	sub(/^(not )?ok [0-9]+ ?(- )?/, "", d)
	desc = d
	if (toupper(line) ~ /# *SKIP/)
		return "skip"
	if (line ~ /^not ok/ && toupper(line) ~ /# *TODO/)
		return "skip"
	return line ~ /^not ok/ ? "fail" : "pass"
}

function begin_block(k, l) {
	if (inblock)
		end_block("cut short")
	inblock = 1
	kind = k
	label = l
	plan = -1
	results = 0
	totals = 0
	leaves = 0
	top_plan = -1
	top_results = 0
	split("", children)
}

function end_block(why,   i) {
	if (kind == "kselftest") {
		if (plan >= 0 && results < plan) {
			for (i = results + 1; i <= plan; i++)
				count("fail", "test " i " never reported (" why ")")
		} else if (plan < 0 && !totals) {
			count("fail", "no plan and no totals (" why ")")
		}
	} else if (kind == "ktap") {
		if (leaves == 0)
			count("fail", "no KTAP results (" why ")")
		else if (top_plan >= 0 && top_results < top_plan)
			for (i = top_results + 1; i <= top_plan; i++)
				count("fail", "suite " i " never reported (" why ")")
	} else {
		count("fail", "unknown block kind \"" kind "\"")
	}
	inblock = 0
}

function kselftest_line(line,   res) {
	if (line ~ /^Bail out!/) {
		d = line
		sub(/^Bail out! */, "", d)
		count("fail", "bail out: " d)
		return
	}
	if (line ~ /^1\.\.[0-9]+/) {
		if (plan < 0)
			plan = substr(line, 4) + 0
		return
	}
	if (line ~ /^# Totals:/) {
		totals = 1
		return
	}
	if (line !~ /^(not )?ok [0-9]+( |$)/)
		return
	res = classify(line)
	results++
	count(res, desc)
}

function ktap_line(line,   indent, res, l, i) {
	# Drop dmesg timestamps and caller ids: "[   12.345678] ", "[T42] ".
	while (line ~ /^\[ *[^]]*\] ?/)
		sub(/^\[ *[^]]*\] ?/, "", line)
	indent = match(line, /[^ \t]/) - 1
	if (indent < 0)
		return
	l = substr(line, indent + 1)
	if (indent == 0 && l ~ /^1\.\.[0-9]+/ && top_plan < 0) {
		top_plan = substr(l, 4) + 0
		return
	}
	if (l !~ /^(not )?ok [0-9]+( |$)/)
		return
	if (indent == 0)
		top_results++
	# A result closes everything nested deeper than itself; it is a
	# leaf unless results were seen below it.
	for (i in children)
		if (i + 0 > indent)
			delete children[i]
	res = classify(l)
	if (!children[indent]) {
		leaves++
		count(res, desc)
	}
	delete children[indent]
	for (i = 0; i < indent; i++)
		children[i] = 1
}

FNR == 1 && inblock {
	end_block("log ended")
}

{
	gsub(/\r/, "")
}

/MDGPU-TAP-BEGIN [A-Za-z0-9_-]+/ {
	s = $0
	sub(/.*MDGPU-TAP-BEGIN /, "", s)
	n = split(s, f, /[ \t]+/)
	begin_block(f[1], n >= 2 ? f[2] : "(unlabelled)")
	next
}

/MDGPU-TAP-END/ {
	if (inblock)
		end_block("ended")
	next
}

inblock && kind == "kselftest" {
	line = $0
	while (line ~ /^\[ *[0-9]+\.[0-9]+\] /)
		sub(/^\[ *[0-9]+\.[0-9]+\] /, "", line)
	kselftest_line(line)
	next
}

inblock && kind == "ktap" {
	ktap_line($0)
	next
}

END {
	if (inblock)
		end_block("log ended")
	printf "%d passed, %d failed, %d skipped\n", pass, fail, skip
}
' ${logs[@]+"${logs[@]}"} </dev/null || true
