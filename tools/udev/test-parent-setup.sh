#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# test-parent-setup.sh - tests of mdgpu-parent-setup (the persistent parent
# settings applied by 59-mdgpu.rules), against a fake sysfs tree on the
# host. Prints TAP (kselftest ktap_helpers.sh). The real rule, with udevd
# and the module, is tested by selftests/deb/ (make deb-test).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
# shellcheck source=../../selftests/vm/lib.sh
. "$repo/selftests/vm/lib.sh"
ktap=$(mdgpu_ktap_helpers) || exit 1
# shellcheck disable=SC1090
. "$ktap"

setup=$here/mdgpu-parent-setup
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A fake parent: the four settings with their defaults, and compact (a
# file the setup must never write).
fake_parent() {
	local d=$tmp/sys/class/mdgpu/$1

	mkdir -p "$d"
	echo best_effort >"$d/policy"
	echo 2000 >"$d/timeslice_us"
	echo 2000 >"$d/watchdog_ms"
	echo 1000 >"$d/vram_ratio"
	: >"$d/reservations"
	echo untouched >"$d/compact"
}

val() {
	cat "$tmp/sys/class/mdgpu/$1/$2"
}

run_setup() {
	MDGPU_SYSFS=$tmp/sys "$setup" "$@" >"$tmp/out" 2>&1
}

ktap_print_header
ktap_set_plan 6

rm -rf "$tmp/sys"
fake_parent sim0
fake_parent sim1
cat >"$tmp/conf" <<'CONF'
# comment
*	watchdog_ms=5000   # trailing comment
sim0	policy=weighted timeslice_us=1000
sim1	policy=equal_share
sim0	timeslice_us=1500
CONF
desc="lines for the parent and for every parent apply in order, a later one wins"
if run_setup sim0 "$tmp/conf" &&
   [ "$(val sim0 policy)" = weighted ] &&
   [ "$(val sim0 timeslice_us)" = 1500 ] &&
   [ "$(val sim0 watchdog_ms)" = 5000 ]; then
	ktap_test_pass "$desc"
else
	sed 's/^/# /' "$tmp/out"
	ktap_test_fail "$desc"
fi

desc="another parent's lines do not apply"
if [ "$(val sim1 policy)" = best_effort ] && run_setup sim1 "$tmp/conf" &&
   [ "$(val sim1 policy)" = equal_share ] &&
   [ "$(val sim1 timeslice_us)" = 2000 ]; then
	ktap_test_pass "$desc"
else
	sed 's/^/# /' "$tmp/out"
	ktap_test_fail "$desc"
fi

fake_parent sim0
printf 'sim0 compact=1 policy=weighted ../x=1 watchdog_ms=1;2 vram_ratio=2000\n' >"$tmp/conf"
desc="only policy, timeslice_us, watchdog_ms and vram_ratio are written; the rest is reported"
if ! run_setup sim0 "$tmp/conf" && [ "$(val sim0 compact)" = untouched ] &&
   [ "$(val sim0 policy)" = weighted ] &&
   [ "$(val sim0 watchdog_ms)" = 2000 ] &&
   [ "$(val sim0 vram_ratio)" = 2000 ] &&
   grep -q "'compact=1' is not a setting" "$tmp/out" &&
   grep -q "bad value in 'watchdog_ms=1;2'" "$tmp/out" &&
   [ ! -e "$tmp/sys/class/x" ]; then
	ktap_test_pass "$desc"
else
	sed 's/^/# /' "$tmp/out"
	ktap_test_fail "$desc"
fi

fake_parent sim0
r=6b7f7f90-4f6c-4a8e-9a63-2a4bde0c0001
printf 'sim0 reserve=%s:512:300000:7\nsim0 reserve=%s;rm:0:0:0 reserve=../x\n' "$r" "$r" >"$tmp/conf"
desc="reserve= goes to the reservations file; a value with anything but a UUID and numbers is refused"
if ! run_setup sim0 "$tmp/conf" &&
   [ "$(val sim0 reservations)" = "$r:512:300000:7" ] &&
   grep -q "bad value in 'reserve=$r;rm:0:0:0'" "$tmp/out" &&
   grep -q "bad value in 'reserve=../x'" "$tmp/out"; then
	ktap_test_pass "$desc"
else
	sed 's/^/# /' "$tmp/out"
	ktap_test_fail "$desc"
fi

desc="no configuration file: nothing changes, success"
fake_parent sim0
if run_setup sim0 "$tmp/none" && [ "$(val sim0 policy)" = best_effort ]; then
	ktap_test_pass "$desc"
else
	sed 's/^/# /' "$tmp/out"
	ktap_test_fail "$desc"
fi

desc="a parent name with a path in it is refused"
if ! run_setup ../../etc "$tmp/conf" && grep -q 'not a parent name' "$tmp/out"; then
	ktap_test_pass "$desc"
else
	sed 's/^/# /' "$tmp/out"
	ktap_test_fail "$desc"
fi

ktap_finished
