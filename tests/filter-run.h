/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef FILTER_RUN_H
#define FILTER_RUN_H

#include <stddef.h>

/* Translates and loads a classic BPF program (struct bpf_insn[n]). */
int	filter_run_load(const void *insns, size_t n, char *errbuf,
	    size_t errlen);

/*
 * Runs a loaded filter on a frame: its result, and with repeat > 1 the
 * kernel's average time per run.  Returns 0 or a negative errno.
 */
int	filter_run(int prog_fd, const void *frame, size_t len,
	    unsigned int repeat, unsigned int *result,
	    unsigned int *ns_per_run);

#endif /* FILTER_RUN_H */
