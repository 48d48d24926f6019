// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The program pcap-xdp puts on an interface's XDP hook while captures run:
 * it only starts the packet down the chain (see xdp_capture.h).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "xdp_chain_maps.h"

SEC("xdp")
int pcapxdp_entry(struct xdp_md *ctx)
{
	return xdp_chain_next(ctx, XDP_CAPTURE_ORIG_SLOT);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
