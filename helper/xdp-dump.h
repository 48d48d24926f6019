/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A capture's dump program, generated: the capture's filter (translated by
 * xdp-filter.c), then the copy of the frames it accepts to the capture's
 * rings, then the tail call down the chain (bpf/xdp_capture.h).  Generated
 * rather than compiled, because the filter is only known at run time and a
 * capture costs the chain exactly one tail call.
 */
#ifndef XDP_DUMP_H
#define XDP_DUMP_H

#include <stddef.h>
#include <linux/types.h>

#include "xdp-filter.h"
#include "xdp_capture.h"

/* Program names, which tell in bpftool whether a filter runs in the kernel. */
#define XDP_DUMP_NAME		"pcapxdp_dump"
#define XDP_DUMP_NAME_FILTER	"pcapxdp_filter"
#define XDP_DUMP_NAME_PASS	"pcapxdp_pass"

/*
 * What every program of one chain must agree on, since the kernel lets
 * only such programs share a PROG_ARRAY (and a bpf_link takes only a
 * program of its own program's attach type), while bpf_prog_info tells
 * neither: xdp-chain.c finds it out once per chain.
 */
struct xdp_dump_kind {
	__u32	prog_flags;	/* BPF_F_XDP_HAS_FRAGS, or 0 */
	__u32	attach_type;	/* expected_attach_type: BPF_XDP, or 0 */
};

/* Where a dump program writes the frames it captures (xdp-transport.h). */
struct xdp_dump_rings {
	enum xdp_capture_transport kind;
	int	map_fd;		/* the rings by CPU: a PERF_EVENT_ARRAY, or
				   an ARRAY_OF_MAPS of ring buffers or of
				   own rings */
	int	scratch_fd;	/* ring buffers: an ARRAY by CPU of
				   scratch_size bytes, where records are made */
	__u32	scratch_size;
	int	counts_fd;	/* per-CPU counters (enum xdp_capture_counter) */
	int	doorbell_fd;	/* own rings: the ring buffer that wakes the
				   reader */
	__u64	ring_size;	/* bytes of each ring's data */
	int	immediate;	/* wake the reader as soon as a record waits */
	int	store_release;	/* own rings: the kernel has BPF_STORE_REL */
};

struct xdp_dump_params {
	const struct xdp_filter_insn *filter;	/* NULL: every frame */
	size_t	filter_len;
	__u32	filter_gen;	/* stamped on the frames the filter passed */
	__u32	snaplen;
	__u32	slot;		/* the capture's slot in the chain */
	int	slots_fd;	/* the chain's PROG_ARRAY */
	struct xdp_dump_rings out;	/* the capture's */
	struct xdp_dump_kind kind;	/* the chain's */
};

/*
 * Loads the dump program.  Returns its fd; -EPROTONOSUPPORT if the filter
 * can't be translated, with the reason in errbuf; or another negative errno
 * if the kernel refused the program, with the verifier's last words.
 */
int	xdp_dump_load(const struct xdp_dump_params *params, char *errbuf,
	    size_t errlen);

/*
 * Loads the program that holds a slot a capture left while captures after
 * it remain: it passes every frame on to the next slot.
 */
int	xdp_dump_load_pass(__u32 slot, int slots_fd,
	    const struct xdp_dump_kind *kind, char *errbuf, size_t errlen);

/*
 * Loads the chain's entry program, which the hook runs while captures do:
 * it starts every frame down the chain, at slot 1 (bpf/xdp_capture.h).
 */
int	xdp_dump_load_entry(int slots_fd, const struct xdp_dump_kind *kind,
	    char *errbuf, size_t errlen);

/*
 * Loads the filter alone, as an XDP program that returns the filter's
 * result (the bytes to keep, 0 to reject): for the tests, which run it with
 * BPF_PROG_TEST_RUN.  Returns as xdp_dump_load() does.
 */
int	xdp_dump_load_filter_only(const struct xdp_filter_insn *filter,
	    size_t filter_len, char *errbuf, size_t errlen);

/*
 * Replaces what could be a kernel address in a line of the verifier's log
 * ("..." for every run of 8 or more hexadecimal digits); returns line.
 */
char	*xdp_dump_sanitize(char *line);

#endif /* XDP_DUMP_H */
