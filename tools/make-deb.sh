#!/bin/sh
# Builds Debian's libpcap packages with the xdp: capture module in them:
# Debian's source package (fetched as the build fetches it, or the tree
# given), the module added as one more quilt patch, debian/ changed by
# patches/libpcap-debian.patch (the helper, its man pages, libbpf), and a
# changelog entry whose version is the source's with "+xdp1" (before a
# stable update's "+deb12uN").  Leaves the packages (libpcap0.8,
# libpcap0.8-dev, libpcap-dev and their debug symbols) in OUT, and the tree
# they were built in in OUT/tree, its patches unapplied again.
#
#   tools/make-deb.sh OUT [LIBPCAP_SRC]
#
# Needs Debian's build dependencies of libpcap (tools/install-deps.sh
# installs them), and neither clang nor bpftool.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$1
src=${2:-}

# What the module adds to libpcap's tree, where the library's build finds
# it, and the helper's sources in a directory of their own.
MODULE_FILES="pcap-xdp.c pcap-xdp.h xdp-hook.c xdp-hook.h xdp-privsep.c
xdp-privsep.h xdp-protocol.h xdp-ring.c xdp-ring.h bpf/xdp_capture.h"
HELPER_FILES="helper/*.c helper/*.h doc/pcap-xdp.7 doc/pcap-xdp-helper.8"
# The changelog entry's author and time: the same for every build of the
# same sources (Multi-Arch: same packages of different architectures must
# agree on their changelogs), from git where the sources are a clone.
NAME=${DEBFULLNAME:-pcap-xdp local build}
EMAIL=${DEBEMAIL:-root@localhost.invalid}
when=$(git -C "$top" log -1 --format=%ct 2>/dev/null || date +%s)

rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
if [ -n "$src" ]; then
	cp -a "$src" "$out/debian-src"
else
	"$top/tools/fetch-libpcap.sh" "$out/debian-src"
fi
tree=$out/tree
cp -a "$out/debian-src" "$tree"

# The module, as a quilt patch over Debian's: the difference between the
# tree as Debian's patches leave it and the same with the module in.
with=$out/with-module
mkdir "$with"
(cd "$out/debian-src" && tar --exclude=./debian --exclude=./.pc -cf - .) |
	(cd "$with" && tar -xf -)
(cd "$with" && patch -p1 --quiet < "$top/patches/libpcap-xdp.patch")
for f in $MODULE_FILES; do cp "$top/$f" "$with/"; done
mkdir "$with/pcap-xdp-helper"
# shellcheck disable=SC2086
(cd "$top" && cp $HELPER_FILES "$with/pcap-xdp-helper/")
# diff says 1 for "they differ", 2 for trouble.
(cd "$out" && diff -Nru --exclude=debian --exclude=.pc debian-src \
	with-module > "$out/module.diff") || [ $? -eq 1 ]
{
	echo "Description: capture at XDP hooks (xdp: devices), from pcap-xdp"
	echo "Forwarded: no"
	echo
	sed -e '/^diff -Nru/d' \
	    -e 's,^--- debian-src/\([^	]*\).*,--- a/\1,' \
	    -e 's,^+++ with-module/\([^	]*\).*,+++ b/\1,' "$out/module.diff"
} > "$tree/debian/patches/pcap-xdp.diff"
rm -rf "$with" "$out/module.diff"
echo pcap-xdp.diff >> "$tree/debian/patches/series"

(cd "$tree" && patch -p1 --quiet < "$top/patches/libpcap-debian.patch")

# "+xdp1" goes before a stable update's suffix: 1.10.3-1+xdp1 and
# 1.10.3-1+xdp1+deb12u1 sort above every 1.10.3-1+deb12uN, so apt keeps
# these until Debian's next upstream version, and a rebuild from an update
# sorts above the build it replaces.
source_version=$(cd "$tree" && dpkg-parsechangelog -S Version)
base=${source_version%%+deb*}
version=$base+xdp1${source_version#"$base"}
distribution=$(cd "$tree" && dpkg-parsechangelog -S Distribution)
{
	echo "libpcap ($version) $distribution; urgency=medium"
	echo
	echo "  * Add capture at XDP hooks (xdp: devices), with pcap-xdp's"
	echo "    helper in /usr/lib/<multiarch>/pcap-xdp/."
	echo
	echo " -- $NAME <$EMAIL>  $(date -R -u -d "@$when")"
	echo
	cat "$tree/debian/changelog"
} > "$tree/debian/changelog.new"
mv "$tree/debian/changelog.new" "$tree/debian/changelog"

(cd "$tree" && DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-nocheck} parallel=$(nproc)" \
	dpkg-buildpackage -b -us -uc > "$out/build.log" 2>&1) || {
	tail -n 40 "$out/build.log" >&2
	echo "make-deb: dpkg-buildpackage failed: $out/build.log" >&2
	exit 1
}
rm -rf "$out/debian-src"
ls "$out"/*.deb
