/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Frames for the filter tests: Ethernet frames of every kind a filter looks
 * into, well formed, truncated and malformed, made from a seed.
 */
#ifndef FRAMES_H
#define FRAMES_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_MAX	1514
#define FRAME_MIN	14	/* BPF_PROG_TEST_RUN wants an Ethernet header */

struct frame {
	unsigned char data[FRAME_MAX];
	size_t len;
};

/* Fills frames[0..n) from seed; the same seed gives the same frames. */
void	frames_make(struct frame *frames, size_t n, uint64_t seed);

/*
 * A frame crafted to make protochain loop: IPv6 with an AH header that
 * points back at itself (next header 51, payload length 8), from src to
 * dst.  libpcap's own code sets X to the AH length instead of adding it,
 * so bpf_filter() never ends on it.  Returns its length, FRAME_AH_LOOP_LEN.
 */
#define FRAME_AH_LOOP_LEN	62
size_t	frames_ah_loop(unsigned char *f, const unsigned char *dst,
	    const unsigned char *src);

/* A small deterministic generator, shared with the fuzzer. */
uint32_t frames_random(uint64_t *state);

#endif /* FRAMES_H */
