#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# check-metrics.sh LIST PROM [MAP [ABI_DIR]] - check the output of
# `mdgpuctl metrics` (PROM) against the files it was made from.
#
# LIST is what fake-sysfs.sh printed ("ENTITY FILE PATH" per file) or, on a
# real system, what list-sysfs.sh prints; MAP (abi-metrics.map) says what
# each file becomes. Checks, per line of MAP and per entity that has the
# file: the sample holds exactly the file's value (scaled by the map's
# decimals), state sets are 1 for the file's word only, the histogram is the
# cumulative wait_histogram with its sum, info labels carry the files'
# contents, and files the map does not export appear nowhere. With ABI_DIR
# it also checks that MAP has a line for every documented file and no line
# for a file no longer documented.
#
# Prints one "problem: ..." line per mismatch and "N checked, N problems"
# last; exits 1 if there was a problem.
set -uo pipefail

list=${1:?usage: check-metrics.sh LIST PROM [MAP [ABI_DIR]]}
prom=${2:?usage: check-metrics.sh LIST PROM [MAP [ABI_DIR]]}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
map=${3:-$here/abi-metrics.map}
abi=${4:-}

problems=0
checked=0
problem() {
	echo "problem: $*"
	problems=$((problems + 1))
}

# decimal V D: V / 10^D written exactly, as mdgpuctl writes it: D
# decimals, more only where V had decimals of its own (min_share "12.5").
decimal() {
	local v=$1 d=$2 int frac
	if [ "${v#*.}" != "$v" ]; then
		frac=${v#*.}
		d=$((d + ${#frac}))
		v=${v%%.*}$frac
		v=$((10#$v))
	fi
	if [ "$d" = 0 ]; then
		echo "$v"
		return
	fi
	v=$(printf "%0$((d + 1))d" "$v")
	int=${v:0:${#v}-d}
	frac=${v: -d}
	echo "$((10#$int)).$frac"
}

# labels_of ENTITY: the label set mdgpuctl gives the entity.
labels_of() {
	case $1 in
	module)	echo "" ;;
	parent:*) echo "parent=\"${1#parent:}\"" ;;
	type:*)	local pt=${1#type:}
		echo "parent=\"${pt%%/*}\",type=\"${pt#*/}\"" ;;
	vgpu:*)	grep -o "^mdgpu_vgpu_info{[^}]*uuid=\"${1#vgpu:}\"}" "$prom" |
		sed 's/^mdgpu_vgpu_info{//; s/}$//' ;;
	esac
}

# sample NAME LABELS: the value of one sample, empty if there is none.
sample() {
	if [ -z "$2" ]; then
		awk -v n="$1" '$1 == n { print $2 }' "$prom"
	else
		grep -F -- "$1{$2} " "$prom" | awk '{ print $2 }'
	fi
}

# Map lines for documented files, both ways.
if [ -n "$abi" ]; then
	documented=$(awk '/^What:/ { print $2 }' "$abi"/sysfs-* | while read -r w; do
		case "$w" in
		*/) ;;
		*/mdev_supported_types/*/*) echo "type ${w##*/}" ;;
		/sys/class/mdgpu/*) echo "parent ${w##*/}" ;;
		/sys/bus/mdev/devices/*) echo "vgpu ${w##*/}" ;;
		/sys/module/mdgpu/*) echo "module ${w##*/}" ;;
		*) echo "unknown $w" ;;
		esac
	done | sort -u)
	mapped=$(grep -v '^#' "$map" | awk 'NF { print $1, $2 }' | sort -u)
	while read -r line; do
		[ -n "$line" ] || continue
		checked=$((checked + 1))
		problem "documented file without a metric (add it to cmd_metrics.c and $(basename "$map")): $line"
	done < <(comm -23 <(echo "$documented") <(echo "$mapped"))
	while read -r line; do
		[ -n "$line" ] || continue
		checked=$((checked + 1))
		problem "$(basename "$map") names a file Documentation/ABI no longer has: $line"
	done < <(comm -13 <(echo "$documented") <(echo "$mapped"))
fi

while read -r scope file kind metric arg rest; do
	case "$scope" in '#'*|'') continue ;; esac
	while read -r entity f path; do
		[ "$f" = "$file" ] || continue
		case "$entity" in
		"$scope"|"$scope":*) ;;
		*) continue ;;
		esac
		checked=$((checked + 1))
		content=$(cat "$path" 2>/dev/null) || {
			problem "$path unreadable"
			continue
		}
		l=$(labels_of "$entity")
		case $kind in
		value)
			want=$(decimal "$content" "$arg")
			got=$(sample "$metric" "$l")
			[ "$got" = "$want" ] ||
				problem "$metric{$l} is '$got', $file says $content (expected $want)"
			;;
		state)
			got=$(sample "$metric" "$l,$arg=\"$content\"")
			[ "$got" = 1 ] ||
				problem "$metric{$l,$arg=\"$content\"} is '$got', not 1"
			ones=$(grep -F -- "$metric{$l,$arg=" "$prom" | awk '$2 != 0' | wc -l)
			[ "$ones" = 1 ] ||
				problem "$metric{$l}: $ones states are not 0"
			;;
		label)
			grep -F -- "$metric{$l" "$prom" |
				grep -qF -- "$arg=\"$content\"" ||
				problem "$metric{$l} lacks $arg=\"$content\""
			;;
		labels)
			for kv in $content; do
				k=${kv%%=*}
				v=${kv#*=}
				grep -F -- "$metric{$l" "$prom" |
					grep -qF -- ",$k=\"$v\"" ||
					problem "$metric{$l} lacks $k=\"$v\""
			done
			;;
		histogram)
			cum=0
			b=0
			for c in $content; do
				cum=$((cum + c))
				if [ $b = 15 ]; then
					le=+Inf
				else
					le=$(decimal $((2 << b)) 6)
				fi
				got=$(sample "${metric}_bucket" "$l,le=\"$le\"")
				[ "$got" = "$cum" ] ||
					problem "${metric}_bucket{$l,le=\"$le\"} is '$got', expected $cum"
				b=$((b + 1))
			done
			[ $b = 16 ] || problem "$path has $b counters, not 16"
			got=$(sample "${metric}_count" "$l")
			[ "$got" = "$cum" ] ||
				problem "${metric}_count{$l} is '$got', expected $cum"
			n=$(grep -cF -- "${metric}_bucket{$l," "$prom")
			[ "$n" = 16 ] || problem "${metric}{$l} has $n buckets, not 16"
			;;
		histsum)
			want=$(decimal "$content" "$arg")
			got=$(sample "${metric}_sum" "$l")
			[ "$got" = "$want" ] ||
				problem "${metric}_sum{$l} is '$got', $file says $content (expected $want)"
			;;
		none)
			# A number must not turn up as any sample's value,
			# in any of the units the tool converts to.
			if [[ "$content" =~ ^[0-9]+$ ]] && [ "$content" -gt 100 ]; then
				for d in 0 2 3 6; do
					v=$(decimal "$content" "$d")
					if awk -v v="$v" '!/^#/ && $NF == v { f = 1 } END { exit !f }' "$prom"; then
						problem "$file ($content) is exported although the map says: $arg $rest"
					fi
				done
			fi
			;;
		*)	problem "abi-metrics.map: unknown kind $kind" ;;
		esac
	done <"$list"
done <"$map"

echo "$checked checked, $problems problems"
[ "$problems" = 0 ]
