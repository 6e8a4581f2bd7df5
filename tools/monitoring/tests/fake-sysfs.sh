#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# fake-sysfs.sh ROOT [ABI_DIR] - build a fake mdgpu sysfs tree under ROOT
# from the files Documentation/ABI/ documents, for mdgpuctl's
# MDGPU_SYSFS_ROOT.
#
# Every "What:" file of ABI_DIR (default: the repo's Documentation/ABI/
# testing) is created for two parents (sim0, sim1), two types on each
# (mdgpu-64M, mdgpu-256M) and three vGPUs (two on sim0, one on sim1), so a
# file the module gains or loses is in the tree or gone without anyone
# editing this script. A numeric file holds a value no other file has
# (value_of below), so a test can tell which file a figure was read from.
# The files whose contents have a format of their own (words, lines, the
# histogram) are listed in contents_of; a new file of that kind needs a line
# there, and until it has one it holds a number.
#
# Prints "ENTITY FILE PATH" for every file created, ENTITY being parent:P,
# type:P/T, vgpu:UUID or module; the tests read it back.
set -euo pipefail

root=${1:?usage: fake-sysfs.sh ROOT [ABI_DIR]}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
abi=${2:-$here/../../../Documentation/ABI/testing}

parents=(sim0 sim1)
types=(mdgpu-64M mdgpu-256M)
uuid_a=3f2a1c00-0000-4000-8000-00000000000a
uuid_b=3f2a1c00-0000-4000-8000-00000000000b
uuid_c=3f2a1c00-0000-4000-8000-00000000000c
# vGPU -> parent type
declare -A vgpu_parent=([$uuid_a]=sim0 [$uuid_b]=sim0 [$uuid_c]=sim1)
declare -A vgpu_type=([$uuid_a]=mdgpu-64M [$uuid_b]=mdgpu-256M
		      [$uuid_c]=mdgpu-64M)
vgpus=("$uuid_a" "$uuid_b" "$uuid_c")

# Which documented files exist for which kind of entity.
scan_abi() {
	awk '/^What:/ { print $2 }' "$abi"/sysfs-* | while read -r w; do
		case "$w" in
		*/) ;;
		/sys/class/mdgpu/\<parent\>/mdev_supported_types/*/*)
			echo "type ${w##*/}" ;;
		/sys/class/mdgpu/\<parent\>/*)
			echo "parent ${w##*/}" ;;
		/sys/bus/mdev/devices/\<uuid\>/mdgpu/*)
			echo "vgpu ${w##*/}" ;;
		/sys/module/mdgpu/parameters/*)
			echo "module ${w##*/}" ;;
		*)	echo "fake-sysfs.sh: unknown ABI path $w" >&2
			exit 1 ;;
		esac
	done
}

# value_of SCOPE_INDEX FILE_INDEX ENTITY_INDEX: a number no other file of
# the tree holds (the file index in the millions, the entity in the units,
# a fixed odd tail so microseconds have six significant decimals).
value_of() {
	echo $(( ($2 + 1) * 1000000007 + ($1 + 1) * 1000003 + ($3 + 1) * 10007 ))
}

# contents_of SCOPE FILE ENTITY_INDEX NAME: the contents of a file whose
# format is not a plain number; returns 1 for a numeric file.
contents_of() {
	local scope=$1 file=$2 idx=$3 name=$4 size
	case "$scope/$file" in
	parent/backend)		echo sim ;;
	parent/health)		[ "$idx" = 0 ] && echo degraded || echo ok ;;
	parent/health_reason)	[ "$idx" = 0 ] &&
				echo "engine hang detected and reset (1)" ||
				echo none ;;
	parent/policy)		[ "$idx" = 0 ] && echo weighted ||
				echo best_effort ;;
	parent/vram_total)	echo $(( (idx + 1) * 1024 * 1048576 )) ;;
	parent/compact|type/create) echo ;;
	parent/reservations)	[ "$idx" = 0 ] &&
				echo "6b7f7f90-4f6c-4a8e-9a63-2a4bde0c0001:512:300000:7 0 held" ||
				echo ;;
	type/name)		echo "mdgpu ${name#*/mdgpu-}" ;;
	type/device_api)	echo vfio-pci ;;
	type/description)
		size=${name#*/mdgpu-}; size=${size%M}
		[ "${name%%/*}" = sim0 ] && idx=0 || idx=1
		echo "framebuffer=${size}M max_instances=$(( (idx + 1) * 1024 / size )) max_resolution=1920x1080 display=bochs-vbe migration=1 device_version=0x00010000 regs_layout=1 features=0x3" ;;
	vgpu/vram_size)
		size=${vgpu_type[$name]#mdgpu-}; size=${size%M}
		echo $(( size * 1048576 )) ;;
	vgpu/plane_types)	echo region ;;
	# A whole percent, and percents with decimals of their own.
	vgpu/min_share)		[ "$idx" = 0 ] && echo 30 || echo "$idx.0976" ;;
	vgpu/engine_error_header) printf '0x%08x\n' $((0x00020006 + idx)) ;;
	vgpu/migration_state)
		case $idx in 0) echo running ;; 1) echo error ;;
		*) echo closed ;; esac ;;
	vgpu/migration_compat)
		echo "version=1 device=0x00010000 type=${vgpu_type[$name]} vram=67108864 max=1920x1080 regs=4096 layout=1 features=0x3" ;;
	vgpu/wait_histogram)
		# 16 counters, different per vGPU, some zero.
		local b out=
		for b in $(seq 0 15); do
			out+="${out:+ }$(( (b * 7 + idx * 3) % 11 == 0 ? 0 : (b + 1) * 1000 + idx * 100 + b ))"
		done
		echo "$out" ;;
	*)	return 1 ;;
	esac
}

dev=$root/sys/devices/virtual/mdgpu
mkdir -p "$dev" "$root/sys/class/mdgpu" "$root/sys/bus/mdev/devices" \
	 "$root/sys/bus/mdev/drivers/mdgpu" "$root/sys/module/mdgpu/parameters" \
	 "$root/proc" "$root/dev/vfio"
for p in "${parents[@]}"; do
	mkdir -p "$dev/$p/mdev_supported_types"
	ln -sfn "../../devices/virtual/mdgpu/$p" "$root/sys/class/mdgpu/$p"
	for t in "${types[@]}"; do
		mkdir -p "$dev/$p/mdev_supported_types/$t/devices"
	done
done
for u in "${vgpus[@]}"; do
	d=$dev/${vgpu_parent[$u]}/$u
	mkdir -p "$d/mdgpu"
	ln -sfn "../mdev_supported_types/${vgpu_type[$u]}" "$d/mdev_type"
	ln -sfn ../../../../../bus/mdev/drivers/mdgpu "$d/driver"
	ln -sfn "../../../devices/virtual/mdgpu/${vgpu_parent[$u]}/$u" \
		"$root/sys/bus/mdev/devices/$u"
done

# put SCOPE SCOPE_INDEX FILE FILE_INDEX ENTITY_INDEX NAME PATH ENTITY
put() {
	local v
	v=$(contents_of "$1" "$3" "$5" "$6") || v=$(value_of "$2" "$4" "$5")
	printf '%s\n' "$v" >"$7"
	printf '%s %s %s\n' "$8" "$3" "$7"
}

n=0
abi_files=$(scan_abi)
while read -r scope file; do
	n=$((n + 1))
	case $scope in
	parent)
		for i in "${!parents[@]}"; do
			p=${parents[$i]}
			put parent 0 "$file" "$n" "$i" "$p" "$dev/$p/$file" \
				"parent:$p"
		done ;;
	type)
		i=0
		for p in "${parents[@]}"; do
			for t in "${types[@]}"; do
				put type 1 "$file" "$n" "$i" "$p/$t" \
					"$dev/$p/mdev_supported_types/$t/$file" \
					"type:$p/$t"
				i=$((i + 1))
			done
		done ;;
	vgpu)
		for i in "${!vgpus[@]}"; do
			u=${vgpus[$i]}
			put vgpu 2 "$file" "$n" "$i" "$u" \
				"$dev/${vgpu_parent[$u]}/$u/mdgpu/$file" "vgpu:$u"
		done ;;
	module)
		put module 3 "$file" "$n" 0 mdgpu \
			"$root/sys/module/mdgpu/parameters/$file" module ;;
	esac
done <<<"$abi_files"
