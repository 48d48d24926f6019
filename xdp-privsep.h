/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Privilege separation (pcap-xdp's README.md, "How it works").
 * Applications such as tcpdump and dumpcap drop every privilege right after
 * pcap_activate(), yet the capture must still be able to leave the XDP
 * chain and put the user's program back on the hook when it closes, or
 * when the application dies.  Activation
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

#include <stddef.h>
#include <linux/types.h>

#include "xdp-protocol.h"

struct bpf_insn;

/*
 * The application's end.  Its socket becomes readable when the helper ends
 * the capture on its own: the interface disappeared, or another program
 * took the XDP hook.  The helper then leaves, sends an ENDED message, and
 * exits.
 */
struct xdp_privsep {
	int	sock;		/* -1 when no helper runs */
	int	ended;		/* the helper ended the capture */
	char	why[XDP_PROTOCOL_MESSAGE_LEN];	/* its reason */
};

/*
 * Starts the helper and has it join req's interface.  Returns 0 with the
 * reply and its fds (which the caller then owns) in fds, or a PCAP_ERROR_*
 * code with a message in errbuf.
 */
int	xdp_privsep_join(struct xdp_privsep *ps,
	    const struct xdp_protocol_join *join,
	    struct xdp_protocol_reply *reply, int *fds, char *errbuf);

/*
 * Has the helper run filter in the kernel.  Returns 0 with the generation
 * the kernel stamps on the frames the filter passes, or
 * XDP_CAPTURE_GEN_NONE, when the filter can't run there, with the reason
 * in errbuf: the kernel then passes every frame on, for userspace to
 * filter.  Returns a PCAP_ERROR_* code, with the reason in errbuf, if the
 * helper can't be asked.
 */
int	xdp_privsep_set_filter(struct xdp_privsep *ps,
	    const struct bpf_insn *filter, size_t filter_len,
	    __u32 *filter_gen, char *errbuf);

/*
 * Called when the socket is readable with no request outstanding: puts the
 * reason the capture ended in errbuf and returns PCAP_ERROR.
 */
int	xdp_privsep_ended(struct xdp_privsep *ps, char *errbuf);

/* Has the helper leave the chain, and ends it. Returns 0 or PCAP_ERROR. */
int	xdp_privsep_leave(struct xdp_privsep *ps, char *errbuf);

#endif /* XDP_PRIVSEP_H */
