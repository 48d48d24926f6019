/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The map every program of an interface's chain shares.  Userspace creates
 * it once per interface and hands the same fd to every program it loads
 * (bpf_map__reuse_fd), so this definition only fixes types and sizes.
 */
#ifndef XDP_CHAIN_MAPS_H
#define XDP_CHAIN_MAPS_H

#include "xdp_capture.h"

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, XDP_CAPTURE_MAX_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} pcapxdp_slots SEC(".maps");

#endif /* XDP_CHAIN_MAPS_H */
