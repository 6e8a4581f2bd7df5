#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make lint: W=1 and sparse (C=2) builds against both stock kernels' headers,
# and checkpatch --strict (from Debian's linux-source-6.12) over the sources.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
cache=${MDGPU_CACHE:-/var/cache/mdgpu}
bash selftests/vm/deps.sh build sparse rsync linux-source-6.12 \
	python3-docutils >/dev/null

tree=$cache/lint-src
if [ ! -f "$tree/scripts/checkpatch.pl" ]; then
	mkdir -p "$tree"
	tar -xf /usr/src/linux-source-6.12.tar.xz -C "$tree" --strip-components=1 \
		--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch' '*/.clang-format'
fi

status=0
for k in stock-6.12 stock-6.1; do
	kd=$(bash selftests/vm/kernel.sh "$k" | tail -n 1)
	out=$(make -s KDIR="$(cat "$kd/kdir")" BUILD="$repo/build/lint-$k" \
		W=1 C=2 module 2>&1 | grep -E 'warning|error' || true)
	if [ -n "$out" ]; then
		echo "$out"
		status=1
	fi
	echo "lint: [$k] W=1 + sparse: $([ -z "$out" ] && echo clean || echo findings)"
done

# The ops-table initialiser macros in mdgpu_compat.h cannot be parenthesised;
# checkpatch's COMPLEX_MACRO check is ignored for that one reason. The uapi
# header is also compiled in userspace, which has no BIT(): BIT_MACRO is
# ignored there only.
cp="perl $tree/scripts/checkpatch.pl --strict --no-tree --quiet"
files=$(git ls-files 'drivers/*.c' 'drivers/tests/*.c' 'include/*.h' \
	'include/probes/*.c' 'scheduler/*.c' 'scheduler/*.h' \
	'scheduler/tests/*.c')
if ! $cp --ignore COMPLEX_MACRO,FILE_PATH_CHANGES -f $files; then
	status=1
fi
if ! $cp --ignore FILE_PATH_CHANGES,BIT_MACRO -f $(git ls-files 'uapi/*.h'); then
	status=1
fi
echo "lint: checkpatch --strict: $([ $status -eq 0 ] && echo clean || echo findings)"

# The documentation parses as reStructuredText without warnings (Debian's
# docutils, not whatever python3 comes first in PATH), the code's DOC:
# blocks it names pulled in (tools/rst-kerneldoc.py: a missing block is an
# error).
doc_status=0
for f in Documentation/*.rst; do
	if ! /usr/bin/python3 tools/rst-kerneldoc.py "$f"; then
		doc_status=1
	fi
done
echo "lint: Documentation/*.rst: $([ $doc_status -eq 0 ] && echo clean || echo findings)"
[ $doc_status -eq 0 ] || status=1
exit $status
