/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The id of the program on an interface's XDP hook, for test programs that
 * include libpcap's headers, whose struct bpf_insn clashes with the
 * kernel's.
 */
#ifndef HOOK_QUERY_H
#define HOOK_QUERY_H

/* Returns the program's id, 0 if there is none, or -1 if it can't tell. */
long	hook_query(const char *ifname);

#endif /* HOOK_QUERY_H */
