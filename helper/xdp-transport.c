/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Creating a capture's rings (see xdp-transport.h).
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

#include "xdp-insn.h"
#include "xdp-transport.h"
#include "xdp_capture.h"

/*
 * Without a size from the application, 8 MiB a CPU, 64 MiB at most in all.
 * A ring that fits in a core's L2 (pcap-linux's 2 MiB default would give
 * each CPU 1 MiB here) costs the XDP path most: the reader, right behind
 * it, holds the lines the dump program writes next, and every record's
 * lines cross between the cores.  Measured (bench/run.sh, every 64-byte
 * frame, own rings, 2 CPUs): the hook at 0.16 of its rate with 1 MiB a
 * CPU, 0.23 with 2, 0.31 with 4, 0.41 with 8 and no better beyond.
 */
#define XDP_TRANSPORT_DEFAULT_RING	(8 * 1024 * 1024)
#define XDP_TRANSPORT_DEFAULT_BUFFER	(64 * 1024 * 1024)
/* A ring must hold the largest record, 64 KiB, with room to spare. */
#define XDP_TRANSPORT_MIN_RING		(128 * 1024)
/* And must fit in 32 bits (ring buffers' max_entries). */
#define XDP_TRANSPORT_MAX_RING		(1024 * 1024 * 1024)

static int
xdp_transport_error(char *errbuf, size_t errlen, int err, const char *what)
{
	snprintf(errbuf, errlen, "%s: %s", what, strerror(err));
	return -err;
}

static int
xdp_transport_online_cpus(int *cpus, int max)
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

/*
 * Each ring gets its share of the buffer, rounded down to a power of two
 * pages, as both kinds of ring want, so that the rings take no more than
 * the application asked for, unless its share is under the minimum a ring
 * needs.
 */
static uint64_t
xdp_transport_ring_size(size_t buffer_size, int nr_rings)
{
	uint64_t per_ring, size = XDP_TRANSPORT_MIN_RING;

	if (buffer_size == 0)
		per_ring = XDP_TRANSPORT_DEFAULT_BUFFER / (size_t)nr_rings <
		    XDP_TRANSPORT_DEFAULT_RING ? XDP_TRANSPORT_DEFAULT_BUFFER /
		    (size_t)nr_rings : XDP_TRANSPORT_DEFAULT_RING;
	else
		per_ring = buffer_size / (size_t)nr_rings;
	while (size * 2 <= per_ring && size < XDP_TRANSPORT_MAX_RING)
		size *= 2;
	return size;
}

static int
xdp_transport_open_event(const struct xdp_transport *t, int cpu)
{
	struct perf_event_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_BPF_OUTPUT;
	attr.sample_type = PERF_SAMPLE_RAW;
	attr.sample_period = 1;
	/* Waking the reader costs the XDP path an interrupt: not too often. */
	attr.watermark = 1;
	attr.wakeup_watermark = (uint32_t)xdp_capture_wake_threshold(
	    t->out.ring_size, t->out.immediate);
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

static int
xdp_transport_open_ringbuf(const struct xdp_transport *t, int cpu)
{
	int fd;

	(void)cpu;
	fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "pcapxdp_ring", 0, 0,
	    (__u32)t->out.ring_size, NULL);
	return fd >= 0 ? fd : -errno;
}

static int
xdp_transport_open_own(const struct xdp_transport *t, int cpu)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	int fd;

	(void)cpu;
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "pcapxdp_ring", sizeof(__u32),
	    (__u32)xdp_capture_element(t->out.ring_size),
	    (__u32)(t->out.ring_size / xdp_capture_chunk(t->out.ring_size)),
	    &opts);
	return fd >= 0 ? fd : -errno;
}

static int
xdp_transport_map_perf(struct xdp_transport *t, int possible)
{
	t->out.map_fd = bpf_map_create(BPF_MAP_TYPE_PERF_EVENT_ARRAY,
	    "pcapxdp_rings", sizeof(__u32), sizeof(__u32), (__u32)possible,
	    NULL);
	return t->out.map_fd >= 0 ? 0 : -errno;
}

/* An ARRAY_OF_MAPS by CPU, the first ring the template of the others. */
static int
xdp_transport_map_of_rings(struct xdp_transport *t, int possible)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .inner_map_fd = t->ring_fd[0]);

	t->out.map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS,
	    "pcapxdp_rings", sizeof(__u32), sizeof(__u32), (__u32)possible,
	    &opts);
	return t->out.map_fd >= 0 ? 0 : -errno;
}

static int
xdp_transport_map_ringbuf(struct xdp_transport *t, int possible)
{
	/* Records are made whole before they go in a ring. */
	t->out.scratch_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY,
	    "pcapxdp_scratch", sizeof(__u32), t->out.scratch_size,
	    (__u32)possible, NULL);
	if (t->out.scratch_fd < 0)
		return -errno;
	return xdp_transport_map_of_rings(t, possible);
}

/*
 * Whether the kernel has BPF's store-release (Linux 6.15), with which a dump
 * program publishes its own ring's position; without it, an exchange.
 */
static int
xdp_transport_has_store_release(void)
{
	const struct bpf_insn insns[] = {
		XDP_MOV64_IMM(BPF_REG_1, 0),
		XDP_STORE_REL64(BPF_REG_10, BPF_REG_1, -8),
		XDP_MOV64_IMM(BPF_REG_0, XDP_PASS),
		XDP_EXIT(),
	};
	int fd;

	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, NULL, "Dual BSD/GPL", insns,
	    sizeof(insns) / sizeof(insns[0]), NULL);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/*
 * Own rings: and the doorbell, a ring buffer of the smallest size, where
 * a dump program writes when the reader asked it to (wake_at), and which
 * the reader sleeps on.
 */
static int
xdp_transport_map_own(struct xdp_transport *t, int possible)
{
	long page = sysconf(_SC_PAGESIZE);

	t->out.store_release = xdp_transport_has_store_release();
	t->out.doorbell_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF,
	    "pcapxdp_bell", 0, 0, (__u32)(page > 0 ? page : 4096), NULL);
	if (t->out.doorbell_fd < 0)
		return -errno;
	return xdp_transport_map_of_rings(t, possible);
}

/*
 * What the ring-buffer dump programs need of the kernel, or NULL if it has
 * it all: ring buffers and their query (5.8), and bpf_xdp_load_bytes()
 * to copy the frame into a record (5.18); own rings need mmapable arrays
 * too (5.5), and ring buffers for the doorbell.  Perf-event rings need
 * nothing later than what XDP itself does.
 */
static const char *
xdp_transport_ringbuf_lacks(void)
{
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) != 1)
		return "BPF ring buffers (Linux 5.8)";
	if (libbpf_probe_bpf_helper(BPF_PROG_TYPE_XDP, BPF_FUNC_xdp_load_bytes,
	    NULL) != 1)
		return "bpf_xdp_load_bytes() (Linux 5.18)";
	return NULL;
}

static const char *
xdp_transport_perf_lacks(void)
{
	return NULL;
}

/* How each transport makes its rings, best first. */
static const struct xdp_transport_ops {
	enum xdp_capture_transport kind;
	const char *name;		/* for messages */
	const char *(*lacks)(void);	/* what of the kernel, or NULL */
	int	(*open_ring)(const struct xdp_transport *t, int cpu);
	int	(*create_map)(struct xdp_transport *t, int possible);
} xdp_transport_ops[] = {
	{ XDP_CAPTURE_OWN, "Own rings", xdp_transport_ringbuf_lacks,
	  xdp_transport_open_own, xdp_transport_map_own },
	{ XDP_CAPTURE_RINGBUF, "Ring buffers", xdp_transport_ringbuf_lacks,
	  xdp_transport_open_ringbuf, xdp_transport_map_ringbuf },
	{ XDP_CAPTURE_PERF, "Perf-event rings", xdp_transport_perf_lacks,
	  xdp_transport_open_event, xdp_transport_map_perf },
};

#define XDP_TRANSPORT_NR_OPS \
	(sizeof(xdp_transport_ops) / sizeof(xdp_transport_ops[0]))

static int
xdp_transport_open_rings(struct xdp_transport *t,
    const struct xdp_transport_ops *ops, const int *cpus, int nr,
    char *errbuf, size_t errlen)
{
	int i, fd;

	for (i = 0; i < nr; i++) {
		fd = ops->open_ring(t, cpus[i]);
		if (fd < 0)
			return xdp_transport_error(errbuf, errlen, -fd,
			    "Can't create the capture's rings");
		t->ring_fd[t->nr_rings++] = fd;
	}
	return 0;
}

static int
xdp_transport_fill_map(struct xdp_transport *t, const int *cpus,
    char *errbuf, size_t errlen)
{
	int i;

	for (i = 0; i < t->nr_rings; i++)
		if (bpf_map_update_elem(t->out.map_fd, &cpus[i],
		    &t->ring_fd[i], BPF_ANY) != 0)
			return xdp_transport_error(errbuf, errlen, errno,
			    "Can't add a ring to the capture's map of rings");
	return 0;
}

/*
 * Whether this process may create BPF maps at all: without that, libbpf's
 * probes would say the kernel lacks what they look for.
 */
static int
xdp_transport_may_create(char *errbuf, size_t errlen)
{
	int fd;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, NULL, 4, 4, 1, NULL);
	if (fd < 0)
		return xdp_transport_error(errbuf, errlen, errno,
		    "Can't create the capture's maps");
	close(fd);
	return 0;
}

/*
 * The transport to use for want: the one asked for, which the kernel must
 * have, or the best it has.  Returns 0 with it in *ops, or a negative errno
 * with a message in errbuf.
 */
static int
xdp_transport_choose(enum xdp_capture_transport want,
    const struct xdp_transport_ops **ops, char *errbuf, size_t errlen)
{
	const char *lacks;
	size_t i;
	int err;

	err = xdp_transport_may_create(errbuf, errlen);
	if (err != 0)
		return err;
	for (i = 0; i < XDP_TRANSPORT_NR_OPS; i++) {
		if (want != XDP_CAPTURE_ANY_RING &&
		    want != xdp_transport_ops[i].kind)
			continue;
		lacks = xdp_transport_ops[i].lacks();
		if (lacks == NULL) {
			*ops = &xdp_transport_ops[i];
			return 0;
		}
		if (want != XDP_CAPTURE_ANY_RING) {
			snprintf(errbuf, errlen, "%s were asked for, and this "
			    "kernel lacks %s", xdp_transport_ops[i].name,
			    lacks);
			return -EOPNOTSUPP;
		}
	}
	snprintf(errbuf, errlen, "No transport %d", (int)want);
	return -EOPNOTSUPP;
}

int
xdp_transport_create(struct xdp_transport *t, enum xdp_capture_transport want,
    size_t buffer_size, uint32_t snaplen, int immediate, char *errbuf,
    size_t errlen)
{
	LIBBPF_OPTS(bpf_map_create_opts, counts_opts,
	    .map_flags = BPF_F_RDONLY);
	const struct xdp_transport_ops *ops;
	int cpus[XDP_TRANSPORT_MAX_RINGS], possible, nr, err;

	memset(t, 0, sizeof(*t));
	t->out.map_fd = t->out.scratch_fd = t->out.counts_fd = -1;
	t->out.doorbell_fd = -1;
	err = xdp_transport_choose(want, &ops, errbuf, errlen);
	if (err != 0)
		return err;
	t->out.kind = ops->kind;
	t->out.immediate = immediate;
	if (snaplen > XDP_CAPTURE_MAX_CAPLEN)
		snaplen = XDP_CAPTURE_MAX_CAPLEN;
	t->out.scratch_size = (__u32)sizeof(struct xdp_capture_hdr) + snaplen;

	possible = libbpf_num_possible_cpus();
	if (possible < 0)
		return xdp_transport_error(errbuf, errlen, -possible,
		    "Can't count the possible CPUs");
	nr = xdp_transport_online_cpus(cpus, XDP_TRANSPORT_MAX_RINGS);
	if (nr < 0)
		return xdp_transport_error(errbuf, errlen, -nr,
		    "Can't read the online CPUs");
	t->out.ring_size = xdp_transport_ring_size(buffer_size, nr);

	/*
	 * Read-only from userspace, so that the application, which may be
	 * compromised, can neither change nor freeze the counts.
	 */
	t->out.counts_fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY,
	    "pcapxdp_counts", sizeof(__u32), sizeof(__u64),
	    XDP_CAPTURE_NR_COUNTERS, &counts_opts);
	if (t->out.counts_fd < 0)
		err = xdp_transport_error(errbuf, errlen, errno,
		    "Can't create the capture's BPF maps");
	else if ((err = xdp_transport_open_rings(t, ops, cpus, nr, errbuf,
	    errlen)) == 0) {
		if ((err = ops->create_map(t, possible)) != 0)
			err = xdp_transport_error(errbuf, errlen, -err,
			    "Can't create the capture's BPF maps");
		else
			err = xdp_transport_fill_map(t, cpus, errbuf, errlen);
	}
	if (err != 0)
		xdp_transport_close(t);
	return err;
}

void
xdp_transport_close(struct xdp_transport *t)
{
	int i;

	for (i = 0; i < t->nr_rings; i++)
		close(t->ring_fd[i]);
	if (t->out.map_fd >= 0)
		close(t->out.map_fd);
	if (t->out.scratch_fd >= 0)
		close(t->out.scratch_fd);
	if (t->out.counts_fd >= 0)
		close(t->out.counts_fd);
	if (t->out.doorbell_fd >= 0)
		close(t->out.doorbell_fd);
	memset(t, 0, sizeof(*t));
	t->out.map_fd = t->out.scratch_fd = t->out.counts_fd = -1;
	t->out.doorbell_fd = -1;
}
