#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# build.sh - make deb: the Debian packages mdgpu-dkms and mdgpu-tools.
#
# Usage: build.sh [OUTDIR]   (default: build/deb)
#
# Installs the build dependencies (selftests/vm/deps.sh deb), copies the
# tree's files (what git tracks plus new files it does not ignore; without
# git, everything but build/) to OUTDIR/mdgpu-VERSION, builds the source
# and binary packages there with dpkg-buildpackage (unsigned) and checks
# them with lintian; any error or warning fails (debian/*.lintian-overrides
# say why a tag is overridden). The .deb files end up in OUTDIR, their
# names on the last lines of stdout.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd "$here/../.." && pwd -P)
# shellcheck source=../vm/lib.sh
. "$repo/selftests/vm/lib.sh"

out=${1:-$repo/build/deb}
bash "$repo/selftests/vm/deps.sh" deb

version=$(dpkg-parsechangelog -l "$repo/debian/changelog" -S Version)
mkdir -p "$out"
out=$(cd "$out" && pwd -P)
src=$out/mdgpu-$version
rm -rf "$src" "$out"/mdgpu*_"$version"*
mkdir -p "$src"
if git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
	# Files deleted but not committed are listed and missing: skipped.
	(cd "$repo" && git ls-files -z -c -o --exclude-standard |
		xargs -0 cp -a --parents -t "$src" 2>/dev/null) || true
else
	(cd "$repo" && tar -cf - --exclude=./build --exclude=./.git .) |
		tar -xf - -C "$src"
fi

mdgpu_log "dpkg-buildpackage in $src"
t0=$(mdgpu_now)
if ! (cd "$src" && dpkg-buildpackage -us -uc >"$out/build.log" 2>&1); then
	tail -n 40 "$out/build.log" >&2
	mdgpu_die "dpkg-buildpackage failed (log: $out/build.log)"
fi
mdgpu_log "built in $(mdgpu_elapsed "$t0") s (log: $out/build.log)"

changes=$out/mdgpu_${version}_$(dpkg --print-architecture).changes
mdgpu_log "lintian $changes"
lint_rc=0
lintian -I --fail-on error,warning "$changes" >"$out/lintian.raw" 2>&1 ||
	lint_rc=$?
# lintian says it should not run as root: not a finding.
grep -v '^running with root privileges' "$out/lintian.raw" >"$out/lintian.log" ||
	true
if [ -s "$out/lintian.log" ]; then
	sed 's/^/lintian: /' "$out/lintian.log" >&2
else
	mdgpu_log "lintian: no tags"
fi
[ "$lint_rc" -eq 0 ] ||
	mdgpu_die "lintian: errors or warnings (log: $out/lintian.log)"
ls "$out"/mdgpu-dkms_"$version"_all.deb \
	"$out"/mdgpu-tools_"$version"_*.deb
