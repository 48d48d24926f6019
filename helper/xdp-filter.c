/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Filter translation, classic BPF to eBPF (see xdp-filter.h).
 *
 * One classic instruction becomes a few eBPF ones.  A lives in r7 and X in
 * r8, both as 32-bit values (every operation is a 32-bit one, which zeroes
 * the upper half); M[] lives on the stack.  The semantics are those of
 * libpcap's bpf_filter():
 * - a load that reaches past the end of the frame rejects it; X + k does
 *   not wrap (frames are shorter than 64 KiB, so an offset past 0xffff
 *   always rejects);
 * - a division or modulo by X = 0 rejects the frame;
 * - a shift by X of 32 or more gives 0;
 * - "len" is the whole frame's length.
 * What bpf_filter() leaves undefined is refused instead (shifts by a
 * constant of 32 or more), as is what bpf_validate() refuses, so that the
 * verifier never has to say no.  Linux's ancillary loads that libpcap emits
 * on a live handle get their XDP meaning: the packet type is PACKET_HOST
 * (XDP sees only incoming frames: "inbound" is true, "outbound" false), and
 * the interface index is the ingress interface's.
 *
 * Backward jumps are what "protochain" compiles to: a loop over IPv6 (or
 * IPv4) headers.  The verifier cannot bound such a loop when it reads the
 * packet directly (each pass must prove a new range for X), so a loop's
 * body becomes a bpf_loop() callback that reads the packet with
 * bpf_xdp_load_bytes(), which needs no proof, and keeps A, X, the context
 * and its way out in XDP_FILTER_STACK_LOOP.
 *
 * Anyone who can send a frame chooses how long such a loop runs: libpcap's
 * own code sets X to an AH header's length instead of adding it, and an AH
 * header that points back at itself makes the loop run for ever (in
 * bpf_filter() too).  So the kernel's work per frame is bounded: all the
 * loops of a filter together take at most XDP_FILTER_MAX_PASSES passes a
 * frame, and a loop's body at most XDP_FILTER_MAX_LOOP_INSNS instructions,
 * XDP_FILTER_MAX_LOOP_LOADS of them packet loads (protochain's takes a
 * pass per header and two loads); a frame that needs more passes is
 * rejected.  The same bounds hold for loops a client wrote by hand.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/filter.h>
#include <linux/if_packet.h>

#include "xdp-filter.h"
#include "xdp-insn.h"

#define R_CTX		BPF_REG_6
#define R_A		BPF_REG_7
#define R_X		BPF_REG_8
#define R_DATA		BPF_REG_9
#define R_DATA_END	BPF_REG_5
#define R_TMP		BPF_REG_2
#define R_TMP2		BPF_REG_3

#define XDP_FILTER_MAX_OFFSET	0xffff
#define XDP_FILTER_MEMWORDS	16	/* BPF_MEMWORDS */

/*
 * The bounds on a loop's body (see the top of this file), so that a pass
 * of a hand-made loop costs no more than one of protochain's.
 */
#define XDP_FILTER_MAX_LOOP_INSNS	32
#define XDP_FILTER_MAX_LOOP_LOADS	4

/* The loop state at XDP_FILTER_STACK_LOOP. */
#define LOOP_CTX	0	/* the XDP context, 8 bytes */
#define LOOP_A		8
#define LOOP_X		12
#define LOOP_EXIT	16	/* how the callback left the loop */
#define EXIT_NONE	0	/* it did not: the passes ran out */
#define EXIT_REJECT	1
#define EXIT_ACCEPT	2
#define EXIT_TO(i)	(3 + (i))	/* go on at instruction i */
#define LOOP_PASSES	20	/* passes left to the frame's loops */

/* In a loop's callback: r9 points at the loop state, fp - 8 is a buffer. */
#define R_LOOP		BPF_REG_9
#define CB_BUF		(-8)

struct xdp_filter_loop {
	size_t	head;		/* the first instruction, where jumps go back */
	size_t	end;		/* the last instruction */
};

struct xdp_filter_ctx {
	struct xdp_prog *prog;
	const struct xdp_filter_insn *filter;
	size_t	n;
	size_t	label_base;
	size_t	accept;
	size_t	reject;
	char	*errbuf;
	size_t	errlen;
	struct xdp_filter_loop loop[XDP_FILTER_MAX_LOOPS];
	size_t	nr_loops;
	const struct xdp_filter_loop *in_loop;	/* translating its body */
	size_t	loop_labels;	/* the first of in_loop's labels */
};

static int
xdp_filter_refuse(struct xdp_filter_ctx *c, size_t i, const char *fmt, ...)
{
	va_list ap;
	int len;

	len = snprintf(c->errbuf, c->errlen, "instruction %zu (code 0x%02x): ",
	    i, c->filter[i].code);
	if (len < 0 || (size_t)len >= c->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->errbuf + len, c->errlen - (size_t)len, fmt, ap);
	va_end(ap);
	return -1;
}

static void
emit(struct xdp_filter_ctx *c, struct bpf_insn insn)
{
	xdp_prog_emit(c->prog, insn);
}

/*
 * The frame length, M[] and the loop state are on the main program's
 * stack: a loop's callback reaches them through R_LOOP.
 */
static int
stack_reg(const struct xdp_filter_ctx *c)
{
	return c->in_loop ? R_LOOP : BPF_REG_10;
}

static __s16
stack_off(const struct xdp_filter_ctx *c, int off)
{
	return (__s16)(c->in_loop ? off - XDP_FILTER_STACK_LOOP : off);
}

static __s16
mem_off(const struct xdp_filter_ctx *c, __u32 k)
{
	return stack_off(c, XDP_FILTER_STACK_MEM + 4 * (int)k);
}

static void
emit_to(struct xdp_filter_ctx *c, struct bpf_insn jump, size_t label)
{
	xdp_prog_emit_to(c->prog, jump, label);
}

/* A loop's own labels: its exits to each instruction, then these. */
#define LOOP_LABEL_REJECT(c)	((c)->loop_labels + (c)->n)
#define LOOP_LABEL_ACCEPT(c)	((c)->loop_labels + (c)->n + 1)
#define LOOP_LABEL_ENTRY(c)	((c)->loop_labels + (c)->n + 2)
#define LOOP_LABEL_AGAIN(c)	((c)->loop_labels + (c)->n + 3)

static size_t
loop_labels(const struct xdp_filter_ctx *c, size_t loop)
{
	return c->label_base + c->n + loop * (c->n + 4);
}

/*
 * The label of the instruction off places after i (a jump's target).  In a
 * loop's callback, going back to the head means another pass, and leaving
 * the loop means returning from the callback, through stubs.
 */
static size_t
target(const struct xdp_filter_ctx *c, size_t i, long off)
{
	size_t j = (size_t)((long)i + 1 + off);

	if (c->in_loop == NULL || (j > c->in_loop->head && j <= c->in_loop->end))
		return c->label_base + j;
	if (j == c->in_loop->head)
		return LOOP_LABEL_AGAIN(c);
	return c->loop_labels + j;
}

static int
load_size(__u16 code)
{
	switch (BPF_SIZE(code)) {
	case BPF_W:
		return 4;
	case BPF_H:
		return 2;
	case BPF_B:
		return 1;
	}
	return 0;
}

static int
bpf_size(int size)
{
	return size == 4 ? BPF_W : size == 2 ? BPF_H : BPF_B;
}

/* Network byte order to host, for loads of more than a byte. */
static void
emit_to_host(struct xdp_filter_ctx *c, int reg, int size)
{
	if (size > 1)
		emit(c, XDP_BE(reg, size * 8));
}

/* Whether a load can only reject: frames are shorter than 64 KiB. */
static int
always_rejects(const struct xdp_filter_insn *f)
{
	int size = load_size(f->code);

	if (f->code == (BPF_LDX | BPF_MSH | BPF_B))
		size = 1;
	else if (BPF_CLASS(f->code) != BPF_LD ||
	    (BPF_MODE(f->code) != BPF_ABS && BPF_MODE(f->code) != BPF_IND) ||
	    size == 0 || (BPF_MODE(f->code) == BPF_ABS &&
	    f->k >= (__u32)SKF_AD_OFF))
		return 0;
	return f->k > XDP_FILTER_MAX_OFFSET - (__u32)size;
}

/*
 * In a loop's callback: dst = the size bytes at offset (X if ind) + k,
 * through bpf_xdp_load_bytes(), which fails for bytes past the frame.
 */
static void
emit_load_helper(struct xdp_filter_ctx *c, int dst, int ind, __u32 k,
    int size)
{
	if (ind) {
		emit(c, XDP_MOV32_REG(BPF_REG_2, R_X));
		emit_to(c, XDP_JMP_IMM(BPF_JGT, BPF_REG_2,
		    (__s32)(XDP_FILTER_MAX_OFFSET - k - (__u32)size), 0),
		    c->reject);
		emit(c, XDP_ALU64_IMM(BPF_ADD, BPF_REG_2, (__s32)k));
	} else
		emit(c, XDP_MOV32_IMM(BPF_REG_2, (__s32)k));
	emit(c, XDP_MOV64_REG(BPF_REG_1, R_CTX));
	emit(c, XDP_MOV64_REG(BPF_REG_3, BPF_REG_10));
	emit(c, XDP_ALU64_IMM(BPF_ADD, BPF_REG_3, CB_BUF));
	emit(c, XDP_MOV64_IMM(BPF_REG_4, size));
	emit(c, XDP_CALL(BPF_FUNC_xdp_load_bytes));
	emit_to(c, XDP_JMP_IMM(BPF_JNE, BPF_REG_0, 0, 0), c->reject);
	emit(c, XDP_LDX_MEM(bpf_size(size), dst, BPF_REG_10, CB_BUF));
	emit_to_host(c, dst, size);
}

/*
 * dst = the size bytes at the constant offset k of the frame, in host
 * order, read directly; a frame too short for them is rejected.
 */
static void
emit_load_abs_direct(struct xdp_filter_ctx *c, int dst, __u32 k, int size)
{
	/* data + k + size <= data_end, which lets the verifier read. */
	emit(c, XDP_MOV64_REG(R_TMP, R_DATA));
	emit(c, XDP_ALU64_IMM(BPF_ADD, R_TMP, (__s32)(k + (__u32)size)));
	emit_to(c, XDP_JMP_REG(BPF_JGT, R_TMP, R_DATA_END, 0), c->reject);
	if (k + (__u32)size <= 0x7fff)
		emit(c, XDP_LDX_MEM(bpf_size(size), dst, R_DATA, (__s16)k));
	else
		emit(c, XDP_LDX_MEM(bpf_size(size), dst, R_TMP, -size));
	emit_to_host(c, dst, size);
}

/*
 * A = the size bytes at X + k, which does not wrap, read directly.
 *
 * Bounding X first lets the verifier accept data + X.  X goes through a
 * stack slot that is not 8-byte aligned, which no verifier tracks, so that
 * the bound is all it knows of it: older verifiers (6.1's) follow branches
 * they cannot tell are never taken, where what they derived of X is a
 * contradiction (at least 32 and at most 15, say), and they turn a packet
 * pointer plus such an offset into a scalar that cannot be read through.
 */
static void
emit_load_ind_direct(struct xdp_filter_ctx *c, __u32 k, int size)
{
	__u32 end = k + (__u32)size;

	emit(c, XDP_STX_MEM(BPF_W, BPF_REG_10, R_X, XDP_FILTER_STACK_X));
	emit(c, XDP_LDX_MEM(BPF_W, R_TMP, BPF_REG_10, XDP_FILTER_STACK_X));
	emit_to(c, XDP_JMP_IMM(BPF_JGT, R_TMP, (__s32)(XDP_FILTER_MAX_OFFSET -
	    end), 0), c->reject);
	emit(c, XDP_ALU64_REG(BPF_ADD, R_TMP, R_DATA));
	emit(c, XDP_MOV64_REG(R_TMP2, R_TMP));
	emit(c, XDP_ALU64_IMM(BPF_ADD, R_TMP2, (__s32)end));
	emit_to(c, XDP_JMP_REG(BPF_JGT, R_TMP2, R_DATA_END, 0), c->reject);
	emit(c, XDP_LDX_MEM(bpf_size(size), R_A, R_TMP2, -(__s16)size));
	emit_to_host(c, R_A, size);
}

/*
 * dst = the size bytes at (X if ind) + k: a load that can only reach past
 * a frame shorter than 64 KiB rejects; a loop's callback reads through the
 * helper, the main program directly.
 */
static void
emit_load(struct xdp_filter_ctx *c, int dst, int ind, __u32 k, int size)
{
	if (k > XDP_FILTER_MAX_OFFSET - (__u32)size)
		emit_to(c, XDP_JA(0), c->reject);
	else if (c->in_loop)
		emit_load_helper(c, dst, ind, k, size);
	else if (ind)
		emit_load_ind_direct(c, k, size);
	else
		emit_load_abs_direct(c, dst, k, size);
}

/* Linux's ancillary data: what libpcap emits for inbound, outbound, ifindex. */
static int
emit_load_ancillary(struct xdp_filter_ctx *c, size_t i)
{
	const struct xdp_filter_insn *f = &c->filter[i];
	__u32 what = f->k - (__u32)SKF_AD_OFF;

	if (what == SKF_AD_PKTTYPE && BPF_SIZE(f->code) == BPF_H) {
		emit(c, XDP_MOV32_IMM(R_A, PACKET_HOST));
		return 0;
	}
	if (what == SKF_AD_IFINDEX && BPF_SIZE(f->code) == BPF_W) {
		emit(c, XDP_LDX_MEM(BPF_W, R_A, R_CTX,
		    offsetof(struct xdp_md, ingress_ifindex)));
		return 0;
	}
	return xdp_filter_refuse(c, i, "Linux ancillary data %u has no "
	    "meaning at the XDP hook", what);
}

/* A or X = k, the frame's length, or M[k]. */
static int
translate_ld_value(struct xdp_filter_ctx *c, size_t i, int dst)
{
	const struct xdp_filter_insn *f = &c->filter[i];

	switch (BPF_MODE(f->code)) {
	case BPF_IMM:
		emit(c, XDP_MOV32_IMM(dst, (__s32)f->k));
		return 0;
	case BPF_LEN:
		emit(c, XDP_LDX_MEM(BPF_W, dst, stack_reg(c),
		    stack_off(c, XDP_FILTER_STACK_WIRE_LEN)));
		return 0;
	}
	if (f->k >= XDP_FILTER_MEMWORDS)
		return xdp_filter_refuse(c, i, "M[%u] is out of range", f->k);
	emit(c, XDP_LDX_MEM(BPF_W, dst, stack_reg(c), mem_off(c, f->k)));
	return 0;
}

static int
translate_ld(struct xdp_filter_ctx *c, size_t i)
{
	const struct xdp_filter_insn *f = &c->filter[i];
	int size = load_size(f->code);

	switch (BPF_MODE(f->code)) {
	case BPF_ABS:
		if (size == 0)
			break;
		if (f->k >= (__u32)SKF_AD_OFF)
			return emit_load_ancillary(c, i);
		emit_load(c, R_A, 0, f->k, size);
		return 0;
	case BPF_IND:
		if (size == 0)
			break;
		emit_load(c, R_A, 1, f->k, size);
		return 0;
	case BPF_IMM:
	case BPF_LEN:
	case BPF_MEM:
		return translate_ld_value(c, i, R_A);
	}
	return xdp_filter_refuse(c, i, "unknown load");
}

static int
translate_ldx(struct xdp_filter_ctx *c, size_t i)
{
	const struct xdp_filter_insn *f = &c->filter[i];

	switch (BPF_MODE(f->code)) {
	case BPF_IMM:
	case BPF_LEN:
	case BPF_MEM:
		return translate_ld_value(c, i, R_X);
	case BPF_MSH:
		if (BPF_SIZE(f->code) != BPF_B)
			break;
		/* X = (P[k] & 0xf) << 2: an IPv4 header's length. */
		emit_load(c, R_X, 0, f->k, 1);
		if (always_rejects(f))
			return 0;
		emit(c, XDP_ALU32_IMM(BPF_AND, R_X, 0xf));
		emit(c, XDP_ALU32_IMM(BPF_LSH, R_X, 2));
		return 0;
	}
	return xdp_filter_refuse(c, i, "unknown load into X");
}

static int
translate_st(struct xdp_filter_ctx *c, size_t i, int src)
{
	const struct xdp_filter_insn *f = &c->filter[i];

	if (f->k >= XDP_FILTER_MEMWORDS)
		return xdp_filter_refuse(c, i, "M[%u] is out of range", f->k);
	emit(c, XDP_STX_MEM(BPF_W, stack_reg(c), src, mem_off(c, f->k)));
	return 0;
}

static int
translate_alu(struct xdp_filter_ctx *c, size_t i)
{
	const struct xdp_filter_insn *f = &c->filter[i];
	int op = BPF_OP(f->code);

	switch (op) {
	case BPF_ADD:
	case BPF_SUB:
	case BPF_MUL:
	case BPF_OR:
	case BPF_AND:
	case BPF_XOR:
		break;
	case BPF_NEG:
		emit(c, XDP_NEG32(R_A));
		return 0;
	case BPF_DIV:
	case BPF_MOD:
		if (BPF_SRC(f->code) == BPF_K && f->k == 0)
			return xdp_filter_refuse(c, i, "division by 0");
		if (BPF_SRC(f->code) == BPF_X)
			emit_to(c, XDP_JMP32_IMM(BPF_JEQ, R_X, 0, 0),
			    c->reject);
		break;
	case BPF_LSH:
	case BPF_RSH:
		if (BPF_SRC(f->code) == BPF_K) {
			if (f->k >= 32)
				return xdp_filter_refuse(c, i, "shift by %u, "
				    "which bpf_filter() leaves undefined", f->k);
			break;
		}
		/* By X: 32 or more gives 0, where eBPF would mask X. */
		emit(c, XDP_JMP32_IMM(BPF_JGE, R_X, 32, 2));
		emit(c, XDP_ALU32_REG(op, R_A, R_X));
		emit(c, XDP_JA(1));
		emit(c, XDP_MOV32_IMM(R_A, 0));
		return 0;
	default:
		return xdp_filter_refuse(c, i, "unknown arithmetic");
	}
	if (BPF_SRC(f->code) == BPF_K)
		emit(c, XDP_ALU32_IMM(op, R_A, (__s32)f->k));
	else
		emit(c, XDP_ALU32_REG(op, R_A, R_X));
	return 0;
}

/* The jump with the opposite outcome, where eBPF has one. */
static int
inverse_jump(int op)
{
	switch (op) {
	case BPF_JEQ:
		return BPF_JNE;
	case BPF_JGT:
		return BPF_JLE;
	case BPF_JGE:
		return BPF_JLT;
	}
	return -1;
}

static struct bpf_insn
cond_jump(const struct xdp_filter_insn *f, int op)
{
	if (BPF_SRC(f->code) == BPF_K)
		return XDP_JMP32_IMM(op, R_A, (__s32)f->k, 0);
	return XDP_JMP32_REG(op, R_A, R_X, 0);
}

static int
translate_jmp(struct xdp_filter_ctx *c, size_t i)
{
	const struct xdp_filter_insn *f = &c->filter[i];
	int op = BPF_OP(f->code), inverse;

	if (op == BPF_JA) {
		/* bpf_filter() takes k as signed: protochain jumps back. */
		if ((long)i + 1 + (__s32)f->k < 0 ||
		    (long)i + 1 + (__s32)f->k >= (long)c->n)
			return xdp_filter_refuse(c, i, "jump out of the program");
		emit_to(c, XDP_JA(0), target(c, i, (__s32)f->k));
		return 0;
	}
	if (op != BPF_JEQ && op != BPF_JGT && op != BPF_JGE && op != BPF_JSET)
		return xdp_filter_refuse(c, i, "unknown jump");
	if (i + 1 + f->jt >= c->n || i + 1 + f->jf >= c->n)
		return xdp_filter_refuse(c, i, "jump out of the program");

	if (f->jt == f->jf) {
		if (f->jt != 0)
			emit_to(c, XDP_JA(0), target(c, i, f->jt));
		return 0;
	}
	inverse = inverse_jump(op);
	if (f->jt == 0 && inverse >= 0) {
		emit_to(c, cond_jump(f, inverse), target(c, i, f->jf));
		return 0;
	}
	emit_to(c, cond_jump(f, op), target(c, i, f->jt));
	if (f->jf != 0)
		emit_to(c, XDP_JA(0), target(c, i, f->jf));
	return 0;
}

static int
translate_ret(struct xdp_filter_ctx *c, size_t i)
{
	const struct xdp_filter_insn *f = &c->filter[i];

	switch (BPF_RVAL(f->code)) {
	case BPF_K:
		if (f->k == 0) {
			emit_to(c, XDP_JA(0), c->reject);
			return 0;
		}
		emit(c, XDP_MOV32_IMM(R_A, (__s32)f->k));
		break;
	case BPF_A:
		break;
	default:
		return xdp_filter_refuse(c, i, "unknown return");
	}
	emit_to(c, XDP_JA(0), c->accept);
	return 0;
}

static int
translate_misc(struct xdp_filter_ctx *c, size_t i)
{
	switch (BPF_MISCOP(c->filter[i].code)) {
	case BPF_TAX:
		emit(c, XDP_MOV32_REG(R_X, R_A));
		return 0;
	case BPF_TXA:
		emit(c, XDP_MOV32_REG(R_A, R_X));
		return 0;
	}
	return xdp_filter_refuse(c, i, "unknown operation");
}

static int
translate_insn(struct xdp_filter_ctx *c, size_t i)
{
	switch (BPF_CLASS(c->filter[i].code)) {
	case BPF_LD:
		return translate_ld(c, i);
	case BPF_LDX:
		return translate_ldx(c, i);
	case BPF_ST:
		return translate_st(c, i, R_A);
	case BPF_STX:
		return translate_st(c, i, R_X);
	case BPF_ALU:
		return translate_alu(c, i);
	case BPF_JMP:
		return translate_jmp(c, i);
	case BPF_RET:
		return translate_ret(c, i);
	case BPF_MISC:
		return translate_misc(c, i);
	}
	return xdp_filter_refuse(c, i, "unknown instruction class");
}

/* Where control goes after instruction i: returns how many places. */
static int
successors(const struct xdp_filter_ctx *c, size_t i, long next[2])
{
	const struct xdp_filter_insn *f = &c->filter[i];

	if (BPF_CLASS(f->code) == BPF_RET || always_rejects(f))
		return 0;
	if (f->code == (BPF_JMP | BPF_JA)) {
		next[0] = (long)i + 1 + (__s32)f->k;
		return 1;
	}
	if (BPF_CLASS(f->code) == BPF_JMP) {
		next[0] = (long)i + 1 + f->jt;
		next[1] = (long)i + 1 + f->jf;
		return 2;
	}
	next[0] = (long)i + 1;
	return 1;
}

/*
 * The instructions bpf_filter() runs, by their exact code: anything else
 * (other size bits on a MEM load, say) is refused, so that what the
 * translation does and what its analyses assume never differ.
 */
static int
known_opcode(__u16 code)
{
	switch (code) {
	case BPF_RET | BPF_K:
	case BPF_RET | BPF_A:
	case BPF_LD | BPF_W | BPF_ABS:
	case BPF_LD | BPF_H | BPF_ABS:
	case BPF_LD | BPF_B | BPF_ABS:
	case BPF_LD | BPF_W | BPF_LEN:
	case BPF_LDX | BPF_W | BPF_LEN:
	case BPF_LD | BPF_W | BPF_IND:
	case BPF_LD | BPF_H | BPF_IND:
	case BPF_LD | BPF_B | BPF_IND:
	case BPF_LDX | BPF_MSH | BPF_B:
	case BPF_LD | BPF_IMM:
	case BPF_LDX | BPF_IMM:
	case BPF_LD | BPF_MEM:
	case BPF_LDX | BPF_MEM:
	case BPF_ST:
	case BPF_STX:
	case BPF_JMP | BPF_JA:
	case BPF_JMP | BPF_JGT | BPF_K:
	case BPF_JMP | BPF_JGE | BPF_K:
	case BPF_JMP | BPF_JEQ | BPF_K:
	case BPF_JMP | BPF_JSET | BPF_K:
	case BPF_JMP | BPF_JGT | BPF_X:
	case BPF_JMP | BPF_JGE | BPF_X:
	case BPF_JMP | BPF_JEQ | BPF_X:
	case BPF_JMP | BPF_JSET | BPF_X:
	case BPF_ALU | BPF_ADD | BPF_X:
	case BPF_ALU | BPF_SUB | BPF_X:
	case BPF_ALU | BPF_MUL | BPF_X:
	case BPF_ALU | BPF_DIV | BPF_X:
	case BPF_ALU | BPF_MOD | BPF_X:
	case BPF_ALU | BPF_AND | BPF_X:
	case BPF_ALU | BPF_OR | BPF_X:
	case BPF_ALU | BPF_XOR | BPF_X:
	case BPF_ALU | BPF_LSH | BPF_X:
	case BPF_ALU | BPF_RSH | BPF_X:
	case BPF_ALU | BPF_ADD | BPF_K:
	case BPF_ALU | BPF_SUB | BPF_K:
	case BPF_ALU | BPF_MUL | BPF_K:
	case BPF_ALU | BPF_DIV | BPF_K:
	case BPF_ALU | BPF_MOD | BPF_K:
	case BPF_ALU | BPF_AND | BPF_K:
	case BPF_ALU | BPF_OR | BPF_K:
	case BPF_ALU | BPF_XOR | BPF_K:
	case BPF_ALU | BPF_LSH | BPF_K:
	case BPF_ALU | BPF_RSH | BPF_K:
	case BPF_ALU | BPF_NEG:
	case BPF_MISC | BPF_TAX:
	case BPF_MISC | BPF_TXA:
		return 1;
	}
	return 0;
}

/*
 * Marks the instructions control can reach: the verifier refuses code that
 * nothing reaches, which unoptimized programs have.  Refuses programs that
 * jump out of themselves or run off their end.
 */
static int
mark_reachable(struct xdp_filter_ctx *c, unsigned char *reachable)
{
	size_t stack[XDP_FILTER_MAX_INSNS], sp = 0, i;
	long next[2];
	int nr_next, j;

	memset(reachable, 0, c->n);
	reachable[0] = 1;
	stack[sp++] = 0;
	while (sp > 0) {
		i = stack[--sp];
		nr_next = successors(c, i, next);
		for (j = 0; j < nr_next; j++) {
			if (next[j] < 0 || next[j] >= (long)c->n)
				return xdp_filter_refuse(c, i, "%s",
				    next[j] == (long)c->n ?
				    "the program runs off its end" :
				    "jump out of the program");
			if (!reachable[next[j]]) {
				reachable[next[j]] = 1;
				stack[sp++] = (size_t)next[j];
			}
		}
	}
	return 0;
}

static const struct xdp_filter_loop *
loop_of(const struct xdp_filter_ctx *c, size_t i)
{
	size_t l;

	for (l = 0; l < c->nr_loops; l++)
		if (i >= c->loop[l].head && i <= c->loop[l].end)
			return &c->loop[l];
	return NULL;
}

/* Whether an instruction reads the packet. */
static int
loads_packet(__u16 code)
{
	return (BPF_CLASS(code) == BPF_LD && (BPF_MODE(code) == BPF_ABS ||
	    BPF_MODE(code) == BPF_IND)) || code == (BPF_LDX | BPF_MSH | BPF_B);
}

/* A loop's body must be no more work a pass than protochain's. */
static int
check_loop_body(struct xdp_filter_ctx *c, const struct xdp_filter_loop *loop)
{
	size_t i, loads = 0;

	if (loop->end - loop->head + 1 > XDP_FILTER_MAX_LOOP_INSNS)
		return xdp_filter_refuse(c, loop->head, "a loop of %zu "
		    "instructions, more than %d", loop->end - loop->head + 1,
		    XDP_FILTER_MAX_LOOP_INSNS);
	for (i = loop->head; i <= loop->end; i++)
		loads += (size_t)loads_packet(c->filter[i].code);
	if (loads > XDP_FILTER_MAX_LOOP_LOADS)
		return xdp_filter_refuse(c, loop->head, "a loop that reads "
		    "the frame %zu times a pass, more than %d", loads,
		    XDP_FILTER_MAX_LOOP_LOADS);
	return 0;
}

/*
 * Finds the loops: a head, which backward jumps go to, up to the last of
 * them.  A loop is entered at its head only, and loops don't nest or
 * overlap: that is what libpcap makes, and what a callback can run.
 */
static int
find_loops(struct xdp_filter_ctx *c, const unsigned char *reachable)
{
	const struct xdp_filter_loop *from, *to;
	size_t i, l, head;
	long next[2];
	int nr_next, j;

	c->nr_loops = 0;
	for (i = 0; i < c->n; i++) {
		if (!reachable[i] || c->filter[i].code != (BPF_JMP | BPF_JA) ||
		    (__s32)c->filter[i].k >= 0)
			continue;
		head = (size_t)((long)i + 1 + (__s32)c->filter[i].k);
		for (l = 0; l < c->nr_loops && c->loop[l].head != head; l++)
			;
		if (l == c->nr_loops) {
			if (l == XDP_FILTER_MAX_LOOPS)
				return xdp_filter_refuse(c, i, "more than %d "
				    "loops", XDP_FILTER_MAX_LOOPS);
			c->loop[l].head = head;
			c->nr_loops++;
		}
		c->loop[l].end = i;
	}
	for (l = 1; l < c->nr_loops; l++)
		for (i = 0; i < l; i++)
			if (c->loop[l].head <= c->loop[i].end &&
			    c->loop[i].head <= c->loop[l].end)
				return xdp_filter_refuse(c, c->loop[l].head,
				    "loops that overlap");
	for (l = 0; l < c->nr_loops; l++)
		if (check_loop_body(c, &c->loop[l]) != 0)
			return -1;
	for (i = 0; i < c->n; i++) {
		if (!reachable[i])
			continue;
		from = loop_of(c, i);
		nr_next = successors(c, i, next);
		for (j = 0; j < nr_next; j++) {
			to = loop_of(c, (size_t)next[j]);
			if (to != NULL && to != from &&
			    (size_t)next[j] != to->head)
				return xdp_filter_refuse(c, i, "a jump into "
				    "the middle of a loop");
			if (to != NULL && to == from && next[j] <= (long)i &&
			    (size_t)next[j] != to->head)
				return xdp_filter_refuse(c, i, "a loop inside "
				    "a loop");
		}
	}
	return 0;
}

/*
 * At a loop's head in the main program: bpf_loop(passes, callback, &state,
 * 0), then on to where the callback left the loop.
 */
static void
emit_loop_call(struct xdp_filter_ctx *c, size_t l)
{
	const struct xdp_filter_loop *loop = &c->loop[l];
	size_t labels = loop_labels(c, l), i;
	long next[2];
	int nr_next, j;

	emit(c, XDP_STX_MEM(BPF_DW, BPF_REG_10, R_CTX,
	    XDP_FILTER_STACK_LOOP + LOOP_CTX));
	emit(c, XDP_STX_MEM(BPF_W, BPF_REG_10, R_A,
	    XDP_FILTER_STACK_LOOP + LOOP_A));
	emit(c, XDP_STX_MEM(BPF_W, BPF_REG_10, R_X,
	    XDP_FILTER_STACK_LOOP + LOOP_X));
	emit(c, XDP_ST_MEM(BPF_W, BPF_REG_10, XDP_FILTER_STACK_LOOP + LOOP_EXIT,
	    EXIT_NONE));
	emit(c, XDP_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_10,
	    XDP_FILTER_STACK_LOOP + LOOP_PASSES));
	xdp_prog_emit_func_to(c->prog, BPF_REG_2, labels + c->n + 2);
	emit(c, XDP_MOV64_REG(BPF_REG_3, BPF_REG_10));
	emit(c, XDP_ALU64_IMM(BPF_ADD, BPF_REG_3, XDP_FILTER_STACK_LOOP));
	emit(c, XDP_MOV64_IMM(BPF_REG_4, 0));
	emit(c, XDP_CALL(BPF_FUNC_loop));
	/* It returns the passes it made, which the frame has no more. */
	emit(c, XDP_LDX_MEM(BPF_W, R_TMP, BPF_REG_10,
	    XDP_FILTER_STACK_LOOP + LOOP_PASSES));
	emit(c, XDP_ALU32_REG(BPF_SUB, R_TMP, BPF_REG_0));
	emit(c, XDP_STX_MEM(BPF_W, BPF_REG_10, R_TMP,
	    XDP_FILTER_STACK_LOOP + LOOP_PASSES));
	/* The call took r1-r5: the packet's bounds come back from the context. */
	emit(c, XDP_LDX_MEM(BPF_W, R_DATA, R_CTX,
	    offsetof(struct xdp_md, data)));
	emit(c, XDP_LDX_MEM(BPF_W, R_DATA_END, R_CTX,
	    offsetof(struct xdp_md, data_end)));
	emit(c, XDP_LDX_MEM(BPF_W, R_A, BPF_REG_10,
	    XDP_FILTER_STACK_LOOP + LOOP_A));
	emit(c, XDP_LDX_MEM(BPF_W, R_X, BPF_REG_10,
	    XDP_FILTER_STACK_LOOP + LOOP_X));
	emit(c, XDP_LDX_MEM(BPF_W, R_TMP, BPF_REG_10,
	    XDP_FILTER_STACK_LOOP + LOOP_EXIT));
	emit_to(c, XDP_JMP_IMM(BPF_JEQ, R_TMP, EXIT_REJECT, 0), c->reject);
	emit_to(c, XDP_JMP_IMM(BPF_JEQ, R_TMP, EXIT_ACCEPT, 0), c->accept);
	/*
	 * Ways out of the loop; an instruction nothing reaches may jump
	 * anywhere, even out of the program, which only reachable ones were
	 * checked not to do.
	 */
	for (i = loop->head; i <= loop->end; i++) {
		nr_next = successors(c, i, next);
		for (j = 0; j < nr_next; j++)
			if ((size_t)next[j] > loop->end &&
			    (size_t)next[j] < c->n)
				emit_to(c, XDP_JMP_IMM(BPF_JEQ, R_TMP,
				    EXIT_TO((__s32)next[j]), 0),
				    c->label_base + (size_t)next[j]);
	}
	/* The passes ran out: the frame took more than any real one. */
	emit_to(c, XDP_JA(0), c->reject);
}

/* Whether an instruction reads X. */
static int
reads_x(__u16 code)
{
	switch (BPF_CLASS(code)) {
	case BPF_LD:
		return BPF_MODE(code) == BPF_IND;
	case BPF_ALU:
		return BPF_OP(code) != BPF_NEG && BPF_SRC(code) == BPF_X;
	case BPF_JMP:
		return BPF_OP(code) != BPF_JA && BPF_SRC(code) == BPF_X;
	case BPF_STX:
		return 1;
	case BPF_MISC:
		return BPF_MISCOP(code) == BPF_TXA;
	}
	return 0;
}

/*
 * A and X start at 0, as in bpf_filter(); so does the memory a program
 * reads, which bpf_filter() leaves undefined and the verifier would refuse.
 * Every frame pays for this: a program that loads A first (as libpcap's
 * do) or never reads X is spared it.
 */
static void
emit_initial_state(struct xdp_filter_ctx *c)
{
	int used[XDP_FILTER_MEMWORDS] = { 0 }, x_read = 0;
	size_t i;

	for (i = 0; i < c->n; i++) {
		__u16 code = c->filter[i].code;

		if ((code == (BPF_LD | BPF_MEM) ||
		    code == (BPF_LDX | BPF_MEM)) &&
		    c->filter[i].k < XDP_FILTER_MEMWORDS)
			used[c->filter[i].k] = 1;
		x_read |= reads_x(code);
	}
	if (c->nr_loops > 0)
		emit(c, XDP_ST_MEM(BPF_W, BPF_REG_10,
		    XDP_FILTER_STACK_LOOP + LOOP_PASSES, XDP_FILTER_MAX_PASSES));
	/* A loop's call saves A and X before the loop's first instruction. */
	if (BPF_CLASS(c->filter[0].code) != BPF_LD || c->nr_loops > 0)
		emit(c, XDP_MOV32_IMM(R_A, 0));
	if (x_read || c->nr_loops > 0)
		emit(c, XDP_MOV32_IMM(R_X, 0));
	for (i = 0; i < XDP_FILTER_MEMWORDS; i++)
		if (used[i])
			emit(c, XDP_ST_MEM(BPF_W, BPF_REG_10,
			    (__s16)(XDP_FILTER_STACK_MEM + 4 * (int)i), 0));
}

static int
xdp_filter_prepare(struct xdp_filter_ctx *c, unsigned char *reachable)
{
	size_t i;

	if (c->n == 0 || c->n > XDP_FILTER_MAX_INSNS) {
		snprintf(c->errbuf, c->errlen, "a program of %zu instructions",
		    c->n);
		return -1;
	}
	for (i = 0; i < c->n; i++)
		if (!known_opcode(c->filter[i].code))
			return xdp_filter_refuse(c, i, "not an instruction "
			    "bpf_filter() runs");
	if (mark_reachable(c, reachable) != 0)
		return -1;
	return find_loops(c, reachable);
}

int
xdp_filter_translate(struct xdp_prog *prog,
    const struct xdp_filter_insn *filter, size_t n, size_t label_base,
    size_t accept, size_t reject, char *errbuf, size_t errlen)
{
	struct xdp_filter_ctx c = {
		.prog = prog, .filter = filter, .n = n, .label_base = label_base,
		.accept = accept, .reject = reject, .errbuf = errbuf,
		.errlen = errlen,
	};
	unsigned char reachable[XDP_FILTER_MAX_INSNS];
	const struct xdp_filter_loop *loop;
	size_t i;

	if (xdp_filter_prepare(&c, reachable) != 0)
		return -1;
	emit_initial_state(&c);
	for (i = 0; i < n; i++) {
		loop = loop_of(&c, i);
		if (loop != NULL && i != loop->head)
			continue;	/* in the loop's callback */
		xdp_prog_place(prog, label_base + i);
		if (!reachable[i])
			continue;
		if (loop != NULL)
			emit_loop_call(&c, (size_t)(loop - c.loop));
		else if (translate_insn(&c, i) != 0)
			return -1;
	}
	return 0;
}

/* The ways out of a loop's callback, for the jumps that took them. */
static void
emit_loop_stubs(struct xdp_filter_ctx *c)
{
	size_t j;
	int exit;

	for (j = 0; j <= c->n + 3; j++) {
		if (j == c->n + 2 ||
		    !xdp_prog_label_used(c->prog, c->loop_labels + j))
			continue;
		xdp_prog_place(c->prog, c->loop_labels + j);
		emit(c, XDP_STX_MEM(BPF_W, R_LOOP, R_A, LOOP_A));
		emit(c, XDP_STX_MEM(BPF_W, R_LOOP, R_X, LOOP_X));
		if (j == c->n + 3) {	/* back to the head: another pass */
			emit(c, XDP_MOV64_IMM(BPF_REG_0, 0));
			emit(c, XDP_EXIT());
			continue;
		}
		exit = j == c->n ? EXIT_REJECT : j == c->n + 1 ? EXIT_ACCEPT :
		    EXIT_TO((int)j);
		emit(c, XDP_ST_MEM(BPF_W, R_LOOP, LOOP_EXIT, exit));
		emit(c, XDP_MOV64_IMM(BPF_REG_0, 1));
		emit(c, XDP_EXIT());
	}
}

/* A loop's body, as the callback bpf_loop() calls for each pass. */
static int
emit_loop_callback(struct xdp_filter_ctx *c, const unsigned char *reachable)
{
	const struct xdp_filter_loop *loop = c->in_loop;
	const struct xdp_filter_insn *last = &c->filter[loop->end];
	size_t i;

	xdp_prog_place(c->prog, LOOP_LABEL_ENTRY(c));
	/* bpf_loop() passes the pass number in r1 and the state in r2. */
	emit(c, XDP_MOV64_REG(R_LOOP, BPF_REG_2));
	emit(c, XDP_LDX_MEM(BPF_DW, R_CTX, R_LOOP, LOOP_CTX));
	emit(c, XDP_LDX_MEM(BPF_W, R_A, R_LOOP, LOOP_A));
	emit(c, XDP_LDX_MEM(BPF_W, R_X, R_LOOP, LOOP_X));
	for (i = loop->head; i <= loop->end; i++) {
		if (i != loop->head)
			xdp_prog_place(c->prog, c->label_base + i);
		if (reachable[i] && translate_insn(c, i) != 0)
			return -1;
	}
	/* The last instruction may go on to the one after the loop. */
	if (BPF_CLASS(last->code) != BPF_RET &&
	    last->code != (BPF_JMP | BPF_JA))
		emit_to(c, XDP_JA(0), target(c, loop->end, 0));
	emit_loop_stubs(c);
	return 0;
}

int
xdp_filter_translate_loops(struct xdp_prog *prog,
    const struct xdp_filter_insn *filter, size_t n, size_t label_base,
    char *errbuf, size_t errlen)
{
	struct xdp_filter_ctx c = {
		.prog = prog, .filter = filter, .n = n, .label_base = label_base,
		.errbuf = errbuf, .errlen = errlen,
	};
	unsigned char reachable[XDP_FILTER_MAX_INSNS];
	size_t l;

	if (xdp_filter_prepare(&c, reachable) != 0)
		return -1;
	for (l = 0; l < c.nr_loops; l++) {
		c.in_loop = &c.loop[l];
		c.loop_labels = loop_labels(&c, l);
		c.reject = LOOP_LABEL_REJECT(&c);
		c.accept = LOOP_LABEL_ACCEPT(&c);
		if (emit_loop_callback(&c, reachable) != 0)
			return -1;
	}
	return 0;
}
