/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Layout shared by the BPF programs of pcap-xdp and the code that loads and
 * reads them.
 *
 * The chain: an interface's XDP hook runs the entry program, which tail-calls
 * through the "slots" PROG_ARRAY.  Slot 0 holds the program that owned the hook
 * before the first capture (empty when there was none); every other slot in
 * use holds one capture's dump program.  The "chain" array gives each slot its
 * successor: chain[0].next is the first capture, and a capture whose successor
 * is 0 is the last one, handing the packet to the original program.  A tail
 * call that fails (a slot emptied while the packet was on its way) falls
 * through to slot 0, so the original program always runs exactly once.
 */
#ifndef XDP_CAPTURE_H
#define XDP_CAPTURE_H

#include <linux/types.h>

#define XDP_CAPTURE_ORIG_SLOT	0

/*
 * A packet reaches the original program after 1 + N tail calls with N
 * captures, of the kernel's 33: allowing 16 captures leaves the original
 * program 16 for its own.
 */
#define XDP_CAPTURE_MAX_CAPTURES	16
#define XDP_CAPTURE_MAX_SLOTS	(XDP_CAPTURE_MAX_CAPTURES + 1)

/* Value of the "chain" array, indexed by slot. */
struct xdp_capture_link {
	__u32 next;		/* slot the packet goes to next; 0: the original */
	__u32 owner_pid;	/* helper owning this slot (for people), 0: free */
};

/*
 * Every sample a dump program writes to its perf-event ring is this header
 * followed by the first cap_len bytes of the frame, which the output helper
 * appends itself (BPF_F_CTXLEN_MASK).  The perf sample_type is
 * PERF_SAMPLE_RAW, so the reader sees a perf_event_header, a __u32 raw size,
 * and then this.
 */
struct xdp_capture_hdr {
	__u64 tstamp_ns;	/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 wire_len;		/* whole frame, all fragments included */
	__u32 cap_len;		/* bytes that follow */
};

/* Indexes of the per-CPU "counters" array of a capture. */
enum xdp_capture_counter {
	XDP_CAPTURE_SEEN,	/* frames that passed the capture's filter */
	XDP_CAPTURE_LOST,	/* of those, frames the ring had no room for */
	XDP_CAPTURE_NR_COUNTERS,
};

/*
 * Perf samples carry their size in 16 bits: the header, the raw size and the
 * record must fit.
 */
#define XDP_CAPTURE_MAX_CAPLEN	(0xffff - 64)

#endif /* XDP_CAPTURE_H */
