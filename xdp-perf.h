/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Creating a capture's perf-event rings: one software BPF-output event per
 * online CPU, gathered in the PERF_EVENT_ARRAY the dump program writes to,
 * and the capture's per-CPU counters.  This needs privileges (CAP_BPF and
 * CAP_PERFMON or root), so the helper does it and hands the application the
 * events to map and read (xdp-ring.c).
 */
#ifndef XDP_PERF_H
#define XDP_PERF_H

#include <stddef.h>
#include <stdint.h>

/* SCM_RIGHTS carries at most 253 fds: the counters and up to 252 rings. */
#define XDP_PERF_MAX_RINGS	252

struct xdp_perf_rings {
	int	map_fd;		/* PERF_EVENT_ARRAY, indexed by CPU */
	int	counts_fd;	/* per-CPU counters (enum xdp_capture_counter) */
	int	nr_rings;
	int	ring_fd[XDP_PERF_MAX_RINGS];	/* perf events */
	uint64_t ring_size;	/* bytes of each ring's data area */
};

/*
 * Creates rings of buffer_size bytes in all (0: a default).  With immediate
 * set, each record wakes the reader; otherwise a quarter-full ring does.
 * Returns 0, or a negative errno with a message in errbuf.
 */
int	xdp_perf_rings_create(struct xdp_perf_rings *rings, size_t buffer_size,
	    int immediate, char *errbuf, size_t errlen);
void	xdp_perf_rings_close(struct xdp_perf_rings *rings);

#endif /* XDP_PERF_H */
