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
