/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What crosses the boundary between an xdp: capture (the application's
 * side, xdp-privsep.c) and its privileged helper (helper/), as
 * rpcap-protocol.h is for rpcapd.
 *
 * The two talk over a SOCK_SEQPACKET socketpair that the application makes
 * when it starts the helper: one message per request, one reply to each,
 * and one unasked message when the helper ends the capture on its own.
 * Every message is a header, then the body its type has; the receiver
 * checks the header, and its length against what it actually received,
 * before it reads the body.
 *
 * The application may be compromised (it drops its privileges because it
 * parses hostile packets): the helper checks every message, acts only on
 * its own capture, never waits for the application, and sends it nothing
 * that would tell it more than its own capture (no kernel addresses).
 */
#ifndef XDP_PROTOCOL_H
#define XDP_PROTOCOL_H

#include <linux/types.h>

#define XDP_PROTOCOL_VERSION	1

/* The helper's end of the socket, as the helper finds it after exec. */
#define XDP_PROTOCOL_FD		3

enum xdp_protocol_type {
	XDP_PROTOCOL_JOIN = 1,	/* struct xdp_protocol_join */
	XDP_PROTOCOL_SETFILTER,	/* classic BPF instructions; none: no
				   filter in the kernel */
	XDP_PROTOCOL_LEAVE,	/* no body */
	XDP_PROTOCOL_REPLY,	/* struct xdp_protocol_reply */
	XDP_PROTOCOL_ENDED,	/* struct xdp_protocol_reply: the helper
				   ended the capture, and exits */
};

struct xdp_protocol_header {
	__u8	version;	/* XDP_PROTOCOL_VERSION */
	__u8	type;		/* enum xdp_protocol_type */
	__u16	reserved;	/* 0 */
	__u32	length;		/* bytes of body that follow */
};

/* JOIN: the capture to make, on the helper's side. */
struct xdp_protocol_join {
	__s32	ifindex;	/* the interface */
	__u32	snaplen;	/* bytes of each frame to copy */
	__u32	immediate;	/* 0 or 1: wake the reader for every frame */
	__u32	transport;	/* enum xdp_capture_transport */
	__u64	buffer_size;	/* bytes of ring, in all; 0: a default */
};

/*
 * SETFILTER: the filter, as classic BPF instructions of 8 bytes (libpcap's
 * struct bpf_insn, Linux's struct sock_filter), at most this many.
 */
#define XDP_PROTOCOL_INSN_SIZE	8
#define XDP_PROTOCOL_MAX_INSNS	4096	/* BPF_MAXINSNS */

#define XDP_PROTOCOL_MESSAGE_LEN	256	/* PCAP_ERRBUF_SIZE */

/*
 * The reply to every request.  A successful JOIN's comes with fds
 * (SCM_RIGHTS, which carries at most 253): the per-CPU counters, the
 * nr_rings rings to map, and for own rings (XDP_CAPTURE_OWN) the doorbell
 * ring buffer to sleep on.
 */
#define XDP_PROTOCOL_MAX_FDS	253

struct xdp_protocol_reply {
	__s32	status;		/* 0, or a negative errno */
	__u32	nr_rings;	/* JOIN: rings that follow the counters */
	__u64	ring_size;	/* JOIN: bytes of each ring's data area */
	__u32	transport;	/* JOIN: enum xdp_capture_transport */
	__u32	filter_gen;	/* SETFILTER: stamped on the frames the
				   kernel's filter passes; or
				   XDP_CAPTURE_GEN_NONE: none runs there */
	char	message[XDP_PROTOCOL_MESSAGE_LEN];
				/* status < 0, or ENDED: why; SETFILTER
				   without a kernel filter: why not */
};

/* The largest message: a SETFILTER with the largest filter. */
#define XDP_PROTOCOL_MAX_MESSAGE	(sizeof(struct xdp_protocol_header) + \
	XDP_PROTOCOL_MAX_INSNS * XDP_PROTOCOL_INSN_SIZE)

#endif /* XDP_PROTOCOL_H */
