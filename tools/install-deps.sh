#!/bin/sh
# Installs what building and testing pcap-xdp needs, from Debian's own packages.
# Idempotent: does nothing when everything is present already.
set -eu

PACKAGES="build-essential autoconf automake libtool pkg-config flex bison
dpkg-dev clang llvm libclang-rt-14-dev libbpf-dev bpftool libelf-dev zlib1g-dev
libdbus-1-dev libbluetooth-dev debhelper lintian
tcpdump tshark iproute2 iputils-ping ethtool"

missing=""
for pkg in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
