#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tests/run.sh - host tests of mdgpu's monitoring (make -C tools/monitoring
# check; make check runs them). TAP via kselftest's ktap_helpers.sh.
#
#   - mdgpuctl metrics on a fake sysfs built from Documentation/ABI
#     (fake-sysfs.sh): promtool check metrics accepts it, and
#     check-metrics.sh finds every documented file in abi-metrics.map and
#     every exported figure equal to its file;
#   - a file added to the ABI without a metric fails that check;
#   - a malformed wait_histogram drops the histogram, not the output;
#   - without the module: mdgpu_up 0, still valid;
#   - mdgpu-alerts.yml: promtool check rules and test rules;
#   - every mdgpu_* series the rules, their tests and the Grafana dashboard
#     name exists in mdgpuctl's output (a renamed metric fails here);
#   - the dashboard is well-formed; the systemd units pass
#     systemd-analyze verify; the service's command writes the file
#     atomically where node_exporter reads it.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
mon=$(cd "$here/.." && pwd -P)
repo=$(cd "$mon/../.." && pwd -P)
# shellcheck source=selftests/vm/lib.sh
. "$repo/selftests/vm/lib.sh"
ktap=$(mdgpu_ktap_helpers) || exit 1
# shellcheck disable=SC1090
. "$ktap"

abi=$repo/Documentation/ABI/testing
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# mdgpuctl as make check builds it (a no-op when it is up to date).
make -s -C "$repo/tools/mdgpuctl" all ||
	{ echo "Bail out! mdgpuctl does not build"; exit 1; }
ctl=$repo/tools/mdgpuctl/mdgpuctl

# result DESC CMD...: one TAP result, the command's output as diagnostics
# when it fails.
result() {
	local desc=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then
		ktap_test_pass "$desc"
	else
		head -n 30 "$tmp/out" | sed 's/^/# /'
		ktap_test_fail "$desc"
	fi
}

metrics() { MDGPU_SYSFS_ROOT=$1 "$ctl" metrics; }

ktap_print_header
ktap_set_plan 11

bash "$here/fake-sysfs.sh" "$tmp/root" "$abi" >"$tmp/list"
metrics "$tmp/root" >"$tmp/m.prom"
result "metrics on a fake sysfs from Documentation/ABI: promtool check metrics" \
	bash -c "[ -s '$tmp/m.prom' ] && promtool check metrics <'$tmp/m.prom'"
result "metrics: every documented file mapped, every figure equals its file" \
	bash "$here/check-metrics.sh" "$tmp/list" "$tmp/m.prom" \
	"$here/abi-metrics.map" "$abi"

# A file the module gains in the ABI, and no metric for it: must fail.
cp -r "$abi" "$tmp/abi2"
cat >>"$tmp/abi2/sysfs-bus-mdev-devices-mdgpu" <<'EOF'

What:		/sys/bus/mdev/devices/<uuid>/mdgpu/new_counter
Description:
		(RO) A counter mdgpuctl does not know yet.
EOF
bash "$here/fake-sysfs.sh" "$tmp/root2" "$tmp/abi2" >"$tmp/list2"
metrics "$tmp/root2" >"$tmp/m2.prom"
result "a file added to Documentation/ABI without a metric fails the check" \
	bash -c "! bash '$here/check-metrics.sh' '$tmp/list2' '$tmp/m2.prom' '$here/abi-metrics.map' '$tmp/abi2' >'$tmp/drift' &&
		grep 'vgpu new_counter' '$tmp/drift'"

# Hostile contents: a histogram with 15 counters, one with a letter.
cp -r "$tmp/root" "$tmp/root3"
u=$(awk '$2 == "wait_histogram" { print $3; exit }' "$tmp/list")
u=${u/$tmp\/root/$tmp/root3}
v=$(awk '$2 == "wait_histogram" { print $3 }' "$tmp/list" | sed -n 2p)
v=${v/$tmp\/root/$tmp/root3}
echo "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15" >"$u"
echo "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 x" >"$v"
metrics "$tmp/root3" >"$tmp/m3.prom"
result "a malformed wait_histogram drops that vGPU's histogram only" \
	bash -c "promtool check metrics <'$tmp/m3.prom' &&
		[ \$(grep -c '^mdgpu_vgpu_wait_latency_seconds_count{' '$tmp/m3.prom') = 1 ] &&
		[ \$(grep -c '^mdgpu_vgpu_slices_total{' '$tmp/m3.prom') = 3 ]"

mkdir -p "$tmp/empty"
metrics "$tmp/empty" >"$tmp/m4.prom"
result "without the module: mdgpu_up 0 and a valid exposition" \
	bash -c "grep -qx 'mdgpu_up 0' '$tmp/m4.prom' && promtool check metrics <'$tmp/m4.prom'"

result "alert rules: promtool check rules" promtool check rules "$mon/mdgpu-alerts.yml"
result "alert rules: promtool test rules (each alert fires, and only when it should)" \
	bash -c "cd '$mon' && promtool test rules mdgpu-alerts.test.yml"

# Every series name the rules, their tests and the dashboard use, against
# the sample names of the output (histogram suffixes included).
series_used() {
	{
		grep -v '^ *#' "$mon/mdgpu-alerts.yml"
		grep -v '^ *#' "$mon/mdgpu-alerts.test.yml"
		jq -r '.. | objects | (.expr?, .query?.query?, .definition?) // empty' \
			"$mon/grafana/mdgpu.json"
	} | grep -oE '\bmdgpu_[a-z0-9_]+' | sort -u
}
series_used >"$tmp/used"
sed -n 's/^\(mdgpu_[a-z0-9_]*\)[{ ].*/\1/p' "$tmp/m.prom" | sort -u >"$tmp/have"
result "every mdgpu series of the rules, rule tests and dashboard exists ($(wc -l <"$tmp/used") names)" \
	bash -c "[ \$(wc -l <'$tmp/used') -gt 20 ] && comm -23 '$tmp/used' '$tmp/have' | sed 's/^/missing: /' | { ! grep .; }"

# shellcheck disable=SC2016
result "Grafana dashboard: uid, panels with a Prometheus target each, template variables" \
	jq -e '
		(.uid | length > 0) and
		([.panels[] | select(.type != "row")] | length >= 10) and
		all(.panels[] | select(.type != "row");
		    (.targets | length > 0) and
		    all(.targets[]; (.expr | length > 0) and .datasource.uid == "${datasource}")) and
		([.templating.list[].name] == ["datasource", "instance", "parent", "vgpu"]) and
		(.panels | map(.id) | length == (unique | length))' \
	"$mon/grafana/mdgpu.json"

mkdir -p "$tmp/units"
cp "$mon/mdgpu-metrics.service" "$mon/mdgpu-metrics.timer" "$tmp/units/"
sed -i "s#/usr/sbin/mdgpuctl#$ctl#" "$tmp/units/mdgpu-metrics.service"
result "systemd units: systemd-analyze verify, no complaint" \
	bash -c "cd '$tmp/units' && systemd-analyze verify --man=no ./mdgpu-metrics.service ./mdgpu-metrics.timer >'$tmp/verify' 2>&1; rc=\$?; cat '$tmp/verify'; [ \$rc = 0 ] && [ ! -s '$tmp/verify' ]"

# The service's command, pointed at the fake tree and a private directory.
mkdir -p "$tmp/textfile"
echo "stale" >"$tmp/textfile/mdgpu.prom"
cmd=$(sed -n 's/^ExecStart=//p' "$mon/mdgpu-metrics.service")
cmd=${cmd//\/usr\/sbin\/mdgpuctl/$ctl}
cmd=${cmd//\/var\/lib\/prometheus\/node-exporter/$tmp/textfile}
result "the service's command replaces mdgpu.prom atomically (0644, no temporary left)" \
	bash -c "[ \"\$(sed -n 's/^ExecStart=\(.*\) --output \(.*\)/\2/p' '$mon/mdgpu-metrics.service')\" = /var/lib/prometheus/node-exporter/mdgpu.prom ] &&
		MDGPU_SYSFS_ROOT='$tmp/root' $cmd &&
		cmp '$tmp/textfile/mdgpu.prom' '$tmp/m.prom' &&
		[ \$(stat -c %a '$tmp/textfile/mdgpu.prom') = 644 ] &&
		[ \$(ls -A '$tmp/textfile' | wc -l) = 1 ]"

ktap_finished
