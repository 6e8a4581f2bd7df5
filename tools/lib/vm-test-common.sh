# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# vm-test-common.sh - what the VM tests of tools/ share: sourced (not run)
# by tools/balancer/vm-test.sh, tools/balancer/vm-test-move.sh and
# tools/monitoring/vm-test.sh, which run inside a test VM of
# selftests/vm/run-vm.sh with a module and the tools built on the host.
#
#   vmt_begin LABEL WORKNAME KO_PATH BIN_DIR
#	checks the two paths (exit 2 if one is missing) and sets ko and bin
#	to them, absolute; work to a new directory /tmp/WORKNAME.XXXXXX;
#	pids=() (background processes to stop at the end), n and failed
#	(TAP counts); prints "MDGPU-TAP-BEGIN kselftest LABEL" and the TAP
#	header, brings the loopback interface up (the guest's init does
#	not) and makes vmt_cleanup run on exit
#   ok DESC / notok DESC	one TAP result
#   diag			standard input as TAP diagnostics
#   expect DESC CMD...	ok if CMD succeeds; else not ok, with the first
#			30 lines of its output ($work/out keeps it all)
#   vmt_wait_for FILE REGEX SECONDS
#	waits until a line of FILE matches REGEX (grep); status 1 if none
#	did within SECONDS
#   vmt_prometheus TEXTDIR [RULES]
#	starts Debian's prometheus-node-exporter (textfile collector over
#	TEXTDIR only) on 127.0.0.1:9100 and Debian's prometheus on
#	127.0.0.1:9090, scraping it every 5 s, with the rule file RULES
#	(evaluated every 5 s) if given; logs in $work/node.log and
#	$work/prom.log, data in $work/prom
#   api PATH [CURL ARGS...] / query EXPR
#	Prometheus's HTTP API (/api/v1/PATH), an instant query
#   vmt_cleanup
#	calls vmt_pre_cleanup if the script defines it, stops the pids,
#	removes every mdev device, unloads mdgpu, prints the plan, the
#	totals and "MDGPU-TAP-END LABEL", removes $work. Run on exit; a
#	script that hands over to another in the same VM (vm-test.sh execs
#	vm-test-move.sh) runs `trap - EXIT; vmt_cleanup` first.

vmt_begin() {
	vmt_label=${1:?vmt_begin LABEL WORKNAME KO_PATH BIN_DIR}
	# shellcheck disable=SC2034  # for the script that sources this
	ko=$(realpath -e "${3:?usage: KO_PATH BIN_DIR}") || exit 2
	# shellcheck disable=SC2034
	bin=$(realpath -e "${4:?usage: KO_PATH BIN_DIR}") || exit 2
	work=$(mktemp -d "/tmp/${2:?}.XXXXXX") || exit 2
	pids=()
	n=0
	failed=0
	echo "MDGPU-TAP-BEGIN kselftest $vmt_label"
	echo "TAP version 13"
	trap vmt_cleanup EXIT
	ip link set lo up 2>/dev/null || busybox ip link set lo up
}

ok() { n=$((n + 1)); echo "ok $n $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $*"; }
diag() { sed 's/^/# /'; }

expect() {
	local desc=$1

	shift
	if "$@" >"$work/out" 2>&1; then
		ok "$desc"
	else
		notok "$desc"
		head -n 30 "$work/out" | diag
	fi
}

vmt_wait_for() {
	local _

	for _ in $(seq 1 "$3"); do
		grep -q "$2" "$1" && return 0
		sleep 1
	done
	return 1
}

vmt_prometheus() {
	local textdir=$1 rules=${2:-}

	prometheus-node-exporter --web.listen-address=127.0.0.1:9100 \
		--collector.disable-defaults --collector.textfile \
		--collector.textfile.directory="$textdir" >"$work/node.log" 2>&1 &
	pids+=($!)
	{
		echo "global:"
		echo "  scrape_interval: 5s"
		echo "  scrape_timeout: 5s"
		if [ -n "$rules" ]; then
			echo "  evaluation_interval: 5s"
			echo "rule_files:"
			echo "  - $rules"
		fi
		echo "scrape_configs:"
		echo "  - job_name: node"
		echo "    static_configs:"
		echo "      - targets: ['127.0.0.1:9100']"
	} >"$work/prometheus.yml"
	mkdir -p "$work/prom"
	prometheus --config.file="$work/prometheus.yml" \
		--storage.tsdb.path="$work/prom" \
		--web.listen-address=127.0.0.1:9090 >"$work/prom.log" 2>&1 &
	pids+=($!)
}

api() { curl -fsS --max-time 20 "http://127.0.0.1:9090/api/v1/$1" "${@:2}"; }
query() { api query --data-urlencode "query=$1"; }

vmt_cleanup() {
	local p d

	if declare -F vmt_pre_cleanup >/dev/null; then
		vmt_pre_cleanup
	fi
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	for d in /sys/bus/mdev/devices/*; do
		[ -e "$d/remove" ] && echo 1 >"$d/remove" 2>/dev/null
	done
	rmmod mdgpu 2>/dev/null
	echo "1..$n"
	echo "# Totals: pass:$((n - failed)) fail:$failed skip:0"
	echo "MDGPU-TAP-END $vmt_label"
	rm -rf "$work"
}
