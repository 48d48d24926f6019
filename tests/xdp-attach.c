/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Attaches a sample XDP program the ways ip(8) cannot, for the tests:
 *
 *   xdp-attach link IFNAME OBJ PIN	through a bpf_link, pinned at PIN
 *   xdp-attach devbound IFNAME OBJ	device-bound (BPF_F_XDP_DEV_BOUND_ONLY)
 *   xdp-attach frags IFNAME OBJ	multi-buffer (BPF_F_XDP_HAS_FRAGS)
 *   xdp-attach tailcall IFNAME OBJ PIN	OBJ's first program, with its second
 *					in its program array, pinned at PIN
 *
 * The last three attach natively through netlink.  OBJ's first program is
 * the one attached.
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

/*
 * Puts OBJ's second program in slot 0 of its program array, and pins the
 * array: the kernel empties a program array when its last file goes.
 */
static int
fill_prog_array(struct bpf_object *obj, const char *pin)
{
	struct bpf_program *first, *second;
	struct bpf_map *map;
	__u32 key = 0;
	int fd;

	first = bpf_object__next_program(obj, NULL);
	second = bpf_object__next_program(obj, first);
	bpf_object__for_each_map(map, obj)
		if (bpf_map__type(map) == BPF_MAP_TYPE_PROG_ARRAY)
			break;
	if (second == NULL || map == NULL)
		return -ENOENT;
	fd = bpf_program__fd(second);
	if (bpf_map__update_elem(map, &key, sizeof(key), &fd, sizeof(fd),
	    BPF_ANY) != 0)
		return -errno;
	return bpf_map__pin(map, pin);
}

static int
attach(struct bpf_object *obj, struct bpf_program *prog, const char *mode,
    unsigned int ifindex, const char *pin)
{
	struct bpf_link *link;
	int err;

	if (strcmp(mode, "tailcall") == 0 && pin != NULL) {
		err = fill_prog_array(obj, pin);
		if (err != 0)
			return fail("program array", -err);
	}
	if (strcmp(mode, "link") == 0 && pin != NULL) {
		link = bpf_program__attach_xdp(prog, (int)ifindex);
		if (link == NULL)
			return fail("attach through a link", errno);
		err = bpf_link__pin(link, pin);
		bpf_link__destroy(link);
		return err != 0 ? fail("pin", -err) : 0;
	}
	err = bpf_xdp_attach((int)ifindex, bpf_program__fd(prog),
	    XDP_FLAGS_DRV_MODE, NULL);
	if (err != 0)
		return fail("attach", -err);
	return 0;
}

int
main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	unsigned int ifindex;
	const char *mode;
	int err;

	if (argc < 4) {
		fprintf(stderr, "usage: xdp-attach link|devbound|frags|tailcall "
		    "IFNAME OBJ [PIN]\n");
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
		err = fail("load", -err);
	else
		err = attach(obj, prog, mode, ifindex,
		    argc == 5 ? argv[4] : NULL);
	/* What is attached or pinned stays when the object goes. */
	bpf_object__close(obj);
	return err;
}
