/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Creating a capture's rings: one per online CPU, BPF ring buffers where the
 * kernel has them and perf-event rings otherwise (bpf/xdp_capture.h), and
 * the capture's per-CPU counters.  This needs privileges (CAP_BPF and
 * CAP_PERFMON or root), so the helper does it and hands the application the
 * rings to map and read (xdp-ring.c).
 */
#ifndef XDP_TRANSPORT_H
#define XDP_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "xdp-dump.h"

/*
 * SCM_RIGHTS carries at most 253 fds: the counters, up to 251 rings and,
 * for own rings, the doorbell.
 */
#define XDP_TRANSPORT_MAX_RINGS	251

struct xdp_transport {
	struct xdp_dump_rings out;	/* what the dump program writes to */
	int	nr_rings;
	int	ring_fd[XDP_TRANSPORT_MAX_RINGS];	/* by online CPU */
};

/*
 * Creates rings of kind want (XDP_CAPTURE_ANY_RING: ring buffers if the
 * kernel has them), of buffer_size bytes in all (0: a default), for records
 * of up to snaplen bytes of frame.  With immediate set, the reader is woken
 * as soon as a record waits; otherwise once a quarter of a ring is full.
 * Returns 0, or a negative errno with a message in errbuf.
 */
int	xdp_transport_create(struct xdp_transport *t,
	    enum xdp_capture_transport want, size_t buffer_size,
	    uint32_t snaplen, int immediate, char *errbuf, size_t errlen);
void	xdp_transport_close(struct xdp_transport *t);

#endif /* XDP_TRANSPORT_H */
