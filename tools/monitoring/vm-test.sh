#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# vm-test.sh KO_PATH BIN_DIR - mdgpu's monitoring with a real Prometheus,
# inside a test VM (run by run-vm-test.sh, `make monitoring-test`).
#
# Loads KO_PATH with two parents, creates four vGPUs and keeps three busy
# with COMPUTE jobs (tools/monitoring/tests/mdgpu-busy, libmdgpu over
# VFIO), one of them capped under the weighted policy so it is throttled;
# the fourth runs jobs longer than its parent's watchdog allows, so the
# watchdog stops it. Meanwhile the command of mdgpu-metrics.service (its
# ExecStart line, with mdgpuctl from BIN_DIR and the textfile directory in
# /tmp) writes the metrics every 3 s, Debian's prometheus-node-exporter
# serves them with its textfile collector, and Debian's prometheus scrapes
# it every 5 s with mdgpu-alerts.yml loaded. Then, with the load still
# running, one write of the metrics is taken between two readings of
# sysfs, and every sample Prometheus returns through its HTTP API
# (/api/v1/query) for the files abi-metrics.map exports is checked against
# sysfs: a counter's value lies between the two readings, a constant
# equals them, histogram buckets are the cumulative wait_histogram; once
# more with the engines idle, moving averages included. Also: promtool
# check metrics on the real output, the rules loaded and healthy, the
# watchdog and in-error alerts firing for the vGPU the watchdog stopped
# and no other alert.
#
# TAP between "MDGPU-TAP-BEGIN kselftest monitoring-vm" and
# "MDGPU-TAP-END monitoring-vm".
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=SCRIPTDIR/../lib/vm-test-common.sh
. "$here/../lib/vm-test-common.sh"
vmt_begin monitoring-vm mdgpu-mon "${1:-}" "${2:-}"
textdir=$work/node-exporter
mkdir -p "$textdir"

expect "insmod parents=2" insmod "$ko" parents=2 vram_mb=1024
uuids=(6d6f6e00-0000-4000-8000-00000000000a 6d6f6e00-0000-4000-8000-00000000000b
       6d6f6e00-0000-4000-8000-00000000000c 6d6f6e00-0000-4000-8000-00000000000d)
expect "create three vGPUs on sim0, one on sim1" bash -c "
	set -e
	echo ${uuids[0]} >/sys/class/mdgpu/sim0/mdev_supported_types/mdgpu-64M/create
	echo ${uuids[1]} >/sys/class/mdgpu/sim0/mdev_supported_types/mdgpu-128M/create
	echo ${uuids[2]} >/sys/class/mdgpu/sim0/mdev_supported_types/mdgpu-64M/create
	echo ${uuids[3]} >/sys/class/mdgpu/sim1/mdev_supported_types/mdgpu-64M/create"
# sim0 weighted, the second vGPU capped at 20 %: it is throttled.
expect "sim0: weighted policy, cap 20 % on the second vGPU" bash -c "
	set -e
	echo weighted >/sys/class/mdgpu/sim0/policy
	echo 20 >/sys/bus/mdev/devices/${uuids[1]}/mdgpu/cap"
# sim1: jobs of 200 ms against a 50 ms watchdog.
expect "sim1: watchdog_ms 50" bash -c "echo 50 >/sys/class/mdgpu/sim1/watchdog_ms"

# The command the timer runs, with this tree's mdgpuctl and a private
# directory instead of /var/lib/prometheus/node-exporter.
execstart=$(sed -n 's/^ExecStart=//p' "$here/mdgpu-metrics.service")
execstart=${execstart//\/usr\/sbin\/mdgpuctl/$bin\/mdgpuctl}
execstart=${execstart//\/var\/lib\/prometheus\/node-exporter/$textdir}
echo "# timer command: $execstart"
# shellcheck disable=SC2086
expect "the service's command writes mdgpu.prom" $execstart
expect "  ... and promtool check metrics accepts it (the real module's output)" \
	promtool check metrics <"$textdir/mdgpu.prom"
# The timer, every 3 s. While $work/pause exists it writes nothing and says
# so in $work/paused, so that one write can be taken alone.
{
	while :; do
		if [ -e "$work/pause" ]; then
			touch "$work/paused"
		else
			rm -f "$work/paused"
			# shellcheck disable=SC2086
			$execstart
		fi
		sleep 3
	done
} &
pids+=($!)

"$bin/mdgpu-busy" 600 2000 "${uuids[0]}" "${uuids[1]}" "${uuids[2]}" \
	>"$work/busy.log" 2>&1 &
busy=$!
pids+=("$busy")

cp "$here/mdgpu-alerts.yml" "$work/"
vmt_prometheus "$textdir" "$work/mdgpu-alerts.yml"

# Wait (TCG is slow) for Prometheus to be ready and to have scraped.
ready=0
for _ in $(seq 1 120); do
	if query 'mdgpu_up' 2>/dev/null | jq -e '.data.result[0].value[1] == "1"' >/dev/null 2>&1; then
		ready=1
		break
	fi
	sleep 2
done
if [ $ready = 1 ]; then
	ok "Prometheus scrapes mdgpu_up 1 through node_exporter"
else
	notok "Prometheus scrapes mdgpu_up 1 through node_exporter"
	tail -n 20 "$work/prom.log" | diag
	tail -n 20 "$work/node.log" | diag
fi
# The fourth vGPU's jobs run into the watchdog only now, so Prometheus has
# seen its counter at 0 first (an alert on increase() needs the change).
"$bin/mdgpu-busy" 600 200000 "${uuids[3]}" >"$work/busy-wd.log" 2>&1 &
pids+=($!)
expect "node_exporter serves mdgpu.prom without a textfile scrape error" bash -c "
	curl -fsS http://127.0.0.1:9100/metrics >$work/node.txt &&
	grep -q '^mdgpu_vgpu_engine_seconds_total{' $work/node.txt &&
	grep -q '^node_textfile_scrape_error 0' $work/node.txt"
expect "the alert rules are loaded and healthy in Prometheus (10 rules)" bash -c "
	curl -fsS http://127.0.0.1:9090/api/v1/rules |
	jq -e '[.data.groups[].rules[] | select(.health == \"ok\")] | length == 10'"

# Let the load run for a while so the figures move.
sleep 20

# One write of the metrics, between two readings of sysfs.
list_sysfs() {
	local p t u
	for p in /sys/class/mdgpu/*; do
		for f in "$p"/*; do
			[ -f "$f" ] && echo "parent:${p##*/} ${f##*/} $f"
		done
		for t in "$p"/mdev_supported_types/*; do
			for f in "$t"/*; do
				[ -f "$f" ] && echo "type:${p##*/}/${t##*/} ${f##*/} $f"
			done
		done
	done
	for u in /sys/bus/mdev/devices/*; do
		for f in "$u"/mdgpu/*; do
			[ -f "$f" ] && echo "vgpu:${u##*/} ${f##*/} $f"
		done
	done
	for f in /sys/module/mdgpu/parameters/*; do
		echo "module ${f##*/} $f"
	done
}
# (No process substitution: the guest has no /dev/fd.)
snapshot() {
	local e f p v
	list_sysfs >"$work/files"
	while read -r e f p; do
		# read is a builtin: no process per file (slow under TCG).
		IFS= read -r v 2>/dev/null <"$p" || continue
		printf '%s %s %s\n' "$e" "$f" "$v"
	done <"$work/files"
}
# check_round MODE: one write of the metrics between two readings of sysfs,
# then every sample Prometheus returns for the files abi-metrics.map
# exports, against those readings. MODE "load": gauges that move both ways
# (moving averages) are left out when they changed between the readings;
# "idle": every figure.
check_round() {
	local mode=$1 written v seen rc
	touch "$work/pause"
	for _ in $(seq 1 120); do
		[ -e "$work/paused" ] && break
		sleep 1
	done
	snapshot >"$work/before"
	# shellcheck disable=SC2086
	$execstart
	snapshot >"$work/after"
	written=$(stat -c %Y "$textdir/mdgpu.prom")
	cp "$textdir/mdgpu.prom" "$work/written.prom"
	# Wait until Prometheus has scraped that file.
	seen=0
	for _ in $(seq 1 60); do
		v=$(query 'node_textfile_mtime_seconds{file=~".*mdgpu.prom"}' | jq -r '.data.result[0].value[1]' 2>/dev/null)
		if [ "${v%.*}" = "$written" ]; then
			seen=1
			break
		fi
		sleep 1
	done
	expect "$mode: Prometheus scraped the file written between the two readings" test $seen = 1
	# A second scrape of the same file, to be sure the query sees it.
	sleep 3
	python3 - "$here/tests/abi-metrics.map" "$work/before" "$work/after" "$mode" <<'PY' >"$work/check" 2>&1
import json, sys, time, urllib.parse, urllib.request
from decimal import Decimal

mapfile, before_f, after_f, mode = sys.argv[1:5]

def load(path):
    d = {}
    for line in open(path):
        parts = line.rstrip("\n").split(" ", 2)
        if len(parts) == 3:
            d[(parts[0], parts[1])] = parts[2]
    return d

before, after = load(before_f), load(after_f)

def q1(expr):
    url = "http://127.0.0.1:9090/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=20) as r:
        return json.load(r)["data"]["result"]

def q(expr, want=()):
    # A scrape that times out (TCG) marks every series stale until the
    # next one, which reads the same file: ask again while one is missing.
    for _ in range(15):
        res = q1(expr)
        have = {entity(r["metric"]) for r in res}
        if all(e in have for e in want):
            return res
        time.sleep(2)
    return res

def entity(m):
    if "uuid" in m:
        return "vgpu:" + m["uuid"]
    if "type" in m:
        return "type:%s/%s" % (m["parent"], m["type"])
    if "parent" in m:
        return "parent:" + m["parent"]
    return "module"

checked = problems = 0
moving = []
def problem(msg):
    global problems
    problems += 1
    print("problem: " + msg)

for line in open(mapfile):
    f = line.split()
    if not f or f[0].startswith("#"):
        continue
    scope, fname, kind = f[0], f[1], f[2]
    ents = sorted(e for (e, n) in before if n == fname and e.split(":")[0] == scope)
    if kind == "value":
        metric, dec = f[3], int(f[4])
        got = {entity(r["metric"]): Decimal(r["value"][1]) for r in q(metric, ents)}
        for e in ents:
            checked += 1
            lo = Decimal(before[(e, fname)]).scaleb(-dec)
            hi = Decimal(after[(e, fname)]).scaleb(-dec)
            if e not in got:
                problem("%s{%s}: Prometheus has no sample" % (metric, e))
            elif min(lo, hi) <= got[e] <= max(lo, hi):
                pass
            elif mode == "load" and not metric.endswith("_total") and lo != hi:
                # A gauge that goes up and down (a moving average) can
                # be anywhere while the engine runs: checked when idle.
                checked -= 1
                moving.append("%s{%s}" % (metric, e))
            else:
                problem("%s{%s} is %s, sysfs showed %s .. %s" % (metric, e, got[e], lo, hi))
    elif kind == "state":
        metric, label = f[3], f[4]
        res = q(metric + " == 1", ents)
        got = {}
        for r in res:
            got.setdefault(entity(r["metric"]), []).append(r["metric"][label])
        for e in ents:
            checked += 1
            if before[(e, fname)] != after[(e, fname)]:
                problem("%s of %s changed during the write" % (fname, e))
            elif got.get(e) != [before[(e, fname)]]:
                problem("%s{%s} is 1 for %s, sysfs says %s" % (metric, e, got.get(e), before[(e, fname)]))
    elif kind == "histogram":
        metric = f[3]
        res = q(metric + "_bucket", ents)
        for e in ents:
            checked += 1
            b0 = [int(x) for x in before[(e, fname)].split()]
            b1 = [int(x) for x in after[(e, fname)].split()]
            got = {r["metric"]["le"]: int(Decimal(r["value"][1])) for r in res if entity(r["metric"]) == e}
            if len(b0) != 16 or len(got) != 16:
                problem("%s{%s}: %d counters in sysfs, %d buckets in Prometheus" % (metric, e, len(b0), len(got)))
                continue
            c0 = c1 = 0
            for k in range(16):
                c0 += b0[k]; c1 += b1[k]
                le = "+Inf" if k == 15 else str(Decimal(2 << k).scaleb(-6).normalize())
                # Prometheus prints le as it parsed it: match numerically.
                key = [x for x in got if x == le or (x != "+Inf" and le != "+Inf" and Decimal(x) == Decimal(le))]
                if not key:
                    problem("%s{%s}: no bucket le=%s" % (metric, e, le))
                elif not (c0 <= got[key[0]] <= c1):
                    problem("%s_bucket{%s,le=%s} is %d, sysfs showed %d .. %d" % (metric, e, le, got[key[0]], c0, c1))
            if c1 == 0:
                problem("%s{%s}: no wait recorded under load" % (metric, e))
    elif kind == "histsum":
        metric, dec = f[3], int(f[4])
        got = {entity(r["metric"]): Decimal(r["value"][1]) for r in q(metric + "_sum", ents)}
        for e in ents:
            checked += 1
            lo = Decimal(before[(e, fname)]).scaleb(-dec)
            hi = Decimal(after[(e, fname)]).scaleb(-dec)
            if e not in got or not (lo <= got[e] <= hi):
                problem("%s_sum{%s} is %s, sysfs showed %s .. %s" % (metric, e, got.get(e), lo, hi))
if moving:
    print("moving under load, left to the idle round: " + " ".join(moving))
print("%d checked, %d problems" % (checked, problems))
sys.exit(1 if problems or not checked else 0)
PY
	rc=$?
	grep '^moving' "$work/check" | diag
	if [ $rc = 0 ]; then
		ok "$mode: every exported figure Prometheus returns equals sysfs ($(tail -n 1 "$work/check"))"
	else
		notok "$mode: every exported figure Prometheus returns equals sysfs"
		head -n 40 "$work/check" | diag
		echo "samples per family in the file written:" | diag
		grep -v '^#' "$work/written.prom" | sed 's/[{ ].*//' | sort | uniq -c | diag
	fi
	rm -f "$work/pause" "$work/paused"
}

check_round load

# The timer's command runs again; the rate below spans both.
sleep 12

# The figures moved under load: busy vGPUs used the engine, the capped one
# was throttled, the watchdog stopped the fourth.
val() { query "$1" | jq -r '.data.result[0].value[1] // "none"'; }
u0=${uuids[0]} u1=${uuids[1]} u3=${uuids[3]}
eng=$(val "mdgpu_vgpu_engine_seconds_total{uuid=\"$u0\"}")
thr=$(val "mdgpu_vgpu_throttled_seconds_total{uuid=\"$u1\"}")
wdk=$(val "mdgpu_vgpu_watchdog_kills_total{uuid=\"$u3\"}")
busy_s=$(val 'mdgpu_parent_engine_busy_seconds_total{parent="sim0"}')
echo "# engine $eng s (vGPU a), throttled $thr s (vGPU b, cap 20 %), watchdog kills $wdk (vGPU d), sim0 busy $busy_s s"
expect "under load: engine time, throttled time and a watchdog kill are non-zero" \
	awk -v e="$eng" -v t="$thr" -v w="$wdk" -v b="$busy_s" \
	'BEGIN { exit !(e > 0 && t > 0 && w >= 1 && b > 0) }'
# The vGPUs' engine time against the parent's busy and idle time, both
# from the same writes of the file (so pauses of the writer cancel out).
expect "PromQL: the vGPUs' share of sim0's engine time over 2 min is in (0, 1]" bash -c "
	v=\$(curl -fsS http://127.0.0.1:9090/api/v1/query --data-urlencode 'query=sum(increase(mdgpu_vgpu_engine_seconds_total{parent=\"sim0\"}[2m])) / sum(increase(mdgpu_parent_engine_busy_seconds_total{parent=\"sim0\"}[2m]) + increase(mdgpu_parent_engine_idle_seconds_total{parent=\"sim0\"}[2m]))' | jq -r '.data.result[0].value[1]')
	echo \"sim0 engine share: \$v\"
	awk -v v=\"\$v\" 'BEGIN { exit !(v > 0 && v <= 1.02) }'"

# The watchdog alert fires in the real server for the stopped vGPU only.
fired=0
for _ in $(seq 1 30); do
	if api alerts | jq -e --arg u "$u3" \
		'[.data.alerts[] | select(.labels.alertname == "MdgpuVgpuWatchdogKill" and .state == "firing")] | length == 1 and .[0].labels.uuid == $u' \
		>/dev/null 2>&1; then
		fired=1
		break
	fi
	sleep 2
done
expect "MdgpuVgpuWatchdogKill fires in Prometheus for the stopped vGPU only" test $fired = 1
[ $fired = 1 ] || api alerts | jq -c '.data.alerts[] | {a: .labels.alertname, u: .labels.uuid, s: .state}' | diag
# Its engine is stopped with the watchdog's error code (11), so the vGPU
# is in error; nothing else is.
query mdgpu_vgpu_error_code | jq -c '[.data.result[] | {(.metric.uuid): .value[1]}] | add' | diag
api alerts | jq -c '[.data.alerts[] | select(.state == "firing") | [.labels.alertname, .labels.uuid]]' | diag
expect "mdgpu_vgpu_error_code of the stopped vGPU is 11 (watchdog), 0 for the others" bash -c "
	curl -fsS http://127.0.0.1:9090/api/v1/query --data-urlencode 'query=mdgpu_vgpu_error_code' |
	jq -e --arg u '$u3' '[.data.result[] | {(.metric.uuid): .value[1]}] | add | (.[\$u] == \"11\") and ([to_entries[] | select(.key != \$u and .value != \"0\")] | length == 0)'"
expect "MdgpuVgpuInError fires for the stopped vGPU; no other alert fires" bash -c "
	curl -fsS http://127.0.0.1:9090/api/v1/alerts |
	jq -e --arg u '$u3' '[.data.alerts[] | select(.state == \"firing\" and .labels.alertname != \"MdgpuVgpuWatchdogKill\") | [.labels.alertname, .labels.uuid]] == [[\"MdgpuVgpuInError\", \$u]]'"

# The load stops (closing the devices drops their queued jobs): with the
# engine idle, the moving averages hold still and every figure is checked.
kill "$busy" 2>/dev/null
wait "$busy" 2>/dev/null
sleep 3
check_round idle

[ $failed = 0 ]
