/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Checks of the libpcap API on an xdp: handle, one per subcommand, run by
 * run-tests.sh in the interface's network namespace while it sends (or
 * does not send) traffic.  Prints "ok: ..." and exits 0, or prints
 * "FAIL: ..." and exits 1.
 *
 *   xdp-api-test next-ex DEV		pcap_next_ex(), headers, wall-clock times
 *   xdp-api-test count DEV		pcap_loop()/pcap_dispatch() cnt semantics
 *   xdp-api-test breakloop DEV		pcap_breakloop() from a signal handler
 *   xdp-api-test timeout DEV		pcap_dispatch() returns at the timeout
 *   xdp-api-test nonblock DEV		non-blocking mode
 *   xdp-api-test select DEV		selectable fd readable while records wait
 *   xdp-api-test immediate DEV		immediate mode delivers without delay
 *   xdp-api-test drops DEV SECONDS	ps_recv == delivered + ps_drop, exactly
 *   xdp-api-test direction DEV		pcap_setdirection() IN/INOUT/OUT
 *   xdp-api-test inject DEV		pcap_inject() sends through the interface
 *   xdp-api-test findalldevs DEV NAME	DEV is listed, naming program NAME
 *   xdp-api-test refilter DEV		a filter too long for the kernel
 *					replaces one that ran there
 *   xdp-api-test recv DEV		ps_recv counts no frame a filter
 *					rejected, also after another filter
 *   xdp-api-test write-frames DEV	callbacks (pcap_loop, pcap_dispatch,
 *					pcap_next_ex) write every byte of each
 *					frame, and the next frames are intact
 *   xdp-api-test chroot DEV DIR		after activation, chroot to the empty
 *					DIR: filter, read, stats and close
 *   xdp-api-test wakeups DEV		select() and poll() wake once per
 *					flush tick, each time with frames
 *   xdp-api-test filter-where DEV EXPR	prints "kernel" if the filter runs
 *					there, or what pcap_geterr() says
 *					after pcap_setfilter() succeeded:
 *					why it runs in userspace
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/socket.h>

#include <pcap/pcap.h>

static const char *subcommand;

static void
fail(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: %s: ", subcommand);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
elapsed_since(double start)
{
	return now() - start;
}

struct options {
	int timeout_ms;
	int immediate;
	int buffer_size;
	int nano;
};

static pcap_t *
open_handle(const char *dev, const struct options *o)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p;
	int status;

	p = pcap_create(dev, errbuf);
	if (p == NULL)
		fail("pcap_create: %s", errbuf);
	pcap_set_snaplen(p, 262144);
	pcap_set_timeout(p, o->timeout_ms);
	if (o->immediate)
		pcap_set_immediate_mode(p, 1);
	if (o->buffer_size)
		pcap_set_buffer_size(p, o->buffer_size);
	if (o->nano &&
	    pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO) != 0)
		fail("nanosecond precision refused");
	status = pcap_activate(p);
	if (status < 0)
		fail("pcap_activate: %s: %s", pcap_statustostr(status),
		    pcap_geterr(p));
	if (pcap_datalink(p) != DLT_EN10MB)
		fail("data link type %d, expected EN10MB", pcap_datalink(p));
	return p;
}

/*
 * For the checks that want no traffic: a filter nothing matches, as the
 * peer's stack may still send a stray frame (IPv6 neighbour discovery).
 */
static void
filter_out_everything(pcap_t *p)
{
	struct bpf_program prog;

	if (pcap_compile(p, &prog, "ether proto 0x88b6", 1,
	    PCAP_NETMASK_UNKNOWN) != 0 || pcap_setfilter(p, &prog) != 0)
		fail("pcap_setfilter: %s", pcap_geterr(p));
	pcap_freecode(&prog);
}

static int delivered;

static void
count_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	(void)user;
	(void)bytes;
	if (h->caplen > h->len || h->caplen == 0)
		fail("caplen %u, len %u", h->caplen, h->len);
	delivered++;
}

static int
test_next_ex(const char *dev)
{
	struct options o = { 200, 0, 0, 0 };
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p = open_handle(dev, &o);
	double start = now(), ts;
	int got = 0, ret;

	while (got < 5 && elapsed_since(start) < 10) {
		ret = pcap_next_ex(p, &h, &data);
		if (ret < 0)
			fail("pcap_next_ex: %d %s", ret, pcap_geterr(p));
		if (ret == 0)
			continue;
		ts = (double)h->ts.tv_sec + (double)h->ts.tv_usec / 1e6;
		if (ts < start - 1 || ts > now() + 1)
			fail("time stamp %.6f, clock %.6f", ts, now());
		if (h->caplen != h->len || h->len < 42)
			fail("caplen %u len %u", h->caplen, h->len);
		/* An Ethernet frame from the peer: a unicast or broadcast MAC. */
		if (data[12] == 0 && data[13] == 0)
			fail("no EtherType in the frame");
		got++;
	}
	if (got < 5)
		fail("%d packets in 10 s", got);
	pcap_close(p);
	printf("ok: %s: 5 packets, times within a second\n", subcommand);
	return 0;
}

static int
test_count(const char *dev)
{
	struct options o = { 100, 0, 0, 0 };
	pcap_t *p = open_handle(dev, &o);
	int ret;

	ret = pcap_loop(p, 3, count_packet, NULL);
	if (ret != 0 || delivered != 3)
		fail("pcap_loop(3): returned %d after %d packets", ret,
		    delivered);
	delivered = 0;
	ret = pcap_dispatch(p, 2, count_packet, NULL);
	if (ret < 0 || ret > 2 || ret != delivered)
		fail("pcap_dispatch(2): returned %d after %d packets", ret,
		    delivered);
	pcap_close(p);
	printf("ok: %s: pcap_loop(3) gave 3, pcap_dispatch(2) gave %d\n",
	    subcommand, ret);
	return 0;
}

static pcap_t *signal_handle;

static void
on_alarm(int sig)
{
	(void)sig;
	pcap_breakloop(signal_handle);
}

static int
test_breakloop(const char *dev)
{
	/* Timeout 0: block until packets arrive; none are sent. */
	struct options o = { 0, 0, 0, 0 };
	struct sigaction sa;
	double start;
	int ret;

	signal_handle = open_handle(dev, &o);
	filter_out_everything(signal_handle);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART, like tcpdump */
	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	start = now();
	ret = pcap_loop(signal_handle, -1, count_packet, NULL);
	if (ret != PCAP_ERROR_BREAK)
		fail("pcap_loop returned %d, expected PCAP_ERROR_BREAK", ret);
	if (elapsed_since(start) > 1.5)
		fail("pcap_loop ended %.2f s after start, breakloop at 1 s",
		    elapsed_since(start));
	pcap_close(signal_handle);
	printf("ok: %s: pcap_loop ended %.2f s after start\n", subcommand,
	    elapsed_since(start));
	return 0;
}

static int
test_timeout(const char *dev)
{
	struct options o = { 300, 0, 0, 0 };
	pcap_t *p = open_handle(dev, &o);
	double start;
	int ret;

	filter_out_everything(p);
	start = now();
	ret = pcap_dispatch(p, -1, count_packet, NULL);
	if (ret != 0)
		fail("pcap_dispatch returned %d with no traffic", ret);
	if (elapsed_since(start) > 1.0)
		fail("pcap_dispatch returned after %.2f s, timeout 0.3 s",
		    elapsed_since(start));
	pcap_close(p);
	printf("ok: %s: pcap_dispatch returned 0 after %.2f s\n", subcommand,
	    elapsed_since(start));
	return 0;
}

static int
test_nonblock(const char *dev)
{
	struct options o = { 5000, 0, 0, 0 };
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = open_handle(dev, &o);
	double start;
	int ret;

	filter_out_everything(p);
	if (pcap_getnonblock(p, errbuf) != 0)
		fail("a new handle is non-blocking");
	if (pcap_setnonblock(p, 1, errbuf) != 0 ||
	    pcap_getnonblock(p, errbuf) != 1)
		fail("pcap_setnonblock: %s", errbuf);
	start = now();
	ret = pcap_dispatch(p, -1, count_packet, NULL);
	if (ret != 0 || elapsed_since(start) > 0.1)
		fail("pcap_dispatch returned %d after %.3f s", ret,
		    elapsed_since(start));
	pcap_close(p);
	printf("ok: %s: pcap_dispatch returned 0 at once\n", subcommand);
	return 0;
}

static int
fd_readable(int fd, double wait_s)
{
	struct timeval tv;
	fd_set set;

	tv.tv_sec = (time_t)wait_s;
	tv.tv_usec = (suseconds_t)((wait_s - (double)tv.tv_sec) * 1e6);
	FD_ZERO(&set);
	FD_SET(fd, &set);
	return select(fd + 1, &set, NULL, NULL, &tv) == 1;
}

/* dumpcap's way: select, then take one packet. */
static int
test_select(const char *dev)
{
	struct options o = { 250, 0, 0, 0 };
	pcap_t *p = open_handle(dev, &o);
	int fd = pcap_get_selectable_fd(p), i;

	if (fd < 0)
		fail("no selectable fd");
	/* Let records pile up, unannounced by the rings' batched wake-ups. */
	sleep(2);
	for (i = 0; i < 8; i++) {
		if (!fd_readable(fd, i == 0 ? 1.0 : 0.0))
			fail("fd not readable with records unread (packet %d)",
			    i);
		if (pcap_dispatch(p, 1, count_packet, NULL) != 1)
			fail("pcap_dispatch(1) after select gave no packet "
			    "(packet %d)", i);
	}
	pcap_close(p);
	printf("ok: %s: the fd stayed readable for 8 single-packet reads\n",
	    subcommand);
	return 0;
}

static int
test_immediate(const char *dev)
{
	struct options o = { 10000, 1, 0, 0 };
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p = open_handle(dev, &o);
	double worst = 0, delay;
	int got = 0;

	while (got < 5) {
		if (pcap_next_ex(p, &h, &data) != 1)
			fail("pcap_next_ex: %s", pcap_geterr(p));
		delay = now() - ((double)h->ts.tv_sec +
		    (double)h->ts.tv_usec / 1e6);
		if (delay > worst)
			worst = delay;
		got++;
	}
	/* Timeout is 10 s: only immediate delivery gets below 0.1 s. */
	if (worst > 0.1)
		fail("a packet took %.3f s to arrive", worst);
	pcap_close(p);
	printf("ok: %s: worst delay %.1f ms\n", subcommand, worst * 1e3);
	return 0;
}

static int
drain(pcap_t *p)
{
	int ret, total = 0;

	while ((ret = pcap_dispatch(p, -1, count_packet, NULL)) > 0)
		total += ret;
	if (ret < 0)
		fail("pcap_dispatch: %s", pcap_geterr(p));
	return total;
}

/*
 * A small buffer, not read while traffic floods in: every frame that
 * reached the capture is either delivered or counted in ps_drop.
 */
static int
test_drops(const char *dev, int seconds)
{
	struct options o = { 100, 0, 1, 0 };
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_stat st;
	pcap_t *p = open_handle(dev, &o);
	int total, late;

	sleep((unsigned int)seconds);
	if (pcap_setnonblock(p, 1, errbuf) != 0)
		fail("pcap_setnonblock: %s", errbuf);
	total = drain(p);
	/* Frames may still arrive between the count and the last read. */
	do {
		if (pcap_stats(p, &st) != 0)
			fail("pcap_stats: %s", pcap_geterr(p));
		late = drain(p);
		total += late;
	} while (late > 0);
	if (st.ps_drop == 0)
		fail("no drops: the flood did not fill the rings");
	if ((unsigned)total + st.ps_drop != st.ps_recv)
		fail("delivered %d + dropped %u != received %u", total,
		    st.ps_drop, st.ps_recv);
	pcap_close(p);
	printf("ok: %s: received %u = delivered %d + dropped %u\n",
	    subcommand, st.ps_recv, total, st.ps_drop);
	return 0;
}

static int
test_direction(const char *dev)
{
	struct options o = { 100, 0, 0, 0 };
	pcap_t *p = open_handle(dev, &o);

	if (pcap_setdirection(p, PCAP_D_IN) != 0 ||
	    pcap_setdirection(p, PCAP_D_INOUT) != 0)
		fail("IN or INOUT refused: %s", pcap_geterr(p));
	if (pcap_setdirection(p, PCAP_D_OUT) == 0)
		fail("OUT accepted");
	if (strstr(pcap_geterr(p), "PCAP_D_OUT") == NULL)
		fail("unclear message for OUT: %s", pcap_geterr(p));
	printf("ok: %s: OUT refused: %s\n", subcommand, pcap_geterr(p));
	pcap_close(p);
	return 0;
}

/* A broadcast frame of the local experimental EtherType 0x88b5. */
static int
test_inject(const char *dev)
{
	struct options o = { 100, 0, 0, 0 };
	u_char frame[60];
	pcap_t *p = open_handle(dev, &o);
	int i, ret;

	memset(frame, 0, sizeof(frame));
	memset(frame, 0xff, 6);
	frame[6] = 0x02;
	frame[12] = 0x88;
	frame[13] = 0xb5;
	memcpy(frame + 14, "pcap-xdp inject", 15);
	for (i = 0; i < 3; i++) {
		ret = pcap_inject(p, frame, sizeof(frame));
		if (ret != (int)sizeof(frame))
			fail("pcap_inject returned %d: %s", ret,
			    pcap_geterr(p));
		usleep(200000);
	}
	pcap_close(p);
	printf("ok: %s: 3 frames injected\n", subcommand);
	return 0;
}

/* How many of a's addresses b has too, in the same place of its list. */
static int
same_addresses(const pcap_addr_t *a, const pcap_addr_t *b)
{
	int n = 0;

	for (; a != NULL && b != NULL; a = a->next, b = b->next, n++)
		if ((a->addr == NULL) != (b->addr == NULL) ||
		    (a->addr != NULL && (a->addr->sa_family !=
		    b->addr->sa_family || memcmp(a->addr->sa_data,
		    b->addr->sa_data, sizeof(a->addr->sa_data)) != 0)))
			return -1;
	return a == NULL && b == NULL ? n : -1;
}

static int
count_family(const pcap_addr_t *a, int family)
{
	int n = 0;

	for (; a != NULL; a = a->next)
		n += a->addr != NULL && a->addr->sa_family == family;
	return n;
}

static int
test_findalldevs(const char *dev, const char *prog)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_if_t *all, *d, *plain = NULL, *xdp = NULL;
	int n;

	if (pcap_findalldevs(&all, errbuf) != 0)
		fail("pcap_findalldevs: %s", errbuf);
	for (d = all; d != NULL; d = d->next) {
		if (strcmp(d->name, dev) == 0)
			xdp = d;
		if (strcmp(d->name, dev + strlen("xdp:")) == 0)
			plain = d;
	}
	if (xdp == NULL || plain == NULL)
		fail("%s or its interface not listed", dev);
	if (xdp->description == NULL || strstr(xdp->description, prog) == NULL)
		fail("%s described as \"%s\", no \"%s\"", dev,
		    xdp->description ? xdp->description : "", prog);
	if (!(xdp->flags & PCAP_IF_UP) || !(xdp->flags & PCAP_IF_RUNNING))
		fail("%s not up and running: flags 0x%x", dev, xdp->flags);
	/* The interface's addresses, as its own entry has them. */
	n = same_addresses(xdp->addresses, plain->addresses);
	if (n < 0 || count_family(xdp->addresses, AF_INET) == 0)
		fail("%s has other addresses than %s, or no IPv4 one", dev,
		    plain->name);
	printf("ok: %s: %s: %s, %d addresses as %s has them\n", subcommand,
	    xdp->name, xdp->description, n, plain->name);
	pcap_freealldevs(all);
	return 0;
}

static void set_filter(pcap_t *p, const char *expr, int optimize);

/*
 * A callback that rewrites its frame, as applications do before they store
 * or print it: the frame must be writable, and what it wrote must not show
 * in the next.  Every frame at xt0 is Ethernet with a known EtherType.
 */
static void
scribble(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	u_char *frame = (u_char *)(uintptr_t)bytes;
	unsigned int type = (unsigned int)(bytes[12] << 8 | bytes[13]);

	(void)user;
	if (h->caplen < 14 || (type != 0x0800 && type != 0x86dd &&
	    type != 0x0806))
		fail("a frame of EtherType 0x%04x: the last one's bytes?", type);
	memset(frame, 0xff, h->caplen);
	delivered++;
}

static int
test_write_frames(const char *dev)
{
	struct options o = { 100, 0, 0, 0 };
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p = open_handle(dev, &o);
	int i;

	delivered = 0;
	if (pcap_loop(p, 3, scribble, NULL) != 0)
		fail("pcap_loop: %s", pcap_geterr(p));
	while (delivered < 6)
		if (pcap_dispatch(p, 1, scribble, NULL) < 0)
			fail("pcap_dispatch: %s", pcap_geterr(p));
	for (i = 0; i < 3; i++) {
		if (pcap_next_ex(p, &h, &data) != 1)
			fail("pcap_next_ex: %s", pcap_geterr(p));
		scribble(NULL, h, data);
	}
	pcap_close(p);
	printf("ok: %s: %d frames written whole in their callbacks\n",
	    subcommand, delivered);
	return 0;
}

/*
 * An application that gives up its access to the file system once it has
 * activated (a chroot to an empty directory) still filters, reads, takes
 * statistics and closes.
 */
static int
test_chroot(const char *dev, const char *dir)
{
	struct options o = { 100, 0, 0, 0 };
	struct pcap_stat ps;
	pcap_t *p = open_handle(dev, &o);

	if (chroot(dir) != 0 || chdir("/") != 0)
		fail("chroot %s: %s", dir, strerror(errno));
	set_filter(p, "icmp", 1);
	delivered = 0;
	while (delivered < 3)
		if (pcap_dispatch(p, -1, count_packet, NULL) < 0)
			fail("pcap_dispatch: %s", pcap_geterr(p));
	if (pcap_stats(p, &ps) != 0)
		fail("pcap_stats: %s", pcap_geterr(p));
	pcap_close(p);
	printf("ok: %s: in an empty chroot, %d frames read, %u received\n",
	    subcommand, delivered, ps.ps_recv);
	return 0;
}

static int
fd_polled(int fd, int wait_ms)
{
	struct pollfd pfd = { fd, POLLIN, 0 };

	return poll(&pfd, 1, wait_ms) == 1;
}

/*
 * Pings come all the time, and the rings wake the reader only when a
 * quarter full: each flush tick wakes select() and poll(), and finds
 * frames.  A wake-up that finds none is one the last read should have
 * spent.
 */
static int
test_wakeups(const char *dev)
{
	struct options o = { 200, 0, 0, 0 };
	pcap_t *p = open_handle(dev, &o);
	int fd = pcap_get_selectable_fd(p), i, n, empty = 0, wakes = 0;

	for (i = 0; i < 20; i++) {
		if (!(i % 2 ? fd_polled(fd, 1000) : fd_readable(fd, 1.0)))
			fail("no wake-up in a second");
		wakes++;
		n = pcap_dispatch(p, -1, count_packet, NULL);
		if (n < 0)
			fail("pcap_dispatch: %s", pcap_geterr(p));
		empty += n == 0;
	}
	pcap_close(p);
	if (empty > 1)
		fail("%d of %d wake-ups found no frame", empty, wakes);
	printf("ok: %s: %d wake-ups of select() and poll(), %d without "
	    "frames\n", subcommand, wakes, empty);
	return 0;
}

static int
test_filter_where(const char *dev, const char *expr)
{
	struct options o = { .timeout_ms = 100 };
	struct bpf_program prog;
	pcap_t *p = open_handle(dev, &o);

	if (pcap_geterr(p)[0] != '\0')
		fail("an error before the filter: %s", pcap_geterr(p));
	if (pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0 ||
	    pcap_setfilter(p, &prog) != 0)
		fail("pcap_setfilter: %s", pcap_geterr(p));
	pcap_freecode(&prog);
	if (pcap_geterr(p)[0] == '\0')
		printf("kernel\n");
	else
		printf("%s\n", pcap_geterr(p));
	pcap_close(p);
	return 0;
}

static void
set_filter(pcap_t *p, const char *expr, int optimize)
{
	struct bpf_program prog;

	if (pcap_compile(p, &prog, expr, optimize, PCAP_NETMASK_UNKNOWN) != 0 ||
	    pcap_setfilter(p, &prog) != 0)
		fail("pcap_setfilter: %s", pcap_geterr(p));
	pcap_freecode(&prog);
}

/*
 * "udp port 53" runs in the kernel; then "icmp or" a list of hosts long
 * enough, unoptimized, to be over 4096 instructions, which is filtered in
 * userspace: the pings must come through, so the kernel must have stopped
 * filtering for DNS.
 */
static int
test_refilter(const char *dev)
{
	struct options o = { 100, 0, 0, 0 };
	char *expr = malloc(65536);
	size_t used;
	pcap_t *p = open_handle(dev, &o);
	int i, ret;

	if (expr == NULL)
		fail("malloc");
	set_filter(p, "udp port 53", 1);
	used = (size_t)snprintf(expr, 65536, "icmp");
	for (i = 0; i < 200; i++)
		used += (size_t)snprintf(expr + used, 65536 - used,
		    " or host 10.0.%d.1", i);
	set_filter(p, expr, 0);
	ret = pcap_loop(p, 3, count_packet, NULL);
	if (ret != 0 || delivered != 3)
		fail("after the long filter: %d packets", delivered);
	free(expr);
	pcap_close(p);
	printf("ok: %s: the pings came through the long filter\n", subcommand);
	return 0;
}

/*
 * Frames queued before a kernel filter that rejects them are rejected in
 * userspace: ps_recv counts none of them, after that filter and after the
 * next.
 */
static int
test_recv(const char *dev)
{
	struct options o = { 100, 0, 0, 0 };
	struct pcap_stat queued, first, second;
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = open_handle(dev, &o);

	sleep(1);	/* pings queue up, unfiltered */
	if (pcap_setnonblock(p, 1, errbuf) != 0 || pcap_stats(p, &queued) != 0)
		fail("%s", pcap_geterr(p));
	if (queued.ps_recv == 0)
		fail("no frames queued");
	set_filter(p, "udp port 53", 1);
	usleep(200000);	/* frames in flight at the swap are in the rings */
	drain(p);
	if (pcap_stats(p, &first) != 0)
		fail("%s", pcap_geterr(p));
	set_filter(p, "udp port 54", 1);
	usleep(200000);
	drain(p);
	if (pcap_stats(p, &second) != 0)
		fail("%s", pcap_geterr(p));
	if (delivered != 0 || first.ps_recv != 0 || second.ps_recv != 0)
		fail("%d delivered; ps_recv %u after the first filter, %u after "
		    "the second, of %u queued", delivered, first.ps_recv,
		    second.ps_recv, queued.ps_recv);
	pcap_close(p);
	printf("ok: %s: %u queued frames rejected; ps_recv 0 after each "
	    "filter\n", subcommand, queued.ps_recv);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: xdp-api-test SUBCOMMAND DEV [ARG]\n");
		return 2;
	}
	subcommand = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(subcommand, "next-ex") == 0)
		return test_next_ex(argv[2]);
	if (strcmp(subcommand, "count") == 0)
		return test_count(argv[2]);
	if (strcmp(subcommand, "breakloop") == 0)
		return test_breakloop(argv[2]);
	if (strcmp(subcommand, "timeout") == 0)
		return test_timeout(argv[2]);
	if (strcmp(subcommand, "nonblock") == 0)
		return test_nonblock(argv[2]);
	if (strcmp(subcommand, "select") == 0)
		return test_select(argv[2]);
	if (strcmp(subcommand, "immediate") == 0)
		return test_immediate(argv[2]);
	if (strcmp(subcommand, "drops") == 0 && argc == 4)
		return test_drops(argv[2], atoi(argv[3]));
	if (strcmp(subcommand, "direction") == 0)
		return test_direction(argv[2]);
	if (strcmp(subcommand, "inject") == 0)
		return test_inject(argv[2]);
	if (strcmp(subcommand, "refilter") == 0)
		return test_refilter(argv[2]);
	if (strcmp(subcommand, "recv") == 0)
		return test_recv(argv[2]);
	if (strcmp(subcommand, "findalldevs") == 0 && argc == 4)
		return test_findalldevs(argv[2], argv[3]);
	if (strcmp(subcommand, "write-frames") == 0)
		return test_write_frames(argv[2]);
	if (strcmp(subcommand, "chroot") == 0 && argc == 4)
		return test_chroot(argv[2], argv[3]);
	if (strcmp(subcommand, "wakeups") == 0)
		return test_wakeups(argv[2]);
	if (strcmp(subcommand, "filter-where") == 0 && argc == 4)
		return test_filter_where(argv[2], argv[3]);
	fprintf(stderr, "xdp-api-test: unknown subcommand %s\n", subcommand);
	return 2;
}
