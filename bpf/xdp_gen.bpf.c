// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The benchmark's traffic generator (bench/xdp-gen): BPF_PROG_TEST_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES runs this on every frame it builds, and the
 * XDP_TX sends the frame out of the interface.
 *
 * The generator keeps its rate here, in the kernel, because every
 * BPF_PROG_TEST_RUN call with live frames sets up and tears down a page
 * pool, which takes tens of milliseconds here: a rate kept by calls spaced
 * in time would be capped at a few kilo-frames per call.  So one call sends
 * every frame, and the first frame of each batch waits, spinning on the
 * clock, until the batch is due.  A generator behind schedule (its CPU was
 * busy) catches up at full speed, so the average rate is kept.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* Set before load. */
const volatile __u32 match_percent;	/* frames to UDP port 53, not 9 */
const volatile __u64 rate;		/* frames per second; 0: no pacing */
const volatile __u32 batch;		/* frames per clock check */

/* When the first frame was built, and frames so far (test runs use one CPU). */
__u64 start_ns;
__u64 frames;

#define UDP_DPORT_OFF	36	/* Ethernet 14, IPv4 20, UDP source port 2 */

static long
wait_until(__u64 i, void *due)
{
	return bpf_ktime_get_ns() >= *(__u64 *)due;
}

static __always_inline void
pace(void)
{
	__u64 due;

	if (frames == 0)
		start_ns = bpf_ktime_get_ns();
	if (frames % batch != 0)
		return;
	due = start_ns + frames * 1000000000 / rate;
	/* 1 << 23 clock reads: a wait of a few hundred ms at most. */
	bpf_loop(1 << 23, wait_until, &due, 0);
}

static __always_inline void
set_udp_port(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__be16 *dport = data + UDP_DPORT_OFF;

	if ((void *)(dport + 1) > data_end)
		return;
	*dport = bpf_get_prandom_u32() % 100 < match_percent ?
	    bpf_htons(53) : bpf_htons(9);
}

SEC("xdp")
int xdp_gen(struct xdp_md *ctx)
{
	if (rate != 0)
		pace();
	frames++;
	if (match_percent != 0)
		set_udp_port(ctx);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
