#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# l1.sh - the guest-migrate test, inside the VM harness's guest ("L1").
#
# usage: l1.sh KO L2DIR QEMU [TYPE [MAX [TIMEOUT [MIGRATE_TIMEOUT [ENABLE
#                               [DOWNTIME]]]]]]
#
#   KO               mdgpu.ko built for the running kernel
#   L2DIR            guest-display's nested guest (selftests/vm/nested.sh):
#                    initramfs.cpio and pattern.bin
#   QEMU             QEMU 10 (selftests/vm/qemu-backports.sh's wrapper)
#   TYPE             vGPU type (mdgpu-64M)
#   MAX              its maximum resolution (1920x1080)
#   TIMEOUT          seconds to wait for the nested guest's checks (1500)
#   MIGRATE_TIMEOUT  seconds each save, restore or migration may take (900)
#   ENABLE           vfio-pci's enable-migration value (on)
#   DOWNTIME         migrate-set-parameters' downtime-limit in ms (300000)
#
# Loads mdgpu with two parents and creates three vGPUs of TYPE: A and B on
# sim0, C on sim1. Boots a nested VM ("L2") with QEMU 10 on A, with
# `-device vfio-pci,sysfsdev=...,display=on,enable-migration=on`; its /init
# is guest-display's l2-init.sh with mdgpu_gd.heartbeat=1: it runs
# guest-display's checks (bochs binds, the pattern goes to /dev/fb0), then
# prints a heartbeat counter every second on its serial console. Then:
#
#   save/restore: QMP migrate-set-parameters (downtime-limit DOWNTIME: under
#   TCG, QEMU would otherwise never find the rest small enough to stop),
#   migrate to "file:", QEMU quits; a second QEMU with the same options on
#   B and -incoming defer, migrate-incoming from the file;
#
#   live: a third QEMU on C (the other parent) with -incoming defer and
#   migrate-incoming from a unix socket; migrate from B to it while L2 runs.
#
# After each step the guest must run on the new QEMU (query-status running,
# the heartbeat goes on from where it stopped and keeps increasing) and show
# the same picture: the DISPI mode and mdgpu's DISPLAY_STATUS/MODE_ERRORS read
# through QEMU (so through mdgpu's register emulation on the new instance),
# the scanout's bytes in BAR0 and QEMU's screendump identical to what A
# showed before the save; no QEMU may print an error. The results are one
# TAP block, "guest-migrate"; timings and migration statistics are printed
# on MDGPU-GM-TIME lines.
#
# Each nested QEMU is pinned to one CPU of L1 (guest-display's l1.sh says
# why): A and B to CPU 0, C to CPU 1.

set -uo pipefail

usage='usage: l1.sh KO L2DIR QEMU [TYPE [MAX [TIMEOUT [MIGRATE_TIMEOUT [ENABLE [DOWNTIME]]]]]]'
ko=${1:?$usage}
l2dir=${2:?$usage}
qemu_bin=${3:?$usage}
type=${4:-mdgpu-64M}
max=${5:-1920x1080}
l2_timeout=${6:-1500}
mig_timeout=${7:-900}
enable=${8:-on}
downtime_ms=${9:-300000}
l2_mem=192

# The L2 checks, in the order l2-init.sh reports them.
l2_ids=(pci engine_fault modules bound card0 connected edid modes fbdev fbcon pattern klog)

w=$(mktemp -d /tmp/guest-migrate.XXXXXX)

# Messages, results as TAP, QMP: selftests/vm/nested.sh.
nested_name=guest-migrate
# shellcheck source=../vm/nested.sh
. "$(dirname "${BASH_SOURCE[0]}")/../vm/nested.sh"

declare -A qpid=() tails=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local n
	for n in "${!tails[@]}"; do
		kill "${tails[$n]}" 2>/dev/null
	done
	mon_close_all
	for n in "${!qpid[@]}"; do
		kill -9 "${qpid[$n]}" 2>/dev/null
	done
	rm -rf "$w"
}
trap cleanup EXIT

# --- mdgpu and the vGPUs ---------------------------------------------------

say "L1 kernel $(uname -r), $ko, type $type (max $max), $("$qemu_bin" -version | head -n 1)"
declare -A uuid=() dev=()
made=0
if insmod "$ko" parents=2 vram_mb=256; then
	made=1
	for n in a:sim0 b:sim0 c:sim1; do
		uuid[${n%:*}]=$(cat /proc/sys/kernel/random/uuid)
		dev[${n%:*}]=/sys/bus/mdev/devices/${uuid[${n%:*}]}
		echo "${uuid[${n%:*}]}" \
			>"/sys/class/mdgpu/${n#*:}/mdev_supported_types/$type/create" ||
			made=0
	done
fi
check "l1: mdgpu loaded with two parents; $type vGPUs A and B on sim0, C on sim1" \
	"A ${uuid[a]:-} B ${uuid[b]:-} C ${uuid[c]:-}" test $made = 1
if [ $made != 1 ]; then
	tap
	exit 1
fi
attrs=("${dev[a]}"/mdgpu/*)
say "instance attributes: ${attrs[*]##*/}"

# --- the nested QEMUs ----------------------------------------------------------

kimg=$MDGPU_KERNEL/vmlinux
[ -f "$kimg" ] || kimg=$MDGPU_KERNEL/vmlinuz

# start_qemu NAME VGPU CPU [ARG...]: start QEMU 10 NAME on vGPU VGPU (a, b
# or c), pinned to CPU, with the nested guest's options and ARG...; its
# serial console goes to $w/NAME.serial (copied to this console with the
# prefix "NAME| "), its stderr to $w/NAME.err, its monitor is NAME.
start_qemu() {
	local name=$1 vgpu=$2 cpu=$3
	shift 3
	mon_prepare "$w" "$name"
	: >"$w/$name.serial"
	# shellcheck disable=SC2054  # commas are QEMU's syntax
	local cmd=(taskset -c "$cpu"
	     "$qemu_bin" -accel tcg -machine pc -m "$l2_mem" -smp 1
	     -nodefaults -vga none -display none -no-user-config -no-reboot
	     -kernel "$kimg" -initrd "$l2dir/initramfs.cpio"
	     -append "console=ttyS0,115200 rdinit=/init panic=-1 mdgpu_gd.max=$max mdgpu_gd.heartbeat=1"
	     -serial "file:$w/$name.serial"
	     -chardev "pipe,id=mon,path=$w/$name" -mon chardev=mon,mode=control
	     -device "vfio-pci,sysfsdev=${dev[$vgpu]},display=on,enable-migration=$enable,migration-events=on"
	     "$@")
	say "starting $name: ${cmd[*]}"
	"${cmd[@]}" </dev/null >"$w/$name.err" 2>&1 &
	qpid[$name]=$!
	mon_attach "$name"
	tail -n +1 -f --pid="${qpid[$name]}" "$w/$name.serial" |
		sed -u "s/\r//; s/^/$name| /" &
	tails[$name]=$!
	qmp '"execute": "qmp_capabilities"' >/dev/null ||
		say "$name: no answer from QMP"
}

alive() {
	kill -0 "${qpid[$1]}" 2>/dev/null
}

# stop_qemu NAME: quit QEMU NAME (kill it after 30 s); its exit status is
# left in stop_rc. Not in a subshell: it waits for its child.
stop_rc=
stop_qemu() {
	local name=$1 n=0
	stop_rc=none
	[ -n "${qpid[$name]:-}" ] || return 0
	if alive "$name"; then
		mon_use "$name"
		qmp '"execute": "quit"' 10 >/dev/null
	fi
	while alive "$name" && [ $n -lt 60 ]; do
		sleep 0.5
		n=$((n + 1))
	done
	if alive "$name"; then
		say "$name did not quit, killing it"
		kill -9 "${qpid[$name]}"
	fi
	wait "${qpid[$name]}" 2>/dev/null
	stop_rc=$?
	unset "qpid[$name]"
	mon_close "$name"
	kill "${tails[$name]}" 2>/dev/null
	unset "tails[$name]"
}

# qemu_said NAME: QEMU NAME's stderr, prefixed, to this console.
qemu_said() {
	if [ -s "$w/$1.err" ]; then
		say "QEMU $1 said:"
		sed "s/^/qemu $1: /" "$w/$1.err"
	fi
}

# qemu_errors NAME: the lines of NAME's stderr that report an error (QEMU
# warns that the vGPU has no dirty tracking of its own; that is expected).
qemu_errors() {
	grep -iE 'error|fail|abort|assert' "$w/$1.err" 2>/dev/null
}

# events NAME: the VFIO_MIGRATION and MIGRATION events of NAME's monitor,
# one line each: the device states and migration states in order.
events() {
	perl -MJSON::PP -ne '
		s/\r//g;
		my $m = eval { decode_json($_) } or next;
		my $e = $m->{event} or next;
		next unless $e =~ /MIGRATION/;
		print "$e ", join(" ", map { "$_=$m->{data}{$_}" }
				  sort keys %{$m->{data}}), "\n";' "${mon_logs[$1]}.log"
}

# heartbeat NAME first|last: L2's first or last heartbeat on NAME's serial
# console (nothing if none).
heartbeat() {
	local sel='tail'
	[ "$2" = first ] && sel='head'
	tr -d '\r' <"$w/$1.serial" | grep -a '^MDGPU-L2-HEARTBEAT [0-9]* ' |
		"$sel" -n 1 | cut -d' ' -f2
}

# beats_unbroken NAME...: whether L2's heartbeats on the serial consoles of
# NAME..., in that order and joined (a line cut by the switch-over ends on
# the next console), count up by one with nothing missing or repeated.
beats_unbroken() {
	local n
	for n in "$@"; do
		cat "$w/$n.serial"
	done | tr -d '\r' | awk '
		/^MDGPU-L2-HEARTBEAT [0-9]+ / {
			if (seen && $2 != last + 1) {
				printf "%d after %d", $2, last
				bad = 1
				exit
			}
			seen = 1
			last = $2
		}
		END { exit bad || !seen }'
}

# wait_heartbeat NAME N SECONDS: wait until NAME's last heartbeat is at
# least N.
wait_heartbeat() {
	local t0=${EPOCHREALTIME/./} hb
	while [ $((${EPOCHREALTIME/./} - t0)) -lt $(($3 * 1000000)) ]; do
		hb=$(heartbeat "$1" last)
		[ -n "$hb" ] && [ "$hb" -ge "$2" ] && return 0
		alive "$1" || return 1
		sleep 1
	done
	return 1
}

# mig_field JSON KEY...: a member of a QMP answer, by path ("return
# status", "return ram transferred").
mig_field() {
	perl -MJSON::PP -e '
		my $v = eval { decode_json(shift @ARGV) } or exit 1;
		for my $k (@ARGV) {
			ref $v eq "HASH" && exists $v->{$k} or exit 1;
			$v = $v->{$k};
		}
		print ref $v ? encode_json($v) : $v, "\n";' "$@"
}

# wait_migration NAME SECONDS [in]: poll query-migrate on NAME until the
# migration is over; prints the last answer. Succeeds if it completed. With
# "in", NAME is the destination.
wait_migration() {
	local t0=${EPOCHREALTIME/./} ans st=''
	mon_use "$1"
	while [ $((${EPOCHREALTIME/./} - t0)) -lt $(($2 * 1000000)) ]; do
		ans=$(qmp '"execute": "query-migrate"' 30)
		st=$(mig_field "$ans" return status)
		case "$st" in
		completed) echo "$ans"; return 0 ;;
		failed|cancelled) echo "$ans"; return 1 ;;
		esac
		# An incoming QEMU may forget its migration once the guest
		# runs: running is the end there.
		if [ "${3:-}" = in ] && [ -z "$st" ] &&
		   [ "$(status "$1")" = running ]; then
			echo "$ans (query-status: running)"
			return 0
		fi
		alive "$1" || break
		sleep 1
	done
	echo "${ans:-no answer} (still ${st:-unknown}, or QEMU $1 gone)"
	return 1
}

# mig_stats ANSWER: the figures of a query-migrate answer, one line.
mig_stats() {
	perl -MJSON::PP -e '
		my $r = (eval { decode_json($ARGV[0]) } || {})->{return} || {};
		my @o;
		for my $k (qw(status total-time setup-time downtime)) {
			push @o, "$k=$r->{$k}" if defined $r->{$k};
		}
		push @o, "ram_bytes=$r->{ram}{transferred}" if $r->{ram};
		push @o, "vfio_bytes=$r->{vfio}{transferred}" if $r->{vfio};
		push @o, "error=\"$r->{\"error-desc\"}\"" if $r->{"error-desc"};
		push @o, "blocked=\"" . join("; ", @{$r->{"blocked-reasons"}}) . "\""
			if $r->{"blocked-reasons"};
		print join(" ", @o), "\n";' "$1"
}

# status NAME: QEMU NAME's run state (running, paused, postmigrate, ...).
status() {
	mon_use "$1"
	mig_field "$(qmp '"execute": "query-status"' 30)" return status
}

# --- what the guest shows ------------------------------------------------------
# snapshot NAME: through QEMU NAME's monitor, into $w/NAME.*: regs (the
# DISPI registers and mdgpu's ID, DISPLAY_STATUS and MODE_ERRORS, one
# line), scanout (the scanout's bytes in BAR0, where DISPI puts it) and
# screen.ppm (QMP screendump). Fails, with a reason in $w/NAME.why, if
# something could not be read.

snapshot() {
	local name=$1 info bar0 bar2 i v line='' stride off size vw
	local names=(ID XRES YRES BPP ENABLE BANK VIRT_WIDTH VIRT_HEIGHT
		     X_OFFSET Y_OFFSET VIDEO_MEMORY_64K)
	local -A d=()
	mon_use "$name"
	: >"$w/$name.why"
	info=$(hmp "info pci")
	bar0=$(sed -n 's/.*BAR0: 64 bit prefetchable memory at \(0x[0-9a-f]*\).*/\1/p' \
		<<<"$info" | head -n 1)
	bar2=$(sed -n 's/.*BAR2: 32 bit memory at \(0x[0-9a-f]*\).*/\1/p' \
		<<<"$info" | head -n 1)
	if [ -z "$bar0" ] || [ -z "$bar2" ]; then
		echo "BARs not found by 'info pci'" >"$w/$name.why"
		return 1
	fi
	for i in "${!names[@]}"; do
		v=$(rd h $((bar2 + 0x500 + 2 * i)) || echo '?')
		d[${names[$i]}]=$v
		line+="${names[$i]}=$v "
	done
	line+="MDGPU_ID=$(rd w $((bar2 + 0x800)) || echo '?') "
	line+="DISPLAY_STATUS=$(rd w $((bar2 + 0x818)) || echo '?') "
	line+="MODE_ERRORS=$(rd w $((bar2 + 0x81c)) || echo '?')"
	echo "$line" >"$w/$name.regs"
	say "$name: BAR0 $bar0 BAR2 $bar2; $line"
	if [ "${d[ENABLE]}" != $((0x41)) ] || [ "${d[BPP]}" != 32 ]; then
		echo "display not on at 32 bpp: $line" >"$w/$name.why"
		return 1
	fi
	vw=${d[VIRT_WIDTH]}
	[ "$vw" -ge "${d[XRES]}" ] || vw=${d[XRES]}
	stride=$((vw * 4))
	off=$((d[Y_OFFSET] * stride + d[X_OFFSET] * 4))
	size=$(((d[YRES] - 1) * stride + d[XRES] * 4))
	qmp "\"execute\": \"pmemsave\", \"arguments\": {\"val\": $((bar0 + off)), \"size\": $size, \"filename\": \"$w/$name.scanout\"}" >/dev/null
	if [ "$(stat -c %s "$w/$name.scanout" 2>/dev/null)" != "$size" ]; then
		echo "pmemsave of $size bytes at BAR0 offset $off failed" >"$w/$name.why"
		return 1
	fi
	qmp "\"execute\": \"screendump\", \"arguments\": {\"filename\": \"$w/$name.ppm\"}" >/dev/null
	if [ ! -s "$w/$name.ppm" ]; then
		echo "no screendump" >"$w/$name.why"
		return 1
	fi
	say "$name: scanout $size bytes at BAR0 offset $off, sha256 $(sha256sum <"$w/$name.scanout" | cut -c1-16), screendump $(head -c 20 "$w/$name.ppm" | head -n 2 | tr '\n' ' ')"
}

# compare_snapshots REF NAME: add the checks that NAME shows what REF did.
compare_snapshots() {
	local ref=$1 name=$2 what=$3
	if [ ! -s "$w/$name.regs" ] || [ ! -s "$w/$ref.regs" ]; then
		add fail "l1: $what: the same mode and display state through QEMU's BAR2" \
			"no registers: $(cat "$w/$name.why" "$w/$ref.why" 2>/dev/null)"
	else
		check "l1: $what: the same mode and display state through QEMU's BAR2" \
			"$(cat "$w/$name.regs")" \
			cmp -s "$w/$ref.regs" "$w/$name.regs"
	fi
	local diag
	if [ -s "$w/$name.scanout" ] && [ -s "$w/$ref.scanout" ]; then
		diag=$(cmp "$w/$ref.scanout" "$w/$name.scanout" 2>&1) ||
			diag="$diag; $(cmp -l "$w/$ref.scanout" "$w/$name.scanout" 2>/dev/null | wc -l) bytes differ"
		check "l1: $what: the scanout in BAR0 is byte-identical" \
			"${diag:-$(stat -c %s "$w/$name.scanout") bytes equal}" \
			cmp -s "$w/$ref.scanout" "$w/$name.scanout"
	else
		add fail "l1: $what: the scanout in BAR0 is byte-identical" \
			"no scanout: $(cat "$w/$name.why" 2>/dev/null)"
	fi
	if [ -s "$w/$name.ppm" ] && [ -s "$w/$ref.ppm" ]; then
		check "l1: $what: QEMU's screendump is identical" \
			"$(stat -c %s "$w/$name.ppm") bytes" \
			cmp -s "$w/$ref.ppm" "$w/$name.ppm"
	else
		add fail "l1: $what: QEMU's screendump is identical" \
			"no screendump: $(cat "$w/$name.why" 2>/dev/null)"
	fi
}

# runs_on PREV NAME WHAT: add the checks that L2 runs on QEMU NAME after
# its state came in from QEMU PREV: NAME runs, and the heartbeat goes on
# where PREV's stopped, without a gap, for at least 3 more beats.
runs_on() {
	local prev=$1 name=$2 what=$3 st last first later gap ok=0
	st=$(status "$name")
	check "l1: $what: QEMU $name runs the guest (query-status)" \
		"status ${st:-no answer}" test "$st" = running
	last=$(heartbeat "$prev" last)
	wait_heartbeat "$name" $((${last:-0} + 1)) 300
	first=$(heartbeat "$name" first)
	wait_heartbeat "$name" $((${first:-0} + 3)) 300
	later=$(heartbeat "$name" last)
	if [ -n "$last" ] && [ -n "$first" ] && [ -n "$later" ] &&
	   [ "$later" -ge $((first + 3)) ] &&
	   gap=$(beats_unbroken "$prev" "$name"); then
		ok=1
	fi
	check "l1: $what: L2's heartbeat goes on from where it stopped, unbroken, and keeps increasing" \
		"last on $prev ${last:-none}, first on $name ${first:-none}, later ${later:-none}${gap:+; $gap}" \
		test $ok = 1
}

# --- A: boot -----------------------------------------------------------------

t_qemu=${EPOCHREALTIME/./}
start_qemu A a 0
state=timeout
t_boot=
while [ $((${EPOCHREALTIME/./} - t_qemu)) -lt $((l2_timeout * 1000000)) ]; do
	if [ -z "$t_boot" ] && grep -q MDGPU-L2-START "$w/A.serial"; then
		t_boot=$(since "$t_qemu")
	fi
	if [ -n "$t_boot" ] && grep -q MDGPU-L2-READY "$w/A.serial"; then
		state=ready
		break
	fi
	if ! alive A; then
		state=died
		break
	fi
	if [ -n "$t_boot" ] && hmp "info status" | grep -q paused; then
		state=paused
		say "QEMU paused the VM: $(hmp "info status")"
		break
	fi
	sleep 1
done
echo "MDGPU-GM-TIME l2_init_started=${t_boot:-never}s l2_checks_done=$(since "$t_qemu")s ($state)"
qemu_said A
if [ "$state" = died ]; then
	add fail "l1: QEMU 10 with enable-migration=$enable took the mdev and L2 booted" \
		"QEMU exited: $(head -n 3 "$w/A.err" | tr '\n' ' ')"
	say "L1 kernel log, last lines:"
	dmesg | tail -n 30
else
	check "l1: QEMU 10 with enable-migration=$enable took the mdev and L2 booted" \
		"L2 /init started ${t_boot:-never}s after QEMU" test -n "$t_boot"
fi
for id in "${l2_ids[@]}"; do
	line=$(tr -d '\r' <"$w/A.serial" | grep -m1 "^MDGPU-L2-RESULT $id ")
	if [ -z "$line" ]; then
		add fail "l2: $id" "not reported by L2 ($state)"
		continue
	fi
	read -r _ _ st desc <<<"$line"
	add "$st" "l2: $desc"
done

# A's picture before the save: it must be L2's (the pattern at the start of
# the scanout), or comparing the later ones with it would prove little.
pattern=$l2dir/pattern.bin
pat_size=$(stat -c %s "$pattern")
shot_a=0
hb_ok=0
if [ "$state" = ready ] && wait_heartbeat A 3 300; then
	hb_ok=1
	snapshot A && shot_a=1
fi
check "l1: L2 prints its heartbeat on QEMU A" \
	"last heartbeat $(heartbeat A last)" test $hb_ok = 1
if [ $shot_a = 1 ]; then
	check "l1: before the save: the scanout in BAR0 starts with the pattern L2 wrote" \
		"$(cat "$w/A.regs")" cmp -s -n "$pat_size" "$w/A.scanout" "$pattern"
	[ -n "${MDGPU_OUTDIR:-}" ] && cp "$w/A.ppm" "$MDGPU_OUTDIR/screendump-before.ppm"
else
	add fail "l1: before the save: the scanout in BAR0 starts with the pattern L2 wrote" \
		"$(cat "$w/A.why" 2>/dev/null || echo "L2 not ready ($state)")"
fi

# --- A -> file -> B: save and restore ------------------------------------------

file=$w/state.mig
saved=0
if alive A && [ "$state" = ready ]; then
	mon_use A
	ans=$(qmp "\"execute\": \"migrate-set-parameters\", \"arguments\": {\"downtime-limit\": $downtime_ms}")
	say "A: migrate-set-parameters: $ans"
	t_mig=${EPOCHREALTIME/./}
	ans=$(qmp "\"execute\": \"migrate\", \"arguments\": {\"uri\": \"file:$file\"}")
	say "A: migrate: $ans"
	refused=$(mig_field "$ans" error desc)
	if [ -z "$refused" ] && ans=$(wait_migration A "$mig_timeout"); then
		saved=1
	fi
	echo "MDGPU-GM-TIME save=$(since "$t_mig")s file_bytes=$(stat -c %s "$file" 2>/dev/null || echo 0) $(mig_stats "$ans")"
	say "A: status after the save: $(status A)"
	diag=${refused:+migrate refused: $refused}
	diag=${diag:-$(mig_stats "$ans")}
else
	diag="QEMU A not running ($state)"
fi
check "l1: save: QMP migrate to a file completes" "$diag" test $saved = 1
say "A: migration events:"
events A | sed 's/^/  A: /'
stop_qemu A
rc_a=$stop_rc
qemu_said A
check "l1: save: QEMU A printed no error and quit cleanly" \
	"status $rc_a; $(qemu_errors A | head -n 3 | tr '\n' ' ')" \
	test "$rc_a" = 0 -a -z "$(qemu_errors A)"

restored=0
if [ $saved = 1 ]; then
	start_qemu B b 0 -incoming defer
	t_mig=${EPOCHREALTIME/./}
	ans=$(qmp "\"execute\": \"migrate-incoming\", \"arguments\": {\"uri\": \"file:$file\"}")
	say "B: migrate-incoming: $ans"
	if ans=$(wait_migration B "$mig_timeout" in); then
		restored=1
	fi
	echo "MDGPU-GM-TIME restore=$(since "$t_mig")s $(mig_stats "$ans")"
	diag=$(mig_stats "$ans")
	say "B: migration events:"
	events B | sed 's/^/  B: /'
else
	diag="nothing saved"
fi
check "l1: restore: QEMU B on another sim0 vGPU takes the file with migrate-incoming" \
	"$diag" test $restored = 1
if [ $restored = 1 ]; then
	runs_on A B "restore"
	snapshot B
	compare_snapshots A B "restore"
	[ -n "${MDGPU_OUTDIR:-}" ] && [ -s "$w/B.ppm" ] &&
		cp "$w/B.ppm" "$MDGPU_OUTDIR/screendump-restored.ppm"
else
	for t in "QEMU B runs the guest (query-status)" \
		 "L2's heartbeat goes on from where it stopped, unbroken, and keeps increasing" \
		 "the same mode and display state through QEMU's BAR2" \
		 "the scanout in BAR0 is byte-identical" \
		 "QEMU's screendump is identical"; do
		add fail "l1: restore: $t" "not restored"
	done
fi

# --- B -> C: live, to the other parent ---------------------------------------

moved=0
if [ $restored = 1 ] && alive B; then
	start_qemu C c 1 -incoming defer
	sock=$w/live.sock
	ans=$(qmp "\"execute\": \"migrate-incoming\", \"arguments\": {\"uri\": \"unix:$sock\"}")
	say "C: migrate-incoming: $ans"
	n=0
	while [ ! -S "$sock" ] && [ $n -lt 60 ]; do
		sleep 0.5
		n=$((n + 1))
	done
	mon_use B
	ans=$(qmp "\"execute\": \"migrate-set-parameters\", \"arguments\": {\"downtime-limit\": $downtime_ms}")
	say "B: migrate-set-parameters: $ans"
	hb_before=$(heartbeat B last)
	t_mig=${EPOCHREALTIME/./}
	ans=$(qmp "\"execute\": \"migrate\", \"arguments\": {\"uri\": \"unix:$sock\"}")
	say "B: migrate: $ans"
	refused=$(mig_field "$ans" error desc)
	ok_src=0
	if [ -z "$refused" ] && ans=$(wait_migration B "$mig_timeout"); then
		ok_src=1
	fi
	echo "MDGPU-GM-TIME live=$(since "$t_mig")s $(mig_stats "$ans")"
	diag=${refused:+migrate refused: $refused}
	diag=${diag:-$(mig_stats "$ans")}
	hb_during=$(heartbeat B last)
	say "B: heartbeat ${hb_before:-none} when the migration started, ${hb_during:-none} when it ended"
	ans_c=$(wait_migration C 120 in)
	say "C: $(mig_stats "$ans_c")"
	[ $ok_src = 1 ] && mig_field "$ans_c" return status | grep -qx completed &&
		moved=1
	say "B: migration events:"
	events B | sed 's/^/  B: /'
	say "C: migration events:"
	events C | sed 's/^/  C: /'
else
	diag="QEMU B not running"
fi
check "l1: live: QMP migrate from QEMU B (sim0) to QEMU C (sim1) completes" \
	"$diag" test $moved = 1
if [ $moved = 1 ]; then
	say "B: status after the migration: $(status B)"
	stop_qemu B
	rc_b=$stop_rc
	runs_on B C "live"
	snapshot C
	compare_snapshots A C "live"
	[ -n "${MDGPU_OUTDIR:-}" ] && [ -s "$w/C.ppm" ] &&
		cp "$w/C.ppm" "$MDGPU_OUTDIR/screendump-migrated.ppm"
else
	stop_qemu B
	rc_b=$stop_rc
	for t in "QEMU C runs the guest (query-status)" \
		 "L2's heartbeat goes on from where it stopped, unbroken, and keeps increasing" \
		 "the same mode and display state through QEMU's BAR2" \
		 "the scanout in BAR0 is byte-identical" \
		 "QEMU's screendump is identical"; do
		add fail "l1: live: $t" "not migrated"
	done
fi
stop_qemu C
rc_c=$stop_rc
qemu_said B
qemu_said C
check "l1: QEMUs B and C printed no error and quit cleanly" \
	"status B $rc_b C $rc_c; $(qemu_errors B | head -n 2 | tr '\n' ' ')$(qemu_errors C | head -n 2 | tr '\n' ' ')" \
	test "$rc_b$rc_c" = 00 -a -z "$(qemu_errors B)$(qemu_errors C)"

# --- after the QEMUs -----------------------------------------------------------

say "L1 kernel log, mdgpu and vfio lines:"
dmesg | grep -iE 'mdgpu|vfio' | tail -n 40
gone=1
for v in a b c; do
	echo 1 >"${dev[$v]}/remove" || gone=0
done
rmmod mdgpu || gone=0
check "l1: the three vGPUs were removed and mdgpu unloaded" \
	"remove and rmmod $([ $gone = 1 ] && echo ok || echo failed)" \
	test $gone = 1

echo "MDGPU-GM-TIME l1_total=$(since "$t_start")s"
tap
all_ok
