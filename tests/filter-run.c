/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel side of the filter tests (filter-test.c) and of the cost
 * benchmarks (bench/): loads a translated filter, or a whole dump program,
 * and runs it on a frame with BPF_PROG_TEST_RUN.  A file of its own
 * because the kernel's BPF headers and libpcap's can't meet in one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "filter-run.h"
#include "xdp-dump.h"
#include "xdp-transport.h"

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

/*
 * The rings filter_run_load_dump() made, mapped: their positions, to empty
 * them, and their data, to read the last program's records back.
 */
static struct {
	__u64	*head, *tail;
	unsigned char *data;
	__u64	size;
	int	transport;
} mapped[64];
static int nr_mapped, last_first, last_counts_fd = -1;

/* A perf event has no ring until it is mapped; a ring buffer has one. */
static int
map_ring(int fd, int transport, __u64 size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct perf_event_mmap_page *meta;
	void *cons, *prod;

	if (nr_mapped == 64)
		return 0;
	mapped[nr_mapped].size = size;
	mapped[nr_mapped].transport = transport;
	if (transport == XDP_CAPTURE_OWN) {
		struct xdp_capture_ctl *ctl;

		ctl = mmap(NULL, xdp_capture_element(size) *
		    (size / xdp_capture_chunk(size)), PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, 0);
		if (ctl == MAP_FAILED)
			return -1;
		mapped[nr_mapped].head = &ctl->producer;
		mapped[nr_mapped].data = (unsigned char *)ctl +
		    XDP_CAPTURE_CTL_SIZE;
		mapped[nr_mapped++].tail = &ctl->consumer;
		return 0;
	}
	if (transport == XDP_CAPTURE_PERF) {
		meta = mmap(NULL, page + size, PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, 0);
		if (meta == MAP_FAILED)
			return -1;
		mapped[nr_mapped].head = &meta->data_head;
		mapped[nr_mapped].data = (unsigned char *)meta + page;
		mapped[nr_mapped++].tail = &meta->data_tail;
		return 0;
	}
	cons = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	prod = mmap(NULL, page + size, PROT_READ, MAP_SHARED, fd, (off_t)page);
	if (cons == MAP_FAILED || prod == MAP_FAILED)
		return -1;
	mapped[nr_mapped].head = prod;
	mapped[nr_mapped].data = (unsigned char *)prod + page;
	mapped[nr_mapped++].tail = cons;
	return 0;
}

/*
 * The record at a ring's consumer position, which then moves past it: a
 * ring buffer's 8-byte header (length, and busy and discard bits), a perf
 * sample's header and raw size, or in an own ring the record alone.  Records that would wrap around the
 * ring's end are not read (the tests write a few, from the start).
 */
static int
take_record(int i, struct filter_run_record *rec)
{
	__u64 pos = *mapped[i].tail, off = pos & (mapped[i].size - 1);
	const unsigned char *p = mapped[i].data + off;
	__u32 len, skip;

	if (pos == __atomic_load_n(mapped[i].head, __ATOMIC_ACQUIRE))
		return 0;
	if (mapped[i].transport == XDP_CAPTURE_OWN) {
		const struct xdp_capture_hdr *h = (const void *)p;

		len = (sizeof(*h) + h->cap_len + 7) & ~7U;
		skip = 0;
	} else if (mapped[i].transport == XDP_CAPTURE_PERF) {
		const struct perf_event_header *h = (const void *)p;

		len = h->size;
		skip = sizeof(*h) + sizeof(__u32);
	} else {
		len = *(const __u32 *)p;
		if (len & BPF_RINGBUF_BUSY_BIT)
			return 0;
		len = (len & ~BPF_RINGBUF_DISCARD_BIT) + BPF_RINGBUF_HDR_SZ;
		len = (len + 7) & ~7U;
		skip = BPF_RINGBUF_HDR_SZ;
	}
	if (off + len > mapped[i].size)
		return 0;
	memcpy(&rec->hdr, p + skip, sizeof(rec->hdr));
	rec->data = p + skip + sizeof(rec->hdr);
	__atomic_store_n(mapped[i].tail, pos + len, __ATOMIC_RELEASE);
	return 1;
}

int
filter_run_next_record(struct filter_run_record *rec)
{
	int i;

	for (i = last_first; i < nr_mapped; i++)
		if (take_record(i, rec))
			return 1;
	return 0;
}

int
filter_run_count(enum xdp_capture_counter counter, uint64_t *value)
{
	__u64 values[256];
	__u32 key = counter;
	int i, nr = libbpf_num_possible_cpus();

	if (nr <= 0 || nr > 256 ||
	    bpf_map_lookup_elem(last_counts_fd, &key, values) != 0)
		return -1;
	for (*value = 0, i = 0; i < nr; i++)
		*value += values[i];
	return 0;
}

void
filter_run_empty_rings(void)
{
	int i;

	for (i = 0; i < nr_mapped; i++)
		__atomic_store_n(mapped[i].tail,
		    __atomic_load_n(mapped[i].head, __ATOMIC_ACQUIRE),
		    __ATOMIC_RELEASE);
}

int
filter_run_load_drop(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = XDP_DROP },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts);

	opts.expected_attach_type = BPF_XDP;
	return bpf_prog_load(BPF_PROG_TYPE_XDP, "xdp_drop", "Dual BSD/GPL",
	    insns, 2, &opts);
}

/* The clocks a BPF program may read, for a frame's time stamp. */
static const struct {
	int	helper;
	const char *name;
} clocks[] = {
	{ BPF_FUNC_ktime_get_ns, "xdp_drop + bpf_ktime_get_ns (the dump's)" },
	{ BPF_FUNC_ktime_get_boot_ns, "xdp_drop + bpf_ktime_get_boot_ns" },
	{ BPF_FUNC_ktime_get_tai_ns, "xdp_drop + bpf_ktime_get_tai_ns" },
	{ BPF_FUNC_ktime_get_coarse_ns, "xdp_drop + bpf_ktime_get_coarse_ns" },
	{ BPF_FUNC_jiffies64, "xdp_drop + bpf_jiffies64" },
};

int
filter_run_load_clock(size_t i, const char **name)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_JMP | BPF_CALL },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = XDP_DROP },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd;

	if (i >= sizeof(clocks) / sizeof(clocks[0]))
		return -ENOENT;
	*name = clocks[i].name;
	insns[0].imm = clocks[i].helper;
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "xdp_drop_clock", "Dual BSD/GPL",
	    insns, 3, NULL);
	return fd >= 0 ? fd : -EOPNOTSUPP;
}

int
filter_run_load_dump(const void *insns, size_t n, int transport,
    size_t buffer_size, uint32_t snaplen, char *errbuf, size_t errlen)
{
	struct xdp_transport rings;
	struct xdp_dump_params p;
	__u32 orig = XDP_CAPTURE_ORIG_SLOT;
	int slots_fd, drop_fd, err, i;

	err = xdp_transport_create(&rings, transport, buffer_size, snaplen, 0,
	    errbuf, errlen);
	if (err != 0)
		return err;
	last_first = nr_mapped;
	last_counts_fd = rings.out.counts_fd;
	for (i = 0; i < rings.nr_rings; i++)
		if (map_ring(rings.ring_fd[i], transport,
		    rings.out.ring_size) != 0) {
			snprintf(errbuf, errlen, "mmap: %s", strerror(errno));
			return -errno;
		}
	slots_fd = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "pcapxdp_slots",
	    sizeof(__u32), sizeof(__u32), XDP_CAPTURE_MAX_SLOTS, NULL);
	drop_fd = filter_run_load_drop();
	if (slots_fd < 0 || drop_fd < 0 ||
	    bpf_map_update_elem(slots_fd, &orig, &drop_fd, BPF_ANY) != 0) {
		snprintf(errbuf, errlen, "chain: %s", strerror(errno));
		return -errno;
	}
	memset(&p, 0, sizeof(p));
	p.filter = insns;
	p.filter_len = n;
	p.filter_gen = 1;
	p.snaplen = snaplen;
	p.slot = XDP_CAPTURE_FIRST_SLOT;
	p.slots_fd = slots_fd;
	p.out = rings.out;
	p.kind.attach_type = BPF_XDP;	/* as the drop program's */
	return xdp_dump_load(&p, errbuf, errlen);
}
