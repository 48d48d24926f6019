/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Privilege separation (DESIGN section 7).  Applications such as tcpdump and
 * dumpcap drop every privilege right after pcap_activate(), yet the capture
 * must still be able to leave the XDP chain and put the user's program back
 * on the hook when it closes, or when the application dies.  Activation
 * therefore starts a small helper, pcap-xdp-helper, which keeps the
 * privileges, joins the chain on the capture's behalf, and leaves it when
 * asked or when the socket to the application closes (also after SIGKILL).
 *
 * The helper also creates the capture's rings, which need
 * privileges too (dumpcap, even as root, keeps only CAP_NET_RAW and
 * CAP_NET_ADMIN while it opens a device), and hands them to the application.
 *
 * The helper trusts nothing it receives: it checks the request and acts only
 * on the interface and slot of its own capture.
 */
#ifndef XDP_PRIVSEP_H
#define XDP_PRIVSEP_H

#include <sys/types.h>
#include <linux/types.h>

#include "xdp-filter.h"

/* The helper's end of the socket, as the helper finds it after exec. */
#define XDP_PRIVSEP_FD		3
#define XDP_PRIVSEP_ERRLEN	256	/* PCAP_ERRBUF_SIZE */

/* SCM_RIGHTS carries at most 253 fds: the counters and the rings. */
#define XDP_PRIVSEP_MAX_FDS	253

enum xdp_privsep_op {
	XDP_PRIVSEP_JOIN = 1,
	XDP_PRIVSEP_SETFILTER,	/* filter_len instructions follow; 0: none */
	XDP_PRIVSEP_LEAVE,
};

struct xdp_privsep_request {
	__u32	op;
	__s32	ifindex;	/* JOIN: the interface */
	__u32	snaplen;	/* JOIN: bytes of each frame to copy */
	__u32	immediate;	/* JOIN: wake the reader for every frame */
	__u64	buffer_size;	/* JOIN: bytes of ring, in all; 0: default */
	__u32	filter_len;	/* SETFILTER: classic BPF instructions */
	__u32	transport;	/* JOIN: enum xdp_capture_transport */
};

/* The largest request: a SETFILTER with the largest program. */
#define XDP_PRIVSEP_MAX_REQUEST	(sizeof(struct xdp_privsep_request) + \
	XDP_FILTER_MAX_INSNS * sizeof(struct xdp_filter_insn))

/*
 * A successful JOIN's reply comes with 1 + nr_rings fds: the per-CPU
 * counters, then the rings to map (ring buffers or perf events).
 */
struct xdp_privsep_reply {
	__s32	status;		/* enum xdp_chain_status */
	__u32	nr_rings;	/* JOIN: rings that follow the counters */
	__u64	ring_size;	/* JOIN: bytes of each ring's data area */
	__u32	filter_gen;	/* SETFILTER: stamped on frames it passes */
	__u32	transport;	/* JOIN: enum xdp_capture_transport */
	__u32	ended;		/* unasked: the capture ended (errmsg: why) */
	char	errmsg[XDP_PRIVSEP_ERRLEN];
};

/*
 * The application's end.  Its socket becomes readable when the helper ends
 * the capture on its own: the interface disappeared, or another program
 * took the XDP hook.  The helper then leaves, sends a reply with ended set,
 * and exits.
 */
struct xdp_privsep {
	int	sock;		/* -1 when no helper runs */
	int	ended;		/* the helper ended the capture */
	char	why[XDP_PRIVSEP_ERRLEN];	/* its reason */
};

/*
 * Starts the helper and has it join req's interface.  Returns 0 with the
 * reply and its fds (which the caller then owns) in fds, or a PCAP_ERROR_*
 * code with a message in errbuf.
 */
int	xdp_privsep_join(struct xdp_privsep *ps,
	    const struct xdp_privsep_request *req,
	    struct xdp_privsep_reply *reply, int *fds, char *errbuf);

/*
 * Has the helper run filter in the kernel.  Returns 0 with the generation
 * the kernel stamps on the frames the filter passes (XDP_CAPTURE_GEN_NONE
 * for an empty filter), or a PCAP_ERROR_* code with the reason in errbuf;
 * the kernel then passes every frame on, for userspace to filter.
 */
int	xdp_privsep_set_filter(struct xdp_privsep *ps,
	    const struct xdp_filter_insn *filter, size_t filter_len,
	    __u32 *filter_gen, char *errbuf);

/*
 * Called when the socket is readable with no request outstanding: puts the
 * reason the capture ended in errbuf and returns PCAP_ERROR.
 */
int	xdp_privsep_ended(struct xdp_privsep *ps, char *errbuf);

/* Has the helper leave the chain, and ends it. Returns 0 or PCAP_ERROR. */
int	xdp_privsep_leave(struct xdp_privsep *ps, char *errbuf);

#endif /* XDP_PRIVSEP_H */
