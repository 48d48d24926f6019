#!/bin/bash
# The demo: installs what is missing, builds, then on two throwaway test
# hosts (network namespaces joined by a veth pair) attaches the echo program
# to demo-xdp0, which bounces every frame back out and answers pings itself
# (demo-xdp0 has no address: only XDP can answer), and runs the system's own
# tcpdump on xdp:demo-xdp0 while pings cross.  It shows what tcpdump saw, that
# the pings were still answered, that the echo program is back on the hook
# with the same id, and removes everything it made.  Needs root.
set -euo pipefail

top=$(cd "$(dirname "$0")" && pwd)
build=${BUILD_DIR:-$top/build}
NS_XDP=pcap-xdp-demo-xdp
NS_PEER=pcap-xdp-demo-peer
IF=demo-xdp0
PEER_IF=demo-peer0
ADDR=10.198.0.1
PEER_ADDR=10.198.0.2
XDP="nsenter --net=/var/run/netns/$NS_XDP"
PEER="nsenter --net=/var/run/netns/$NS_PEER"

[ "$(id -u)" = 0 ] || { echo "demo.sh: run it as root" >&2; exit 1; }

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

cleanup() {
	ip netns del "$NS_XDP" 2>/dev/null || true
	ip netns del "$NS_PEER" 2>/dev/null || true
}
trap cleanup EXIT

say "Building (installs missing Debian packages and Debian's libpcap source)"
"$top/tools/build.sh" > "$top/demo-build.log" 2>&1 ||
	{ tail -n 30 "$top/demo-build.log"; exit 1; }
echo "built $(readlink -f "$build/libpcap/libpcap.so.0.8") (SONAME libpcap.so.0.8); log in demo-build.log"

say "Test hosts: $NS_XDP ($IF, no address) <-veth-> $NS_PEER ($PEER_IF, $PEER_ADDR)"
cleanup
ip netns add "$NS_XDP"
ip netns add "$NS_PEER"
ip link add "$IF" netns "$NS_XDP" type veth peer name "$PEER_IF" netns "$NS_PEER"
$XDP ip link set "$IF" up
$PEER ip addr add "$PEER_ADDR/24" dev "$PEER_IF"
$PEER ip link set "$PEER_IF" up
# Frames bounced by XDP_TX reach the peer through its own XDP receive path.
$PEER ip link set dev "$PEER_IF" xdpdrv obj "$build/bpf/xdp_pass.bpf.o" sec xdp
$PEER ip neigh replace "$ADDR" lladdr "$($XDP ip -br link show "$IF" | awk '{ print $3 }')" dev "$PEER_IF"

say "Attaching the echo program to $IF (native XDP)"
$XDP ip link set dev "$IF" xdpdrv obj "$build/bpf/xdp_echo.bpf.o" sec xdp
$XDP ip link show "$IF" | grep prog/
before=$($XDP ip link show "$IF" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p')

say "tcpdump -D (the system's tcpdump with the new library) lists the hook"
LD_LIBRARY_PATH="$build/libpcap" $XDP /usr/bin/tcpdump -D | grep "xdp:$IF"

say "Pinging $ADDR from the peer while /usr/bin/tcpdump -i xdp:$IF -nn -c 10 icmp runs"
$PEER ping -c 20 -i 0.2 "$ADDR" > "$top/demo-ping.log" 2>&1 &
ping_pid=$!
LD_LIBRARY_PATH="$build/libpcap" $XDP timeout 30 /usr/bin/tcpdump -i "xdp:$IF" -nn -c 10 icmp
wait $ping_pid || true

say "The pings were still bounced: only the echo program can answer them"
tail -n 2 "$top/demo-ping.log"
rm -f "$top/demo-ping.log"

say "After the capture, the echo program is back on the hook"
$XDP ip link show "$IF" | grep prog/
after=$($XDP ip link show "$IF" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p')
if [ "$before" = "$after" ]; then
	echo "same program id as before the capture: $after"
else
	echo "program id changed from $before to $after" >&2
	exit 1
fi

say "Removing the test hosts"
cleanup
echo "done"
