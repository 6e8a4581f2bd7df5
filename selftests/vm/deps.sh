#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh - install the Debian 12 packages the mdgpu VM test harness needs.
#
# Usage: deps.sh [GROUP|PACKAGE]...
#
#   vm     booting guests: run-vm.sh (QEMU, static busybox, kmod, cpio, ...)
#   build  building kernels and out-of-tree modules (gcc, make, libelf, ...)
#   debug  build + the Debian kernel source used for the debug kernel
#   lint   shellcheck, for checking these scripts
#   fuzz   clang and libFuzzer, for the decoder fuzzers (selftests/fuzz)
#   monitoring  promtool (Debian's prometheus), prometheus-node-exporter,
#          systemd-analyze, jq, curl and python3, for tools/monitoring
#          (installing prometheus also enables its service on the host)
#   deb    Debian packaging: make deb (debhelper, dh-dkms, lintian, the
#          tools' build dependencies) and make deb-test (dkms, mdevctl)
#   libvirt  make libvirt-test: libvirtd and virsh (libvirt-daemon,
#          libvirt-clients, without libvirt-daemon-system, so nothing is
#          started on the host), mdevctl (libvirt's mdev backend), udevd
#
# Without arguments it installs vm, build and debug. Any argument that is not
# a group name is taken as an extra package name (kernel.sh passes the
# linux-headers package of the stock kernel it prepares).
#
# Installed packages are detected with dpkg-query first, so a run where
# everything is present does not touch apt at all and takes a few tens of
# milliseconds. `apt-get update` only runs when something has to be
# installed.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

group_vm=(qemu-system-x86 busybox-static kmod cpio xz-utils zstd coreutils
	  util-linux)
group_build=(build-essential bc bison flex libelf-dev libssl-dev kmod cpio
	     xz-utils zstd dwarves)
group_debug=("${group_build[@]}" linux-source-6.12)
group_lint=(shellcheck)
group_fuzz=(clang-14 libclang-rt-14-dev llvm-14)
group_monitoring=(prometheus prometheus-node-exporter systemd jq curl python3)
group_deb=(dpkg-dev debhelper dh-dkms dkms fakeroot lintian pkg-config
	   libjson-c-dev libsmartcols-dev uuid-dev libpng-dev mdevctl
	   libcurl4-openssl-dev)
group_libvirt=(libvirt-daemon libvirt-clients mdevctl udev)

want=()
add_group() {
	case "$1" in
	vm)	want+=("${group_vm[@]}") ;;
	build)	want+=("${group_build[@]}") ;;
	debug)	want+=("${group_debug[@]}") ;;
	lint)	want+=("${group_lint[@]}") ;;
	fuzz)	want+=("${group_fuzz[@]}") ;;
	monitoring) want+=("${group_monitoring[@]}") ;;
	deb)	want+=("${group_deb[@]}") ;;
	libvirt) want+=("${group_libvirt[@]}") ;;
	*)	return 1 ;;
	esac
}

if [ $# -eq 0 ]; then
	set -- vm build debug
fi
for arg in "$@"; do
	case "$arg" in
	-h|--help)
		sed -n '4,/^$/s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	-*)
		mdgpu_die "unknown option $arg"
		;;
	esac
	add_group "$arg" || want+=("$arg")
done

# One dpkg-query call for all of them; it prints nothing for unknown names.
declare -A installed=()
while read -r pkg status; do
	[ "$status" = "ii" ] && installed[$pkg]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${want[@]}" \
	 2>/dev/null || true)

missing=()
declare -A seen=()
for pkg in "${want[@]}"; do
	[ -n "${seen[$pkg]:-}" ] && continue
	seen[$pkg]=1
	[ -n "${installed[$pkg]:-}" ] || missing+=("$pkg")
done

[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null ||
		mdgpu_die "need root (or sudo) to install: ${missing[*]}"
	sudo=(sudo)
fi

mdgpu_log "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-o DPkg::Lock::Timeout=600 -y --no-install-recommends)
"${sudo[@]}" apt-get "${apt_opts[@]}" update >&2
"${sudo[@]}" apt-get "${apt_opts[@]}" install "${missing[@]}" >&2
