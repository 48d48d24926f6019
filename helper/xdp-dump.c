/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The dump program, generated (see xdp-dump.h).  In C it would read:
 *
 *	gen = FILTER_GEN;
 *	if (the frame is all in its linear data, under 64 KiB)
 *		keep = FILTER(ctx);		   (classic BPF, translated)
 *	else
 *		keep = ~0, gen = XDP_CAPTURE_GEN_NONE;	(userspace filters it)
 *	if (keep != 0) {
 *		wire_len = frame's length, fragments included;
 *		count(SEEN);
 *		hdr = { ktime, wire_len, min(keep, wire_len, SNAPLEN), gen };
 *		if (this CPU's ring has no room for hdr and the frame's
 *		    first hdr.cap_len bytes)	(xdp_dump_outputs[], by
 *			count(LOST);		 transport)
 *	}
 *	bpf_tail_call(ctx, &slots, SLOT + 1);
 *	bpf_tail_call(ctx, &slots, XDP_CAPTURE_ORIG_SLOT);
 *	return XDP_PASS;
 *
 * with the registers and stack slots xdp-filter.h describes.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "xdp-dump.h"
#include "xdp-hook.h"
#include "xdp-insn.h"
#include "xdp_capture.h"

/* Stack slots, between and below those of the filter (xdp-filter.h). */
#define STACK_HDR	(-104)	/* struct xdp_capture_hdr, 24 bytes */
#define STACK_KEY	(-108)	/* a map key */
#define STACK_CTL	(-144)	/* own rings: the ring's control page */
#define STACK_WRITTEN	(-152)	/* own rings: its XDP_CAPTURE_WRITTEN */

#define HDR_FIELD(field) \
	(STACK_HDR + (int)offsetof(struct xdp_capture_hdr, field))

enum xdp_dump_label {
	LABEL_ACCEPT,
	LABEL_KEEP,
	LABEL_REJECT,
	LABEL_UNFILTERED,
	LABEL_CHAIN,
	LABEL_LOST,
	LABEL_WRITTEN,
	LABEL_NR,		/* the filter's instructions follow */
};

static void
emit(struct xdp_prog *prog, struct bpf_insn insn)
{
	xdp_prog_emit(prog, insn);
}

static void
emit_ld_map_fd(struct xdp_prog *prog, int reg, int fd)
{
	emit(prog, XDP_LD_MAP_FD_0(reg, fd));
	emit(prog, XDP_LD_MAP_FD_1());
}

/*
 * Whether the program needs the frame's length before the filter: to check
 * that a multi-buffer program sees the frame whole, or for the filter's own
 * "len".  Otherwise only accepted frames pay for bpf_xdp_get_buff_len().
 */
static int
length_up_front(const struct xdp_dump_params *p)
{
	size_t i;

	if (p->kind.prog_flags & BPF_F_XDP_HAS_FRAGS)
		return 1;
	for (i = 0; p->filter != NULL && i < p->filter_len; i++)
		if (p->filter[i].code == (BPF_LD | BPF_W | BPF_LEN) ||
		    p->filter[i].code == (BPF_LDX | BPF_W | BPF_LEN))
			return 1;
	return 0;
}

/*
 * The frame's length: a program without BPF_F_XDP_HAS_FRAGS only ever sees
 * linear frames, whose length is data_end - data, cheaper than the helper.
 */
static void
emit_store_length(struct xdp_prog *prog, const struct xdp_dump_params *p)
{
	if (p->kind.prog_flags & BPF_F_XDP_HAS_FRAGS) {
		emit(prog, XDP_MOV64_REG(BPF_REG_1, BPF_REG_6));
		emit(prog, XDP_CALL(BPF_FUNC_xdp_get_buff_len));
	} else {
		emit(prog, XDP_LDX_MEM(BPF_W, BPF_REG_0, BPF_REG_6,
		    offsetof(struct xdp_md, data_end)));
		emit(prog, XDP_LDX_MEM(BPF_W, BPF_REG_1, BPF_REG_6,
		    offsetof(struct xdp_md, data)));
		emit(prog, XDP_ALU64_REG(BPF_SUB, BPF_REG_0, BPF_REG_1));
	}
	emit(prog, XDP_STX_MEM(BPF_W, BPF_REG_10, BPF_REG_0,
	    XDP_FILTER_STACK_WIRE_LEN));
}

/*
 * r6 = ctx; r9, r5 = data, data_end; the frame's length on the stack if
 * needed up front.  Frames the filter can't see whole
 * (a multi-buffer program's fragments, or 64 KiB and more) go to
 * LABEL_UNFILTERED.
 */
static void
emit_prologue(struct xdp_prog *prog, const struct xdp_dump_params *p)
{
	emit(prog, XDP_MOV64_REG(BPF_REG_6, BPF_REG_1));
	if (length_up_front(p))
		emit_store_length(prog, p);
	emit(prog, XDP_LDX_MEM(BPF_W, BPF_REG_9, BPF_REG_6,
	    offsetof(struct xdp_md, data)));
	emit(prog, XDP_LDX_MEM(BPF_W, BPF_REG_5, BPF_REG_6,
	    offsetof(struct xdp_md, data_end)));
	if (p->kind.prog_flags & BPF_F_XDP_HAS_FRAGS) {
		/* Whole frames only: data + wire_len == data_end. */
		xdp_prog_emit_to(prog, XDP_JMP_IMM(BPF_JGT, BPF_REG_0, 0xffff,
		    0), LABEL_UNFILTERED);
		emit(prog, XDP_MOV64_REG(BPF_REG_2, BPF_REG_9));
		emit(prog, XDP_ALU64_REG(BPF_ADD, BPF_REG_2, BPF_REG_0));
		xdp_prog_emit_to(prog, XDP_JMP_REG(BPF_JNE, BPF_REG_2,
		    BPF_REG_5, 0), LABEL_UNFILTERED);
		return;
	}
	/* Linear, but under 64 KiB?  (Generic XDP may see more.) */
	emit(prog, XDP_MOV64_REG(BPF_REG_2, BPF_REG_9));
	emit(prog, XDP_ALU64_IMM(BPF_ADD, BPF_REG_2, 0xffff));
	xdp_prog_emit_to(prog, XDP_JMP_REG(BPF_JLT, BPF_REG_2, BPF_REG_5, 0),
	    LABEL_UNFILTERED);
}

/* The filter, or for none, "keep everything". */
static int
emit_filter(struct xdp_prog *prog, const struct xdp_filter_insn *filter,
    size_t n, char *errbuf, size_t errlen)
{
	if (filter == NULL) {
		emit(prog, XDP_MOV32_IMM(BPF_REG_7, -1));
		xdp_prog_emit_to(prog, XDP_JA(0), LABEL_ACCEPT);
		return 0;
	}
	return xdp_filter_translate(prog, filter, n, LABEL_NR, LABEL_ACCEPT,
	    LABEL_REJECT, errbuf, errlen);
}

/* count(counter): ++*bpf_map_lookup_elem(&counts, &counter). */
static void
emit_count(struct xdp_prog *prog, int counts_fd, __u32 counter)
{
	emit(prog, XDP_ST_MEM(BPF_W, BPF_REG_10, STACK_KEY, (__s32)counter));
	emit_ld_map_fd(prog, BPF_REG_1, counts_fd);
	emit(prog, XDP_MOV64_REG(BPF_REG_2, BPF_REG_10));
	emit(prog, XDP_ALU64_IMM(BPF_ADD, BPF_REG_2, STACK_KEY));
	emit(prog, XDP_CALL(BPF_FUNC_map_lookup_elem));
	/* Per-CPU, and XDP does not preempt itself on a CPU: no atomics. */
	emit(prog, XDP_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 3));
	emit(prog, XDP_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_0, 0));
	emit(prog, XDP_ALU64_IMM(BPF_ADD, BPF_REG_1, 1));
	emit(prog, XDP_STX_MEM(BPF_DW, BPF_REG_0, BPF_REG_1, 0));
}

/*
 * r0 = bpf_perf_event_output(ctx, &rings, BPF_F_CURRENT_CPU |
 *     (cap_len << 32), &hdr, sizeof(hdr)): the helper appends the frame.
 */
static void
emit_output_perf(struct xdp_prog *prog, const struct xdp_dump_params *p)
{
	emit(prog, XDP_MOV64_REG(BPF_REG_1, BPF_REG_6));
	emit_ld_map_fd(prog, BPF_REG_2, p->out.map_fd);
	emit(prog, XDP_MOV64_REG(BPF_REG_3, BPF_REG_7));
	emit(prog, XDP_ALU64_IMM(BPF_LSH, BPF_REG_3, 32));
	/* BPF_F_CURRENT_CPU, zero-extended: 64-bit immediates sign-extend. */
	emit(prog, XDP_MOV32_IMM(BPF_REG_4, (__s32)BPF_F_CURRENT_CPU));
	emit(prog, XDP_ALU64_REG(BPF_OR, BPF_REG_3, BPF_REG_4));
	emit(prog, XDP_MOV64_REG(BPF_REG_4, BPF_REG_10));
	emit(prog, XDP_ALU64_IMM(BPF_ADD, BPF_REG_4, STACK_HDR));
	emit(prog, XDP_MOV64_IMM(BPF_REG_5, sizeof(struct xdp_capture_hdr)));
	emit(prog, XDP_CALL(BPF_FUNC_perf_event_output));
}

/* log2(n), rounded down. */
static int
log2_of(__u64 n)
{
	int shift = 0;

	while (((__u64)1 << (shift + 1)) <= n)
		shift++;
	return shift;
}

/* r0 = the element of the map in r1 at the key in STACK_KEY, or LOST. */
static void
emit_lookup_at_key(struct xdp_prog *prog)
{
	emit(prog, XDP_MOV64_REG(BPF_REG_2, BPF_REG_10));
	emit(prog, XDP_ALU64_IMM(BPF_ADD, BPF_REG_2, STACK_KEY));
	emit(prog, XDP_CALL(BPF_FUNC_map_lookup_elem));
	xdp_prog_emit_to(prog, XDP_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 0),
	    LABEL_LOST);
}

/* r0 = this CPU's element of map, or a jump to LABEL_LOST. */
static void
emit_lookup_this_cpu(struct xdp_prog *prog, int map_fd)
{
	emit(prog, XDP_CALL(BPF_FUNC_get_smp_processor_id));
	emit(prog, XDP_STX_MEM(BPF_W, BPF_REG_10, BPF_REG_0, STACK_KEY));
	emit_ld_map_fd(prog, BPF_REG_1, map_fd);
	emit_lookup_at_key(prog);
}

/*
 * The record at rec (a register): the header from the stack, then the
 * frame's first r7 bytes (bpf_xdp_load_bytes, which also reads the
 * fragments of a multi-buffer frame); on to LOST if the copy fails.
 */
static void
emit_record(struct xdp_prog *prog, int rec)
{
	int hdr_len = (int)sizeof(struct xdp_capture_hdr), off;

	for (off = 0; off < hdr_len; off += 8) {
		emit(prog, XDP_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10,
		    STACK_HDR + off));
		emit(prog, XDP_STX_MEM(BPF_DW, rec, BPF_REG_1, off));
	}
	/* A frame of 0 bytes (a snapshot length of 0 never gets here). */
	emit(prog, XDP_JMP_IMM(BPF_JLT, BPF_REG_7, 1, 7));
	emit(prog, XDP_MOV64_REG(BPF_REG_1, BPF_REG_6));
	emit(prog, XDP_MOV64_IMM(BPF_REG_2, 0));
	emit(prog, XDP_MOV64_REG(BPF_REG_3, rec));
	emit(prog, XDP_ALU64_IMM(BPF_ADD, BPF_REG_3, hdr_len));
	emit(prog, XDP_MOV64_REG(BPF_REG_4, BPF_REG_7));
	emit(prog, XDP_CALL(BPF_FUNC_xdp_load_bytes));
	xdp_prog_emit_to(prog, XDP_JMP_IMM(BPF_JNE, BPF_REG_0, 0, 0),
	    LABEL_LOST);
}

/*
 * r9 = this CPU's ring buffer, if it has room for the record; if not, on
 * to LOST, before the frame's time is read or a byte of it copied: a
 * capture nobody reads (dumpcap -S only takes statistics) fills its rings,
 * and then costs the XDP path about what a filter that rejects does.
 */
static void
emit_ringbuf_room(struct xdp_prog *prog, const struct xdp_dump_params *p)
{
	emit_lookup_this_cpu(prog, p->out.map_fd);
	emit(prog, XDP_MOV64_REG(BPF_REG_9, BPF_REG_0));
	emit(prog, XDP_MOV64_REG(BPF_REG_1, BPF_REG_9));
	emit(prog, XDP_MOV64_IMM(BPF_REG_2, BPF_RB_AVAIL_DATA));
	emit(prog, XDP_CALL(BPF_FUNC_ringbuf_query));
	/* avail + the record, its ring header and padding > the ring? */
	emit(prog, XDP_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_7));
	emit(prog, XDP_ALU64_IMM(BPF_ADD, BPF_REG_0,
	    (__s32)sizeof(struct xdp_capture_hdr) + BPF_RINGBUF_HDR_SZ + 7));
	emit(prog, XDP_LD_IMM64_0(BPF_REG_1, p->out.ring_size));
	emit(prog, XDP_LD_IMM64_1(p->out.ring_size));
	xdp_prog_emit_to(prog, XDP_JMP_REG(BPF_JGT, BPF_REG_0, BPF_REG_1, 0),
	    LABEL_LOST);
}

/*
 * The record is made in this CPU's scratch area, the header and then the
 * frame (bpf_xdp_load_bytes, which also reads the fragments of a
 * multi-buffer frame), and goes to this CPU's ring buffer whole:
 *
 *	rec = scratch[cpu]; rb = rings[cpu];
 *	*rec = hdr; bpf_xdp_load_bytes(ctx, 0, rec + 1, cap_len);
 *	r0 = bpf_ringbuf_output(rb, rec, sizeof(hdr) + cap_len, WAKEUP);
 *
 * In immediate mode, WAKEUP is 0: the kernel wakes the reader when the
 * record is the first it has not read.  Otherwise it is woken only when
 * the unread data crosses a quarter of the ring, which spares the XDP path
 * an interrupt per batch of records the reader takes anyway.
 */
static void
emit_output_ringbuf(struct xdp_prog *prog, const struct xdp_dump_params *p)
{
	int hdr_len = (int)sizeof(struct xdp_capture_hdr);

	emit_lookup_this_cpu(prog, p->out.scratch_fd);
	emit(prog, XDP_MOV64_REG(BPF_REG_8, BPF_REG_0));
	emit_record(prog, BPF_REG_8);

	if (p->out.immediate)
		emit(prog, XDP_MOV64_IMM(BPF_REG_4, 0));
	else {
		/* Does avail .. avail + record cross a quarter of the ring? */
		emit(prog, XDP_MOV64_REG(BPF_REG_1, BPF_REG_9));
		emit(prog, XDP_MOV64_IMM(BPF_REG_2, BPF_RB_AVAIL_DATA));
		emit(prog, XDP_CALL(BPF_FUNC_ringbuf_query));
		emit(prog, XDP_MOV64_REG(BPF_REG_1, BPF_REG_0));
		emit(prog, XDP_ALU64_REG(BPF_ADD, BPF_REG_1, BPF_REG_7));
		emit(prog, XDP_ALU64_IMM(BPF_ADD, BPF_REG_1,
		    hdr_len + BPF_RINGBUF_HDR_SZ));
		emit(prog, XDP_ALU64_REG(BPF_XOR, BPF_REG_1, BPF_REG_0));
		emit(prog, XDP_ALU64_IMM(BPF_RSH, BPF_REG_1,
		    log2_of(xdp_capture_wake_threshold(p->out.ring_size,
		    0))));
		emit(prog, XDP_MOV64_IMM(BPF_REG_4, BPF_RB_NO_WAKEUP));
		emit(prog, XDP_JMP_IMM(BPF_JEQ, BPF_REG_1, 0, 1));
		emit(prog, XDP_MOV64_IMM(BPF_REG_4, BPF_RB_FORCE_WAKEUP));
	}
	emit(prog, XDP_MOV64_REG(BPF_REG_1, BPF_REG_9));
	emit(prog, XDP_MOV64_REG(BPF_REG_2, BPF_REG_8));
	emit(prog, XDP_MOV64_REG(BPF_REG_3, BPF_REG_7));
	emit(prog, XDP_ALU64_IMM(BPF_ADD, BPF_REG_3, hdr_len));
	emit(prog, XDP_CALL(BPF_FUNC_ringbuf_output));
}

/* r0 = element key (a constant) of the array map in r1, or LOST. */
static void
emit_lookup_const(struct xdp_prog *prog, __u32 key)
{
	emit(prog, XDP_ST_MEM(BPF_W, BPF_REG_10, STACK_KEY, (__s32)key));
	emit_lookup_at_key(prog);
}

/* dst = the record's length in a ring: header, r7 bytes, padding. */
static void
emit_record_len(struct xdp_prog *prog, int dst)
{
	emit(prog, XDP_MOV64_REG(dst, BPF_REG_7));
	emit(prog, XDP_ALU64_IMM(BPF_ADD, dst,
	    (__s32)sizeof(struct xdp_capture_hdr) + 7));
	emit(prog, XDP_ALU64_IMM(BPF_AND, dst, -8));
}

/*
 * Own rings (bpf/xdp_capture.h), before the clock is read, as for ring
 * buffers: r9 = where the record goes in this CPU's ring, r8 = the
 * position it starts at, or on to LOST if the ring has no room.
 *
 *	written = counts[WRITTEN];
 *	pos = *written;			(the reader can't write there)
 *	ring = rings[cpu]; ctl = ring[0];
 *	if (pos + len - ctl->consumer > ring size)	(also when the
 *		goto lost;		 reader put its position ahead)
 *	rec = ring[pos / chunk % nr_chunks] + CTL_SIZE + pos % chunk;
 */
static void
emit_own_room(struct xdp_prog *prog, const struct xdp_dump_params *p)
{
	__u64 chunk = xdp_capture_chunk(p->out.ring_size);

	emit_ld_map_fd(prog, BPF_REG_1, p->out.counts_fd);
	emit_lookup_const(prog, XDP_CAPTURE_WRITTEN);
	emit(prog, XDP_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_0, STACK_WRITTEN));
	emit(prog, XDP_LDX_MEM(BPF_DW, BPF_REG_8, BPF_REG_0, 0));
	emit_lookup_this_cpu(prog, p->out.map_fd);
	emit(prog, XDP_MOV64_REG(BPF_REG_9, BPF_REG_0));
	emit(prog, XDP_MOV64_REG(BPF_REG_1, BPF_REG_9));
	emit_lookup_const(prog, 0);
	emit(prog, XDP_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_0, STACK_CTL));

	emit(prog, XDP_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_0,
	    offsetof(struct xdp_capture_ctl, consumer)));
	emit_record_len(prog, BPF_REG_3);
	emit(prog, XDP_ALU64_REG(BPF_ADD, BPF_REG_3, BPF_REG_8));
	emit(prog, XDP_ALU64_REG(BPF_SUB, BPF_REG_3, BPF_REG_2));
	xdp_prog_emit_to(prog, XDP_JMP_IMM(BPF_JGT, BPF_REG_3,
	    (__s32)p->out.ring_size, 0), LABEL_LOST);

	emit(prog, XDP_MOV64_REG(BPF_REG_1, BPF_REG_8));
	emit(prog, XDP_ALU64_IMM(BPF_RSH, BPF_REG_1, log2_of(chunk)));
	emit(prog, XDP_ALU64_IMM(BPF_AND, BPF_REG_1,
	    (__s32)(p->out.ring_size / chunk - 1)));
	emit(prog, XDP_STX_MEM(BPF_W, BPF_REG_10, BPF_REG_1, STACK_KEY));
	emit(prog, XDP_MOV64_REG(BPF_REG_1, BPF_REG_9));
	emit_lookup_at_key(prog);
	emit(prog, XDP_MOV64_REG(BPF_REG_1, BPF_REG_8));
	emit(prog, XDP_ALU64_IMM(BPF_AND, BPF_REG_1, (__s32)(chunk - 1)));
	emit(prog, XDP_ALU64_IMM(BPF_ADD, BPF_REG_0, XDP_CAPTURE_CTL_SIZE));
	emit(prog, XDP_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1));
	emit(prog, XDP_MOV64_REG(BPF_REG_9, BPF_REG_0));
}

/*
 * The record, written in place with no lock (the dump program is the
 * ring's only writer: XDP does not preempt itself on a CPU), then
 * published; then the doorbell, only if the reader said it is going to
 * sleep and enough waits:
 *
 *	*rec = hdr; bpf_xdp_load_bytes(ctx, 0, rec + 1, cap_len);
 *	*written = pos + len;
 *	publish(&ctl->producer, pos + len);
 *	if (ctl->wake_at && pos + len - ctl->consumer >= ctl->wake_at &&
 *	    xchg(&ctl->wake_at, 0))
 *		bpf_ringbuf_output(&doorbell, &hdr, 8, BPF_RB_FORCE_WAKEUP);
 *
 * The reader sets wake_at, then (a fence) reads the producer position,
 * before it sleeps.  In immediate mode, publish is an exchange, a full
 * barrier: the record is in place before the reader can see the new
 * position, the position is out before wake_at is read, one of the two
 * sides sees the other's write, and no record is left unannounced.
 * Otherwise it is a store-release where the kernel has one (on x86 a plain
 * store, where the exchange, a locked instruction, would wait for the
 * record's cache misses: 7% of the hook's rate): wake_at may then be read
 * before the position is out, and the reader sleep on a record that rang
 * nothing.  The next record rings, as the threshold stays crossed, and the
 * flush tick collects what no record follows, as it does every record
 * below the threshold.
 */
static void
emit_output_own(struct xdp_prog *prog, const struct xdp_dump_params *p)
{
	emit_record(prog, BPF_REG_9);

	emit_record_len(prog, BPF_REG_3);
	emit(prog, XDP_ALU64_REG(BPF_ADD, BPF_REG_8, BPF_REG_3));
	emit(prog, XDP_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, STACK_WRITTEN));
	emit(prog, XDP_STX_MEM(BPF_DW, BPF_REG_1, BPF_REG_8, 0));
	emit(prog, XDP_LDX_MEM(BPF_DW, BPF_REG_1, BPF_REG_10, STACK_CTL));
	emit(prog, XDP_MOV64_REG(BPF_REG_2, BPF_REG_8));
	if (p->out.store_release && !p->out.immediate)
		emit(prog, XDP_STORE_REL64(BPF_REG_1, BPF_REG_2,
		    offsetof(struct xdp_capture_ctl, producer)));
	else
		emit(prog, XDP_XCHG64(BPF_REG_1, BPF_REG_2,
		    offsetof(struct xdp_capture_ctl, producer)));

	emit(prog, XDP_LDX_MEM(BPF_DW, BPF_REG_2, BPF_REG_1,
	    offsetof(struct xdp_capture_ctl, wake_at)));
	xdp_prog_emit_to(prog, XDP_JMP_IMM(BPF_JEQ, BPF_REG_2, 0, 0),
	    LABEL_WRITTEN);
	emit(prog, XDP_LDX_MEM(BPF_DW, BPF_REG_3, BPF_REG_1,
	    offsetof(struct xdp_capture_ctl, consumer)));
	emit(prog, XDP_MOV64_REG(BPF_REG_4, BPF_REG_8));
	emit(prog, XDP_ALU64_REG(BPF_SUB, BPF_REG_4, BPF_REG_3));
	xdp_prog_emit_to(prog, XDP_JMP_REG(BPF_JLT, BPF_REG_4, BPF_REG_2, 0),
	    LABEL_WRITTEN);
	emit(prog, XDP_MOV64_IMM(BPF_REG_2, 0));
	emit(prog, XDP_XCHG64(BPF_REG_1, BPF_REG_2,
	    offsetof(struct xdp_capture_ctl, wake_at)));
	xdp_prog_emit_to(prog, XDP_JMP_IMM(BPF_JEQ, BPF_REG_2, 0, 0),
	    LABEL_WRITTEN);
	emit_ld_map_fd(prog, BPF_REG_1, p->out.doorbell_fd);
	emit(prog, XDP_MOV64_REG(BPF_REG_2, BPF_REG_10));
	emit(prog, XDP_ALU64_IMM(BPF_ADD, BPF_REG_2, STACK_HDR));
	emit(prog, XDP_MOV64_IMM(BPF_REG_3, 8));
	emit(prog, XDP_MOV64_IMM(BPF_REG_4, BPF_RB_FORCE_WAKEUP));
	emit(prog, XDP_CALL(BPF_FUNC_ringbuf_output));
	/* A doorbell full of rings the reader did not drain is its affair. */
	xdp_prog_place(prog, LABEL_WRITTEN);
	emit(prog, XDP_MOV64_IMM(BPF_REG_0, 0));
}

/*
 * How each transport's dump program writes a record: room, a check before
 * the clock is read (NULL if the transport has none), and output, which
 * leaves r0 = 0 if the record went out.
 */
static const struct xdp_dump_output {
	void	(*room)(struct xdp_prog *, const struct xdp_dump_params *);
	void	(*output)(struct xdp_prog *, const struct xdp_dump_params *);
} xdp_dump_outputs[XDP_CAPTURE_NR_TRANSPORTS] = {
	[XDP_CAPTURE_RINGBUF] = { emit_ringbuf_room, emit_output_ringbuf },
	[XDP_CAPTURE_PERF] = { NULL, emit_output_perf },
	[XDP_CAPTURE_OWN] = { emit_own_room, emit_output_own },
};

/* r7 = bytes the filter keeps: copy that much of the frame, at most. */
static void
emit_capture(struct xdp_prog *prog, const struct xdp_dump_params *p)
{
	const struct xdp_dump_output *out = &xdp_dump_outputs[p->out.kind];
	__u32 snaplen = p->snaplen < XDP_CAPTURE_MAX_CAPLEN ? p->snaplen :
	    XDP_CAPTURE_MAX_CAPLEN;

	xdp_prog_place(prog, LABEL_UNFILTERED);
	emit(prog, XDP_ST_MEM(BPF_W, BPF_REG_10, HDR_FIELD(filter_gen),
	    XDP_CAPTURE_GEN_NONE));
	emit(prog, XDP_MOV32_IMM(BPF_REG_7, -1));
	xdp_prog_emit_to(prog, XDP_JA(0), LABEL_KEEP);
	xdp_prog_place(prog, LABEL_ACCEPT);
	xdp_prog_emit_to(prog, XDP_JMP32_IMM(BPF_JEQ, BPF_REG_7, 0, 0),
	    LABEL_REJECT);
	emit(prog, XDP_ST_MEM(BPF_W, BPF_REG_10, HDR_FIELD(filter_gen),
	    (__s32)p->filter_gen));
	xdp_prog_place(prog, LABEL_KEEP);
	if (!length_up_front(p))
		emit_store_length(prog, p);
	/* cap_len = min(keep, wire_len, snaplen) */
	emit(prog, XDP_LDX_MEM(BPF_W, BPF_REG_2, BPF_REG_10,
	    XDP_FILTER_STACK_WIRE_LEN));
	emit(prog, XDP_JMP32_REG(BPF_JLE, BPF_REG_7, BPF_REG_2, 1));
	emit(prog, XDP_MOV32_REG(BPF_REG_7, BPF_REG_2));
	emit(prog, XDP_JMP32_IMM(BPF_JLE, BPF_REG_7, (__s32)snaplen, 1));
	emit(prog, XDP_MOV32_IMM(BPF_REG_7, (__s32)snaplen));
	emit(prog, XDP_STX_MEM(BPF_W, BPF_REG_10, BPF_REG_2,
	    HDR_FIELD(wire_len)));
	emit(prog, XDP_STX_MEM(BPF_W, BPF_REG_10, BPF_REG_7,
	    HDR_FIELD(cap_len)));
	emit(prog, XDP_ST_MEM(BPF_W, BPF_REG_10, HDR_FIELD(reserved), 0));

	emit_count(prog, p->out.counts_fd, XDP_CAPTURE_SEEN);
	if (out->room != NULL)
		out->room(prog, p);
	emit(prog, XDP_CALL(BPF_FUNC_ktime_get_ns));
	emit(prog, XDP_STX_MEM(BPF_DW, BPF_REG_10, BPF_REG_0,
	    HDR_FIELD(tstamp_ns)));
	out->output(prog, p);
	xdp_prog_emit_to(prog, XDP_JMP_IMM(BPF_JEQ, BPF_REG_0, 0, 0),
	    LABEL_CHAIN);
	xdp_prog_place(prog, LABEL_LOST);
	emit_count(prog, p->out.counts_fd, XDP_CAPTURE_LOST);
	xdp_prog_emit_to(prog, XDP_JA(0), LABEL_CHAIN);
}

/*
 * The tail call to the next slot, or, if it is empty, to slot 0: constant
 * indexes, which the JIT makes direct jumps.
 */
static void
emit_chain(struct xdp_prog *prog, __u32 slot, int slots_fd)
{
	xdp_prog_place(prog, LABEL_REJECT);
	xdp_prog_place(prog, LABEL_CHAIN);
	emit(prog, XDP_MOV64_REG(BPF_REG_1, BPF_REG_6));
	emit_ld_map_fd(prog, BPF_REG_2, slots_fd);
	emit(prog, XDP_MOV64_IMM(BPF_REG_3, (__s32)(slot + 1)));
	emit(prog, XDP_CALL(BPF_FUNC_tail_call));
	emit(prog, XDP_MOV64_REG(BPF_REG_1, BPF_REG_6));
	emit_ld_map_fd(prog, BPF_REG_2, slots_fd);
	emit(prog, XDP_MOV64_IMM(BPF_REG_3, XDP_CAPTURE_ORIG_SLOT));
	emit(prog, XDP_CALL(BPF_FUNC_tail_call));
	emit(prog, XDP_MOV64_IMM(BPF_REG_0, XDP_PASS));
	emit(prog, XDP_EXIT());
}

/*
 * For the tests: the filter's result is the program's.  (The verifier
 * refuses code nothing reaches: a filter that never rejects has no use for
 * the reject label.)
 */
static void
emit_return_result(struct xdp_prog *prog)
{
	xdp_prog_place(prog, LABEL_UNFILTERED);
	emit(prog, XDP_MOV32_IMM(BPF_REG_7, -1));
	xdp_prog_place(prog, LABEL_ACCEPT);
	emit(prog, XDP_MOV32_REG(BPF_REG_0, BPF_REG_7));
	emit(prog, XDP_EXIT());
	if (xdp_prog_label_used(prog, LABEL_REJECT)) {
		xdp_prog_place(prog, LABEL_REJECT);
		emit(prog, XDP_MOV32_IMM(BPF_REG_0, 0));
		emit(prog, XDP_EXIT());
	}
}

/*
 * The line of a verifier log that says why: the last one before the
 * statistics the verifier ends with.
 */
static char *
xdp_dump_verifier_reason(char *log)
{
	char *end = log + strlen(log), *line;

	for (;;) {
		while (end > log && end[-1] == '\n')
			*--end = '\0';
		line = end;
		while (line > log && line[-1] != '\n')
			line--;
		if (line == log || (strncmp(line, "processed ", 10) != 0 &&
		    strncmp(line, "verification time", 17) != 0 &&
		    strncmp(line, "stack depth", 11) != 0))
			return line;
		end = line;
	}
}

/*
 * Replaces every run of 8 or more hexadecimal digits in line, "0x" or
 * not, by "...": a privileged load's verifier log shows kernel addresses
 * (a map's, where the program loads one), which the application, which
 * has dropped its privileges, must not learn.  Returns line.
 */
char *
xdp_dump_sanitize(char *line)
{
	char *r = line, *w = line, *digits;
	size_t n;

	while (*r != '\0') {
		digits = r[0] == '0' && (r[1] == 'x' || r[1] == 'X') ? r + 2 : r;
		for (n = 0; isxdigit((unsigned char)digits[n]); n++)
			;
		if (n >= 8) {
			memcpy(w, "...", 3);
			w += 3;
			r = digits + n;
		} else
			*w++ = *r++;
	}
	*w = '\0';
	return line;
}

/*
 * The instructions where the program's subprograms start: the callbacks of
 * the filter's loops, which bpf_loop() calls, found from the instructions
 * that take their address.  Returns how many, at most max.
 */
static size_t
xdp_dump_subprograms(const struct xdp_prog *prog, __u32 *starts, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i + 1 < prog->len && n < max; i++)
		if (prog->insns[i].code == (BPF_LD | BPF_DW | BPF_IMM) &&
		    prog->insns[i].src_reg == BPF_PSEUDO_FUNC)
			starts[n++] = (__u32)((long)i + prog->insns[i].imm + 1);
	return n;
}

/*
 * A program with subprograms needs BTF describing its functions: the main
 * one takes the context, a bpf_loop() callback a pass number and a
 * pointer.  Returns the BTF (the caller frees it), loaded, with func_info
 * in info[0..1 + nr), or NULL with errno set.
 */
static struct btf *
xdp_dump_btf(const __u32 *starts, size_t nr, struct bpf_func_info *info)
{
	struct btf *btf = btf__new_empty();
	int int_id, ptr_id, main_proto, loop_proto, main_id, loop_id;
	size_t i;

	if (btf == NULL)
		return NULL;
	int_id = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	ptr_id = btf__add_ptr(btf, 0);
	main_proto = btf__add_func_proto(btf, int_id);
	btf__add_func_param(btf, "ctx", ptr_id);
	loop_proto = btf__add_func_proto(btf, int_id);
	btf__add_func_param(btf, "pass", int_id);
	btf__add_func_param(btf, "state", ptr_id);
	main_id = btf__add_func(btf, XDP_DUMP_NAME_FILTER, BTF_FUNC_STATIC,
	    main_proto);
	loop_id = btf__add_func(btf, "pcapxdp_loop", BTF_FUNC_STATIC,
	    loop_proto);
	if (int_id < 0 || ptr_id < 0 || main_id < 0 || loop_id < 0 ||
	    btf__load_into_kernel(btf) != 0) {
		btf__free(btf);
		return NULL;
	}
	info[0].insn_off = 0;
	info[0].type_id = (__u32)main_id;
	for (i = 0; i < nr; i++) {
		info[1 + i].insn_off = starts[i];
		info[1 + i].type_id = (__u32)loop_id;
	}
	return btf;
}

/*
 * Loads the refused program again, with the verifier's log, to say why it
 * was refused: the reason, without what could carry kernel addresses.
 */
static void
xdp_dump_explain_refusal(const struct xdp_prog *prog, const char *name,
    struct bpf_prog_load_opts *opts, int err, char *errbuf, size_t errlen)
{
	static char log[65536];
	int fd;

	opts->log_buf = log;
	opts->log_size = sizeof(log);
	opts->log_level = 1;
	log[0] = '\0';
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, name, "Dual BSD/GPL",
	    prog->insns, prog->len, opts);
	if (fd >= 0)
		close(fd);
	if (fd >= 0 || log[0] == '\0')
		snprintf(errbuf, errlen, "the kernel refused the program: %s",
		    strerror(err));
	else
		snprintf(errbuf, errlen, "the verifier refused the program: %s",
		    xdp_dump_sanitize(xdp_dump_verifier_reason(log)));
}

/*
 * Loads a built program; on failure, says why.  A program the verifier
 * gave up on (E2BIG: too complex) is not loaded again for the log, which
 * would cost as much root CPU again.
 */
static int
xdp_dump_load_prog(struct xdp_prog *prog, const char *name,
    const struct xdp_dump_kind *kind, char *errbuf, size_t errlen)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts);
	struct bpf_func_info info[1 + XDP_FILTER_MAX_LOOPS];
	__u32 starts[XDP_FILTER_MAX_LOOPS];
	struct btf *btf = NULL;
	size_t nr_subprogs;
	int fd, err;

	opts.prog_flags = kind->prog_flags;
	opts.expected_attach_type = kind->attach_type;
	nr_subprogs = xdp_dump_subprograms(prog, starts, XDP_FILTER_MAX_LOOPS);
	if (nr_subprogs > 0) {
		btf = xdp_dump_btf(starts, nr_subprogs, info);
		if (btf == NULL) {
			err = errno;
			snprintf(errbuf, errlen, "the kernel refused the "
			    "program's BTF: %s", strerror(err));
			return -err;
		}
		opts.prog_btf_fd = (__u32)btf__fd(btf);
		opts.func_info = info;
		opts.func_info_cnt = (__u32)(1 + nr_subprogs);
		opts.func_info_rec_size = sizeof(info[0]);
	}
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, name, "Dual BSD/GPL",
	    prog->insns, prog->len, &opts);
	if (fd < 0) {
		err = errno;
		if (err == E2BIG)
			snprintf(errbuf, errlen, "the verifier gave up on the "
			    "program, too complex for it: %s", strerror(err));
		else
			xdp_dump_explain_refusal(prog, name, &opts, err,
			    errbuf, errlen);
		fd = -err;
	}
	btf__free(btf);
	return fd;
}

static int
xdp_dump_build(struct xdp_prog *prog, const struct xdp_dump_params *p,
    char *errbuf, size_t errlen)
{
	if (xdp_prog_init(prog, LABEL_NR +
	    (p->filter ? XDP_FILTER_NR_LABELS(p->filter_len) : 0)) != 0) {
		snprintf(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	emit_prologue(prog, p);
	if (emit_filter(prog, p->filter, p->filter_len, errbuf, errlen) != 0) {
		xdp_prog_free(prog);
		return -EPROTONOSUPPORT;
	}
	return 0;
}

/* Appends the filter's loops, which come after the program's end. */
static int
xdp_dump_finish(struct xdp_prog *prog, const struct xdp_filter_insn *filter,
    size_t filter_len, const char *name, const struct xdp_dump_kind *kind,
    char *errbuf, size_t errlen)
{
	int fd;

	if (filter != NULL && xdp_filter_translate_loops(prog, filter,
	    filter_len, LABEL_NR, errbuf, errlen) != 0) {
		xdp_prog_free(prog);
		return -EPROTONOSUPPORT;
	}
	if (xdp_prog_resolve(prog) != 0) {
		snprintf(errbuf, errlen, "the translation has a jump too long "
		    "for eBPF, or ran out of memory");
		xdp_prog_free(prog);
		return -EPROTONOSUPPORT;
	}
	fd = xdp_dump_load_prog(prog, name, kind, errbuf, errlen);
	xdp_prog_free(prog);
	return fd;
}

int
xdp_dump_load(const struct xdp_dump_params *p, char *errbuf, size_t errlen)
{
	struct xdp_prog prog;
	int err;

	err = xdp_dump_build(&prog, p, errbuf, errlen);
	if (err != 0)
		return err;
	emit_capture(&prog, p);
	emit_chain(&prog, p->slot, p->slots_fd);
	return xdp_dump_finish(&prog, p->filter, p->filter_len, p->filter ?
	    XDP_DUMP_NAME_FILTER : XDP_DUMP_NAME, &p->kind, errbuf, errlen);
}

int
xdp_dump_load_filter_only(const struct xdp_filter_insn *filter,
    size_t filter_len, char *errbuf, size_t errlen)
{
	struct xdp_dump_params p;
	struct xdp_prog prog;
	int err;

	memset(&p, 0, sizeof(p));
	p.filter = filter;
	p.filter_len = filter_len;
	p.kind.attach_type = BPF_XDP;
	err = xdp_dump_build(&prog, &p, errbuf, errlen);
	if (err != 0)
		return err;
	emit_return_result(&prog);
	return xdp_dump_finish(&prog, filter, filter_len, XDP_DUMP_NAME_FILTER,
	    &p.kind, errbuf, errlen);
}

/* A program that only passes every frame on to the slot after slot. */
static int
xdp_dump_load_chain_only(__u32 slot, int slots_fd,
    const struct xdp_dump_kind *kind, const char *name, char *errbuf,
    size_t errlen)
{
	struct xdp_prog prog;

	if (xdp_prog_init(&prog, LABEL_NR) != 0) {
		snprintf(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	emit(&prog, XDP_MOV64_REG(BPF_REG_6, BPF_REG_1));
	emit_chain(&prog, slot, slots_fd);
	return xdp_dump_finish(&prog, NULL, 0, name, kind, errbuf, errlen);
}

int
xdp_dump_load_pass(__u32 slot, int slots_fd, const struct xdp_dump_kind *kind,
    char *errbuf, size_t errlen)
{
	return xdp_dump_load_chain_only(slot, slots_fd, kind, XDP_DUMP_NAME_PASS,
	    errbuf, errlen);
}

/* The entry is the pass-through program of slot 0, under its own name. */
int
xdp_dump_load_entry(int slots_fd, const struct xdp_dump_kind *kind,
    char *errbuf, size_t errlen)
{
	return xdp_dump_load_chain_only(XDP_CAPTURE_ORIG_SLOT, slots_fd, kind,
	    XDP_HOOK_ENTRY_NAME, errbuf, errlen);
}
