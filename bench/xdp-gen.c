/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A traffic generator, the way xdp-trafficgen makes one: BPF_PROG_TEST_RUN
 * with BPF_F_TEST_XDP_LIVE_FRAMES runs a program (bpf/xdp_gen.bpf.c, which
 * also keeps the rate) that returns XDP_TX on frames it builds in the
 * kernel, which leave through IFNAME; on a veth, the peer's XDP hook
 * receives them natively.
 *
 *   xdp-gen IFNAME DST_MAC COUNT [SIZE [RATE [MATCH [KIND]]]]
 *
 * Sends COUNT UDP frames of SIZE bytes (default 64, with the FCS: 60 on
 * the wire here) to DST_MAC, at RATE frames per second (0, the default: as
 * fast as it can), and prints the frames and seconds it took.  With MATCH
 * (a percentage), that share of the frames, drawn at random, go to UDP
 * port 53 rather than 9: a filter "udp port 53" then matches MATCH%.
 * KIND "ah-loop" sends, instead of UDP, the IPv6 frame crafted to make
 * protochain loop (tests/frames.h), whatever SIZE says.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include <sys/param.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "frames.h"
#include "xdp_gen.skel.h"

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Ethernet, IPv4, UDP from 10.200.0.2:1234 to 10.200.0.1:9. */
static size_t
build_frame(unsigned char *f, const unsigned char *dst, size_t size)
{
	static const unsigned char src[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	size_t len = size > 4 ? size - 4 : size;	/* the FCS is not ours */
	unsigned int ip_len;

	if (len < 42)
		len = 42;
	if (len > FRAME_MAX)
		len = FRAME_MAX;
	ip_len = (unsigned int)len - 14;
	memset(f, 0, len);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (unsigned char)(ip_len >> 8);
	f[17] = (unsigned char)ip_len;
	f[22] = 64;
	f[23] = 17;
	memcpy(f + 26, (unsigned char[]){ 10, 200, 0, 2, 10, 200, 0, 1 }, 8);
	f[34] = 1234 >> 8;
	f[35] = 1234 & 0xff;
	f[37] = 9;
	f[38] = (unsigned char)((ip_len - 20) >> 8);
	f[39] = (unsigned char)(ip_len - 20);
	return len;
}

/*
 * Frames per batch: the kernel's default, or fewer at low rates, since a
 * batch leaves only once it is built, and it waits for its first frame's
 * turn.
 */
static unsigned int
batch_for(double rate)
{
	if (rate <= 0)
		return 64;
	return (unsigned int)MAX(MIN(rate / 100000, 64), 1);
}

static struct xdp_gen *
load_gen(double rate, unsigned int match, unsigned int batch)
{
	struct xdp_gen *skel;

	skel = xdp_gen__open();
	if (skel == NULL)
		return NULL;
	skel->rodata->match_percent = match;
	skel->rodata->rate = rate > 0 ? (__u64)rate : 0;
	skel->rodata->batch = batch;
	if (xdp_gen__load(skel) != 0) {
		xdp_gen__destroy(skel);
		return NULL;
	}
	return skel;
}

int
main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	unsigned char frame[FRAME_MAX], dst[6];
	struct xdp_md ctx;
	struct xdp_gen *skel;
	unsigned long count, sent = 0;
	double rate, t0, secs;
	unsigned int match, batch;
	size_t len;
	int ifindex;

	if (argc < 4 || sscanf(argv[2], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx",
	    &dst[0], &dst[1], &dst[2], &dst[3], &dst[4], &dst[5]) != 6) {
		fprintf(stderr, "usage: xdp-gen IFNAME DST_MAC COUNT "
		    "[SIZE [RATE [MATCH [KIND]]]]\n");
		return 2;
	}
	ifindex = (int)if_nametoindex(argv[1]);
	count = strtoul(argv[3], NULL, 0);
	if (argc > 7 && strcmp(argv[7], "ah-loop") == 0)
		len = frames_ah_loop(frame, dst, (const unsigned char[]){ 2, 0,
		    0, 0, 0, 2 });
	else
		len = build_frame(frame, dst,
		    argc > 4 ? strtoul(argv[4], NULL, 0) : 64);
	rate = argc > 5 ? strtod(argv[5], NULL) : 0;
	match = argc > 6 ? (unsigned int)strtoul(argv[6], NULL, 0) : 0;
	batch = batch_for(rate);
	skel = ifindex != 0 ? load_gen(rate, match, batch) : NULL;
	if (skel == NULL) {
		fprintf(stderr, "xdp-gen: %s\n", strerror(errno));
		return 1;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.data_end = (__u32)len;
	ctx.ingress_ifindex = (__u32)ifindex;
	opts.data_in = frame;
	opts.data_size_in = (__u32)len;
	opts.ctx_in = &ctx;
	opts.ctx_size_in = sizeof(ctx);
	opts.flags = BPF_F_TEST_XDP_LIVE_FRAMES;
	opts.batch_size = batch;
	t0 = now();
	/* repeat is 32 bits: big counts go in several calls. */
	while (sent < count) {
		opts.repeat = (__u32)MIN(count - sent, UINT32_MAX);
		if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xdp_gen),
		    &opts) != 0) {
			fprintf(stderr, "xdp-gen: BPF_PROG_TEST_RUN: %s\n",
			    strerror(errno));
			xdp_gen__destroy(skel);
			return 1;
		}
		sent += opts.repeat;
	}
	secs = now() - t0;
	xdp_gen__destroy(skel);
	printf("%lu %.6f\n", sent, secs);
	return 0;
}
