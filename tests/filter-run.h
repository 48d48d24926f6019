/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef FILTER_RUN_H
#define FILTER_RUN_H

#include <stddef.h>

/* Translates and loads a classic BPF program (struct bpf_insn[n]). */
int	filter_run_load(const void *insns, size_t n, char *errbuf,
	    size_t errlen);

/* Loads a program that drops every frame: the hook's own, in the benchmark. */
int	filter_run_load_drop(void);

/*
 * Loads a capture's dump program as a chain runs it, in slot 1, with the
 * drop program in slot 0: with the filter in insns (NULL: none), and rings
 * of transport (enum xdp_capture_transport) of buffer_size bytes in all.
 * Returns the program's fd, or a negative errno with a message in errbuf.
 */
int	filter_run_load_dump(const void *insns, size_t n, int transport,
	    size_t buffer_size, char *errbuf, size_t errlen);

/* Empties the rings of the dump programs loaded so far, unread. */
void	filter_run_empty_rings(void);

/*
 * Runs a loaded filter on a frame: its result, and with repeat > 1 the
 * kernel's average time per run.  Returns 0 or a negative errno.
 */
int	filter_run(int prog_fd, const void *frame, size_t len,
	    unsigned int repeat, unsigned int *result,
	    unsigned int *ns_per_run);

#endif /* FILTER_RUN_H */
