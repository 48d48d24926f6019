/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A fuzzer for what an application hands an xdp: handle: device names, and
 * every option and call around pcap_activate(), in random orders and with
 * random values, for SECONDS seconds:
 *
 *   options-fuzz IFNAME SECONDS [SEED]
 *
 * IFNAME is an interface with an XDP program.  Every call must return one
 * of its documented results, every error must come with a message, and
 * after every pcap_close() the interface's hook must hold its program again,
 * with nothing left in bpffs.  Prints the seed of the failing case.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "hook-query.h"

#define PIN_ROOT	"/sys/fs/bpf/pcap-xdp"

static unsigned int seed;
static const char *ifname;
static int activated;		/* cases whose handle pcap_activate() made */

static void
fail(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL (case seed %u): ", seed);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

static int
pick(int n)
{
	return rand() % n;
}

static int
pick_int(void)
{
	static const int edges[] = {
		-2147483647 - 1, -1, 0, 1, 2, 13, 64, 65471, 65535, 65536,
		262144, 262145, 1 << 20, 2147483647
	};

	return pick(3) == 0 ? rand() - RAND_MAX / 2 :
	    edges[pick(sizeof(edges) / sizeof(edges[0]))];
}

/* A device name: mostly near "xdp:IFNAME", where the parsing is. */
static void
make_name(char *name, size_t len)
{
	static const char *prefixes[] = {
		"xdp:", "xdp:", "xdp:", "XDP:", "xdp", "xdp::", "xdp:/",
		"xdp:../", "xdp: ", "xdp:%s%n", "any", "xdp:xdp:"
	};
	char tail[300];
	size_t i, n;

	switch (pick(4)) {

	case 0:		/* the real interface */
		snprintf(name, len, "xdp:%s", ifname);
		return;

	case 1:		/* the real interface, and more or less */
		snprintf(name, len, "xdp:%.*s%s", pick((int)strlen(ifname) + 1),
		    ifname, pick(2) ? "" : "0");
		return;

	default:	/* a prefix and random bytes, up to far too long */
		n = pick(4) == 0 ? (size_t)pick(sizeof(tail)) : (size_t)pick(20);
		for (i = 0; i < n; i++)
			tail[i] = (char)(pick(4) == 0 ? 1 + pick(255) :
			    "abcxt0.-_:/%"[pick(12)]);
		tail[n] = '\0';
		snprintf(name, len, "%s%s", prefixes[pick(sizeof(prefixes) /
		    sizeof(prefixes[0]))], tail);
		return;
	}
}

static const char *
random_filter(void)
{
	static const char *filters[] = {
		"", "icmp", "tcp port 80 or icmp", "udp and ip[8] > 0",
		"ether broadcast", "inbound", "outbound", "vlan and ip",
		"ip6 protochain 58", "not not not ip", "len > 1000",
		"tcp[tcpflags] & tcp-syn != 0", "((((", "port 99999",
		"ip host 300.1.1.1", "ether proto 0x88cc", "icmp[0] == 8",
	};

	return filters[pick(sizeof(filters) / sizeof(filters[0]))];
}

static void
check_message(pcap_t *p, int ret, const char *call)
{
	const char *msg = pcap_geterr(p);
	size_t i;

	if (ret >= 0 && ret != PCAP_ERROR)
		return;
	if (msg == NULL || msg[0] == '\0')
		fail("%s returned %d with no message", call, ret);
	for (i = 0; msg[i] != '\0'; i++)
		if (!isprint((unsigned char)msg[i]) && msg[i] != '\t')
			fail("%s: message with byte 0x%02x: %s", call,
			    (unsigned char)msg[i], msg);
}

static void
check_activate_result(pcap_t *p, int ret, const char *name)
{
	switch (ret) {

	case 0:
	case PCAP_WARNING:
	case PCAP_WARNING_PROMISC_NOTSUP:
	case PCAP_WARNING_TSTAMP_TYPE_NOTSUP:
	case PCAP_ERROR:
	case PCAP_ERROR_NO_SUCH_DEVICE:
	case PCAP_ERROR_PERM_DENIED:
	case PCAP_ERROR_RFMON_NOTSUP:
	case PCAP_ERROR_IFACE_NOT_UP:
	case PCAP_ERROR_PROMISC_PERM_DENIED:
	case PCAP_ERROR_TSTAMP_PRECISION_NOTSUP:
		break;

	default:
		fail("pcap_activate(\"%s\") returned %d", name, ret);
	}
	if (ret < 0 || ret == PCAP_WARNING)
		check_message(p, ret == PCAP_WARNING ? PCAP_ERROR : ret,
		    "pcap_activate");
}

/* The options pcap_activate() takes, in a random order, with random values. */
static void
set_options(pcap_t *p)
{
	int i, n = pick(8);

	for (i = 0; i < n; i++) {
		switch (pick(8)) {
		case 0: (void)pcap_set_snaplen(p, pick_int()); break;
		case 1: (void)pcap_set_buffer_size(p, pick_int() %
			    (64 << 20)); break;
		case 2: (void)pcap_set_timeout(p, pick_int() % 5000); break;
		case 3: (void)pcap_set_promisc(p, pick(2)); break;
		case 4: (void)pcap_set_immediate_mode(p, pick(2)); break;
		case 5: (void)pcap_set_rfmon(p, pick(8) == 0); break;
		case 6: (void)pcap_set_tstamp_precision(p, pick(3)); break;
		case 7: (void)pcap_set_tstamp_type(p, pick(8) - 1); break;
		}
	}
}

/* What an application may do with an activated handle. */
static void
use_handle(pcap_t *p)
{
	struct bpf_program prog;
	struct pcap_stat st;
	struct pcap_pkthdr *h;
	const u_char *data;
	char errbuf[PCAP_ERRBUF_SIZE];
	int i, n = pick(6), ret;

	for (i = 0; i < n; i++) {
		switch (pick(6)) {

		case 0:
			if (pcap_compile(p, &prog, random_filter(), pick(2),
			    PCAP_NETMASK_UNKNOWN) == 0) {
				ret = pcap_setfilter(p, &prog);
				check_message(p, ret, "pcap_setfilter");
				pcap_freecode(&prog);
			}
			break;

		case 1:
			ret = pcap_setnonblock(p, pick(2), errbuf);
			if (ret < 0)
				fail("pcap_setnonblock: %s", errbuf);
			break;

		case 2:
			/* Never block here: the interface may be idle. */
			if (pcap_setnonblock(p, 1, errbuf) < 0)
				fail("pcap_setnonblock: %s", errbuf);
			ret = pcap_next_ex(p, &h, &data);
			if (ret != 0 && ret != 1)
				check_message(p, ret, "pcap_next_ex");
			break;

		case 3:
			ret = pcap_stats(p, &st);
			check_message(p, ret, "pcap_stats");
			break;

		case 4:
			ret = pcap_setdirection(p, (pcap_direction_t)pick(4));
			check_message(p, ret, "pcap_setdirection");
			break;

		case 5:
			ret = pcap_set_datalink(p, pick(2) ? DLT_EN10MB :
			    pick_int());
			check_message(p, ret, "pcap_set_datalink");
			break;
		}
	}
}

static long
hook_prog(void)
{
	long id = hook_query(ifname);

	if (id < 0)
		fail("can't query the hook of %s", ifname);
	return id;
}

static int
pins(void)
{
	struct dirent *d;
	DIR *dir = opendir(PIN_ROOT);
	int n = 0;

	if (dir == NULL)
		return 0;
	while ((d = readdir(dir)) != NULL)
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

/*
 * One random device name and set of options: whatever activate says, the
 * hook holds the original program after the close, and bpffs no more
 * chains than before (fewer when an activation swept stale ones).
 */
static void
one_case(long orig, int *orig_pins)
{
	char name[400], errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p;
	int ret, n;

	make_name(name, sizeof(name));
	errbuf[0] = '\0';
	p = pcap_create(name, errbuf);
	if (p == NULL) {
		if (errbuf[0] == '\0')
			fail("pcap_create(\"%s\") failed with no message",
			    name);
		return;
	}
	set_options(p);
	ret = pcap_activate(p);
	check_activate_result(p, ret, name);
	if (ret >= 0) {
		activated++;
		use_handle(p);
	}
	pcap_close(p);
	if (hook_prog() != orig)
		fail("after \"%s\" (activate: %d), the hook holds program "
		    "%ld, not %ld", name, ret, hook_prog(), orig);
	n = pins();
	if (n > *orig_pins)
		fail("after \"%s\" (activate: %d), %d chains in bpffs, not "
		    "%d", name, ret, n, *orig_pins);
	*orig_pins = n;
}

int
main(int argc, char **argv)
{
	time_t end;
	unsigned int first;
	long orig;
	int cases = 0, orig_pins;

	if (argc < 3) {
		fprintf(stderr, "usage: options-fuzz IFNAME SECONDS [SEED]\n");
		return 2;
	}
	ifname = argv[1];
	end = time(NULL) + atoi(argv[2]);
	first = argc > 3 ? (unsigned int)strtoul(argv[3], NULL, 0) :
	    (unsigned int)time(NULL);
	orig = hook_prog();
	orig_pins = pins();
	for (seed = first; time(NULL) < end; seed++, cases++) {
		srand(seed);
		one_case(orig, &orig_pins);
	}
	printf("ok: %d cases from seed %u, %d activated; the hook held "
	    "program %ld after each\n", cases, first, activated, orig);
	return 0;
}
