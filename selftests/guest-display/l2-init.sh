#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# l2-init.sh - /init of the innermost guest ("L2") of the guest-display test.
#
# L2 is an unmodified Debian kernel whose only display device is an mdgpu
# vGPU, handed to it by QEMU's vfio-pci in the test VM ("L1"). This script
# runs as PID 1 from a tiny initramfs (static busybox, the stock `bochs` DRM
# driver and its dependencies, a pattern file) and checks, with nothing but
# what the stock driver offers user space, that the vGPU gives a working KMS
# display:
#
#   the PCI function, bochs-drm bound to it, /dev/dri/card0, a connected
#   connector whose EDID (read by bochs from BAR2 0x000) is mdgpu's, its
#   modes, the fbdev emulation (/dev/fb0, /proc/fb), fbcon on it, and a
#   pattern written to /dev/fb0 and read back.
#
# Each check prints one line
#
#   MDGPU-L2-RESULT <id> ok|fail <description>
#
# on the serial console; l1.sh turns them into TAP. The expected preferred
# mode comes from the kernel command line (mdgpu_gd.max=WxH). When done it
# prints "MDGPU-L2-READY <xres> <yres> <line length>" and waits: l1.sh then
# inspects the vGPU from outside through QEMU's monitor while the picture is
# still up, and ends L2 by quitting QEMU. guest-migrate's l1.sh uses the
# same /init with mdgpu_gd.heartbeat=1 (see park()).

/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1

result() {
	echo "MDGPU-L2-RESULT $1 $2 $3"
}

# check ID DESCRIPTION COMMAND...: run COMMAND, report its outcome.
check() {
	id=$1
	desc=$2
	shift 2
	if "$@"; then
		result "$id" ok "$desc"
		return 0
	fi
	result "$id" fail "$desc"
	return 1
}

note() {
	echo "MDGPU-L2-NOTE $*"
}

# Keep the machine up for l1.sh; it ends L2 by quitting QEMU. Should that
# not happen, power off after an hour rather than spin forever. With
# mdgpu_gd.heartbeat=1 on the command line (the guest-migrate test), print
# a counter and the uptime every second meanwhile, so that l1.sh sees the
# guest run on after it has been saved and restored or migrated.
park() {
	echo "MDGPU-L2-READY $*"
	if [ "$heartbeat" = 1 ]; then
		i=0
		while [ $i -lt 3600 ]; do
			read -r up _ </proc/uptime
			echo "MDGPU-L2-HEARTBEAT $i uptime=$up"
			i=$((i + 1))
			sleep 1
		done
	else
		sleep 3600
	fi
	poweroff -f
}

read -r up _ </proc/uptime
echo "MDGPU-L2-START uptime=$up kernel=$(uname -r)"

want_max=
heartbeat=0
# shellcheck disable=SC2013 # the command line is words
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	mdgpu_gd.max=*) want_max=${arg#mdgpu_gd.max=} ;;
	mdgpu_gd.heartbeat=1) heartbeat=1 ;;
	esac
done

# --- the PCI function --------------------------------------------------------

pci_id() {
	cat "$1/vendor" "$1/device" "$1/subsystem_vendor" \
		"$1/subsystem_device" "$1/revision" "$1/class" 2>/dev/null |
		tr '\n' ' '
}

dev=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor")" = 0x1234 ] || continue
	[ "$(cat "$d/device")" = 0x1111 ] || continue
	dev=$d
done
if [ -n "$dev" ]; then
	note "PCI ${dev##*/}: $(pci_id "$dev")"
	note "resources: $(head -n 3 "$dev/resource" | tr '\n' ' ')"
fi
check pci "PCI function 1234:1111 rev 02 class 030000, subsystem 1234:6d67" \
	test "$(pci_id "${dev:-/nonexistent}")" = \
	"0x1234 0x1111 0x1234 0x6d67 0x02 0x030000 "

# --- an engine fault, before any driver owns the vGPU ---------------------
# A bad command (unknown opcode 0xff) through the vGPU's own BARs, written
# with busybox devmem at their physical addresses as a guest driver would:
# the device must stop only its engine context (ERR_CODE 1 = OPCODE,
# ENGINE_STATUS.ERROR, IRQ_STATUS.ERROR) and the VM must keep running. QEMU
# stops the whole VM when the VFIO ERR interrupt fires; if mdgpu signalled
# it, nothing after this check would run. (IRQ_MASK stays 0: no driver here
# would acknowledge the interrupt.)
engine_fault() {
	[ -n "$dev" ] || return 1
	echo 1 >"$dev/enable" || return 1
	bar0=$(sed -n 1p "$dev/resource" | cut -d' ' -f1)
	bar2=$(sed -n 3p "$dev/resource" | cut -d' ' -f1)
	devmem $((bar0 + 0x100000)) 32 0x000100ff
	devmem $((bar2 + 0x900)) 32 0x100000
	devmem $((bar2 + 0x904)) 32 0
	devmem $((bar2 + 0x908)) 32 0x1000
	devmem $((bar2 + 0x914)) 32 1
	devmem $((bar2 + 0x910)) 32 4
	n=0
	while [ $n -lt 30 ] &&
	      [ $(($(devmem $((bar2 + 0x918)) 32) & 4)) = 0 ]; do
		sleep 1
		n=$((n + 1))
	done
	code=$(devmem $((bar2 + 0x920)) 32)
	status=$(devmem $((bar2 + 0x918)) 32)
	irq=$(devmem $((bar2 + 0x930)) 32)
	note "engine fault: ERR_CODE $code ENGINE_STATUS $status IRQ_STATUS $irq"
	devmem $((bar2 + 0x914)) 32 2
	devmem $((bar2 + 0x930)) 32 3
	echo 0 >"$dev/enable"
	sleep 2
	[ $((code)) = 1 ] && [ $((status & 4)) = 4 ] && [ $((irq & 2)) = 2 ]
}
check engine_fault "a bad command stops only the engine context (ERR_CODE OPCODE, ENGINE_STATUS.ERROR, IRQ_STATUS.ERROR) and the VM runs on" \
	engine_fault

# --- the stock driver --------------------------------------------------------

loaded=1
while read -r mod; do
	if ! insmod "/modules/$mod"; then
		note "insmod $mod failed"
		loaded=0
	fi
done </modules/order
check modules "bochs and its dependencies load" test "$loaded" = 1

# Bochs probes synchronously in its module init, but the fbdev client and
# the device nodes may come a little later.
wait_for() {
	n=0
	while [ $n -lt 60 ]; do
		"$@" && return 0
		sleep 1
		n=$((n + 1))
	done
	return 1
}

bound() {
	[ -n "$dev" ] && [ "$(readlink "$dev/driver")" != "" ] &&
		[ "$(basename "$(readlink "$dev/driver")")" = bochs-drm ]
}
check bound "bochs-drm is bound to the vGPU" wait_for bound

check card0 "/dev/dri/card0 exists" wait_for test -c /dev/dri/card0

conn=
for c in /sys/class/drm/card0-*; do
	[ -f "$c/status" ] && conn=$c
done
[ -n "$conn" ] && note "connector ${conn##*/}: $(cat "$conn/status")," \
	"$(cat "$conn/enabled"), modes: $(tr '\n' ' ' <"$conn/modes")"
check connected "the connector is connected" \
	test "$(cat "${conn:-/nonexistent}/status" 2>/dev/null)" = connected

# The EDID as DRM read it from BAR2 0x000: the 8-byte header, manufacturer
# "MDG" (EISA id 0x3487) and the monitor name mdgpu's generator writes.
edid_ok() {
	e=$conn/edid
	[ -n "$conn" ] || return 1
	# sysfs gives the file no size: count what reading it returns.
	n=$(wc -c <"$e")
	note "EDID: $n bytes:$(od -An -tx1 -v "$e" | tr -s ' \n' ' ')"
	[ "$n" -ge 128 ] &&
		[ "$(od -An -tx1 -N10 "$e" | tr -d ' \n')" = \
			00ffffffffffff003487 ] &&
		grep -q mdgpu "$e"
}
check edid "EDID from BAR2: valid header, manufacturer MDG, name mdgpu" \
	edid_ok

# The modes DRM made of the EDID: the preferred one first, the common modes
# that fit it (device-spec.rst, "The generated EDID"), none larger.
modes_ok() {
	m=$conn/modes
	[ -n "$conn" ] && [ -n "$want_max" ] || return 1
	[ "$(head -n 1 "$m")" = "$want_max" ] || return 1
	for r in 1680x1050 1280x720 1280x1024 1024x768 800x600 640x480; do
		grep -qx "$r" "$m" || return 1
	done
	mw=${want_max%x*} mh=${want_max#*x}
	while IFS=x read -r w h; do
		h=${h%%[!0-9]*}
		[ "$w" -le "$mw" ] && [ "$h" -le "$mh" ] || return 1
	done <"$m"
}
check modes "modes: $want_max preferred (the EDID's), 1680x1050, 1280x720, 1280x1024, 1024x768, 800x600, 640x480, none larger" \
	modes_ok

# --- fbdev and fbcon ---------------------------------------------------------

fb=/sys/class/graphics/fb0
fb_ok() {
	[ -c /dev/fb0 ] && grep -q '^0 .*drmfb' /proc/fb || return 1
	[ "$(cat $fb/bits_per_pixel)" = 32 ] &&
		[ "$(cat $fb/virtual_size)" = "$(echo "$want_max" | tr x ,)" ]
}
wait_for test -c /dev/fb0
note "/proc/fb: $(cat /proc/fb)"
[ -d $fb ] && note "fb0: virtual_size $(cat $fb/virtual_size)," \
	"bits_per_pixel $(cat $fb/bits_per_pixel), stride $(cat $fb/stride)"
check fbdev "fb0 is bochs' drmfb, 32 bpp, $want_max" fb_ok

fbcon_ok() {
	for v in /sys/class/vtconsole/vtcon*; do
		grep -q 'frame buffer' "$v/name" 2>/dev/null &&
			[ "$(cat "$v/bind")" = 1 ] && return 0
	done
	return 1
}
check fbcon "fbcon is bound to the frame buffer" fbcon_ok

# Text for l1.sh to find in the scanout below the pattern band: fbcon draws
# it into the fbdev shadow buffer, the fbdev helper copies it to VRAM. The
# cursor is hidden so that only the text is drawn and nothing draws over
# the pattern afterwards; the kernel log goes to ttyS0 only, so nothing else
# writes to tty1.
echo 0 >/sys/class/graphics/fbcon/cursor_blink 2>/dev/null
printf '\033[?25l\033[2J\033[H' >/dev/tty1
i=0
while [ $i -lt 12 ]; do
	echo >/dev/tty1
	i=$((i + 1))
done
echo "  mdgpu guest-display test: fbcon on bochs-drm on an mdgpu vGPU" \
	>/dev/tty1

# The pattern, over the first lines of the screen. Reading /dev/fb0 back
# reads the fbdev shadow buffer, not VRAM: this shows fbdev works, and
# l1.sh checks the scanout itself.
pat=/pattern.bin
pat_size=$(wc -c <$pat)
# It is written with one write(): the fbdev helper of Linux 6.12 (and
# earlier) turns a write that stays within one scanline and ends exactly at
# its end into an empty damage rectangle (x2 = 0 in
# drm_fb_helper_memory_range_to_clip()), so with 4 KiB writes the part of
# line 23 in the 45th write can miss VRAM when the damage worker runs
# between two writes.
pattern_ok() {
	[ -c /dev/fb0 ] || return 1
	dd if=$pat of=/dev/fb0 bs="$pat_size" count=1 2>/dev/null || return 1
	dd if=/dev/fb0 bs=4096 count=$((pat_size / 4096)) 2>/dev/null |
		cmp -s - $pat
}
check pattern "a ${pat_size}-byte pattern written to /dev/fb0 reads back" \
	pattern_ok

# Let the fbdev helper's deferred I/O copy the damage to VRAM.
sleep 2

note "kernel log (drm, bochs, fb):"
dmesg | grep -iE 'drm|bochs|fb|console|edid' | sed 's/^/MDGPU-L2-DMESG /'
errs=$(dmesg | grep -iE 'bochs|drm|ttm' | grep -icE 'error|fail|mismatch|warn|huh')
check klog "no bochs/drm/ttm errors in the kernel log" test "$errs" = 0

read -r up _ </proc/uptime
note "checks done at uptime $up"
if [ -d $fb ]; then
	park "$(cat $fb/virtual_size | tr , ' ') $(cat $fb/stride)"
fi
park "0 0 0"
