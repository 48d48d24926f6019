#!/bin/sh
# Installs what the build needs (Debian packages, Debian's libpcap source),
# then configures and builds pcap-xdp in ./build, or in $BUILD_DIR.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}

"$top/tools/install-deps.sh"
[ -x "$top/configure" ] || (cd "$top" && ./autogen.sh > /dev/null 2>&1)
mkdir -p "$build"
cd "$build"
[ -f Makefile ] || "$top/configure" --prefix=/usr/local > configure.log
make -j"$(nproc)"
