#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# l1.sh - the guest-display test, inside the VM harness's guest ("L1").
#
# usage: l1.sh KO L2DIR [TYPE [MAX [TIMEOUT]]]
#
#   KO       mdgpu.ko built for the running kernel
#   L2DIR    made by run.sh: initramfs.cpio (busybox, l2-init.sh as /init,
#            bochs and its dependencies) and pattern.bin
#   TYPE     vGPU type to create (mdgpu-64M)
#   MAX      its maximum resolution, the preferred mode of its EDID
#            (1920x1080)
#   TIMEOUT  seconds to wait for the nested guest's checks (1500)
#
# Loads mdgpu, creates one vGPU and boots a nested VM ("L2") on it with the
# host's QEMU: TCG, no default devices, no emulated VGA, the vGPU as its only
# display through `-device vfio-pci,sysfsdev=...,display=on` with
# `-display none` (no OpenGL: the vGPU's default plane_types offers region
# planes only, which QEMU takes then), the same stock kernel and
# the initramfs from L2DIR, whose /init (l2-init.sh) checks the display from
# the inside. Once L2 has reported, this script checks the vGPU from outside
# while L2 still shows its picture, through QEMU's monitor (QMP):
#
#   - the registers bochs programmed, read through QEMU's BAR2 region, that
#     is through mdgpu's register emulation: the DISPI mode and mdgpu's
#     DISPLAY_STATUS and MODE_ERRORS;
#   - the scanout itself: the bytes of BAR0 (QEMU's mapping of mdgpu's VRAM)
#     where the DISPI registers say the picture starts must hold the pattern
#     L2 wrote to /dev/fb0, and fbcon's text must be below it;
#   - what QEMU's display shows: a QMP screendump (QEMU's console, fed by
#     VFIO_DEVICE_QUERY_GFX_PLANE and the region plane) has L2's mode and
#     shows the pattern, and QEMU logged no plane query error;
#
# and, after QEMU has quit, that QEMU reset the vGPU, that it can be removed
# and mdgpu unloaded. The results are one TAP block, "guest-display"; the
# scanout is saved as $MDGPU_OUTDIR/scanout.ppm when there is an output
# directory. Timings are printed on MDGPU-GD-TIME lines.
#
# The nested QEMU is pinned to one CPU of L1 (taskset -c 0): unpinned, L2's
# kernel dies early at random places (corrupted EFLAGS, #GP on iretq, double
# faults) when run under QEMU 7.2's TCG inside QEMU 7.2's TCG. See
# Documentation/testing.rst, "make guest-display".

set -uo pipefail

usage='usage: l1.sh KO L2DIR [TYPE [MAX [TIMEOUT]]]'
ko=${1:?$usage}
l2dir=${2:?$usage}
type=${3:-mdgpu-64M}
max=${4:-1920x1080}
l2_timeout=${5:-1500}
l2_mem=192

# The L2 checks, in the order l2-init.sh reports them.
l2_ids=(pci engine_fault modules bound card0 connected edid modes fbdev fbcon pattern klog)

w=$(mktemp -d /tmp/guest-display.XXXXXX)

# Messages, results as TAP, QMP: selftests/vm/nested.sh.
nested_name=guest-display
# shellcheck source=../vm/nested.sh
. "$(dirname "${BASH_SOURCE[0]}")/../vm/nested.sh"

# --- mdgpu and the vGPU ----------------------------------------------------

qemu_pid=
tail_pid=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	[ -n "$tail_pid" ] && kill "$tail_pid" 2>/dev/null
	mon_close_all
	[ -n "$qemu_pid" ] && kill -9 "$qemu_pid" 2>/dev/null
	rm -rf "$w"
}
trap cleanup EXIT

say "L1 kernel $(uname -r), $ko, type $type (max $max)"
uuid=$(cat /proc/sys/kernel/random/uuid)
dev=/sys/bus/mdev/devices/$uuid
if insmod "$ko" parents=1 vram_mb=128 &&
   echo "$uuid" >"/sys/class/mdgpu/sim0/mdev_supported_types/$type/create"; then
	add ok "l1: mdgpu loaded, $type vGPU created"
else
	add fail "l1: mdgpu loaded, $type vGPU created"
	tap
	exit 1
fi
resets0=$(cat "$dev/mdgpu/reset_count")
say "vGPU $uuid, IOMMU group $(basename "$(readlink "$dev/iommu_group")")"

# --- the nested VM -----------------------------------------------------------

kimg=$MDGPU_KERNEL/vmlinux
[ -f "$kimg" ] || kimg=$MDGPU_KERNEL/vmlinuz
mon_prepare "$w" mon
: >"$w/l2.log"
# shellcheck disable=SC2054  # commas are QEMU's syntax
qemu=(taskset -c 0
      qemu-system-x86_64 -accel tcg -machine pc -m "$l2_mem" -smp 1
      -nodefaults -vga none -display none -no-user-config -no-reboot
      -kernel "$kimg" -initrd "$l2dir/initramfs.cpio"
      -append "console=ttyS0,115200 rdinit=/init panic=-1 mdgpu_gd.max=$max"
      -serial "file:$w/l2.log"
      -chardev "pipe,id=mon,path=$w/mon" -mon chardev=mon,mode=control
      -device "vfio-pci,sysfsdev=$dev,display=on")
say "starting L2: ${qemu[*]}"
t_qemu=${EPOCHREALTIME/./}
"${qemu[@]}" </dev/null >"$w/qemu.out" 2>&1 &
qemu_pid=$!
mon_attach mon
tail -n +1 -f --pid="$qemu_pid" "$w/l2.log" | sed -u 's/\r//; s/^/L2| /' &
tail_pid=$!
qmp '"execute": "qmp_capabilities"' >/dev/null ||
	say "no answer from QMP"

# Wait for L2's verdict, QEMU's death or the deadline.
state=timeout
t_boot=
while [ $((${EPOCHREALTIME/./} - t_qemu)) -lt $((l2_timeout * 1000000)) ]; do
	if [ -z "$t_boot" ] && grep -q MDGPU-L2-START "$w/l2.log"; then
		t_boot=$(since "$t_qemu")
	fi
	if [ -n "$t_boot" ] && grep -q MDGPU-L2-READY "$w/l2.log"; then
		state=ready
		break
	fi
	if ! kill -0 "$qemu_pid" 2>/dev/null; then
		state=died
		break
	fi
	# QEMU stops the VM on the VFIO ERR interrupt: that is a failure.
	if [ -n "$t_boot" ] && hmp "info status" | grep -q paused; then
		state=paused
		say "QEMU paused the VM: $(hmp "info status")"
		break
	fi
	sleep 1
done
t_ready=$(since "$t_qemu")
echo "MDGPU-GD-TIME l2_init_started=${t_boot:-never}s l2_checks_done=${t_ready}s ($state)"

if [ -s "$w/qemu.out" ]; then
	say "QEMU said:"
	sed 's/^/qemu: /' "$w/qemu.out"
fi
if [ "$state" = died ]; then
	add fail "l1: QEMU's vfio-pci took the mdev and L2 booted" \
		"QEMU exited: $(head -n 3 "$w/qemu.out" | tr '\n' ' ')"
	say "L1 kernel log, last lines:"
	dmesg | tail -n 30
else
	check "l1: QEMU's vfio-pci took the mdev and L2 booted" \
		"L2 /init started ${t_boot:-never}s after QEMU" test -n "$t_boot"
fi

for id in "${l2_ids[@]}"; do
	line=$(tr -d '\r' <"$w/l2.log" | grep -m1 "^MDGPU-L2-RESULT $id ")
	if [ -z "$line" ]; then
		add fail "l2: $id" "not reported by L2 ($state)"
		continue
	fi
	read -r _ _ st desc <<<"$line"
	add "$st" "l2: $desc"
done

# --- the vGPU seen from outside, while L2 shows its picture ----------------

pattern=$l2dir/pattern.bin
pat_size=$(stat -c %s "$pattern")
regs_ok=0 scan_ok=0 text_ok=0
regs_diag="L2 did not get there ($state)"
scan_diag=$regs_diag text_diag=$regs_diag
if [ "$state" = ready ]; then
	read -r _ fb_w fb_h fb_stride <<<"$(tr -d '\r' <"$w/l2.log" |
		grep -m1 '^MDGPU-L2-READY')"
	info=$(hmp "info pci")
	# "BAR0: 64 bit prefetchable memory at 0xf8000000 [0xfbffffff]."
	bar0=$(sed -n 's/.*BAR0: 64 bit prefetchable memory at \(0x[0-9a-f]*\).*/\1/p' \
		<<<"$info" | head -n 1)
	bar2=$(sed -n 's/.*BAR2: 32 bit memory at \(0x[0-9a-f]*\).*/\1/p' \
		<<<"$info" | head -n 1)
	grep -B1 -A6 'PCI device 1234:1111' <<<"$info" | sed 's/^/info pci: /'
	regs_diag="BARs not found by 'info pci'"
fi
if [ -n "${bar0:-}" ] && [ -n "${bar2:-}" ]; then
	names=(ID XRES YRES BPP ENABLE BANK VIRT_WIDTH VIRT_HEIGHT X_OFFSET
	       Y_OFFSET VIDEO_MEMORY_64K)
	declare -A dispi=()
	line=
	for i in "${!names[@]}"; do
		dispi[${names[$i]}]=$(rd h $((bar2 + 0x500 + 2 * i)) || echo '?')
		line+=" ${names[$i]}=${dispi[${names[$i]}]}"
	done
	say "DISPI:$line"
	mid=$(rd w $((bar2 + 0x800)) || echo '?')
	status=$(rd w $((bar2 + 0x818)) || echo '?')
	errors=$(rd w $((bar2 + 0x81c)) || echo '?')
	endian=$(rd w $((bar2 + 0x604)) || echo '?')
	say "mdgpu: ID=$mid DISPLAY_STATUS=$status MODE_ERRORS=$errors;" \
		"QEMU ext endian=$endian"
	regs_diag="ID=${dispi[ID]} ${dispi[XRES]}x${dispi[YRES]}x${dispi[BPP]} ENABLE=${dispi[ENABLE]} DISPLAY_STATUS=$status MODE_ERRORS=$errors"
	# DISPI ID 0xb0c5, the fbdev mode at 32 bpp, ENABLED | LFB_ENABLED;
	# mdgpu: "MDGP", display on with no refusal code, nothing refused.
	if [ "${dispi[ID]}" = $((0xb0c5)) ] &&
	   [ "${dispi[XRES]}" = "$fb_w" ] && [ "${dispi[YRES]}" = "$fb_h" ] &&
	   [ "${dispi[BPP]}" = 32 ] && [ "${dispi[ENABLE]}" = $((0x41)) ] &&
	   [ "$mid" = $((0x4d444750)) ] && [ "$status" = 1 ] &&
	   [ "$errors" = 0 ]; then
		regs_ok=1
	fi
fi
check "l1: registers through QEMU: bochs set the fbdev mode at 32 bpp, mdgpu has the display on, no mode refused" \
	"$regs_diag" test $regs_ok = 1

# The scanout, where the DISPI registers say it starts (device-spec.rst,
# "Mode rules"), read from QEMU's mapping of BAR0.
if [ $regs_ok = 1 ]; then
	vw=${dispi[VIRT_WIDTH]}
	[ "$vw" -ge "$fb_w" ] || vw=$fb_w
	stride=$((vw * 4))
	off=$((dispi[Y_OFFSET] * stride + dispi[X_OFFSET] * 4))
	size=$(((fb_h - 1) * stride + fb_w * 4))
	say "scanout: BAR0 offset $off, stride $stride, $size bytes"
	qmp "\"execute\": \"pmemsave\", \"arguments\": {\"val\": $((bar0 + off)), \"size\": $size, \"filename\": \"$w/scanout.raw\"}" >/dev/null
	if [ "$stride" != "$fb_stride" ]; then
		scan_diag="scanout stride $stride, fbdev stride $fb_stride"
	elif [ "$(stat -c %s "$w/scanout.raw" 2>/dev/null)" != "$size" ]; then
		scan_diag="pmemsave of the scanout failed"
	elif cmp -n "$pat_size" "$w/scanout.raw" "$pattern" >"$w/cmp.txt" 2>&1; then
		scan_ok=1
		scan_diag="BAR0 offset $off: $pat_size bytes equal"
	else
		# Which 4 KiB pages differ, to tell a lost page from a lost line.
		pages=$(cmp -l -n "$pat_size" "$w/scanout.raw" "$pattern" |
			awk '{ p = int(($1 - 1) / 4096); if (!(p in s)) { s[p] = 1; printf " %d", p } }')
		scan_diag="BAR0 offset $off: $(head -n 1 "$w/cmp.txt"); pages that differ:$pages"
	fi
	# fbcon's text: non-zero bytes below the pattern band. l2-init.sh hides
	# the cursor, so nothing else is drawn there.
	if [ -f "$w/scanout.raw" ]; then
		below=$(tail -c +"$((pat_size + 1))" "$w/scanout.raw" |
			tr -d '\000' | wc -c)
		text_diag="$below non-zero bytes below the pattern"
		[ "$below" -gt 0 ] && text_ok=1
	fi
	if [ -f "$w/scanout.raw" ] && [ -n "${MDGPU_OUTDIR:-}" ]; then
		{
			printf 'P6\n%d %d\n255\n' "$fb_w" "$fb_h"
			# XRGB8888, little-endian: B, G, R, X in memory.
			perl -e 'binmode STDIN; binmode STDOUT; $/ = \4;
				print substr($_, 2, 1), substr($_, 1, 1),
				      substr($_, 0, 1) while <STDIN>' \
				<"$w/scanout.raw"
		} >"$MDGPU_OUTDIR/scanout.ppm" &&
			say "scanout saved as $MDGPU_OUTDIR/scanout.ppm"
	fi
fi
check "l1: the scanout in BAR0 holds the pattern L2 wrote to /dev/fb0" \
	"$scan_diag" test $scan_ok = 1
check "l1: fbcon's text is in the scanout" "$text_diag" test $text_ok = 1

# What QEMU's display=on shows, without OpenGL: its console's picture as a
# PPM (P6, RGB). Its first pixels must be the pattern's (XRGB8888 words,
# little-endian: the pixel's R, G, B are bytes 2, 1, 0 of each word).
shot_ok=0
shot_diag="L2 did not get there ($state)"
if [ "$state" = ready ]; then
	ans=$(qmp "\"execute\": \"screendump\", \"arguments\": {\"filename\": \"$w/screen.ppm\"}")
	shot_diag="screendump: ${ans:-no answer}"
	if [ -s "$w/screen.ppm" ]; then
		shot_diag=$(perl -e '
			my ($shot, $pat, $w, $h) = @ARGV;
			open(my $s, "<:raw", $shot) or die;
			open(my $p, "<:raw", $pat) or die;
			local $/;
			my $img = <$s>;
			my $words = <$p>;
			$img =~ s/\AP6\s+(\d+)\s+(\d+)\s+255\s//
				or do { print "not a P6 PPM"; exit 1 };
			if ($1 != $w || $2 != $h) {
				print "screendump is $1x$2, L2 set ${w}x$h"; exit 1;
			}
			my $n = length($words) / 4;
			for my $i (0 .. $n - 1) {
				my $want = substr($words, 4 * $i + 2, 1) .
					   substr($words, 4 * $i + 1, 1) .
					   substr($words, 4 * $i, 1);
				next if substr($img, 3 * $i, 3) eq $want;
				printf "pixel %d (%d,%d) differs", $i, $i % $w,
				       int($i / $w);
				exit 1;
			}
			print "${w}x$h, the first $n pixels are the pattern";
			exit 0' "$w/screen.ppm" "$pattern" "$fb_w" "$fb_h") &&
			shot_ok=1
		[ -n "${MDGPU_OUTDIR:-}" ] &&
			cp "$w/screen.ppm" "$MDGPU_OUTDIR/screendump.ppm"
	fi
fi
check "l1: display=on without OpenGL: QEMU's screendump shows L2's picture" \
	"$shot_diag" test $shot_ok = 1
plane_errors=$(grep -c 'QUERY_GFX_PLANE' "$w/qemu.out")
check "l1: QEMU logged no VFIO_DEVICE_QUERY_GFX_PLANE error" \
	"$plane_errors lines: $(grep -m1 'QUERY_GFX_PLANE' "$w/qemu.out")" \
	test "$plane_errors" = 0

# --- after QEMU ----------------------------------------------------------------

if kill -0 "$qemu_pid" 2>/dev/null; then
	qmp '"execute": "quit"' >/dev/null
fi
n=0
while kill -0 "$qemu_pid" 2>/dev/null && [ $n -lt 60 ]; do
	sleep 0.5
	n=$((n + 1))
done
if kill -0 "$qemu_pid" 2>/dev/null; then
	say "QEMU did not quit, killing it"
	kill -9 "$qemu_pid"
fi
wait "$qemu_pid" 2>/dev/null
qemu_rc=$?
qemu_pid=
if [ "$state" != died ] && [ -s "$w/qemu.out" ]; then
	say "QEMU said:"
	sed 's/^/qemu: /' "$w/qemu.out"
fi
say "QEMU exited with status $qemu_rc"

resets1=$(cat "$dev/mdgpu/reset_count")
check "l1: QEMU reset the vGPU when the VM started" \
	"reset_count $resets0 -> $resets1" test "$resets1" -gt "$resets0"

gone=0
echo 1 >"$dev/remove" && rmmod mdgpu && gone=1
check "l1: QEMU quit cleanly, the vGPU was removed and mdgpu unloaded" \
	"QEMU status $qemu_rc, remove and rmmod $([ $gone = 1 ] && echo ok || echo failed)" \
	test "$gone$qemu_rc" = 10

echo "MDGPU-GD-TIME l1_total=$(since "$t_start")s"
tap
all_ok
