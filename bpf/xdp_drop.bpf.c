// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Sample "existing program": drops every frame. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
