#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# probe-test.sh - tests of include/probes/probe.sh, run on the host.
#
# Usage: probe-test.sh
#
# Prints TAP (kselftest ktap_helpers.sh). The probes must decide:
#   - against both stock kernels' headers (selftests/vm/kernel.sh installs
#     them), the API each kernel really has;
#   - against a copy of the 6.12 build tree whose linux/vfio.h is broken for
#     a reason that has nothing to do with the API (#error), probe.sh must
#     fail, name the probes that cannot decide and show the compiler's
#     output, instead of building the module without the iommufd ops;
#   - a probe whose two variants both compile, and a probe without a LACK
#     variant, must fail the same way;
#   - the standard out-of-tree build, `make -C KDIR M=DIR` (what DKMS runs),
#     runs the probes itself (Kbuild): against both stock kernels it writes
#     the same header and compiles an object that includes it, and against
#     the broken tree it stops at the probes, before compiling mdgpu.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
# shellcheck source=../vm/lib.sh
. "$repo/selftests/vm/lib.sh"
ktap=$(mdgpu_ktap_helpers) || exit 1
# shellcheck disable=SC1090
. "$ktap"

probe_sh=${MDGPU_PROBE_SH:-$repo/include/probes/probe.sh}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# What each stock kernel has, as probe.sh must write it (read through
# ${!var} below).
# shellcheck disable=SC2034
expect_stock_6_12="#define MDGPU_HAVE_EVENTFD_SIGNAL_ONE_ARG 1
#define MDGPU_HAVE_HUGE_FAULT_ORDER 1
#define MDGPU_HAVE_VFIO_DETACH_IOAS 1
/* #undef MDGPU_HAVE_VFIO_FREE_DEVICE */
#define MDGPU_HAVE_VFIO_IOMMUFD_OPS 1
#define MDGPU_HAVE_VFIO_MIG_DATA_SIZE 1
#define MDGPU_HAVE_VFIO_PRECOPY 1
#define MDGPU_HAVE_VM_FLAGS_SET 1"
# shellcheck disable=SC2034
expect_stock_6_1="/* #undef MDGPU_HAVE_EVENTFD_SIGNAL_ONE_ARG */
/* #undef MDGPU_HAVE_HUGE_FAULT_ORDER */
/* #undef MDGPU_HAVE_VFIO_DETACH_IOAS */
#define MDGPU_HAVE_VFIO_FREE_DEVICE 1
/* #undef MDGPU_HAVE_VFIO_IOMMUFD_OPS */
/* #undef MDGPU_HAVE_VFIO_MIG_DATA_SIZE */
/* #undef MDGPU_HAVE_VFIO_PRECOPY */
/* #undef MDGPU_HAVE_VM_FLAGS_SET */"

kdir_of() {
	local kd

	kd=$(bash "$repo/selftests/vm/kernel.sh" "$1" 2>"$tmp/kernel-$1.log" |
		tail -n 1) && [ -f "$kd/kdir" ] && cat "$kd/kdir"
}

# The MDGPU_HAVE_* lines of a generated header, in order.
decisions() {
	grep -E 'MDGPU_HAVE_' "$1"
}

# shadow ORIG DEST REL: DEST mirrors ORIG with symbolic links, except along
# the path REL, whose directories are real and whose file is a copy that
# starts with an #error.
shadow() {
	local orig=$1 dest=$2 rel=$3 first=${3%%/*} e

	mkdir -p "$dest"
	for e in "$orig"/* "$orig"/.[!.]*; do
		[ -e "$e" ] || [ -L "$e" ] || continue
		e=${e##*/}
		if [ "$e" != "$first" ]; then
			ln -s "$orig/$e" "$dest/$e"
		elif [ "$rel" != "$first" ]; then
			shadow "$orig/$e" "$dest/$e" "${rel#*/}"
		else
			{
				echo '#error "mdgpu probe test: header broken on purpose"'
				cat "$orig/$e"
			} >"$dest/$e"
		fi
	done
}

# fake_tree KDIR DEST HEADER: a build tree like KDIR at DEST whose HEADER
# (relative to the source tree's top) is broken; prints its KDIR. Debian's
# headers split the tree in two: the arch directory's Makefile includes the
# common one, and the common Makefile takes its own directory as the source
# tree, so the common side is copied as a link farm with a real Makefile.
fake_tree() {
	local kdir=$1 dest=$2 header=$3 src

	src=$(sed -n 's|^include \(/.*\)/Makefile$|\1|p' "$kdir/Makefile")
	if [ -z "$src" ] || [ "$(wc -l <"$kdir/Makefile")" -ne 1 ]; then
		src=$kdir
	fi
	shadow "$src" "$dest/src" "$header"
	rm "$dest/src/Makefile"
	cp "$src/Makefile" "$dest/src/Makefile"
	if [ "$src" = "$kdir" ]; then
		echo "$dest/src"
		return
	fi
	shadow "$kdir" "$dest/obj" Makefile
	echo "include $dest/src/Makefile" >"$dest/obj/Makefile"
	echo "$dest/obj"
}

# probes_dir NAME HAVE_BODY LACK_BODY: a copy of probe.sh next to one probe.
probes_dir() {
	local d=$tmp/probes-$1

	mkdir -p "$d"
	cp "$probe_sh" "$d/probe.sh"
	printf '#include <linux/types.h>\n%s\n%s\n' "$2" "$3" >"$d/$1.c"
	echo "$d"
}

# run_probe NAME PROBE_SH KDIR: probe.sh in the background; its header,
# output and exit status land in $tmp/NAME.{h,out,rc}.
run_probe() {
	rm -f "$tmp/$1.h"
	{
		bash "$2" "$3" "$tmp/$1.h" >"$tmp/$1.out" 2>&1
		echo $? >"$tmp/$1.rc"
	} &
}

# run_kbuild NAME KDIR: `make -C KDIR M=<a copy of the module sources>
# drivers/main.o` in the background, as DKMS or a developer would build (one
# object is enough: it includes mdgpu_compat.h, so the probes must run
# first); the copy is $tmp/NAME.m, the output and exit status
# $tmp/NAME.{out,rc}.
run_kbuild() {
	local d=$tmp/$1.m

	mkdir -p "$d"
	(cd "$repo" && cp -a Kbuild drivers include uapi scheduler "$d/")
	rm -f "$d/include/mdgpu_probes.h"
	{
		make -C "$2" M="$d" drivers/main.o >"$tmp/$1.out" 2>&1
		echo $? >"$tmp/$1.rc"
	} &
}

# True if probe run NAME succeeded.
probe_ok() {
	[ "$(cat "$tmp/$1.rc")" = 0 ]
}

ktap_print_header
ktap_set_plan 8

# Each probe.sh run is one single-threaded kernel build: start them all,
# then judge them in turn.
declare -A kdirs=()
for k in stock-6.12 stock-6.1; do
	if kdirs[$k]=$(kdir_of "$k"); then
		run_probe "$k" "$probe_sh" "${kdirs[$k]}"
		run_kbuild "kbuild-$k" "${kdirs[$k]}"
	else
		unset "kdirs[$k]"
	fi
done
kdir_6_12=${kdirs[stock-6.12]:-}
if [ -n "$kdir_6_12" ]; then
	fake=$(fake_tree "$kdir_6_12" "$tmp/fake" include/linux/vfio.h)
	run_probe broken "$probe_sh" "$fake"
	run_kbuild kbuild-broken "$fake"
	d=$(probes_dir both_compile \
		'#if defined(MDGPU_PROBE_HAVE)' '#elif defined(MDGPU_PROBE_LACK)
#endif')
	run_probe both "$d/probe.sh" "$kdir_6_12"
fi
wait

for k in stock-6.12 stock-6.1; do
	var=expect_${k//[-.]/_}
	desc="$k: probes decide the kernel's API"
	if [ -z "${kdirs[$k]:-}" ]; then
		ktap_print_msg "kernel.sh $k failed:"
		sed 's/^/# /' "$tmp/kernel-$k.log"
		ktap_test_fail "$desc"
	elif ! probe_ok "$k"; then
		sed 's/^/# /' "$tmp/$k.out"
		ktap_test_fail "$desc"
	elif [ "$(decisions "$tmp/$k.h")" != "${!var}" ]; then
		ktap_print_msg "${kdirs[$k]}: expected"
		printf '%s\n' "${!var}" | sed 's/^/#   /'
		ktap_print_msg "got"
		decisions "$tmp/$k.h" | sed 's/^/#   /'
		ktap_test_fail "$desc"
	else
		ktap_test_pass "$desc"
	fi
done

# A header broken for an unrelated reason: the iommufd probes must not
# quietly decide that the kernel lacks iommufd.
desc="broken linux/vfio.h: probe.sh fails, names the probes and shows the error"
if [ -z "$kdir_6_12" ]; then
	ktap_test_fail "$desc (no 6.12 build tree)"
elif probe_ok broken; then
	ktap_print_msg "probe.sh succeeded on a broken header and wrote:"
	sed 's/^/#   /' "$tmp/broken.h"
	ktap_test_fail "$desc"
elif ! grep -q 'probe vfio_iommufd_ops cannot decide' "$tmp/broken.out" ||
     ! grep -q 'probe vfio_detach_ioas cannot decide' "$tmp/broken.out" ||
     ! grep -q 'header broken on purpose' "$tmp/broken.out" ||
     [ -e "$tmp/broken.h" ]; then
	ktap_print_msg "probe.sh failed, but its message lacks the probe or the compiler output (or it wrote a header):"
	sed 's/^/#   /' "$tmp/broken.out"
	ktap_test_fail "$desc"
else
	ktap_test_pass "$desc"
fi

# A probe that does not tell kernels apart, and one with no LACK variant.
desc="a probe whose variants both compile fails the build"
if [ -z "$kdir_6_12" ]; then
	ktap_test_fail "$desc (no 6.12 build tree)"
elif probe_ok both ||
     ! grep -q 'probe both_compile cannot decide.*both' "$tmp/both.out"; then
	sed 's/^/#   /' "$tmp/both.out"
	ktap_test_fail "$desc"
else
	ktap_test_pass "$desc"
fi

desc="a probe without a LACK variant fails the build"
d=$(probes_dir have_only '#ifdef MDGPU_PROBE_HAVE' '#endif')
if bash "$d/probe.sh" "${kdir_6_12:-/nonexistent}" "$tmp/have.h" \
	>"$tmp/have.out" 2>&1 ||
   ! grep -q 'probe have_only: needs a MDGPU_PROBE_HAVE and a MDGPU_PROBE_LACK' \
	"$tmp/have.out"; then
	sed 's/^/#   /' "$tmp/have.out"
	ktap_test_fail "$desc"
else
	ktap_test_pass "$desc"
fi

# The standard out-of-tree build runs the probes on its own.
for k in stock-6.12 stock-6.1; do
	var=expect_${k//[-.]/_}
	n=kbuild-$k
	desc="$k: make -C KDIR M=DIR runs the probes and builds"
	if [ -z "${kdirs[$k]:-}" ]; then
		ktap_test_fail "$desc (no build tree)"
	elif ! probe_ok "$n" || [ ! -f "$tmp/$n.m/drivers/main.o" ]; then
		sed 's/^/# /' "$tmp/$n.out"
		ktap_test_fail "$desc"
	elif [ "$(decisions "$tmp/$n.m/include/mdgpu_probes.h")" != "${!var}" ]; then
		ktap_print_msg "the Kbuild step wrote:"
		decisions "$tmp/$n.m/include/mdgpu_probes.h" | sed 's/^/#   /'
		ktap_test_fail "$desc"
	else
		ktap_test_pass "$desc"
	fi
done

desc="broken linux/vfio.h: make M=DIR stops at the probes, compiles nothing"
n=kbuild-broken
if [ -z "$kdir_6_12" ]; then
	ktap_test_fail "$desc (no 6.12 build tree)"
elif probe_ok "$n" ||
     ! grep -q 'probe vfio_iommufd_ops cannot decide' "$tmp/$n.out" ||
     grep -q 'CC \[M\].*main\.o' "$tmp/$n.out" ||
     [ -e "$tmp/$n.m/include/mdgpu_probes.h" ]; then
	sed 's/^/#   /' "$tmp/$n.out"
	ktap_test_fail "$desc"
else
	ktap_test_pass "$desc"
fi

ktap_finished
