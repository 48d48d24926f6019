/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Filter translation: the classic BPF that pcap_compile() produces, turned
 * into eBPF that runs inside a capture's dump program, with exactly the
 * semantics of libpcap's own bpf_filter() (not the kernel socket filter's
 * where they differ).
 */
#ifndef XDP_FILTER_H
#define XDP_FILTER_H

#include <stddef.h>
#include <linux/types.h>

/* A classic BPF instruction: libpcap's struct bpf_insn, Linux's sock_filter. */
struct xdp_filter_insn {
	__u16	code;
	__u8	jt;
	__u8	jf;
	__u32	k;
};

#define XDP_FILTER_MAX_INSNS	4096	/* BPF_MAXINSNS */

/*
 * What the translated filter expects of the program around it:
 * - r6 holds the XDP context, r9 the packet's data, r5 its data_end, and
 *   the linear data is the whole frame, shorter than 64 KiB;
 * - the frame's length, as a __u32, is at XDP_FILTER_STACK_WIRE_LEN (from
 *   r10); the filter keeps M[] at XDP_FILTER_STACK_MEM (64 bytes), the
 *   state of its loops at XDP_FILTER_STACK_LOOP (24 bytes), and X, for an
 *   indirect load, at XDP_FILTER_STACK_X (4 bytes).
 * The filter ends with the number of bytes to keep in r7 and a jump to the
 * accept label, or with a jump to the reject label.  It uses r0-r5 and
 * r7-r9 (a loop is a bpf_loop() call, after which r9 and r5 are reloaded).
 */
#define XDP_FILTER_STACK_WIRE_LEN	(-4)
#define XDP_FILTER_STACK_MEM		(-72)
#define XDP_FILTER_STACK_LOOP		(-136)
#define XDP_FILTER_STACK_X		(-76)

/*
 * Loops (protochain) a filter may have; each is a subprogram, and their
 * work is bounded (xdp-filter.c).
 */
#define XDP_FILTER_MAX_LOOPS		8

/*
 * The passes all the loops of a filter take together on a frame, at most:
 * more than protochain takes on any chain of headers seen in the wild, few
 * enough that a crafted frame costs the hook about as much as ten
 * XDP_DROPs do.  A frame that needs more is rejected.
 */
#define XDP_FILTER_MAX_PASSES		16

/* The labels a translation of n instructions needs. */
#define XDP_FILTER_NR_LABELS(n)	((n) + XDP_FILTER_MAX_LOOPS * ((n) + 4))

struct xdp_prog;

/*
 * Appends the translation of the n instructions of filter to prog, with
 * the XDP_FILTER_NR_LABELS(n) labels from label_base.  Its loops' bodies
 * are subprograms, which xdp_filter_translate_loops() appends once the
 * surrounding program has ended.  Both return 0, or -1 with the reason the
 * filter can't run in the kernel in errbuf (the program is then unusable).
 */
int	xdp_filter_translate(struct xdp_prog *prog,
	    const struct xdp_filter_insn *filter, size_t n, size_t label_base,
	    size_t accept, size_t reject, char *errbuf, size_t errlen);
int	xdp_filter_translate_loops(struct xdp_prog *prog,
	    const struct xdp_filter_insn *filter, size_t n, size_t label_base,
	    char *errbuf, size_t errlen);

#endif /* XDP_FILTER_H */
