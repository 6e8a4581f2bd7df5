# SPDX-License-Identifier: GPL-2.0
#
# lib.sh - helpers shared by the mdgpu VM test harness scripts.
#
# Sourced, never executed. Everything here writes to stderr so that the
# callers keep stdout for their result (kernel.sh prints the kernel directory
# on its last stdout line).

# shellcheck shell=bash

mdgpu_prog=${0##*/}

mdgpu_log() {
	printf '%s: %s\n' "$mdgpu_prog" "$*" >&2
}

mdgpu_die() {
	printf '%s: error: %s\n' "$mdgpu_prog" "$*" >&2
	exit 1
}

# Seconds since the epoch with two decimals, for the timing messages.
mdgpu_now() {
	local t
	t=$(date +%s.%N)
	printf '%.2f' "$t"
}

# mdgpu_elapsed START: seconds since START (a mdgpu_now value).
mdgpu_elapsed() {
	awk -v a="$1" -v b="$(mdgpu_now)" 'BEGIN { printf "%.1f", b - a }'
}

# Root of the mdgpu checkout: two levels above this directory.
mdgpu_repo_root() {
	local here
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
	(cd "$here/../.." && pwd -P)
}

mdgpu_cache_root() {
	printf '%s\n' "${MDGPU_CACHE:-/var/cache/mdgpu}"
}

# mdgpu_ktap_helpers: print the path of the kselftest ktap_helpers.sh (TAP
# output for shell tests), extracted once from Debian's linux-source-6.12
# into the cache, keyed by the tarball's modification time like the
# kselftest headers (selftests/Makefile).
mdgpu_ktap_helpers() {
	local tarball=${KSRC_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
	local stamp dir tmp

	stamp=$(stat -c %Y "$tarball" 2>/dev/null) ||
		mdgpu_die "$tarball is missing (apt-get install linux-source-6.12)"
	dir=$(mdgpu_cache_root)/ktap-$stamp
	if [ ! -s "$dir/ktap_helpers.sh" ]; then
		mkdir -p "$(mdgpu_cache_root)"
		tmp=$(mktemp -d "$(mdgpu_cache_root)/.ktap.XXXXXX")
		tar -xJf "$tarball" -C "$tmp" --wildcards --strip-components=5 \
			'*/tools/testing/selftests/kselftest/ktap_helpers.sh'
		if [ ! -s "$tmp/ktap_helpers.sh" ]; then
			rm -rf "$tmp"
			mdgpu_die "no ktap_helpers.sh in $tarball"
		fi
		mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
	fi
	printf '%s\n' "$dir/ktap_helpers.sh"
}
