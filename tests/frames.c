/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Frames for the filter tests (see frames.h): ARP, IPv4 with options and
 * fragments, IPv6 with extension headers, TCP, UDP, ICMP, ICMPv6, GRE,
 * 802.1Q and stacked VLANs, MPLS; then some truncated or corrupted; 60 to
 * 1514 bytes, and down to 14 when truncated.
 */
#include <string.h>

#include "frames.h"

struct builder {
	unsigned char *p;
	size_t len;
	uint64_t *rng;
};

uint32_t
frames_random(uint64_t *state)
{
	/* xorshift64* */
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return (uint32_t)((*state * 2685821657736338717ULL) >> 32);
}

static uint32_t
rnd(struct builder *b, uint32_t n)
{
	return frames_random(b->rng) % n;
}

static void
put8(struct builder *b, uint32_t v)
{
	if (b->len < FRAME_MAX)
		b->p[b->len++] = (unsigned char)v;
}

static void
put16(struct builder *b, uint32_t v)
{
	put8(b, v >> 8);
	put8(b, v);
}

static void
put32(struct builder *b, uint32_t v)
{
	put16(b, v >> 16);
	put16(b, v);
}

static void
put_bytes(struct builder *b, const unsigned char *bytes, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		put8(b, bytes[i]);
}

static void
put_random(struct builder *b, size_t n)
{
	while (n-- > 0)
		put8(b, rnd(b, 256));
}

static void
put_mac(struct builder *b)
{
	static const unsigned char macs[][6] = {
		{ 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 },
		{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 },
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 },
		{ 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 },
	};
	uint32_t i = rnd(b, 6);

	if (i < 5)
		put_bytes(b, macs[i], 6);
	else
		put_random(b, 6);
}

static uint32_t
pick_ipv4(struct builder *b)
{
	static const uint32_t addrs[] = {
		0x0a000001, 0x0a000002, 0xc0a80101, 0xc0a801ff, 0xe0000001,
		0xffffffff, 0x0a010203,
	};
	uint32_t i = rnd(b, 8);

	return i < 7 ? addrs[i] : frames_random(b->rng);
}

static void
put_ipv6_addr(struct builder *b)
{
	static const unsigned char addrs[][16] = {
		{ 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
		{ 0x20, 0x01, 0x0d, 0xb8, [15] = 2 },
		{ 0xfe, 0x80, [15] = 1 },
		{ 0xff, 0x02, [15] = 1 },
	};
	uint32_t i = rnd(b, 5);

	if (i < 4)
		put_bytes(b, addrs[i], 16);
	else
		put_random(b, 16);
}

static uint32_t
pick_port(struct builder *b)
{
	static const uint32_t ports[] = {
		80, 443, 22, 53, 8080, 123, 1024, 65535, 6081, 20, 21,
	};
	uint32_t i = rnd(b, 13);

	return i < 11 ? ports[i] : rnd(b, 65536);
}

static void
put_tcp(struct builder *b)
{
	uint32_t doff = rnd(b, 4) == 0 ? 5 + rnd(b, 11) : 5;

	put16(b, pick_port(b));
	put16(b, pick_port(b));
	put32(b, frames_random(b->rng));
	put32(b, frames_random(b->rng));
	put8(b, doff << 4);
	put8(b, rnd(b, 4) == 0 ? rnd(b, 256) : (uint32_t[]){ 0x02, 0x12,
	    0x10, 0x18, 0x11, 0x04 }[rnd(b, 6)]);
	put16(b, rnd(b, 65536));
	put16(b, rnd(b, 65536));
	put16(b, 0);
	put_random(b, (doff - 5) * 4);
	if (rnd(b, 4) == 0)
		put_bytes(b, (const unsigned char *)"GET / HTTP/1.1\r\n", 16);
}

static void
put_udp(struct builder *b)
{
	put16(b, pick_port(b));
	put16(b, pick_port(b));
	put16(b, 8 + rnd(b, 200));
	put16(b, rnd(b, 65536));
}

static void
put_icmp(struct builder *b)
{
	put8(b, (uint32_t[]){ 8, 0, 3, 11, 5, 13 }[rnd(b, 6)]);
	put8(b, rnd(b, 4));
	put16(b, rnd(b, 65536));
	put32(b, frames_random(b->rng));
}

static void put_ipv4(struct builder *b, int depth);

/* The transport header for protocol proto, or a few random bytes. */
static void
put_l4(struct builder *b, uint32_t proto, int depth)
{
	switch (proto) {
	case 6:
		put_tcp(b);
		break;
	case 17:
		put_udp(b);
		break;
	case 1:
	case 58:
		put_icmp(b);
		break;
	case 47:	/* GRE, carrying IPv4 */
		put16(b, 0);
		put16(b, 0x0800);
		if (depth == 0)
			put_ipv4(b, depth + 1);
		break;
	default:
		put_random(b, 8 + rnd(b, 16));
	}
}

static uint32_t
pick_proto(struct builder *b)
{
	static const uint32_t protos[] = { 6, 17, 1, 47, 2, 132, 103, 50, 51 };
	uint32_t i = rnd(b, 11);

	return i < 9 ? protos[i] : rnd(b, 256);
}

static void
put_ipv4(struct builder *b, int depth)
{
	uint32_t ihl = rnd(b, 4) == 0 ? 5 + rnd(b, 11) : 5;
	uint32_t proto = pick_proto(b), frag = 0;

	if (rnd(b, 6) == 0)	/* a fragment: MF, or an offset, or both */
		frag = (rnd(b, 2) ? 0x2000 : 0) | (rnd(b, 2) ? rnd(b, 0x1fff) : 0);
	else if (rnd(b, 3) == 0)
		frag = 0x4000;	/* DF */
	put8(b, 0x40 | ihl);
	put8(b, rnd(b, 256));
	put16(b, 20 + rnd(b, 1480));
	put16(b, rnd(b, 65536));
	put16(b, frag);
	put8(b, 1 + rnd(b, 255));
	put8(b, proto);
	put16(b, 0);
	put32(b, pick_ipv4(b));
	put32(b, pick_ipv4(b));
	put_random(b, (ihl - 5) * 4);
	put_l4(b, proto, depth);
}

/* IPv6 and a chain of extension headers, as protochain walks them. */
static void
put_ipv6(struct builder *b)
{
	static const uint32_t exts[] = { 0, 43, 44, 60, 51 };
	uint32_t nr_ext = rnd(b, 3) == 0 ? 1 + rnd(b, 4) : 0, next, i, len;
	uint32_t final = (uint32_t[]){ 6, 17, 58, 47, 59 }[rnd(b, 5)];

	next = nr_ext > 0 ? exts[rnd(b, 5)] : final;
	put32(b, 0x60000000 | rnd(b, 0x100000));
	put16(b, rnd(b, 1460));
	put8(b, next);
	put8(b, 1 + rnd(b, 255));
	put_ipv6_addr(b);
	put_ipv6_addr(b);
	for (i = 0; i < nr_ext; i++) {
		uint32_t this = next;

		next = i + 1 < nr_ext ? exts[rnd(b, 5)] : final;
		put8(b, next);
		if (this == 44) {	/* fragment header: 8 bytes */
			put8(b, 0);
			put16(b, rnd(b, 65536) & 0xfff9);
			put32(b, frames_random(b->rng));
		} else if (this == 51) {	/* AH: (len + 2) * 4 bytes */
			len = rnd(b, 3);
			put8(b, len);
			put_random(b, (len + 2) * 4 - 2);
		} else {		/* (len + 1) * 8 bytes */
			len = rnd(b, 3);
			put8(b, len);
			put_random(b, (len + 1) * 8 - 2);
		}
	}
	put_l4(b, final == 59 ? 255 : final, 0);
}

static void
put_arp(struct builder *b)
{
	put16(b, 1);
	put16(b, 0x0800);
	put8(b, 6);
	put8(b, 4);
	put16(b, 1 + rnd(b, 2));
	put_mac(b);
	put32(b, pick_ipv4(b));
	put_mac(b);
	put32(b, pick_ipv4(b));
}

/* VLAN tags and MPLS labels, then the network layer. */
static void
put_l2_payload(struct builder *b)
{
	uint32_t kind = rnd(b, 12), tags, i;

	if (kind < 2) {		/* one tag, or two (802.1ad + 802.1Q) */
		tags = 1 + rnd(b, 2);
		for (i = 0; i < tags; i++) {
			put16(b, i == 0 && tags == 2 ? 0x88a8 : 0x8100);
			put16(b, rnd(b, 4) ? (uint32_t[]){ 1, 10, 100,
			    4094 }[rnd(b, 4)] : rnd(b, 65536));
		}
		kind = 4 + rnd(b, 8);
	}
	if (kind == 2) {	/* MPLS labels, then IPv4 */
		put16(b, 0x8847);
		tags = 1 + rnd(b, 3);
		for (i = 0; i < tags; i++)
			put32(b, ((rnd(b, 2) ? 16 + rnd(b, 4) : rnd(b, 1 << 20))
			    << 12) | (i + 1 == tags ? 0x100 : 0) | 64);
		put_ipv4(b, 0);
	} else if (kind == 3) {
		put16(b, rnd(b, 2) ? 0x0806 : 0x8035);
		put_arp(b);
	} else if (kind < 8) {
		put16(b, 0x0800);
		put_ipv4(b, 0);
	} else if (kind < 11) {
		put16(b, 0x86dd);
		put_ipv6(b);
	} else {		/* something else: PPPoE, LLDP, a length */
		put16(b, (uint32_t[]){ 0x8863, 0x8864, 0x88cc, 0x05dc,
		    0x0026 }[rnd(b, 5)]);
		put_random(b, 20 + rnd(b, 40));
	}
}

static void
frame_make(struct frame *f, uint64_t *rng)
{
	struct builder b = { f->data, 0, rng };
	size_t target, i;

	put_mac(&b);
	put_mac(&b);
	put_l2_payload(&b);

	/* Pad with payload to 60 to 1514 bytes, small frames more often. */
	target = rnd(&b, 3) ? 60 + rnd(&b, 200) : 60 + rnd(&b, 1455);
	if (b.len < target)
		put_random(&b, target - b.len);

	switch (rnd(&b, 20)) {
	case 0:
	case 1:
	case 2:		/* truncated, down to the Ethernet header */
		b.len = FRAME_MIN + rnd(&b, (uint32_t)(b.len - FRAME_MIN));
		break;
	case 3:		/* a few bytes anywhere changed */
		for (i = 0; i < 4; i++)
			f->data[rnd(&b, (uint32_t)b.len)] = (unsigned char)rnd(&b, 256);
		break;
	case 4:		/* garbage after the EtherType */
		for (i = 14; i < b.len; i++)
			f->data[i] = (unsigned char)rnd(&b, 256);
		break;
	}
	f->len = b.len;
}

size_t
frames_ah_loop(unsigned char *f, const unsigned char *dst,
    const unsigned char *src)
{
	static const unsigned char ip6_ah[] = {
		0x86, 0xdd,			/* EtherType IPv6 */
		0x60, 0, 0, 0, 0, 8, 51, 64,	/* 8 bytes of AH follow */
		0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
		0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		51, 8, 0, 0, 0, 0, 0, 0,	/* AH: next 51, (8 + 2) * 4 */
	};

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	memcpy(f + 12, ip6_ah, sizeof(ip6_ah));
	return FRAME_AH_LOOP_LEN;
}

void
frames_make(struct frame *frames, size_t n, uint64_t seed)
{
	uint64_t rng = seed ? seed : 1;
	size_t i;

	for (i = 0; i < n; i++)
		frame_make(&frames[i], &rng);
}
