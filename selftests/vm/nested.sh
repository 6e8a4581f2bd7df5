# SPDX-License-Identifier: GPL-2.0
#
# nested.sh - helpers for the tests that boot a nested guest ("L2") with
# QEMU inside the VM harness's guest ("L1") on an mdgpu vGPU: make
# guest-display and make guest-migrate.
#
# Sourced, never executed. Two halves:
#
#   host side (run.sh, after lib.sh): mdgpu_l2_initramfs builds, or takes
#   from the cache, the nested guest's initramfs;
#
#   L1 side (l1.sh): timing and messages (since, say), results printed as
#   one TAP block (add, check, tap), and QEMU's monitor, QMP over a pair of
#   FIFOs, for one or more QEMUs at a time (mon_prepare, mon_attach,
#   mon_use, qmp, hmp, rd, mon_close_all).
#
# The L1 half uses no process it need not start: L1 runs under TCG on a
# host that may be busy, where every fork and exec counts.

# shellcheck shell=bash

# ---------------------------------------------------------------------------
# Host side

# mdgpu_module_closure MODPATH NAME...: the module files (paths relative to
# MODPATH, a kernel's module directory) needed to load NAME..., dependencies
# first, built-in ones left out.
mdgpu_module_closure() {
	local modpath=$1
	shift
	awk -v want="$*" '
		function base(p,   n) {
			n = p
			sub(/.*\//, "", n)
			sub(/\.ko(\.(xz|zst|gz))?$/, "", n)
			gsub(/-/, "_", n)
			return n
		}
		function visit(n,   i, k, d) {
			if (n in done || n in builtin)
				return
			done[n] = 1
			if (!(n in path)) {
				print "no module " n > "/dev/stderr"
				failed = 1
				return
			}
			k = split(deps[n], d, " ")
			for (i = 1; i <= k; i++)
				visit(base(d[i]))
			print path[n]
		}
		FILENAME ~ /modules\.builtin$/ { builtin[base($0)] = 1; next }
		{
			sub(/:$/, "", $1)
			n = base($1)
			path[n] = $1
			deps[n] = ""
			for (i = 2; i <= NF; i++)
				deps[n] = deps[n] " " $i
		}
		END {
			k = split(want, w, " ")
			for (i = 1; i <= k; i++)
				visit(w[i])
			exit failed
		}' "$modpath/modules.builtin" "$modpath/modules.dep"
}

# mdgpu_l2_pattern FILE: the pattern L2 writes to /dev/fb0: 256 KiB of
# 32-bit words that all differ, so that a misplaced or partial copy cannot
# compare equal.
mdgpu_l2_pattern() {
	perl -e 'binmode STDOUT;
		print pack("V", ($_ * 2654435761 + 0x5a17) & 0xffffffff) for 0 .. 65535' \
		>"$1"
}

# mdgpu_l2_initramfs RELEASE MODPATH INIT: print the directory holding
# initramfs.cpio (static busybox, INIT as /init, bochs and its dependencies
# from MODPATH, the pattern as /pattern.bin) and pattern.bin for a nested
# guest running kernel RELEASE. Built once into
# $(mdgpu_cache_root)/guest-display/RELEASE-KEY, KEY covering everything
# that goes into it.
mdgpu_l2_initramfs() {
	local release=$1 modpath=$2 init=$3
	local mods key cache dir tmp root m b

	mods=$(mdgpu_module_closure "$modpath" bochs) ||
		mdgpu_die "kernel $release cannot load bochs"
	key=$(
		{
			echo "$release"
			cat "$init" "${BASH_SOURCE[0]}"
			dpkg-query -W -f='${Version}\n' busybox-static
			for m in $mods; do
				stat -c '%n %s %Y' "$modpath/$m"
			done
		} | sha256sum | cut -c1-16
	)
	cache=$(mdgpu_cache_root)/guest-display
	dir=$cache/$release-$key
	if [ ! -e "$dir/.complete" ]; then
		mdgpu_log "building the nested guest's initramfs in $dir"
		mkdir -p "$cache"
		tmp=$(mktemp -d "$cache/.l2.XXXXXX")
		root=$tmp/root
		mkdir -p "$root"/{bin,dev,proc,sys,modules}
		cp /bin/busybox "$root/bin/busybox"
		ln -s busybox "$root/bin/sh"
		install -m 755 "$init" "$root/init"
		mknod -m 600 "$root/dev/console" c 5 1
		for m in $mods; do
			b=${m##*/}
			case "$b" in
			*.ko.xz) xz -dc "$modpath/$m" >"$root/modules/${b%.xz}" ;;
			*.ko.zst) zstd -qdc "$modpath/$m" >"$root/modules/${b%.zst}" ;;
			*.ko.gz) gzip -dc "$modpath/$m" >"$root/modules/${b%.gz}" ;;
			*) cp "$modpath/$m" "$root/modules/$b" ;;
			esac
			echo "${b%.ko*}.ko"
		done >"$root/modules/order"
		mdgpu_l2_pattern "$tmp/pattern.bin"
		cp "$tmp/pattern.bin" "$root/pattern.bin"
		(cd "$root" && find . -print0 | LC_ALL=C sort -z |
			cpio -o -0 -H newc -R 0:0 --quiet) >"$tmp/initramfs.cpio"
		rm -rf "$root"
		touch "$tmp/.complete"
		mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
	fi
	printf '%s\n' "$dir"
}

# ---------------------------------------------------------------------------
# L1 side: messages and timing. The caller sets nested_name (the test's
# name: message prefix and TAP block) before sourcing.

nested_name=${nested_name:-nested}
# Time in microseconds, without starting a process.
t_start=${EPOCHREALTIME/./}

# since START: seconds since START (microseconds), one decimal.
since() {
	local d=$((${EPOCHREALTIME/./} - $1))
	printf '%d.%d' $((d / 1000000)) $((d / 100000 % 10))
}

say() {
	echo "$nested_name: [$(since "$t_start")] $*"
}

# --- results -------------------------------------------------------------
# Collected as "ok|fail|skip<TAB>description<TAB>diagnostic" and printed as
# one TAP block at the end, whatever happened in between.

results=()
add() {
	results+=("$1"$'\t'"$2"$'\t'"${3:-}")
}

# check DESCRIPTION DIAGNOSTIC COMMAND...: add the outcome of COMMAND.
check() {
	local desc=$1 diag=$2
	shift 2
	if "$@"; then
		add ok "$desc" "$diag"
	else
		add fail "$desc" "$diag"
	fi
}

tap() {
	local r st desc diag n=0
	echo "MDGPU-TAP-BEGIN kselftest $nested_name"
	echo "TAP version 13"
	echo "1..${#results[@]}"
	for r in "${results[@]}"; do
		n=$((n + 1))
		IFS=$'\t' read -r st desc diag <<<"$r"
		case "$st" in
		ok) echo "ok $n $desc" ;;
		skip) echo "ok $n $desc # SKIP $diag"; diag= ;;
		*) echo "not ok $n $desc" ;;
		esac
		[ -n "$diag" ] && echo "# $diag"
	done
	echo "MDGPU-TAP-END $nested_name"
}

# all_ok: whether every result passed (or skipped).
all_ok() {
	local r
	for r in "${results[@]}"; do
		[ "${r%%$'\t'*}" != fail ] || return 1
	done
}

# --- QEMU's monitor: QMP over a pair of FIFOs ------------------------------
# For each QEMU, NAME: mon_prepare DIR NAME before starting it with
# "-chardev pipe,id=mon,path=DIR/NAME -mon chardev=mon,mode=control",
# mon_attach NAME once it runs; qmp, hmp and rd talk to the monitor last
# attached or chosen with mon_use NAME. Everything QEMU's monitor said is in
# DIR/NAME.log.

declare -A mon_fds=() mon_cats=() mon_logs=()
mon_fd=
mon_log=

mon_prepare() {
	mkfifo "$1/$2.in" "$1/$2.out"
	: >"$1/$2.log"
	mon_logs[$2]=$1/$2
}

# mon_attach NAME: read the monitor's answers into its log, open its input
# and make it the current monitor.
mon_attach() {
	local p=${mon_logs[$1]} fd
	cat "$p.out" >>"$p.log" &
	mon_cats[$1]=$!
	exec {fd}<>"$p.in"
	mon_fds[$1]=$fd
	mon_use "$1"
}

mon_use() {
	mon_fd=${mon_fds[$1]}
	mon_log=${mon_logs[$1]}.log
}

# mon_close NAME: stop reading NAME's monitor (once its QEMU has gone).
mon_close() {
	local fd=${mon_fds[$1]:-}
	[ -n "${mon_cats[$1]:-}" ] && kill "${mon_cats[$1]}" 2>/dev/null
	[ -n "$fd" ] && exec {fd}>&-
	unset "mon_cats[$1]" "mon_fds[$1]"
}

mon_close_all() {
	local n
	for n in "${!mon_fds[@]}"; do
		mon_close "$n"
	done
}

# qmp JSON [SECONDS]: send one command (JSON members without the braces and
# the id) to the current monitor and print QMP's answer line to it, without
# the carriage return the monitor ends its lines with. Fails after SECONDS
# (60) without an answer. Callers run it in command substitutions, so the
# id cannot be a counter: it is the time in microseconds.
qmp() {
	local t0=${EPOCHREALTIME/./} limit=${2:-60}
	# QMP puts the id last in answers and first in errors.
	local id="\"id\": \"q$t0\""
	[ -n "$mon_fd" ] || return 1
	printf '{%s, %s}\n' "$1" "$id" >&"$mon_fd" || return 1
	while ! grep -qF "$id" "$mon_log"; do
		[ $((${EPOCHREALTIME/./} - t0)) -lt $((limit * 1000000)) ] ||
			return 1
		sleep 0.2
	done
	grep -F "$id" "$mon_log" | tr -d '\r'
}

# hmp COMMAND: a human monitor command through QMP, its output as lines.
hmp() {
	qmp "\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"$1\"}" |
		sed -e 's/^{"return": "//' -e 's/", "id": "q[0-9]*"}$//' \
		    -e 's/\\r\\n/\n/g' -e 's/\\"/"/g'
}

# rd SIZE ADDR: one read of SIZE (h: 2 bytes, w: 4 bytes) at guest-physical
# ADDR, in decimal. QEMU does not map mdgpu's BAR2, so this is one access of
# that size to the VFIO region: mdgpu's register emulation answers it as it
# answers the guest.
rd() {
	local v
	v=$(hmp "xp /1$1x $2" |
		sed -n 's/^[0-9a-f]*: *0x\([0-9a-f]*\).*/\1/p' | head -n 1)
	[ -n "$v" ] || return 1
	echo $((16#$v))
}
