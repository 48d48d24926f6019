/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Creating a capture's perf-event rings (see xdp-perf.h).
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include <linux/bpf.h>
#include <linux/perf_event.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdp-perf.h"
#include "xdp_capture.h"

#define XDP_PERF_DEFAULT_BUFFER	(2 * 1024 * 1024)
/* A ring must hold the largest record, 64 KiB, with room to spare. */
#define XDP_PERF_MIN_RING	(128 * 1024)

static int
xdp_perf_error(char *errbuf, size_t errlen, int err, const char *what)
{
	snprintf(errbuf, errlen, "%s: %s", what, strerror(err));
	return -err;
}

static int
xdp_perf_online_cpus(int *cpus, int max)
{
	FILE *f;
	int n = 0, lo, hi, c;
	int sep;

	f = fopen("/sys/devices/system/cpu/online", "re");
	if (f == NULL)
		return -errno;
	/* A list of ranges: "0-3,5,7-8". */
	while (fscanf(f, "%d", &lo) == 1) {
		hi = lo;
		sep = fgetc(f);
		if (sep == '-') {
			if (fscanf(f, "%d", &hi) != 1)
				break;
			sep = fgetc(f);
		}
		for (c = lo; c <= hi && n < max; c++)
			cpus[n++] = c;
		if (sep != ',')
			break;
	}
	fclose(f);
	return n > 0 ? n : -ENOENT;
}

/* Each ring gets its share of the buffer: a power of two pages, as perf wants. */
static uint64_t
xdp_perf_ring_size(size_t buffer_size, int nr_rings)
{
	uint64_t per_ring, size = XDP_PERF_MIN_RING;

	if (buffer_size == 0)
		buffer_size = XDP_PERF_DEFAULT_BUFFER;
	per_ring = buffer_size / (size_t)nr_rings;
	while (size * 2 <= per_ring)
		size *= 2;
	return size;
}

static int
xdp_perf_open_event(int cpu, uint64_t size, int immediate)
{
	struct perf_event_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_BPF_OUTPUT;
	attr.sample_type = PERF_SAMPLE_RAW;
	attr.sample_period = 1;
	if (immediate)
		attr.wakeup_events = 1;
	else {
		/*
		 * Waking the reader costs the XDP path an interrupt: wake it
		 * when a quarter of the ring is full; the reader's flush tick
		 * collects what arrives slower than that.
		 */
		attr.watermark = 1;
		attr.wakeup_watermark = (uint32_t)(size / 4);
	}
	fd = (int)syscall(__NR_perf_event_open, &attr, -1, cpu, -1,
	    PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) != 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

int
xdp_perf_rings_create(struct xdp_perf_rings *rings, size_t buffer_size,
    int immediate, char *errbuf, size_t errlen)
{
	int cpus[XDP_PERF_MAX_RINGS], possible, nr, i, fd, err;

	memset(rings, 0, sizeof(*rings));
	rings->map_fd = rings->counts_fd = -1;

	possible = libbpf_num_possible_cpus();
	if (possible < 0)
		return xdp_perf_error(errbuf, errlen, -possible,
		    "Can't count the possible CPUs");
	nr = xdp_perf_online_cpus(cpus, XDP_PERF_MAX_RINGS);
	if (nr < 0)
		return xdp_perf_error(errbuf, errlen, -nr,
		    "Can't read the online CPUs");

	rings->map_fd = bpf_map_create(BPF_MAP_TYPE_PERF_EVENT_ARRAY,
	    "pcapxdp_rings", sizeof(__u32), sizeof(__u32), (__u32)possible,
	    NULL);
	rings->counts_fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY,
	    "pcapxdp_counts", sizeof(__u32), sizeof(__u64),
	    XDP_CAPTURE_NR_COUNTERS, NULL);
	if (rings->map_fd < 0 || rings->counts_fd < 0) {
		err = xdp_perf_error(errbuf, errlen, errno,
		    "Can't create the capture's BPF maps");
		goto fail;
	}

	rings->ring_size = xdp_perf_ring_size(buffer_size, nr);
	for (i = 0; i < nr; i++) {
		fd = xdp_perf_open_event(cpus[i], rings->ring_size, immediate);
		if (fd < 0) {
			err = xdp_perf_error(errbuf, errlen, -fd,
			    "Can't open the capture's perf events");
			goto fail;
		}
		rings->ring_fd[rings->nr_rings++] = fd;
		if (bpf_map_update_elem(rings->map_fd, &cpus[i], &fd,
		    BPF_ANY) != 0) {
			err = xdp_perf_error(errbuf, errlen, errno,
			    "Can't add a perf event to the capture's rings");
			goto fail;
		}
	}
	return 0;

fail:
	xdp_perf_rings_close(rings);
	return err;
}

void
xdp_perf_rings_close(struct xdp_perf_rings *rings)
{
	int i;

	for (i = 0; i < rings->nr_rings; i++)
		close(rings->ring_fd[i]);
	if (rings->map_fd >= 0)
		close(rings->map_fd);
	if (rings->counts_fd >= 0)
		close(rings->counts_fd);
	memset(rings, 0, sizeof(*rings));
	rings->map_fd = rings->counts_fd = -1;
}
