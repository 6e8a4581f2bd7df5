#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vm-test-migration.sh - mdgpuctl checkpoint, restore and evacuate against
# the real module.
#
# Usage: vm-test-migration.sh KO_PATH
#
# A guest script for the VM harness, run as root from the repository root
# (selftests/guest-check.sh runs it for MDGPU_TESTS="mdgpuctl" or
# "mdgpuctl-migration"):
#
#   bash selftests/vm/run-vm.sh --kernel "$(bash selftests/vm/kernel.sh stock-6.12 | tail -1)" \
#        --script tools/mdgpuctl/vm-test-migration.sh -- "$PWD/build/<release>/mdgpu.ko"
#
# With two parents it draws a picture into an instance and saves it through
# VFIO migration (mdgpuctl-vm-helper mkstate), then: restore parks it;
# checkpoint of the parked instance gives the same device state and VRAM
# (only TIMESTAMP may grow) and leaves it parked; restore onto an instance
# of the other parent, whose next user sees the picture; refusals (another
# type, a corrupt or truncated file, with and without mdgpuctl's own check)
# leave the instance usable; a held instance is refused; evacuate sim0 to
# sim1 keeps UUIDs, types, tunables, parked contents and the mdevctl
# definition, and skips the held instance. TAP between
# "MDGPU-TAP-BEGIN kselftest mdgpuctl-migration" and
# "MDGPU-TAP-END mdgpuctl-migration"; non-zero exit if any failed.

set -uo pipefail

if [ $# -ne 1 ]; then
	sed -n '3,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit 2
fi
ko=$(realpath -e "$1") || { echo "vm-test-migration: no module at $1" >&2; exit 2; }
src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
work=$(mktemp -d /tmp/mdgpuctl-mig.XXXXXX)

n=0
failed=0
skipped=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $*"; }
skip() { n=$((n + 1)); skipped=$((skipped + 1)); echo "ok $n $* # SKIP"; }
diag() { sed 's/^/# /'; }

# run WANT_RC DESC CMD...: CMD's output in $work/out and $work/err.
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

finish() {
	echo "1..$n"
	echo "# Totals: pass:$((n - failed - skipped)) fail:$failed skip:$skipped"
	echo "MDGPU-TAP-END mdgpuctl-migration"
	rm -rf "$work"
	[ "$failed" -eq 0 ]
	exit
}

echo "MDGPU-TAP-BEGIN kselftest mdgpuctl-migration"
echo "TAP version 13"

if make -q -C "$src" >/dev/null 2>&1; then
	bin=$src
else
	echo "# building mdgpuctl in $work/bin"
	make -s -C "$src" BUILDDIR="$work/bin" >"$work/build.log" 2>&1 ||
		diag <"$work/build.log"
	bin=$work/bin
fi
ctl=$bin/mdgpuctl
helper=$bin/mdgpuctl-vm-helper
expect "mdgpuctl and its helper are built" test -x "$ctl" -a -x "$helper"

dev() { echo "/sys/bus/mdev/devices/$1"; }
state() { cat "$(dev "$1")/mdgpu/migration_state" 2>/dev/null; }
parent_of() { basename "$(dirname "$(dirname "$(readlink -f "$(dev "$1")/mdev_type")")")"; }
type_of() { basename "$(readlink "$(dev "$1")/mdev_type")"; }
newuuid() { cat /proc/sys/kernel/random/uuid; }

run 0 "insmod parents=2 vram_mb=512" insmod "$ko" parents=2 vram_mb=512 || finish

A=$(newuuid)
B=$(newuuid)
C=$(newuuid)
run 0 "create A 64M on sim0" "$ctl" create 64M --parent sim0 --uuid "$A"
run 0 "create B 64M on sim1" "$ctl" create 64M --parent sim1 --uuid "$B"
run 0 "create C 128M on sim0" "$ctl" create 128M --parent sim0 --uuid "$C"

if [ ! -e "$(dev "$A")/mdgpu/migration_compat" ]; then
	skip "the module has no VFIO migration (no migration_compat)"
	"$ctl" remove "$A"; "$ctl" remove "$B"; "$ctl" remove "$C"
	rmmod mdgpu
	finish
fi
expect "migration_state of a new instance is closed" test "$(state "$A")" = closed

# --- checkpoint of an instance nobody used: its power-on state

run 0 "checkpoint of an unparked instance" "$ctl" checkpoint "$A" "$work/power.ckpt"
expect "  ... says it saved the power-on state" grep -q "power-on state" "$work/out"
expect "  ... no temporary file is left" test ! -e "$work/power.ckpt.tmp"
expect "  ... A is closed again, not parked" test "$(state "$A")" = closed

# --- a state with a picture, restored: parked

run 0 "mdgpuctl-vm-helper mkstate A: a picture, saved by STOP_COPY" \
	"$helper" mkstate "$A" "$work/f0"
run 0 "restore A from it" "$ctl" restore "$A" "$work/f0"
expect "  ... prints what was restored (bytes, pages)" \
	grep -Eq "^$A: restored [0-9]+ bytes, [1-9][0-9]* VRAM pages.* from $work/f0 \(type mdgpu-64M\); parked" "$work/out"
expect "  ... migration_state is parked" test "$(state "$A")" = parked

run 0 "checkpoint A (parked) to f1" "$ctl" checkpoint "$A" "$work/f1"
expect "  ... says A stays parked" grep -q "it stays parked" "$work/out"
expect "  ... and it is" test "$(state "$A")" = parked
run 0 "f0 and f1 hold the same device state and VRAM (TIMESTAMP may grow)" \
	"$helper" migcmp "$work/f0" "$work/f1"
diag <"$work/out"
run 0 "checkpoint A again to f2" "$ctl" checkpoint "$A" "$work/f2"
run 0 "f1 and f2 are the same too" "$helper" migcmp "$work/f1" "$work/f2"

# --- onto an instance of the other parent

run 0 "restore f1 onto B on sim1" "$ctl" restore "$B" "$work/f1"
expect "  ... B is parked" test "$(state "$B")" = parked
run 0 "checkpoint B" "$ctl" checkpoint "$B" "$work/fb"
run 0 "B on sim1 holds what A on sim0 held" "$helper" migcmp "$work/f1" "$work/fb"
diag <"$work/out"
run 0 "B's next user sees the picture: screenshot without a mode" \
	"$ctl" screenshot "$B" "$work/b.png"
expect "  ... 640x480" test "$("$helper" size "$work/b.png")" = 640x480
expect "  ... the red box at 150,120" test "$("$helper" pixel "$work/b.png" 150 120)" = ff0000
expect "  ... the gradient at 10,20" test "$("$helper" pixel "$work/b.png" 10 20)" = 0a145a
expect "B is no longer parked after that user closed it" test "$(state "$B")" = closed

# --- refusals leave the instance usable

run 4 "restore of a 64M checkpoint onto the 128M C: refused" \
	"$ctl" restore "$C" "$work/f1"
expect "  ... names the field" grep -q "field type: the file is of type mdgpu-64M, the destination is mdgpu-128M" "$work/err"
expect "  ... C is untouched (closed)" test "$(state "$C")" = closed
run 0 "  ... and usable (screenshot --set-mode)" \
	"$ctl" screenshot "$C" "$work/c.png" --set-mode 640x480

cp "$work/f1" "$work/bad"
size=$(stat -c %s "$work/bad")
printf '\x5a' | dd of="$work/bad" bs=1 seek=$((size / 2)) conv=notrunc status=none
run 4 "restore of a corrupt file: refused by mdgpuctl" "$ctl" restore "$A" "$work/bad"
expect "  ... checksum mismatch, A not touched" \
	grep -q "checksum mismatch.*$A was not touched" "$work/err"
expect "  ... A is still parked" test "$(state "$A")" = parked
run 4 "restore --no-verify of the corrupt file: refused by the kernel" \
	"$ctl" restore "$A" "$work/bad" --no-verify
expect "  ... EBADMSG and what it means" \
	grep -q "(EBADMSG): the stream is corrupt or incomplete" "$work/err"
expect "  ... A was reset and is usable" grep -q "$A was reset to its power-on state and is usable" "$work/err"
expect "  ... A is closed, not in error" test "$(state "$A")" = closed
head -c $((size - 100)) "$work/f1" >"$work/short"
run 4 "restore --no-verify of a truncated file: refused by the kernel (EBADMSG)" \
	"$ctl" restore "$A" "$work/short" --no-verify
expect "  ... EBADMSG" grep -q "EBADMSG" "$work/err"
run 0 "restore A from f1 after the refusals" "$ctl" restore "$A" "$work/f1"
run 0 "  ... holds f1's state" "$ctl" checkpoint "$A" "$work/f3"
run 0 "  ... same as f1" "$helper" migcmp "$work/f1" "$work/f3"

# --- a held instance is refused

fifo=$work/hold.fifo
mkfifo "$fifo"
D=$(newuuid)
run 0 "create D 64M on sim0" "$ctl" create 64M --parent sim0 --uuid "$D"
"$helper" hold "$D" <"$fifo" >"$work/hold.out" 2>&1 9>&- &
hold_pid=$!
exec 9>"$fifo"
for _ in $(seq 100); do
	grep -q held "$work/hold.out" && break
	kill -0 $hold_pid 2>/dev/null || break
	sleep 0.1
done
expect "a helper holds D" grep -q held "$work/hold.out"
run 5 "checkpoint of a held instance: busy" "$ctl" checkpoint "$D" "$work/d"
expect "  ... names the holder" grep -q "in use by pid $hold_pid" "$work/err"
run 5 "restore onto a held instance: busy" "$ctl" restore "$D" "$work/f1"

# --- evacuate sim0 -> sim1: A (parked), C (tunables, mdevctl), D (held),
# G (held through its device fd only, which /proc does not show)

G=$(newuuid)
run 0 "create G 64M on sim0" "$ctl" create 64M --parent sim0 --uuid "$G"
fifo2=$work/hold2.fifo
mkfifo "$fifo2"
"$helper" hold "$G" --device-only <"$fifo2" >"$work/hold2.out" 2>&1 9>&- 8>&- &
hold2_pid=$!
exec 8>"$fifo2"
for _ in $(seq 100); do
	grep -q held "$work/hold2.out" && break
	kill -0 $hold2_pid 2>/dev/null || break
	sleep 0.1
done
expect "a helper holds only the device fd of G" grep -q held "$work/hold2.out"

if [ -e "$(dev "$C")/mdgpu/weight" ]; then
	run 0 "set C weight=7 priority=3 cap=60 min_share=12.5" "$ctl" set "$C" weight=7 priority=3 cap=60 min_share=12.5
else
	skip "C's tunables (the module has no scheduler tunables)"
fi
tun_c=$("$ctl" get "$C" 2>/dev/null | grep -v plane_types)
has_mdevctl=0
# The test VM's root is read-only: mdevctl's definitions go to a tmpfs.
etc_tmpfs=0
if command -v mdevctl >/dev/null && [ -d /etc/mdevctl.d ] &&
   ! touch /etc/mdevctl.d/.mdgpuctl-test 2>/dev/null &&
   mount -t tmpfs mdgpuctl-test /etc/mdevctl.d 2>/dev/null; then
	etc_tmpfs=1
	mkdir -p /etc/mdevctl.d/scripts.d/callouts /etc/mdevctl.d/scripts.d/notifiers
fi
rm -f /etc/mdevctl.d/.mdgpuctl-test 2>/dev/null
if command -v mdevctl >/dev/null && mdevctl define -u "$C" -p sim0 -t mdgpu-128M 2>"$work/err"; then
	has_mdevctl=1
	ok "mdevctl define C on sim0"
else
	skip "mdevctl define C (mdevctl not usable here)"
	diag <"$work/err"
fi
run 5 "evacuate sim0 --to sim1 --dry-run: D is held (exit 5)" \
	"$ctl" evacuate sim0 --to sim1 --dry-run
expect "  ... D skipped, naming its holder" grep -q "^skip  $D mdgpu-64M: held by pid $hold_pid" "$work/out"
expect "  ... A and C would move, largest first" \
	bash -c "grep -n '^would move' '$work/out' | grep -q '^[0-9]*:would move $C' && grep -q '^would move $A' '$work/out'"
expect "  ... nothing moved" test "$(parent_of "$A")-$(parent_of "$C")" = sim0-sim0
run 5 "evacuate sim0 --to sim1 (D held: exit 5)" "$ctl" evacuate sim0 --to sim1
diag <"$work/out"
expect "A is on sim1, same UUID and type" test "$(parent_of "$A")-$(type_of "$A")" = sim1-mdgpu-64M
expect "C is on sim1, same UUID and type" test "$(parent_of "$C")-$(type_of "$C")" = sim1-mdgpu-128M
expect "D stayed on sim0" test "$(parent_of "$D")" = sim0
expect "G skipped: its group is open" grep -q "^skip  $G mdgpu-64M: its VFIO group is open" "$work/out"
expect "G stayed on sim0" test "$(parent_of "$G")" = sim0
expect "C's tunables came along" test "$("$ctl" get "$C" 2>/dev/null | grep -v plane_types)" = "$tun_c"
expect "A is parked on sim1" test "$(state "$A")" = parked
run 0 "checkpoint A on sim1" "$ctl" checkpoint "$A" "$work/f4"
run 0 "A kept its contents across the evacuation" "$helper" migcmp "$work/f1" "$work/f4"
if [ $has_mdevctl = 1 ]; then
	expect "C's mdevctl definition moved to sim1" \
		bash -c "mdevctl list --defined -u '$C' -p sim1 | grep -q '$C' && ! mdevctl list --defined -u '$C' -p sim0 | grep -q '$C'"
	mdevctl list --defined 2>&1 | diag
	mdevctl undefine -u "$C" >/dev/null 2>&1
else
	skip "C's mdevctl definition (mdevctl not usable here)"
fi

exec 9>&-
wait $hold_pid
exec 8>&-
wait $hold2_pid

# --- no room: sim0, filled with 128M instances, cannot take sim1's 128M C

fill=()
while u=$(newuuid) && "$ctl" create 128M --parent sim0 --uuid "$u" >/dev/null 2>&1; do
	fill+=("$u")
done
expect "sim0 filled with ${#fill[@]} more 128M instances" test ${#fill[@]} -gt 0
run 4 "evacuate sim1 --to sim0 without room: refused" "$ctl" evacuate sim1 --to sim0
expect "  ... says sim0 has no room (ENOSPC)" grep -q "sim0 has no room.*ENOSPC" "$work/err"
expect "  ... nothing moved" test "$(parent_of "$A")-$(parent_of "$B")-$(parent_of "$C")" = sim1-sim1-sim1

[ $etc_tmpfs = 1 ] && umount /etc/mdevctl.d
for u in "$A" "$B" "$C" "$D" "$G" "${fill[@]}"; do
	"$ctl" remove "$u" >/dev/null 2>&1 || echo "remove $u failed" | diag
done
expect "all instances removed" test -z "$(find /sys/bus/mdev/devices -mindepth 1 -maxdepth 1)"
run 0 "rmmod" rmmod mdgpu
finish
