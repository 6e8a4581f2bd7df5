#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# test.sh - make deb-test: the Debian packages installed, used and purged in
# a VM of each stock kernel.
#
# Usage: test.sh [KERNEL...]   (default: stock-6.12 stock-6.1)
#
# Builds the packages (build.sh, into build/deb), then boots each kernel
# with the harness (selftests/vm/run-vm.sh) and runs guest.sh in it: an
# overlay over the host's read-only root takes every write, so the host
# never changes. DKMS builds the module in the VM (QEMU TCG: minutes).
# Console logs: build/deb/deb-KERNEL.log. The last line is the total,
# "N passed, N failed, N skipped"; the exit status is non-zero on any
# failure.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
# shellcheck source=../vm/lib.sh
. "$repo/selftests/vm/lib.sh"

kernels=("$@")
[ ${#kernels[@]} -gt 0 ] || kernels=(stock-6.12 stock-6.1)
logdir=$repo/build/deb
mkdir -p "$logdir"

debdir=$repo/build/deb
bash "$here/build.sh" "$debdir" >/dev/null || mdgpu_die "make deb failed"

failed=0
logs=()
for k in "${kernels[@]}"; do
	kd=$(bash "$repo/selftests/vm/kernel.sh" "$k" | tail -n 1)
	if [ ! -d "$kd" ]; then
		mdgpu_log "[$k] kernel preparation failed"
		failed=$((failed + 1))
		continue
	fi
	log=$logdir/deb-$k.log
	logs+=("$log")
	t0=$(date +%s)
	bash "$repo/selftests/vm/run-vm.sh" --kernel "$kd" --log "$log" \
		--mem 3072 --timeout "${MDGPU_VM_TIMEOUT:-3600}" \
		--script "$here/guest.sh" -- "$debdir"
	rc=$?
	mdgpu_log "[$k] VM finished with status $rc in $(($(date +%s) - t0)) s"
	grep -a '^deb-test: ' "$log" | tr -d '\r' | sed "s/^/[$k] /" >&2
	[ $rc -eq 0 ] || failed=$((failed + 1))
	bash "$repo/selftests/vm/count-results.sh" -v "$log" | sed "s/^/deb-test: [$k] /"
done

total=$(bash "$repo/selftests/vm/count-results.sh" "${logs[@]}" 2>/dev/null |
	tail -n 1)
echo "${total:-0 passed, 0 failed, 0 skipped}"
[ "$failed" -eq 0 ] && [[ "$total" == *" 0 failed"* ]]
