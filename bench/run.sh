#!/bin/bash
# The benchmark: the XDP hook's rate with and without a capture, on two
# network namespaces joined by a veth pair.  bench/xdp-gen sends UDP frames
# out of one end (BPF_PROG_TEST_RUN, live frames); the other end's hook runs
# xdp_drop, "the existing program", which counts what it drops; every row
# is measured in this run, on these hosts.  Also the per-packet cost of a
# typical filter in the kernel (bench/filter-cost).
#
# Usage: bench/run.sh [FRAMES]   (from the build directory, as root)
set -u

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$(pwd)}
export LD_LIBRARY_PATH="$BUILD/libpcap"
FRAMES=${1:-20000000}
TCPDUMP=/usr/bin/tcpdump
GEN="$BUILD/bench/xdp-gen"
NS_G=pxb-gen-$$
NS_H=pxb-hook-$$
G="nsenter --net=/var/run/netns/$NS_G"
H="nsenter --net=/var/run/netns/$NS_H"
TMP=$(mktemp -d /tmp/pcap-xdp-bench.XXXXXX)
chmod 1777 "$TMP"

cleanup() {
	ip netns pids "$NS_H" 2>/dev/null | xargs -r kill 2>/dev/null
	sleep 0.2
	ip netns del "$NS_G" 2>/dev/null
	ip netns del "$NS_H" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ip netns add "$NS_G" && ip netns add "$NS_H" &&
ip link add g0 netns "$NS_G" type veth peer name h0 netns "$NS_H" &&
$G ip link set g0 up && $H ip link set h0 up &&
$H ip link set dev h0 xdpdrv obj "$BUILD/bpf/xdp_drop.bpf.o" sec xdp || exit 1
MAC=$($H ip -br link show h0 | awk '{ print $3 }')
PROG=$($H ip link show h0 | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p')
MAP=$(bpftool prog show id "$PROG" | sed -n 's/.*map_ids \([0-9]*\).*/\1/p')

dropped_at_hook() {
	bpftool map dump id "$MAP" | awk '/"value"/ { s += $NF } END { print s + 0 }'
}

# row NAME [TCPDUMP ARGS...]: one run of the generator, with a capture
# running tcpdump ARGS if there are any.
row() {
	local name=$1 pid="" before after secs=1 run_secs hook captured= received= dropped=
	shift
	if [ $# -gt 0 ]; then
		$H $TCPDUMP -i xdp:h0 -w /dev/null "$@" 2> "$TMP/err" &
		pid=$!
		for _ in $(seq 100); do grep -q "listening on" "$TMP/err" && break; sleep 0.05; done
	fi
	# The best of three runs: this machine's rate wanders from run to run.
	hook=0
	for _ in 1 2 3; do
		before=$(dropped_at_hook)
		run_secs=$($G "$GEN" g0 "$MAC" "$FRAMES" 64 | awk '{ print $2 }')
		after=$(dropped_at_hook)
		if [ "$hook" = 0 ] || awk -v a=$((after - before)) -v s="$run_secs" \
		    -v b="$hook" -v t="$secs" 'BEGIN { exit !(a / s > b / t) }'; then
			hook=$((after - before))
			secs=$run_secs
		fi
	done
	if [ -n "$pid" ]; then
		sleep 1.5
		kill -INT $pid
		wait $pid
		captured=$(sed -n 's/^\([0-9]*\) packets captured/\1/p' "$TMP/err")
		received=$(sed -n 's/^\([0-9]*\) packets received by filter/\1/p' "$TMP/err")
		dropped=$(sed -n 's/^\([0-9]*\) packets dropped by kernel/\1/p' "$TMP/err")
	fi
	awk -v name="$name" -v frames="$FRAMES" -v secs="$secs" -v hook="$hook" \
	    -v base="${BASE_RATE:-0}" -v cap="$captured" -v rec="$received" -v drop="$dropped" '
	BEGIN {
		rate = hook / secs / 1e6
		ratio = "1.000"
		if (base > 0)
			ratio = sprintf("%.3f", rate / base)
		unacc = "-"
		if (cap == "") {
			cap = "-"; rec = "-"; drop = "-"
		} else
			unacc = rec - cap - drop
		printf "%-34s %9.2f %9.2f %6s %10s %10s %10s %9s\n", name,
		    frames / secs / 1e6, rate, ratio, cap, rec, drop, unacc
	}'
	LAST_RATE=$(awk -v h="$hook" -v s="$secs" 'BEGIN { print h / s / 1e6 }')
}

echo "Frames: $FRAMES UDP frames of 64 bytes, three times per row (the best run counts),"
echo "from $NS_G to the XDP hook of h0 in $NS_H."
echo
printf "%-34s %9s %9s %6s %10s %10s %10s %9s\n" "what runs at the hook" "offered" \
	"hook" "ratio" "captured" "received" "dropped" "unacc."
printf "%-34s %9s %9s %6s %10s %10s %10s %9s\n" "" "Mpps" "Mpps" "" "" "by filter" "" ""
row "xdp_drop alone (no capture)"
BASE_RATE=$LAST_RATE
row "+ tcpdump, filter matching nothing" 'tcp port 9999'
row "+ tcpdump, everything" ''
echo
echo "unacc.: frames received by filter that were neither captured nor dropped"
echo "(they were still in the rings when tcpdump stopped reading)."
echo
echo "Cost of a filter in the kernel, per 64-byte frame (BPF_PROG_TEST_RUN repeat):"
"$BUILD/bench/filter-cost" "$((FRAMES / 2 > 1000000 ? 10000000 : 100000))"
