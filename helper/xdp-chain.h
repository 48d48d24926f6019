/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Joining a capture's dump program to an interface's XDP chain and leaving
 * it again (see bpf/xdp_capture.h for the chain's shape).  Every function
 * here needs the privileges to load and attach XDP programs; pcap-xdp runs
 * them in its privileged helper (pcap-xdp-helper.c).
 *
 * Functions return 0, or a negative errno with a message in errbuf.
 */
#ifndef XDP_CHAIN_H
#define XDP_CHAIN_H

#include <stddef.h>
#include <linux/types.h>

#include "xdp-dump.h"

/* Where chains keep their state in bpffs (root only, mode 0700). */
#define XDP_CHAIN_BPFFS		"/sys/fs/bpf"
#define XDP_CHAIN_PIN_ROOT	XDP_CHAIN_BPFFS "/pcap-xdp"

/* What a capture asks of the chain. */
struct xdp_chain_capture {
	int	ifindex;	/* in the caller's network namespace */
	__u32	snaplen;	/* bytes of each frame to copy */
	struct xdp_dump_rings out;	/* its rings and counters */
};

/*
 * A capture's place in a chain, once joined: how its dump program was made
 * (dump.slot is 0 until it joins; dump.slots_fd is the member's to close,
 * the rings and counters are the capture's), the program, and its liveness.
 */
struct xdp_chain_member {
	int	ifindex;
	struct xdp_dump_params dump;
	int	dump_fd;
	int	alive_fd;	/* bound while the capture lives: see xdp-chain.c */
	int	on_link;	/* the user's bpf_link holds the chain's entry */
};

void xdp_chain_member_init(struct xdp_chain_member *m);

int xdp_chain_join(const struct xdp_chain_capture *cap,
    struct xdp_chain_member *m, char *errbuf, size_t errlen);

/*
 * Unlinks the capture; the last one out puts the user's program back on the
 * hook (same program, same mode), or detaches when there was none.
 */
int xdp_chain_leave(struct xdp_chain_member *m, char *errbuf, size_t errlen);

/*
 * Whether the capture's chain is still on its interface's hook.  Returns
 * 0; -ENODEV when the interface is gone; or -ENOENT when another program
 * took the hook, or removed the chain from it: the capture sees no packets
 * any more.  errbuf says which.
 */
int xdp_chain_check(const struct xdp_chain_member *m, char *errbuf,
    size_t errlen);

/*
 * Replaces the capture's dump program with one that runs filter (NULL: none)
 * in the kernel, stamping the frames it passes with gen.  The old program
 * stays if the new one can't be made: errbuf then says why.
 */
int xdp_chain_set_filter(struct xdp_chain_member *m,
    const struct xdp_filter_insn *filter, size_t filter_len, __u32 gen,
    char *errbuf, size_t errlen);

/*
 * Removes what dead captures left on an interface; when no live capture
 * remains, restores the interface as xdp_chain_leave does.
 */
int xdp_chain_cleanup(int ifindex, char *errbuf, size_t errlen);

#endif /* XDP_CHAIN_H */
