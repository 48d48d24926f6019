// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Sample "existing program" that uses tail calls itself, as Cilium's do:
 * its first part tail-calls its second, which tail-calls itself for as long
 * as the kernel lets it (33 tail calls per packet, minus those made before
 * the first part ran), then drops the frame.  It records how many tail calls
 * it got for the last frame in tailcall_depth[0], and counts the frames in
 * tailcall_depth[1], so that the tests can tell what a capture chain in
 * front of it leaves it.  tests/xdp-attach puts the second part in the
 * program array.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} tailcall_jmp SEC(".maps");

/* Tail calls so far for the frame this CPU processes. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} tailcall_calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} tailcall_depth SEC(".maps");

static __always_inline int
tailcall_done(__u32 calls)
{
	__u32 key = 0;
	__u32 *v;

	bpf_map_update_elem(&tailcall_depth, &key, &calls, BPF_ANY);
	key = 1;
	v = bpf_map_lookup_elem(&tailcall_depth, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	return XDP_DROP;
}

SEC("xdp")
int tailcall_main(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u32 *calls = bpf_map_lookup_elem(&tailcall_calls, &key);

	if (!calls)
		return XDP_DROP;
	*calls = 0;
	bpf_tail_call(ctx, &tailcall_jmp, 0);
	return tailcall_done(0);
}

SEC("xdp")
int tailcall_step(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u32 *calls = bpf_map_lookup_elem(&tailcall_calls, &key);

	if (!calls)
		return XDP_DROP;
	*calls += 1;
	bpf_tail_call(ctx, &tailcall_jmp, 0);
	return tailcall_done(*calls);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
