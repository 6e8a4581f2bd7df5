#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-vm.sh - boot a kernel under QEMU (TCG) and run one guest script in it.
#
# Usage: run-vm.sh --kernel KD --script PATH [--timeout SECONDS] [--outdir DIR]
#                  [--mem MB] [--log FILE] [-v] [-- ARGS...]
#
#   --kernel KD     directory printed by kernel.sh
#   --script PATH   guest script, run as `bash PATH ARGS...` from the repo root
#   --timeout S     hard limit for the whole VM run, boot included (600)
#   --outdir DIR    shared read-write with the guest at the same path
#   --mem MB        guest memory (2048)
#   --ivshmem MB    size of the guest's ivshmem-plain device (256; 0: none)
#   --log FILE      console log (default: a new /tmp/mdgpu-vm.*.log)
#   -v              also copy the console to stdout while the VM runs
#
# The guest sees the host's root file system read-only over virtio-9p, with
# tmpfs on /tmp, /run, /var/tmp and /root, so the script, the repository and
# any built module are at the same paths as on the host. (Should the script,
# the repository or the kernel live under one of those tmpfs directories,
# the guest binds the host's copy of that directory back in, read-only.) Before the script
# the VFIO stack (vfio, vfio_iommu_type1, mdev) is loaded with the host's
# modprobe -d $MDGPU_MODDIR. The script sees MDGPU_KERNEL_RELEASE,
# MDGPU_MODDIR, MDGPU_KDIR, MDGPU_KERNEL and MDGPU_OUTDIR in its environment.
#
# The guest also has one QEMU ivshmem-plain PCI device (1af4:1110) whose
# BAR2 is --ivshmem MB of host memory (memory-backend-ram, populated only
# where the guest touches it): the PCI parent of the pci_parent selftest.
# No driver binds to it unless asked. A guest test can have QEMU
# hot-unplug it and plug it back (device_del/device_add over QMP) by asking
# hotplug-agent.sh on the second serial port, /dev/ttyS1 (the guest sees
# MDGPU_HOTPLUG_TTY=/dev/ttyS1 in its environment; see hotplug-agent.sh for
# the protocol).
#
# Exit status: the script's exit status if the VM finished normally and the
# kernel log is clean; otherwise 124 (timed out), 125 (no exit marker: the
# kernel crashed or the VM died) or 126 (the kernel log shows a warning,
# sanitizer report, lockdep splat, leak, oops or panic; the lines are
# printed).

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=lib.sh
. "$here/lib.sh"

usage() {
	sed -n '4,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit "${1:-2}"
}

kd='' script='' timeout=600 outdir='' mem=2048 log='' verbose='' ivshmem=256
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel) kd=${2:?}; shift 2 ;;
	--script) script=${2:?}; shift 2 ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--outdir) outdir=${2:?}; shift 2 ;;
	--mem) mem=${2:?}; shift 2 ;;
	--ivshmem) ivshmem=${2:?}; shift 2 ;;
	--log) log=${2:?}; shift 2 ;;
	-v|--verbose) verbose=1; shift ;;
	-h|--help) usage 0 ;;
	--) shift; break ;;
	*) mdgpu_log "unknown argument '$1'"; usage ;;
	esac
done
args=("$@")

if [ -z "$kd" ] || [ -z "$script" ]; then
	usage
fi
[[ "$timeout" =~ ^[1-9][0-9]*$ ]] || mdgpu_die "--timeout wants seconds"
[[ "$mem" =~ ^[1-9][0-9]*$ ]] || mdgpu_die "--mem wants megabytes"

"$here/deps.sh" vm

kd=$(cd "$kd" && pwd -P) || mdgpu_die "no kernel directory $kd"
for f in vmlinuz release moddir kdir; do
	[ -e "$kd/$f" ] || mdgpu_die "$kd/$f missing; was KD made by kernel.sh?"
done
release=$(<"$kd/release")
moddir=$(<"$kd/moddir")
kdir=$(<"$kd/kdir")
modpath="$moddir/lib/modules/$release"
[ -f "$modpath/modules.dep" ] || mdgpu_die "$modpath/modules.dep missing"

repo=$(mdgpu_repo_root)
[ -f "$script" ] || mdgpu_die "no such script: $script"
script=$(realpath "$script")

# The guest mounts tmpfs over /tmp, /run, /var/tmp and /root. Host
# directories under them that the run needs are bound back in by the guest's
# init; /proc, /sys and /dev are the guest's own.
binds=''
for p in "${script%/*}" "$repo" "$moddir" "$kd"; do
	case "$p/" in
	/proc/*|/sys/*|/dev/*)
		mdgpu_die "$p cannot be shared with the guest"
		;;
	/tmp/*|/run/*|/var/tmp/*|/root/*)
		binds+="$p"$'\n'
		;;
	esac
done

if [ -n "$outdir" ]; then
	mkdir -p "$outdir"
	outdir=$(cd "$outdir" && pwd -P)
	[ "$outdir" != / ] || mdgpu_die "--outdir / makes no sense"
fi

if [ -z "$log" ]; then
	log=$(mktemp /tmp/mdgpu-vm.XXXXXX.log)
fi
: >"$log"

work=$(mktemp -d /tmp/mdgpu-vm.XXXXXX)
qemu_pid=''
tail_pid=''
agent_pid=''
# shellcheck disable=SC2317  # invoked from the EXIT trap
cleanup() {
	[ -n "$tail_pid" ] && kill "$tail_pid" 2>/dev/null
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null
	[ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------
# initramfs: static busybox, /init, the 9p modules and the job description.

# sq STRING: STRING quoted for sh and bash, with single quotes.
sq() {
	printf "'%s'" "${1//\'/\'\\\'\'}"
}

# ninep_modules: print the module files needed to mount 9p over virtio-pci, in
# load order (dependencies first), skipping built-in ones.
ninep_modules() {
	awk -v want="9p 9pnet_virtio virtio_pci" '
		function modname(path,   n) {
			n = path
			sub(/.*\//, "", n)
			sub(/\.ko(\.(xz|zst|gz))?$/, "", n)
			gsub(/-/, "_", n)
			return n
		}
		function visit(n,   i, k, d) {
			if (n in done)
				return
			done[n] = 1
			k = split(deps[n], d, " ")
			for (i = 1; i <= k; i++)
				visit(modname(d[i]))
			print path[n]
		}
		FILENAME ~ /modules\.builtin$/ { builtin[modname($0)] = 1; next }
		{
			sub(/:$/, "", $1)
			n = modname($1)
			path[n] = $1
			deps[n] = ""
			for (i = 2; i <= NF; i++)
				deps[n] = deps[n] " " $i
		}
		END {
			k = split(want, w, " ")
			for (i = 1; i <= k; i++) {
				if (w[i] in builtin)
					continue
				if (!(w[i] in path)) {
					print "missing module " w[i] > "/dev/stderr"
					exit 1
				}
				visit(w[i])
			}
		}' "$modpath/modules.builtin" "$modpath/modules.dep"
}

make_initramfs() {
	local root="$work/initramfs" mods mod base order=()
	mods=$(ninep_modules) ||
		mdgpu_die "kernel $release lacks the modules to mount 9p"
	mkdir -p "$root"/{bin,dev,proc,sys,newroot,modules}
	cp /bin/busybox "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	install -m 755 "$here/guest/init" "$root/init"
	# Without /dev/console the kernel starts /init with no stdio.
	mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true

	while read -r mod; do
		[ -n "$mod" ] || continue
		base=${mod##*/}
		case "$base" in
		*.ko.xz) xz -dc "$modpath/$mod" >"$root/modules/${base%.xz}" ;;
		*.ko.zst) zstd -qdc "$modpath/$mod" >"$root/modules/${base%.zst}" ;;
		*.ko.gz) gzip -dc "$modpath/$mod" >"$root/modules/${base%.gz}" ;;
		*) cp "$modpath/$mod" "$root/modules/$base" ;;
		esac
		order+=("${base%.ko*}.ko")
	done <<<"$mods"
	if [ ${#order[@]} -gt 0 ]; then
		printf '%s\n' "${order[@]}" >"$root/modules/order"
	fi

	{
		printf 'MDGPU_OUTDIR=%s\n' "$(sq "$outdir")"
		printf 'MDGPU_RUNNER=%s\n' "$(sq "$here/guest/run.sh")"
		printf 'MDGPU_BINDS=%s\n' "$(sq "$binds")"
	} >"$root/job-init.env"
	{
		printf 'MDGPU_KERNEL=%s\n' "$(sq "$kd")"
		printf 'MDGPU_KERNEL_RELEASE=%s\n' "$(sq "$release")"
		printf 'MDGPU_MODDIR=%s\n' "$(sq "$moddir")"
		printf 'MDGPU_KDIR=%s\n' "$(sq "$kdir")"
		printf 'MDGPU_OUTDIR=%s\n' "$(sq "$outdir")"
		printf 'MDGPU_REPO=%s\n' "$(sq "$repo")"
		printf 'MDGPU_SCRIPT=%s\n' "$(sq "$script")"
		printf 'MDGPU_TIMEOUT=%s\n' "$timeout"
		if [ "$ivshmem" != 0 ]; then
			printf 'MDGPU_HOTPLUG_TTY=/dev/ttyS1\n'
		fi
		printf 'MDGPU_ARGS=('
		local a
		for a in ${args[@]+"${args[@]}"}; do
			printf ' %s' "$(sq "$a")"
		done
		printf ' )\n'
	} >"$root/job.env"

	(cd "$root" && find . -print0 | LC_ALL=C sort -z |
		cpio -o -0 -H newc -R 0:0 --quiet) >"$work/initramfs.cpio"
}

make_initramfs

# ---------------------------------------------------------------------------
# QEMU

# An uncompressed vmlinux with a PVH entry point boots without the bzImage
# decompressing itself, which under TCG takes seconds.
kernel_image="$kd/vmlinuz"
if [ -f "$kd/vmlinux" ] && [ -z "${MDGPU_VM_BZIMAGE:-}" ]; then
	kernel_image="$kd/vmlinux"
fi

# shellcheck disable=SC2054  # the commas are QEMU's and the kernel's syntax
cmdline=(console=ttyS0,115200 loglevel=5 printk.time=1 log_buf_len=4M
	 panic=-1 oops=panic panic_on_warn=1 watchdog_thresh=60
	 kmemleak=on rdinit=/init
	 no_timer_check)
# no_timer_check: the kernel's check that the IO-APIC timer ticks gives a
# TCG guest whose vCPU thread the host did not run for a while a panic at
# boot ("IO-APIC + timer doesn't work"); seen three times at load 20.
# Kernel-specific additions (KD/cmdline, written by kernel.sh) and ad-hoc
# ones from the environment.
if [ -f "$kd/cmdline" ]; then
	read -r -a extra <"$kd/cmdline"
	cmdline+=("${extra[@]}")
fi
if [ -n "${MDGPU_VM_APPEND:-}" ]; then
	read -r -a extra <<<"$MDGPU_VM_APPEND"
	cmdline+=("${extra[@]}")
fi

# qopt VALUE: VALUE escaped for a QEMU option list (commas doubled).
qopt() {
	printf '%s' "${1//,/,,}"
}

# shellcheck disable=SC2054
qemu=(qemu-system-x86_64 -accel tcg -machine pc -cpu max -smp 2 -m "$mem"
      -nodefaults -display none -no-reboot -no-user-config
      -kernel "$kernel_image" -initrd "$work/initramfs.cpio"
      -append "${cmdline[*]}"
      -chardev "file,id=con,path=$(qopt "$log")" -serial chardev:con
      -fsdev "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap"
      -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot)
if [ "$ivshmem" != 0 ]; then
	# The hot-plug channel: QMP and the guest's second serial port, each
	# a pair of FIFOs (QEMU's "pipe" chardev), served by hotplug-agent.sh.
	mkfifo "$work"/{qmp,hotplug}.{in,out}
	# shellcheck disable=SC2054
	qemu+=(-object "memory-backend-ram,id=ivshm,size=${ivshmem}M"
	       -device ivshmem-plain,id=mdgpu-pci,memdev=ivshm
	       -chardev "pipe,id=qmp,path=$(qopt "$work/qmp")"
	       -mon chardev=qmp,mode=control
	       -chardev "pipe,id=hotplug,path=$(qopt "$work/hotplug")"
	       -serial chardev:hotplug)
fi
if [ -n "$outdir" ]; then
	# shellcheck disable=SC2054
	qemu+=(-fsdev "local,id=outdir,path=$(qopt "$outdir"),security_model=none,multidevs=remap"
	       -device virtio-9p-pci,fsdev=outdir,mount_tag=outdir)
fi

mdgpu_log "booting $release ($kd), script $script, timeout ${timeout}s"
mdgpu_log "console log: $log"
t0=$(mdgpu_now)
timeout --kill-after=10 "$timeout" "${qemu[@]}" </dev/null \
	>"$work/qemu.out" 2>&1 &
qemu_pid=$!
if [ "$ivshmem" != 0 ]; then
	"$here/hotplug-agent.sh" "$work/hotplug" "$work/qmp" mdgpu-pci \
		"$ivshmem" 2>"$work/agent.log" &
	agent_pid=$!
fi
if [ -n "$verbose" ]; then
	tail -n +1 -f --pid="$qemu_pid" "$log" &
	tail_pid=$!
fi
qemu_rc=0
wait "$qemu_pid" || qemu_rc=$?
qemu_pid=
if [ -n "$tail_pid" ]; then
	wait "$tail_pid" 2>/dev/null || true
	tail_pid=
fi
if [ -n "$agent_pid" ]; then
	kill "$agent_pid" 2>/dev/null || true
	wait "$agent_pid" 2>/dev/null || true
	agent_pid=
fi
wall=$(mdgpu_elapsed "$t0")

# ---------------------------------------------------------------------------
# Verdict

# Kernel log patterns that make a run fail even if the script passed.
bad_re='WARNING:|BUG:|kernel BUG at|KASAN|UBSAN|possible circular locking'
bad_re+='|possible recursive locking|inconsistent lock state'
bad_re+='|suspicious RCU usage|unreferenced object|Kernel panic|Oops'
bad_re+='|general protection fault|INFO: task .* blocked|DEBUG_LOCKS_WARN_ON'

bad_lines=()
exit_rc='' ended='' script_start='' end_uptime=''
# One pass over the log: exit status, markers, offending lines, boot time.
eval "$(tr -d '\r' <"$log" | awk -v bad="$bad_re" '
	/MDGPU-VM-EXIT [0-9]+/ {
		s = $0
		sub(/.*MDGPU-VM-EXIT /, "", s)
		sub(/[^0-9].*/, "", s)
		exitrc = s
	}
	/MDGPU-VM-SCRIPT-START uptime=/ {
		s = $0
		sub(/.*uptime=/, "", s)
		sub(/[^0-9.].*/, "", s)
		start = s
	}
	/MDGPU-DMESG-END/ { ended = 1 }
	/^\[ *[0-9]+\.[0-9]+\] reboot: Restarting system/ {
		s = $0
		sub(/^\[ */, "", s)
		sub(/\].*/, "", s)
		end_uptime = s
	}
	$0 ~ bad {
		if (!($0 in seen) && nbad < 60) {
			seen[$0] = 1
			nbad++
			gsub(/\047/, "", $0)
			printf "bad_lines+=(\047%s\047)\n", $0
		}
	}
	END {
		printf "exit_rc=%s\nended=%s\nscript_start=%s\n", exitrc, ended, start
		printf "end_uptime=%s\n", end_uptime
	}')"

show_bad() {
	local l
	[ "${#bad_lines[@]}" -gt 0 ] || return 0
	mdgpu_log "kernel log is not clean:"
	for l in "${bad_lines[@]}"; do
		printf '  %s\n' "$l" >&2
	done
}

if [ -s "$work/qemu.out" ]; then
	sed 's/^/qemu: /' "$work/qemu.out" >&2
fi
# The hot-plug agent's log, if the guest asked it for anything.
if grep -qv ': ready (device' "$work/agent.log" 2>/dev/null; then
	cat "$work/agent.log" >&2
fi
if [ -n "$script_start" ] && [ -n "$end_uptime" ]; then
	# Wall-clock time from starting QEMU to starting the script: the
	# guest's uptime at the start plus what ran before the kernel.
	to_script=$(awk -v w="$wall" -v s="$script_start" -v e="$end_uptime" \
		'BEGIN { printf "%.1f", w - (e - s) }')
	mdgpu_log "VM ran ${wall}s; script started ${to_script}s after QEMU (guest uptime ${script_start}s)"
else
	mdgpu_log "VM ran ${wall}s; script started at guest uptime ${script_start:-?}s"
fi

if [ "$qemu_rc" -eq 124 ] || [ "$qemu_rc" -eq 137 ]; then
	show_bad
	mdgpu_log "timed out after ${timeout}s; console log: $log"
	exit 124
fi
if [ -z "$exit_rc" ] || [ -z "$ended" ]; then
	show_bad
	mdgpu_log "no clean end of run (crash?); last console lines:"
	tr -d '\r' <"$log" | tail -n 30 | sed 's/^/  /' >&2
	mdgpu_log "console log: $log"
	exit 125
fi
if [ "${#bad_lines[@]}" -gt 0 ]; then
	show_bad
	mdgpu_log "script exit status was $exit_rc; console log: $log"
	exit 126
fi
if [ "$exit_rc" -eq 124 ]; then
	mdgpu_log "script killed at the deadline; console log: $log"
fi
mdgpu_log "script exit status $exit_rc"
exit "$exit_rc"
