#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vm-test.sh - exercise every mdgpuctl command against the real module.
#
# Usage: vm-test.sh KO_PATH
#
# A guest script for the VM harness (selftests/vm/README.md), run as root
# from the repository root:
#
#   bash selftests/vm/run-vm.sh --kernel "$(bash selftests/vm/kernel.sh stock-6.12 | tail -1)" \
#        --script tools/mdgpuctl/vm-test.sh -- "$PWD/build/<release>/mdgpu.ko"
#
# It loads KO_PATH, runs mdgpuctl's commands and their error paths (bad
# UUID, unknown type, out-of-range tunable, remove of an open device, a
# full parent with vram_mb=256), checks fit's predictions against where the
# kernel really places instances, parses the Prometheus output back and
# compares it with sysfs, and takes screenshots after a mode set. The
# results are TAP between "MDGPU-TAP-BEGIN kselftest mdgpuctl-vm" and
# "MDGPU-TAP-END mdgpuctl-vm"; the exit status is non-zero if any failed.
#
# mdgpuctl and its helper are used from tools/mdgpuctl if they are up to
# date there (make -C tools/mdgpuctl on the host), otherwise built in /tmp.
# jq (for JSON checks) and mdevctl are used when installed; without them
# those checks are skipped.

set -uo pipefail
# jq programs are in single quotes on purpose.
# shellcheck disable=SC2016

if [ $# -ne 1 ]; then
	sed -n '3,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit 2
fi
ko=$(realpath -e "$1") || { echo "vm-test: no module at $1" >&2; exit 2; }
src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$src/../.." && pwd -P)
work=$(mktemp -d /tmp/mdgpuctl-vm.XXXXXX)

# ---------------------------------------------------------------------------
# TAP

n=0
failed=0
skipped=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $*"; }
skip() { n=$((n + 1)); skipped=$((skipped + 1)); echo "ok $n $* # SKIP"; }
diag() { sed 's/^/# /'; }

# run WANT_RC DESC CMD...: run CMD, output in $work/out and $work/err, and
# report whether it exited with WANT_RC.
run() {
	local want=$1 desc=$2 rc
	shift 2
	"$@" >"$work/out" 2>"$work/err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "$desc"
		return 0
	fi
	notok "$desc (exit $rc, expected $want)"
	{ echo "\$ $*"; cat "$work/out" "$work/err"; } | diag
	return 1
}

# expect DESC COND...: a test that is the shell condition COND.
expect() {
	local desc=$1
	shift
	if "$@"; then
		ok "$desc"
	else
		notok "$desc"
		{ echo "failed: $*"; cat "$work/out" "$work/err" 2>/dev/null; } | diag
	fi
}

has_jq=0
command -v jq >/dev/null && has_jq=1
jqc() { jq -e "$@" >/dev/null 2>&1; }

echo "MDGPU-TAP-BEGIN kselftest mdgpuctl-vm"
echo "TAP version 13"

# ---------------------------------------------------------------------------
# Binaries

if make -q -C "$src" >/dev/null 2>&1; then
	bin=$src
else
	echo "# building mdgpuctl in $work/bin"
	make -s -C "$src" BUILDDIR="$work/bin" >"$work/build.log" 2>&1 ||
		{ diag <"$work/build.log"; }
	bin=$work/bin
fi
ctl=$bin/mdgpuctl
helper=$bin/mdgpuctl-vm-helper
fbdemo=$repo/tools/mdgpu-fbdemo
if [ ! -x "$fbdemo" ] || [ "$fbdemo" -ot "$repo/tools/mdgpu-fbdemo.c" ]; then
	fbdemo=$work/mdgpu-fbdemo
	cc -O2 -D_GNU_SOURCE -I"$repo" -I"$repo/tools" -o "$fbdemo" \
		"$repo/tools/mdgpu-fbdemo.c" "$repo/tools/lib/mdgpu_vfio.c" -lpng \
		2>&1 | diag
fi
expect "mdgpuctl and its helper are built" test -x "$ctl" -a -x "$helper"

sysv() { cat "$1" 2>/dev/null; }
dev() { echo "/sys/bus/mdev/devices/$1"; }
types0=/sys/class/mdgpu/sim0/mdev_supported_types

# ---------------------------------------------------------------------------
# Two 2 GiB parents

run 0 "insmod parents=2 vram_mb=2048" insmod "$ko" parents=2 vram_mb=2048

run 0 "list (text)" "$ctl" list
expect "list shows both parents and the 512M type" \
	grep -q "^sim1 .* 2G" "$work/out"

run 0 "list --json" "$ctl" list --json
if [ $has_jq = 1 ]; then
	cp "$work/out" "$work/list.json"
	expect "list --json: parents and vram_total match sysfs" \
		jqc --argjson t "$(sysv /sys/class/mdgpu/sim0/vram_total)" \
		'(.parents | length) == 2 and (.parents[0].vram_total == $t) and (.instances == [])' \
		"$work/list.json"
	bad=0
	for t in "$types0"/*; do
		jqc --arg ty "${t##*/}" --argjson a "$(sysv "$t/available_instances")" \
			'.types[] | select(.parent == "sim0" and .type == $ty) | .available_instances == $a' \
			"$work/list.json" || { echo "${t##*/}" | diag; bad=1; }
	done
	expect "list --json: available_instances of every type match sysfs" test $bad = 0
else
	skip "list --json checks (no jq)"
	skip "list --json: available_instances (no jq)"
fi

# --- create and the error paths of create/remove

run 0 "create 64M --parent sim0 (UUID generated)" "$ctl" create 64M --parent sim0
u1=$(head -n 1 "$work/out")
expect "the created instance exists with type mdgpu-64M" \
	test "$(basename "$(readlink "$(dev "$u1")/mdev_type" 2>/dev/null)")" = mdgpu-64M

u2=$(cat /proc/sys/kernel/random/uuid)
run 0 "create mdgpu-128M --uuid (upper case)" \
	"$ctl" create mdgpu-128M --parent sim0 --uuid "${u2^^}"
expect "the instance has the given UUID, in lower case" test -d "$(dev "$u2")"

run 2 "create with a malformed UUID is a usage error" \
	"$ctl" create 64M --uuid 1234-not-a-uuid
run 3 "create of an unknown type: not found" "$ctl" create 3G
expect "  ... and the message names the type and the known ones" \
	grep -q "unknown type '3G' (types: mdgpu-64M" "$work/err"
run 4 "create with a UUID in use: kernel would refuse (EEXIST)" \
	"$ctl" create 64M --uuid "$u1"
run 2 "remove of a malformed UUID is a usage error" "$ctl" remove xyz
run 3 "remove of an unknown UUID: not found" \
	"$ctl" remove 99999999-9999-4999-8999-999999999999

# --- placement without --parent: sim0 holds 192M (u1, u2), sim1 nothing

run 0 "create 64M (spread): placed on sim1, the emptier parent" "$ctl" create 64M
up=$(head -n 1 "$work/out")
diag <"$work/err"
expect "  ... the kernel has it on sim1, and the reason names both parents" \
	eval 'test -d "/sys/class/mdgpu/sim1/$up" && grep -q "placed on sim1 (spread" "$work/err" &&
	      grep -q "sim0 .*% VRAM free after, engine .*% busy" "$work/err"'
run 0 "create 64M --policy pack: placed on sim0, the fuller parent" \
	"$ctl" create 64M --policy pack
uq=$(head -n 1 "$work/out")
diag <"$work/err"
expect "  ... the kernel has it on sim0" test -d "/sys/class/mdgpu/sim0/$uq"
run 0 "remove the two placed instances" \
	eval '"$ctl" remove "$up" && "$ctl" remove "$uq"'

# --- list instances against sysfs

run 0 "list instances --json" "$ctl" list instances --json
if [ $has_jq = 1 ]; then
	expect "list instances: VRAM offset and size match sysfs, not open" \
		jqc --arg u "$u1" --argjson o "$(sysv "$(dev "$u1")/mdgpu/vram_offset")" \
		--argjson s "$(sysv "$(dev "$u1")/mdgpu/vram_size")" \
		'.instances[] | select(.uuid == $u) | .vram_offset == $o and .vram_size == $s and .open == false and .parent == "sim0"' \
		"$work/out"
else
	skip "list instances checks (no jq)"
fi

# --- fit, then create what it predicts and compare with the kernel

avail=$(sysv "$types0/mdgpu-64M/available_instances")
run 0 "fit 64M <available_instances>: yes" "$ctl" fit 64M "$avail" --parent sim0
run 1 "fit 64M <available_instances + 1>: no" \
	"$ctl" fit 64M $((avail + 1)) --parent sim0
run 0 "fit 512M:4 on the empty sim1: yes" "$ctl" fit 512M:4 --parent sim1
run 1 "fit 512M:4 64M:1 on sim1: no (2 GiB exactly used up)" \
	"$ctl" fit 512M:4 64M:1 --parent sim1
run 3 "fit of an unknown type: not found" "$ctl" fit 3G 1

run 0 "fit 256M:1 128M:1 64M:3 on sim0" "$ctl" fit 256M:1 128M:1 64M:3 --parent sim0
grep '^  mdgpu-' "$work/out" >"$work/plan"
bad=0
fitted=()
while read -r type _ range; do
	want=${range#[}
	want=${want%%,*}
	u=$(cat /proc/sys/kernel/random/uuid)
	if ! "$ctl" create "$type" --parent sim0 --uuid "$u" >/dev/null 2>"$work/err"; then
		diag <"$work/err"
		bad=1
		continue
	fi
	fitted+=("$u")
	got=$(sysv "$(dev "$u")/mdgpu/vram_offset")
	# fit prints sizes like 192M, 1G, or 0
	case "$want" in
	0) wantb=0 ;;
	*K) wantb=$((${want%K} << 10)) ;;
	*M) wantb=$((${want%M} << 20)) ;;
	*G) wantb=$((${want%G} << 30)) ;;
	*) wantb=$want ;;
	esac
	if [ "$got" != "$wantb" ]; then
		echo "$type predicted at $want ($wantb), kernel put it at $got" | diag
		bad=1
	fi
done <"$work/plan"
expect "the kernel places instances where fit predicted ($(wc -l <"$work/plan") of them)" \
	test $bad = 0 -a "$(wc -l <"$work/plan")" -eq 5

# --- tunables: validated by mdgpuctl, then by the scheduler when the
# module has its files (checked both ways, so this test runs against a
# module with or without the engine)

if [ -e /sys/class/mdgpu/sim0/policy ]; then
	run 0 "get sim0 policy" "$ctl" get sim0 policy
	expect "  ... best_effort by default" grep -qx best_effort "$work/out"
	run 0 "set sim0 policy=weighted timeslice_us=1000" "$ctl" set sim0 \
		policy=weighted timeslice_us=1000
	expect "  ... the kernel has them" \
		grep -qx 1000 /sys/class/mdgpu/sim0/timeslice_us
	run 0 "set UUID weight=5 min_share=20 cap=50 priority=3" "$ctl" set "$u1" \
		weight=5 min_share=20 cap=50 priority=3
	expect "  ... read back" test "$("$ctl" get "$u1" cap)" = 50
	run 4 "set UUID cap=10 (below min_share): the kernel refuses" "$ctl" set "$u1" cap=10
	expect "  ... and cap did not change" test "$("$ctl" get "$u1" cap)" = 50
	run 0 "set UUID min_share=0 cap=0 priority=0 weight=100" "$ctl" set "$u1" \
		min_share=0 cap=0 priority=0 weight=100
	run 0 "set sim0 policy=best_effort timeslice_us=2000" "$ctl" set sim0 \
		policy=best_effort timeslice_us=2000
else
	run 3 "get sim0 policy: not supported by this module" "$ctl" get sim0 policy
	expect "  ... and it says so, naming the file" \
		grep -q "not supported by this mdgpu module (no /sys/class/mdgpu/sim0/policy)" "$work/err"
	run 3 "set UUID weight=5: not supported by this module" "$ctl" set "$u1" weight=5
fi
run 0 "get UUID (all tunables listed)" "$ctl" get "$u1"
run 2 "set UUID weight=0: out of range" "$ctl" set "$u1" weight=0
expect "  ... and the message gives the range" grep -q "out of range 1-10000" "$work/err"
run 2 "set sim0 weight=5: per-vGPU tunable on a parent" "$ctl" set sim0 weight=5
run 0 "list tunables" "$ctl" list tunables

# --- Prometheus output, parsed back and compared with sysfs

run 0 "metrics" "$ctl" metrics
cp "$work/out" "$work/metrics"
# Every sample follows a TYPE line of its own family, families are not
# repeated, counters end in _total, names carry the mdgpu_ prefix.
awk '
	function bad(why) { print "line " NR ": " why ": " $0; errors++ }
	/^# TYPE / {
		if ($3 in seen) bad("family repeated")
		seen[$3] = 1; fam = $3
		if ($4 != "gauge" && $4 != "counter" && $4 != "histogram") bad("type")
		if ($4 == "counter" && $3 !~ /_total$/) bad("counter without _total")
		next
	}
	/^# HELP / { if (NF < 4) bad("empty help"); next }
	/^#/ { next }
	{
		# Label values may hold spaces (a type name "mdgpu 64M"):
		# take the label set out whole before splitting the line.
		rest = $0; labels = ""
		if (match(rest, /\{.*\}/)) {
			labels = substr(rest, RSTART, RLENGTH)
			rest = substr(rest, 1, RSTART - 1) substr(rest, RSTART + RLENGTH)
		}
		n = split(rest, f, " "); name = f[1]
		if (name != fam && name != fam "_bucket" && name != fam "_sum" &&
		    name != fam "_count") bad("sample outside its family")
		if (name !~ /^mdgpu_[a-z0-9_]+$/) bad("name")
		if (labels != "" && labels !~ /^\{([a-z_]+="[^"]*",)*[a-z_]+="[^"]*"\}$/) bad("labels")
		if (n != 2 || f[2] !~ /^[0-9.e+-]+$/) bad("value")
		samples++
	}
	END { if (!samples) { print "no samples"; errors++ } exit errors > 0 }
' "$work/metrics" >"$work/err"
expect "metrics: valid exposition format" test $? -eq 0

# prom NAME LABELS: the value of one sample.
prom() { grep -F "$1{$2} " "$work/metrics" | awk '{ print $2 }'; }
mism=0
cmp_prom() {
	local got
	got=$(prom "$1" "$2")
	if [ "$got" != "$3" ]; then
		echo "$1{$2} is '$got', sysfs says '$3'"
		mism=$((mism + 1))
	fi
}
{
	for p in /sys/class/mdgpu/*; do
		pn=${p##*/}
		cmp_prom mdgpu_parent_vram_bytes "parent=\"$pn\"" "$(sysv "$p/vram_total")"
		cmp_prom mdgpu_parent_vram_used_bytes "parent=\"$pn\"" "$(sysv "$p/vram_used")"
		cmp_prom mdgpu_parent_instances "parent=\"$pn\"" "$(sysv "$p/instances")"
		for t in "$p"/mdev_supported_types/*; do
			cmp_prom mdgpu_type_available_instances \
				"parent=\"$pn\",type=\"${t##*/}\"" \
				"$(sysv "$t/available_instances")"
		done
	done
	for d in /sys/bus/mdev/devices/*; do
		u=${d##*/}
		pn=$(basename "$(dirname "$(dirname "$(readlink -f "$d/mdev_type")")")")
		l="parent=\"$pn\",type=\"$(basename "$(readlink "$d/mdev_type")")\",uuid=\"$u\""
		cmp_prom mdgpu_vgpu_vram_bytes "$l" "$(sysv "$d/mdgpu/vram_size")"
		cmp_prom mdgpu_vgpu_resets_total "$l" "$(sysv "$d/mdgpu/reset_count")"
		cmp_prom mdgpu_vgpu_open "$l" 0
	done
	echo "$mism mismatches"
} >"$work/err"
expect "metrics: every value equals sysfs ($(grep -c '^mdgpu' "$work/metrics") samples)" \
	grep -q '^0 mismatches' "$work/err"

mkdir -p "$work/textfile"
run 0 "metrics --output (textfile collector)" \
	"$ctl" metrics --output "$work/textfile/mdgpu.prom"
# The same series as stdout (values of counters such as the engine's idle
# time move between the two runs: the value, the last field, is left out;
# files, not <(...): the test VM has no /dev/fd).
sed 's/ [^ ]*$//' "$work/metrics" >"$work/series.out"
sed 's/ [^ ]*$//' "$work/textfile/mdgpu.prom" >"$work/series.file"
diff "$work/series.out" "$work/series.file" | head -n 20 | diag
expect "  ... the file has stdout's series and no temporary file is left" \
	bash -c "cmp -s '$work/series.out' '$work/series.file' && [ \$(ls -A '$work/textfile' | wc -l) = 1 ]"

# --- stats, top, mdevctl

run 0 "stats --json" "$ctl" stats --json
if [ $has_jq = 1 ]; then
	expect "stats --json: reset_count and vram_size match sysfs" \
		jqc --arg u "$u2" --argjson s "$(sysv "$(dev "$u2")/mdgpu/vram_size")" \
		--argjson r "$(sysv "$(dev "$u2")/mdgpu/reset_count")" \
		'.instances[] | select(.uuid == $u) | .stats.vram_size == $s and .stats.reset_count == $r' \
		"$work/out"
else
	skip "stats --json checks (no jq)"
fi
run 0 "stats (text)" "$ctl" stats

# --- every figure the tool prints against sysfs

# snap FILE: every readable file of the module (parameters, parents, types'
# available_instances, instances' mdgpu/), "PATH<TAB>VALUE", hexadecimal
# values in decimal.
snap() {
	local line f v
	# One grep for all of them (a process per file is slow under TCG);
	# directories, links to them and write-only files are left out.
	grep -s -H '' /sys/module/mdgpu/parameters/* /sys/class/mdgpu/*/* \
		/sys/class/mdgpu/*/mdev_supported_types/*/available_instances \
		/sys/bus/mdev/devices/*/mdgpu/* | grep -v '/uevent:' |
	while IFS= read -r line; do
		f=${line%%:*}
		v=${line#*:}
		[[ $v =~ ^0x[0-9a-fA-F]+$ ]] && v=$((v))
		printf '%s\t%s\n' "$f" "$v"
	done
}

# figures_vs_sysfs DESC FIGURES: each "PATH<TAB>VALUE" the tool printed is
# what sysfs showed just before or just after it ran (a number between the
# two: counters move), and every file of the module is among them but the
# few the tool does not print as a figure (migration_state,
# migration_compat, uevent, and the reservations list, which it shows as
# the "reserve" tunable: the lines as written, checked by the reserve
# tests). Needs $work/before and $work/after.
figures_vs_sysfs() {
	local desc=$1 figs=$2 bad
	bad=$(awk -F'\t' -v cover="${3:-1}" '
		FILENAME == ARGV[1] { b[$1] = $2; next }
		FILENAME == ARGV[2] { a[$1] = $2; next }
		{
			n++
			seen[$1] = 1
			if (!($1 in b)) { print "not in sysfs: " $1 " = " $2; next }
			v = $2
			if (v == b[$1] || v == a[$1]) next
			nb = split(b[$1], xb, " "); na = split(a[$1], xa, " ")
			nv = split(v, xv, " ")
			if (nv != nb || nv != na) { print $1 ": " v " (sysfs " b[$1] " / " a[$1] ")"; next }
			for (i = 1; i <= nv; i++) {
				if (xv[i] !~ /^-?[0-9]+$/ || xb[i] !~ /^-?[0-9]+$/) { print $1 ": " v " (sysfs " b[$1] ")"; break }
				lo = xb[i] + 0; hi = xa[i] + 0
				if (lo > hi) { t = lo; lo = hi; hi = t }
				if (xv[i] + 0 < lo || xv[i] + 0 > hi) { print $1 ": " v " (sysfs " b[$1] " / " a[$1] ")"; break }
			}
		}
		END {
			if (!n) print "no figures"
			if (cover)
				for (p in b)
					if (!(p in seen) && p !~ /\/(migration_state|migration_compat|uevent|reservations)$/)
						print "not shown: " p " = " b[p]
		}' "$work/before" "$work/after" "$figs")
	if [ -z "$bad" ]; then
		ok "$desc ($(wc -l <"$figs") figures)"
	else
		notok "$desc"
		echo "$bad" | diag
	fi
}

# The fault helper: u2's engine runs a FILL and a COMPUTE, then stops on
# an unknown opcode; it holds the device (in its error state) with a
# QEMU-like -name on its command line.
fifo2=$work/fault.fifo
mkfifo "$fifo2"
"$helper" fault "$u2" -name guest=vmtest,debug-threads=on <"$fifo2" >"$work/fault.out" 2>&1 9>&- &
fault_pid=$!
exec 9>"$fifo2"
for _ in $(seq 300); do
	grep -q faulted "$work/fault.out" && break
	kill -0 $fault_pid 2>/dev/null || break
	sleep 0.1
done
# shellcheck disable=SC2034
read -r _ f_code f_head f_header f_done <"$work/fault.out"
expect "the helper's engine stopped on an unknown opcode (ERR_CODE 1)" \
	test "${f_code:-}" = 1
d2=$(dev "$u2")/mdgpu
expect "sysfs: engine_error_code, _head, _header are the guest's registers ($f_code $f_head $f_header)" \
	test "$(cat "$d2/engine_error_code") $(cat "$d2/engine_error_head") $(cat "$d2/engine_error_header")" = "$f_code $f_head $f_header"
expect "sysfs: engine_errors is 1" test "$(cat "$d2/engine_errors")" = 1
expect "sysfs: engine_commands is CMDS_DONE ($f_done: FILL, COMPUTE)" \
	test "$(cat "$d2/engine_commands")" = "${f_done:-x}" -a "${f_done:-x}" = 2
expect "sysfs: vram_populated counts the 16 filled pages and the ring's ($(cat "$d2/vram_populated"))" \
	test "$(cat "$d2/vram_populated")" -eq $((17 * 4096))

if [ $has_jq = 1 ]; then
	tsv='def v: if type == "array" then map(tostring) | join(" ") else tostring end;'
	snap >"$work/before"
	run 0 "stats --json (u2 in error, held)" "$ctl" stats --json
	snap >"$work/after"
	cp "$work/out" "$work/stats.json"
	expect "stats --json: statistics and integer tunables are JSON numbers" \
		jqc '[.module[], (.parents[] | .stats[], (.tunables | del(.policy, .reserve))[]),
		      (.instances[] | (.stats | del(.wait_histogram))[], .stats.wait_histogram[],
		       (.tunables | del(.plane_types))[])] | all(type == "number")' "$work/stats.json"
	jq -r "$tsv"'
		(.module | to_entries[] | "/sys/module/mdgpu/parameters/\(.key)\t\(.value | v)"),
		(.parents[] as $p
		 | (($p.stats + ($p.tunables | del(.reserve)) + ($p | {backend, vram_total, vram_used, instances, health, health_reason, vram_retired}))
		    | to_entries[] | "/sys/class/mdgpu/\($p.name)/\(.key)\t\(.value | v)"),
		   ($p.types[] | "/sys/class/mdgpu/\($p.name)/mdev_supported_types/\(.type)/available_instances\t\(.available_instances)")),
		(.instances[] as $i | ($i.stats + $i.tunables) | to_entries[]
		 | "/sys/bus/mdev/devices/\($i.uuid)/mdgpu/\(.key)\t\(.value | v)")' \
		"$work/stats.json" >"$work/figs" 2>"$work/err"
	figures_vs_sysfs "stats --json: every figure is sysfs's, every file of the module is shown" "$work/figs"

	snap >"$work/before"
	run 0 "show UUID --json (in error)" "$ctl" show "$u2" --json
	snap >"$work/after"
	cp "$work/out" "$work/show.json"
	jq -r --arg u "$u2" "$tsv"'
		((.stats + .tunables) | to_entries[] | "/sys/bus/mdev/devices/\($u)/mdgpu/\(.key)\t\(.value | v)"),
		(.parent_info as $p | ($p.stats + ($p.tunables | del(.reserve))) | to_entries[]
		 | "/sys/class/mdgpu/\($p.name)/\(.key)\t\(.value | v)")' \
		"$work/show.json" >"$work/figs"
	figures_vs_sysfs "show --json: every figure is sysfs's" "$work/figs" 0
	expect "show --json: health error, the error named with its ring offset and opcode" \
		jqc --argjson h "$f_head" '.health == "error" and .error.name == "opcode" and .error.code == 1
			and .error.ring_offset == $h and .error.opcode == 127' "$work/show.json"
	expect "show --json: the holder is the VM named by -name guest=" \
		jqc --argjson p "$fault_pid" '.state == "open" and .holders[0].pid == $p
			and .holders[0].vm == "vmtest" and .holders[0].vm_source == "qemu-name"' "$work/show.json"
else
	for _ in 1 2 3 4 5 6 7 8; do skip "stats/show --json against sysfs (no jq)"; done
fi

snap >"$work/before"
run 0 "stats (text)" "$ctl" stats
snap >"$work/after"
awk -v OFS='\t' '
	/^module / { base = "/sys/module/mdgpu/parameters/"; next }
	/^parent / { base = "/sys/class/mdgpu/" $2 "/"; par = $2; next }
	/^instance / { base = "/sys/bus/mdev/devices/" $2 "/mdgpu/"; next }
	/^  / {
		k = $1
		if (k == "state" || k == "open_by" || k == "reserve") next
		v = $0; sub(/^ +[^ ]+ +/, "", v)
		if (v ~ / available$/) {
			sub(/ available$/, "", v)
			print "/sys/class/mdgpu/" par "/mdev_supported_types/" k "/available_instances", v
			next
		}
		print base k, v
	}' "$work/out" >"$work/figs"
figures_vs_sysfs "stats (text): every figure is sysfs's, every file of the module is shown" "$work/figs"

# The same figures as a table (--csv, libsmartcols' cells): a column per
# statistic file of each instance, its value that file's.
snap >"$work/before"
run 0 "stats --csv" "$ctl" stats --csv
snap >"$work/after"
awk -F, -v OFS='\t' '
	{ sub(/\r$/, "") }
	NR == 1 { for (i = 1; i <= NF; i++) col[i] = $i; next }
	{
		for (i = 5; i <= NF; i++)
			if ($i != "-")
				print "/sys/bus/mdev/devices/" $1 "/mdgpu/" col[i], $i
	}' "$work/out" >"$work/figs"
expect "stats --csv: UUID,PARENT,TYPE,STATE then the statistic files" \
	grep -q '^UUID,PARENT,TYPE,STATE,vram_size,' "$work/out"
figures_vs_sysfs "stats --csv: every cell is sysfs's" "$work/figs" 0

snap >"$work/before"
run 0 "show UUID (text, in error)" "$ctl" show "$u2"
snap >"$work/after"
cp "$work/out" "$work/show.txt"
expect "show: commands completed, chunks and errors are sysfs's" \
	grep -q "^  engine      $(cat "$d2/engine_commands") commands completed, $(cat "$d2/engine_chunks") chunks" "$work/show.txt"
expect "show: the errors line" \
	grep -q "^  errors      $(cat "$d2/engine_errors") since creation ($(cat "$d2/watchdog_count") by the watchdog); $(cat "$d2/reset_count") device resets" "$work/show.txt"
expect "show: the current error, its ring offset and the faulting command's header" \
	grep -q "now: opcode (1) at ring offset $(printf 0x%x "$(cat "$d2/engine_error_head")"), command unknown (opcode 0x7f), 2 dwords, header $(cat "$d2/engine_error_header")" "$work/show.txt"
expect "show: holder VM vmtest, the helper's pid" \
	grep -q "^  holder      VM vmtest (pid $fault_pid, " "$work/show.txt"
expect "show: tunables are sysfs's" \
	grep -q "^  tunables    weight=$(cat "$d2/weight") min_share=$(cat "$d2/min_share") cap=$(cat "$d2/cap") priority=$(cat "$d2/priority") plane_types=$(cat "$d2/plane_types")$" "$work/show.txt"
expect "show: placement and populated VRAM (17 pages = 68K)" \
	grep -q "^  placement   parent sim0, VRAM \[.*), 68K populated" "$work/show.txt"
expect "show: health error" grep -q "^  health      error: engine stopped on error opcode (1)" "$work/show.txt"
diag <"$work/show.txt"

# Not root: other users' /proc/PID/fd cannot be read, so the held and the
# idle instances are "unknown", never "idle", with the hint.
if command -v setpriv >/dev/null; then
	chmod o+x "$work"
	run 0 "list instances --json as nobody" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$ctl" list instances --json
	if [ $has_jq = 1 ]; then
		expect "  ... no instance is idle: the held one and the others are unknown" \
			jqc --arg u "$u2" '([.instances[] | select(.state == "idle")] | length) == 0
				and (.instances[] | select(.uuid == $u) | .state == "unknown" and .open == null)' "$work/out"
	else
		skip "  ... unknown check (no jq)"
	fi
	run 0 "list instances as nobody" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$ctl" list instances
	expect "  ... says to run as root" grep -q "run as root" "$work/err"
else
	skip "list as nobody (no setpriv)"
	skip "  ... unknown"
	skip "  ... hint"
	skip "  ... hint"
fi

exec 9>&-
wait $fault_pid
expect "the fault helper closed the device" test $? -eq 0
expect "closing cleared the error and discarded VRAM; the error count stays" \
	test "$(cat "$d2/engine_error_code") $(cat "$d2/vram_populated") $(cat "$d2/engine_errors")" = "0 0 1"

run 0 "top --once" "$ctl" top --once
expect "top shows every instance" \
	bash -c "for d in /sys/bus/mdev/devices/*; do grep -q \"^\${d##*/} \" '$work/out' || exit 1; done"
run 0 "top --iterations 2 --interval 0.2" "$ctl" top --iterations 2 --interval 0.2
expect "  ... two frames" test "$(grep -c '^mdgpuctl top' "$work/out")" -eq 2

run 0 "mdevctl (commands)" "$ctl" mdevctl --auto
expect "mdevctl: a define line for each instance" \
	grep -q "^mdevctl define --uuid=$u1 --parent=sim0 --type=mdgpu-64M --auto$" "$work/out"
run 0 "mdevctl --json UUID" "$ctl" mdevctl --json "$u2"
if [ $has_jq = 1 ]; then
	if [ -e "$(dev "$u2")/mdgpu/weight" ]; then
		# The scheduler tunables are per-device attributes: exported.
		expect "mdevctl --json UUID: mdevctl's definition format, with the tunables" \
			jqc --arg w "$(cat "$(dev "$u2")/mdgpu/weight")" \
			'.mdev_type == "mdgpu-128M" and .start == "manual" and (.attrs | any(.["mdgpu/weight"] == $w))' \
			"$work/out"
	else
		expect "mdevctl --json UUID: mdevctl's definition format" \
			jqc '.mdev_type == "mdgpu-128M" and .start == "manual" and .attrs == []' "$work/out"
	fi
	run 0 "mdevctl --json (all)" "$ctl" mdevctl --json
	cp "$work/out" "$work/ours.json"
	if command -v mdevctl >/dev/null &&
	   mdevctl list --dumpjson >"$work/theirs.json" 2>"$work/err"; then
		# mdevctl's own view of the running devices: same parents,
		# UUIDs and types.
		# (No process substitution: the guest has no /dev/fd.)
		q='[.[] | to_entries[] | {p: .key, d: ([.value[] | to_entries[] | {u: .key, t: .value.mdev_type}] | sort_by(.u))}]'
		jq -S "$q" "$work/ours.json" >"$work/ours.norm" 2>&1
		jq -S "$q" "$work/theirs.json" >"$work/theirs.norm" 2>&1
		if cmp -s "$work/ours.norm" "$work/theirs.norm"; then
			ok "mdevctl --json agrees with 'mdevctl list --dumpjson'"
		else
			notok "mdevctl --json agrees with 'mdevctl list --dumpjson'"
			diff "$work/ours.norm" "$work/theirs.norm" | diag
			diag <"$work/theirs.json"
		fi
	else
		skip "comparison with mdevctl list (mdevctl not usable here)"
		diag <"$work/err"
	fi
else
	skip "mdevctl --json checks (no jq)"
	skip "mdevctl --json (all) (no jq)"
	skip "comparison with mdevctl list (no jq)"
fi

# --- mdevctl re-applies the scheduler tunables (per-device attributes)

if command -v mdevctl >/dev/null && [ -e "$(dev "$u1")/mdgpu/weight" ]; then
	u5=$(cat /proc/sys/kernel/random/uuid)
	cat >"$work/mdev.json" <<-EOF
	{"mdev_type": "mdgpu-64M", "start": "manual",
	 "attrs": [{"mdgpu/weight": "321"}, {"mdgpu/cap": "40"},
		   {"mdgpu/priority": "2"}, {"mdgpu/plane_types": "dmabuf"}]}
	EOF
	run 0 "mdevctl start with scheduler attributes and plane_types" \
		mdevctl start -u "$u5" -p sim0 --jsonfile "$work/mdev.json"
	expect "mdevctl applied weight, cap, priority and plane_types after create" \
		test "$(cat "$(dev "$u5")/mdgpu/weight" 2>/dev/null)-$(cat "$(dev "$u5")/mdgpu/cap" 2>/dev/null)-$(cat "$(dev "$u5")/mdgpu/priority" 2>/dev/null)-$(cat "$(dev "$u5")/mdgpu/plane_types" 2>/dev/null)" = "321-40-2-dmabuf"
	run 0 "mdgpuctl mdevctl UUID: the commands keep plane_types" \
		"$ctl" mdevctl "$u5"
	expect "  ... as --addattr=mdgpu/plane_types --value=dmabuf" \
		grep -q -- "--addattr=mdgpu/plane_types --value=dmabuf" "$work/out"
	run 0 "mdevctl stop" mdevctl stop -u "$u5"
	expect "mdevctl stop removed it" test ! -e "$(dev "$u5")"
else
	skip "mdevctl and scheduler attributes (mdevctl or the attributes missing)"
	skip "  ... applied"
	skip "  ... mdgpuctl mdevctl UUID"
	skip "  ... keeps plane_types"
	skip "  ... stop"
	skip "  ... removed"
fi

# --- an open device: list, metrics, remove, screenshot

fifo=$work/hold.fifo
mkfifo "$fifo"
"$helper" hold "$u1" <"$fifo" >"$work/hold.out" 2>&1 9>&- &
hold_pid=$!
exec 9>"$fifo"
for _ in $(seq 100); do
	grep -q held "$work/hold.out" && break
	kill -0 $hold_pid 2>/dev/null || break
	sleep 0.1
done
expect "a helper holds $u1 open through VFIO" grep -q held "$work/hold.out"

run 0 "list instances --json while held" "$ctl" list instances --json
if [ $has_jq = 1 ]; then
	expect "list: the instance is open, by the helper's pid" \
		jqc --arg u "$u1" --argjson p "$hold_pid" \
		'.instances[] | select(.uuid == $u) | .open == true and .holders[0].pid == $p' \
		"$work/out"
else
	skip "list open check (no jq)"
fi
run 0 "metrics while held" "$ctl" metrics
expect "metrics: mdgpu_vgpu_open is 1 for the held instance" \
	grep -q "^mdgpu_vgpu_open{parent=\"sim0\",type=\"mdgpu-64M\",uuid=\"$u1\"} 1$" "$work/out"
run 5 "remove of an open device is refused: busy" "$ctl" remove "$u1"
expect "  ... the message names the holder and --force" \
	grep -q "in use by pid $hold_pid (mdgpuctl-vm-hel).*--force" "$work/err"
expect "  ... and the instance still exists" test -d "$(dev "$u1")"
run 5 "screenshot of an open device: busy" "$ctl" screenshot "$u1" "$work/x.png"
expect "  ... the message explains VFIO's one-user rule" \
	grep -q "VFIO allows one user" "$work/err"

# remove --force waits until the holder lets go. (Background commands get
# fd 9 closed: the helper must be the FIFO's only reader and we its only
# writer, or it never sees EOF.)
timeout 120 "$ctl" remove --force "$u1" >"$work/force.out" 2>&1 9>&- &
force_pid=$!
for _ in $(seq 50); do
	[ -e "$(dev "$u1")" ] || break
	sleep 0.1
done
sleep 1
expect "remove --force waits while the device is held" kill -0 $force_pid
run 0 "list instances --json during the pending removal" \
	"$ctl" list instances --json
if [ $has_jq = 1 ]; then
	expect "list: the instance's state is removing, still held by the helper" \
		jqc --arg u "$u1" --argjson p "$hold_pid" \
		'.instances[] | select(.uuid == $u) | .state == "removing" and .holders[0].pid == $p' \
		"$work/out"
else
	skip "list removing check (no jq)"
fi
run 5 "remove during the pending removal: busy, already pending" \
	"$ctl" remove "$u1"
exec 9>&-
wait $hold_pid
wait $force_pid
rc=$?
expect "remove --force completes once the holder closes the device (exit $rc)" \
	test $rc -eq 0 -a ! -e "$(dev "$u1")" -a ! -e "/sys/class/mdgpu/sim0/$u1"
diag <"$work/force.out"

# A holder that only keeps the device fd is invisible in /proc/*/fd; remove
# still sees the group busy.
"$helper" hold "$u2" --device-only <"$fifo" >"$work/hold.out" 2>&1 9>&- &
hold_pid=$!
exec 9>"$fifo"
for _ in $(seq 100); do
	grep -q held "$work/hold.out" && break
	kill -0 $hold_pid 2>/dev/null || break
	sleep 0.1
done
expect "a helper holds only the device fd of $u2" grep -q held "$work/hold.out"
run 5 "remove sees a device-fd-only holder through the group (busy)" \
	"$ctl" remove "$u2"
expect "  ... and the instance still exists" test -d "$(dev "$u2")"
exec 9>&-
wait $hold_pid
run 0 "remove after the holder is gone" "$ctl" remove "$u2"
expect "  ... the instance is gone" test ! -e "$(dev "$u2")"

for u in "${fitted[@]}"; do
	"$ctl" remove "$u" || echo "remove $u failed" | diag
done
expect "all instances removed" test -z "$(find /sys/bus/mdev/devices -mindepth 1 -maxdepth 1)"
run 0 "rmmod" rmmod mdgpu

# ---------------------------------------------------------------------------
# A full 256 MiB parent, and screenshots

run 0 "insmod vram_mb=256" insmod "$ko" parents=1 vram_mb=256
run 0 "create 256M fills the parent" "$ctl" create 256M
u3=$(head -n 1 "$work/out")
run 4 "create 64M on the full parent: refused" "$ctl" create 64M
expect "  ... with ENOSPC and the VRAM in use" \
	grep -q "no free aligned 64M range left (available_instances is 0, 256M of 256M VRAM in use).*(ENOSPC)" "$work/err"
run 4 "create 256M --parent sim0 on the full parent: refused" \
	"$ctl" create 256M --parent sim0
run 1 "fit 64M 1 on the full parent: no" "$ctl" fit 64M 1
run 2 "fit 64M 0: a usage error" "$ctl" fit 64M 0

run 0 "mdgpu-fbdemo draws a test picture and sets 640x480" \
	"$fbdemo" "$u3" "$work/fbdemo.png" 640 480
run 1 "screenshot without a mode: the display is off" \
	"$ctl" screenshot "$u3" "$work/off.png"
expect "  ... and it says why" grep -q "display of $u3 is off" "$work/err"
expect "  ... and writes no file" test ! -e "$work/off.png"

# mdgpu-fbdemo closed the device: its picture must be gone for the next
# user (a persistent instance may be handed to another tenant), whichever
# plane the screenshot reads: BAR0 through a region plane (the default
# plane_types), or a dma-buf.
expect "mdgpu-fbdemo drew a yellow bar at 120,100" \
	test "$("$helper" pixel "$work/fbdemo.png" 120 100)" = ffff00
for planes in region dmabuf; do
	run 0 "plane_types=$planes while the device is closed" \
		"$ctl" set "$u3" plane_types=$planes
	run 0 "screenshot --set-mode 640x480 (XRGB8888, $planes plane)" \
		"$ctl" screenshot "$u3" "$work/shot.png" --set-mode 640x480
	expect "  ... through a $planes plane" \
		grep -q "($(echo $planes | sed s/dmabuf/dma-buf/) plane)" "$work/out"
	expect "the PNG is 640x480" test "$("$helper" size "$work/shot.png")" = 640x480
	bad=0
	for xy in "2 2" "40 100" "120 100" "200 100" "600 100" "320 400" "639 479"; do
		# shellcheck disable=SC2086
		b=$("$helper" pixel "$work/shot.png" $xy)
		[ "$b" = 000000 ] || { echo "pixel $xy: $b, the last user's picture" | diag; bad=1; }
	done
	expect "the next user sees none of mdgpu-fbdemo's picture (7 pixels black)" \
		test $bad = 0
done
run 0 "screenshot --set-mode 640x480x16 (RGB565)" \
	"$ctl" screenshot "$u3" "$work/shot16.png" --set-mode 640x480x16
expect "  ... black too" test "$("$helper" pixel "$work/shot16.png" 241 100)" = 000000

run 4 "screenshot --set-mode above the type's max_resolution: refused" \
	"$ctl" screenshot "$u3" "$work/big.png" --set-mode 3841x2160
expect "  ... and says why" grep -q "max_resolution" "$work/err"

# ---------------------------------------------------------------------------
# A PCI parent: the VM's ivshmem-plain device (1af4:1110) bound to mdgpu,
# next to the full sim0. mdgpuctl must find it where the kernel puts it
# (Documentation/ABI/testing/sysfs-bus-pci-drivers-mdgpu).

pci=
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat "$d/vendor")" = 0x1af4 ] && [ "$(cat "$d/device")" = 0x1110 ]; then
		pci=${d##*/}
		break
	fi
done
if [ -z "$pci" ]; then
	skip "PCI parent: no ivshmem-plain device in this VM"
else
	run 0 "PCI parent: bind $pci with driver_override" sh -c \
		"echo mdgpu > /sys/bus/pci/devices/$pci/driver_override &&
		 echo $pci > /sys/bus/pci/drivers_probe"
	pdir=/sys/bus/pci/devices/$pci
	vt=$(cat "$pdir/vram_total")
	run 0 "list parents" "$ctl" list parents
	expect "  ... lists $pci, backend pci, its VRAM, ok" \
		grep -Eq "^$pci +pci +$((vt >> 20))M +0 +0 +ok" "$work/out"
	expect "  ... and sim0 in the same table" grep -q "^sim0 " "$work/out"
	run 0 "list types --parent $pci" "$ctl" list types --parent "$pci"
	expect "  ... every type of $pci with sysfs's available_instances" \
		bash -c 'for t in '"$pdir"'/mdev_supported_types/*; do
			grep -Eq "^'"$pci"' +${t##*/} .* $(cat $t/available_instances)\$" '"$work/out"' || exit 1
		done'
	run 0 "create 64M with sim0 full: placed on the PCI parent" \
		"$ctl" create 64M
	u4=$(head -n 1 "$work/out")
	expect "  ... the instance's parent is $pci" \
		test "$(basename "$(readlink -f "$(dev "$u4")/..")")" = "$pci"
	run 0 "list instances" "$ctl" list instances
	expect "  ... shows it on $pci" grep -Eq "^$u4 +$pci +mdgpu-64M " "$work/out"
	n64=$(cat "$pdir/mdev_supported_types/mdgpu-64M/available_instances")
	run 0 "fit 64M $n64 --parent $pci: yes" "$ctl" fit 64M "$n64" --parent "$pci"
	run 1 "fit 64M $((n64 + 1)) --parent $pci: no" \
		"$ctl" fit 64M $((n64 + 1)) --parent "$pci"
	run 0 "metrics" "$ctl" metrics
	expect "  ... mdgpu_parent_info of $pci, backend pci" \
		grep -q "^mdgpu_parent_info{parent=\"$pci\",backend=\"pci\"} 1$" "$work/out"
	expect "  ... its vram_used from sysfs" \
		grep -q "^mdgpu_parent_vram_used_bytes{parent=\"$pci\"} $(cat "$pdir/vram_used")$" "$work/out"
	run 0 "set $pci watchdog_ms=150" "$ctl" set "$pci" watchdog_ms=150
	expect "  ... written to $pdir/watchdog_ms" \
		test "$(cat "$pdir/watchdog_ms")" = 150
	run 0 "remove the PCI parent's instance" "$ctl" remove "$u4"
	run 0 "PCI parent: unbind" sh -c \
		"echo $pci > /sys/bus/pci/drivers/mdgpu/unbind &&
		 echo > /sys/bus/pci/devices/$pci/driver_override"
	run 0 "list parents after the unbind" "$ctl" list parents
	expect "  ... no longer lists $pci" bash -c "! grep -q '^$pci ' $work/out"
fi

run 0 "remove" "$ctl" remove "$u3"
run 0 "rmmod" rmmod mdgpu

echo "1..$n"
echo "# Totals: pass:$((n - failed - skipped)) fail:$failed skip:$skipped"
echo "MDGPU-TAP-END mdgpuctl-vm"
rm -rf "$work"
[ "$failed" -eq 0 ]
