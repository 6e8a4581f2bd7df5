#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kernel.sh - prepare a kernel for the mdgpu VM test harness.
#
# Usage: kernel.sh NAME
#
#   stock-6.1   Debian 12's default kernel (what linux-image-amd64 depends on)
#   stock-6.12  the newest linux-image-6.12.N+deb12-amd64 that has headers
#   debug       tinyconfig + debug.config built from linux-source-6.12
#
# The last line of stdout is a directory KD holding:
#   KD/vmlinuz   the kernel image
#   KD/release   its `uname -r`
#   KD/moddir    path of a tree with lib/modules/<release>/ (for modprobe -d)
#   KD/kdir      KDIR for building out-of-tree modules (make -C KDIR M=...)
#   KD/vmlinux   optional: the uncompressed kernel, bootable through its PVH
#                entry point; run-vm.sh boots it instead of KD/vmlinuz, which
#                saves the decompression (slow under TCG)
#   KD/cmdline   optional: kernel parameters run-vm.sh adds for this kernel
#
# Everything is cached under ${MDGPU_CACHE:-/var/cache/mdgpu}, keyed by the
# exact package version (and, for debug, the sha256 of debug.config), so a
# second call returns at once. Stock kernels: the headers package is installed
# with apt, as a user building mdgpu would do; the image package is only
# downloaded and unpacked into the cache, never installed on the host.
# Progress goes to stderr; the debug build's make output goes to
# KD/build.log (set MDGPU_VERBOSE=1 to also see it on stderr).

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=lib.sh
. "$here/lib.sh"

usage() {
	sed -n '4,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit "${1:-2}"
}

[ $# -eq 1 ] || usage
case "$1" in
-h|--help) usage 0 ;;
stock-6.1|stock-6.12|debug) name=$1 ;;
*) mdgpu_log "unknown kernel '$1'"; usage ;;
esac

cache=$(mdgpu_cache_root)
mkdir -p "$cache"

# Serialise concurrent callers asking for the same kernel: the second one
# waits for the first build and then takes the fast path.
exec {lock_fd}>"$cache/.lock-$name"
if ! flock -n "$lock_fd"; then
	mdgpu_log "waiting for another kernel.sh $name to finish"
	flock "$lock_fd"
fi

# ---------------------------------------------------------------------------
# apt helpers (stock kernels)
#
# apt-cache costs about a second per call on Debian's docker images (they
# disable apt's binary cache), so the resolved package names are remembered
# in a small file keyed by the state of apt's package lists: as long as
# nobody ran `apt-get update`, the answer cannot have changed.

apt_lists_stamp() {
	local lists=(/var/lib/apt/lists/*_Packages*)
	[ -e "${lists[0]}" ] || return 1
	{
		stat -c '%n %s %Y' "${lists[@]}"
		cat /etc/apt/preferences /etc/apt/preferences.d/* 2>/dev/null || true
	} | sha256sum | cut -c1-16
}

apt_update_if_empty() {
	apt_lists_stamp >/dev/null && return 0
	mdgpu_log "apt package lists are empty, running apt-get update"
	apt-get -o DPkg::Lock::Timeout=600 update >&2
}

# apt_candidates PKG...: print "PKG VERSION" for each package that has an
# installation candidate.
apt_candidates() {
	apt-cache policy "$@" 2>/dev/null | awk '
		/^[^ ].*:$/ { pkg = substr($0, 1, length($0) - 1); next }
		$1 == "Candidate:" && $2 != "(none)" { print pkg, $2 }'
}

# resolve_stock_6_1: print "IMAGE-PKG IMAGE-VERSION HEADERS-PKG".
resolve_stock_6_1() {
	local image headers
	image=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }')
	headers=$(apt-cache depends linux-headers-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-headers-/ { print $2; exit }')
	if [ -z "$image" ] || [ -z "$headers" ]; then
		mdgpu_die "cannot resolve linux-image-amd64/linux-headers-amd64"
	fi
	[ "${image#linux-image-}" = "${headers#linux-headers-}" ] ||
		mdgpu_die "linux-image-amd64 ($image) and linux-headers-amd64 ($headers) disagree"
	local cand
	cand=$(apt_candidates "$image")
	[ -n "$cand" ] || mdgpu_die "$image has no installation candidate"
	printf '%s %s\n' "$cand" "$headers"
}

# resolve_stock_6_12: newest N with headers and a (signed or unsigned) image.
resolve_stock_6_12() {
	local ns n pkgs=() cands
	ns=$(apt-cache search --names-only \
		'^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' 2>/dev/null |
	     sed -n 's/^linux-headers-6\.12\.\([0-9]*\)+deb12-amd64 .*/\1/p' |
	     sort -rn)
	[ -n "$ns" ] || mdgpu_die "no linux-headers-6.12.N+deb12-amd64 in apt"
	for n in $ns; do
		pkgs+=("linux-headers-6.12.$n+deb12-amd64"
		       "linux-image-6.12.$n+deb12-amd64"
		       "linux-image-6.12.$n+deb12-amd64-unsigned")
	done
	cands=$(apt_candidates "${pkgs[@]}")
	for n in $ns; do
		local rel="6.12.$n+deb12-amd64" img
		grep -q "^linux-headers-$rel " <<<"$cands" || continue
		for img in "linux-image-$rel" "linux-image-$rel-unsigned"; do
			if grep -q "^$img " <<<"$cands"; then
				grep "^$img " <<<"$cands" |
					awk -v h="linux-headers-$rel" '{ print $1, $2, h; exit }'
				return 0
			fi
		done
	done
	mdgpu_die "no 6.12 kernel has both an image and a headers package"
}

resolve_stock() {
	local stamp memo
	apt_update_if_empty
	stamp=$(apt_lists_stamp)
	memo="$cache/resolve/$name.$stamp"
	if [ -s "$memo" ]; then
		cat "$memo"
		return
	fi
	mkdir -p "$cache/resolve"
	rm -f "$cache/resolve/$name".*
	case "$name" in
	stock-6.1) resolve_stock_6_1 ;;
	stock-6.12) resolve_stock_6_12 ;;
	esac >"$memo.tmp"
	mv "$memo.tmp" "$memo"
	cat "$memo"
}

# write_kd KD VMLINUZ RELEASE MODDIR KDIR: fill in the result files.
write_kd() {
	local kd=$1
	ln -sfn "$2" "$kd/vmlinuz"
	printf '%s\n' "$3" >"$kd/release"
	printf '%s\n' "$4" >"$kd/moddir"
	printf '%s\n' "$5" >"$kd/kdir"
}

# fetch_image IMAGE VERSION DIR: download IMAGE=VERSION into DIR.
fetch_image() {
	local tmp="$3/download"
	rm -rf "$tmp"
	mkdir -p "$tmp"
	# apt drops privileges to _apt for downloads.
	chown _apt "$tmp" 2>/dev/null || true
	(cd "$tmp" && apt-get -q download "$1=$2" >&2)
}

# extract_vmlinux BZIMAGE OUT: write the uncompressed kernel ELF inside
# BZIMAGE to OUT. Booting that through its PVH entry point spares QEMU's TCG
# the decompression, about 10 s for Debian's XZ-compressed 6.1 kernel.
extract_vmlinux() {
	local magic tool off size need shoff shent shnum
	for magic in xz zstd gzip; do
		case "$magic" in
		xz) tool=(xz -dqc --single-stream); magic=$'\xfd7zXZ\x00' ;;
		zstd) tool=(zstd -dqc); magic=$'\x28\xb5\x2f\xfd' ;;
		gzip) tool=(gzip -dqc); magic=$'\x1f\x8b\x08' ;;
		esac
		command -v "${tool[0]}" >/dev/null || continue
		for off in $(LC_ALL=C grep -abo "$magic" "$1" | head -n 4 |
			     cut -d: -f1); do
			# The payload is followed by other data, which the
			# decompressors complain about: judge by the output.
			tail -c +$((off + 1)) "$1" | "${tool[@]}" >"$2" 2>/dev/null
			[ "$(head -c 4 "$2" | od -An -c | tr -d ' ')" = '177ELF' ] ||
				continue
			shoff=$(od -An -t u8 -j 40 -N 8 "$2" | tr -d ' ')
			shent=$(od -An -t u2 -j 58 -N 2 "$2" | tr -d ' ')
			shnum=$(od -An -t u2 -j 60 -N 2 "$2" | tr -d ' ')
			need=$((shoff + shent * shnum))
			size=$(stat -c %s "$2")
			[ "$size" -ge "$need" ] && return 0
		done
	done
	rm -f "$2"
	return 1
}

# add_pvh_vmlinux KD CONFIG VMLINUZ: provide KD/vmlinux if the kernel can be
# booted that way (CONFIG_PVH=y); run-vm.sh prefers it to KD/vmlinuz.
add_pvh_vmlinux() {
	[ -e "$1/.pvh-checked" ] && return 0
	if grep -qx 'CONFIG_PVH=y' "$2" 2>/dev/null &&
	   extract_vmlinux "$3" "$1/vmlinux.tmp"; then
		mv "$1/vmlinux.tmp" "$1/vmlinux"
	else
		mdgpu_log "no PVH-bootable vmlinux in $3; QEMU will boot the bzImage"
	fi
	touch "$1/.pvh-checked"
}

prepare_stock() {
	local attempt resolved image version headers release kd
	for attempt in 1 2; do
		resolved=$(resolve_stock)
		read -r image version headers <<<"$resolved"
		release=${image#linux-image-}
		release=${release%-unsigned}
		kd="$cache/$name/${release}_${version//[~:]/_}"
		[ -e "$kd/.complete" ] && break

		mdgpu_log "fetching $image $version"
		rm -rf "$kd"
		mkdir -p "$kd"
		fetch_image "$image" "$version" "$kd" && break
		# Old package lists name versions the archive has dropped.
		[ "$attempt" -eq 1 ] || mdgpu_die "cannot download $image $version"
		mdgpu_log "download failed; refreshing apt's package lists"
		apt-get -o DPkg::Lock::Timeout=600 update >&2
	done

	# The headers are what users build against: install them for real.
	"$here/deps.sh" build "$headers"

	if [ ! -e "$kd/.complete" ]; then
		local t0 deb moddir
		t0=$(mdgpu_now)
		deb=$(find "$kd/download" -maxdepth 1 -name '*.deb' | head -n1)
		[ -n "$deb" ] || mdgpu_die "apt-get download $image produced no .deb"
		dpkg-deb -x "$deb" "$kd/root"
		rm -rf "$kd/download"

		# Debian 12 puts modules in /lib; later releases in /usr/lib.
		moddir="$kd/root"
		if [ ! -d "$moddir/lib/modules/$release" ] &&
		   [ -d "$kd/root/usr/lib/modules/$release" ]; then
			moddir="$kd/root/usr"
		fi
		[ -d "$moddir/lib/modules/$release" ] ||
			mdgpu_die "$image has no lib/modules/$release"
		[ -f "$kd/root/boot/vmlinuz-$release" ] ||
			mdgpu_die "$image has no boot/vmlinuz-$release"
		# The package ships no modules.dep: the host runs depmod on
		# install. Do it here for the unpacked copy.
		depmod -b "$moddir" "$release"
		write_kd "$kd" "$kd/root/boot/vmlinuz-$release" "$release" \
			"$moddir" "/usr/src/linux-headers-$release"
		touch "$kd/.complete"
		mdgpu_log "$name unpacked in $(mdgpu_elapsed "$t0") s"
	fi
	add_pvh_vmlinux "$kd" "$kd/root/boot/config-$release" \
		"$kd/root/boot/vmlinuz-$release"
	[ -f "/usr/src/linux-headers-$release/Makefile" ] ||
		mdgpu_die "/usr/src/linux-headers-$release is missing"
	printf '%s\n' "$kd"
}

# ---------------------------------------------------------------------------
# debug kernel

# verify_config FRAGMENT DOTCONFIG: every symbol set (or unset) in FRAGMENT
# must have exactly that value in DOTCONFIG.
verify_config() {
	awk '
		function unset_sym(line) {
			return line ~ /^# CONFIG_[A-Za-z0-9_]+ is not set/
		}
		NR == FNR {
			if ($0 ~ /^CONFIG_[A-Za-z0-9_]+=/) {
				k = $0; sub(/=.*/, "", k)
				have[k] = substr($0, length(k) + 2)
			} else if (unset_sym($0)) {
				have[$2] = "n"
			}
			next
		}
		/^CONFIG_[A-Za-z0-9_]+=/ {
			k = $0; sub(/=.*/, "", k)
			want = substr($0, length(k) + 2)
			got = (k in have) ? have[k] : "n"
			if (got != want) {
				printf "  %s: wanted %s, got %s\n", k, want, got
				bad++
			}
			next
		}
		unset_sym($0) {
			k = $2
			got = (k in have) ? have[k] : "n"
			if (got != "n") {
				printf "  %s: wanted n, got %s\n", k, got
				bad++
			}
		}
		END { exit bad ? 1 : 0 }' "$2" "$1"
}

# run_logged LOG CMD...: run CMD with its output appended to LOG (and to
# stderr with MDGPU_VERBOSE=1); on failure show the tail of the log.
run_logged() {
	local log=$1 rc=0
	shift
	printf '+ %s\n' "$*" >>"$log"
	if [ -n "${MDGPU_VERBOSE:-}" ]; then
		"$@" 2>&1 | tee -a "$log" >&2 || rc=${PIPESTATUS[0]}
	else
		"$@" >>"$log" 2>&1 || rc=$?
	fi
	if [ "$rc" -ne 0 ]; then
		tail -n 40 "$log" >&2
		mdgpu_die "'$*' failed ($rc); full log: $log"
	fi
}

prepare_debug() {
	local fragment="$here/debug.config" srcver sha kd src build log
	"$here/deps.sh" debug
	srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
	sha=$(sha256sum "$fragment" | cut -c1-16)
	kd="$cache/debug/${srcver//[~:]/_}-$sha"

	if [ ! -e "$kd/.complete" ]; then
		local t0 tarball
		t0=$(mdgpu_now)
		tarball=/usr/src/linux-source-6.12.tar.xz
		[ -f "$tarball" ] || mdgpu_die "$tarball is missing"

		# One unpacked source tree per source version, shared by all
		# fragments; builds happen out of tree (O=).
		src="$cache/debug/src-${srcver//[~:]/_}"
		if [ ! -e "$src/.complete" ]; then
			mdgpu_log "unpacking $tarball"
			rm -rf "$src"
			mkdir -p "$src"
			tar -C "$src" --strip-components=1 -xf "$tarball"
			touch "$src/.complete"
		fi

		rm -rf "$kd"
		build="$kd/build"
		mkdir -p "$build"
		log="$kd/build.log"
		: >"$log"
		local mk=(make -C "$src" O="$build" ARCH=x86_64)

		mdgpu_log "configuring (tinyconfig + debug.config), log: $log"
		run_logged "$log" "${mk[@]}" tinyconfig
		run_logged "$log" "$src/scripts/kconfig/merge_config.sh" -m \
			-O "$build" "$build/.config" "$fragment"
		run_logged "$log" "${mk[@]}" olddefconfig
		if ! verify_config "$fragment" "$build/.config" >"$kd/verify.txt"; then
			cat "$kd/verify.txt" >&2
			mdgpu_die "debug.config did not apply (unmet dependencies?); see $kd/verify.txt"
		fi
		cp "$fragment" "$kd/debug.config"

		mdgpu_log "building with -j$(nproc) (takes a while), log: $log"
		run_logged "$log" "${mk[@]}" -j"$(nproc)" bzImage modules
		run_logged "$log" "${mk[@]}" INSTALL_MOD_PATH="$kd/modroot" \
			modules_install

		local release
		release=$("${mk[@]}" -s kernelrelease)
		[ -d "$kd/modroot/lib/modules/$release" ] ||
			mdgpu_die "modules_install did not create lib/modules/$release"
		write_kd "$kd" "$build/arch/x86/boot/bzImage" "$release" \
			"$kd/modroot" "$build"
		touch "$kd/.complete"
		mdgpu_log "debug kernel $release built in $(mdgpu_elapsed "$t0") s"
	fi
	# Extra kernel parameters for run-vm.sh. The AML interpreter crawls
	# under KASAN + kmemleak + lockdep on TCG: evaluating the i440fx _PRT
	# alone can exceed ACPICA's 30 s loop timeout. Legacy PCI IRQ routing
	# avoids it; ACPI still provides the PM timer, HPET and CPU list.
	printf '%s\n' "pci=noacpi" >"$kd/cmdline.tmp"
	mv "$kd/cmdline.tmp" "$kd/cmdline"
	printf '%s\n' "$kd"
}

case "$name" in
stock-*) prepare_stock ;;
debug) prepare_debug ;;
esac
