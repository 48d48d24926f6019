/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A traffic generator, the way xdp-trafficgen makes one: BPF_PROG_TEST_RUN
 * with BPF_F_TEST_XDP_LIVE_FRAMES runs a program that returns XDP_TX on
 * frames it builds in the kernel, which leave through IFNAME; on a veth, the
 * peer's XDP hook receives them natively.
 *
 *   xdp-gen IFNAME DST_MAC COUNT [SIZE]
 *
 * Sends COUNT UDP frames of SIZE bytes (default 64, with the FCS: 60 on
 * the wire here) to DST_MAC, and prints the frames and seconds it took.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <net/if.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>

#define FRAME_MAX 1514

static int
load_xdp_tx(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = XDP_TX },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts);

	opts.expected_attach_type = BPF_XDP;
	return bpf_prog_load(BPF_PROG_TYPE_XDP, "xdp_gen_tx", "Dual BSD/GPL",
	    insns, 2, &opts);
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
	struct timespec t0, t1;
	unsigned long count;
	double secs;
	size_t len;
	int fd, ifindex;

	if (argc < 4 || sscanf(argv[2], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx",
	    &dst[0], &dst[1], &dst[2], &dst[3], &dst[4], &dst[5]) != 6) {
		fprintf(stderr, "usage: xdp-gen IFNAME DST_MAC COUNT [SIZE]\n");
		return 2;
	}
	ifindex = (int)if_nametoindex(argv[1]);
	count = strtoul(argv[3], NULL, 0);
	len = build_frame(frame, dst, argc > 4 ? strtoul(argv[4], NULL, 0) : 64);
	fd = load_xdp_tx();
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
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (count > 0) {
		/* repeat is 32 bits; big counts go in slices. */
		opts.repeat = (__u32)(count > 100000000 ? 100000000 : count);
		if (bpf_prog_test_run_opts(fd, &opts) != 0) {
			fprintf(stderr, "xdp-gen: BPF_PROG_TEST_RUN: %s\n",
			    strerror(errno));
			return 1;
		}
		count -= opts.repeat;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%s %.6f\n", argv[3], secs);
	return 0;
}
