/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The per-packet cost of a filter in the kernel: the translated program run
 * with BPF_PROG_TEST_RUN repeat on 64-byte frames, against the empty filter
 * (keep everything).  Prints one line per (filter, frame):
 *
 *   filter-cost [REPEAT [EXPRESSION...]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "filter-run.h"
#include "frames.h"

struct sample {
	const char *name;
	unsigned char data[64];
};

#define NR_SAMPLES	4

/*
 * 64-byte frames (60 without the FCS): TCP to port 80, ICMP, UDP; and one
 * crafted to make protochain loop (62 bytes): IPv6 with an AH header that
 * points back at itself, on which libpcap's own bpf_filter() never ends.
 */
static void
make_samples(struct sample *s)
{
	static const unsigned char eth_ip[] = {
		0, 0x11, 0x22, 0x33, 0x44, 0x55, 2, 0, 0, 0, 0, 1, 0x08, 0,
		0x45, 0, 0, 46, 0, 1, 0x40, 0, 64, 6, 0, 0,
		10, 0, 0, 2, 10, 0, 0, 1,
	};
	int i;

	for (i = 0; i < 3; i++) {
		memset(s[i].data, 0, sizeof(s[i].data));
		memcpy(s[i].data, eth_ip, sizeof(eth_ip));
	}
	s[0].name = "tcp:80";
	s[0].data[34] = 0x30;	/* source port 12345 */
	s[0].data[35] = 0x39;
	s[0].data[37] = 80;
	s[0].data[46] = 0x50;
	s[1].name = "icmp";
	s[1].data[23] = 1;
	s[1].data[34] = 8;
	s[2].name = "udp:53";
	s[2].data[23] = 17;
	s[2].data[37] = 53;
	s[3].name = "ah-loop";
	frames_ah_loop(s[3].data, s[0].data, s[0].data + 6);
}

static int
load(pcap_t *dead, const char *expr, int *fd)
{
	struct bpf_program prog;
	char errbuf[512];

	if (pcap_compile(dead, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		fprintf(stderr, "filter-cost: %s: %s\n", expr,
		    pcap_geterr(dead));
		return -1;
	}
	*fd = filter_run_load(prog.bf_insns, prog.bf_len, errbuf,
	    sizeof(errbuf));
	pcap_freecode(&prog);
	if (*fd < 0)
		fprintf(stderr, "filter-cost: %s: %s\n", expr, errbuf);
	return *fd < 0 ? -1 : 0;
}

/* Prints what each filter costs on each sample frame. */
static int
measure(pcap_t *dead, const char **exprs, int nr_exprs, unsigned int repeat)
{
	struct sample samples[NR_SAMPLES];
	unsigned int result, ns_empty, ns, len;
	int e, i, empty_fd, fd;

	make_samples(samples);
	/* The empty filter: pcap_compile("") keeps everything. */
	if (load(dead, "", &empty_fd) != 0)
		return 1;
	printf("%-28s %-8s %8s %10s %10s %10s\n", "filter", "frame", "result",
	    "ns/frame", "empty", "cost");
	for (e = 0; e < nr_exprs; e++) {
		if (load(dead, exprs[e], &fd) != 0)
			return 1;
		for (i = 0; i < NR_SAMPLES; i++) {
			len = i == 3 ? FRAME_AH_LOOP_LEN : 60;
			/* A first run warms the caches: the second counts. */
			if (filter_run(empty_fd, samples[i].data, len, repeat,
			    &result, &ns_empty) != 0 ||
			    filter_run(fd, samples[i].data, len, repeat,
			    &result, &ns) != 0 ||
			    filter_run(empty_fd, samples[i].data, len, repeat,
			    &result, &ns_empty) != 0 ||
			    filter_run(fd, samples[i].data, len, repeat,
			    &result, &ns) != 0)
				return 1;
			printf("%-28s %-8s %8u %10u %10u %+10d\n", exprs[e],
			    samples[i].name, result, ns, ns_empty,
			    (int)ns - (int)ns_empty);
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const char *defaults[] = { "tcp port 80 or icmp" };
	const char **exprs = defaults;
	unsigned int repeat = argc > 1 ? (unsigned int)atoi(argv[1]) : 10000000;
	pcap_t *dead;
	int nr_exprs = 1, ret;

	if (argc > 2) {
		exprs = (const char **)argv + 2;
		nr_exprs = argc - 2;
	}
	dead = pcap_open_dead(DLT_EN10MB, 262144);
	if (dead == NULL)
		return 1;
	ret = measure(dead, exprs, nr_exprs, repeat);
	pcap_close(dead);
	return ret;
}
