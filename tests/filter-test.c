/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The filter translator against libpcap itself, in the shape of libpcap's
 * filtertest: pcap_compile() an expression, translate the program, run it
 * in the kernel with BPF_PROG_TEST_RUN, and compare with what
 * pcap_offline_filter() returns, for every (expression, frame) pair,
 * optimized and unoptimized.
 *
 *   filter-test diff [FRAMES]		the expressions below, on FRAMES frames
 *   filter-test fuzz SECONDS [SEED]	random programs and random expressions
 *   filter-test loops			the bounds on loops: protochain through
 *					chains of headers, the frame crafted to
 *					make it loop, and hand-made loops
 *   filter-test records			what the dump program the chain runs
 *					writes to its rings, on all three transports:
 *					lengths, generation, bytes, counters
 *   filter-test sanitize		what of a verifier's log the helper
 *					sends the application: no kernel
 *					address
 *
 * Prints a summary and exits 0 if every pair agreed and every program
 * libpcap made was translated, 1 otherwise.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "filter-run.h"
#include "frames.h"
#include "xdp-dump.h"

/*
 * Every family of pcap-filter(7) primitives that applies to Ethernet, with
 * arithmetic and indirect loads.  "inbound", "outbound" and "ifindex" are
 * left out: they have their XDP meaning in the kernel (run-tests.sh checks
 * them), while pcap_offline_filter() can only reject.
 */
static const char *primitives[] = {
	/* hosts, nets */
	"host 10.0.0.1", "src host 10.0.0.2", "dst host 192.168.1.1",
	"host 10.0.0.1 or host 10.0.0.2", "net 10.0.0.0/8",
	"src net 192.168.1.0/24", "dst net 224.0.0.0/4",
	"net 10.0.0.0 mask 255.255.0.0", "ip host 10.1.2.3",
	"ip6 host 2001:db8::1", "src host 2001:db8::2", "ip6 net fe80::/10",
	"dst net ff02::/16", "host fe80::1", "arp host 10.0.0.1",
	"ip src 10.0.0.1 and ip dst 10.0.0.2",
	/* link layer */
	"ether host 00:11:22:33:44:55", "ether src 02:00:00:00:00:01",
	"ether dst ff:ff:ff:ff:ff:ff", "ether broadcast", "ether multicast",
	"broadcast", "multicast", "ip broadcast", "ip multicast",
	"ip6 multicast", "ether proto 0x88cc", "ether proto \\arp",
	"ether[0] & 1 != 0", "ether[12:2] = 0x0800", "ether[6:4] = 0x02000000",
	/* network protocols */
	"ip", "ip6", "arp", "rarp", "ip or ip6", "not ip", "ip proto 47",
	"ip proto \\udp", "ip6 proto 58", "proto 6", "proto \\icmp", "igmp",
	"pim", "sctp", "vrrp", "ah", "esp", "icmp", "icmp6", "tcp", "udp",
	"ip and tcp", "ip6 and udp", "ip6 and tcp",
	/* transport */
	"port 80", "tcp port 80", "udp port 53", "src port 443",
	"dst port 22", "tcp dst port 8080", "udp src port 123",
	"portrange 20-22", "tcp portrange 1000-2000", "udp dst portrange 50-60",
	"port 80 or port 443", "tcp port 80 or icmp", "ip6 and port 53",
	"tcp src port 80 and tcp dst port 443", "port 6081",
	/* tcp, icmp fields */
	"tcp[tcpflags] & tcp-syn != 0", "tcp[tcpflags] & (tcp-syn|tcp-ack) = tcp-syn",
	"tcp[tcpflags] & tcp-rst != 0", "tcp[tcpflags] = tcp-fin|tcp-ack",
	"tcp[13] & 8 != 0", "icmp[icmptype] = icmp-echo",
	"icmp[icmptype] != icmp-echo and icmp[icmptype] != icmp-echoreply",
	"icmp[icmpcode] = 1", "icmp6[icmp6type] = icmp6-echo",
	"icmp6[0] = 128", "tcp[0:2] = 80", "udp[2:2] = 53",
	"udp[4:2] > 100", "tcp[4:4] > 0x80000000", "tcp[12] >> 4 > 5",
	"tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420",
	"tcp[20:4] = 0x47455420", "ip6[6] = 6", "ip6[40] = 0",
	/* ip fields, fragments, options */
	"ip[0] & 0xf != 5", "ip[0] & 0xf > 5", "ip[1] = 0",
	"(ip[6:2] & 0x1fff) != 0", "ip[6] & 0x20 != 0", "ip[6] & 0x40 != 0",
	"ip[8] < 64", "ip[9] = 17", "ip[2:2] > 576", "ip[2:2] < 100",
	"ip[12:4] = 0x0a000001", "ip[16:4] & 0xffffff00 = 0xc0a80100",
	/* lengths */
	"less 100", "greater 1000", "len > 200", "len <= 60", "len = 60",
	"len - 14 > 100", "len >= 1500",
	/* arithmetic */
	"ip[2:2] - 20 > 100", "ip[2:2] + 14 = len", "ip[8] * 2 > 100",
	"ip[8] * 3 < 50", "ip[2:2] / 4 > 100", "ip[2:2] % 7 = 3",
	"ip[9] % 3 = 0", "ip[8] & 0xf0 = 0x40", "ip[8] | 0x0f = 0x3f",
	"ip[8] ^ 0xff = 0xc0", "ip[1] << 2 > 100", "ip[1] >> 1 = 0",
	"ip[0] << ip[1] = 0", "ip[8] >> ip[1] = 0", "ether[14] << ether[15] > 1000",
	"-ip[8] < 0", "ip[8] - ip[9] > 10", "ip[2:2] / ip[1] > 10",
	"ip[2:2] % ip[1] = 1", "len / (ip[1] & 3) = 100",
	"ip[2:2] * ip[8] > 30000", "(ip[2:2] - ip[8]) & 0xff = 0",
	"ether[12:2] + ether[14:2] = 0x4d00",
	/* indirect loads through arithmetic */
	"ip[ip[0] & 0xf] = 0", "ether[ether[13] & 0x3f] = 0",
	"ip[(ip[0] & 0xf) * 4] = 0", "tcp[tcp[0] & 0x1f] > 10",
	"udp[udp[0] & 7:2] != 0", "ip[ip[1]:4] = 0", "ether[len - 2] = 0",
	"ether[len - 1:1] > 128",
	/* VLAN, MPLS, PPPoE */
	"vlan", "vlan 100", "vlan 10 and ip", "vlan and vlan",
	"vlan 1 and vlan 100", "vlan and tcp", "vlan and ip6",
	"vlan and port 80", "mpls", "mpls 16", "mpls and ip",
	"mpls 16 and mpls 17", "mpls and tcp port 80", "pppoed", "pppoes",
	"pppoes and ip",
	/* protochain: loops over IPv6 extension headers */
	"ip6 protochain 6", "ip6 protochain 17", "ip6 protochain 58",
	"protochain 6", "ip protochain 47", "ip6 protochain 44",
	/* combinations */
	"not tcp", "not (tcp or udp)", "tcp and not port 22",
	"(tcp or udp) and not (port 80 or port 443)",
	"ip and (icmp or (tcp and port 80))",
	"arp or (ip and not net 10.0.0.0/8)",
	"ether broadcast or ip multicast or ip6 multicast",
	"(vlan and ip) or (not vlan and ip6)",
	"host 10.0.0.1 and (port 80 or port 53) and not icmp",
	"(ip[6:2] & 0x1fff) = 0 and tcp[tcpflags] & tcp-syn != 0",
	"udp and udp[8:2] = 0 or tcp and tcp[4:2] = 0",
	"ip6 proto 47", "ip proto 47 and ip[20:2] = 0",
};

#define NR_PRIMITIVES (sizeof(primitives) / sizeof(primitives[0]))

struct totals {
	unsigned long programs;
	unsigned long pairs;
	unsigned long mismatches;
	unsigned long refused;		/* by the translator, with a reason */
	unsigned long unloadable;	/* taken, but the kernel said no */
	unsigned long uncompiled;
};

static pcap_t *dead;

static int
compile(const char *expr, int optimize, struct bpf_program *prog)
{
	return pcap_compile(dead, prog, expr, optimize, 0xffffff00);
}

/* --- what libpcap says, under the kernel's bound on loops ----------------- */

/*
 * The kernel rejects a frame on which a filter's loops together take more
 * than XDP_FILTER_MAX_PASSES passes, and takes libpcap's answer otherwise.
 * bpf_filter() does not say how many passes it made, so this follows the
 * program as it does (pcap-filter's bpf_filter.c) to count them: one at
 * each entry to a loop's head, the target of a backward jump the program
 * can reach (as the translator finds them).
 */
struct passes {
	const struct bpf_insn *insns;
	u_int n;
	unsigned char head[XDP_FILTER_MAX_INSNS];
};

static int
bpf_successors(const struct bpf_insn *in, u_int pc, long next[2])
{
	switch (BPF_CLASS(in->code)) {
	case BPF_RET:
		return 0;
	case BPF_JMP:
		if (BPF_OP(in->code) == BPF_JA) {
			next[0] = (long)pc + 1 + (__s32)in->k;
			return 1;
		}
		next[0] = (long)pc + 1 + in->jt;
		next[1] = (long)pc + 1 + in->jf;
		return 2;
	}
	next[0] = (long)pc + 1;
	return 1;
}

/* Finds the loops' heads; returns how many there are. */
static int
find_heads(struct passes *ps, const struct bpf_program *prog)
{
	unsigned char reached[XDP_FILTER_MAX_INSNS] = { 0 };
	u_int todo[XDP_FILTER_MAX_INSNS], nr_todo = 0, pc;
	long next[2];
	int i, nr, heads = 0;

	ps->insns = prog->bf_insns;
	ps->n = prog->bf_len;
	memset(ps->head, 0, sizeof(ps->head));
	reached[0] = 1;
	todo[nr_todo++] = 0;
	while (nr_todo > 0) {
		pc = todo[--nr_todo];
		nr = bpf_successors(&ps->insns[pc], pc, next);
		for (i = 0; i < nr; i++) {
			if (next[i] < 0 || next[i] >= (long)ps->n)
				continue;
			if (next[i] <= (long)pc && !ps->head[next[i]]) {
				ps->head[next[i]] = 1;
				heads++;
			}
			if (!reached[next[i]]) {
				reached[next[i]] = 1;
				todo[nr_todo++] = (u_int)next[i];
			}
		}
	}
	return heads;
}

/* A load of size bytes at k, or -1 where bpf_filter() ends with 0. */
static long
load(const u_char *p, u_int len, uint64_t k, u_int size)
{
	long v = 0;
	u_int i;

	if (k + size > len)
		return -1;
	for (i = 0; i < size; i++)
		v = v << 8 | p[k + i];
	return v;
}

static uint32_t
alu(uint16_t code, uint32_t a, uint32_t v, int *fail)
{
	switch (BPF_OP(code)) {
	case BPF_ADD: return a + v;
	case BPF_SUB: return a - v;
	case BPF_MUL: return a * v;
	case BPF_DIV: *fail = v == 0; return v ? a / v : 0;
	case BPF_MOD: *fail = v == 0; return v ? a % v : 0;
	case BPF_AND: return a & v;
	case BPF_OR: return a | v;
	case BPF_XOR: return a ^ v;
	case BPF_NEG: return 0U - a;
	/* By X, 32 and more give 0; by k, x86's shift takes k mod 32. */
	case BPF_LSH: return BPF_SRC(code) == BPF_X ? (v < 32 ? a << v : 0) :
	    a << (v & 31);
	case BPF_RSH: return BPF_SRC(code) == BPF_X ? (v < 32 ? a >> v : 0) :
	    a >> (v & 31);
	}
	*fail = 1;
	return 0;
}

static const u_int load_size[] = {
	[BPF_W >> 3] = 4, [BPF_H >> 3] = 2, [BPF_B >> 3] = 1,
};

/*
 * Runs the program on a frame until it returns or its loops took more than
 * XDP_FILTER_MAX_PASSES passes; returns what it returned, or -1 then.
 */
static long
run_bounded(struct passes *ps, const u_char *p, u_int len)
{
	uint32_t a = 0, x = 0, mem[16] = { 0 };
	unsigned int passes = 0;
	u_int pc = 0;
	long v;
	int fail = 0;

	for (;; pc++) {
		const struct bpf_insn *in = &ps->insns[pc];

		if (ps->head[pc] && ++passes > XDP_FILTER_MAX_PASSES)
			return -1;
		switch (BPF_CLASS(in->code)) {
		case BPF_RET:
			return BPF_RVAL(in->code) == BPF_A ? a : in->k;
		case BPF_LD:
		case BPF_LDX:
			switch (BPF_MODE(in->code)) {
			case BPF_ABS: v = load(p, len, in->k,
			    load_size[BPF_SIZE(in->code) >> 3]); break;
			case BPF_IND: v = load(p, len, (uint64_t)x + in->k,
			    load_size[BPF_SIZE(in->code) >> 3]); break;
			case BPF_MSH: v = load(p, len, in->k, 1);
			    v = v < 0 ? v : (v & 0xf) << 2; break;
			case BPF_LEN: v = len; break;
			case BPF_MEM: v = mem[in->k]; break;
			default: v = in->k; break;
			}
			if (v < 0)
				return 0;
			if (BPF_CLASS(in->code) == BPF_LD)
				a = (uint32_t)v;
			else
				x = (uint32_t)v;
			break;
		case BPF_ST: mem[in->k] = a; break;
		case BPF_STX: mem[in->k] = x; break;
		case BPF_ALU:
			a = alu(in->code, a, BPF_SRC(in->code) == BPF_X ? x :
			    in->k, &fail);
			if (fail)
				return 0;
			break;
		case BPF_JMP:
			v = BPF_SRC(in->code) == BPF_X ? x : in->k;
			switch (BPF_OP(in->code)) {
			case BPF_JA: pc += (__s32)in->k; continue;
			case BPF_JGT: v = a > (uint32_t)v; break;
			case BPF_JGE: v = a >= (uint32_t)v; break;
			case BPF_JEQ: v = a == (uint32_t)v; break;
			default: v = (a & (uint32_t)v) != 0; break;
			}
			pc += v ? in->jt : in->jf;
			break;
		default:
			if (BPF_MISCOP(in->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		}
	}
}

static sigjmp_buf libpcap_stuck;

static void
on_alarm(int sig)
{
	(void)sig;
	siglongjmp(libpcap_stuck, 1);
}

/*
 * What the kernel should say of a frame: libpcap's answer, or a rejection
 * where the loops run out of passes (ps is NULL for a program without
 * loops).  Where the count above and bpf_filter() disagree on the answer,
 * or bpf_filter() does not end on a frame the count says it leaves, the
 * test itself is wrong: *model_wrong says so.
 */
static unsigned int
reference(const struct bpf_program *prog, struct passes *ps,
    const struct pcap_pkthdr *h, const u_char *data, int *model_wrong)
{
	unsigned int result;
	long bounded;

	if (ps == NULL)
		return (unsigned int)pcap_offline_filter(prog, h, data);
	bounded = run_bounded(ps, data, h->caplen);
	if (bounded < 0)
		return 0;
	if (sigsetjmp(libpcap_stuck, 1) != 0) {
		*model_wrong = 1;
		return 0;
	}
	alarm(1);
	result = (unsigned int)pcap_offline_filter(prog, h, data);
	alarm(0);
	*model_wrong |= result != (unsigned int)bounded;
	return result;
}

/* With FILTER_TEST_SHOW, a frame the two disagree on, in hex. */
static void
show_frame(const struct frame *f)
{
	size_t i;

	for (i = 0; i < f->len; i++)
		printf("%s%02x", i % 16 == 0 ? (i ? "\n  " : "  ") : " ",
		    f->data[i]);
	printf("\n");
}

/* Runs one program on every frame; returns the mismatches. */
static unsigned long
compare(const char *what, const struct bpf_program *prog,
    const struct frame *frames, size_t nr_frames, struct totals *t)
{
	char errbuf[512];
	struct pcap_pkthdr h;
	struct passes passes;
	unsigned int kernel, expected, mismatches = 0;
	size_t i;
	int fd, loops, model_wrong = 0;

	fd = filter_run_load(prog->bf_insns, prog->bf_len, errbuf,
	    sizeof(errbuf));
	t->programs++;
	if (fd < 0) {
		printf("%s: %s: %s\n", fd == -EPROTONOSUPPORT ? "refused" :
		    "FAIL: unloadable", what, errbuf);
		if (getenv("FILTER_TEST_SHOW") != NULL)
			for (i = 0; i < prog->bf_len; i++)
				printf("  %s\n", bpf_image(&prog->bf_insns[i],
				    (int)i));
		if (fd == -EPROTONOSUPPORT)
			t->refused++;
		else
			t->unloadable++;
		return 0;
	}
	loops = find_heads(&passes, prog);
	memset(&h, 0, sizeof(h));
	for (i = 0; i < nr_frames; i++) {
		h.caplen = h.len = (bpf_u_int32)frames[i].len;
		expected = reference(prog, loops ? &passes : NULL, &h,
		    frames[i].data, &model_wrong);
		if (filter_run(fd, frames[i].data, frames[i].len, 1, &kernel,
		    NULL) != 0) {
			printf("FAIL: %s: frame %zu: BPF_PROG_TEST_RUN failed\n",
			    what, i);
			mismatches++;
			continue;
		}
		t->pairs++;
		if (kernel != expected && mismatches++ < 3) {
			printf("MISMATCH: %s: frame %zu (%zu bytes): kernel %u, "
			    "libpcap %u\n", what, i, frames[i].len, kernel,
			    expected);
			if (getenv("FILTER_TEST_SHOW") != NULL)
				show_frame(&frames[i]);
		}
	}
	if (model_wrong) {
		printf("FAIL: %s: this test's count of loop passes does not "
		    "follow bpf_filter()\n", what);
		mismatches++;
	}
	close(fd);
	t->mismatches += mismatches;
	return mismatches;
}

/*
 * For hostile programs: one the translator refuses is fine; one it takes
 * must load (the verifier must not be the one to refuse it) and agree.
 */
static void
compare_if_taken(const char *what, const struct bpf_program *prog,
    const struct frame *frames, size_t nr_frames, struct totals *t)
{
	char errbuf[512];
	int fd;

	fd = filter_run_load(prog->bf_insns, prog->bf_len, errbuf,
	    sizeof(errbuf));
	if (fd == -EPROTONOSUPPORT)
		return;
	if (fd >= 0)
		close(fd);
	compare(what, prog, frames, nr_frames, t);
}

static void
check_expression(const char *expr, const struct frame *frames,
    size_t nr_frames, struct totals *t)
{
	struct bpf_program prog;
	char what[512];
	int optimize;

	for (optimize = 0; optimize <= 1; optimize++) {
		if (compile(expr, optimize, &prog) != 0) {
			printf("FAIL: \"%s\" does not compile: %s\n", expr,
			    pcap_geterr(dead));
			t->uncompiled++;
			continue;
		}
		snprintf(what, sizeof(what), "\"%s\" (%soptimized)", expr,
		    optimize ? "" : "un");
		compare(what, &prog, frames, nr_frames, t);
		pcap_freecode(&prog);
	}
}

/*
 * A program whose branch can never be taken on a path where X is known to
 * be 32 to 60 (after a shift by X rejected it), and that reads at X there:
 * 6.1's verifier follows the branch anyway, with contradictory bounds on X,
 * and refused the load.  It must load, and agree, on every kernel.
 */
static void
check_dead_branch(const struct frame *frames, size_t nr_frames,
    struct totals *t)
{
	static struct bpf_insn insns[] = {
		BPF_STMT(BPF_LDX | BPF_MSH | BPF_B, 14),
		BPF_STMT(BPF_ALU | BPF_LSH | BPF_X, 0),
		BPF_STMT(BPF_LD | BPF_IMM, 15),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_X, 0, 0, 1),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 32),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct bpf_program prog = { sizeof(insns) / sizeof(insns[0]), insns };

	compare("a branch the verifier cannot tell is dead", &prog, frames,
	    nr_frames, t);
}

static int
run_diff(size_t nr_frames)
{
	struct totals t = { 0 };
	struct frame *frames = calloc(nr_frames, sizeof(*frames));
	char expr[1024];
	size_t i, nr_expr = 0;

	if (frames == NULL)
		return 1;
	frames_make(frames, nr_frames, 20261125);
	for (i = 0; i < NR_PRIMITIVES; i++, nr_expr++)
		check_expression(primitives[i], frames, nr_frames, &t);
	/*
	 * Pairs of primitives, joined so that the result can match something
	 * (pcap_compile() refuses expressions that reject every packet).
	 */
	for (i = 0; i + 7 < NR_PRIMITIVES; i += 2, nr_expr += 2) {
		snprintf(expr, sizeof(expr), "(%s) or (%s)", primitives[i],
		    primitives[i + 7]);
		check_expression(expr, frames, nr_frames, &t);
		snprintf(expr, sizeof(expr), "not (%s) or not (%s)",
		    primitives[i + 1], primitives[(i * 5 + 3) % NR_PRIMITIVES]);
		check_expression(expr, frames, nr_frames, &t);
	}
	check_dead_branch(frames, nr_frames, &t);
	printf("%zu expressions, %lu programs (each optimized and "
	    "unoptimized, and one made by hand), %zu frames, %lu pairs: "
	    "%lu mismatches, %lu refused, %lu not compiled\n", nr_expr, t.programs, nr_frames, t.pairs,
	    t.mismatches, t.refused + t.unloadable, t.uncompiled);
	free(frames);
	return t.mismatches || t.refused || t.unloadable || t.uncompiled ?
	    1 : 0;
}

/* --- fuzzing ------------------------------------------------------------- */

static uint64_t rng;

static uint32_t
pick(uint32_t n)
{
	return frames_random(&rng) % n;
}

/*
 * A random valid classic BPF program: every opcode libpcap's bpf_filter()
 * runs, forward jumps only, offsets small enough to hit the frames and large
 * enough to miss them, and a return at the end.  It first writes all of
 * M[], which bpf_filter() would otherwise read uninitialized.
 */
#define FUZZ_PROLOGUE	17

static void
random_program(struct bpf_insn *insns, u_int n)
{
	static const u_short codes[] = {
		BPF_LD | BPF_W | BPF_ABS, BPF_LD | BPF_H | BPF_ABS,
		BPF_LD | BPF_B | BPF_ABS, BPF_LD | BPF_W | BPF_IND,
		BPF_LD | BPF_H | BPF_IND, BPF_LD | BPF_B | BPF_IND,
		BPF_LD | BPF_W | BPF_LEN, BPF_LD | BPF_IMM, BPF_LDX | BPF_IMM,
		BPF_LDX | BPF_W | BPF_LEN, BPF_LDX | BPF_MSH | BPF_B,
		BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM, BPF_ST, BPF_STX,
		BPF_ALU | BPF_ADD | BPF_K, BPF_ALU | BPF_SUB | BPF_K,
		BPF_ALU | BPF_MUL | BPF_K, BPF_ALU | BPF_DIV | BPF_K,
		BPF_ALU | BPF_MOD | BPF_K, BPF_ALU | BPF_AND | BPF_K,
		BPF_ALU | BPF_OR | BPF_K, BPF_ALU | BPF_XOR | BPF_K,
		BPF_ALU | BPF_LSH | BPF_K, BPF_ALU | BPF_RSH | BPF_K,
		BPF_ALU | BPF_ADD | BPF_X, BPF_ALU | BPF_SUB | BPF_X,
		BPF_ALU | BPF_MUL | BPF_X, BPF_ALU | BPF_DIV | BPF_X,
		BPF_ALU | BPF_MOD | BPF_X, BPF_ALU | BPF_AND | BPF_X,
		BPF_ALU | BPF_OR | BPF_X, BPF_ALU | BPF_XOR | BPF_X,
		BPF_ALU | BPF_LSH | BPF_X, BPF_ALU | BPF_RSH | BPF_X,
		BPF_ALU | BPF_NEG, BPF_MISC | BPF_TAX, BPF_MISC | BPF_TXA,
		BPF_JMP | BPF_JA, BPF_JMP | BPF_JEQ | BPF_K,
		BPF_JMP | BPF_JGT | BPF_K, BPF_JMP | BPF_JGE | BPF_K,
		BPF_JMP | BPF_JSET | BPF_K, BPF_JMP | BPF_JEQ | BPF_X,
		BPF_JMP | BPF_JGT | BPF_X, BPF_JMP | BPF_JGE | BPF_X,
		BPF_JMP | BPF_JSET | BPF_X, BPF_RET | BPF_K, BPF_RET | BPF_A,
	};
	u_int i, left;

	insns[0].code = BPF_LD | BPF_IMM;
	insns[0].k = frames_random(&rng);
	insns[0].jt = insns[0].jf = 0;
	for (i = 1; i < FUZZ_PROLOGUE; i++) {
		insns[i].code = BPF_ST;
		insns[i].jt = insns[i].jf = 0;
		insns[i].k = i - 1;
	}
	for (i = FUZZ_PROLOGUE; i + 1 < n; i++) {
		struct bpf_insn *f = &insns[i];

		f->code = codes[pick(sizeof(codes) / sizeof(codes[0]))];
		f->jt = f->jf = 0;
		f->k = pick(4) ? pick(80) : pick(3) ? pick(2000) : frames_random(&rng);
		left = n - i - 2;	/* instructions between here and the end */
		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
		case BPF_LDX:
			if (BPF_MODE(f->code) == BPF_MEM)
				f->k = pick(16);
			break;
		case BPF_ST:
		case BPF_STX:
			f->k = pick(16);
			break;
		case BPF_ALU:
			if ((BPF_OP(f->code) == BPF_DIV ||
			    BPF_OP(f->code) == BPF_MOD) && f->k == 0)
				f->k = 1;
			if (BPF_OP(f->code) == BPF_LSH ||
			    BPF_OP(f->code) == BPF_RSH)
				f->k %= 32;
			break;
		case BPF_JMP:
			if (BPF_OP(f->code) == BPF_JA)
				f->k = left ? pick(left + 1) : 0;
			else {
				f->jt = (u_char)(left ? pick(left < 255 ? left + 1 : 256) : 0);
				f->jf = (u_char)(left ? pick(left < 255 ? left + 1 : 256) : 0);
				if (pick(2))
					f->k = pick(256);
			}
			break;
		}
	}
	insns[n - 1].code = pick(2) ? BPF_RET | BPF_A : BPF_RET | BPF_K;
	insns[n - 1].jt = insns[n - 1].jf = 0;
	insns[n - 1].k = pick(2) ? 0 : pick(70000);
}

/*
 * A hostile program, as an unprivileged application could send the helper:
 * any code, any jump, any constant.  The translator must refuse it or
 * translate it right; bpf_filter() only runs the ones it took.
 */
static void
hostile_program(struct bpf_insn *insns, u_int n)
{
	u_int i;

	for (i = 0; i < n; i++) {
		insns[i].code = (u_short)(pick(4) ? frames_random(&rng) & 0xff :
		    frames_random(&rng));
		insns[i].jt = (u_char)pick(256);
		insns[i].jf = (u_char)pick(pick(2) ? 4 : 256);
		insns[i].k = pick(2) ? pick(100) : frames_random(&rng);
	}
	insns[n - 1].code = BPF_RET | BPF_A;
}

/* A random expression: primitives joined with and, or, not. */
static void
random_expression(char *expr, size_t len)
{
	int nr = 1 + (int)pick(4), i;
	size_t used = 0;

	for (i = 0; i < nr && used < len; i++)
		used += (size_t)snprintf(expr + used, len - used, "%s%s(%s)",
		    i == 0 ? "" : pick(2) ? " and " : " or ",
		    pick(4) == 0 ? "not " : "",
		    primitives[pick(NR_PRIMITIVES)]);
}

static int
run_fuzz(unsigned int seconds, uint64_t seed)
{
	struct totals t = { 0 };
	struct frame frames[64];
	struct bpf_insn insns[FUZZ_PROLOGUE + 64];
	struct bpf_program prog;
	char expr[2048], what[2200];
	time_t end = time(NULL) + seconds;
	unsigned long rounds = 0;

	rng = seed;
	while (time(NULL) < end) {
		frames_make(frames, 64, frames_random(&rng) | 1);
		prog.bf_len = FUZZ_PROLOGUE + 2 + pick(60);
		prog.bf_insns = insns;
		random_program(insns, prog.bf_len);
		snprintf(what, sizeof(what), "random program %lu", rounds);
		compare(what, &prog, frames, 64, &t);
		hostile_program(insns, prog.bf_len);
		snprintf(what, sizeof(what), "hostile program %lu", rounds);
		compare_if_taken(what, &prog, frames, 64, &t);
		random_expression(expr, sizeof(expr));
		if (compile(expr, (int)pick(2), &prog) == 0) {
			snprintf(what, sizeof(what), "\"%s\"", expr);
			compare(what, &prog, frames, 64, &t);
			pcap_freecode(&prog);
		}
		rounds++;
	}
	printf("fuzz, seed %llu: %lu rounds, %lu programs, %lu pairs: "
	    "%lu mismatches, %lu refused by the translator, %lu refused by "
	    "the kernel\n", (unsigned long long)seed, rounds, t.programs,
	    t.pairs, t.mismatches, t.refused, t.unloadable);
	/* Random programs and expressions are valid: none may be refused. */
	return t.mismatches || t.unloadable || t.refused ? 1 : 0;
}

/* IPv6, n destination-options headers of 8 bytes, then TCP. */
static size_t
ipv6_with_options(unsigned char *f, unsigned int n)
{
	size_t len = 14 + 40 + 8 * (size_t)n + 20, off = 54;
	unsigned int i;

	memset(f, 0, len);
	f[12] = 0x86;
	f[13] = 0xdd;
	f[14] = 0x60;
	f[18] = (unsigned char)((len - 54) >> 8);
	f[19] = (unsigned char)(len - 54);
	f[20] = n > 0 ? 60 : 6;
	f[21] = 64;
	for (i = 0; i < n; i++, off += 8)
		f[off] = i + 1 < n ? 60 : 6;	/* next; length 0: 8 bytes */
	return len;
}

static int
expect_result(const char *what, int fd, const unsigned char *f, size_t len,
    unsigned int want)
{
	unsigned int kernel;

	if (filter_run(fd, f, len, 1, &kernel, NULL) != 0 || kernel != want) {
		printf("FAIL: %s: kernel %u, expected %u\n", what, kernel, want);
		return 1;
	}
	return 0;
}

/*
 * A hand-made loop over nothing, with body instructions in all, loads of
 * them packet loads: "again: loads; ALU ops; jump back to again".
 */
static size_t
hand_made_loop(struct bpf_insn *insns, size_t body, size_t loads)
{
	size_t i, n = 0;

	for (i = 0; i + 1 < body; i++)
		insns[n++] = (struct bpf_insn)BPF_STMT(i < loads ?
		    BPF_LD | BPF_B | BPF_ABS : BPF_ALU | BPF_ADD | BPF_K, 1);
	insns[n] = (struct bpf_insn)BPF_STMT(BPF_JMP | BPF_JA, 0);
	insns[n].k = (bpf_u_int32)-(int)(n + 1);
	n++;
	insns[n++] = (struct bpf_insn)BPF_STMT(BPF_RET | BPF_K, 0);
	return n;
}

/*
 * Loops are bounded in the kernel (xdp-filter.c): protochain follows up
 * to 15 headers, as libpcap does; more, or the crafted AH frame, on which
 * libpcap never ends, are rejected; hand-made loops longer or heavier a
 * pass than protochain's are refused, and a light one ends.
 */
/*
 * A protochain filter whose loops pass walks times over each header: on
 * chains of 0 to 20 headers, libpcap's answer while the walks take at most
 * XDP_FILTER_MAX_PASSES passes, a rejection after, and for the crafted AH
 * frame.
 */
static unsigned int
check_protochain(const char *expr, unsigned int walks)
{
	unsigned char f[FRAME_MAX];
	struct bpf_program prog;
	struct pcap_pkthdr h;
	char errbuf[512], what[600];
	unsigned int n, libpcap, failed = 0;
	size_t len;
	int fd;

	if (compile(expr, 1, &prog) != 0)
		return 1;
	fd = filter_run_load(prog.bf_insns, prog.bf_len, errbuf,
	    sizeof(errbuf));
	if (fd < 0) {
		printf("FAIL: %s: %s\n", expr, errbuf);
		pcap_freecode(&prog);
		return 1;
	}
	for (n = 0; n <= 20; n++) {
		len = ipv6_with_options(f, n);
		h.caplen = h.len = (bpf_u_int32)len;
		libpcap = (unsigned int)pcap_offline_filter(&prog, &h, f);
		snprintf(what, sizeof(what), "%s, %u headers", expr, n);
		failed |= expect_result(what, fd, f, len,
		    walks * (n + 1) <= XDP_FILTER_MAX_PASSES ? libpcap : 0);
	}
	len = frames_ah_loop(f, f + 20, f + 30);
	snprintf(what, sizeof(what), "%s, the crafted AH frame", expr);
	failed |= expect_result(what, fd, f, len, 0);
	close(fd);
	pcap_freecode(&prog);
	return failed;
}

static int
run_loops(void)
{
	static struct bpf_insn insns[4096];
	unsigned char f[FRAME_MAX];
	struct bpf_program prog;
	char errbuf[512];
	unsigned int failed = 0;
	int fd;

	failed |= check_protochain("ip6 protochain 6", 1);
	/* The first walks the headers in vain, the second finds TCP. */
	failed |= check_protochain("ip6 protochain 17 or ip6 protochain 6", 2);

	prog.bf_insns = insns;
	prog.bf_len = (u_int)hand_made_loop(insns, 2901, 2900);
	fd = filter_run_load(insns, prog.bf_len, errbuf, sizeof(errbuf));
	if (fd >= 0 || strstr(errbuf, "a loop of 2901 instructions") == NULL) {
		printf("FAIL: a loop of 2900 loads: %s\n", fd >= 0 ? "taken" :
		    errbuf);
		failed = 1;
	}
	prog.bf_len = (u_int)hand_made_loop(insns, 32, 5);
	fd = filter_run_load(insns, prog.bf_len, errbuf, sizeof(errbuf));
	if (fd >= 0 || strstr(errbuf, "reads the frame 5 times") == NULL) {
		printf("FAIL: a loop of 5 loads a pass: %s\n", fd >= 0 ?
		    "taken" : errbuf);
		failed = 1;
	}
	prog.bf_len = (u_int)hand_made_loop(insns, 32, 4);
	fd = filter_run_load(insns, prog.bf_len, errbuf, sizeof(errbuf));
	if (fd < 0) {
		printf("FAIL: a light loop: %s\n", errbuf);
		failed = 1;
	} else {
		memset(f, 0, 60);
		failed |= expect_result("a light loop that never ends", fd, f,
		    60, 0);
		close(fd);
	}
	printf("%s: protochain through 0 to 15 headers as libpcap, two "
	    "sharing the bound, more and the crafted AH frame rejected; "
	    "hand-made loops bounded\n",
	    failed ? "FAIL" : "ok");
	return (int)failed;
}

/*
 * The dump program, as the chain runs it, with a filter that keeps 100
 * bytes and a snapshot length of 80, on frames of 60 and 200 bytes: each
 * record must say cap_len = min(keep, len, snaplen), the frame's length
 * and generation 1, and hold the frame's first bytes; SEEN counts both
 * frames, LOST none.
 */
static int
check_records(int transport, const char *name)
{
	static const struct bpf_insn keep_100[] = { BPF_STMT(BPF_RET | BPF_K, 100) };
	static const unsigned int lens[] = { 60, 200 };
	struct filter_run_record rec;
	unsigned char f[200];
	char errbuf[512];
	uint64_t seen, lost;
	unsigned int i, result, want;
	int fd, failed = 0;

	fd = filter_run_load_dump(keep_100, 1, transport, 1 << 20, 80, errbuf,
	    sizeof(errbuf));
	if (fd < 0) {
		printf("FAIL: records, %s: %s\n", name, errbuf);
		return 1;
	}
	filter_run_empty_rings();
	for (i = 0; i < 2; i++) {
		memset(f, (int)(0x10 + i), sizeof(f));
		if (filter_run(fd, f, lens[i], 1, &result, NULL) != 0 ||
		    !filter_run_next_record(&rec)) {
			printf("FAIL: records, %s: no record of the %u-byte "
			    "frame\n", name, lens[i]);
			failed = 1;
			continue;
		}
		want = lens[i] < 80 ? lens[i] : 80;
		if (rec.hdr.cap_len != want || rec.hdr.wire_len != lens[i] ||
		    rec.hdr.filter_gen != 1 || memcmp(rec.data, f, want) != 0) {
			printf("FAIL: records, %s: %u-byte frame: cap_len %u "
			    "(not %u), wire_len %u, generation %u\n", name,
			    lens[i], rec.hdr.cap_len, want, rec.hdr.wire_len,
			    rec.hdr.filter_gen);
			failed = 1;
		}
	}
	if (filter_run_count(XDP_CAPTURE_SEEN, &seen) != 0 ||
	    filter_run_count(XDP_CAPTURE_LOST, &lost) != 0 || seen != 2 ||
	    lost != 0) {
		printf("FAIL: records, %s: counters seen %llu, lost %llu\n",
		    name, (unsigned long long)seen, (unsigned long long)lost);
		failed = 1;
	}
	close(fd);
	return failed;
}

static int
run_records(void)
{
	int failed = check_records(XDP_CAPTURE_OWN, "own rings") |
	    check_records(XDP_CAPTURE_RINGBUF, "ring buffers") |
	    check_records(XDP_CAPTURE_PERF, "perf-event rings");

	printf("%s: the dump program's records on all three transports: "
	    "cap_len = min(keep, len, snaplen), len, generation, bytes, "
	    "counters\n",
	    failed ? "FAIL" : "ok");
	return failed;
}

/*
 * Lines of privileged loads' verifier logs, which show kernel addresses,
 * and what the application may be told of them.
 */
static int
run_sanitize(void)
{
	static const char *cases[][2] = {
		{ "0: (18) r2 = 0xffff8881049c5400",
		  "0: (18) r2 = ..." },
		{ "R2 leaks addr into map ffffa0ff81234000 at off=8",
		  "R2 leaks addr into map ... at off=8" },
		{ "invalid access to packet, off=14 size=1, R9(id=0,off=14,r=0)",
		  "invalid access to packet, off=14 size=1, R9(id=0,off=14,r=0)" },
		{ "R1 type=scalar expected=map_ptr, 0XFFFF888100ABCDEF",
		  "R1 type=scalar expected=map_ptr, ..." },
	};
	char line[256];
	size_t i;
	int failed = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(line, sizeof(line), "%s", cases[i][0]);
		if (strcmp(xdp_dump_sanitize(line), cases[i][1]) != 0) {
			printf("FAIL: \"%s\" became \"%s\"\n", cases[i][0],
			    line);
			failed = 1;
		}
	}
	printf("%s: kernel addresses taken out of %zu verifier lines\n",
	    failed ? "FAIL" : "ok", i);
	return failed;
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, on_alarm);
	dead = pcap_open_dead(DLT_EN10MB, 262144);
	if (dead == NULL)
		return 1;
	if (argc >= 2 && strcmp(argv[1], "diff") == 0)
		return run_diff(argc > 2 ? (size_t)atol(argv[2]) : 2000);
	if (argc >= 3 && strcmp(argv[1], "fuzz") == 0)
		return run_fuzz((unsigned int)atoi(argv[2]), argc > 3 ?
		    strtoull(argv[3], NULL, 0) : (uint64_t)time(NULL));
	if (argc == 2 && strcmp(argv[1], "loops") == 0)
		return run_loops();
	if (argc == 2 && strcmp(argv[1], "sanitize") == 0)
		return run_sanitize();
	if (argc == 2 && strcmp(argv[1], "records") == 0)
		return run_records();
	fprintf(stderr, "usage: filter-test diff [FRAMES] | fuzz SECONDS [SEED] "
	    "| loops | records | sanitize\n");
	return 2;
}
