#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# e2e.sh BALANCER FAKE_SYSFS - mdgpu-balancer as a program, against
# mdgpuctl's standard fake sysfs tree (files from Documentation/ABI): a
# background loop makes vGPU A busy and waiting and parent sim0 saturated
# while sim1 idles; after a few periods A's weight file holds its ceiling,
# the idle vGPUs their floors, an unheld instance of sim0 is proposed for
# sim1 (the held one is not; another unheld one, for which sim1 has no room
# left once the first is planned there, is not, with the reason logged),
# every decision is logged with a reason, the
# textfile passes promtool (when installed) and a dry run writes nothing;
# --move waits for move_after periods, tries once, logs and counts.
# TAP.
set -uo pipefail

bal=$(realpath -e "${1:?usage: e2e.sh BALANCER FAKE_SYSFS}") || exit 2
root=$("${2:?}") || { echo "not ok 1 fake sysfs tree"; exit 1; }
export MDGPU_SYSFS_ROOT=$root
work=$(mktemp -d)
trap 'kill $bump 2>/dev/null; wait 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$root" "$work"' EXIT

A=11111111-1111-4111-8111-111111111111 # held by qemu (fake_standard)
B=22222222-2222-4222-8222-222222222222
D=44444444-4444-4444-8444-444444444444 # mdgpu-64M, unheld
dev=$root/sys/bus/mdev/devices
p0=$root/sys/class/mdgpu/sim0
p1=$root/sys/class/mdgpu/sim1
n=0
failed=0
t() {
	local desc=$1
	shift
	n=$((n + 1))
	if "$@" >"$work/out" 2>&1; then
		echo "ok $n $desc"
	else
		failed=$((failed + 1))
		echo "not ok $n $desc"
		sed 's/^/# /' "$work/out" | head -n 20
	fi
}

echo "TAP version 13"
echo weighted >"$p0/policy"
# sim1: 320M, E's 256M at 0 and room for one 64M range (as the kernel
# would count it).
echo $((320 << 20)) >"$p1/vram_total"
echo 1 >"$p1/mdev_supported_types/mdgpu-64M/available_instances"
cat >"$work/balancer.conf" <<CONF
period 10   # overridden by --period
default floor=10 ceiling=1000
vgpu $B floor=50 ceiling=60
CONF
# Counters move by far more than a period each tick: A's demand reads
# full whatever the timing; sim0 busy only, sim1 idle only.
# (Written to a temporary file and renamed: a reader never sees an empty
# file, as sysfs never shows one.)
put() { echo "$2" >"$1.new" && mv "$1.new" "$1"; }
bump() {
	local e=0
	while :; do
		e=$((e + 5000000))
		put "$dev/$A/mdgpu/engine_time_us" $e
		put "$dev/$A/mdgpu/wait_time_us" $e
		put "$p0/engine_busy_us" $e
		put "$p0/engine_idle_us" 0
		put "$p1/engine_idle_us" $e
		put "$p1/engine_busy_us" 0
		sleep 0.05
	done
}
bump &
bump=$!

t "5 periods of 1 s run" "$bal" --config "$work/balancer.conf" --period 1 \
	--periods 5 --textfile "$work/b.prom"
cp "$work/out" "$work/log"
sed 's/^/# /' "$work/log" | tail -n 8
# (On a loaded machine the loop may miss a period: A's demand then dips.
# What is checked is that the decisions reached sysfs.)
t "A (full demand) raised to its ceiling, the last decision in sysfs" bash -c "
	grep -q '^$A parent=sim0 weight 100 -> 1000 reason=demand' $work/log &&
	w=\$(grep '^$A ' $work/log | tail -n 1 | sed -n 's/.* -> \\([0-9]*\\) .*/\\1/p; s/.* weight \\([0-9]*\\) holds.*/\\1/p') &&
	grep -qx \"\$w\" $dev/$A/mdgpu/weight"
t "B (idle) at its own floor" grep -qx 50 "$dev/$B/mdgpu/weight"
t "D (idle) at the default floor" grep -qx 10 "$dev/$D/mdgpu/weight"
t "every decision logged with a reason" bash -c "
	grep -c ' reason=' $work/log | grep -qx \$(grep -c '^[0-9a-f]\{8\}-.* parent=' $work/log) &&
	grep -q '^$A parent=sim0 weight 100 -> .* reason=demand' $work/log &&
	grep -q '^$D parent=sim0 weight 100 -> 10 reason=idle' $work/log"
t "unheld D proposed from saturated sim0 to idle sim1, held A never" bash -c "
	grep -q '^propose: move $D (mdgpu-64M, held by no process) from sim0 .* to sim1' $work/log &&
	! grep -q '^propose: move $A' $work/log"
t "unheld B (256M) not proposed: sim1 has no room once D's move is planned, the reason logged" bash -c "
	grep -q '^propose: not moving $B (mdgpu-256M) from sim0 (busy 100%, vGPUs waited [0-9.]* periods): no idle parent has room; sim1 (busy 0%): no free aligned 256M range (320M of 320M used or reserved) after the 1 move planned there this period$' $work/log &&
	! grep -q '^propose: move $B' $work/log"
t "metrics: weight, bounds, decisions by reason, proposal" bash -c "
	grep -q \"^mdgpu_balancer_weight{parent=\\\"sim0\\\",uuid=\\\"$A\\\"} \$(cat $dev/$A/mdgpu/weight)\$\" $work/b.prom &&
	grep -q '^mdgpu_balancer_weight_floor{parent=\"sim0\",uuid=\"$B\"} 50$' $work/b.prom &&
	grep -q '^mdgpu_balancer_decisions_total{parent=\"sim0\",uuid=\"$D\",reason=\"idle\"} [1-9]' $work/b.prom &&
	grep -q '^# TYPE mdgpu_balancer_move_proposed gauge' $work/b.prom &&
	grep -q '^mdgpu_balancer_periods_total 5$' $work/b.prom"
if command -v promtool >/dev/null; then
	t "promtool check metrics accepts the textfile" bash -c "promtool check metrics <$work/b.prom"
fi
for u in "$A" "$B" "$D"; do echo 100 >"$dev/$u/mdgpu/weight"; done
t "--once --dry-run decides and logs" "$bal" --config "$work/balancer.conf" --period 1 --once --dry-run
cp "$work/out" "$work/dry"
t "  ... but writes no weight" bash -c "
	grep -q '^$B parent=sim0 weight 100 -> 50 (dry run: not set) reason=idle' $work/dry &&
	cat $dev/$A/mdgpu/weight $dev/$B/mdgpu/weight $dev/$D/mdgpu/weight | sort -u | grep -qx 100"
# --move: D is proposed every period; the move is tried once it was
# proposed move_after (2) periods in a row, and not again in the cooldown.
# The fake tree has no VFIO device: saving fails, D stays where it is.
export MDGPU_MDEVCTL=false
t "--move --dry-run: D waits one period, then would move" bash -c "
	$bal --config $work/balancer.conf --period 1 --periods 3 --dry-run --move >$work/mdry 2>&1 &&
	grep -q '^move: $D (mdgpu-64M) from sim0 to sim1: waits (proposed 1 of 2 periods in a row)' $work/mdry &&
	grep -q '^move: $D (mdgpu-64M) from sim0 to sim1: would move (dry run); reason: sim0 saturated (busy 100%, vGPUs waited [0-9.]* periods), sim1 idle (busy 0%)' $work/mdry &&
	test \$(grep -c '^move: $D' $work/mdry) = 2 && test -d $dev/$D"
cp "$work/mdry" "$work/out"
sed 's/^/# /' "$work/mdry" | grep '^# move:'
t "--move: tried once (the cooldown), the failure logged and counted, D still on sim0" bash -c "
	$bal --config $work/balancer.conf --period 1 --periods 5 --move --textfile $work/m.prom >$work/mlog 2>&1 &&
	test \$(grep -c '^move: $D (mdgpu-64M) from sim0 to sim1: unchanged (save failed: ENOENT), still on sim0; reason: sim0 saturated' $work/mlog) = 1 &&
	test \$(grep -c '^propose: move $D' $work/mlog) = 2 &&
	grep -q '^mdgpu_balancer_moves_total{result=\"unchanged\"} 1$' $work/m.prom &&
	grep -q '^mdgpu_balancer_moves_total{result=\"moved\"} 0$' $work/m.prom &&
	grep -q '^mdgpu_balancer_move_enabled 1$' $work/m.prom &&
	test \$(basename \$(readlink -f $dev/$D/mdev_type/../..)) = sim0"
cp "$work/mlog" "$work/out"
sed 's/^/# /' "$work/mlog" | grep '^# move:'
t "a bad configuration is refused with its line" bash -c "
	printf 'default floor=10 ceiling=1000\nvgpu $A floor=0 ceiling=5\n' >$work/bad.conf
	! $bal --config $work/bad.conf --once 2>$work/err && grep -q 'line 2' $work/err"
echo "1..$n"
echo "# Totals: pass:$((n - failed)) fail:$failed skip:0"
[ $failed = 0 ]
