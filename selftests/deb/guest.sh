#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# guest.sh - the package install test, inside the test VM (run by
# selftests/deb/test.sh through run-vm.sh). Not meant to be run by hand.
#
# Usage (in the VM): guest.sh DEBDIR
#
# The VM sees the host's root file system read-only over 9p. This script
# puts a writable overlay on it (upper layer in the guest's RAM), so dpkg,
# DKMS and udev write only there and the host never changes; it gives the
# overlay the running kernel's modules (from the harness's cache, as if the
# image package were installed) and then, chrooted into it, does what an
# admin does on a fresh host:
#
#   apt-get install ./mdgpu-dkms_*.deb ./mdgpu-tools_*.deb
#     -> DKMS builds mdgpu.ko for the running kernel (headers and gcc come
#        from the host) and installs it under updates/dkms
#   /etc/mdgpu/parents.conf, modprobe mdgpu
#     -> udev applies the parent settings
#   mdevctl start / define, mdgpuctl list, mdgpuctl mdevctl
#   the metrics timer enabled; its service's command writes mdgpu.prom
#   mdevctl stop / undefine, modprobe -r mdgpu
#   parents.conf with reserve= lines and an auto-start mdevctl definition
#   of the reserved UUID, modprobe mdgpu (what a boot does)
#     -> udev makes the reservations, mdevctl starts the vGPU into its
#        reservation, an ordinary create of the reserved VRAM is refused
#   apt-get purge
#     -> no module, no DKMS tree, no package file left
#
# Prints TAP (kselftest ktap_helpers.sh) between MDGPU-TAP markers. (No
# `cmd | grep -q` under pipefail: mdevctl dies of the closed pipe.)
set -uo pipefail

debdir=${1:?usage: guest.sh DEBDIR}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
rel=$MDGPU_KERNEL_RELEASE
# shellcheck source=../vm/lib.sh
. "$repo/selftests/vm/lib.sh"
ktap=$(mdgpu_ktap_helpers) || exit 1

R=/run/ovl/root
UUID=6a0c1f8e-5b1d-4c3a-9e57-2d7f0b3c4a11

step() {
	echo "deb-test: $*"
}

# Overlay root: lower = the host's root (this chroot's /, 9p, read-only).
setup_root() {
	modprobe -d "$MDGPU_MODDIR" overlay || return 1
	mkdir -p /run/ovl/upper /run/ovl/work "$R" || return 1
	mount -t overlay overlay \
		-o lowerdir=/,upperdir=/run/ovl/upper,workdir=/run/ovl/work "$R" ||
		return 1
	mount --rbind /proc "$R/proc" && mount --rbind /sys "$R/sys" &&
		mount --rbind /dev "$R/dev" || return 1
	# What udev or systemd would have made in the guest's devtmpfs
	# (dkms reads <(...), which needs /dev/fd).
	[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
	[ -e /dev/stdin ] || ln -s /proc/self/fd/0 /dev/stdin
	[ -e /dev/stdout ] || ln -s /proc/self/fd/1 /dev/stdout
	[ -e /dev/stderr ] || ln -s /proc/self/fd/2 /dev/stderr
	mount -t tmpfs -o mode=755 tmpfs "$R/run" &&
		mount -t tmpfs -o mode=1777 tmpfs "$R/tmp" || return 1
	# A host with the running kernel only: its image (a part of it, see
	# below) and its headers. The other kernels the host has headers for
	# stay out of sight, so DKMS builds for this one.
	local m=$MDGPU_MODDIR/lib/modules/$rel d=$R/lib/modules/$rel f
	mount -t tmpfs -o mode=755 tmpfs "$R/lib/modules" || return 1
	mkdir -p "$d" || return 1
	ln -s "$MDGPU_KDIR" "$d/build" || return 1
	for f in modules.order modules.builtin modules.builtin.modinfo; do
		[ -f "$m/$f" ] && cp "$m/$f" "$d/"
	done
	# Of the image's modules, the VFIO stack mdgpu needs and what this
	# script loads: under TCG, depmod over all ~4000 of them (9p, xz)
	# takes minutes, and DKMS runs it after each install and removal.
	awk -v want="vfio vfio_iommu_type1 mdev overlay" '
		function base(p) {
			sub(/.*\//, "", p)
			sub(/\.ko.*/, "", p)
			gsub(/-/, "_", p)
			return p
		}
		{
			sub(/:$/, "", $1)
			n = base($1)
			path[n] = $1
			deps[n] = ""
			for (i = 2; i <= NF; i++)
				deps[n] = deps[n] " " $i
		}
		function visit(n,   k, d, i) {
			if (n in seen || !(n in path))
				return
			seen[n] = 1
			print path[n]
			k = split(deps[n], d, " ")
			for (i = 1; i <= k; i++)
				visit(base(d[i]))
		}
		END {
			k = split(want, w, " ")
			for (i = 1; i <= k; i++)
				visit(w[i])
		}' "$m/modules.dep" >/run/ovl/modules.txt || return 1
	while read -r f; do
		mkdir -p "$d/${f%/*}" && cp "$m/$f" "$d/$f" || return 1
	done </run/ovl/modules.txt
	chroot "$R" depmod "$rel"
}

in_root() {
	chroot "$R" env DEBIAN_FRONTEND=noninteractive "$@"
}

echo "MDGPU-TAP-BEGIN kselftest deb-$rel"
# shellcheck disable=SC1090
. "$ktap"
ktap_print_header
ktap_set_plan 11

# Every later step needs the overlay: without it, stop here.
if ! setup_root; then
	ktap_test_fail "writable overlay root over the host's root"
	ktap_print_totals
	echo "MDGPU-TAP-END deb-$rel"
	exit 1
fi
step "overlay root at $R; kernel $rel with $(wc -l </run/ovl/modules.txt) of its modules: $(xargs -n1 basename </run/ovl/modules.txt | tr '\n' ' ')"
# udevd's debug log says which rules ran what, for the diagnostics of a
# failure.
in_root /lib/systemd/systemd-udevd --daemon --debug >/run/ovl/udevd.log 2>&1 ||
	step "no udevd"

# The packages as the admin has them: files in the new root (DEBDIR may be
# under /tmp, which the root gets fresh).
mkdir -p "$R/root/debs"
cp "$debdir"/mdgpu-dkms_*_all.deb "$debdir"/mdgpu-tools_*.deb "$R/root/debs/"
dkms_deb=$(ls "$R"/root/debs/mdgpu-dkms_*_all.deb)
dkms_deb=${dkms_deb#"$R"}
tools_deb=$(ls "$R"/root/debs/mdgpu-tools_*.deb)
tools_deb=${tools_deb#"$R"}
ver=$(dpkg-deb -f "$R$dkms_deb" Version)
# DKMS compresses the module as the kernel's own are (6.12: .ko.xz).
kodir=/lib/modules/$rel/updates/dkms

# 1. install: DKMS builds and installs the module for the running kernel.
desc="$rel: apt-get install both packages, DKMS builds mdgpu for the running kernel"
t0=$(date +%s)
if in_root apt-get install -y --no-install-recommends \
	"$dkms_deb" "$tools_deb" >/run/ovl/install.log 2>&1 &&
   ko=$(cd "$R$kodir" 2>/dev/null && ls mdgpu.ko*) && ko=$kodir/$ko &&
   [ -f "$R$ko" ] &&
   in_root dkms status -m mdgpu -v "$ver" -k "$rel" >/run/ovl/status.txt &&
   grep -q ': installed' /run/ovl/status.txt &&
   [ "$(in_root modinfo -F vermagic "$ko" | cut -d' ' -f1)" = "$rel" ] &&
   [ -z "$(in_root modinfo -F name mdgpu_kunit 2>/dev/null)" ]; then
	step "installed in $(($(date +%s) - t0)) s"
	sed -n '/Building for/p;/Signing/p;/Sign command/p;/mok/p' \
		/run/ovl/install.log
	in_root dkms status
	ktap_test_pass "$desc"
else
	sed 's/^/# /' /run/ovl/install.log
	in_root dkms status | sed 's/^/# /'
	cat "$R"/var/lib/dkms/mdgpu/*/build/make.log 2>/dev/null |
		tail -n 40 | sed 's/^/# /'
	ktap_test_fail "$desc"
fi

# 2. modprobe, with persistent parent settings applied by udev.
printf '%s\n' '*	watchdog_ms=5000' 'sim0	policy=weighted timeslice_us=1500' \
	>"$R/etc/mdgpu/parents.conf"
desc="$rel: modprobe mdgpu loads the DKMS module; udev applies parents.conf"
# udevadm settle returns at once in a chroot: wait for udev's work.
applied() {
	local _

	for _ in $(seq 60); do
		[ "$(cat /sys/class/mdgpu/sim0/policy 2>/dev/null)" = weighted ] &&
			[ "$(cat /sys/class/mdgpu/sim0/timeslice_us)" = 1500 ] &&
			return 0
		sleep 1
	done
	return 1
}
if in_root modprobe mdgpu parents=2 &&
   [ "$(in_root modinfo -F filename mdgpu)" = "$ko" ] &&
   applied &&
   [ "$(cat /sys/class/mdgpu/sim0/policy)" = weighted ] &&
   [ "$(cat /sys/class/mdgpu/sim0/timeslice_us)" = 1500 ] &&
   [ "$(cat /sys/class/mdgpu/sim0/watchdog_ms)" = 5000 ] &&
   [ "$(cat /sys/class/mdgpu/sim1/watchdog_ms)" = 5000 ] &&
   [ "$(cat /sys/class/mdgpu/sim1/policy)" = best_effort ]; then
	ktap_test_pass "$desc"
else
	for f in /sys/class/mdgpu/sim*/{policy,timeslice_us,watchdog_ms}; do
		echo "# $f: $(cat "$f" 2>&1)"
	done
	ktap_test_fail "$desc"
fi

# 3. an instance through mdevctl, seen by mdgpuctl.
desc="$rel: mdevctl start creates a vGPU that mdgpuctl lists"
if in_root mdevctl start -u "$UUID" -p sim0 -t mdgpu-64M &&
   [ -d "/sys/bus/mdev/devices/$UUID" ] &&
   in_root mdgpuctl list >/run/ovl/list.txt 2>&1 &&
   grep -q "$UUID" /run/ovl/list.txt; then
	sed 's/^/deb-test: /' /run/ovl/list.txt
	ktap_test_pass "$desc"
else
	sed 's/^/# /' /run/ovl/list.txt 2>/dev/null
	ktap_test_fail "$desc"
fi

# 3b. monitoring out of the box: the timer is enabled by the package, and
# the command its service runs writes the textfile collector's file.
desc="$rel: the package enables mdgpu-metrics.timer; its service writes mdgpu.prom"
unit=/lib/systemd/system/mdgpu-metrics.service
prom=/var/lib/prometheus/node-exporter/mdgpu.prom
cmd=$(sed -n 's/^ExecStart=//p' "$R$unit" 2>/dev/null)
mkdir -p "$R${prom%/*}"
if [ -L "$R/etc/systemd/system/timers.target.wants/mdgpu-metrics.timer" ] &&
   [ -f "$R/usr/share/mdgpu/monitoring/mdgpu-alerts.yml" ] &&
   [ -f "$R/usr/share/mdgpu/monitoring/grafana/mdgpu.json" ] &&
   [ -n "$cmd" ] &&
   # shellcheck disable=SC2086 # the unit's command line is words
   in_root $cmd >/run/ovl/metrics.log 2>&1 &&
   grep -q '^mdgpu_up 1$' "$R$prom" &&
   grep -q "uuid=\"$UUID\"" "$R$prom"; then
	step "$(grep -c '^mdgpu_' "$R$prom") series in $prom"
	ktap_test_pass "$desc"
else
	ls -l "$R/etc/systemd/system/timers.target.wants/" 2>&1 | sed 's/^/# /'
	echo "# ExecStart: $cmd"
	sed 's/^/# /' /run/ovl/metrics.log 2>/dev/null
	head -n 5 "$R$prom" 2>/dev/null | sed 's/^/# /'
	ktap_test_fail "$desc"
fi

# 4. mdgpuctl mdevctl: the definitions and the parent settings; mdevctl
# define keeps the instance.
desc="$rel: mdgpuctl mdevctl prints the parent settings and the definition"
if in_root mdgpuctl mdevctl >/run/ovl/mdevctl.txt 2>&1 &&
   grep -q "^echo 'sim0 policy=weighted timeslice_us=1500.*' >>/etc/mdgpu/parents.conf" \
	/run/ovl/mdevctl.txt &&
   grep -q "^mdevctl define --uuid=$UUID --parent=sim0 --type=mdgpu-64M" \
	/run/ovl/mdevctl.txt &&
   in_root mdevctl define -u "$UUID" &&
   in_root mdevctl list --defined >/run/ovl/defined.txt &&
   grep -q "$UUID" /run/ovl/defined.txt; then
	sed 's/^/deb-test: /' /run/ovl/mdevctl.txt
	ktap_test_pass "$desc"
else
	sed 's/^/# /' /run/ovl/mdevctl.txt
	ktap_test_fail "$desc"
fi

# 5. stop and unload.
desc="$rel: mdevctl stop and undefine, modprobe -r mdgpu"
if in_root mdevctl stop -u "$UUID" && in_root mdevctl undefine -u "$UUID" &&
   [ ! -e "/sys/bus/mdev/devices/$UUID" ] &&
   in_root modprobe -r mdgpu && [ ! -e /sys/module/mdgpu ]; then
	ktap_test_pass "$desc"
else
	ktap_test_fail "$desc"
fi

# 5b. reservations restored at boot: what a reboot does, as the real udev
# and mdevctl do it. parents.conf reserves VRAM, engine share and a class
# on sim0 for RUUID (and for R2, which never exists); RUUID is an
# auto-start mdevctl definition. The module load's "add" events of the
# parents make udev run mdgpu-parent-setup (59-mdgpu.rules) and then
# mdevctl start-parent-mdevs (60-mdevctl.rules; it runs again on the
# parent's mdev registration event): the reservations must be there with
# the right sums, RUUID created into its reservation, and an ordinary
# create that needs the reserved VRAM refused.
RUUID=6a0c1f8e-5b1d-4c3a-9e57-2d7f0b3c4a22
R2=6a0c1f8e-5b1d-4c3a-9e57-2d7f0b3c4a33
S0=/sys/class/mdgpu/sim0
printf '%s\n' '*	watchdog_ms=5000' \
	"sim0	reserve=$RUUID:128:300000:7 reserve=$R2:64:100000:5" \
	>"$R/etc/mdgpu/parents.conf"
resv_line() {
	grep "^$1:" "$S0/reservations" 2>/dev/null
}
# The boot: RUUID defined to start automatically, the module loaded with
# one 256M parent of each (128M + 64M reserved leave 64M for the others),
# udev's work done. Then what RUUID got.
reserved_boot() {
	local _

	in_root mdevctl define -u "$RUUID" -p sim0 -t mdgpu-128M --auto &&
	in_root modprobe mdgpu parents=2 vram_mb=256 &&
	in_root udevadm settle -t 120 || return 1
	# (settle returns at once in a chroot.) mdevctl's start runs from
	# udev: wait for it.
	for _ in $(seq 60); do
		[ -d "/sys/bus/mdev/devices/$RUUID" ] && break
		sleep 1
	done
}
# The reservations as parents.conf gives them; reserved_vram and
# reserved_share the sums of the unheld ones.
reservations_restored() {
	local line line2 vram=$((64 << 20)) share=100000

	line=$(resv_line "$RUUID") && line2=$(resv_line "$R2") &&
	step "reservations: $line; $line2" &&
	[ "${line%% *}" = "$RUUID:128:300000:7" ] &&
	[ "${line2%% *}" = "$R2:64:100000:5" ] &&
	[ "${line2##* }" = unheld ] || return 1
	if [ "${line##* }" = unheld ]; then
		vram=$((vram + (128 << 20)))
		share=$((share + 300000))
	fi
	[ "$(cat "$S0/reserved_vram")" = "$vram" ] &&
	[ "$(cat "$S0/reserved_share")" = "$share" ]
}
# RUUID started by mdevctl, into its reservation.
reserved_started() {
	local line off

	line=$(resv_line "$RUUID") &&
	[ "${line##* }" = held ] &&
	[ "$(cat "$S0/reserved_vram")" = $((64 << 20)) ] &&
	[ "$(cat "$S0/reserved_share")" = 100000 ] &&
	[ -d "/sys/bus/mdev/devices/$RUUID" ] &&
	off=$(echo "$line" | cut -d' ' -f2) &&
	[ "$(cat "/sys/bus/mdev/devices/$RUUID/mdgpu/vram_offset")" = "$off" ] &&
	[ "$(cat "/sys/bus/mdev/devices/$RUUID/mdgpu/min_share")" = 30 ] &&
	[ "$(cat "/sys/bus/mdev/devices/$RUUID/mdgpu/priority")" = 7 ] &&
	in_root mdevctl list >/run/ovl/active.txt &&
	grep -q "^$RUUID sim0 mdgpu-128M" /run/ovl/active.txt &&
	step "$RUUID started at module load at vram_offset $off, min_share 30, priority 7"
}
reserved_boot_diag() {
	local f

	echo "# reservations: $(cat "$S0/reservations" 2>&1 | tr '\n' ';')"
	for f in reserved_vram reserved_share watchdog_ms; do
		echo "# $f: $(cat "$S0/$f" 2>&1)"
	done
	for f in vram_offset min_share priority; do
		echo "# $RUUID $f: $(cat "/sys/bus/mdev/devices/$RUUID/mdgpu/$f" 2>&1)"
	done
	in_root mdevctl list -d 2>&1 | sed 's/^/# /'
}
reserved_shutdown() {
	[ -e "/sys/bus/mdev/devices/$O2" ] &&
		echo 1 >"/sys/bus/mdev/devices/$O2/remove"
	in_root mdevctl stop -u "$RUUID" >/dev/null 2>&1
	in_root mdevctl undefine -u "$RUUID" >/dev/null 2>&1
	in_root modprobe -r mdgpu ||
		step "modprobe -r mdgpu failed after the reservations"
}
O1=6a0c1f8e-5b1d-4c3a-9e57-2d7f0b3c4a44
O2=6a0c1f8e-5b1d-4c3a-9e57-2d7f0b3c4a55
# A host has a journal; mdevctl's udev rule pipes its output to logger,
# which needs /dev/log. Its messages go to /run/ovl/syslog.txt.
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
with open(sys.argv[1], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536) + b"\n")
' /run/ovl/syslog.txt &
syslog=$!
desc="$rel: at module load udev restores parents.conf's reservations (reserved_vram, reserved_share)"
if reserved_boot && reservations_restored; then
	ktap_test_pass "$desc"
else
	reserved_boot_diag
	ktap_test_fail "$desc"
fi
desc="$rel: the auto-start mdevctl definition of a reservation starts at module load, into its reservation, on a parent whose unreserved VRAM cannot hold its type"
if reserved_started; then
	ktap_test_pass "$desc"
else
	reserved_boot_diag
	sed 's/^/# syslog: /' /run/ovl/syslog.txt 2>/dev/null | tail -n 20
	grep -a -i 'mdevctl\|mdgpu-parent-setup\|MDEV_STATE' /run/ovl/udevd.log |
		tail -n 40 | sed 's/^/# udevd: /'
	ktap_test_fail "$desc"
fi

desc="$rel: an ordinary create that needs the reserved VRAM is refused; the unreserved VRAM is created"
T=$S0/mdev_supported_types
if [ "$(cat "$T/mdgpu-128M/available_instances")" = 0 ] &&
   [ "$(cat "$T/mdgpu-64M/available_instances")" = 1 ] &&
   ! in_root mdgpuctl create mdgpu-128M --parent sim0 --uuid "$O1" \
	>/run/ovl/create.txt 2>&1 &&
   grep -q 'No space left on device' /run/ovl/create.txt &&
   ! err=$( { echo "$O1" >"$T/mdgpu-128M/create"; } 2>&1) &&
   [[ "$err" == *"No space left on device"* ]] &&
   [ ! -e "/sys/bus/mdev/devices/$O1" ] &&
   in_root mdgpuctl create mdgpu-64M --parent sim0 --uuid "$O2" \
	>>/run/ovl/create.txt 2>&1 &&
   [ -d "/sys/bus/mdev/devices/$O2" ]; then
	sed 's/^/deb-test: /' /run/ovl/create.txt
	ktap_test_pass "$desc"
else
	sed 's/^/# /' /run/ovl/create.txt
	echo "# echo to create: ${err:-}"
	for f in "$T"/*/available_instances; do
		echo "# $f: $(cat "$f" 2>&1)"
	done
	ktap_test_fail "$desc"
fi
reserved_shutdown
kill "$syslog" 2>/dev/null
rm -f /dev/log

# 6. purge: nothing of either package is left.
files=$(in_root dpkg -L mdgpu-dkms mdgpu-tools 2>/dev/null |
	while read -r f; do [ -d "$R$f" ] || echo "$f"; done)
desc="$rel: apt-get purge removes the module, the DKMS tree and every file"
left=()
if in_root apt-get purge -y mdgpu-dkms mdgpu-tools >/run/ovl/purge.log 2>&1; then
	for f in $files /usr/src/mdgpu-"$ver" /var/lib/dkms/mdgpu /etc/mdgpu \
		 /lib/modules/*/updates/dkms/mdgpu.ko*; do
		[ -e "$R$f" ] && left+=("$f")
	done
	for f in "$R"/lib/modules/*/modules.dep; do
		grep -q '/mdgpu\.ko' "$f" && left+=("mdgpu in ${f#"$R"}")
	done
	in_root modinfo mdgpu >/dev/null 2>&1 && left+=("modinfo finds mdgpu")
	if [ -z "$files" ]; then
		left+=("(no file list from dpkg -L)")
	fi
else
	sed 's/^/# /' /run/ovl/purge.log
	left+=("(purge failed)")
fi
if [ ${#left[@]} -eq 0 ]; then
	step "$(echo "$files" | wc -l) package files, all gone"
	ktap_test_pass "$desc"
else
	printf '# left: %s\n' "${left[@]}"
	ktap_test_fail "$desc"
fi

# 7. dpkg knows nothing of them any more.
desc="$rel: dpkg lists neither package after the purge"
# shellcheck disable=SC2016  # dpkg-query's format, not the shell's
if in_root dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' \
	mdgpu-dkms mdgpu-tools 2>/dev/null | grep -q '^.[^n]'; then
	in_root dpkg -l 'mdgpu*' | sed 's/^/# /'
	ktap_test_fail "$desc"
else
	ktap_test_pass "$desc"
fi

ktap_print_totals
echo "MDGPU-TAP-END deb-$rel"
[ "$KTAP_CNT_FAIL" -eq 0 ]
