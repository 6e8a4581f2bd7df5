#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The guest half of `make demo` (runs inside the VM as root).
set -euo pipefail

ko=$1
out=${2:-/tmp}
run() { echo "# $*"; "$@"; }

echo "=== mdgpu demo on Linux $(uname -r)"
run insmod "$ko"
parent=/sys/class/mdgpu/sim0
echo
echo "--- a simulated parent GPU: $parent"
for f in backend vram_total vram_used instances; do
	printf '  %-12s %s\n' "$f" "$(cat $parent/$f)"
done

# The VM's ivshmem-plain device (1af4:1110), made a PCI parent on request.
pci=
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat "$d/vendor")" = 0x1af4 ] && [ "$(cat "$d/device")" = 0x1110 ]; then
		pci=${d##*/}
		break
	fi
done
pparent=
if [ -n "$pci" ]; then
	echo
	echo "--- a PCI parent: the VM's ivshmem-plain device $pci (1af4:1110),"
	echo "    bound to mdgpu on request; its BAR2 becomes the VRAM"
	run sh -c "echo mdgpu > /sys/bus/pci/devices/$pci/driver_override"
	run sh -c "echo $pci > /sys/bus/pci/drivers_probe"
	pparent=/sys/bus/pci/devices/$pci
	for f in backend vram_total vram_used instances; do
		printf '  %-12s %s\n' "$f" "$(cat "$pparent/$f")"
	done
	printf '  %-12s %s\n' "BAR2" "$(sed -n 3p "$pparent/resource")"
	echo "  in /sys/class/mdev_bus: $(ls /sys/class/mdev_bus | tr '\n' ' ')"
	echo "  (libvirt, Nova and KubeVirt see PCI parents: make libvirt-test)"
fi
echo
echo "--- both parents, as an admin sees them with mdgpuctl"
run tools/mdgpuctl/mdgpuctl list parents
echo
echo "--- vGPU types (ls $parent/mdev_supported_types)"
types=$(for t in "$parent"/mdev_supported_types/*; do
	echo "$(cat "$t/description" | sed 's/^framebuffer=\([0-9]*\)M.*/\1/') $t"
done | sort -n | cut -d' ' -f2)
for t in $types; do
	printf '  %-12s name="%s" available_instances=%s\n' "$(basename "$t")" \
		"$(cat "$t/name")" "$(cat "$t/available_instances")"
	printf '  %-12s description: %s\n' "" "$(cat "$t/description")"
done
echo
echo "--- creating one vGPU of every type"
uuids=()
for t in $types; do
	u=$(cat /proc/sys/kernel/random/uuid)
	echo "# echo $u > $t/create"
	echo "$u" >"$t/create"
	uuids+=("$u")
done
if [ -n "$pparent" ]; then
	t=$pparent/mdev_supported_types/mdgpu-128M
	u=$(cat /proc/sys/kernel/random/uuid)
	echo "# echo $u > $t/create    (on the PCI parent)"
	echo "$u" >"$t/create"
	uuids+=("$u")
fi
echo
echo "--- instances (ls /sys/bus/mdev/devices)"
for u in "${uuids[@]}"; do
	d=/sys/bus/mdev/devices/$u
	off=$(cat "$d/mdgpu/vram_offset")
	size=$(cat "$d/mdgpu/vram_size")
	printf '  %s  %-12s type %-11s VRAM [0x%09x, 0x%09x) %4d MiB  iommu_group %s\n' \
		"$u" "$(basename "$(readlink -f "$d/..")")" \
		"$(basename "$(readlink "$d/mdev_type")")" "$off" \
		$((off + size)) $((size >> 20)) "$(basename "$(readlink "$d/iommu_group")")"
done
echo
echo "--- the same, as an admin sees it with mdgpuctl"
run tools/mdgpuctl/mdgpuctl list types
run tools/mdgpuctl/mdgpuctl list instances
run tools/mdgpuctl/mdgpuctl fit 64M:4 256M:1
[ -n "$pci" ] && run tools/mdgpuctl/mdgpuctl fit 64M:2 --parent "$pci"
echo
echo "--- available_instances after creating them"
for t in $types; do
	printf '  %-12s %s\n' "$(basename "$t")" "$(cat "$t/available_instances")"
done
printf '  parent vram_used=%s MiB of %s MiB\n' \
	$(($(cat $parent/vram_used) >> 20)) $(($(cat $parent/vram_total) >> 20))
echo
echo "--- the virtual PCI function of ${uuids[0]}, as a VM sees it through VFIO"
tools/mdgpu-cfgdump "${uuids[0]}"
echo
echo "--- display: a mode set through the registers, seen through the display plane"
tools/mdgpu-fbdemo "${uuids[0]}" "$out/scanout-${uuids[0]}.png" 800 600
echo
echo "--- the engine: every vGPU draws its own picture at the same time"
echo "    (FILL rectangles, a DMA from guest memory, COPY blits, COMPUTE, an"
echo "    interrupting FENCE; each checked pixel by pixel, then its scanout saved)"
pids=()
for i in "${!uuids[@]}"; do
	tools/mdgpu-draw "${uuids[i]}" "$i" "$out/engine-$i-${uuids[i]}.png" &
	pids+=($!)
done
draw_rc=0
for pid in "${pids[@]}"; do
	wait "$pid" || draw_rc=1
done
[ "$draw_rc" -eq 0 ] && echo "  all pictures correct" || echo "  SOME PICTURES ARE WRONG"
echo
echo "--- removing the instances"
for u in "${uuids[@]}"; do
	run sh -c "echo 1 > /sys/bus/mdev/devices/$u/remove"
done
printf '  parent instances=%s vram_used=%s\n' "$(cat $parent/instances)" \
	"$(cat $parent/vram_used)"

echo
echo "--- the balancer: demand changes, mdgpu-balancer decides (live, 1 s periods)"
echo "    X and Y on sim0 get busy for 5 s, then idle; Z on sim0 is held by no"
echo "    process. Weights follow the demand within [10, 1000]; sim0 saturates,"
echo "    so with --move Z goes to an idle parent (two periods in a row first)."
X=$(cat /proc/sys/kernel/random/uuid)
Y=$(cat /proc/sys/kernel/random/uuid)
Z=$(cat /proc/sys/kernel/random/uuid)
for u in "$X" "$Y" "$Z"; do
	echo "$u" >"$parent/mdev_supported_types/mdgpu-64M/create"
done
echo weighted >"$parent/policy"
cat >/tmp/demo-balancer.conf <<CONF
period 1
alpha 0.7
move_after 2
default floor=10 ceiling=1000
CONF
MDGPU_MDEVCTL=false tools/balancer/mdgpu-balancer --config /tmp/demo-balancer.conf \
	--move --periods 10 >/tmp/demo-balancer.log 2>&1 &
bal=$!
sleep 1
tools/monitoring/mdgpu-busy 5 2000 "$X" "$Y" >/dev/null 2>&1 || true
wait "$bal" || true
# What changed, with the UUIDs as X, Y, Z.
grep -E ' -> |^propose: |^move: ' /tmp/demo-balancer.log |
	grep -v 'waits (proposed' | sed -e "s/$X/X/g; s/$Y/Y/g; s/$Z/Z/g" \
	-e 's/ latency=[^ ]*//; s/ bounds=\[10,1000\]//' | sed 's/^/  /'
echo "  Z is now on $(basename "$(readlink -f "/sys/bus/mdev/devices/$Z/mdev_type/../..")")"
for u in "$X" "$Y" "$Z"; do
	echo 1 >"/sys/bus/mdev/devices/$u/remove"
done
if [ -n "$pparent" ]; then
	printf '  PCI parent instances=%s vram_used=%s\n' \
		"$(cat "$pparent/instances")" "$(cat "$pparent/vram_used")"
	run sh -c "echo $pci > /sys/bus/pci/drivers/mdgpu/unbind"
	echo > "/sys/bus/pci/devices/$pci/driver_override"
fi
run rmmod mdgpu
echo "=== end of demo"
