/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A traffic generator, the way xdp-trafficgen makes one: BPF_PROG_TEST_RUN
 * with BPF_F_TEST_XDP_LIVE_FRAMES runs a program that returns XDP_TX on
 * frames it builds in the kernel, which leave through IFNAME; on a veth, the
 * peer's XDP hook receives them natively.
 *
 *   xdp-gen IFNAME DST_MAC COUNT [SIZE [RATE [MATCH]]]
 *
 * Sends COUNT UDP frames of SIZE bytes (default 64, with the FCS: 60 on
 * the wire here) to DST_MAC, at RATE frames per second (0, the default: as
 * fast as it can), and prints the frames and seconds it took.  With MATCH
 * (a percentage), that share of the frames, drawn at random, go to UDP
 * port 53 rather than 9: a filter "udp port 53" then matches MATCH%.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include <sys/param.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>

#define FRAME_MAX 1514

static int
load_prog(const struct bpf_insn *insns, size_t n)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts);

	opts.expected_attach_type = BPF_XDP;
	return bpf_prog_load(BPF_PROG_TYPE_XDP, "xdp_gen_tx", "Dual BSD/GPL",
	    insns, n, &opts);
}

#define INSN(CODE, DST, SRC, OFF, IMM) \
	((struct bpf_insn){ .code = (CODE), .dst_reg = (DST), \
	    .src_reg = (SRC), .off = (OFF), .imm = (IMM) })

/* XDP_TX, after setting the UDP port: 53 for match% of frames, else 9. */
static int
load_xdp_tx(unsigned int match)
{
	const struct bpf_insn plain[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_TX),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	const struct bpf_insn mixed[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_prandom_u32),
		INSN(BPF_ALU | BPF_MOD | BPF_K, BPF_REG_0, 0, 0, 100),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_4, 0, 0, 9 << 8),
		INSN(BPF_JMP | BPF_JGE | BPF_K, BPF_REG_0, 0, 1, (int)match),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_4, 0, 0, 53 << 8),
		INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_2, BPF_REG_6,
		    offsetof(struct xdp_md, data), 0),
		INSN(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_3, BPF_REG_6,
		    offsetof(struct xdp_md, data_end), 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_5, BPF_REG_2, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_5, 0, 0, 38),
		INSN(BPF_JMP | BPF_JGT | BPF_X, BPF_REG_5, BPF_REG_3, 1, 0),
		/* The destination port, big-endian: bytes 36-37. */
		INSN(BPF_STX | BPF_H | BPF_MEM, BPF_REG_2, BPF_REG_4, 36, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_TX),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};

	if (match == 0)
		return load_prog(plain, 2);
	return load_prog(mixed, sizeof(mixed) / sizeof(mixed[0]));
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Sleeps until t (CLOCK_MONOTONIC seconds). */
static void
sleep_until(double t)
{
	struct timespec ts;

	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		;
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

int
main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	unsigned char frame[FRAME_MAX], dst[6];
	struct xdp_md ctx;
	unsigned long count, sent = 0, slice;
	double rate, t0, secs;
	unsigned int match;
	size_t len;
	int fd, ifindex;

	if (argc < 4 || sscanf(argv[2], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx",
	    &dst[0], &dst[1], &dst[2], &dst[3], &dst[4], &dst[5]) != 6) {
		fprintf(stderr, "usage: xdp-gen IFNAME DST_MAC COUNT "
		    "[SIZE [RATE [MATCH]]]\n");
		return 2;
	}
	ifindex = (int)if_nametoindex(argv[1]);
	count = strtoul(argv[3], NULL, 0);
	len = build_frame(frame, dst, argc > 4 ? strtoul(argv[4], NULL, 0) : 64);
	rate = argc > 5 ? strtod(argv[5], NULL) : 0;
	match = argc > 6 ? (unsigned int)strtoul(argv[6], NULL, 0) : 0;
	fd = load_xdp_tx(match);
	if (ifindex == 0 || fd < 0) {
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
	opts.batch_size = 64;
	/*
	 * repeat is 32 bits: big counts go in slices.  A rate is kept by
	 * sending a slice every millisecond, or each frame on its own below
	 * 1000 frames per second.
	 */
	slice = rate > 0 ? (unsigned long)MAX(rate / 1000, 1) : 100000000;
	t0 = now();
	while (sent < count) {
		opts.repeat = (__u32)MIN(count - sent, slice);
		if (bpf_prog_test_run_opts(fd, &opts) != 0) {
			fprintf(stderr, "xdp-gen: BPF_PROG_TEST_RUN: %s\n",
			    strerror(errno));
			return 1;
		}
		sent += opts.repeat;
		if (rate > 0)
			sleep_until(t0 + (double)sent / rate);
	}
	secs = now() - t0;
	printf("%lu %.6f\n", sent, secs);
	return 0;
}
