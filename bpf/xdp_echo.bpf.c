// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Sample "existing program" for the demo and the tests: bounces every frame
 * back out of the interface it came in on (XDP_TX), turning ICMP echo
 * requests into echo replies on the way so that ping shows the bounce.
 * Counts the frames it bounced in "echo_count".
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ICMP_ECHOREPLY	0
#define ICMP_ECHO	8

/* <linux/icmp.h> pulls in libc headers; only these fields are needed. */
struct icmp_echo_hdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} echo_count SEC(".maps");

static __always_inline void
swap_macs(struct ethhdr *eth)
{
	unsigned char tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

/* An echo reply differs from its request only in the type and the checksum. */
static __always_inline void
make_echo_reply(struct iphdr *ip, struct icmp_echo_hdr *icmp)
{
	__u32 sum;
	__be32 addr = ip->saddr;

	ip->saddr = ip->daddr;
	ip->daddr = addr;
	icmp->type = ICMP_ECHOREPLY;
	/* RFC 1624: the type went from 8 to 0 in the high byte of a word. */
	sum = (__u16)~icmp->checksum + (__u16)~bpf_htons(ICMP_ECHO << 8);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	icmp->checksum = ~sum;
}

SEC("xdp")
int xdp_echo(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	struct icmp_echo_hdr *icmp = data + sizeof(*eth) + sizeof(*ip);
	__u32 key = 0;
	__u64 *count;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP;
	if (eth->h_proto == bpf_htons(ETH_P_IP) && (void *)(icmp + 1) <= data_end &&
	    ip->ihl == 5 && ip->protocol == IPPROTO_ICMP && icmp->type == ICMP_ECHO)
		make_echo_reply(ip, icmp);
	swap_macs(eth);

	count = bpf_map_lookup_elem(&echo_count, &key);
	if (count)
		*count += 1;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
