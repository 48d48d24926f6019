/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Immediate mode's latency: how long after the XDP hook stamped a frame
 * pcap_next_ex() hands it out, for COUNT frames (bench/run.sh sends them at
 * 1000 frames per second).  Prints "ready" once capturing, then the
 * percentiles, in microseconds.
 *
 *   latency DEVICE COUNT
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <pcap/pcap.h>

/* pcap_next_ex() may also return 0 early: the run counts its timeouts. */
#define TIMEOUT_MS	100

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
delay_us(const struct pcap_pkthdr *h)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return ((double)(now.tv_sec - h->ts.tv_sec) * 1e9 +
	    (double)(now.tv_nsec - h->ts.tv_usec)) / 1e3;
}

int
main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	double *delays;
	pcap_t *p;
	int count, n = 0, idle = 0, ret;

	if (argc != 3 || (count = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: latency DEVICE COUNT\n");
		return 2;
	}
	delays = calloc((size_t)count, sizeof(*delays));
	p = pcap_create(argv[1], errbuf);
	if (delays == NULL || p == NULL ||
	    pcap_set_immediate_mode(p, 1) != 0 ||
	    pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO) != 0 ||
	    pcap_set_timeout(p, TIMEOUT_MS) != 0 || pcap_activate(p) < 0) {
		fprintf(stderr, "latency: %s\n", p ? pcap_geterr(p) : errbuf);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	/* The run ends with the frames, or after 5 s without one. */
	while (n < count && (ret = pcap_next_ex(p, &h, &data)) >= 0) {
		if (ret == 1) {
			delays[n++] = delay_us(h);
			idle = 0;
		} else if (++idle == 5000 / TIMEOUT_MS)
			break;
	}
	pcap_close(p);
	if (n == 0) {
		printf("no frames\n");
		free(delays);
		return 1;
	}
	qsort(delays, (size_t)n, sizeof(*delays), cmp_double);
	printf("%d frames: median %.0f us, p99 %.0f us, max %.0f us\n", n,
	    delays[n / 2], delays[n * 99 / 100], delays[n - 1]);
	free(delays);
	return 0;
}
