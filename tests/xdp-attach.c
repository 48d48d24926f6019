/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Attaches a sample XDP program the ways ip(8) cannot, for the tests:
 *
 *   xdp-attach link IFNAME OBJ PIN	through a bpf_link, pinned at PIN
 *   xdp-attach devbound IFNAME OBJ	device-bound (BPF_F_XDP_DEV_BOUND_ONLY)
 *   xdp-attach frags IFNAME OBJ	multi-buffer (BPF_F_XDP_HAS_FRAGS)
 *
 * The last two attach natively through netlink.  OBJ's first program is used.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>

#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#ifndef BPF_F_XDP_DEV_BOUND_ONLY
#define BPF_F_XDP_DEV_BOUND_ONLY (1U << 6)
#endif

static int
fail(const char *what, int err)
{
	fprintf(stderr, "xdp-attach: %s: %s\n", what, strerror(err));
	return 1;
}

int
main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_link *link;
	unsigned int ifindex;
	const char *mode;
	int err;

	if (argc < 4) {
		fprintf(stderr, "usage: xdp-attach link|devbound|frags IFNAME "
		    "OBJ [PIN]\n");
		return 2;
	}
	mode = argv[1];
	ifindex = if_nametoindex(argv[2]);
	if (ifindex == 0)
		return fail(argv[2], errno);
	obj = bpf_object__open_file(argv[3], NULL);
	if (obj == NULL)
		return fail(argv[3], errno);
	prog = bpf_object__next_program(obj, NULL);
	if (strcmp(mode, "devbound") == 0) {
		bpf_program__set_ifindex(prog, ifindex);
		bpf_program__set_flags(prog, BPF_F_XDP_DEV_BOUND_ONLY);
	} else if (strcmp(mode, "frags") == 0)
		bpf_program__set_flags(prog, BPF_F_XDP_HAS_FRAGS);
	err = bpf_object__load(obj);
	if (err != 0)
		return fail("load", -err);

	if (strcmp(mode, "link") == 0 && argc == 5) {
		link = bpf_program__attach_xdp(prog, (int)ifindex);
		if (link == NULL)
			return fail("attach through a link", errno);
		err = bpf_link__pin(link, argv[4]);
		if (err != 0)
			return fail("pin", -err);
		return 0;
	}
	err = bpf_xdp_attach((int)ifindex, bpf_program__fd(prog),
	    XDP_FLAGS_DRV_MODE, NULL);
	if (err != 0)
		return fail("attach", -err);
	return 0;
}
