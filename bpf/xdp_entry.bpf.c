// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The program pcap-xdp puts on an interface's XDP hook while captures run:
 * it only starts the packet down the chain (see xdp_capture.h), at the
 * first capture or, if there is none, at the original program.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "xdp_chain_maps.h"

SEC("xdp")
int pcapxdp_entry(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &pcapxdp_slots, XDP_CAPTURE_FIRST_SLOT);
	bpf_tail_call(ctx, &pcapxdp_slots, XDP_CAPTURE_ORIG_SLOT);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
