// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * One capture's link in an interface's chain: copies each frame, up to the
 * snapshot length, to the capture's perf-event rings, counts it, and passes
 * it on down the chain unchanged.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "xdp_chain_maps.h"

/* Set by the loader before the program is loaded. */
const volatile __u32 self_slot = 0;
const volatile __u32 snaplen = XDP_CAPTURE_MAX_CAPLEN;

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} pcapxdp_rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XDP_CAPTURE_NR_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} pcapxdp_counts SEC(".maps");

static __always_inline void
count(__u32 counter)
{
	__u64 *value = bpf_map_lookup_elem(&pcapxdp_counts, &counter);

	/* Per-CPU, and XDP does not preempt itself on a CPU: no atomics. */
	if (value)
		*value += 1;
}

static __always_inline void
capture(struct xdp_md *ctx)
{
	struct xdp_capture_hdr hdr;
	__u64 len = bpf_xdp_get_buff_len(ctx);
	__u64 cap_len = len;

	if (cap_len > snaplen)
		cap_len = snaplen;
	if (cap_len > XDP_CAPTURE_MAX_CAPLEN)
		cap_len = XDP_CAPTURE_MAX_CAPLEN;

	hdr.tstamp_ns = bpf_ktime_get_ns();
	hdr.wire_len = len;
	hdr.cap_len = cap_len;

	count(XDP_CAPTURE_SEEN);
	if (bpf_perf_event_output(ctx, &pcapxdp_rings,
				  BPF_F_CURRENT_CPU | (cap_len << 32),
				  &hdr, sizeof(hdr)) != 0)
		count(XDP_CAPTURE_LOST);
}

SEC("xdp")
int pcapxdp_dump(struct xdp_md *ctx)
{
	capture(ctx);
	return xdp_chain_next(ctx, self_slot);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
