/* SPDX-License-Identifier: BSD-2-Clause */
#include <net/if.h>

#include <bpf/libbpf.h>

#include "hook-query.h"

long
hook_query(const char *ifname)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, opts);
	int ifindex = (int)if_nametoindex(ifname);

	if (ifindex == 0 || bpf_xdp_query(ifindex, 0, &opts) != 0)
		return -1;
	return (long)opts.prog_id;
}
