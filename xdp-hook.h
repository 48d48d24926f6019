/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What runs on an interface's XDP hook, seen through pcap-xdp's chain: while
 * captures run, the hook holds pcap-xdp's entry program, and the program the
 * user attached sits in slot 0 of the chain.
 */
#ifndef XDP_HOOK_H
#define XDP_HOOK_H

#include <linux/types.h>

struct bpf_prog_info;

#define XDP_HOOK_ENTRY_NAME	"pcapxdp_entry"
#define XDP_HOOK_SLOTS_NAME	"pcapxdp_slots"
#define XDP_HOOK_NAME_LEN	16	/* BPF_OBJ_NAME_LEN */

struct xdp_hook {
	__u32	prog_id;	/* program on the hook, 0 if none */
	__u8	attach_mode;	/* XDP_ATTACHED_{NONE,DRV,SKB,HW,MULTI} */
	int	is_chain;	/* prog_id is pcap-xdp's entry program */
	__u32	orig_id;	/* the user's program: prog_id, or slot 0 of the chain */
	char	orig_name[XDP_HOOK_NAME_LEN];	/* "" if it could not be read */
};

/* Returns 0, or a negative errno (-ENODEV: no such interface). */
int xdp_hook_query(int ifindex, struct xdp_hook *hook);

/* Fills info for a program fd; returns 0 or a negative errno. */
int xdp_hook_prog_info(int prog_fd, struct bpf_prog_info *info);

/*
 * The interface's device type (ARPHRD_*), or a negative errno (-ENODEV:
 * no such interface).
 */
int xdp_hook_device_type(const char *ifname);

/*
 * Opens the bpf_link through which prog_id runs on the interface's hook
 * (which needs the privileges to open BPF objects by id).  Returns its fd;
 * -ENOENT if no link holds it there (netlink attached it), -ENOTUNIQ if
 * several links could be it (interfaces of that ifindex in other network
 * namespaces, running the same program through links); or another
 * negative errno.
 */
int xdp_hook_open_link(int ifindex, __u32 prog_id);

/*
 * Opens the slots map an entry program uses, by id (which needs the
 * privileges to open BPF objects by id).  Returns its fd, or a negative
 * errno.
 */
int xdp_hook_open_slots(int entry_fd);

#endif /* XDP_HOOK_H */
