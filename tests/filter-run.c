/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel side of the filter tests (filter-test.c): loads a translated
 * filter and runs it on a frame with BPF_PROG_TEST_RUN.  A file of its own
 * because the kernel's BPF headers and libpcap's can't meet in one.
 */
#include <errno.h>
#include <string.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "filter-run.h"
#include "xdp-dump.h"

int
filter_run_load(const void *insns, size_t n, char *errbuf, size_t errlen)
{
	return xdp_dump_load_filter_only(insns, n, errbuf, errlen);
}

int
filter_run(int prog_fd, const void *frame, size_t len, unsigned int repeat,
    unsigned int *result, unsigned int *ns_per_run)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);

	opts.data_in = frame;
	opts.data_size_in = (__u32)len;
	opts.repeat = repeat;
	if (bpf_prog_test_run_opts(prog_fd, &opts) != 0)
		return -errno;
	*result = opts.retval;
	if (ns_per_run != NULL)
		*ns_per_run = opts.duration;
	return 0;
}
