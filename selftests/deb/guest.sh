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
#   mdevctl stop / undefine, modprobe -r mdgpu, apt-get purge
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
ktap_set_plan 8

# Every later step needs the overlay: without it, stop here.
if ! setup_root; then
	ktap_test_fail "writable overlay root over the host's root"
	ktap_print_totals
	echo "MDGPU-TAP-END deb-$rel"
	exit 1
fi
step "overlay root at $R; kernel $rel with $(wc -l </run/ovl/modules.txt) of its modules: $(xargs -n1 basename </run/ovl/modules.txt | tr '\n' ' ')"
in_root /lib/systemd/systemd-udevd --daemon || step "no udevd"

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
if in_root modprobe mdgpu parents=2 &&
   [ "$(in_root modinfo -F filename mdgpu)" = "$ko" ] &&
   in_root udevadm settle -t 60 &&
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
