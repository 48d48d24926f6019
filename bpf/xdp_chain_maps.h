/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The two maps every program of an interface's chain shares.  Userspace
 * creates them once per interface and hands the same fds to every program it
 * loads (bpf_map__reuse_fd), so these definitions only fix types and sizes.
 */
#ifndef XDP_CHAIN_MAPS_H
#define XDP_CHAIN_MAPS_H

#include "xdp_capture.h"

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, XDP_CAPTURE_MAX_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} pcapxdp_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XDP_CAPTURE_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct xdp_capture_link);
} pcapxdp_chain SEC(".maps");

/*
 * Hand the packet to slot "from"'s successor; if that slot was emptied while
 * the packet was on its way, to the original program; if there is none, to
 * the stack, as the hook would without any program.
 */
static __always_inline int
xdp_chain_next(struct xdp_md *ctx, __u32 from)
{
	struct xdp_capture_link *link;

	link = bpf_map_lookup_elem(&pcapxdp_chain, &from);
	if (link)
		bpf_tail_call(ctx, &pcapxdp_slots, link->next);
	bpf_tail_call(ctx, &pcapxdp_slots, XDP_CAPTURE_ORIG_SLOT);
	return XDP_PASS;
}

#endif /* XDP_CHAIN_MAPS_H */
