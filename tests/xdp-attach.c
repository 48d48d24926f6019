/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Attaches a sample XDP program the ways loaders do and ip(8) cannot, and
 * acts on its bpf_link as the link's owner would, for the tests:
 *
 *   xdp-attach IFNAME OBJ [OPTION...]	attaches OBJ's first program
 *	link		through a bpf_link (libbpf's bpf_link_create(), as
 *			bpf_program__attach_xdp() does), not netlink; prints
 *			"link ID", then holds the link until SIGTERM or
 *			SIGINT, unless it pins it
 *	pin=PATH	pins the link at PATH and exits
 *	skb		in generic mode (native otherwise)
 *	noattachtype	loaded without an expected attach type, as raw
 *			bpf_prog_load() users and older loaders do
 *	frags		multi-buffer (BPF_F_XDP_HAS_FRAGS)
 *	devbound	device-bound (BPF_F_XDP_DEV_BOUND_ONLY)
 *	tailcall=PATH	with OBJ's second program in slot 0 of its program
 *			array, pinned at PATH
 *
 *   xdp-attach update LINK_ID OBJ [expect=PROG_ID]
 *			puts OBJ's first program on the link: a plain update,
 *			or one that expects PROG_ID there (BPF_F_REPLACE)
 *   xdp-attach detach LINK_ID
 *			detaches the link (BPF_LINK_DETACH)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>

#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#ifndef BPF_F_XDP_DEV_BOUND_ONLY
#define BPF_F_XDP_DEV_BOUND_ONLY (1U << 6)
#endif

struct options {
	int	link;
	const char *pin;
	__u32	mode_flags;		/* XDP_FLAGS_{DRV,SKB}_MODE */
	int	noattachtype;
	__u32	prog_flags;
	int	devbound;
	const char *tailcall_pin;
};

static int
fail(const char *what, int err)
{
	fprintf(stderr, "xdp-attach: %s: %s\n", what, strerror(err));
	return 1;
}

static int
parse_options(int argc, char **argv, struct options *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->mode_flags = XDP_FLAGS_DRV_MODE;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "link") == 0)
			o->link = 1;
		else if (strncmp(argv[i], "pin=", 4) == 0)
			o->pin = argv[i] + 4;
		else if (strcmp(argv[i], "skb") == 0)
			o->mode_flags = XDP_FLAGS_SKB_MODE;
		else if (strcmp(argv[i], "noattachtype") == 0)
			o->noattachtype = 1;
		else if (strcmp(argv[i], "frags") == 0)
			o->prog_flags |= BPF_F_XDP_HAS_FRAGS;
		else if (strcmp(argv[i], "devbound") == 0)
			o->devbound = 1;
		else if (strncmp(argv[i], "tailcall=", 9) == 0)
			o->tailcall_pin = argv[i] + 9;
		else {
			fprintf(stderr, "xdp-attach: unknown option %s\n",
			    argv[i]);
			return -1;
		}
	}
	return 0;
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

static void
ignore(int sig)
{
	(void)sig;
}

/* Holds the link until SIGTERM or SIGINT, as a loader that keeps running. */
static void
hold(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ignore;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	pause();
}

static int
attach_link(int prog_fd, unsigned int ifindex, const struct options *o)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = o->mode_flags);
	struct bpf_link_info info;
	__u32 len = sizeof(info);
	int fd, err = 0;

	fd = bpf_link_create(prog_fd, (int)ifindex, BPF_XDP, &opts);
	if (fd < 0)
		return fail("attach through a link", errno);
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
		return fail("link info", errno);
	if (o->pin != NULL && bpf_obj_pin(fd, o->pin) != 0)
		err = fail("pin", errno);
	printf("link %u\n", info.id);
	fflush(stdout);
	if (o->pin == NULL && err == 0)
		hold();
	close(fd);
	return err;
}

static int
attach(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct options o;
	unsigned int ifindex;
	int err;

	if (parse_options(argc - 2, argv + 2, &o) != 0)
		return 2;
	ifindex = if_nametoindex(argv[0]);
	if (ifindex == 0)
		return fail(argv[0], errno);
	obj = bpf_object__open_file(argv[1], NULL);
	if (obj == NULL)
		return fail(argv[1], errno);
	prog = bpf_object__next_program(obj, NULL);
	if (o.devbound) {
		bpf_program__set_ifindex(prog, ifindex);
		o.prog_flags |= BPF_F_XDP_DEV_BOUND_ONLY;
	}
	bpf_program__set_flags(prog, o.prog_flags);
	if (o.noattachtype)
		bpf_program__set_expected_attach_type(prog, 0);
	err = bpf_object__load(obj);
	if (err != 0)
		err = fail("load", -err);
	else if (o.tailcall_pin != NULL &&
	    (err = fill_prog_array(obj, o.tailcall_pin)) != 0)
		err = fail("program array", -err);
	else if (o.link)
		err = attach_link(bpf_program__fd(prog), ifindex, &o);
	else if (bpf_xdp_attach((int)ifindex, bpf_program__fd(prog),
	    o.mode_flags, NULL) != 0)
		err = fail("attach", errno);
	/* What is attached or pinned stays when the object goes. */
	bpf_object__close(obj);
	return err;
}

static int
open_link(const char *id)
{
	int fd = bpf_link_get_fd_by_id((__u32)strtoul(id, NULL, 10));

	if (fd < 0)
		fail("open the link", errno);
	return fd;
}

/* As an owner updates its own link: a plain update, or a guarded one. */
static int
update(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_link_update_opts, opts);
	struct bpf_object *obj;
	int link_fd, old_fd = -1, err = 0;

	link_fd = open_link(argv[0]);
	if (link_fd < 0)
		return 1;
	if (argc == 3 && strncmp(argv[2], "expect=", 7) == 0) {
		old_fd = bpf_prog_get_fd_by_id((__u32)atoi(argv[2] + 7));
		if (old_fd < 0)
			return fail("open the expected program", errno);
		opts.flags = BPF_F_REPLACE;
		opts.old_prog_fd = (__u32)old_fd;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (obj == NULL)
		return fail(argv[1], errno);
	err = bpf_object__load(obj);
	if (err != 0)
		err = fail("load", -err);
	else if (bpf_link_update(link_fd, bpf_program__fd(
	    bpf_object__next_program(obj, NULL)), &opts) != 0)
		err = fail("update the link", errno);
	bpf_object__close(obj);
	if (old_fd >= 0)
		close(old_fd);
	close(link_fd);
	return err;
}

static int
detach(char **argv)
{
	int fd, err = 0;

	fd = open_link(argv[0]);
	if (fd < 0)
		return 1;
	if (bpf_link_detach(fd) != 0)
		err = fail("detach the link", errno);
	close(fd);
	return err;
}

int
main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "update") == 0)
		return update(argc - 2, argv + 2);
	if (argc == 3 && strcmp(argv[1], "detach") == 0)
		return detach(argv + 2);
	if (argc >= 3 && strcmp(argv[1], "update") != 0 &&
	    strcmp(argv[1], "detach") != 0)
		return attach(argc - 1, argv + 1);
	fprintf(stderr, "usage: xdp-attach IFNAME OBJ [OPTION...]\n"
	    "       xdp-attach update LINK_ID OBJ [expect=PROG_ID]\n"
	    "       xdp-attach detach LINK_ID\n");
	return 2;
}
