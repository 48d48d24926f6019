#!/bin/bash
# The pcap-xdp test suite: the real kernel, Debian's own tcpdump and tshark,
# real packets through veth pairs.
#
# Every test_*() function runs on fresh test hosts: two network namespaces
# joined by a veth pair.  On the "xdp" side, xt0 carries the XDP program under
# test (mostly the echo sample, which bounces each frame back and answers
# pings itself: xt0 has no address, so only XDP can answer); on the "peer"
# side, xt1 sends the traffic.  A test returns 0 (pass), 1 (fail) or 77
# (skip, with the reason printed).
#
# Usage: tests/run-tests.sh [TEST...]   (from the build directory, as root)
set -u

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$(pwd)}
export LD_LIBRARY_PATH="$BUILD/libpcap"
TCPDUMP=/usr/bin/tcpdump
TSHARK=/usr/bin/tshark
SANITIZER_LOGS=
API="$BUILD/tests/xdp-api-test"
ATTACH="$BUILD/tests/xdp-attach"
FILTER_TEST="$BUILD/tests/filter-test"
HELPER="$BUILD/pcap-xdp-helper"
HOSTILE="$BUILD/tests/hostile-client"
PIN_ROOT=/sys/fs/bpf/pcap-xdp
LINK_PIN=/sys/fs/bpf/pxt-link-$$	# where tests pin a loader's bpf_link

NS_X=pxt-x-$$
NS_P=pxt-p-$$
X="nsenter --net=/var/run/netns/$NS_X"
P="nsenter --net=/var/run/netns/$NS_P"
IF=xt0
PEER_IF=xt1
ADDR=10.199.0.1
PEER_ADDR=10.199.0.2
TMP=

# An AddressSanitizer build (SANITIZE=address tools/build.sh): the system's
# tcpdump and tshark get ASan's runtime preloaded, for the instrumented
# libpcap; our own programs and the helper are linked with it.  Leaks are
# looked for in our programs and the helper, not in tcpdump, which gives up
# the privileges LeakSanitizer needs.  Reports go to files, or, from the
# helper (which starts with no environment), to the application's stderr;
# a test with a report fails.
if ldd "$HELPER" 2>/dev/null | grep -q libasan; then
	SANITIZER_LOGS=$(mktemp -d /tmp/pcap-xdp-asan.XXXXXX)
	chmod 1777 "$SANITIZER_LOGS"
	export ASAN_OPTIONS="log_path=$SANITIZER_LOGS/asan:detect_leaks=1"
	preload="env LD_PRELOAD=$(${CC:-cc} -print-file-name=libasan.so) ASAN_OPTIONS=log_path=$SANITIZER_LOGS/asan:detect_leaks=0"
	TCPDUMP="$preload $TCPDUMP"
	# tshark runs its extcap programs too, and androiddump hangs with
	# ASan's runtime: they are hidden from it, in a mount namespace.
	mkdir "$SANITIZER_LOGS/extcap"
	cat > "$SANITIZER_LOGS/tshark" <<-EOF
		#!/bin/sh
		extcap=/usr/lib/x86_64-linux-gnu/wireshark/extcap
		[ -d \$extcap ] && mount --bind "$SANITIZER_LOGS/extcap" \$extcap
		exec $preload $TSHARK "\$@"
	EOF
	chmod +x "$SANITIZER_LOGS/tshark"
	TSHARK="unshare -m --propagation private $SANITIZER_LOGS/tshark"
	XDPDUMP="$preload xdpdump"
	export TCPDUMP XDPDUMP
fi

log() { printf '    %s\n' "$*"; }
fail() { log "FAIL: $*"; return 1; }
skip() { log "SKIP: $*"; return 77; }

# --- test hosts ---------------------------------------------------------------

setup_hosts() {
	TMP=$(mktemp -d /tmp/pcap-xdp-test.XXXXXX)
	chmod 1777 "$TMP"	# tcpdump writes -w files as user tcpdump
	ls "$PIN_ROOT" > "$TMP/pins.before" 2>/dev/null
	echo "(none)" >> "$TMP/pins.before"
	ip netns add "$NS_X" && ip netns add "$NS_P" &&
	ip link add "$IF" netns "$NS_X" type veth peer name "$PEER_IF" netns "$NS_P" &&
	$X ip link set lo up && $X ip link set "$IF" up &&
	$P ip link set lo up && $P ip addr add "$PEER_ADDR/24" dev "$PEER_IF" &&
	$P ip link set "$PEER_IF" up &&
	# Frames the echo bounces come back through the peer's XDP path.
	$P ip link set dev "$PEER_IF" xdpdrv obj "$BUILD/bpf/xdp_pass.bpf.o" sec xdp &&
	$P ip neigh replace "$ADDR" lladdr "$(mac_of "$IF")" dev "$PEER_IF"
}

teardown_hosts() {
	local pids ns
	pids=$(jobs -p)
	[ -n "$pids" ] && kill $pids 2>/dev/null
	wait 2>/dev/null
	for ns in "$NS_X" "$NS_P" "$NS_X-2" "$NS_P-2"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	rm -f "$LINK_PIN"
	[ -n "$TMP" ] && rm -rf "$TMP"
	TMP=
}

mac_of() { $X ip -br link show "$1" | awk '{ print $3 }'; }

attach() {	# attach PROGRAM [xdpdrv|xdpgeneric]
	$X ip link set dev "$IF" "${2:-xdpdrv}" obj "$BUILD/bpf/$1.bpf.o" sec xdp
}

# "ID MODE" of the program on xt0's hook (MODE: xdp, xdpgeneric), or "none".
hook() {
	local out id mode
	out=$($X ip link show "$IF")
	id=$(echo "$out" | sed -n 's/.*prog\/xdp[a-z]* id \([0-9]*\).*/\1/p')
	mode=$(echo "$out" | sed -n 's/.* mtu [0-9]* \(xdp[a-z]*\) .*/\1/p')
	echo "${id:-none} $mode"
}

hook_name() {
	$X ip link show "$IF" | sed -n 's/.* name \([^ ]*\) tag.*/\1/p'
}

ping_bg() {	# ping_bg COUNT INTERVAL: pings from the peer in the background
	$P ping -q -c "$1" -i "$2" -W 1 "$ADDR" > "$TMP/ping.out" 2>&1 &
	PING_PID=$!
}

# Waits for the pings; true if all COUNT were answered.
pings_answered() {
	wait "$PING_PID" 2>/dev/null
	grep -q "$1 packets transmitted, $1 received" "$TMP/ping.out" ||
		{ cat "$TMP/ping.out"; return 1; }
}

wait_for() {	# wait_for FILE TEXT [SECONDS]
	local i
	for i in $(seq $((${3:-5} * 20))); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# Chains pinned in bpffs since the test began: none once its captures end.
leftover_pins() {
	ls "$PIN_ROOT" 2>/dev/null | grep -vxF -f "$TMP/pins.before" || true
}

# The helpers of this test's captures: those in its network namespaces
# (a test touches only processes it started).
helper_pids() {
	local ns pid
	for ns in "$NS_X" "$NS_X-2"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null |
				grep -q "pcap-xdp-helper --serve" && echo "$pid"
		done
	done
	true
}

# Where the capture's filter EXPR runs: "kernel", or why not there.
filter_where() { $X "$API" filter-where "xdp:$IF" "$1"; }

# Starts tcpdump -w on xdp:xt0 in the background, with extra options, and
# returns once it captures; its pid is in CAP_PID.
capture_bg() {
	$X $TCPDUMP -i "xdp:$IF" -w "$TMP/cap.pcap" "$@" 2> "$TMP/err" &
	CAP_PID=$!
	wait_for "$TMP/err" "listening on" || { cat "$TMP/err"; fail "tcpdump $* did not start"; }
}

# Starts a capture and kills it with its helper, as a crash would: the
# dead capture's chain stays on the hook.
crash_capture() {
	capture_bg || return
	kill -9 $(helper_pids) $CAP_PID
	wait $CAP_PID 2>/dev/null
	[ "$(hook_name)" = pcapxdp_entry ] || fail "expected the chain on the hook, found $(hook_name)"
}

# --- the seed's scenario and tcpdump's options ---------------------------------

test_tcpdump_echo() {
	attach xdp_echo
	local before after n
	before=$(hook)
	ping_bg 40 0.1
	$X timeout 20 $TCPDUMP -i "xdp:$IF" -nn -e -c 10 icmp > "$TMP/out" 2> "$TMP/err" ||
		{ cat "$TMP/err"; fail "tcpdump failed"; return; }
	n=$(grep -c "ICMP echo request" "$TMP/out")
	[ "$n" -eq 10 ] || { cat "$TMP/out"; fail "$n echo requests shown, expected 10"; return; }
	[ "$(grep -c 'length 98: .* ICMP echo request' "$TMP/out")" -eq 10 ] ||
		{ cat "$TMP/out"; fail "frames not whole (98 bytes)"; return; }
	grep -q "^10 packets captured" "$TMP/err" || { cat "$TMP/err"; fail "no '10 packets captured'"; return; }
	pings_answered 40 || { fail "pings were not all bounced"; return; }
	after=$(hook)
	[ "$after" = "$before" ] || fail "hook was '$before', is '$after' after the capture" || return
	[ -z "$(leftover_pins)" ] || fail "pins left in bpffs: $(leftover_pins)" || return
	log "10 echo requests of 98 bytes captured, 40/40 pings bounced, hook '$after' restored"
}

test_snaplen() {
	attach xdp_echo
	ping_bg 20 0.1
	$X timeout 20 $TCPDUMP -i "xdp:$IF" -s 64 -c 3 -w "$TMP/cap.pcap" icmp 2> "$TMP/err" ||
		{ cat "$TMP/err"; fail "tcpdump failed"; return; }
	$TSHARK -r "$TMP/cap.pcap" -T fields -e frame.cap_len -e frame.len > "$TMP/lens" 2>/dev/null
	[ "$(sort -u "$TMP/lens")" = "$(printf '64\t98')" ] ||
		{ cat "$TMP/lens"; fail "expected caplen 64, len 98"; return; }
	log "3 frames: caplen 64, len 98"
}

test_write_read() {
	attach xdp_echo
	ping_bg 20 0.1
	$X timeout 20 $TCPDUMP -i "xdp:$IF" -c 5 -w "$TMP/cap.pcap" icmp 2> "$TMP/err" ||
		{ cat "$TMP/err"; fail "tcpdump -w failed"; return; }
	$TCPDUMP -r "$TMP/cap.pcap" -nn > "$TMP/out" 2>/dev/null
	[ "$(grep -c "IP $PEER_ADDR > $ADDR: ICMP echo request" "$TMP/out")" -eq 5 ] ||
		{ cat "$TMP/out"; fail "tcpdump -r does not show 5 echo requests"; return; }
	log "-w then -r: 5 echo requests"
}

test_nano_timestamps() {
	attach xdp_echo
	local start end
	ping_bg 20 0.1
	start=$(date +%s.%N)
	$X timeout 20 $TCPDUMP -i "xdp:$IF" --time-stamp-precision=nano -c 3 \
		-w "$TMP/cap.pcap" icmp 2> "$TMP/err" || { cat "$TMP/err"; fail "tcpdump failed"; return; }
	end=$(date +%s.%N)
	# The nanosecond pcap magic, 0xa1b23c4d, little-endian.
	[ "$(od -An -tx1 -N4 "$TMP/cap.pcap" | tr -d ' ')" = "4d3cb2a1" ] ||
		fail "not a nanosecond pcap file" || return
	$TCPDUMP -r "$TMP/cap.pcap" -tt --time-stamp-precision=nano -nn 2>/dev/null |
		awk '{ print $1 }' > "$TMP/ts"
	awk -v s="$start" -v e="$end" '
		length($1) != length("1234567890.123456789") { bad = 1 }
		$1 < s - 1 || $1 > e + 1 { bad = 1 }
		END { exit bad }' "$TMP/ts" ||
		{ cat "$TMP/ts"; fail "times not nanosecond wall-clock times of the capture"; return; }
	log "nanosecond times within a second of the clock: $(head -1 "$TMP/ts")"
}

test_sigint() {
	attach xdp_echo
	local before uid t0 t1
	before=$(hook)
	ping_bg 100 0.05
	capture_bg icmp || return
	sleep 1
	# tcpdump dropped to its own user before reading.
	uid=$(awk '/^Uid:/ { print $2 }' /proc/$CAP_PID/status)
	[ "$uid" = "$(id -u tcpdump)" ] || fail "tcpdump runs as uid $uid, not as tcpdump" || return
	t0=$(date +%s%N)
	kill -INT $CAP_PID
	wait $CAP_PID
	t1=$(date +%s%N)
	# It ends as soon as it sees the signal (pcap_breakloop); how soon
	# is for the bench: this waits for the end, with a generous limit.
	[ $(( (t1 - t0) / 1000000 )) -lt 10000 ] ||
		fail "tcpdump took $(( (t1 - t0) / 1000000 )) ms to end after SIGINT" || return
	grep -q "packets\? captured" "$TMP/err" || { cat "$TMP/err"; fail "no statistics"; return; }
	[ "$(hook)" = "$before" ] || fail "hook not restored: $(hook)" || return
	log "SIGINT ended tcpdump (running as user tcpdump) in $(( (t1 - t0) / 1000000 )) ms"
}

test_statistics() {
	attach xdp_echo
	local captured received dropped
	ping_bg 30 0.05
	$X timeout 20 $TCPDUMP -i "xdp:$IF" -nn -c 8 > /dev/null 2> "$TMP/err" ||
		{ cat "$TMP/err"; fail "tcpdump failed"; return; }
	captured=$(sed -n 's/^\([0-9]*\) packets captured/\1/p' "$TMP/err")
	received=$(sed -n 's/^\([0-9]*\) packets received by filter/\1/p' "$TMP/err")
	dropped=$(sed -n 's/^\([0-9]*\) packets dropped by kernel/\1/p' "$TMP/err")
	[ "$captured" = 8 ] && [ "$received" -ge 8 ] && [ "$dropped" = 0 ] ||
		{ cat "$TMP/err"; fail "statistics: $captured captured, $received received, $dropped dropped"; return; }
	log "$captured captured, $received received by filter, $dropped dropped"
}

test_tshark() {
	attach xdp_echo
	local pid
	# tshark takes seconds to start on a slow machine: the pings start
	# once it captures.
	$X timeout 120 $TSHARK -i "xdp:$IF" -c 5 -f icmp > "$TMP/out" 2> "$TMP/err" &
	pid=$!
	wait_for "$TMP/err" "Capturing on" 60 || { cat "$TMP/err"; fail "tshark did not start"; return; }
	ping_bg 40 0.1
	wait $pid || { cat "$TMP/err"; fail "tshark failed"; return; }
	[ "$(grep -c 'Echo (ping) request' "$TMP/out")" -eq 5 ] ||
		{ cat "$TMP/out" "$TMP/err"; fail "tshark did not show 5 echo requests"; return; }
	log "tshark -i xdp:$IF -c 5 -f icmp: 5 echo requests"
}

test_no_program() {
	# No XDP program: the stack answers the pings itself.
	$X ip addr add "$ADDR/24" dev "$IF"
	ping_bg 30 0.1
	$X timeout 20 $TCPDUMP -i "xdp:$IF" -nn -c 3 icmp > "$TMP/out" 2> "$TMP/err" ||
		{ cat "$TMP/err"; fail "tcpdump failed"; return; }
	[ "$(grep -c 'ICMP echo request' "$TMP/out")" -eq 3 ] || { cat "$TMP/out"; fail "no capture"; return; }
	[ "$(hook)" = "none " ] || fail "a program is left attached: $(hook)" || return
	[ -z "$(leftover_pins)" ] || fail "pins left in bpffs" || return
	log "3 echo requests captured; nothing attached afterwards"
}

test_generic_mode() {
	attach xdp_echo xdpgeneric
	local before
	before=$(hook)
	ping_bg 30 0.1
	$X timeout 20 $TCPDUMP -i "xdp:$IF" -nn -c 3 icmp > "$TMP/out" 2> "$TMP/err" ||
		{ cat "$TMP/err"; fail "tcpdump failed"; return; }
	[ "$(grep -c 'ICMP echo request' "$TMP/out")" -eq 3 ] || { cat "$TMP/out"; fail "no capture"; return; }
	[ "$(hook)" = "$before" ] || fail "hook was '$before', is '$(hook)'" || return
	log "generic-mode program '$before' restored in generic mode"
}

# With the echo program on the hook, however it got there: tcpdump sees
# three echo requests, every ping is bounced, and the hook is as before.
echo_chained() {	# echo_chained WHAT
	local before
	before=$(hook)
	ping_bg 30 0.1
	$X timeout 20 $TCPDUMP -i "xdp:$IF" -nn -c 3 icmp > "$TMP/out" 2> "$TMP/err" ||
		{ cat "$TMP/err"; fail "tcpdump failed"; return; }
	[ "$(grep -c 'ICMP echo request' "$TMP/out")" -eq 3 ] || { cat "$TMP/out"; fail "no capture"; return; }
	pings_answered 30 || { fail "pings not all bounced"; return; }
	[ "$(hook)" = "$before" ] || fail "hook was '$before', is '$(hook)'" || return
	log "$1 chained and restored"
}

test_frags_program() {
	# A multi-buffer program: the chain must load its programs to match.
	$X "$ATTACH" "$IF" "$BUILD/bpf/xdp_echo.bpf.o" frags || { fail "can't attach"; return; }
	echo_chained "xdp.frags program"
}

test_findalldevs() {
	attach xdp_echo
	$X ip addr add 10.199.1.1/24 dev "$IF"
	$X $TCPDUMP -D > "$TMP/list" 2>&1 || { cat "$TMP/list"; fail "tcpdump -D failed"; return; }
	grep -q "xdp:$IF (XDP ingress of $IF, program \"xdp_echo\" id $(hook | cut -d' ' -f1)) \[Up, Running\]" "$TMP/list" ||
		{ cat "$TMP/list"; fail "xdp:$IF not listed as expected"; return; }
	grep -q "xdp:lo" "$TMP/list" && { fail "xdp:lo listed: it has no XDP program"; return; }
	# Debian's own modules are all still there.
	for dev in bluetooth-monitor nflog nfqueue dbus-system dbus-session; do
		grep -q "$dev" "$TMP/list" || { cat "$TMP/list"; fail "$dev missing from tcpdump -D"; return; }
	done
	$X "$API" findalldevs "xdp:$IF" xdp_echo > "$TMP/api" || { cat "$TMP/api"; return 1; }
	log "$(cat "$TMP/api")"
	log "tcpdump -D: $(grep "xdp:$IF" "$TMP/list")"
}

test_findalldevs_unprivileged() {
	attach xdp_echo
	# Without privileges the program's name can't be read, its id can.
	$X setpriv --reuid=nobody --regid=nogroup --clear-groups $TCPDUMP -D > "$TMP/list" 2>&1 ||
		{ cat "$TMP/list"; fail "tcpdump -D failed without privileges"; return; }
	grep -q "xdp:$IF (XDP ingress of $IF, program id $(hook | cut -d' ' -f1)) \[Up, Running\]" "$TMP/list" ||
		{ cat "$TMP/list"; fail "xdp:$IF not listed"; return; }
	log "as nobody: $(grep "xdp:$IF" "$TMP/list")"
}

test_generic_fallback() {
	# lo has no native XDP: a capture attaches there in generic mode.
	$X timeout 10 ping -q -c 30 -i 0.1 127.0.0.1 > /dev/null 2>&1 &
	$X timeout 20 $TCPDUMP -i xdp:lo -nn -c 3 icmp > "$TMP/out" 2> "$TMP/err" ||
		{ cat "$TMP/err"; fail "tcpdump -i xdp:lo failed"; return; }
	[ "$(grep -c 'ICMP echo' "$TMP/out")" -eq 3 ] || { cat "$TMP/out"; fail "no capture on lo"; return; }
	$X ip link show lo | grep -q prog/ && { fail "a program is left on lo"; return; }
	log "xdp:lo captured in generic mode; nothing left attached"
}

test_promiscuous() {
	attach xdp_echo
	promiscuity() { $X ip -d link show "$IF" | sed -n 's/.*promiscuity \([0-9]*\).*/\1/p'; }
	capture_bg || return
	[ "$(promiscuity)" = 1 ] || fail "promiscuity $(promiscuity) during the capture" || return
	kill -INT $CAP_PID; wait $CAP_PID
	[ "$(promiscuity)" = 0 ] || fail "promiscuity $(promiscuity) after the capture" || return
	capture_bg -p || return
	[ "$(promiscuity)" = 0 ] || fail "promiscuity $(promiscuity) with -p" || return
	kill -INT $CAP_PID; wait $CAP_PID
	log "promiscuous while capturing (membership, undone at close); not with -p"
}

# The rings' data areas, as tcpdump maps them: "RINGS TOTAL_BYTES" (each
# ring is mapped with one page of its own, which does not count; so are
# own rings' doorbell and ring buffers' consumer pages, of a page or two).
ring_mappings() {
	local name=bpf-map range size rings=0 total=0
	[ "${PCAP_XDP_TRANSPORT:-}" = perf ] && name=perf_event
	for range in $(awk -v name="$name" '$0 ~ name { print $1 }' "/proc/$1/maps"); do
		size=$((0x${range#*-} - 0x${range%-*}))
		[ "$size" -gt 8192 ] || continue
		rings=$((rings + 1))
		total=$((total + size - 4096))
	done
	echo "$rings $total"
}

test_buffer_size() {
	attach xdp_echo
	local kib rings total transport rss slop
	for transport in own ringbuf perf; do
		export PCAP_XDP_TRANSPORT=$transport
		for kib in 4096 1000; do
			capture_bg -B $kib || return
			read -r rings total <<< "$(ring_mappings $CAP_PID)"
			# Fill the rings: every page of them is then resident.
			$P ping -q -f -c 3000 -s 1400 "$ADDR" > /dev/null 2>&1
			rss=$(awk '/VmHWM/ { print $2 }' /proc/$CAP_PID/status)
			kill -INT $CAP_PID; wait $CAP_PID
			[ "$rings" -eq "$(nproc)" ] || fail "$transport: $rings rings for $(nproc) CPUs" || return
			# An own ring's chunks (of 2 MiB at most) have a control
			# page and 64 KiB of slop each (bpf/xdp_capture.h).
			slop=0
			[ $transport = own ] &&
				slop=$((rings * 69632 * ((kib * 1024 / rings + 2097151) / 2097152)))
			[ "$total" -le $((kib * 1024 + slop)) ] && [ "$total" -gt $((kib * 1024 / 2)) ] ||
				fail "$transport, -B $kib: $total bytes of rings" || return
			[ "$rss" -le $((kib + 16384)) ] ||
				fail "$transport, -B $kib: tcpdump's resident memory reached $rss KiB" || return
			log "$transport, -B $kib: $rings rings, $total bytes; tcpdump's peak RSS $rss KiB"
		done
	done
}

# The libraries a library needs (NEEDED), sorted: of the system's libpcap
# (Debian's) and libbpf, for one we built (but for AddressSanitizer's
# runtime, in a sanitized build).
MULTIARCH_LIB=/usr/lib/$(${CC:-cc} -print-multiarch)
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | grep -v '^libasan\.' | sort; }
debian_needed() { { needed "$MULTIARCH_LIB/libpcap.so.0.8"; echo libbpf.so.1; } | sort; }

test_install() {
	make -s -C "$BUILD" install DESTDIR="$TMP/dest" > "$TMP/install.log" 2>&1 ||
		{ tail "$TMP/install.log"; fail "make install failed"; return; }
	local root="$TMP/dest$(sed -n 's/^prefix = //p' "$BUILD/Makefile")" f
	for f in lib/libpcap.so.0.8 lib/libpcap.a include/pcap.h include/pcap/pcap.h \
		bin/pcap-config lib/pkgconfig/libpcap.pc libexec/pcap-xdp-helper \
		share/man/man7/pcap-xdp.7 share/man/man8/pcap-xdp-helper.8; do
		[ -e "$root/$f" ] || { fail "make install did not install $f"; return; }
	done
	readelf -d "$root/lib/libpcap.so.0.8" | grep -q 'SONAME.*\[libpcap.so.0.8\]' ||
		fail "installed library's SONAME is not libpcap.so.0.8" || return
	[ "$(needed "$root/lib/libpcap.so.0.8")" = "$(debian_needed)" ] ||
		fail "the library needs $(echo $(needed "$root/lib/libpcap.so.0.8")), not $(echo $(debian_needed))" || return
	make -s -C "$BUILD" uninstall DESTDIR="$TMP/dest" > "$TMP/install.log" 2>&1 ||
		{ tail "$TMP/install.log"; fail "make uninstall failed"; return; }
	f=$(find "$TMP/dest" ! -type d)
	[ -z "$f" ] || fail "make uninstall left $(echo $f)" || return
	log "make install: libpcap.so.0.8 (SONAME kept), headers, pcap-config, libpcap.pc, helper, man pages; make uninstall: all gone"
}

# make dist: the sources, all of them (those git knows, where it does), and
# no build products (the build tree is this one, but a tree built in place
# would offer its objects too).
test_dist() {
	local d=$TMP/dist f elf=""
	make -s -C "$BUILD" distdir distdir="$d" > "$TMP/dist.log" 2>&1 ||
		{ tail "$TMP/dist.log"; fail "make distdir failed"; return; }
	for f in LICENSE autogen.sh configure doc/pcap-xdp.7 tools/make-deb.sh \
	    patches/libpcap-debian.patch; do
		[ -f "$d/$f" ] || { fail "make dist leaves out $f"; return; }
	done
	for f in $(find "$d" -type f); do
		[ "$(head -c 4 "$f" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] && elf="$elf ${f#$d/}"
	done
	[ -z "$elf" ] || fail "make dist ships build products:$elf" || return
	if [ -d "$SRC/.git" ] && command -v git > /dev/null; then
		f=$(cd "$SRC" && git ls-files | grep -v '^\.\|/\.gitkeep$' |
			while read -r f; do [ -e "$d/$f" ] || echo "$f"; done)
		[ -z "$f" ] || fail "make dist leaves out $(echo $f)" || return
	fi
	log "make dist: $(find "$d" -type f | wc -l) files, every source, no build products"
}

# Without deb-src entries or a way to the registry, the build can't fetch
# Debian's source: it says so, and how to build from a tree you have, and
# leaves no deb-src file in /etc/apt (an apt-get that fails as apt does
# without deb-src stands in for the machine).
test_fetch_without_deb_src() {
	mkdir "$TMP/bin"
	printf '%s\n' '#!/bin/sh' \
		"echo \"E: You must put some 'deb-src' URIs in your sources.list\" >&2" \
		'exit 100' > "$TMP/bin/apt-get"
	chmod +x "$TMP/bin/apt-get"
	PATH="$TMP/bin:$PATH" "$SRC/tools/fetch-libpcap.sh" "$TMP/libpcap" > "$TMP/out" 2>&1 &&
		{ cat "$TMP/out"; fail "the fetch succeeded"; return; }
	grep -q -- "--with-libpcap-src=DIR" "$TMP/out" ||
		{ cat "$TMP/out"; fail "no hint of --with-libpcap-src"; return; }
	[ -z "$(ls /etc/apt/sources.list.d/pcap-xdp-deb-src.* 2>/dev/null)" ] ||
		fail "a deb-src file left in /etc/apt" || return
	log "$(grep -m1 "can't fetch" "$TMP/out")"
}

# The packages make deb built (make check builds them first; check.sh
# too): what they hold and need, and then, installed for real in place of
# Debian's, the system's tcpdump capturing through them, with nothing of
# the build tree; Debian's packages are put back afterwards, whatever
# happens.  Where Debian's packages can't be fetched to put back (in the
# guest of tools/in-debian-kernel.sh, which has no network), it installs
# nothing.
DEB_PACKAGES="libpcap0.8 libpcap0.8-dev libpcap-dev"
deb_file() { ls "$BUILD/deb/$1"_*.deb 2>/dev/null; }
deb_files() { local p; for p in $DEB_PACKAGES; do deb_file $p; done; }
# The packages a Depends field names, but libbpf1, sorted.
deb_depends() { tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep -v '^libbpf1$' | sort; }
# What lintian says of packages: "E: tag" lines, sorted.
lintian_tags() { lintian "$@" 2>/dev/null | awk '/^[EWI]: / { print $1, $3 }' | sort -u; }

# Debian's packages, as they were: each installed one put back from DIR,
# the others removed.
deb_restore() {	# deb_restore DIR
	local pkg files="" others=""
	for pkg in $DEB_PACKAGES; do
		if [ -f "$1/$pkg.version" ]; then
			files="$files $(ls "$1/$pkg"_*.deb)"
		else
			others="$others $pkg"
		fi
	done
	# shellcheck disable=SC2086
	{ [ -z "$others" ] || dpkg --purge $others; } > "$1/restore.log" 2>&1 &&
		dpkg -i $files >> "$1/restore.log" 2>&1 && return
	cat "$1/restore.log"
	log "FAIL: Debian's packages could not be put back: the +xdp1 ones are still installed"
}

# What the packages hold and need, and their version.
deb_check_packages() {
	local pkg f ours theirs lib=$MULTIARCH_LIB
	for pkg in $DEB_PACKAGES; do
		[ -n "$(deb_file $pkg)" ] || { fail "no $pkg package in $BUILD/deb (make deb)"; return; }
	done
	f=$(deb_file libpcap0.8)
	dpkg-deb -c "$f" > "$TMP/contents"
	for ours in "$lib/libpcap.so.0.8" "$lib/pcap-xdp/pcap-xdp-helper" \
	    /usr/share/man/man7/pcap-xdp.7.gz /usr/share/man/man8/pcap-xdp-helper.8.gz; do
		grep -q " .$ours\( \|$\)" "$TMP/contents" || { fail "libpcap0.8 lacks $ours"; return; }
	done
	# Debian's dependencies, and libbpf's.
	ours=$(dpkg-deb -f "$f" Depends | deb_depends)
	theirs=$(dpkg-query -W -f='${Depends}' libpcap0.8 | deb_depends)
	[ "$ours" = "$theirs" ] || fail "depends on $(echo $ours), Debian's on $(echo $theirs)" || return
	dpkg-deb -f "$f" Depends | grep -q 'libbpf1' || fail "no dependency on libbpf1" || return
	dpkg-deb -x "$f" "$TMP/x"
	[ "$(needed "$TMP/x$lib/libpcap.so.0.8")" = "$(debian_needed)" ] ||
		fail "the library needs $(echo $(needed "$TMP/x$lib/libpcap.so.0.8")), not $(echo $(debian_needed))" || return
	# Above Debian's own updates of its version.
	ours=$(dpkg-query -W -f='${Version}' libpcap0.8)
	dpkg --compare-versions "$(dpkg-deb -f "$f" Version)" gt "${ours%%+deb*}+deb12u9" ||
		fail "version $(dpkg-deb -f "$f" Version) sorts below Debian's updates" || return
}

test_deb_install() {
	local pkg f ours theirs lib=$MULTIARCH_LIB
	# Not local: the trap that puts Debian's packages back runs after the
	# function's variables are gone.
	orig=$TMP/orig
	deb_check_packages || return

	# Debian's packages of the version installed: to compare, and to put
	# back those that are installed.
	mkdir "$orig"
	for pkg in $DEB_PACKAGES; do
		(cd "$orig" && apt-get download -q "$pkg=$(dpkg-query -W -f='${Version}' libpcap0.8)" \
			> /dev/null 2>&1) ||
			{ skip "can't fetch Debian's $pkg, to compare and put back"; return; }
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" &&
			dpkg-query -W -f='${Version}' "$pkg" > "$orig/$pkg.version"
	done
	# lintian: nothing that it does not say of Debian's own.
	# shellcheck disable=SC2046
	ours=$(lintian_tags $(deb_files))
	theirs=$(lintian_tags "$orig"/*.deb)
	f=$(comm -23 <(echo "$ours") <(echo "$theirs"))
	[ -z "$f" ] || fail "lintian, beyond what it says of Debian's: $(echo $f)" || return

	trap 'deb_restore "$orig"' EXIT
	# shellcheck disable=SC2046
	dpkg -i $(deb_files) > "$TMP/install.log" 2>&1 ||
		{ cat "$TMP/install.log"; fail "dpkg -i failed"; return; }

	attach xdp_echo
	ping_bg 40 0.1
	$X env -u LD_LIBRARY_PATH timeout 20 /usr/bin/tcpdump -i "xdp:$IF" -nn -c 5 icmp \
		> "$TMP/out" 2> "$TMP/err" || { cat "$TMP/err"; fail "tcpdump failed"; return; }
	[ "$(grep -c "ICMP echo request" "$TMP/out")" -eq 5 ] || { cat "$TMP/out"; fail "not 5 echo requests"; return; }
	f=$(env -u LD_LIBRARY_PATH ldd /usr/bin/tcpdump | awk '$1 == "libpcap.so.0.8" { print $3 }')
	[ "$(readlink -f "$f")" = "$(readlink -f "$lib/libpcap.so.0.8")" ] ||
		fail "tcpdump uses $f, not the package's $lib/libpcap.so.0.8" || return
	man -w pcap-xdp pcap-xdp-helper > /dev/null || fail "man pages not found" || return
	[ -z "$(leftover_pins)" ] || fail "pins left in bpffs: $(leftover_pins)" || return

	trap - EXIT
	deb_restore "$orig"
	for pkg in $DEB_PACKAGES; do
		[ -f "$orig/$pkg.version" ] || continue
		[ "$(dpkg-query -W -f='${Version}' "$pkg")" = "$(cat "$orig/$pkg.version")" ] ||
			fail "$pkg not put back" || return
	done
	dpkg -V libpcap0.8 || fail "Debian's libpcap0.8 not intact" || return
	log "$(basename "$(deb_file libpcap0.8)") installed: the system's tcpdump captured through it; Debian's packages put back"
}

# --- filters in the kernel ---------------------------------------------------------

# UDP datagrams from the peer, which an "icmp" filter rejects.
udp_bg() {	# udp_bg COUNT: UDP datagrams to port 9 from the peer; pid in UDP_PID
	$P bash -c 'for i in $(seq '"$1"'); do echo x > /dev/udp/'"$ADDR"'/9; sleep 0.02; done' \
		> /dev/null 2>&1 &
	UDP_PID=$!
}

# Waits until the capture file FILE (written with tcpdump -U) holds at
# least N frames; true if it does within a generous minute.
wait_captured() {	# wait_captured FILE N
	local i
	for i in $(seq 600); do
		[ "$($TCPDUMP -r "$1" 2>/dev/null | wc -l)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

filter_test() {	# filter_test ARGS...: runs filter-test, shows its summary
	"$FILTER_TEST" "$@" > "$TMP/filter" 2>&1
	local status=$?
	grep -v '^refused' "$TMP/filter" | tail -20 | sed 's/^/    /'
	return $status
}

# 342 expressions, optimized and unoptimized, on 2000 frames: the
# translation in the kernel against pcap_offline_filter().
test_filter_differential() { filter_test diff 2000; }

# Random programs and random expressions, for $FUZZ_SECONDS s.
test_filter_fuzz() { filter_test fuzz "${FUZZ_SECONDS:-15}"; }

# Loops are bounded: protochain follows 15 headers as libpcap does, more
# and the crafted AH frame are rejected, hand-made loops are bounded too.
test_filter_loops() { filter_test loops; }

# What the dump program the chain runs writes to its rings, record by
# record, on both transports (the differential test runs the filter alone).
test_filter_records() { filter_test records; }

# A refused filter's reason comes from a privileged load's verifier log,
# which shows kernel addresses: the application gets none.
test_filter_sanitize() { filter_test sanitize; }

# Anyone who can send frames can send the one crafted to make protochain
# loop (libpcap itself never ends on it): under "ip6 protochain 6" the hook
# must keep up with 100000 of them a second (it did 9600 when the kernel's
# loop ran 8192 passes), and reject them all.
test_filter_crafted_ah() {
	local received
	attach xdp_drop
	quiet_hosts
	capture_bg 'ip6 protochain 6' || return
	send_counted 100000 100000 ah-loop || return
	# The hook runs on the sender's CPU: a hook that can't keep up slows
	# the sender down.  Half the rate asked for leaves a margin of five
	# against the loop's cost before its bound.
	awk '{ exit $1 / $2 < 50000 }' "$TMP/gen" ||
		{ cat "$TMP/gen"; fail "the hook took the crafted frames at $(awk '{ printf "%.0f", $1 / $2 }' "$TMP/gen")/s"; return; }
	kill -INT $CAP_PID; wait $CAP_PID
	received=$(sed -n 's/^\([0-9]*\) packets\? received by filter/\1/p' "$TMP/err")
	[ "$received" = 0 ] || { cat "$TMP/err"; fail "$received crafted frames passed the filter"; return; }
	log "100000 crafted AH frames at $(awk '{ printf "%.0f", $1 / $2 }' "$TMP/gen")/s: the $REACHED at the hook all reached xdp_drop, none passed 'ip6 protochain 6'"
}

test_options_fuzz() {
	attach xdp_echo
	ping_bg 10000 0.01
	$X "$BUILD/tests/options-fuzz" "$IF" "${FUZZ_SECONDS:-15}" > "$TMP/fuzz" 2>&1
	local status=$?
	grep -v "^pcap-xdp: " "$TMP/fuzz" | tail -5 | sed 's/^/    /'
	[ $status = 0 ] || return 1
	for _ in $(seq 40); do [ -z "$(helper_pids)" ] && break; sleep 0.05; done
	[ -z "$(helper_pids)" ] || fail "helpers left running"
}

test_filter_in_kernel() {
	attach xdp_echo
	local captured received
	capture_bg -U icmp || return
	# The dump program in the chain is the one with the filter in it.
	bpftool prog show name pcapxdp_filter > "$TMP/prog" 2>&1
	grep -q pcapxdp_filter "$TMP/prog" || { cat "$TMP/prog"; fail "no kernel filter loaded"; return; }
	ping_bg 20 0.05
	udp_bg 150
	pings_answered 20 || { fail "pings lost"; return; }
	wait $UDP_PID
	wait_captured "$TMP/cap.pcap" 20 || { fail "the 20 echo requests did not reach the file"; return; }
	kill -INT $CAP_PID
	wait $CAP_PID
	captured=$(sed -n 's/^\([0-9]*\) packets captured/\1/p' "$TMP/err")
	received=$(sed -n 's/^\([0-9]*\) packets received by filter/\1/p' "$TMP/err")
	[ "$(filter_where icmp)" = kernel ] || { filter_where icmp; fail "the filter fell back"; return; }
	[ "$captured" = 20 ] || { cat "$TMP/err"; fail "$captured captured, expected the 20 echo requests"; return; }
	# Only ICMP left the kernel: "received by filter" counts no UDP.
	[ "$received" = "$captured" ] ||
		{ cat "$TMP/err"; fail "$received received by filter, $captured captured"; return; }
	log "icmp among 150 UDP datagrams: $captured captured, $received received by filter"
}

test_filter_snaplen_result() {
	attach xdp_echo
	ping_bg 30 0.1
	# The kernel copies the least of the filter's result (tcpdump's
	# programs return the snapshot length), the frame and -s 80.
	$X timeout 20 $TCPDUMP -i "xdp:$IF" -s 80 -c 3 -w "$TMP/cap.pcap" 'icmp and ip[8] > 0' 2> "$TMP/err" ||
		{ cat "$TMP/err"; fail "tcpdump failed"; return; }
	$TSHARK -r "$TMP/cap.pcap" -T fields -e frame.cap_len -e frame.len > "$TMP/lens" 2>/dev/null
	[ "$(sort -u "$TMP/lens")" = "$(printf '80\t98')" ] || { cat "$TMP/lens"; fail "expected 80 of 98 bytes"; return; }
	log "kernel filter with -s 80: caplen 80, len 98"
}

test_filter_protochain() {
	attach xdp_echo
	# IPv6 pings to all nodes: ICMPv6 after the IPv6 header.
	$P timeout 10 ping -6 -q -c 30 -i 0.1 ff02::1%$PEER_IF > /dev/null 2>&1 &
	ping_bg 30 0.1
	$X timeout 20 $TCPDUMP -i "xdp:$IF" -nn -c 5 'ip6 protochain 58' > "$TMP/out" 2> "$TMP/err" ||
		{ cat "$TMP/err"; fail "tcpdump failed"; return; }
	[ "$(filter_where 'ip6 protochain 58')" = kernel ] ||
		{ filter_where 'ip6 protochain 58'; fail "protochain fell back to userspace"; return; }
	[ "$(grep -c 'ICMP6' "$TMP/out")" -eq 5 ] || { cat "$TMP/out"; fail "expected 5 ICMPv6 frames"; return; }
	log "ip6 protochain 58 ran in the kernel: 5 ICMPv6 frames, no IPv4"
}

test_filter_direction() {
	attach xdp_echo
	ping_bg 40 0.1
	$X timeout 20 $TCPDUMP -i "xdp:$IF" -nn -c 3 'inbound and icmp' > "$TMP/out" 2> "$TMP/err" ||
		{ cat "$TMP/err"; fail "inbound captured nothing"; return; }
	[ "$(filter_where 'inbound and icmp')" = kernel ] ||
		{ filter_where 'inbound and icmp'; fail "inbound fell back"; return; }
	# outbound matches nothing: tcpdump waits until timeout ends it.
	$X timeout 2 $TCPDUMP -i "xdp:$IF" -nn -c 1 outbound > "$TMP/out" 2> "$TMP/err"
	[ $? = 124 ] || { cat "$TMP/err"; fail "tcpdump with outbound did not run until stopped"; return; }
	[ "$(grep -c ICMP "$TMP/out")" -eq 0 ] || { cat "$TMP/out"; fail "outbound captured frames"; return; }
	log "inbound: every frame at the hook; outbound: none"
}

test_filter_fallback() {
	attach xdp_echo
	# Ten loops, more than a dump program takes: the filter stays in userspace.
	local expr="icmp or protochain 6 or protochain 47 or protochain 50 or protochain 51 or protochain 132"
	ping_bg 40 0.1
	udp_bg 100
	$X timeout 20 $TCPDUMP -i "xdp:$IF" -nn -c 5 "$expr" > "$TMP/out" 2> "$TMP/err" ||
		{ cat "$TMP/err"; fail "tcpdump failed"; return; }
	[ "$(grep -c 'ICMP echo request' "$TMP/out")" -eq 5 ] || { cat "$TMP/out"; fail "wrong frames"; return; }
	# The reason, for pcap_geterr(); the helper writes nothing to stderr.
	filter_where "$expr" > "$TMP/where"
	grep -q "^the filter runs in userspace: .*loops" "$TMP/where" ||
		{ cat "$TMP/where"; fail "no reason why the filter runs in userspace"; return; }
	grep -q "runs in userspace" "$TMP/err" && { cat "$TMP/err"; fail "the helper wrote to stderr"; return; }
	log "$(cat "$TMP/where"); still 5 echo requests, no UDP"
}

test_bench_smoke() {
	# A short run of the benchmark, so that it keeps working.
	RUNS=1 "$SRC/bench/run.sh" 200000 > "$TMP/bench" 2>&1 || { cat "$TMP/bench"; fail "bench/run.sh failed"; return; }
	sed 's/^/    /' "$TMP/bench"
	[ "$(grep -c '^+ tcpdump' "$TMP/bench")" -eq 11 ] || { fail "rows missing"; return; }
	# Unaccounted frames, 4th column from the end: none.
	awk '/^\+ tcpdump/ && $(NF - 3) != 0 { bad = 1 } END { exit bad }' \
		"$TMP/bench" || fail "frames unaccounted for" || return
	grep -q "dump, everything, own ring" "$TMP/bench" || fail "no dump cost" || return
	grep -q "tcp port 80 or icmp" "$TMP/bench" || fail "no filter cost" || return
	[ "$(grep -c p99 "$TMP/bench")" -eq 3 ] || fail "latency rows missing" || return
}

# --- the libpcap API -------------------------------------------------------------

api() {	# api SUBCOMMAND [ARG]: runs xdp-api-test on xdp:xt0
	$X timeout 60 "$API" "$1" "xdp:$IF" ${2:+"$2"} > "$TMP/api" 2>&1
	local status=$?
	sed 's/^/    /' "$TMP/api"
	return $status
}

test_api_next_ex() { attach xdp_echo; ping_bg 100 0.1; api next-ex; }
test_api_count() { attach xdp_echo; ping_bg 100 0.1; api count; }
test_api_breakloop() { attach xdp_echo; api breakloop; }
test_api_timeout() { attach xdp_echo; api timeout; }
test_api_nonblock() { attach xdp_echo; api nonblock; }
test_api_select() { attach xdp_echo; ping_bg 100 0.05; api select; }
test_api_immediate() { attach xdp_echo; ping_bg 100 0.1; api immediate; }
test_api_direction() { attach xdp_echo; api direction; }
test_api_refilter() { attach xdp_echo; ping_bg 100 0.1; api refilter; }
test_api_recv() { attach xdp_echo; ping_bg 100 0.02; api recv; }
test_api_write_frames() { attach xdp_echo; ping_bg 100 0.05; api write-frames; }
test_api_wakeups() { attach xdp_echo; ping_bg 200 0.02; api wakeups; }
test_api_chroot() {
	attach xdp_echo
	local before
	before=$(hook)
	mkdir "$TMP/empty"
	ping_bg 100 0.05
	# In the chroot, a sanitized build's runtime can neither write its
	# log files nor scan for leaks (no /proc): it reports to stderr.
	$X env ASAN_OPTIONS=detect_leaks=0:log_path=stderr timeout 60 \
		"$API" chroot "xdp:$IF" "$TMP/empty" > "$TMP/api" 2>&1
	local status=$?
	sed 's/^/    /' "$TMP/api"
	[ $status = 0 ] || return 1
	[ "$(hook)" = "$before" ] || fail "hook was '$before', is '$(hook)'" || return
	[ -z "$(leftover_pins)" ] || fail "pins left in bpffs"
}

# Own rings are what a capture gets by default, where the kernel has what
# they need; BPF ring buffers, and perf-event rings (the fallback where the
# kernel has neither), when PCAP_XDP_TRANSPORT asks.
test_transport_default() {
	attach xdp_echo
	unset PCAP_XDP_TRANSPORT	# what a pass of the suite may choose
	capture_bg || return
	local bells
	bells=$(bpftool map list | grep -c 'name pcapxdp_bell')
	kill -INT $CAP_PID; wait $CAP_PID
	[ "$bells" = 1 ] || fail "$bells own rings' doorbells while capturing" || return
	log "own rings by default (a doorbell while capturing)"
}

# How an own ring's dump program publishes its position (the producer, at
# offset 0 of the control page, from r2 through r1): "release" (BPF's
# store-release), "xchg", or nothing found.
own_publish() {
	local id
	id=$(bpftool prog show | awk -F: '/ name pcapxdp_(filter|dump) / { id = $1 } END { print id }')
	bpftool prog dump xlated id "$id" opcodes 2>/dev/null | awk '
		/^ *db 21 00 00 10 01 00 00/ { print "release"; exit }
		/^ *db 21 00 00 e1 00 00 00/ { print "xchg"; exit }'
}

# Own rings publish each record with a store-release where the kernel has
# one (6.15), and with an exchange, a full barrier, in immediate mode, which
# has no flush tick to collect a record whose doorbell a reader going to
# sleep missed, and where the kernel has no store-release.
test_own_publish() {
	attach xdp_echo
	export PCAP_XDP_TRANSPORT=own
	local want=xchg got
	# Linux 6.15 brought load-acquire and store-release.
	printf '6.15\n%s\n' "$(uname -r | cut -d. -f1,2)" | sort -V -C && want=release
	capture_bg || return
	got=$(own_publish)
	kill -INT $CAP_PID; wait $CAP_PID
	[ "$got" = "$want" ] || fail "a capture publishes with '$got', not $want" || return
	capture_bg --immediate-mode || return
	got=$(own_publish)
	kill -INT $CAP_PID; wait $CAP_PID
	[ "$got" = xchg ] || fail "an immediate capture publishes with '$got', not xchg" || return
	log "own rings publish with $want, and in immediate mode with xchg ($(uname -r))"
}

# The whole suite runs on the transport PCAP_XDP_TRANSPORT names (own rings
# without it; check.sh gives each pass another), and the tests of each
# transport's core on the other two as well: test_own_tcpdump_echo and so on.
on_transport() {	# on_transport TRANSPORT TEST
	if [ "${PCAP_XDP_TRANSPORT:-own}" = "$1" ]; then
		log "the whole suite runs on $1 in this pass"
		return 0
	fi
	export PCAP_XDP_TRANSPORT=$1
	"$2"
}
for transport in own ringbuf perf; do
	for t in tcpdump_echo api_select api_immediate api_drops \
	    filter_in_kernel api_write_frames; do
		eval "test_${transport}_$t() { on_transport $transport test_$t; }"
	done
done

test_transport_unknown() {
	attach xdp_echo
	PCAP_XDP_TRANSPORT=carrier-pigeon $X $TCPDUMP -i "xdp:$IF" -c 1 > "$TMP/out" 2>&1
	grep -q 'PCAP_XDP_TRANSPORT is "carrier-pigeon"' "$TMP/out" || { cat "$TMP/out"; fail "no clear error"; return; }
	[ "$(hook_name)" = xdp_echo ] || fail "the hook changed" || return
	log "$(tail -1 "$TMP/out")"
}

test_api_drops() {
	attach xdp_echo
	# A flood the capture does not read for 2 s: its rings overflow.
	$P timeout 1.5 ping -q -f -s 1000 "$ADDR" > /dev/null 2>&1 &
	api drops 2
}

test_api_inject() {
	attach xdp_echo
	$P timeout 10 $TCPDUMP -i "$PEER_IF" -nn -c 3 ether proto 0x88b5 > "$TMP/peer" 2> "$TMP/peer.err" &
	local pid=$!
	wait_for "$TMP/peer.err" "listening on" || { fail "peer capture did not start"; return; }
	api inject || return 1
	wait $pid
	[ "$(grep -c 'ethertype Unknown (0x88b5)' "$TMP/peer")" -eq 3 ] ||
		{ cat "$TMP/peer"; fail "the peer did not receive the 3 injected frames"; return; }
	log "the peer received the 3 injected frames"
}

# --- errors: clear, and nothing changed --------------------------------------------

expect_error() {	# expect_error PATTERN CMD...: CMD fails, saying PATTERN
	local before
	before=$(hook)
	"${@:2}" > "$TMP/out" 2> "$TMP/err" && { fail "'${*:2}' succeeded"; return; }
	grep -q "$1" "$TMP/err" || { cat "$TMP/err"; fail "no '$1' in the error"; return; }
	[ "$(hook)" = "$before" ] || fail "hook changed from '$before' to '$(hook)'" || return
	[ -z "$(leftover_pins)" ] || fail "pins left in bpffs" || return
	[ -z "$(helper_pids)" ] || fail "a helper is left running" || return
	log "$(grep -m1 "$1" "$TMP/err")"
}

# A minimal container's /dev, with no null device: the capture starts.
test_empty_dev() {
	attach xdp_echo
	local before
	before=$(hook)
	ping_bg 30 0.1
	unshare -m sh -c "mount -t tmpfs none /dev &&
		exec $X timeout 20 $TCPDUMP -i xdp:$IF -nn -c 3 icmp" > "$TMP/out" 2> "$TMP/err" ||
		{ cat "$TMP/err"; fail "no capture without /dev/null"; return; }
	[ "$(grep -c 'ICMP echo request' "$TMP/out")" -eq 3 ] || { cat "$TMP/out"; fail "no capture"; return; }
	[ "$(hook)" = "$before" ] || fail "hook was '$before', is '$(hook)'" || return
	log "an empty /dev: 3 echo requests captured, '$before' restored"
}

# When the helper can't start, the error says why (here: it is no program).
test_error_helper_cannot_start() {
	attach xdp_echo
	printf 'not a program\n' > "$TMP/bad"
	chmod 755 "$TMP/bad"
	expect_error "Can't start the XDP capture helper .*: exec: Exec format error" \
		unshare -m sh -c "mount --bind $TMP/bad $HELPER && exec $X $TCPDUMP -i xdp:$IF -c 1"
}

test_error_no_such_device() {
	expect_error "No such device exists" $X $TCPDUMP -i xdp:nosuch0 -c 1
}

test_error_no_privileges() {
	attach xdp_echo
	expect_error "You don't have permission" $X setpriv --reuid=nobody --regid=nogroup \
		--clear-groups --inh-caps=-all --bounding-set=-all $TCPDUMP -i "xdp:$IF" -c 1
}

test_error_bpffs_unusable() {
	attach xdp_echo
	# Another file system where bpffs belongs, in a mount namespace of its own.
	expect_error "bpffs is unusable" unshare -m sh -c \
		"umount /sys/fs/bpf 2>/dev/null; mount -t tmpfs none /sys/fs/bpf &&
		 $X $TCPDUMP -i xdp:$IF -c 1"
}

test_error_ip_netns_exec() {
	attach xdp_echo
	# ip netns exec remounts /sys: bpffs is not there, and a bpffs mounted
	# in its private mount namespace would die with the capture.
	expect_error "ip netns exec. hides it" ip netns exec "$NS_X" $TCPDUMP -i "xdp:$IF" -c 1
}

test_error_device_bound() {
	$X "$ATTACH" "$IF" "$BUILD/bpf/xdp_echo.bpf.o" devbound 2> "$TMP/attach.err" ||
		{ skip "this kernel can't attach a device-bound program: $(cat "$TMP/attach.err")"; return; }
	expect_error "can.t be tail-called" $X $TCPDUMP -i "xdp:$IF" -c 1
}

test_error_offloaded() {
	[ -d /sys/bus/netdevsim ] ||
		{ skip "no netdevsim here, the only way to offload an XDP program without the hardware"; return; }
	fail "offload test not written for netdevsim"
}

test_bpffs_root_only() {
	attach xdp_echo
	local nobody="setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all"
	local before modes
	capture_bg || return
	before=$(find "$PIN_ROOT" | sort | xargs stat -c '%n %a %U')
	# The root, each chain's directory, and its pins: root's alone.
	modes=$(find "$PIN_ROOT" -newer "$TMP/pins.before" -o -path "$PIN_ROOT" | xargs stat -c '%a %U' | sort -u | tr '\n' ' ')
	[ "$modes" = "600 root 700 root " ] || { find "$PIN_ROOT" | xargs stat -c '%n %a %U'; fail "modes: $modes"; return; }
	$X $nobody ls "$PIN_ROOT" > /dev/null 2>&1 && { fail "nobody can list $PIN_ROOT"; return; }
	$X $nobody bpftool map show pinned "$(find "$PIN_ROOT" -name slots | head -1)" > /dev/null 2>&1 &&
		{ fail "nobody can open the chain's pins"; return; }
	$X $nobody "$HELPER" --cleanup "$IF" > "$TMP/out" 2>&1 && { fail "nobody ran the cleanup"; return; }
	grep -q "only root can clean up" "$TMP/out" || { cat "$TMP/out"; fail "no clear error for nobody's cleanup"; return; }
	[ "$(hook_name)" = pcapxdp_entry ] || fail "the chain is gone: $(hook_name)" || return
	[ "$(find "$PIN_ROOT" | sort | xargs stat -c '%n %a %U')" = "$before" ] || fail "bpffs changed" || return
	kill -INT $CAP_PID; wait $CAP_PID
	log "bpffs state is root's alone (modes $modes); nobody's cleanup: $(head -1 "$TMP/out")"
}

# --- set-ups of the field: bpf_link, attach types, L3 devices -------------------------

# No frames at xt0 but the generator's: no program on the peer to bounce
# them back, no IPv6 chatter.
quiet_hosts() {
	$P ip link set dev "$PEER_IF" xdp off
	$P sysctl -qw "net.ipv6.conf.$PEER_IF.disable_ipv6=1"
	$X sysctl -qw "net.ipv6.conf.$IF.disable_ipv6=1"
}

# Frames that reached xt0's hook: veth counts every frame its XDP program
# sees (a frame its ring had no room for never got there).
at_hook() { $X ip -s link show "$IF" | awk '/RX:/ { getline; print $2; exit }'; }

# Sends FRAMES 64-byte frames (xdp-gen's KIND, UDP by default) from the
# peer at RATE a second, and waits for xdp_drop on xt0 to have counted
# every frame that reached the hook: exactly those, in REACHED.
send_counted() {	# send_counted FRAMES RATE [KIND]
	local before hook0 counted last=-1
	before=$(drop_count)
	hook0=$(at_hook)
	$P taskset -c 0 "$BUILD/bench/xdp-gen" "$PEER_IF" "$(mac_of "$IF")" "$1" 64 "$2" 0 "${3:-udp}" > "$TMP/gen" 2>&1 ||
		{ cat "$TMP/gen"; fail "the generator failed"; return; }
	[ "$(awk '{ print $1 }' "$TMP/gen")" = "$1" ] || { cat "$TMP/gen"; fail "the generator sent too few"; return; }
	for _ in $(seq 200); do
		REACHED=$(($(at_hook) - hook0))
		counted=$(($(drop_count) - before))
		[ "$counted" = "$REACHED" ] && [ "$REACHED" = "$last" ] && break
		last=$REACHED
		sleep 0.05
	done
	# A slow machine's veth may drop some before the hook; not most.
	[ $((REACHED * 2)) -ge "$1" ] || fail "only $REACHED of $1 frames reached the hook" || return
	[ "$counted" = "$REACHED" ] || fail "xdp_drop counted $counted frames of the $REACHED that reached the hook"
}

# "ID PROG_ID" of bpf_link ID: the program it runs.
link_state() {
	bpftool -j link show id "$1" 2>/dev/null | grep -o '"prog_id":[0-9]*' | sed "s/.*:/$1 /"
}

# Attaches PROGRAM to xt0 through a bpf_link, with xdp-attach's OPTIONS:
# the link's id in LINK_ID, the loader's pid in LINK_PID (which holds the
# link until killed, unless it pinned it).
link_attach() {	# link_attach PROGRAM [OPTION...]
	$X "$ATTACH" "$IF" "$BUILD/bpf/$1.bpf.o" link "${@:2}" > "$TMP/link" 2>&1 &
	LINK_PID=$!
	wait_for "$TMP/link" "^link [0-9]" || { cat "$TMP/link"; fail "can't attach $1 through a bpf_link"; return; }
	LINK_ID=$(awk '/^link/ { print $2 }' "$TMP/link")
}

# A capture of xdp_drop's hook through its bpf_link LINK_ID: during it,
# the link (same id) runs the chain's entry, and xdp_drop still counts
# every frame, which tcpdump receives all of; afterwards the link runs
# xdp_drop again, the hook is as before, in the same mode, and bpffs clean.
capture_through_link() {
	local before link_before received n=200000
	before=$(hook)
	link_before=$(link_state "$LINK_ID")
	[ "$link_before" = "$LINK_ID ${before% *}" ] || fail "link $LINK_ID runs '$link_before', the hook '$before'" || return
	capture_bg udp || return
	[ "$(hook_name)" = pcapxdp_entry ] || fail "the chain is not on the hook: $(hook_name)" || return
	[ "$(link_state "$LINK_ID")" = "$LINK_ID $(hook | cut -d' ' -f1)" ] ||
		fail "link $LINK_ID does not run the entry: '$(link_state "$LINK_ID")'" || return
	send_counted $n 200000 || return
	kill -INT $CAP_PID; wait $CAP_PID
	received=$(sed -n 's/^\([0-9]*\) packets\? received by filter/\1/p' "$TMP/err")
	[ "$received" = "$REACHED" ] || { cat "$TMP/err"; fail "tcpdump received $received frames of the $REACHED at the hook"; return; }
	[ "$(hook)" = "$before" ] || fail "hook was '$before', is '$(hook)'" || return
	[ "$(link_state "$LINK_ID")" = "$link_before" ] ||
		fail "link was '$link_before', is '$(link_state "$LINK_ID")'" || return
	[ -z "$(leftover_pins)" ] || fail "pins left in bpffs: $(leftover_pins)" || return
	log "link $LINK_ID: $REACHED of $n frames at the hook, all counted by xdp_drop and received by tcpdump; link runs '${link_before#* }' again, hook '$before'"
}

test_bpf_link_held() {
	quiet_hosts
	link_attach xdp_drop || return
	capture_through_link || return
	kill $LINK_PID; wait $LINK_PID
	[ "$(hook)" = "none " ] || fail "the loader exited, but '$(hook)' is on the hook"
}

test_bpf_link_pinned_generic() {
	quiet_hosts
	# veth takes redirected frames only with NAPI on, which a native
	# program or GRO turns on.
	$X ethtool -K "$IF" gro on > /dev/null
	link_attach xdp_drop skb "pin=$LINK_PIN" || return
	wait $LINK_PID || { cat "$TMP/link"; fail "the loader failed"; return; }
	[ "$(hook | cut -d' ' -f2)" = xdpgeneric ] || fail "not in generic mode: $(hook)" || return
	capture_through_link
}

test_bpf_link_guarded_update() {
	link_attach xdp_drop || return
	local before link_before
	before=$(hook)
	link_before=$(link_state "$LINK_ID")
	capture_bg || return
	# The owner's update that expects its program finds the entry.
	$X "$ATTACH" update "$LINK_ID" "$BUILD/bpf/xdp_pass.bpf.o" "expect=${before% *}" 2> "$TMP/update" &&
		{ fail "the owner's guarded update went through during the capture"; return; }
	grep -q "Operation not permitted" "$TMP/update" || { cat "$TMP/update"; fail "not EPERM"; return; }
	kill -0 $CAP_PID 2>/dev/null || { cat "$TMP/err"; fail "the capture ended"; return; }
	kill -INT $CAP_PID; wait $CAP_PID
	[ "$(link_state "$LINK_ID")" = "$link_before" ] || fail "link is '$(link_state "$LINK_ID")'" || return
	$X "$ATTACH" update "$LINK_ID" "$BUILD/bpf/xdp_pass.bpf.o" "expect=${before% *}" ||
		{ fail "the guarded update failed after the capture"; return; }
	log "the owner's guarded update: EPERM during the capture, fine after it"
}

test_bpf_link_plain_update() {
	link_attach xdp_drop || return
	local now
	capture_bg || return
	# The owner's plain update evicts the entry.
	$X "$ATTACH" update "$LINK_ID" "$BUILD/bpf/xdp_pass.bpf.o" || { fail "the owner's update failed"; return; }
	now=$(hook)
	capture_ends "Another program replaced the XDP program of $IF (now id ${now% *})" || return
	[ "$(hook)" = "$now" ] || fail "the capture clobbered the owner's program: $(hook), not $now" || return
	[ "$(link_state "$LINK_ID")" = "$LINK_ID ${now% *}" ] || fail "link is '$(link_state "$LINK_ID")'" || return
	log "$(grep -o 'pcap_loop: .*' "$TMP/err" | cut -c1-70)...; link $LINK_ID keeps '${now% *}'"
}

test_bpf_link_detached() {
	link_attach xdp_drop "pin=$LINK_PIN" || return
	capture_bg || return
	$X "$ATTACH" detach "$LINK_ID" || { fail "can't detach the link"; return; }
	capture_ends "The bpf_link of the XDP program of $IF was detached, or its owner exited" || return
	[ "$(hook)" = "none " ] || fail "the capture attached something again: $(hook)" || return
	log "$(grep -o 'pcap_loop: .*' "$TMP/err" | cut -c1-70)...; the hook stays empty"
}

test_bpf_link_owner_exits() {
	link_attach xdp_drop || return
	capture_bg || return
	kill $LINK_PID; wait $LINK_PID
	capture_ends "The bpf_link of the XDP program of $IF was detached, or its owner exited" || return
	[ "$(hook)" = "none " ] || fail "the capture attached something again: $(hook)" || return
	log "loader gone mid-capture: tcpdump ended, the hook stays empty"
}

test_bpf_link_crashes() {
	quiet_hosts
	link_attach xdp_drop || return
	local before link_before
	before=$(hook)
	link_before=$(link_state "$LINK_ID")
	# tcpdump killed: its helper puts the link's program back.
	capture_bg || return
	kill -9 $CAP_PID; wait $CAP_PID 2>/dev/null
	for _ in $(seq 100); do [ "$(link_state "$LINK_ID")" = "$link_before" ] && break; sleep 0.05; done
	[ "$(link_state "$LINK_ID")" = "$link_before" ] || fail "link not restored after SIGKILL: '$(link_state "$LINK_ID")'" || return
	# tcpdump and its helper killed: the chain keeps xdp_drop counting
	# every frame, until the next capture puts it back.
	crash_capture || return
	send_counted 100000 100000 || return
	capture_bg || return
	kill -INT $CAP_PID; wait $CAP_PID
	[ "$(link_state "$LINK_ID")" = "$link_before" ] || fail "the next capture left link '$(link_state "$LINK_ID")'" || return
	# ... or the cleanup command.
	crash_capture || return
	$X "$HELPER" --cleanup "$IF" || { fail "pcap-xdp-helper --cleanup failed"; return; }
	[ "$(link_state "$LINK_ID")" = "$link_before" ] || fail "--cleanup left link '$(link_state "$LINK_ID")'" || return
	[ "$(hook)" = "$before" ] || fail "hook was '$before', is '$(hook)'" || return
	[ -z "$(leftover_pins)" ] || fail "pins left in bpffs" || return
	log "link '$link_before' restored after each crash; the $REACHED frames at the hook all counted with the dead capture's chain"
}

# A program loaded without an expected attach type (raw bpf_prog_load()):
# the chain's programs must be loaded the same way.
test_attach_type_none() {
	$X "$ATTACH" "$IF" "$BUILD/bpf/xdp_echo.bpf.o" noattachtype || { fail "can't attach"; return; }
	echo_chained "a program without an expected attach type"
}

test_bpf_link_attach_type_none() {
	link_attach xdp_echo noattachtype || return
	local link_before
	link_before=$(link_state "$LINK_ID")
	echo_chained "a bpf_link's program without an expected attach type" || return
	[ "$(link_state "$LINK_ID")" = "$link_before" ] || fail "link is '$(link_state "$LINK_ID")', not '$link_before'"
}

# An L3 device: generic XDP sees its frames from the IP header on.
test_tun_l3() {
	local tun=pxtun0 before pinger
	[ -e /dev/net/tun ] || modprobe tun
	$X ip tuntap add dev $tun mode tun && $X ip addr add 10.199.2.1/24 dev $tun &&
		$X ip link set $tun up || { fail "can't make $tun"; return; }
	$X "$BUILD/tests/tun-ping" $tun 10.199.2.2 10.199.2.1 400 50 > "$TMP/tun" 2>&1 &
	pinger=$!
	# No program there: the capture goes where the frames are, generic XDP.
	$X timeout 20 $TCPDUMP -i "xdp:$tun" -nn -c 3 icmp > "$TMP/out" 2> "$TMP/err" ||
		{ cat "$TMP/err" "$TMP/tun"; fail "tcpdump failed"; return; }
	grep -q "link-type RAW" "$TMP/err" || { cat "$TMP/err"; fail "not link-type RAW"; return; }
	[ "$(grep -c 'IP 10.199.2.2 > 10.199.2.1: ICMP echo request' "$TMP/out")" -eq 3 ] ||
		{ cat "$TMP/out"; fail "echo requests not decoded"; return; }
	[ "$(IF=$tun hook)" = "none " ] || fail "left on the hook: $(IF=$tun hook)" || return
	# A generic program of the user's, and a filter on addresses.
	$X ip link set dev $tun xdpgeneric obj "$BUILD/bpf/xdp_pass.bpf.o" sec xdp
	before=$(IF=$tun hook)
	$X timeout 20 $TCPDUMP -i "xdp:$tun" -nn -c 3 host 10.199.2.2 > "$TMP/out" 2> "$TMP/err" ||
		{ cat "$TMP/err"; fail "tcpdump with a host filter failed"; return; }
	[ "$(grep -c 'IP 10.199.2.2 > 10.199.2.1: ICMP echo request' "$TMP/out")" -eq 3 ] ||
		{ cat "$TMP/out"; fail "the host filter saw no echo requests"; return; }
	[ "$(IF=$tun hook)" = "$before" ] || fail "hook was '$before', is '$(IF=$tun hook)'" || return
	kill $pinger 2>/dev/null
	log "$(grep -o 'link-type [^,]*' "$TMP/err"): 'icmp' and 'host' match; '$before' restored"
}

test_error_interface_down() {
	attach xdp_echo
	$X ip link set "$IF" down
	expect_error "That device is not up" $X $TCPDUMP -i "xdp:$IF" -c 1
}

# --- attacks: a compromised application, other local users -------------------------

# Runs an attack of tests/hostile-client (as root, then as nobody, as
# tcpdump would be); true if it says ok and the hook is restored after.
hostile() {	# hostile ATTACK
	local before
	before=$(hook)
	$X "$HOSTILE" "$HELPER" "$IF" "$1" > "$TMP/hostile" 2>&1 ||
		{ cat "$TMP/hostile"; fail "the attack $1 was not refused"; return; }
	sed 's/^/    /' "$TMP/hostile"
	for _ in $(seq 100); do [ "$(hook)" = "$before" ] && break; sleep 0.05; done
	[ "$(hook)" = "$before" ] || fail "hook was '$before', is '$(hook)'" || return
	[ -z "$(leftover_pins)" ] || fail "pins left in bpffs" || return
}

test_hostile_sizes() { attach xdp_echo; hostile sizes; }
test_hostile_ops() { attach xdp_echo; hostile ops; }
test_hostile_loop() { attach xdp_echo; hostile loop; }
test_hostile_counters() { attach xdp_echo; hostile counters; }
test_hostile_verifier() { attach xdp_echo; hostile verifier; }

# A request of the SETFILTER type, in xdp-protocol.h's layout, with the
# filter tcpdump compiles for EXPR: a seed for the fuzzer.
setfilter_request() {	# setfilter_request EXPR
	$TCPDUMP -ddd -y EN10MB "$1" | perl -ne '
		if ($. == 1) { print pack("CCvV", 1, 2, 0, $_ * 8); next }
		my ($code, $jt, $jf, $k) = split;
		print pack("vCCV", $code, $jt, $jf, $k);'
}

# libFuzzer, with sanitizers, on the helper's handling of requests (the
# parsing, then the filter's translation), for $FUZZ_SECONDS s.
test_request_fuzz() {
	local expr i=0
	mkdir "$TMP/corpus"
	for expr in "ip6 protochain 6" "tcp port 80 or icmp" "vlan and udp" \
	    "ip[2:2] > 576 and len < 1000" "ip6[6] = 58" "mpls and ip"; do
		setfilter_request "$expr" > "$TMP/corpus/seed$i"
		[ "$(stat -c %s "$TMP/corpus/seed$i")" -gt 8 ] || { fail "no seed for '$expr'"; return; }
		i=$((i + 1))
	done
	# And what it found before (tests/fuzz-seeds), run first.
	cp "$SRC"/tests/fuzz-seeds/* "$TMP/corpus/"
	"$BUILD/tests/request-fuzz" -max_total_time="${FUZZ_SECONDS:-15}" \
		-max_len=40000 "$TMP/corpus" > "$TMP/fuzz" 2>&1 ||
		{ tail -40 "$TMP/fuzz"; fail "the fuzzer found a crash"; return; }
	log "$(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$TMP/fuzz"); $(ls "$TMP/corpus" | wc -l) inputs in the corpus"
}

# A client that never reads its replies can't wedge the helper: it ends
# the capture, and the hook is restored while the client still runs.
test_hostile_flood() {
	attach xdp_echo
	local before pid
	before=$(hook)
	$X "$HOSTILE" "$HELPER" "$IF" flood > "$TMP/hostile" 2>&1 &
	pid=$!
	for _ in $(seq 200); do
		[ "$(hook_name)" = pcapxdp_entry ] && break
		sleep 0.05
	done
	for _ in $(seq 200); do [ "$(hook)" = "$before" ] && break; sleep 0.05; done
	[ "$(hook)" = "$before" ] || { kill $pid; cat "$TMP/hostile"; fail "the helper is wedged: hook '$(hook)'"; return; }
	kill -0 $pid 2>/dev/null || { cat "$TMP/hostile"; fail "the client is gone"; return; }
	kill $pid; wait $pid
	[ -z "$(leftover_pins)" ] || fail "pins left in bpffs" || return
	log "$(grep -o 'the helper hung up.*' "$TMP/hostile"); hook '$before' restored meanwhile"
}

# The reader maps its own rings read-write (libpcap hands callbacks the
# frames where they are): one that writes garbage all over them, positions
# included, spoils its own capture only.  Another capture sees every frame,
# and the hook's program answers every ping.
test_hostile_scribble() {
	attach xdp_echo
	local before pid n
	before=$(hook)
	$X "$HOSTILE" "$HELPER" "$IF" scribble > "$TMP/hostile" 2>&1 &
	pid=$!
	wait_for "$TMP/hostile" "scribbling over" 30 ||
		{ kill $pid; cat "$TMP/hostile"; fail "the scribbler did not start"; return; }
	capture_bg -U icmp || { kill $pid; return 1; }
	ping_bg 40 0.05
	pings_answered 40 || { kill $pid; fail "pings were not all bounced"; return; }
	wait_captured "$TMP/cap.pcap" 40
	kill -INT $CAP_PID; wait $CAP_PID
	n=$($TCPDUMP -r "$TMP/cap.pcap" 2>/dev/null | grep -c "ICMP echo request")
	kill -0 $pid 2>/dev/null || { cat "$TMP/hostile"; fail "the scribbler is gone"; return; }
	kill $pid; wait $pid
	grep -q "^ok: scribble" "$TMP/hostile" || { cat "$TMP/hostile"; fail "the scribbler failed"; return; }
	[ "$n" -eq 40 ] || fail "the other capture saw $n of 40 echo requests" || return
	for _ in $(seq 100); do [ "$(hook)" = "$before" ] && break; sleep 0.05; done
	[ "$(hook)" = "$before" ] || fail "hook was '$before', is '$(hook)'" || return
	[ -z "$(leftover_pins)" ] || fail "pins left in bpffs" || return
	log "$(grep -o 'scribble: .*' "$TMP/hostile"); the other capture saw 40 of 40, 40/40 pings bounced"
}

# The application's stderr is a pipe nobody reads, full: the helper writes
# nothing there, so it leaves when the client goes, whatever it had to say.
test_hostile_stderr() {
	attach xdp_echo
	local before holder
	before=$(hook)
	mkfifo "$TMP/fifo"
	sleep 600 < "$TMP/fifo" & holder=$!
	exec 9> "$TMP/fifo"
	head -c 65536 /dev/zero >&9
	$X "$HOSTILE" "$HELPER" "$IF" quiet > "$TMP/hostile" 2>&9 ||
		{ exec 9>&-; kill $holder; cat "$TMP/hostile"; fail "the client failed"; return; }
	for _ in $(seq 100); do [ "$(hook)" = "$before" ] && break; sleep 0.05; done
	exec 9>&-
	kill $holder; wait $holder 2>/dev/null
	[ "$(hook)" = "$before" ] || fail "the helper is stuck on a full stderr: hook '$(hook)'" || return
	[ -z "$(leftover_pins)" ] || fail "pins left in bpffs" || return
	log "stderr a full pipe: the helper left when the client did, '$before' restored"
}

# Liveness used to be abstract unix names pcap-xdp/MAP_ID/SLOT, which any
# local user could bind: with all of them taken, a second capture got "Too
# many captures" (or, behind a squatted slot, saw nothing).  Liveness is
# root's now: the names mean nothing, and the second capture captures.
test_hostile_squatting() {
	attach xdp_echo
	local id names="" slot squatter
	capture_bg icmp || return
	id=$(bpftool map show name pcapxdp_slots | sed -n 's/^\([0-9]*\): .*/\1/p' | tail -1)
	for slot in $(seq 1 16); do names="$names pcap-xdp/$id/$slot"; done
	$X setpriv --reuid=nobody --regid=nogroup --clear-groups "$HOSTILE" squat $names > "$TMP/squat" 2>&1 &
	squatter=$!
	wait_for "$TMP/squat" "^bound" || { cat "$TMP/squat"; fail "the squatter did not start"; return; }
	ping_bg 30 0.1
	$X timeout 20 $TCPDUMP -i "xdp:$IF" -nn -c 3 icmp > "$TMP/out" 2> "$TMP/err2" ||
		{ kill $squatter; cat "$TMP/err2"; fail "the second capture failed"; return; }
	kill $squatter; wait $squatter
	[ "$(grep -c 'ICMP echo request' "$TMP/out")" -eq 3 ] ||
		{ cat "$TMP/out"; fail "the second capture saw nothing"; return; }
	kill -INT $CAP_PID; wait $CAP_PID
	log "nobody $(cat "$TMP/squat") of the chain's (map $id); the second capture took 3 echo requests"
}

# --- crashes -------------------------------------------------------------------------

test_sigkill_tcpdump() {
	attach xdp_echo
	local before i
	before=$(hook)
	ping_bg 60 0.05
	capture_bg || return
	sleep 0.5
	kill -9 $CAP_PID
	wait $CAP_PID 2>/dev/null
	# The helper sees the socket close and restores the hook.
	for i in $(seq 40); do [ "$(hook)" = "$before" ] && break; sleep 0.05; done
	[ "$(hook)" = "$before" ] || fail "hook not restored after SIGKILL: $(hook)" || return
	pings_answered 60 || { fail "pings lost around the SIGKILL"; return; }
	[ -z "$(helper_pids)" ] || fail "the helper did not exit" || return
	log "hook '$before' restored by the helper; 60/60 pings bounced throughout"
}

test_sigkill_everything() {
	attach xdp_echo
	local before
	before=$(hook)
	crash_capture || return
	# The dead capture's chain keeps the echo program running.
	[ -n "$(leftover_pins)" ] || fail "the chain's maps are not pinned" || return
	ping_bg 20 0.05
	pings_answered 20 || { fail "the echo program stopped answering"; return; }
	# The next capture removes what the dead one left.
	ping_bg 20 0.1
	$X timeout 20 $TCPDUMP -i "xdp:$IF" -nn -c 3 icmp > "$TMP/out" 2> "$TMP/err" ||
		{ cat "$TMP/err"; fail "the next capture failed"; return; }
	[ "$(hook)" = "$before" ] || fail "hook not restored by the next capture: $(hook)" || return
	[ -z "$(leftover_pins)" ] || fail "pins left" || return
	log "after kill -9 of tcpdump and its helper, pings still bounced; the next capture restored '$before'"
}

test_cleanup_command() {
	attach xdp_echo
	local before
	before=$(hook)
	crash_capture || return
	$X "$HELPER" --cleanup "$IF" || { fail "pcap-xdp-helper --cleanup failed"; return; }
	[ "$(hook)" = "$before" ] || fail "hook not restored by --cleanup: $(hook)" || return
	[ -z "$(leftover_pins)" ] || fail "pins left" || return
	log "pcap-xdp-helper --cleanup $IF restored '$before'"
}

test_two_captures() {
	attach xdp_echo
	local before p1
	before=$(hook)
	ping_bg 60 0.1
	# One capture in a pid namespace of its own: captures must see each
	# other alive whatever their pid namespaces.
	$X unshare --pid --fork timeout 20 $TCPDUMP -i "xdp:$IF" -nn -c 20 icmp > "$TMP/out1" 2> "$TMP/err1" &
	p1=$!
	wait_for "$TMP/err1" "listening on" || { cat "$TMP/err1"; fail "first capture did not start"; return; }
	$X timeout 20 $TCPDUMP -i "xdp:$IF" -nn -c 5 icmp > "$TMP/out2" 2> "$TMP/err2" ||
		{ cat "$TMP/err2"; fail "second capture failed"; return; }
	wait $p1 || { cat "$TMP/err1"; fail "first capture failed"; return; }
	[ "$(grep -c 'ICMP echo request' "$TMP/out1")" -eq 20 ] || fail "first capture missed packets" || return
	[ "$(grep -c 'ICMP echo request' "$TMP/out2")" -eq 5 ] || fail "second capture missed packets" || return
	pings_answered 60 || { fail "pings lost"; return; }
	[ "$(hook)" = "$before" ] || fail "hook not restored: $(hook)" || return
	[ -z "$(leftover_pins)" ] || fail "pins left" || return
	log "two captures (one in its own pid namespace) on one hook, 60/60 pings bounced, '$before' restored"
}

test_capture_leaves_middle() {
	attach xdp_echo
	local before a b c
	before=$(hook)
	ping_bg 100 0.05
	# A (slot 1) and B (slot 2); A leaves, its slot passes frames on to B;
	# C takes A's slot; then B and C leave.
	$X $TCPDUMP -l -i "xdp:$IF" -nn icmp > "$TMP/a" 2> "$TMP/a.err" & a=$!
	wait_for "$TMP/a.err" "listening on" || { fail "A did not start"; return; }
	$X $TCPDUMP -l -i "xdp:$IF" -nn icmp >> "$TMP/b" 2> "$TMP/b.err" & b=$!
	wait_for "$TMP/b.err" "listening on" || { fail "B did not start"; return; }
	sleep 0.5
	kill -INT $a; wait $a
	bpftool prog show name pcapxdp_pass > "$TMP/pass" 2>&1
	grep -q pcapxdp_pass "$TMP/pass" || { fail "no pass-through program in A's slot"; return; }
	: > "$TMP/b"
	for _ in $(seq 300); do
		[ "$(grep -c 'ICMP echo request' "$TMP/b")" -ge 10 ] && break
		sleep 0.1
	done
	[ "$(grep -c 'ICMP echo request' "$TMP/b")" -ge 10 ] || { fail "B stopped seeing frames when A left"; return; }
	$X $TCPDUMP -i "xdp:$IF" -nn -c 5 icmp > "$TMP/c" 2> "$TMP/c.err" & c=$!
	wait $c || { cat "$TMP/c.err"; fail "C failed"; return; }
	kill -INT $b; wait $b
	pings_answered 100 || { fail "pings lost"; return; }
	[ "$(hook)" = "$before" ] || fail "hook not restored: $(hook)" || return
	[ -z "$(leftover_pins)" ] || fail "pins left" || return
	log "B kept capturing after A left (pass-through in A's slot), C took the gap; '$before' restored"
}

# --- many captures -------------------------------------------------------------------

# Tail calls the xdp_tailcall program got for the last frame, once FRAMES
# more frames reached it (pings it drops).
tail_calls() {	# tail_calls FRAMES
	local before
	before=$(tailcall_value 1)
	$P ping -q -c "$1" -i 0.01 -W 0.1 "$ADDR" > /dev/null 2>&1
	[ "$(tailcall_value 1)" -ge $((before + $1)) ] || { echo "no frames reached it"; return; }
	tailcall_value 0
}

tailcall_value() {	# tailcall_value KEY: tailcall_depth[KEY], in decimal
	bpftool -j map lookup id "$TAILCALL_MAP" key "$1" 0 0 0 |
		sed -n 's/.*"formatted":{"key":[0-9]*,"value":\([0-9]*\)}.*/\1/p'
}

# Starts captures until N run, in CAPS; each gets its own snapshot length.
start_captures() {	# start_captures N
	local i
	for i in $(seq $((${#CAPS[@]} + 1)) "$1"); do
		$X $TCPDUMP -i "xdp:$IF" -s $((60 + i)) -w "$TMP/c$i.pcap" 2> "$TMP/c$i.err" &
		CAPS+=($!)
		wait_for "$TMP/c$i.err" "listening on" || { cat "$TMP/c$i.err"; fail "capture $i did not start"; return; }
	done
}

test_eight_captures() {
	attach xdp_echo
	local before i n want order
	# Filter, snapshot length, buffer (KiB), and the frames it must see of
	# 20 echo requests and 100 UDP datagrams to port 9.
	local -a filter=("icmp" "icmp[icmptype] == icmp-echo" "udp port 9" "udp"
		"ip" "icmp or udp port 9" "tcp" "udp and ip[8] > 0")
	local -a snap=(64 100 80 1500 200 96 68 262144)
	local -a buf=(1024 2048 4096 512 8192 1024 256 16384)
	local -a expect=(20 20 100 100 120 120 0 100)
	before=$(hook)
	CAPS=()
	for i in $(seq 0 7); do
		$X $TCPDUMP -U -i "xdp:$IF" -s "${snap[$i]}" -B "${buf[$i]}" -w "$TMP/c$i.pcap" "${filter[$i]}" 2> "$TMP/c$i.err" &
		CAPS+=($!)
		wait_for "$TMP/c$i.err" "listening on" || { cat "$TMP/c$i.err"; fail "capture $i did not start"; return; }
	done
	ping_bg 20 0.05
	udp_bg 100
	pings_answered 20 || { fail "pings lost with 8 captures"; return; }
	wait $UDP_PID
	# Each capture writes its frames at its next flush tick.
	for i in $(seq 0 7); do
		wait_captured "$TMP/c$i.pcap" "${expect[$i]}" ||
			{ fail "'${filter[$i]}' did not get its ${expect[$i]} frames"; return; }
	done
	# They leave in an order of their own.
	order=$(seq 0 7 | shuf | tr '\n' ' ')
	for i in $order; do kill -INT "${CAPS[$i]}"; wait "${CAPS[$i]}"; done
	for i in $(seq 0 7); do
		n=$($TCPDUMP -r "$TMP/c$i.pcap" 2> "$TMP/r.err" | wc -l)
		want=${expect[$i]}
		# Everything also holds the peer's neighbour discovery.
		[ "$n" = "$want" ] || { cat "$TMP/c$i.err"; fail "'${filter[$i]}' captured $n frames, not $want"; return; }
		grep -q "snapshot length ${snap[$i]}\$" "$TMP/r.err" || { cat "$TMP/r.err"; fail "capture $i: not -s ${snap[$i]}"; return; }
	done
	[ "$(hook)" = "$before" ] || fail "hook not restored: $(hook)" || return
	[ -z "$(leftover_pins)" ] || fail "pins left" || return
	log "8 captures, each its own filter, -s and -B, saw exactly their frames; left in the order $order; '$before' restored"
}

# A second pair of test hosts, with the same names, and so the same ifindex.
setup_second_hosts() {
	X2="nsenter --net=/var/run/netns/$NS_X-2"
	P2="nsenter --net=/var/run/netns/$NS_P-2"
	ip netns add "$NS_X-2" && ip netns add "$NS_P-2" &&
	ip link add "$IF" netns "$NS_X-2" type veth peer name "$PEER_IF" netns "$NS_P-2" &&
	$X2 ip link set "$IF" up && $P2 ip addr add "$PEER_ADDR/24" dev "$PEER_IF" &&
	$P2 ip link set "$PEER_IF" up &&
	$P2 ip link set dev "$PEER_IF" xdpdrv obj "$BUILD/bpf/xdp_pass.bpf.o" sec xdp &&
	$X2 ip link set dev "$IF" xdpdrv obj "$BUILD/bpf/xdp_echo.bpf.o" sec xdp &&
	$P2 ip neigh replace "$ADDR" lladdr "$($X2 ip -br link show "$IF" | awk '{ print $3 }')" dev "$PEER_IF"
}

test_netns_same_interface() {
	attach xdp_echo
	local before before2 idx idx2 n n2
	setup_second_hosts || { fail "can't make the second hosts"; return; }
	before=$(hook)
	before2=$($X2 ip link show "$IF" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p')
	idx=$($X ip -o link show "$IF" | cut -d: -f1)
	idx2=$($X2 ip -o link show "$IF" | cut -d: -f1)
	[ "$idx" = "$idx2" ] || { fail "the two $IF have ifindex $idx and $idx2"; return; }
	$X timeout 20 $TCPDUMP -i "xdp:$IF" -nn -c 20 icmp > "$TMP/out1" 2> "$TMP/err1" & CAPS=($!)
	$X2 timeout 20 $TCPDUMP -i "xdp:$IF" -nn -c 10 icmp > "$TMP/out2" 2> "$TMP/err2" & CAPS+=($!)
	wait_for "$TMP/err1" "listening on" && wait_for "$TMP/err2" "listening on" ||
		{ cat "$TMP/err1" "$TMP/err2"; fail "the captures did not start"; return; }
	# Different traffic on each: 20 pings here, 10 there, with other ids.
	ping_bg 20 0.05
	$P2 ping -q -c 10 -i 0.1 -W 1 "$ADDR" > "$TMP/ping2.out" 2>&1
	pings_answered 20 || { fail "pings lost"; return; }
	grep -q "10 received" "$TMP/ping2.out" || { cat "$TMP/ping2.out"; fail "pings lost in the second namespace"; return; }
	wait "${CAPS[@]}" || { cat "$TMP/err1" "$TMP/err2"; fail "a capture failed"; return; }
	n=$(grep -c 'ICMP echo request' "$TMP/out1")
	n2=$(grep -c 'ICMP echo request' "$TMP/out2")
	[ "$n" = 20 ] && [ "$n2" = 10 ] || { fail "captured $n and $n2, not 20 and 10"; return; }
	[ "$(sed -n 's/.* id \([0-9]*\),.*/\1/p' "$TMP/out2" | sort -u | wc -l)" = 1 ] || fail "frames of the other namespace" || return
	[ "$(hook)" = "$before" ] || fail "hook not restored: $(hook)" || return
	[ "$($X2 ip link show "$IF" | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p')" = "$before2" ] ||
		fail "the second hook not restored" || return
	[ -z "$(leftover_pins)" ] || fail "pins left" || return
	log "$IF (ifindex $idx) in two namespaces captured at once: 20 and 10 echo requests, each its own; both hooks restored"
}

# Frames xdp_drop counted, over all CPUs.
drop_count() {
	bpftool map dump name drop_count |
		grep -o '"value": [0-9]*' | awk '{ sum += $2 } END { print sum + 0 }'
}

test_churn_under_load() {
	local frames=${CHURN_FRAMES:-15000000} rate=1500000 gen t i r pids started=0 killed=0 left=0 sent counted hook0 reached
	attach xdp_drop
	quiet_hosts
	sleep 0.5
	counted=$(drop_count)
	hook0=$(at_hook)
	# The frames' hook runs on the generator's CPU; the captures, and
	# their helpers, on the other.
	$P taskset -c 0 "$BUILD/bench/xdp-gen" "$PEER_IF" "$(mac_of "$IF")" "$frames" 64 "$rate" > "$TMP/gen" 2>&1 &
	gen=$!
	# Captures join, leave, and are killed, at random, as long as frames
	# flow: at most 8 at a time.  One in four captures everything; the
	# others' filters reject the generator's frames.
	CAPS=()
	while kill -0 $gen 2>/dev/null; do
		r=$((RANDOM % 4))
		if [ ${#CAPS[@]} -lt 8 ] && { [ $r -lt 2 ] || [ ${#CAPS[@]} -eq 0 ]; }; then
			started=$((started + 1))
			$X taskset -c 1 $TCPDUMP -i "xdp:$IF" -w /dev/null -s $((64 + RANDOM % 1000)) \
				$([ $((RANDOM % 4)) != 0 ] && echo "tcp or udp port $((RANDOM % 1000 + 10))") \
				2> "$TMP/churn$started.err" &
			CAPS+=($!:$started)
		else
			i=$((RANDOM % ${#CAPS[@]}))
			t=${CAPS[$i]}
			case $r in
			2) # tcpdump ignores SIGINT until it has opened the device.
			   wait_for "$TMP/churn${t#*:}.err" "listening on"
			   kill -INT "${t%:*}" 2>/dev/null; left=$((left + 1)) ;;
			*) kill -9 "${t%:*}" 2>/dev/null; killed=$((killed + 1))
			   # Sometimes a helper too: a dead slot for the next join.
			   [ $((RANDOM % 2)) = 0 ] && kill -9 $(helper_pids | sort -n | tail -1) 2>/dev/null ;;
			esac
			{ wait "${t%:*}"; } 2>/dev/null
			CAPS=("${CAPS[@]:0:$i}" "${CAPS[@]:$((i + 1))}")
		fi
		sleep 0.$((RANDOM % 3))
	done 2> /dev/null	# bash's word of each capture killed
	wait $gen || { cat "$TMP/gen"; fail "the generator failed"; return; }
	for t in "${CAPS[@]}"; do
		wait_for "$TMP/churn${t#*:}.err" "listening on"
		kill -INT "${t%:*}" 2>/dev/null; wait "${t%:*}" 2>/dev/null
	done
	for _ in $(seq 100); do [ -z "$(helper_pids)" ] && break; sleep 0.05; done
	# What the helpers killed with their captures left.
	$X "$HELPER" --cleanup "$IF" || { fail "pcap-xdp-helper --cleanup failed"; return; }
	sent=$(awk '{ print $1 }' "$TMP/gen")
	counted=$(($(drop_count) - counted))
	reached=$(($(at_hook) - hook0))
	[ "$(hook_name)" = xdp_drop ] || fail "the hook holds $(hook_name), not xdp_drop" || return
	[ -z "$(leftover_pins)" ] || fail "pins left" || return
	# A slow machine's veth may drop frames before the hook: those never
	# reached it.  Every frame that did, xdp_drop counted once.
	[ $((reached * 2)) -ge "$sent" ] || fail "only $reached of $sent frames reached the hook" || return
	[ "$counted" = "$reached" ] ||
		{ $X ip -s link show "$IF"; fail "xdp_drop counted $counted frames of the $reached that reached the hook"; return; }
	log "$sent frames at $(awk '{ printf "%.2f", $1 / $2 / 1e6 }' "$TMP/gen") Mpps while $started captures joined, $left left, $killed were killed: xdp_drop counted the $reached that reached the hook"
}

test_tail_call_budget() {
	local pin=/sys/fs/bpf/pxt-jmp-$$ n0 n1 n8 n16 status
	CAPS=()
	mount | grep -q " /sys/fs/bpf type bpf" || mount -t bpf bpf /sys/fs/bpf
	$X "$ATTACH" "$IF" "$BUILD/bpf/xdp_tailcall.bpf.o" "tailcall=$pin" ||
		{ fail "can't attach the tail-calling program"; return; }
	TAILCALL_MAP=$(bpftool map show | sed -n 's/^\([0-9]*\): array  name tailcall_depth .*/\1/p' | tail -1)
	(
		n0=$(tail_calls 3)
		[ "$n0" = 33 ] || { fail "alone, the program got $n0 tail calls, not 33"; exit; }
		# The chain costs the program one tail call per capture and the
		# entry's; kernels whose JIT counts a tail call to an empty slot
		# (6.1's; 6.18's does not) count the last capture's to the slot
		# after it too, where there is one (with 16 captures, none).
		start_captures 1 && n1=$(tail_calls 3)
		[ "$n1" = 31 ] || [ "$n1" = 30 ] || { fail "with 1 capture it got $n1 tail calls, not 31 (or 30)"; exit; }
		start_captures 8 && n8=$(tail_calls 3)
		[ $((n1 - n8)) = 7 ] || { fail "with 8 captures it got $n8 tail calls, not $((n1 - 7))"; exit; }
		start_captures 16 && n16=$(tail_calls 3)
		[ "$n16" = 16 ] || { fail "with 16 captures it got $n16 tail calls, not 16"; exit; }
		$X $TCPDUMP -i "xdp:$IF" -c 1 > /dev/null 2> "$TMP/err17" && { fail "a 17th capture started"; exit; }
		grep -q "Too many captures" "$TMP/err17" || { cat "$TMP/err17"; fail "no 'Too many captures'"; exit; }
		kill -INT "${CAPS[@]}"; wait "${CAPS[@]}"
		[ "$(tail_calls 3)" = 33 ] || { fail "after the captures, the program did not get its 33 tail calls back"; exit; }
		[ -z "$(leftover_pins)" ] || { fail "pins left"; exit; }
		log "tail calls left to a program that uses them ($(uname -r)): 33 alone, $n1 with 1 capture, $n8 with 8, $n16 with 16; a 17th refused"
	)
	status=$?
	rm -f "$pin"
	return $status
}

# --- the world changes underneath ---------------------------------------------------

# Waits for the capture in CAP_PID to end on its own; true if it did, with
# the error MESSAGE, within SECONDS.
capture_ends() {	# capture_ends MESSAGE [SECONDS]
	local i
	for i in $(seq $((${2:-3} * 20))); do
		kill -0 $CAP_PID 2>/dev/null || break
		sleep 0.05
	done
	kill -0 $CAP_PID 2>/dev/null && { fail "tcpdump still runs"; return; }
	wait $CAP_PID
	[ $? -eq 1 ] || { cat "$TMP/err"; fail "tcpdump did not exit with status 1"; return; }
	grep -q "pcap_loop: $1" "$TMP/err" || { cat "$TMP/err"; fail "no 'pcap_loop: $1'"; return; }
	grep -q "packets\? captured" "$TMP/err" || { cat "$TMP/err"; fail "tcpdump printed no statistics"; return; }
	$TCPDUMP -r "$TMP/cap.pcap" > /dev/null 2>&1 || fail "the capture file is unreadable" || return
	[ -z "$(leftover_pins)" ] || fail "pins left in bpffs" || return
	[ -z "$(helper_pids)" ] || fail "a helper is left running" || return
}

test_interface_deleted() {
	attach xdp_echo
	ping_bg 100 0.02
	capture_bg || return
	sleep 0.5
	$X ip link del "$IF"
	capture_ends "The interface disappeared" || return
	log "$(grep -o 'pcap_loop: .*' "$TMP/err"); $(grep "packets\\? captured" "$TMP/err"), file complete, bpffs clean"
}

# An interface moved to another network namespace keeps its XDP program,
# and so the chain: the capture ends, and the chain goes on running the
# program there until a cleanup in that namespace puts it back.
test_interface_moved() {
	attach xdp_echo
	local before X=$X
	before=$(hook)
	capture_bg || return
	ip netns add "$NS_X-2" && $X ip link set "$IF" netns "$NS_X-2" ||
		{ fail "can't move $IF"; return; }
	X="nsenter --net=/var/run/netns/$NS_X-2"
	$X ip link set "$IF" up
	for _ in $(seq 60); do kill -0 $CAP_PID 2>/dev/null || break; sleep 0.05; done
	kill -0 $CAP_PID 2>/dev/null && { fail "tcpdump still runs"; return; }
	wait $CAP_PID
	grep -q "pcap_loop: The interface disappeared" "$TMP/err" ||
		{ cat "$TMP/err"; fail "no 'The interface disappeared'"; return; }
	for _ in $(seq 100); do [ -z "$(helper_pids)" ] && break; sleep 0.05; done
	[ "$(hook_name)" = pcapxdp_entry ] || fail "the chain left the hook: $(hook_name)" || return
	ping_bg 20 0.02
	pings_answered 20 || { fail "the echo program stopped answering after the move"; return; }
	$X "$HELPER" --cleanup "$IF" || { fail "pcap-xdp-helper --cleanup failed"; return; }
	[ "$(hook)" = "$before" ] || fail "hook not restored: $(hook), not $before" || return
	[ -z "$(leftover_pins)" ] || fail "pins left: $(leftover_pins)" || return
	log "moved mid-capture: tcpdump ended, 20/20 pings answered through the chain there, cleanup restored '$before'"
}

test_program_replaced() {
	attach xdp_echo
	local now
	capture_bg || return
	# Another tool, without asking: "ip -force" replaces what is there.
	$X ip -force link set dev "$IF" xdpdrv obj "$BUILD/bpf/xdp_pass.bpf.o" sec xdp
	now=$(hook)
	capture_ends "Another program replaced the XDP program of $IF (now id ${now% *})" || return
	[ "$(hook)" = "$now" ] || fail "the capture clobbered the new program: $(hook), not $now" || return
	log "$(grep -o 'pcap_loop: .*' "$TMP/err" | cut -c1-60)...; '$now' stays"
}

test_program_removed() {
	attach xdp_echo
	capture_bg || return
	$X ip link set dev "$IF" xdpdrv off
	capture_ends "Another program removed the XDP program of $IF" || return
	[ "$(hook)" = "none " ] || fail "the capture attached something again: $(hook)" || return
	log "$(grep -o 'pcap_loop: .*' "$TMP/err" | cut -c1-60)...; the hook stays empty"
}

test_down_up() {
	attach xdp_echo
	local before n
	before=$(hook)
	$X $TCPDUMP -l -i "xdp:$IF" -nn icmp > "$TMP/out" 2> "$TMP/err" & CAP_PID=$!
	wait_for "$TMP/err" "listening on" || { cat "$TMP/err"; fail "tcpdump did not start"; return; }
	ping_bg 10 0.05
	pings_answered 10 || { fail "pings lost before"; return; }
	$X ip link set "$IF" down
	sleep 0.6	# past the helper's checks
	$X ip link set "$IF" up
	for _ in $(seq 40); do $P ping -c 1 -W 0.2 "$ADDR" > /dev/null 2>&1 && break; done
	ping_bg 10 0.05
	pings_answered 10 || { fail "pings lost after the interface came back"; return; }
	sleep 0.5
	kill -0 $CAP_PID 2>/dev/null || { cat "$TMP/err"; fail "tcpdump ended"; return; }
	kill -INT $CAP_PID; wait $CAP_PID
	n=$(grep -c 'ICMP echo request' "$TMP/out")
	[ "$n" -ge 21 ] || { cat "$TMP/err"; fail "$n echo requests captured, expected 21 or more"; return; }
	[ "$(hook)" = "$before" ] || fail "hook not restored: $(hook)" || return
	log "down and up again: tcpdump kept capturing ($n echo requests), '$before' restored"
}

test_lookupnet() {
	attach xdp_echo
	$X ip addr add 10.199.1.1/24 dev "$IF"
	ping_bg 20 0.1
	# With -f, tcpdump looks up the interface's network, and warns
	# when pcap_lookupnet() fails.
	$X timeout 20 $TCPDUMP -f -i "xdp:$IF" -nn -c 1 icmp > /dev/null 2> "$TMP/err" ||
		{ cat "$TMP/err"; fail "tcpdump failed"; return; }
	grep -q WARNING "$TMP/err" && { cat "$TMP/err"; fail "pcap_lookupnet failed on xdp:$IF"; return; }
	log "pcap_lookupnet(xdp:$IF) found the interface's address"
}

# --- runner ----------------------------------------------------------------------

# Shows the sanitizer reports the test made (in files, or in what it kept
# of stderr); false if there are any.
sanitizer_reports() {	# sanitizer_reports TMP
	[ -n "$SANITIZER_LOGS" ] || return 0
	local reports
	reports=$(grep -rl "ERROR: \(Address\|Leak\)Sanitizer" "$SANITIZER_LOGS" "$1" 2>/dev/null)
	[ -z "$reports" ] && return 0
	log "FAIL: sanitizer reports:"
	for f in $reports; do sed 's/^/    | /' "$f" | head -40; rm -f "$f"; done
	rm -f "$SANITIZER_LOGS"/asan.*
	return 1
}

run_test() {
	local name=$1 status
	echo "$name"
	setup_hosts || { teardown_hosts; log "FAIL: could not set up the test hosts"; return 1; }
	( set +e; "$name" )
	status=$?
	sanitizer_reports "$TMP" || status=1
	teardown_hosts
	return $status
}

main() {
	local tests passed=0 failed=0 skipped=0 status t failures="" start took
	[ "$(id -u)" = 0 ] || { echo "run-tests.sh: needs root" >&2; exit 1; }
	trap teardown_hosts EXIT
	if [ $# -gt 0 ]; then
		tests="$*"
	else
		tests=$(declare -F | awk '{ print $3 }' | grep '^test_')
	fi
	for t in $tests; do
		start=$(date +%s)
		run_test "$t"
		status=$?
		took="($(($(date +%s) - start)) s)"
		case $status in
		0) passed=$((passed + 1)); echo "  PASS $took" ;;
		77) skipped=$((skipped + 1)); echo "  SKIP $took" ;;
		*) failed=$((failed + 1)); failures="$failures $t"; echo "  FAIL $took" ;;
		esac
	done
	[ -n "$SANITIZER_LOGS" ] && rm -rf "$SANITIZER_LOGS"
	[ -z "$failures" ] || echo "failed:$failures"
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
}

main "$@"
