#!/bin/sh
# The tests: installs what is missing, builds, and runs the whole suite
# (real kernel, the system's tcpdump and tshark, network namespaces); then
# builds everything again with AddressSanitizer and runs the whole suite
# once more, failing on any report of AddressSanitizer or LeakSanitizer;
# then runs the whole suite a third time on Debian 12's own kernel, under
# qemu (tools/in-debian-kernel.sh).  Needs root.
set -e
top=$(cd "$(dirname "$0")" && pwd)
build=${BUILD_DIR:-$top/build}
BUILD_DIR=$build "$top/tools/build.sh"
make -s --no-print-directory -C "$build" check
echo "The whole suite again, under AddressSanitizer and LeakSanitizer:"
SANITIZE=address BUILD_DIR=$build-asan "$top/tools/build.sh" > /dev/null
make -s --no-print-directory -C "$build-asan" check
echo "The whole suite again, on Debian 12's own kernel, under qemu:"
cd "$build"
DEBIAN_KERNEL_WORK=$build/debian-kernel timeout --foreground 2400 \
	"$top/tools/in-debian-kernel.sh" "$top/tests/run-tests.sh"
