#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# qemu-backports.sh - a private QEMU 10 from Debian's bookworm-backports,
# next to the system's QEMU 7.2, for the tests that need VFIO migration v2.
#
# Usage: qemu-backports.sh [--update]
#
#   --update   look for a newer backports version even if one is cached
#
# Prints, on its last stdout line, the path of a wrapper script that runs
# the unpacked qemu-system-x86_64 with -L for its own firmware (backports'
# SeaBIOS and QEMU's data files) and, should any library have had to be
# unpacked too, LD_LIBRARY_PATH. Nothing is installed: the packages are
# fetched with `apt-get download` and unpacked with `dpkg-deb -x` into
#
#   ${MDGPU_CACHE:-/var/cache/mdgpu}/qemu-10/<package version>/
#       root/          the unpacked packages
#       bin/qemu-system-x86_64   the wrapper
#       packages       what was unpacked, one "name version" a line
#   ${MDGPU_CACHE:-/var/cache/mdgpu}/qemu-10/current -> <package version>
#
# so the system QEMU (7.2, which the rest of the harness uses) is untouched.
# The VM harness's guest sees the host's root read-only over 9p, so the
# wrapper works inside it at the same path.
#
# If no apt source names bookworm-backports, the script adds
# /etc/apt/sources.list.d/bookworm-backports.sources (deb822, like Debian
# 12's debian.sources). Backports packages have apt priority 100, so adding
# the source upgrades nothing. Only that source's lists are updated, and
# only when they are missing or the download fails. With a complete cached
# version and no --update, nothing runs but a test for two files.
#
# The libraries: qemu-system-x86's Depends are compared with what dpkg has
# installed; a missing or too old one is downloaded (bookworm, else
# backports) and unpacked too, and its library directories go into
# LD_LIBRARY_PATH. The result must pass `ldd` without a missing library and
# run `-version`.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=lib.sh
. "$here/lib.sh"

usage() {
	sed -n '4,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit "${1:-2}"
}

update=0
while [ $# -gt 0 ]; do
	case "$1" in
	--update) update=1; shift ;;
	-h|--help) usage 0 ;;
	*) mdgpu_log "unknown argument '$1'"; usage ;;
	esac
done

suite=bookworm-backports
pkg=qemu-system-x86
# Packages unpacked beside qemu-system-x86 whatever dpkg has: its data files
# and helpers must be of its own version, and it wants backports' SeaBIOS.
companions=(qemu-system-common qemu-system-data seabios)

cache=$(mdgpu_cache_root)/qemu-10
wrapper_of() {
	printf '%s/bin/qemu-system-x86_64\n' "$1"
}

if [ $update = 0 ] && [ -e "$cache/current/.complete" ]; then
	wrapper_of "$(cd "$cache/current" && pwd -P)"
	exit 0
fi

[ "$(id -u)" -eq 0 ] || mdgpu_die "needs root (apt sources, apt-get update)"
mkdir -p "$cache"
exec {lock_fd}>"$cache/.lock"
if ! flock -n "$lock_fd"; then
	mdgpu_log "waiting for another qemu-backports.sh"
	flock "$lock_fd"
	if [ $update = 0 ] && [ -e "$cache/current/.complete" ]; then
		wrapper_of "$(cd "$cache/current" && pwd -P)"
		exit 0
	fi
fi

apt_opts=(-o DPkg::Lock::Timeout=600 -o APT::Sandbox::User=root)

# --- the apt source ----------------------------------------------------------

# source_file: the apt source file that names the suite, if any.
source_file() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		 /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		if grep -Eq "^[^#]*[[:space:]]$suite([[:space:]]|\$)" "$f"; then
			printf '%s\n' "$f"
			return 0
		fi
	done
	return 1
}

src=$(source_file) || {
	src=/etc/apt/sources.list.d/$suite.sources
	mdgpu_log "adding $src"
	cat >"$src" <<-EOF
	Types: deb
	URIs: http://deb.debian.org/debian
	Suites: $suite
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
}

# update_suite: refresh the lists of the backports source only.
update_suite() {
	mdgpu_log "apt-get update for $src only"
	apt-get "${apt_opts[@]}" -o Dir::Etc::sourcelist="$src" \
		-o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0 \
		update >&2
}

# suite_version PACKAGE: the version the suite offers, or nothing.
suite_version() {
	apt-cache madison "$1" 2>/dev/null |
		awk -F' *[|] *' -v s="$suite/" 'index($3, s) { print $2; exit }'
}

ver=$(suite_version "$pkg")
if [ -z "$ver" ] || [ $update = 1 ]; then
	update_suite
	ver=$(suite_version "$pkg")
fi
[ -n "$ver" ] || mdgpu_die "$suite offers no $pkg"
upstream=${ver#*:}
case "$upstream" in
[1-9][0-9].*) ;;
*) mdgpu_die "$suite has $pkg $ver, not QEMU 10 or later" ;;
esac

dir=$cache/${ver//:/_}
if [ -e "$dir/.complete" ]; then
	ln -sfn "${dir##*/}" "$cache/current"
	wrapper_of "$dir"
	exit 0
fi

# --- download and unpack -------------------------------------------------------

t0=$(mdgpu_now)
tmp=$(mktemp -d "$cache/.new.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/debs" "$tmp/root" "$tmp/bin"

# download SPEC...: apt-get download into $tmp/debs; on failure (lists
# older than the archive) update the suite's lists once and try again.
download() {
	if (cd "$tmp/debs" && apt-get "${apt_opts[@]}" -q download "$@" >&2); then
		return 0
	fi
	update_suite
	(cd "$tmp/debs" && apt-get "${apt_opts[@]}" -q download "$@" >&2)
}

specs=("$pkg=$ver")
for p in "${companions[@]}"; do
	v=$(suite_version "$p")
	if [ -n "$v" ]; then
		specs+=("$p=$v")
	else
		specs+=("$p")
	fi
done

# The libraries qemu-system-x86 depends on: "name (op version)", first
# alternative only. Those dpkg lacks, or has too old, are unpacked too.
depends=$(apt-cache show "$pkg=$ver" | sed -n 's/^Depends: //p' | head -n 1)
skip=" ${companions[*]} qemu-system-data ipxe-qemu "
IFS=',' read -r -a deps <<<"$depends"
for d in "${deps[@]}"; do
	d=${d%%|*}
	read -r name op want <<<"${d//[()]/ }"
	[[ "$skip" == *" $name "* ]] && continue
	have=$(dpkg-query -W -f='${db:Status-Abbrev}|${Version}' "$name" \
		2>/dev/null || true)
	if [ "${have%%|*}" = "ii " ] &&
	   { [ -z "$op" ] || dpkg --compare-versions "${have#*|}" "$op" "$want"; }; then
		continue
	fi
	mdgpu_log "$name${op:+ $op $want} is not installed (${have#*|}): unpacking it"
	cand=$(apt-cache policy "$name" | sed -n 's/^ *Candidate: //p')
	if [ -n "$cand" ] && [ "$cand" != "(none)" ] &&
	   { [ -z "$op" ] || dpkg --compare-versions "$cand" "$op" "$want"; }; then
		specs+=("$name=$cand")
	else
		v=$(suite_version "$name")
		[ -n "$v" ] || mdgpu_die "no $name${op:+ $op $want} in apt's lists"
		specs+=("$name=$v")
	fi
done

mdgpu_log "downloading ${specs[*]}"
download "${specs[@]}"
for deb in "$tmp"/debs/*.deb; do
	dpkg-deb -x "$deb" "$tmp/root"
	# shellcheck disable=SC2016 # dpkg's format, not the shell's
	dpkg-deb -W --showformat='${Package} ${Version}\n' "$deb"
done >"$tmp/packages"

qbin=$tmp/root/usr/bin/qemu-system-x86_64
[ -x "$qbin" ] || mdgpu_die "no qemu-system-x86_64 in $pkg $ver"

# Library directories of what was unpacked besides QEMU itself.
libpath=
for l in lib/x86_64-linux-gnu usr/lib/x86_64-linux-gnu; do
	if find "$tmp/root/$l" -maxdepth 1 -name '*.so*' 2>/dev/null |
	   grep -q .; then
		libpath+="${libpath:+:}$dir/root/$l"
	fi
done

# Absolute symbolic links inside the unpacked tree would point at the
# system's files: make them point into the tree.
find "$tmp/root" -type l -lname '/*' -print0 |
while IFS= read -r -d '' l; do
	t=$(readlink "$l")
	ln -sfn "$dir/root$t" "$l"
done

# The wrapper. -L directories are searched before the built-in ones
# (/usr/share/qemu, /usr/share/seabios, /usr/lib/ipxe/qemu: the system's),
# so the BIOS and the option ROMs QEMU loads itself are backports'.
cat >"$tmp/bin/qemu-system-x86_64" <<EOF
#!/bin/sh
# QEMU $ver from $suite, unpacked by selftests/vm/qemu-backports.sh.
${libpath:+LD_LIBRARY_PATH=$libpath\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH\}
export LD_LIBRARY_PATH
}exec $dir/root/usr/bin/qemu-system-x86_64 \\
	-L $dir/root/usr/share/seabios -L $dir/root/usr/share/qemu "\$@"
EOF
chmod 755 "$tmp/bin/qemu-system-x86_64"

# Check it where it will live: the paths in the wrapper are final. A
# directory without .complete is what an interrupted run left.
rm -rf "$dir"
mv -T "$tmp" "$dir"
trap 'rm -rf "$dir"' EXIT
if LD_LIBRARY_PATH=$libpath ldd "$dir/root/usr/bin/qemu-system-x86_64" |
   grep -E 'not found' >&2; then
	mdgpu_die "libraries missing for $pkg $ver (above)"
fi
if ! out=$("$dir/bin/qemu-system-x86_64" -version 2>&1) ||
   ! "$dir/bin/qemu-system-x86_64" -device vfio-pci,help 2>&1 |
   grep -q 'enable-migration='; then
	printf '%s\n' "$out" >&2
	mdgpu_die "$pkg $ver does not run, or its vfio-pci has no enable-migration"
fi
touch "$dir/.complete"
trap - EXIT
ln -sfn "${dir##*/}" "$cache/current"
mdgpu_log "$(head -n 1 <<<"$out") in $dir ($(mdgpu_elapsed "$t0") s)"
wrapper_of "$dir"
