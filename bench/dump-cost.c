/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The per-packet cost of a capture in the kernel: the hook's own program
 * (XDP_DROP) alone, then behind a capture's dump program, as the chain
 * runs them, with BPF_PROG_TEST_RUN repeat on one 64-byte UDP frame (and,
 * for the copy's share, one of 1514 bytes: the same, zero-padded).  The
 * rings take every record of a run and are emptied between runs, so that
 * the cost is that of a capture that keeps up (and whose rings stay in the
 * caches, as a reader keeps them), not of one that fails fast.
 *
 *   dump-cost [REPEAT]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "filter-run.h"
#include "xdp_capture.h"

#define RING_BUFFER	(16U * 1024 * 1024)
#define RUNS		30

#define SHORT_FRAME	60
#define LONG_FRAME	1514

static unsigned char frame[LONG_FRAME] = {
	0, 0x11, 0x22, 0x33, 0x44, 0x55, 2, 0, 0, 0, 0, 1, 0x08, 0,
	0x45, 0, 0, 46, 0, 1, 0x40, 0, 64, 17, 0, 0,
	10, 0, 0, 2, 10, 0, 0, 1, 0x04, 0xd2, 0, 9, 0, 26,
};

/* The best of RUNS runs: a VM's runs wander. */
static int
best_ns(int fd, size_t len, unsigned int repeat, unsigned int *ns)
{
	unsigned int result, run;
	int i;

	*ns = ~0U;
	for (i = 0; i < RUNS; i++) {
		filter_run_empty_rings();
		if (filter_run(fd, frame, len, repeat, &result,
		    &run) != 0)
			return -1;
		if (run < *ns)
			*ns = run;
	}
	return 0;
}

static int
row_of(const char *name, int fd, size_t len, unsigned int repeat,
    unsigned int base)
{
	unsigned int ns;

	if (fd < 0 || best_ns(fd, len, repeat, &ns) != 0) {
		fprintf(stderr, "dump-cost: %s: failed\n", name);
		return -1;
	}
	printf("%-44s %8u %+8d\n", name, ns, base ? (int)ns - (int)base : 0);
	return (int)ns;
}

static int
row(const char *name, int fd, unsigned int repeat, unsigned int base)
{
	return row_of(name, fd, SHORT_FRAME, repeat, base);
}

/* xdp_drop after a read of each clock a BPF program may read. */
static void
clock_rows(unsigned int repeat, int base)
{
	const char *name;
	size_t i;
	int fd;

	for (i = 0; (fd = filter_run_load_clock(i, &name)) != -ENOENT; i++)
		if (fd < 0)
			printf("%-44s %8s\n", name, "-");
		else
			(void)row(name, fd, repeat, (unsigned int)base);
}

static int
load_dump(const char *expr, int transport)
{
	struct bpf_program prog;
	char errbuf[512];
	pcap_t *dead;
	int fd;

	if (expr == NULL)
		return filter_run_load_dump(NULL, 0, transport, RING_BUFFER,
		    262144, errbuf, sizeof(errbuf));
	dead = pcap_open_dead(DLT_EN10MB, 262144);
	if (dead == NULL)
		return -1;
	if (pcap_compile(dead, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		fprintf(stderr, "dump-cost: %s\n", pcap_geterr(dead));
		pcap_close(dead);
		return -1;
	}
	fd = filter_run_load_dump(prog.bf_insns, prog.bf_len, transport,
	    RING_BUFFER, 262144, errbuf, sizeof(errbuf));
	if (fd < 0)
		fprintf(stderr, "dump-cost: %s\n", errbuf);
	pcap_freecode(&prog);
	pcap_close(dead);
	return fd;
}

/*
 * The 1514-byte frame, with a 16th of the repeats: a run's records must
 * fit in the ring.
 */
static int
long_rows(unsigned int repeat)
{
	int base;

	base = row_of("xdp_drop alone, 1514-byte frame",
	    filter_run_load_drop(), LONG_FRAME, repeat / 16, 0);
	if (base < 0 || row_of("+ dump, everything, own ring, 1514 bytes",
	    load_dump(NULL, XDP_CAPTURE_OWN), LONG_FRAME, repeat / 16,
	    (unsigned int)base) < 0)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	/* Each run's records (96 bytes) must fit in its CPU's ring. */
	unsigned int repeat = argc > 1 ? (unsigned int)atoi(argv[1]) : 20000;
	int base;

	printf("%-44s %8s %8s\n", "what runs, per 64-byte frame", "ns", "added");
	base = row("xdp_drop alone (no capture)", filter_run_load_drop(),
	    repeat, 0);
	if (base < 0 ||
	    row("+ dump, filter matching nothing", load_dump("tcp port 9999",
	    XDP_CAPTURE_OWN), repeat, (unsigned int)base) < 0 ||
	    row("+ dump, everything, own ring", load_dump(NULL,
	    XDP_CAPTURE_OWN), repeat, (unsigned int)base) < 0 ||
	    row("+ dump, everything, BPF ring buffer", load_dump(NULL,
	    XDP_CAPTURE_RINGBUF), repeat, (unsigned int)base) < 0 ||
	    row("+ dump, everything, perf-event ring", load_dump(NULL,
	    XDP_CAPTURE_PERF), repeat, (unsigned int)base) < 0 ||
	    long_rows(repeat) < 0)
		return 1;
	clock_rows(repeat, base);
	return 0;
}
