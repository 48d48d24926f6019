/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Building eBPF programs instruction by instruction, in the notation of the
 * kernel's own include/linux/filter.h (BPF_MOV64_REG and friends), for the
 * programs pcap-xdp generates: the dump program and the filters translated
 * into it (xdp-dump.c, xdp-filter.c).
 */
#ifndef XDP_INSN_H
#define XDP_INSN_H

#include <stddef.h>
#include <linux/bpf.h>

#define XDP_INSN(CODE, DST, SRC, OFF, IMM)				\
	((struct bpf_insn) {						\
		.code = (CODE), .dst_reg = (DST), .src_reg = (SRC),	\
		.off = (OFF), .imm = (IMM) })

/* 64-bit moves and arithmetic; the 32-bit forms zero the upper half. */
#define XDP_MOV64_REG(DST, SRC)	XDP_INSN(BPF_ALU64 | BPF_MOV | BPF_X, DST, SRC, 0, 0)
#define XDP_MOV64_IMM(DST, IMM)	XDP_INSN(BPF_ALU64 | BPF_MOV | BPF_K, DST, 0, 0, IMM)
#define XDP_MOV32_REG(DST, SRC)	XDP_INSN(BPF_ALU | BPF_MOV | BPF_X, DST, SRC, 0, 0)
#define XDP_MOV32_IMM(DST, IMM)	XDP_INSN(BPF_ALU | BPF_MOV | BPF_K, DST, 0, 0, IMM)
#define XDP_ALU64_IMM(OP, DST, IMM) XDP_INSN(BPF_ALU64 | BPF_OP(OP) | BPF_K, DST, 0, 0, IMM)
#define XDP_ALU64_REG(OP, DST, SRC) XDP_INSN(BPF_ALU64 | BPF_OP(OP) | BPF_X, DST, SRC, 0, 0)
#define XDP_ALU32_IMM(OP, DST, IMM) XDP_INSN(BPF_ALU | BPF_OP(OP) | BPF_K, DST, 0, 0, IMM)
#define XDP_ALU32_REG(OP, DST, SRC) XDP_INSN(BPF_ALU | BPF_OP(OP) | BPF_X, DST, SRC, 0, 0)
#define XDP_NEG32(DST)		XDP_INSN(BPF_ALU | BPF_NEG, DST, 0, 0, 0)
/* Big-endian to host: network byte order loads. */
#define XDP_BE(DST, BITS)	XDP_INSN(BPF_ALU | BPF_END | BPF_TO_BE, DST, 0, 0, BITS)

/* Memory: *(SIZE *)(SRC + OFF) and *(SIZE *)(DST + OFF) = SRC. */
#define XDP_LDX_MEM(SIZE, DST, SRC, OFF) XDP_INSN(BPF_LDX | BPF_SIZE(SIZE) | BPF_MEM, DST, SRC, OFF, 0)
#define XDP_STX_MEM(SIZE, DST, SRC, OFF) XDP_INSN(BPF_STX | BPF_SIZE(SIZE) | BPF_MEM, DST, SRC, OFF, 0)
#define XDP_ST_MEM(SIZE, DST, OFF, IMM)	XDP_INSN(BPF_ST | BPF_SIZE(SIZE) | BPF_MEM, DST, 0, OFF, IMM)
/* SRC = xchg(DST + OFF, SRC), 64 bits: a full barrier, as on every CPU. */
#define XDP_XCHG64(DST, SRC, OFF)	XDP_INSN(BPF_STX | BPF_DW | BPF_ATOMIC, DST, SRC, OFF, BPF_XCHG)
/* *(u64 *)(DST + OFF) = SRC, with release semantics (Linux 6.15). */
#ifndef BPF_STORE_REL
#define BPF_STORE_REL	0x110
#endif
#define XDP_STORE_REL64(DST, SRC, OFF)	XDP_INSN(BPF_STX | BPF_DW | BPF_ATOMIC, DST, SRC, OFF, BPF_STORE_REL)

/* A 64-bit constant, as the two-instruction immediate load. */
#define XDP_LD_IMM64_0(DST, IMM) XDP_INSN(BPF_LD | BPF_DW | BPF_IMM, DST, 0, 0, (__s32)(__u32)(IMM))
#define XDP_LD_IMM64_1(IMM)	XDP_INSN(0, 0, 0, 0, (__s32)(__u32)((__u64)(IMM) >> 32))

/* A map fd, as the two-instruction 64-bit immediate load. */
#define XDP_LD_MAP_FD_0(DST, FD) XDP_INSN(BPF_LD | BPF_DW | BPF_IMM, DST, BPF_PSEUDO_MAP_FD, 0, FD)
#define XDP_LD_MAP_FD_1()	XDP_INSN(0, 0, 0, 0, 0)

/* Jumps: OFF is relative to the next instruction. */
#define XDP_JMP_IMM(OP, DST, IMM, OFF)	XDP_INSN(BPF_JMP | BPF_OP(OP) | BPF_K, DST, 0, OFF, IMM)
#define XDP_JMP_REG(OP, DST, SRC, OFF)	XDP_INSN(BPF_JMP | BPF_OP(OP) | BPF_X, DST, SRC, OFF, 0)
#define XDP_JMP32_IMM(OP, DST, IMM, OFF) XDP_INSN(BPF_JMP32 | BPF_OP(OP) | BPF_K, DST, 0, OFF, IMM)
#define XDP_JMP32_REG(OP, DST, SRC, OFF) XDP_INSN(BPF_JMP32 | BPF_OP(OP) | BPF_X, DST, SRC, OFF, 0)
#define XDP_JA(OFF)			XDP_INSN(BPF_JMP | BPF_JA, 0, 0, OFF, 0)
#define XDP_CALL(FUNC)			XDP_INSN(BPF_JMP | BPF_CALL, 0, 0, 0, FUNC)
#define XDP_EXIT()			XDP_INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/*
 * A program being built.  Jumps to places not yet emitted name a label, a
 * number below the nr_labels given to xdp_prog_init(); xdp_prog_resolve()
 * fills in their offsets once every label is placed.
 */
struct xdp_prog {
	struct bpf_insn *insns;
	size_t	len;
	size_t	cap;
	int	failed;			/* out of memory, or a bad jump */
	long	*label;			/* insn index, -1: not placed */
	unsigned char *label_used;	/* a jump to it was emitted */
	size_t	nr_labels;
	struct xdp_prog_fixup {
		size_t	insn;
		size_t	label;
		int	in_imm;	/* a function's address: the offset in imm */
	} *fixups;
	size_t	nr_fixups;
	size_t	cap_fixups;
};

/* Returns 0, or -1 if out of memory. */
int	xdp_prog_init(struct xdp_prog *prog, size_t nr_labels);
void	xdp_prog_free(struct xdp_prog *prog);
void	xdp_prog_emit(struct xdp_prog *prog, struct bpf_insn insn);
/* Emits a jump whose offset is the distance to LABEL. */
void	xdp_prog_emit_to(struct xdp_prog *prog, struct bpf_insn jump,
	    size_t label);
/* Emits DST = the address of the subprogram at LABEL (for bpf_loop()). */
void	xdp_prog_emit_func_to(struct xdp_prog *prog, int dst, size_t label);
void	xdp_prog_place(struct xdp_prog *prog, size_t label);
/* Whether a jump to LABEL was emitted. */
int	xdp_prog_label_used(const struct xdp_prog *prog, size_t label);
/*
 * Returns 0, or -1 if the program could not be built (a jump to a label
 * never placed, or too far for 16 bits).
 */
int	xdp_prog_resolve(struct xdp_prog *prog);

#endif /* XDP_INSN_H */
