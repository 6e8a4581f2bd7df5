#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# l1.sh - make libvirt-test, inside the VM harness's guest.
#
# usage: l1.sh KO
#
#   KO  mdgpu.ko built for the running kernel
#
# Loads mdgpu with one simulated parent (sim0), binds the VM's ivshmem-plain
# device to mdgpu's PCI driver with driver_override (the PCI parent), gives
# libvirt writable state directories on tmpfs, starts Debian's udevd and
# libvirtd (monolithic, qemu:///system, no security driver, no cgroups) and
# checks, as the management stack sees it:
#
#   - virsh nodedev-list --cap mdev_types lists the PCI parent, its
#     nodedev-dumpxml has the PCI address and every mdgpu type with the
#     fields OpenStack Nova reads (id, name, deviceAPI, availableInstances);
#     what it says of the simulated parent is reported as it is;
#   - the sysfs paths KubeVirt reads: the parent in /sys/class/mdev_bus and
#     its NUMA node at /sys/bus/pci/devices/<parent>/numa_node;
#   - virsh nodedev-define + nodedev-start of an mdev on the PCI parent
#     (libvirt calls mdevctl): the mdev exists in sysfs with the type asked
#     for, mdevctl knows the definition, libvirt lists the active device;
#   - a domain with <hostdev mode='subsystem' type='mdev' model='vfio-pci'>
#     starts (QEMU under libvirt, TCG, no OS): QEMU's query-pci (through
#     virsh qemu-monitor-command) shows mdgpu's PCI function, the vGPU was
#     reset by QEMU (reset_count) and holds its VFIO device open;
#   - the same domain with a vGPU of the simulated parent, created through
#     sysfs (libvirt lists no simulated parent, so nodedev-* cannot make it;
#     whether it lists the mdev itself is reported as seen);
#   - virsh destroy, undefine, nodedev-destroy, nodedev-undefine undo it
#     all, the PCI device unbinds and mdgpu unloads.
#
# Results are one TAP block, "libvirt-test"; timings on MDGPU-LV-TIME lines.

set -uo pipefail

ko=${1:?usage: l1.sh KO}
type=mdgpu-64M
dom=mdgpu-lv

w=$(mktemp -d /tmp/libvirt-test.XXXXXX)
nested_name=libvirt-test
# shellcheck source=../vm/nested.sh
. "$(dirname "${BASH_SOURCE[0]}")/../vm/nested.sh"

# Every call bounded: under nested TCG on a loaded host libvirtd's first
# answers (after it probed QEMU's capabilities) take minutes.
virsh() {
	timeout 600 virsh -c qemu:///system "$@"
}

udevd_pid='' libvirtd_pid=''
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	[ -n "$libvirtd_pid" ] && kill "$libvirtd_pid" 2>/dev/null
	[ -n "$udevd_pid" ] && kill "$udevd_pid" 2>/dev/null
	# The host's directories are bound under $w: unmount before removing.
	umount -l "$w"/orig_* 2>/dev/null
	rm -rf --one-file-system "$w"
}
trap cleanup EXIT

# --- mdgpu: a simulated parent and a PCI parent ------------------------------

pci=
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat "$d/vendor")" = 0x1af4 ] && [ "$(cat "$d/device")" = 0x1110 ]; then
		pci=${d##*/}
		break
	fi
done
say "L1 kernel $(uname -r), ivshmem-plain at ${pci:-nowhere}"
if [ -n "$pci" ] && insmod "$ko" parents=1 vram_mb=128 &&
   echo mdgpu >"/sys/bus/pci/devices/$pci/driver_override" &&
   echo "$pci" >/sys/bus/pci/drivers_probe &&
   [ -d "/sys/bus/pci/devices/$pci/mdev_supported_types/$type" ]; then
	add ok "mdgpu loaded (sim0), $pci bound to mdgpu (PCI parent)"
else
	add fail "mdgpu loaded (sim0), $pci bound to mdgpu (PCI parent)"
	tap
	exit 1
fi
# libvirt's name of a PCI device: pci_DDDD_BB_SS_F.
nd_pci=pci_$(tr ':.' '__' <<<"$pci")

# --- libvirt's world on tmpfs --------------------------------------------------
# The host's root is read-only here. libvirt and mdevctl write to
# /etc/libvirt, /etc/mdevctl.d, /var/lib/libvirt, /var/cache/libvirt and
# /var/log/libvirt; /run is a tmpfs already. Each of those parents gets a
# tmpfs: the two small /etc directories with a copy of the host's files,
# /var/lib, /var/cache and /var/log with the host's entries bound back into
# them (not copied: /var/cache holds the harness's kernel cache).

# writable DIR [copy]: a tmpfs over DIR with DIR's entries, copied or bound.
writable() {
	local d=$1 orig=$w/orig${1//\//_} e
	mkdir -p "$orig"
	mount --bind "$d" "$orig" && mount -t tmpfs -o mode=755 tmpfs "$d" ||
		return 1
	if [ "${2:-}" = copy ]; then
		cp -a "$orig/." "$d/"
		return
	fi
	for e in "$orig"/* "$orig"/.[!.]*; do
		if [ -L "$e" ]; then
			cp -P "$e" "$d/"
		elif [ -d "$e" ]; then
			mkdir "$d/${e##*/}" && mount --bind "$e" "$d/${e##*/}"
		elif [ -e "$e" ]; then
			touch "$d/${e##*/}" && mount --bind "$e" "$d/${e##*/}"
		fi
	done
}
ok=1
for d in /etc/libvirt /etc/mdevctl.d; do
	writable "$d" copy || ok=0
done
for d in /var/lib /var/cache /var/log; do
	writable "$d" || ok=0
done
mkdir -p /var/lib/libvirt /var/cache/libvirt /var/log/libvirt/qemu \
	/etc/mdevctl.d/scripts.d/callouts /etc/mdevctl.d/scripts.d/notifiers
# libvirt hands mdevctl the device's JSON as "--jsonfile /dev/stdin": the
# links udev makes on a real host, missing from the test VM's devtmpfs.
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
fd=0
for f in stdin stdout stderr; do
	[ -e "/dev/$f" ] || ln -s "/proc/self/fd/$fd" "/dev/$f"
	fd=$((fd + 1))
done
check "writable /etc/libvirt, /etc/mdevctl.d, /var/{lib,cache,log} on tmpfs" \
	"" test $ok = 1
say "state directories ready"
# libvirtd resolves its built-in QEMU user and group, libvirt-qemu, before
# it reads qemu.conf; libvirt-daemon-system, which creates them, is not
# installed (it would start libvirtd on the host): give the VM's /etc a
# passwd and group that have them.
for f in passwd group; do
	cp "/etc/$f" "$w/$f"
done
grep -q '^libvirt-qemu:' "$w/passwd" ||
	echo 'libvirt-qemu:x:64055:64055:libvirt:/var/lib/libvirt:/usr/sbin/nologin' >>"$w/passwd"
grep -q '^libvirt-qemu:' "$w/group" || echo 'libvirt-qemu:x:64055:' >>"$w/group"
grep -q '^kvm:' "$w/group" || echo 'kvm:x:64056:' >>"$w/group"
mount --bind "$w/passwd" /etc/passwd && mount --bind "$w/group" /etc/group
# The test VM has no cgroups mounted and no virtlogd: QEMU runs as root,
# logs to files, without namespaces or a security driver.
cat >/etc/libvirt/qemu.conf <<'CONF'
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
namespaces = [ ]
cgroup_controllers = [ ]
stdio_handler = "file"
CONF
cat >/etc/libvirt/libvirtd.conf <<'CONF'
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
CONF

# udevd: libvirt's node-device driver learns of new devices (the mdev that
# nodedev-start makes) from udev's events.
/lib/systemd/systemd-udevd >"$w/udevd.out" 2>&1 &
udevd_pid=$!
udevadm settle -t 60 2>/dev/null
say "udevd started"
t0=${EPOCHREALTIME/./}
libvirtd >"$w/libvirtd.out" 2>&1 &
libvirtd_pid=$!
ok=0
for _ in $(seq 60); do
	if virsh version >"$w/version" 2>&1; then
		ok=1
		break
	fi
	kill -0 "$libvirtd_pid" 2>/dev/null || break
	sleep 5
done
echo "MDGPU-LV-TIME libvirtd_up=$(since "$t0")s"
check "libvirtd runs, virsh connects to qemu:///system" \
	"$(tr '\n' ' ' <"$w/version")" test $ok = 1
if [ $ok != 1 ]; then
	sed 's/^/libvirtd: /' "$w/libvirtd.out" /var/log/libvirt/libvirtd.log 2>/dev/null | tail -n 30
	tap
	exit 1
fi
sed 's/^/virsh version: /' "$w/version"

# --- what the node-device API shows ---------------------------------------------

virsh nodedev-list --cap mdev_types >"$w/types" 2>&1
say "virsh nodedev-list --cap mdev_types:"
sed 's/^/  /' "$w/types"
check "nodedev-list --cap mdev_types lists the PCI parent $nd_pci" \
	"$(tr '\n' ' ' <"$w/types")" grep -qx "$nd_pci" "$w/types"
# The simulated parent is a class device (/sys/class/mdgpu/sim0): libvirt
# lists only PCI, CSS/AP and mtty parents. Reported as seen, not asserted.
if grep -q sim0 "$w/types"; then
	say "the simulated parent sim0 IS listed by libvirt"
else
	say "the simulated parent sim0 is NOT listed by libvirt" \
		"(/sys/class/mdev_bus/: $(cd /sys/class/mdev_bus && echo *))"
fi

virsh nodedev-dumpxml "$nd_pci" >"$w/parent.xml" 2>&1
say "virsh nodedev-dumpxml $nd_pci:"
sed 's/^/  /' "$w/parent.xml"
# What Nova reads: the parent's PCI address, and for each type its id,
# name, device API and available instances, which must be sysfs's.
IFS=':.' read -r pdom pbus pslot pfn <<<"$pci"
addr_ok=0
grep -q "<domain>$((16#$pdom))</domain>" "$w/parent.xml" &&
	grep -q "<bus>$((16#$pbus))</bus>" "$w/parent.xml" &&
	grep -q "<slot>$((16#$pslot))</slot>" "$w/parent.xml" &&
	grep -q "<function>$((16#$pfn))</function>" "$w/parent.xml" && addr_ok=1
check "nodedev-dumpxml: the parent's PCI address $pci" "" test $addr_ok = 1
types_ok=1 diag=
for t in /sys/bus/pci/devices/"$pci"/mdev_supported_types/*; do
	id=${t##*/}
	name=$(cat "$t/name")
	api=$(cat "$t/device_api")
	avail=$(cat "$t/available_instances")
	block=$(sed -n "/<type id='$id'>/,/<\/type>/p" "$w/parent.xml")
	if ! grep -q "<name>$name</name>" <<<"$block" ||
	   ! grep -q "<deviceAPI>$api</deviceAPI>" <<<"$block" ||
	   ! grep -q "<availableInstances>$avail</availableInstances>" <<<"$block"; then
		types_ok=0
		diag+="$id (name '$name', $api, $avail available) not as in sysfs; "
	fi
done
check "nodedev-dumpxml: every type of the PCI parent with sysfs's name, deviceAPI and availableInstances" \
	"$diag" test $types_ok = 1

# What KubeVirt reads: the parent under /sys/class/mdev_bus, its types'
# names, and the NUMA node of the parent taken as a PCI address.
numa=$(cat "/sys/bus/pci/devices/$pci/numa_node" 2>/dev/null)
check "KubeVirt's paths: /sys/class/mdev_bus/$pci and /sys/bus/pci/devices/$pci/numa_node" \
	"numa_node ${numa:-missing}" test -d "/sys/class/mdev_bus/$pci" -a -n "$numa"
if [ -e /sys/bus/pci/devices/sim0/numa_node ]; then
	say "KubeVirt: /sys/bus/pci/devices/sim0/numa_node exists"
else
	say "KubeVirt: /sys/bus/pci/devices/sim0/numa_node does not exist" \
		"(sim0 is in /sys/class/mdev_bus but is no PCI device)"
fi

# --- an mdev defined and started through libvirt --------------------------------

uuid=$(cat /proc/sys/kernel/random/uuid)
cat >"$w/mdev.xml" <<XML
<device>
  <parent>$nd_pci</parent>
  <capability type='mdev'>
    <type id='$type'/>
    <uuid>$uuid</uuid>
  </capability>
</device>
XML
virsh nodedev-define "$w/mdev.xml" >"$w/define.out" 2>&1
nd_mdev=$(sed -n "s/^Node device '\([^']*\)' defined.*/\1/p" "$w/define.out")
say "nodedev-define: $(tr '\n' ' ' <"$w/define.out")"
mdevctl list --defined >"$w/defined" 2>&1
check "nodedev-define of a $type mdev on $nd_pci: mdevctl has the definition" \
	"$(tr '\n' ' ' <"$w/defined")" grep -q "$uuid $pci $type" "$w/defined"

t0=${EPOCHREALTIME/./}
virsh nodedev-start "${nd_mdev:-none}" >"$w/start.out" 2>&1
say "nodedev-start: $(tr '\n' ' ' <"$w/start.out") ($(since "$t0") s)"
dev=/sys/bus/mdev/devices/$uuid
mtype=$(basename "$(readlink "$dev/mdev_type" 2>/dev/null)")
mparent=$(basename "$(readlink -f "$dev/.." 2>/dev/null)")
check "nodedev-start: the mdev exists on $pci with type $type" \
	"type ${mtype:-none}, parent ${mparent:-none}" \
	test "$mtype/$mparent" = "$type/$pci"
virsh nodedev-list --cap mdev >"$w/mdevs" 2>&1
check "nodedev-list --cap mdev lists the started mdev" \
	"$(tr '\n' ' ' <"$w/mdevs")" grep -qx "${nd_mdev:-none}" "$w/mdevs"
virsh nodedev-dumpxml "${nd_mdev:-none}" 2>&1 | sed 's/^/  /'

# --- a domain with the mdev as a hostdev ---------------------------------------

# run_domain NAME UUID WHAT: define and start a domain (TCG, no OS, one
# vCPU pinned as make guest-display pins its nested QEMU) whose only device
# is the mdev UUID, check that it runs with mdgpu's function on its PCI bus
# and that QEMU opened and reset the vGPU, then destroy and undefine it.
run_domain() {
	local name=$1 u=$2 what=$3 started state r0 r1 t0
	local d=/sys/bus/mdev/devices/$2

	cat >"$w/$name.xml" <<XML
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>64</memory>
  <vcpu cpuset='0'>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
  </os>
  <cputune>
    <emulatorpin cpuset='0'/>
  </cputune>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <hostdev mode='subsystem' type='mdev' model='vfio-pci'>
      <source>
        <address uuid='$u'/>
      </source>
    </hostdev>
    <memballoon model='none'/>
  </devices>
</domain>
XML
	r0=$(cat "$d/mdgpu/reset_count" 2>/dev/null)
	t0=${EPOCHREALTIME/./}
	virsh define "$w/$name.xml" >"$w/$name.out" 2>&1 &&
		virsh start "$name" >>"$w/$name.out" 2>&1
	started=$?
	echo "MDGPU-LV-TIME ${name}_start=$(since "$t0")s"
	say "define + start $name: $(tr '\n' ' ' <"$w/$name.out")"
	state=$(virsh domstate "$name" 2>&1)
	check "$what: a domain with it as <hostdev type='mdev' model='vfio-pci'> starts" \
		"virsh status $started, domstate $state" \
		test "$started/$state" = "0/running"
	if [ "$started" != 0 ]; then
		tail -n 20 "/var/log/libvirt/qemu/$name.log" 2>/dev/null |
			sed 's/^/qemu log: /'
		tail -n 20 /var/log/libvirt/libvirtd.log 2>/dev/null |
			sed 's/^/libvirtd: /'
	fi
	virsh dumpxml "$name" 2>/dev/null |
		sed -n '/<hostdev/,/<\/hostdev>/p' | sed 's/^/  /'

	# QEMU's view: mdgpu's function (1234:1111) on the guest's PCI bus.
	virsh qemu-monitor-command "$name" '{"execute": "query-pci"}' \
		>"$w/$name.pci" 2>&1
	virsh qemu-monitor-command "$name" --hmp 'info pci' 2>&1 |
		tr -d '\r' | grep -B1 -A4 '1234:1111' | sed 's/^/  info pci: /'
	# Each device's "id" object: {"device":4369,...,"vendor":4660,...}.
	grep -o '"id": *{[^}]*}' "$w/$name.pci" | tr -d ' ' |
		grep '"device":4369[,}]' | grep -c '"vendor":4660[,}]' \
		>"$w/$name.found"
	check "$what: QEMU's query-pci shows mdgpu's function (1234:1111) in the domain" \
		"$(cat "$w/$name.found") such function(s)" \
		test "$(cat "$w/$name.found")" = 1
	r1=$(cat "$d/mdgpu/reset_count" 2>/dev/null)
	check "$what: QEMU opened and reset the vGPU" "reset_count $r0 -> $r1" \
		test "${r1:-0}" -gt "${r0:-0}"
	virsh destroy "$name" >"$w/$name.undo" 2>&1
	virsh undefine "$name" >>"$w/$name.undo" 2>&1
	check "$what: virsh destroy and undefine" \
		"$(tr '\n' ' ' <"$w/$name.undo")" \
		test -z "$(virsh list --all --name | grep -x "$name")"
}

run_domain "$dom" "$uuid" "mdev on the PCI parent"

# A vGPU on the simulated parent, created through sysfs (libvirt cannot
# create it: it does not list the parent), in a domain: libvirt needs only
# the mdev's UUID for a hostdev.
sim_uuid=$(cat /proc/sys/kernel/random/uuid)
if echo "$sim_uuid" >/sys/class/mdgpu/sim0/mdev_supported_types/$type/create; then
	virsh nodedev-list --cap mdev >"$w/mdevs-sim" 2>&1
	say "sim0's mdev $sim_uuid in nodedev-list --cap mdev:" \
		"$(grep -c "$(tr - _ <<<"$sim_uuid")" "$w/mdevs-sim") lines" \
		"($(tr '\n' ' ' <"$w/mdevs-sim"))"
	run_domain "$dom-sim" "$sim_uuid" "mdev on the simulated parent sim0"
	echo 1 >"/sys/bus/mdev/devices/$sim_uuid/remove"
else
	add fail "a $type mdev on sim0 through sysfs"
fi

# --- undo ------------------------------------------------------------------------

virsh nodedev-destroy "${nd_mdev:-none}" >>"$w/undo" 2>&1
virsh nodedev-undefine "${nd_mdev:-none}" >>"$w/undo" 2>&1
undo_rc=$?
say "undo: $(tr '\n' ' ' <"$w/undo")"
mdevctl list --defined >"$w/defined" 2>&1
# The mdev core removes the device after nodedev-destroy has returned
# (seen: 7 s later under nested TCG on a loaded host): wait for it.
for _ in $(seq 60); do
	[ -e "$dev" ] || break
	sleep 1
done
check "nodedev-destroy, nodedev-undefine: the mdev and its definition are gone" \
	"undefine status $undo_rc, $([ -e "$dev" ] && echo "$dev still exists"), defined: $(tr '\n' ' ' <"$w/defined")" \
	test ! -e "$dev" -a "$undo_rc" = 0 -a -z "$(grep "$uuid" "$w/defined")"

kill "$libvirtd_pid" 2>/dev/null
wait "$libvirtd_pid" 2>/dev/null
libvirtd_pid=
kill "$udevd_pid" 2>/dev/null
wait "$udevd_pid" 2>/dev/null
udevd_pid=
gone=0
echo "$pci" >/sys/bus/pci/drivers/mdgpu/unbind &&
	echo >"/sys/bus/pci/devices/$pci/driver_override" &&
	rmmod mdgpu && gone=1
check "the PCI device unbinds and mdgpu unloads" "" test $gone = 1

echo "MDGPU-LV-TIME total=$(since "$t_start")s"
tap
all_ok
