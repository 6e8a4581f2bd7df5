#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vm-test-move.sh KO_PATH BIN_DIR - mdgpu-balancer --move against the real
# module, inside a test VM (run by run-vm-test.sh, `make balancer-test`,
# after vm-test.sh).
#
# Two parents; sim0 (weighted) is saturated by A and B, which mdgpu-busy
# holds and drives with COMPUTE jobs; sim1 idles with D. The balancer runs
# with --move, period 2 s, move_after 2, move_cooldown 1000:
#
#  1. C, on sim0 and held by no process, is parked with a picture in its
#     VRAM (mdgpuctl-vm-helper mkstate, mdgpuctl restore) and has tunables
#     (weight 77 kept by its bounds, priority 5, min_share 30, cap 60). It
#     is moved to sim1 once proposed two periods in a row: same UUID and
#     type, still parked, the same device state and VRAM (mdgpuctl
#     checkpoint before and after, compared), the tunables carried, the
#     picture read back through the device (mdgpuctl screenshot); the move
#     is logged with its reason and counted (result "moved"). A and B
#     (held) are never proposed.
#  2. No room at the destination: sim1's engine guarantees are full
#     (D's min_share 60 + C's 30), so E (min_share 20, parked with a
#     picture; its min_share from its creation on) is not proposed: the
#     plan checks the destination with
#     mdgpuctl's fit rule (min_share admission) and logs why ("propose: not
#     moving"); E is never tried and stays on sim0 with the same state and
#     tunables. (Its weight is held at 100 by its bounds: the checkpoints
#     compared include the weight.) The rollback of a move that fails at
#     the destination is tested on mock ops (tests/test_move.c).
#  3. F is open through a device fd only (no holder /proc shows): the move
#     is tried and refused when saving opens the device (EBUSY); F stays.
#
# TAP between "MDGPU-TAP-BEGIN kselftest balancer-move-vm" and
# "MDGPU-TAP-END balancer-move-vm".
set -uo pipefail

# shellcheck source=SCRIPTDIR/../lib/vm-test-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/vm-test-common.sh"
# The hold helper of part 3 waits on fd 9: closing it lets it go.
vmt_pre_cleanup() { exec 9>&- 2>/dev/null; }
vmt_begin balancer-move-vm mdgpu-balmove "${1:-}" "${2:-}"
ctl=$bin/mdgpuctl
helper=$bin/mdgpuctl-vm-helper

A=62616c00-0000-4000-8000-0000000000a1
B=62616c00-0000-4000-8000-0000000000b1
C=62616c00-0000-4000-8000-0000000000c1
D=62616c00-0000-4000-8000-0000000000d1
E=62616c00-0000-4000-8000-0000000000e1
F=62616c00-0000-4000-8000-0000000000f1
dev() { echo "/sys/bus/mdev/devices/$1"; }
parent_of() { basename "$(dirname "$(dirname "$(readlink -f "$(dev "$1")/mdev_type")")")"; }
type_of() { basename "$(readlink -f "$(dev "$1")/mdev_type")"; }
state() { cat "$(dev "$1")/mdgpu/migration_state"; }
tun() { cat "$(dev "$1")/mdgpu/$2"; }
# wait_log REGEX SECONDS: until the balancer's log has a line matching.
wait_log() { vmt_wait_for "$work/log" "$1" "$2"; }

expect "insmod parents=2 vram_mb=512" insmod "$ko" parents=2 vram_mb=512
expect "A, B, C on sim0 (weighted), D on sim1" bash -c "
	set -e
	$ctl create 64M --parent sim0 --uuid $A
	$ctl create 64M --parent sim0 --uuid $B
	$ctl create 64M --parent sim0 --uuid $C
	$ctl create 64M --parent sim1 --uuid $D
	echo weighted >/sys/class/mdgpu/sim0/policy"
expect "C parked with a picture; tunables weight 77, priority 5, min_share 30, cap 60" bash -c "
	set -e
	$helper mkstate $C $work/c0
	$ctl restore $C $work/c0
	$ctl set $C weight=77 priority=5 min_share=30 cap=60
	test \"\$(cat $(dev "$C")/mdgpu/migration_state)\" = parked"
expect "checkpoint of C before (it stays parked)" bash -c "
	$ctl checkpoint $C $work/c-before && test \"\$(cat $(dev "$C")/mdgpu/migration_state)\" = parked"

cat >"$work/balancer.conf" <<CONF
period 2
move_after 2
move_cooldown 1000
max_moves 1
default floor=10 ceiling=1000
vgpu $C floor=77 ceiling=77
vgpu $E floor=100 ceiling=100
CONF

"$bin/mdgpu-busy" 400 2000 "$A" "$B" >"$work/busy.log" 2>&1 &
pids+=($!)
MDGPU_MDEVCTL=false "$bin/mdgpu-balancer" --config "$work/balancer.conf" --move \
	--textfile "$work/bal.prom" >"$work/log" 2>&1 &
bal=$!
pids+=("$bal")

# --- 1: C moves ---------------------------------------------------------------
if wait_log "^move: $C .*: moved" 150; then
	ok "C moved by the balancer"
else
	notok "C moved by the balancer"
	tail -n 30 "$work/log" | diag
fi
grep "^move: \|^propose: " "$work/log" | diag
expect "  ... after it was proposed two periods in a row (it waited one)" bash -c "
	grep -n '^move: $C' $work/log | head -n 2 | grep -q 'waits (proposed 1 of 2 periods in a row)' &&
	grep -q '^propose: move $C (mdgpu-64M, held by no process) from sim0 (busy [0-9]*%, vGPUs waited [0-9.]* periods) to sim1' $work/log"
expect "  ... logged with its reason, the state and the tunables" grep -Eq \
	"^move: $C \(mdgpu-64M\) from sim0 to sim1: moved, parked on sim1 with [0-9]+ bytes, [1-9][0-9]* VRAM pages.*; tunables weight=77 min_share=30 cap=60 priority=5.*; reason: sim0 saturated \(busy (9[0-9]|100)%, vGPUs waited [0-9.]+ periods\), sim1 idle \(busy [0-9]+%\)" \
	"$work/log"
expect "  ... the same UUID and type, now on sim1, parked" bash -c "
	test \"$(parent_of "$C")\" = sim1 && test \"$(type_of "$C")\" = mdgpu-64M &&
	test \"$(state "$C")\" = parked"
expect "  ... its tunables carried (priority 5, min_share 30, cap 60, weight 77)" bash -c "
	test \"$(tun "$C" priority) $(tun "$C" min_share) $(tun "$C" cap) $(tun "$C" weight)\" = '5 30 60 77'"
expect "  ... A and B (held by mdgpu-busy) were never proposed and stay on sim0" bash -c "
	! grep -q '^propose: move \\($A\\|$B\\)' $work/log && ! grep -q '^move: \\($A\\|$B\\)' $work/log &&
	test \"$(parent_of "$A") $(parent_of "$B")\" = 'sim0 sim0'"
expect "  ... counted: mdgpu_balancer_moves_total{result=\"moved\"} 1" \
	grep -q '^mdgpu_balancer_moves_total{result="moved"} 1$' "$work/bal.prom"
expect "  ... its device state and VRAM are what they were (checkpoint after, compared)" bash -c "
	$ctl checkpoint $C $work/c-after && $helper migcmp $work/c-before $work/c-after"
diag <"$work/out"

# --- 2: no room for E's guarantee at the destination: not proposed --------
expect "sim1's guarantees filled (D min_share 60); E on sim0 parked with a picture, min_share 20" bash -c "
	set -e
	$ctl set $D min_share=60
	$ctl create 64M --parent sim0 --uuid $E --set priority=3 --set min_share=20
	$helper mkstate $E $work/e0
	$ctl restore $E $work/e0
	$ctl set $E priority=3 min_share=20
	$ctl checkpoint $E $work/e-before"
if wait_log "^propose: not moving $E " 60; then
	ok "E is not proposed: sim1's engine does not admit its min_share"
else
	notok "E is not proposed: sim1's engine does not admit its min_share"
	tail -n 30 "$work/log" | diag
fi
# Three more periods: still not proposed, never tried.
sleep 6
grep "^propose: not moving $E" "$work/log" | tail -n 1 | diag
expect "  ... logged with the reason: sim1 has 900000 ppm committed (C 30 % + D 60 %)" grep -q \
	"^propose: not moving $E (mdgpu-64M) from sim0 (busy [0-9]*%, vGPUs waited [0-9.]* periods): no idle parent has room; sim1 (busy [0-9]*%): engine share: 900000 ppm committed, min_share 200000 ppm more would pass the engine$" \
	"$work/log"
expect "  ... never proposed nor tried: E is on sim0, parked, min_share 20, priority 3; sim1 holds only C and D" bash -c "
	! grep -q '^propose: move $E\\|^move: $E' $work/log &&
	test \"$(parent_of "$E") $(state "$E") $(tun "$E" min_share) $(tun "$E" priority)\" = 'sim0 parked 20 3' &&
	test \"\$(ls /sys/class/mdgpu/sim1/mdev_supported_types/mdgpu-64M/devices | sort | tr '\n' ' ')\" = '$C $D '"
expect "  ... E's device state and VRAM are intact" bash -c "
	$ctl checkpoint $E $work/e-after && $helper migcmp $work/e-before $work/e-after"

# --- 3: an instance open through its device fd only --------------------------
fifo=$work/hold.fifo
mkfifo "$fifo"
"$ctl" create 64M --parent sim0 --uuid "$F" >/dev/null
"$helper" hold "$F" --device-only <"$fifo" >"$work/hold.out" 2>&1 &
pids+=($!)
exec 9>"$fifo"
for _ in $(seq 100); do
	grep -q held "$work/hold.out" && break
	sleep 0.2
done
expect "F is held through its device fd only" grep -q held "$work/hold.out"
if wait_log "^move: $F .*: unchanged" 90; then
	ok "F's move was refused when the balancer opened it"
else
	notok "F's move was refused when the balancer opened it"
	tail -n 30 "$work/log" | diag
fi
grep "^move: $F" "$work/log" | diag
expect "  ... as open (EBUSY), F still on sim0" bash -c "
	grep -q '^move: $F (mdgpu-64M) from sim0 to sim1: unchanged (save failed: EBUSY, it is open: a VM holds it), still on sim0' $work/log &&
	test \"$(parent_of "$F")\" = sim0"
# Three more periods: nothing is tried again (the cooldown).
sleep 8
kill "$bal" 2>/dev/null
wait "$bal" 2>/dev/null
expect "each move was tried once (C, F: the cooldown), nothing else moved" bash -c "
	test \$(grep -c '^move: .*: \\(moved\\|rolled-back\\|unchanged\\|kept-in-file\\|lost\\)' $work/log) = 2 &&
	! grep -q '^move: $E' $work/log"
expect "the metrics textfile passes promtool (moves by result)" bash -c "
	grep -q '^mdgpu_balancer_moves_total{result=\"unchanged\"} 1$' $work/bal.prom &&
	grep -q '^mdgpu_balancer_moves_total{result=\"rolled-back\"} 0$' $work/bal.prom &&
	grep -q '^mdgpu_balancer_move_enabled 1$' $work/bal.prom &&
	promtool check metrics <$work/bal.prom"
exec 9>&-
expect "C's picture read back through the device on sim1 (screenshot: red box, gradient)" bash -c "
	$ctl screenshot $C $work/c.png && test \"\$($helper pixel $work/c.png 150 120)\" = ff0000 &&
	test \"\$($helper pixel $work/c.png 10 20)\" = 0a145a"
[ "$failed" -eq 0 ]
