/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef FILTER_RUN_H
#define FILTER_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "xdp_capture.h"

/* Translates and loads a classic BPF program (struct bpf_insn[n]). */
int	filter_run_load(const void *insns, size_t n, char *errbuf,
	    size_t errlen);

/* Loads a program that drops every frame: the hook's own, in the benchmark. */
int	filter_run_load_drop(void);
/*
 * Loads a program that reads the i-th clock a BPF program may read, then
 * drops the frame, for the benchmark; says which clock in *name.  Returns
 * its fd, -EOPNOTSUPP if this kernel lacks that clock, or -ENOENT past the
 * last.
 */
int	filter_run_load_clock(size_t i, const char **name);

/*
 * Loads a capture's dump program as a chain runs it, in slot 1, with the
 * drop program in slot 0: with the filter in insns (NULL: none), and rings
 * of transport (enum xdp_capture_transport) of buffer_size bytes in all,
 * for snaplen bytes of each frame.  Frames the filter passes are stamped
 * with generation 1.  Returns the program's fd, or a negative errno with
 * a message in errbuf.
 */
int	filter_run_load_dump(const void *insns, size_t n, int transport,
	    size_t buffer_size, uint32_t snaplen, char *errbuf, size_t errlen);

/* A record the last dump program loaded wrote, as its rings hold it. */
struct filter_run_record {
	struct xdp_capture_hdr hdr;
	const unsigned char *data;	/* hdr.cap_len bytes */
};

/*
 * Takes the next record from the rings of the last dump program loaded;
 * returns 1, or 0 if they are empty.
 */
int	filter_run_next_record(struct filter_run_record *rec);

/* A counter of the last dump program loaded, summed over the CPUs. */
int	filter_run_count(enum xdp_capture_counter counter, uint64_t *value);

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
