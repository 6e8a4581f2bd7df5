#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hotplug-agent.sh - the host side of the test VM's hot-plug channel.
#
# Usage: hotplug-agent.sh CHANNEL QMP ID MB
#
#   CHANNEL  prefix of the FIFO pair of the guest's second serial port
#            (QEMU's "pipe" chardev: CHANNEL.out is what the guest writes
#            to /dev/ttyS1, CHANNEL.in what it reads)
#   QMP      prefix of the FIFO pair of QEMU's QMP monitor (the same kind)
#   ID       the QEMU id of the one ivshmem-plain device the guest may
#            unplug and plug
#   MB       the size of its memory, for a plug
#
# Started by run-vm.sh next to QEMU; ends when QEMU closes the FIFOs or is
# killed with it. A guest test asks, one line each on /dev/ttyS1:
#
#   MDGPU-HP unplug        device_del of ID (a guest-visible ACPI hot-unplug
#                          request; the device goes once the guest ejects it)
#   MDGPU-HP plug SLOT     object-add of a new memory-backend-ram of MB,
#                          then device_add ivshmem-plain,id=ID,addr=SLOT
#                          with it (SLOT: the PCI slot number in hex, 1 to
#                          1f). QEMU 7.2 aborts when an ivshmem device is
#                          plugged with the memory of one unplugged before
#                          (qemu_ram_set_idstr: the RAM block keeps its
#                          name), so each plug has memory of its own.
#
# and reads the answers on the same port:
#
#   MDGPU-HP ok unplug|plug
#   MDGPU-HP error unplug|plug <QMP error class> <description>
#   MDGPU-HP deleted       QEMU's DEVICE_DELETED event for ID: the device
#                          is gone from the VM
#
# Nothing else is accepted: the guest cannot name another device or send
# any other QMP command. Every request and answer is logged to stderr.

set -uo pipefail

if [ $# -ne 4 ]; then
	sed -n '4,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit 2
fi
chan=$1 qmp=$2 id=$3 mb=$4
plugs=0
[[ "$mb" =~ ^[1-9][0-9]*$ ]] || { echo "hotplug-agent: MB wants megabytes" >&2; exit 2; }

log() {
	printf 'hotplug-agent: %s\n' "$*" >&2
}

# QEMU opens its ends of both FIFO pairs read-write, so these opens do not
# wait for each other.
exec 3>"$qmp.in" 4<"$qmp.out" 5>"$chan.in" 6<"$chan.out" || exit 1

# readline FD TIMEOUT: read one line from FD into $line, waiting at most
# TIMEOUT seconds; 0 with a line, 1 at end of file, 2 on timeout. A line
# that arrives in pieces (the guest's UART sends one byte at a time) is
# kept in pending[FD] until its end comes.
declare -A pending=([4]='' [6]='')
readline() {
	local part rc

	IFS= read -r -t "$2" part <&"$1"
	rc=$?
	if [ $rc -eq 0 ]; then
		line=${pending[$1]}$part
		pending[$1]=''
		return 0
	fi
	[ $rc -gt 128 ] || return 1
	pending[$1]+=$part
	return 2
}

# qmp_reply: read QMP lines until the answer to the last command; forward
# events on the way. Prints the answer line.
qmp_reply() {
	local rc

	while :; do
		readline 4 1
		rc=$?
		[ $rc -eq 1 ] && return 1
		[ $rc -eq 0 ] || continue
		case "$line" in
		*'"event"'*) qmp_event "$line" ;;
		*'"return"'*|*'"error"'*) printf '%s\n' "$line"; return 0 ;;
		esac
	done
}

qmp_event() {
	case "$1" in
	*'"DEVICE_DELETED"'*"\"device\": \"$id\""*)
		log "event DEVICE_DELETED $id"
		printf 'MDGPU-HP deleted\n' >&5
		;;
	esac
}

# qmp CMD JSON: send JSON, answer the guest for CMD.
qmp() {
	local cmd=$1 reply class desc

	log "request $cmd: $2"
	printf '%s\n' "$2" >&3
	qmp_reply >"$tmp" || return 1
	reply=$(<"$tmp")
	if [ "${reply#*\"error\"}" = "$reply" ]; then
		log "ok $cmd"
		printf 'MDGPU-HP ok %s\n' "$cmd" >&5
	else
		class=$(sed -n 's/.*"class": *"\([^"]*\)".*/\1/p' <<<"$reply")
		desc=$(sed -n 's/.*"desc": *"\([^"]*\)".*/\1/p' <<<"$reply")
		log "error $cmd: $class $desc"
		printf 'MDGPU-HP error %s %s %s\n' "$cmd" "${class:-?}" \
			"${desc:-?}" >&5
	fi
}

# qmp_quiet JSON: send JSON, log the answer only.
qmp_quiet() {
	log "request: $1"
	printf '%s\n' "$1" >&3
	qmp_reply >"$tmp" || return 1
	log "answer: $(<"$tmp")"
}

# The answers go through a file: events met while waiting for one must
# reach the guest from this shell, not from a subshell of $(...).
tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp"' EXIT

# The greeting, then capabilities negotiation.
until readline 4 1; do
	[ $? -eq 1 ] && exit 1
done
case "$line" in
*'"QMP"'*) ;;
*) log "no QMP greeting: $line"; exit 1 ;;
esac
printf '{"execute": "qmp_capabilities"}\n' >&3
qmp_reply >/dev/null || exit 1
log "ready (device $id)"

# Requests from the guest; QMP events while waiting for them.
while :; do
	readline 6 0.5
	rc=$?
	[ $rc -eq 1 ] && exit 0
	if [ $rc -eq 0 ]; then
		line=${line%$'\r'}
		case "$line" in
		*'MDGPU-HP unplug')
			qmp unplug "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"$id\"}}" ||
				exit 0
			;;
		*'MDGPU-HP plug '*)
			slot=${line##*MDGPU-HP plug }
			if ! [[ "$slot" =~ ^(0x)?[0-9a-f]{1,2}$ ]] ||
			   [ $((16#${slot#0x})) -lt 1 ] || [ $((16#${slot#0x})) -gt 31 ]; then
				log "bad slot '$slot'"
				printf 'MDGPU-HP error plug BadSlot %s\n' "$slot" >&5
				continue
			fi
			plugs=$((plugs + 1))
			mem=$id-mem$plugs
			qmp_quiet "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": \"memory-backend-ram\", \"id\": \"$mem\", \"size\": $((mb << 20))}}" ||
				exit 0
			args="\"driver\": \"ivshmem-plain\", \"id\": \"$id\", \"addr\": \"0x${slot#0x}\", \"memdev\": \"$mem\""
			qmp plug "{\"execute\": \"device_add\", \"arguments\": {$args}}" ||
				exit 0
			;;
		*MDGPU-HP*)
			log "unknown request '$line'"
			;;
		esac
		continue
	fi
	# No request: events, if any.
	while readline 4 0.01; do
		qmp_event "$line"
	done
done
