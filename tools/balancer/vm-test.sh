#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vm-test.sh KO_PATH BIN_DIR - mdgpu-balancer against the real module,
# inside a test VM (run by run-vm-test.sh, `make balancer-test`).
#
# Loads KO_PATH with two parents; sim0 (weighted policy) gets vGPUs A, B
# and C, sim1 gets D. Synthetic demand changes over time: COMPUTE jobs from
# tools/monitoring/tests/mdgpu-busy (libmdgpu over VFIO).
#
#  1. sysfs input, a daemon with a 2 s period: A and B busy. A
#     (demand-proportional, [10, 1000]) converges to its ceiling; B (target
#     share 50 %, bounds [20, 300]) is raised and stops at its ceiling;
#     sim0 is saturated and sim1 idles, so C (held by no process) is
#     proposed for sim1, A and B (held by mdgpu-busy) never.
#  2. Only B busy: A gives its weight back (its floor) within the number of
#     periods the balancer states, B holds.
#     A shell loop reads every weight from sysfs each second throughout:
#     none ever leaves its bounds; after settling, no weight moves (no
#     oscillation).
#  3. --once --dry-run writes nothing.
#  4. Prometheus input: Debian's prometheus scrapes `mdgpuctl metrics`
#     through prometheus-node-exporter (as tools/monitoring does); the
#     balancer with --prometheus raises A (busy again, alone) to 500 or
#     more and puts B (idle) at its floor from Prometheus's rates alone;
#     pointed at a port where no server listens it exits 1 and changes no
#     weight.
#
#  5. --move: vm-test-move.sh, run next in the same VM.
#
# TAP between "MDGPU-TAP-BEGIN kselftest balancer-vm" and
# "MDGPU-TAP-END balancer-vm".
set -uo pipefail

# shellcheck source=SCRIPTDIR/../lib/vm-test-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/vm-test-common.sh"
vmt_begin balancer-vm mdgpu-bal "${1:-}" "${2:-}"
textdir=$work/node-exporter
mkdir -p "$textdir"

A=62616c00-0000-4000-8000-00000000000a
B=62616c00-0000-4000-8000-00000000000b
C=62616c00-0000-4000-8000-00000000000c
D=62616c00-0000-4000-8000-00000000000d
expect "insmod parents=2" insmod "$ko" parents=2 vram_mb=1024
expect "A, B, C on sim0, D on sim1; sim0 weighted" bash -c "
	set -e
	for u in $A $B $C; do
		echo \$u >/sys/class/mdgpu/sim0/mdev_supported_types/mdgpu-64M/create
	done
	echo $D >/sys/class/mdgpu/sim1/mdev_supported_types/mdgpu-64M/create
	echo weighted >/sys/class/mdgpu/sim0/policy"
w() { cat "/sys/bus/mdev/devices/$1/mdgpu/weight"; }

cat >"$work/balancer.conf" <<CONF
period 2
default floor=10 ceiling=1000
vgpu $B floor=20 ceiling=300 share=50%
vgpu $D floor=10 ceiling=1000
CONF

# The weights as sysfs shows them, every second (every few under TCG), for
# the bounds check.
{
	while :; do
		echo "$(date +%s) $(w $A) $(w $B) $(w $D)"
		sleep 1
	done
} >"$work/weights" &
pids+=($!)

# --- 1 and 2: sysfs input --------------------------------------------------
"$bin/mdgpu-balancer" --config "$work/balancer.conf" --record "$work/trace.csv" \
	--textfile "$textdir/mdgpu-balancer.prom" >"$work/log" 2>&1 &
bal=$!
pids+=("$bal")
# Checks are made while the load still runs (mdgpu-busy's teardown takes
# a while under TCG): 60 s of load, checked after 45 s.
"$bin/mdgpu-busy" 60 2000 "$A" "$B" >"$work/busy1.log" 2>&1 &
busy=$!
pids+=("$busy")
sleep 45
tail -n 6 "$work/log" | diag
expect "phase 1: A (full demand) converged to its ceiling 1000" test "$(w $A)" = 1000
expect "phase 1: B (share 50 %, raised) stopped at its ceiling 300" bash -c "
	test \"\$(cat /sys/bus/mdev/devices/$B/mdgpu/weight)\" = 300 &&
	grep -q '^$B parent=sim0 weight [0-9]* -> [0-9]* reason=below-share' $work/log"
expect "phase 1: A's weight did not move in its last 5 periods" bash -c "
	grep '^$A ' $work/log | tail -n 5 | grep -c ' holds ' | grep -qx 5"
expect "phase 1: C (unheld) proposed from saturated sim0 to idle sim1, A and B never" bash -c "
	grep -q '^propose: move $C (mdgpu-64M, held by no process) from sim0 .* to sim1' $work/log &&
	! grep -q '^propose: move \\($A\\|$B\\)' $work/log"
expect "phase 1 load: mdgpu-busy on A and B ran (exit 0)" wait "$busy"
"$bin/mdgpu-busy" 60 2000 "$B" >"$work/busy2.log" 2>&1 &
busy=$!
pids+=("$busy")
sleep 45
# From A's last period with any engine use to its first at the floor.
giveback=$(sed -n 's/.*give-back within \([0-9]*\) periods.*/\1/p' "$work/log")
first=$(grep "^$A " "$work/log" | awk '
	{ u = $0; sub(/.* used=/, "", u); sub(/ .*/, "", u) }
	u + 0 > 0 { last = NR; back = 0 }
	last && !back && / -> 10 reason=idle/ { back = NR - last }
	END { if (back) print back }')
echo "# A back at its floor $first periods after its last period with load (stated: $giveback)"
expect "phase 2: A gave its weight back within the stated periods" \
	test -n "$first" -a -n "$giveback" -a "${first:-999}" -le "${giveback:-0}"
expect "phase 2: A at its floor, B held (no weight moved in the last 5 periods)" bash -c "
	test \"\$(cat /sys/bus/mdev/devices/$A/mdgpu/weight)\" = 10 &&
	grep '^$A ' $work/log | tail -n 5 | grep -c ' holds ' | grep -qx 5 &&
	grep '^$B ' $work/log | tail -n 5 | grep -c ' holds ' | grep -qx 5"
expect "phase 2 load: mdgpu-busy on B ran (exit 0)" wait "$busy"
kill "$bal" 2>/dev/null
wait "$bal" 2>/dev/null
# shellcheck disable=SC2016
expect "every weight sysfs showed stayed in its bounds (A, D [10,1000], B [20,300])" \
	awk '{ n++ } $2 < 10 || $2 > 1000 || $3 < 20 || $3 > 300 || $4 < 10 || $4 > 1000 { bad++; print } END { print n " readings"; exit (bad > 0 || n < 10) }' "$work/weights"
tail -n 1 "$work/out" | diag
expect "every decision logged with a reason" bash -c "
	test \$(grep -c '^[0-9a-f-]\{36\} parent=' $work/log) -gt 20 &&
	! grep '^[0-9a-f-]\{36\} parent=' $work/log | grep -v ' reason=[a-z-]* '"
expect "metrics textfile: weights, decisions, promtool accepts it" bash -c "
	grep -q '^mdgpu_balancer_weight{parent=\"sim0\",uuid=\"$A\"} 10$' $textdir/mdgpu-balancer.prom &&
	grep -q '^mdgpu_balancer_decisions_total{parent=\"sim0\",uuid=\"$A\",reason=\"idle\"} [1-9]' $textdir/mdgpu-balancer.prom &&
	promtool check metrics <$textdir/mdgpu-balancer.prom"

# --- 3: dry run ---------------------------------------------------------------
echo 500 >"/sys/bus/mdev/devices/$A/mdgpu/weight"
expect "--once --dry-run: decides A back to its floor but writes nothing" bash -c "
	$bin/mdgpu-balancer --config $work/balancer.conf --period 2 --once --dry-run >$work/dry 2>&1 &&
	grep -q '^$A parent=sim0 weight 500 -> 10 (dry run: not set) reason=idle' $work/dry &&
	test \"\$(cat /sys/bus/mdev/devices/$A/mdgpu/weight)\" = 500"
echo 10 >"/sys/bus/mdev/devices/$A/mdgpu/weight"

# --- 4: Prometheus input --------------------------------------------------------
{
	while :; do
		"$bin/mdgpuctl" metrics --output "$textdir/mdgpu.prom"
		sleep 3
	done
} &
pids+=($!)
vmt_prometheus "$textdir"
"$bin/mdgpu-busy" 150 2000 "$A" >"$work/busy3.log" 2>&1 &
busy=$!
pids+=("$busy")
# Ready when Prometheus has a rate of A's engine time (two scrapes).
ready=0
for _ in $(seq 1 120); do
	if query "rate(mdgpu_vgpu_engine_seconds_total{uuid=\"$A\"}[30s]) > 0" 2>/dev/null |
		jq -e '.data.result | length == 1' >/dev/null 2>&1; then
		ready=1
		break
	fi
	sleep 2
done
if [ $ready = 1 ]; then
	ok "Prometheus has a rate of A's engine time"
else
	notok "Prometheus has a rate of A's engine time"
	tail -n 20 "$work/prom.log" | diag
fi
echo 100 >"/sys/bus/mdev/devices/$B/mdgpu/weight"
expect "--prometheus: 8 periods of 3 s" "$bin/mdgpu-balancer" --config "$work/balancer.conf" \
	--prometheus http://127.0.0.1:9090 --window 30s --period 3 --periods 8
cp "$work/out" "$work/plog"
tail -n 4 "$work/plog" | diag
expect "--prometheus: A (busy) raised to 500 or more, B (idle) at its floor, from Prometheus's rates" bash -c "
	test \"\$(cat /sys/bus/mdev/devices/$A/mdgpu/weight)\" -ge 500 &&
	test \"\$(cat /sys/bus/mdev/devices/$B/mdgpu/weight)\" = 20 &&
	grep -q '^$A parent=sim0 weight 10 -> [0-9]* reason=demand' $work/plog &&
	! grep -q 'reason=no-sample' $work/plog"
expect "--prometheus with no server there: exits 1, no weight changes" bash -c "
	a=\$(cat /sys/bus/mdev/devices/$A/mdgpu/weight)
	! $bin/mdgpu-balancer --config $work/balancer.conf --prometheus http://127.0.0.1:9 --once >$work/nolog 2>&1 &&
	test \"\$(cat /sys/bus/mdev/devices/$A/mdgpu/weight)\" = \"\$a\" &&
	grep -q 'Prometheus' $work/nolog"
kill "$busy" 2>/dev/null
# The samples of phases 1 and 2, for tests/traces/ (a recorded trace).
echo "MDGPU-BALANCER-TRACE-BEGIN"
cat "$work/trace.csv"
echo "MDGPU-BALANCER-TRACE-END"
# Then --move, on a fresh module (vm-test-move.sh).
trap - EXIT
vmt_cleanup
exec bash "$(dirname "${BASH_SOURCE[0]}")/vm-test-move.sh" "$ko" "$bin"
