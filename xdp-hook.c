/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Inspecting an interface's XDP hook: which program runs there, and, when it
 * is pcap-xdp's chain, which program of the user's the chain runs.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdp-hook.h"
#include "xdp_capture.h"

int
xdp_hook_device_type(const char *ifname)
{
	struct ifreq ifr;
	int fd, ret;

	memset(&ifr, 0, sizeof(ifr));
	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		return -ENODEV;
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = ioctl(fd, SIOCGIFHWADDR, &ifr) == 0 ?
	    ifr.ifr_hwaddr.sa_family : -errno;
	close(fd);
	return ret;
}

int
xdp_hook_prog_info(int prog_fd, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	if (bpf_obj_get_info_by_fd(prog_fd, info, &len) != 0)
		return -errno;
	return 0;
}

static int
xdp_hook_map_name_is(int map_fd, const char *name)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(map_fd, &info, &len) != 0)
		return 0;
	return strcmp(info.name, name) == 0;
}

int
xdp_hook_open_slots(int entry_fd)
{
	struct bpf_prog_info info;
	__u32 map_ids[8];
	__u32 len = sizeof(info);
	__u32 i;
	int fd;

	memset(&info, 0, sizeof(info));
	info.nr_map_ids = sizeof(map_ids) / sizeof(map_ids[0]);
	info.map_ids = (__u64)(unsigned long)map_ids;
	if (bpf_obj_get_info_by_fd(entry_fd, &info, &len) != 0)
		return -errno;
	if (info.nr_map_ids > sizeof(map_ids) / sizeof(map_ids[0]))
		info.nr_map_ids = sizeof(map_ids) / sizeof(map_ids[0]);

	for (i = 0; i < info.nr_map_ids; i++) {
		fd = bpf_map_get_fd_by_id(map_ids[i]);
		if (fd < 0)
			continue;
		if (xdp_hook_map_name_is(fd, XDP_HOOK_SLOTS_NAME))
			return fd;
		close(fd);
	}
	return -ENOENT;
}

/*
 * Whether link fd is an XDP link that runs prog_id on ifindex: 1 or 0, or
 * a negative errno.  (bpf_obj_get_info_by_fd, as libbpf 1.1 has no
 * bpf_link_get_info_by_fd.)
 */
static int
xdp_hook_link_runs(int link_fd, int ifindex, __u32 prog_id)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(link_fd, &info, &len) != 0)
		return -errno;
	return info.type == BPF_LINK_TYPE_XDP && info.prog_id == prog_id &&
	    info.xdp.ifindex == (__u32)ifindex;
}

/*
 * The kernel has no lookup of an interface's link: every link is looked
 * at.  A link's info gives only the ifindex, which other network
 * namespaces may repeat.
 */
int
xdp_hook_open_link(int ifindex, __u32 prog_id)
{
	__u32 id = 0;
	int fd, found = -ENOENT, runs;

	for (;;) {
		if (bpf_link_get_next_id(id, &id) != 0) {
			if (errno == ENOENT)	/* that was the last link */
				return found;
			runs = -errno;
			break;
		}
		fd = bpf_link_get_fd_by_id(id);
		if (fd < 0 && errno == ENOENT)
			continue;	/* freed meanwhile */
		runs = fd < 0 ? -errno :
		    xdp_hook_link_runs(fd, ifindex, prog_id);
		if (runs == 1 && found < 0) {
			found = fd;
			continue;
		}
		if (fd >= 0)
			close(fd);
		if (runs == 1) {
			runs = -ENOTUNIQ;
			break;
		}
		if (runs < 0)
			break;
	}
	if (found >= 0)
		close(found);
	return runs;
}

/*
 * The program the chain hands packets to in the end; 0 if there is none.
 * A PROG_ARRAY looked up from userspace gives the program's id.
 */
static __u32
xdp_hook_chain_original(int entry_fd)
{
	__u32 key = XDP_CAPTURE_ORIG_SLOT, id = 0;
	int slots_fd;

	slots_fd = xdp_hook_open_slots(entry_fd);
	if (slots_fd < 0)
		return 0;
	if (bpf_map_lookup_elem(slots_fd, &key, &id) != 0)
		id = 0;
	close(slots_fd);
	return id;
}

int
xdp_hook_query(int ifindex, struct xdp_hook *hook)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, opts);
	struct bpf_prog_info info;
	char name[IF_NAMESIZE];
	int fd, err;

	memset(hook, 0, sizeof(*hook));
	err = bpf_xdp_query(ifindex, 0, &opts);
	if (err != 0)
		return err;
	hook->attach_mode = opts.attach_mode;
	hook->prog_id = opts.drv_prog_id ? opts.drv_prog_id :
	    opts.skb_prog_id ? opts.skb_prog_id : opts.hw_prog_id;
	hook->orig_id = hook->prog_id;
	/* The query finds no program on an interface that does not exist. */
	if (hook->prog_id == 0)
		return if_indextoname((unsigned int)ifindex, name) != NULL ?
		    0 : -ENODEV;

	/* Reading a program's name needs privileges; without, ids are all. */
	fd = bpf_prog_get_fd_by_id(hook->prog_id);
	if (fd < 0)
		return 0;
	if (xdp_hook_prog_info(fd, &info) == 0 &&
	    strcmp(info.name, XDP_HOOK_ENTRY_NAME) == 0) {
		hook->is_chain = 1;
		hook->orig_id = xdp_hook_chain_original(fd);
	}
	close(fd);

	if (hook->orig_id == 0)
		return 0;
	fd = bpf_prog_get_fd_by_id(hook->orig_id);
	if (fd < 0)
		return 0;
	if (xdp_hook_prog_info(fd, &info) == 0)
		memcpy(hook->orig_name, info.name, sizeof(hook->orig_name));
	hook->orig_name[sizeof(hook->orig_name) - 1] = '\0';
	close(fd);
	return 0;
}
