#!/bin/bash
# The benchmark: what capturing costs the XDP hook, and what it captures.
# Two network namespaces joined by a veth pair: bench/xdp-gen sends UDP
# frames out of g0 (BPF_PROG_TEST_RUN, live frames) and h0's hook receives
# them natively; h0 runs xdp_drop, "the existing program" (xdp_pass for
# tcpdump on AF_PACKET; xdpdump loads its own).  Every row is measured in
# this run, on these hosts, as the best of RUNS runs of FRAMES frames; the
# counts are totals over the runs.  Then the per-packet cost in the kernel
# (bench/dump-cost, bench/filter-cost) and immediate mode's latency
# (bench/latency).
#
# Usage: bench/run.sh [FRAMES]   (from the build directory, as root)
#   RUNS=3             runs per row
#   LOSSFREE_RATE=N    the offered rate of the loss-free row (-B 65536), frames/s
#                      (default: half the hook's uncaptured rate, the aim)
# The generator runs on CPU 0, where h0's hook then runs too (veth runs the
# peer's NAPI on the sending CPU), and the captures on CPU 1: as on a NIC
# whose queues' interrupts go to other CPUs than the capture.
set -u
# Rows other than the transports' own are the default's.
unset PCAP_XDP_TRANSPORT

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$(pwd)}
export LD_LIBRARY_PATH="$BUILD/libpcap"
FRAMES=${1:-20000000}
RUNS=${RUNS:-3}
LOSSFREE_RATE=${LOSSFREE_RATE:-}
# run-tests.sh sets these for sanitized builds.
TCPDUMP=${TCPDUMP:-/usr/bin/tcpdump}
XDPDUMP=${XDPDUMP:-xdpdump}
GEN="taskset -c 0 $BUILD/bench/xdp-gen"
READER="taskset -c 1"
NS_G=pxb-gen-$$
NS_H=pxb-hook-$$
G="nsenter --net=/var/run/netns/$NS_G"
H="nsenter --net=/var/run/netns/$NS_H"
TMP=$(mktemp -d /tmp/pcap-xdp-bench.XXXXXX)
chmod 1777 "$TMP"
HZ=$(getconf CLK_TCK)

cleanup() {
	ip netns pids "$NS_H" 2>/dev/null | xargs -r kill 2>/dev/null
	sleep 0.2
	ip netns del "$NS_G" 2>/dev/null
	ip netns del "$NS_H" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# No IPv6 on the pair: its neighbour discovery would reach the hook too,
# and every frame there must be one the row counts.
ip netns add "$NS_G" && ip netns add "$NS_H" &&
for ns in "$NS_G" "$NS_H"; do
	nsenter --net="/var/run/netns/$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 || exit 1
done &&
ip link add g0 netns "$NS_G" type veth peer name h0 netns "$NS_H" &&
$G ip link set g0 up && $H ip link set h0 up || exit 1
MAC=$($H ip -br link show h0 | awk '{ print $3 }')

# hook PROGRAM|none: what runs at h0's hook.
hook() {
	$H ip link set dev h0 xdpdrv off
	[ "$1" = none ] || $H ip link set dev h0 xdpdrv obj "$BUILD/bpf/$1.bpf.o" sec xdp
}

# Frames that reached h0's hook: veth counts every frame its XDP program saw.
at_hook() {
	$H ip -s link show h0 | awk '/RX:/ { getline; print $2; exit }'
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# capture KIND ARGS...: starts the capture a row measures, in $CAP_PID.
# xdp-unread is one that never reads, as dumpcap -S (Wireshark's welcome
# page) keeps every device open and only takes statistics: a tcpdump
# stopped once it listens.
capture() {
	local kind=$1
	shift
	case $kind in
	xdp|xdp-unread) $H $READER $TCPDUMP -i xdp:h0 -w /dev/null "$@" 2> "$TMP/err" & ;;
	afpacket) $H $READER $TCPDUMP -i h0 -w /dev/null "$@" 2> "$TMP/err" & ;;
	xdpdump) $H $READER $XDPDUMP -i h0 --load-xdp-program -w /dev/null > "$TMP/err" 2>&1 & ;;
	esac
	CAP_PID=$!
	for _ in $(seq 100); do
		if grep -q "listening on" "$TMP/err"; then
			[ "$kind" != xdp-unread ] || kill -STOP $CAP_PID
			return 0
		fi
		sleep 0.05
	done
	echo "bench: the capture did not start:" >&2
	cat "$TMP/err" >&2
	return 1
}

# The capture's counts, once it has ended: "CAPTURED RECEIVED DROPPED".
capture_counts() {
	awk '/packets? captured/ { c = $1 }
	     /packets? received by filter/ { r = $1 }
	     /packets? dropped by (kernel|perf ring)/ { d = $1 }
	     END { if (r == "") r = c + d; print c + 0, r + 0, d + 0 }' "$TMP/err"
}

# row NAME SIZE RATE MATCH EXPECT KIND [ARGS...]: RUNS runs of the
# generator (SIZE-byte frames, at RATE frames/s or as fast as it goes, MATCH%
# of them to UDP port 53), with a capture of KIND (none, xdp, afpacket,
# xdpdump) running tcpdump ARGS.  EXPECT says which frames the capture
# should account for: "all" that reached the hook, or "filter" those its
# filter passed.
row() {
	local name=$1 size=$2 rate=$3 match=$4 expect=$5 kind=$6
	shift 6
	local out sent secs n hook0 hook1 t0 t1 best_sent=0 best_secs=1 best_hook=0
	local total_secs=0 start_hook end_hook ticks0=0 ticks1=0 rss=- counts
	if [ "$kind" != none ]; then
		capture "$kind" "$@" || return
		ticks0=$(cpu_ticks $CAP_PID)
	fi
	start_hook=$(at_hook)
	for _ in $(seq "$RUNS"); do
		hook0=$(at_hook)
		out=$($G $GEN g0 "$MAC" "$FRAMES" "$size" "$rate" "$match" "${GEN_KIND:-udp}") || return
		hook1=$(at_hook)
		read -r sent secs <<< "$out"
		n=$((hook1 - hook0))
		total_secs=$(awk -v a="$total_secs" -v b="$secs" 'BEGIN { print a + b }')
		if awk -v n=$n -v s="$secs" -v bn=$best_hook -v bs="$best_secs" \
		    'BEGIN { exit !(n / s > bn / bs) }'; then
			best_hook=$n best_secs=$secs best_sent=$sent
		fi
	done
	counts="- - -"
	if [ "$kind" != none ]; then
		ticks1=$(cpu_ticks $CAP_PID)
		rss=$(awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' /proc/$CAP_PID/status)
		# What is still in the rings is read at the next flush tick
		# (tcpdump's timeout, 1000 ms): wait past it.
		kill -CONT $CAP_PID
		sleep 2
		end_hook=$(at_hook)
		kill -INT $CAP_PID
		wait $CAP_PID
		counts=$(capture_counts)
	fi
	awk -v name="$name" -v size="$size" -v sent="$best_sent" -v secs="$best_secs" \
	    -v hook="$best_hook" -v base="${BASE_RATE[$size]:-0}" -v counts="$counts" \
	    -v expect="$expect" -v all="$(( ${end_hook:-0} - start_hook ))" \
	    -v total_secs="$total_secs" -v ticks=$((ticks1 - ticks0)) -v hz="$HZ" -v rss="$rss" '
	BEGIN {
		split(counts, c, " ")
		rate = hook / secs / 1e6
		ratio = base > 0 ? sprintf("%.3f", rate / base) : "1.000"
		cap = c[1]; drop = c[3]; unacc = "-"; caprate = "-"; cpu = "-"
		if (cap != "-") {
			unacc = (expect == "all" ? all : c[2]) - cap - drop
			caprate = sprintf("%.2f", cap / total_secs / 1e6)
			cpu = sprintf("%.0f%%", 100 * ticks / hz / total_secs)
		}
		printf "%-40s %5d %8.2f %8.2f %6s %10s %10s %7s %8s %6s %5s\n", name, size,
		    sent / secs / 1e6, rate, ratio, cap, drop, unacc, caprate, cpu, rss
	}'
	LAST_RATE=$(awk -v h="$best_hook" -v s="$best_secs" 'BEGIN { print h / s / 1e6 }')
}

declare -A BASE_RATE
header() {
	printf "%-40s %5s %8s %8s %6s %10s %10s %7s %8s %6s %5s\n" "$@"
}

echo "$RUNS runs of $FRAMES UDP frames per row (rates: the best run; counts: all runs),"
echo "from $NS_G to the XDP hook of h0 in $NS_H.  Captures write to /dev/null."
echo
header "at the hook" "bytes" "offered" "hook" "ratio" "captured" "dropped" "unacc." \
	"capture" "reader" "RSS"
header "" "" "Mpps" "Mpps" "" "" "" "" "Mpps" "CPU" "MiB"
hook xdp_drop
for size in 64 512 1500; do
	row "xdp_drop alone (no capture)" $size 0 0 all none
	BASE_RATE[$size]=$LAST_RATE
	row "+ tcpdump -i xdp:h0, everything" $size 0 0 all xdp
done
row "+ tcpdump, filter matching nothing" 64 0 0 filter xdp 'tcp port 9999'
row "+ tcpdump, everything, never read" 64 0 0 all xdp-unread
row "+ tcpdump, filter matching 1%" 64 0 1 filter xdp 'udp port 53'
# Frames anyone may send, crafted to make protochain loop (an IPv6 AH header
# that points back at itself): the kernel bounds its work on each.
GEN_KIND=ah-loop row "+ tcpdump 'ip6 protochain 6', crafted AH" 64 0 0 filter xdp 'ip6 protochain 6'
row "+ tcpdump --immediate-mode, everything" 64 0 0 all xdp --immediate-mode
# Loss-free needs room for the reader's pauses: -B 65536 (64 MiB).
[ -n "$LOSSFREE_RATE" ] ||
	LOSSFREE_RATE=$(awk -v r="${BASE_RATE[64]}" 'BEGIN { printf "%.3ge6", r / 2 }')
row "+ tcpdump -B 65536, everything, $LOSSFREE_RATE/s" 64 "$LOSSFREE_RATE" 0 all xdp -B 65536
PCAP_XDP_TRANSPORT=ringbuf row "+ tcpdump, everything, BPF ring buffers" 64 0 0 all xdp
PCAP_XDP_TRANSPORT=perf row "+ tcpdump, everything, perf-event rings" 64 0 0 all xdp
hook xdp_pass
row "xdp_pass: tcpdump -i h0 (AF_PACKET)" 64 0 0 all afpacket
if command -v xdpdump > /dev/null; then
	hook none
	row "xdpdump, its own program" 64 0 0 all xdpdump
else
	echo "xdpdump, its own program: not installed (apt-get install xdp-tools)"
fi
echo
echo "ratio: the hook's rate over its rate with no capture, for that frame size."
echo "unacc.: frames the capture should have seen (all that reached the hook, or those"
echo "its filter passed) that it neither captured nor counted as dropped."
echo "reader CPU: the capturing process's CPU time over the runs' time; RSS: its peak."
echo
echo "Per-packet cost in the kernel (BPF_PROG_TEST_RUN repeat):"
"$BUILD/bench/dump-cost" | sed 's/^/  /'
echo
"$BUILD/bench/filter-cost" "$((FRAMES / 2 > 1000000 ? 10000000 : 100000))" \
	'tcp port 80 or icmp' 'ip6 protochain 6' | sed 's/^/  /'
echo
# latency LABEL CPU DEVICE: immediate mode's latency, reading on CPU.
latency() {
	local n=$((FRAMES >= 1000000 ? 5000 : 500)) pid
	$H taskset -c "$2" "$BUILD/bench/latency" "$3" $n > "$TMP/latency" 2>&1 &
	pid=$!
	for _ in $(seq 100); do grep -q ready "$TMP/latency" && break; sleep 0.05; done
	$G $GEN g0 "$MAC" $n 64 1000 > /dev/null
	wait $pid
	printf "  %-34s %s\n" "$1" "$(grep -v ready "$TMP/latency")"
}

# The second and third rows tell the transport's part from the VM's: a
# reader on the hook's own CPU is woken without an interrupt to another
# CPU, and AF_PACKET's reader, on the other CPU, is woken as ours is.
echo "Immediate mode: from the hook to pcap_next_ex(), at 1000 frames/s:"
hook xdp_drop
latency "xdp:h0, reader on the other CPU" 1 xdp:h0
latency "xdp:h0, reader on the hook's CPU" 0 xdp:h0
hook xdp_pass
latency "h0 (AF_PACKET), on the other CPU" 1 h0
