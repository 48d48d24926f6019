#!/bin/sh
# The tests: installs what is missing, builds, and runs the whole suite
# (real kernel, the system's tcpdump and tshark, network namespaces) on
# perf-event rings (the transport of kernels before 5.18); then builds
# everything again with AddressSanitizer and runs the whole suite once
# more, on BPF ring buffers, failing on any report of AddressSanitizer or
# LeakSanitizer; then runs the whole suite a third time, on own rings (the
# default), on Debian 12's own kernel, under qemu
# (tools/in-debian-kernel.sh).  In every pass, the tests of each
# transport's core run on the other two as well.  (Perf-event rings are the
# slowest under qemu's emulation: there, a quarter of the suite took 10
# minutes, where all of it takes 14 on own rings, and the churn test's
# generator ran for minutes without yielding the CPU.)  Needs root.
set -e
top=$(cd "$(dirname "$0")" && pwd)
build=${BUILD_DIR:-$top/build}
BUILD_DIR=$build "$top/tools/build.sh"
PCAP_XDP_TRANSPORT=perf make -s --no-print-directory -C "$build" check
echo "The whole suite again, on ring buffers, under AddressSanitizer and LeakSanitizer:"
SANITIZE=address BUILD_DIR=$build-asan "$top/tools/build.sh" > /dev/null
PCAP_XDP_TRANSPORT=ringbuf make -s --no-print-directory -C "$build-asan" check
echo "The whole suite again, on own rings, on Debian 12's own kernel, under qemu:"
cd "$build"
DEBIAN_KERNEL_WORK=$build/debian-kernel timeout --foreground 2400 \
	"$top/tools/in-debian-kernel.sh" "$top/tests/run-tests.sh"
