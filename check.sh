#!/bin/sh
# The tests: installs what is missing, builds, and runs the whole suite
# (real kernel, the system's tcpdump and tshark, network namespaces).
# Needs root.
set -e
top=$(cd "$(dirname "$0")" && pwd)
"$top/tools/build.sh"
make -s --no-print-directory -C "${BUILD_DIR:-$top/build}" check
