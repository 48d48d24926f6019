#!/bin/sh
# Installs what the build needs (Debian packages, Debian's libpcap source),
# then configures and builds pcap-xdp in ./build, or in $BUILD_DIR.
# SANITIZE=address builds it, libpcap included, with AddressSanitizer, in
# ./build-asan by default.
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$top/build}
if [ "${SANITIZE:-}" = address ]; then
	build=${BUILD_DIR:-$top/build-asan}
	export CFLAGS="-g -O1 -fsanitize=address -fno-omit-frame-pointer"
	export LDFLAGS="-fsanitize=address"
fi

"$top/tools/install-deps.sh"
[ -x "$top/configure" ] || (cd "$top" && ./autogen.sh > /dev/null 2>&1)
mkdir -p "$build"
cd "$build"
[ -f Makefile ] || "$top/configure" --prefix=/usr/local > configure.log
make -j"$(nproc)"
