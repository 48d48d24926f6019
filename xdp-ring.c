/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Ring reading: one perf-event ring per online CPU (made by the helper,
 * xdp-perf.c), read the way libbpf's
 * perf_event_read_simple() does (acquire-load of data_head, release-store of
 * data_tail, records that wrap made whole in a scratch buffer), merged by
 * timestamp so that a capture's records never go back in time.
 *
 * Losses are not read from PERF_RECORD_LOST: the dump program counts every
 * frame it could not write in a per-CPU counter, which is exact at any time.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/timerfd.h>

#include <linux/bpf.h>
#include <linux/perf_event.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fmtutils.h"
#include "xdp-ring.h"

#define XDP_RING_MAX_RECORD	0x10000

/* epoll tags of the fds that are not rings (rings are tagged by index). */
#define XDP_RINGS_TAG_WAKE	UINT32_MAX
#define XDP_RINGS_TAG_FLUSH	(UINT32_MAX - 1)

struct xdp_ring {
	int	fd;		/* the perf event */
	struct perf_event_mmap_page *meta;
	unsigned char *data;	/* the ring proper, after the metadata page */
	uint64_t size;		/* of data, a power of two */
};

/* A sample: perf_event_header, __u32 raw size, then the dump's record. */
#define XDP_RING_HDR_OFFSET \
	(sizeof(struct perf_event_header) + sizeof(uint32_t))

static int
xdp_ring_map(struct xdp_ring *r, int fd, uint64_t size)
{
	long page_size = sysconf(_SC_PAGESIZE);
	void *base;

	base = mmap(NULL, (size_t)page_size + size, PROT_READ | PROT_WRITE,
	    MAP_SHARED, fd, 0);
	if (base == MAP_FAILED)
		return -1;
	r->meta = base;
	r->data = (unsigned char *)base + page_size;
	r->size = size;
	return 0;
}

static void
xdp_ring_close(struct xdp_ring *r)
{
	if (r->meta != NULL)
		munmap(r->meta, (size_t)sysconf(_SC_PAGESIZE) + r->size);
	if (r->fd >= 0)
		close(r->fd);
	r->meta = NULL;
	r->fd = -1;
}

static int
xdp_rings_watch(struct xdp_rings *rings, int fd, uint32_t tag)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = tag;
	return epoll_ctl(rings->epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

/*
 * Batched wake-ups leave the last records of a burst unannounced: a
 * periodic tick makes the wait set readable, as TPACKET_V3's block timeout
 * does for pcap-linux, so that an application that selects on the fd reads
 * them.
 */
static int
xdp_rings_start_flush(struct xdp_rings *rings, int flush_ms)
{
	struct itimerspec its;

	rings->flush_fd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC);
	if (rings->flush_fd < 0)
		return -1;
	memset(&its, 0, sizeof(its));
	its.it_interval.tv_sec = flush_ms / 1000;
	its.it_interval.tv_nsec = (long)(flush_ms % 1000) * 1000000;
	its.it_value = its.it_interval;
	if (timerfd_settime(rings->flush_fd, 0, &its, NULL) != 0)
		return -1;
	return xdp_rings_watch(rings, rings->flush_fd, XDP_RINGS_TAG_FLUSH);
}

void
xdp_rings_init(struct xdp_rings *rings)
{
	memset(rings, 0, sizeof(*rings));
	rings->counts_fd = rings->epoll_fd = -1;
	rings->wake_fd = rings->flush_fd = -1;
}

int
xdp_rings_map(struct xdp_rings *rings, const int *fds, int nr, uint64_t size,
    int counts_fd, int immediate, int flush_ms, char *errbuf, size_t errlen)
{
	int i, err;

	xdp_rings_init(rings);
	rings->counts_fd = counts_fd;
	rings->ring = calloc((size_t)nr, sizeof(*rings->ring));
	rings->scratch = malloc(XDP_RING_MAX_RECORD);
	if (rings->ring == NULL || rings->scratch == NULL) {
		pcap_fmt_errmsg_for_errno(errbuf, errlen, errno, "malloc");
		for (i = 0; i < nr; i++)
			close(fds[i]);
		goto fail;
	}
	for (i = 0; i < nr; i++)
		rings->ring[i].fd = fds[i];
	rings->nr_rings = nr;

	rings->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	rings->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (rings->epoll_fd < 0 || rings->wake_fd < 0 ||
	    xdp_rings_watch(rings, rings->wake_fd, XDP_RINGS_TAG_WAKE) != 0 ||
	    (!immediate && xdp_rings_start_flush(rings, flush_ms) != 0)) {
		pcap_fmt_errmsg_for_errno(errbuf, errlen, errno,
		    "Can't create the capture's wait set");
		goto fail;
	}
	for (i = 0; i < nr; i++) {
		if (xdp_ring_map(&rings->ring[i], fds[i], size) != 0 ||
		    xdp_rings_watch(rings, fds[i], (uint32_t)i) != 0) {
			pcap_fmt_errmsg_for_errno(errbuf, errlen, errno,
			    "Can't map the capture's ring %d", i);
			goto fail;
		}
	}
	return 0;

fail:
	err = errno;
	xdp_rings_close(rings);
	errno = err;
	return -1;
}

void
xdp_rings_close(struct xdp_rings *rings)
{
	int i;

	for (i = 0; i < rings->nr_rings; i++)
		xdp_ring_close(&rings->ring[i]);
	free(rings->ring);
	free(rings->scratch);
	if (rings->epoll_fd >= 0)
		close(rings->epoll_fd);
	if (rings->wake_fd >= 0)
		close(rings->wake_fd);
	if (rings->flush_fd >= 0)
		close(rings->flush_fd);
	if (rings->counts_fd >= 0)
		close(rings->counts_fd);
	xdp_rings_init(rings);
}

static uint64_t
xdp_ring_head(const struct xdp_ring *r)
{
	return __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);
}

static uint64_t
xdp_ring_tail(const struct xdp_ring *r)
{
	return r->meta->data_tail;
}

static void
xdp_ring_advance(struct xdp_ring *r, uint64_t len)
{
	__atomic_store_n(&r->meta->data_tail, r->meta->data_tail + len,
	    __ATOMIC_RELEASE);
}

/* Copies len bytes at ring offset pos, wrapping around the ring's end. */
static void
xdp_ring_copy(const struct xdp_ring *r, uint64_t pos, void *dst, size_t len)
{
	uint64_t off = pos & (r->size - 1);
	size_t first = len;

	if (off + len > r->size)
		first = (size_t)(r->size - off);
	memcpy(dst, r->data + off, first);
	memcpy((unsigned char *)dst + first, r->data, len - first);
}

/*
 * Skips what is not a sample (PERF_RECORD_LOST and the like: losses are
 * counted by the dump program itself) and returns the size of the sample
 * at the tail, or 0 if the ring is empty.
 */
static uint16_t
xdp_ring_peek(struct xdp_ring *r)
{
	struct perf_event_header eh;
	uint64_t head = xdp_ring_head(r), tail;

	for (tail = xdp_ring_tail(r); tail < head; tail = xdp_ring_tail(r)) {
		/* Records are 8-byte aligned: a header never wraps. */
		memcpy(&eh, r->data + (tail & (r->size - 1)), sizeof(eh));
		if (eh.type == PERF_RECORD_SAMPLE &&
		    eh.size >= XDP_RING_HDR_OFFSET +
		    sizeof(struct xdp_capture_hdr))
			return eh.size;
		if (eh.size == 0)
			break;
		xdp_ring_advance(r, eh.size);
	}
	return 0;
}

int
xdp_rings_next(struct xdp_rings *rings, struct xdp_record *rec)
{
	struct xdp_capture_hdr hdr;
	struct xdp_ring *r;
	uint64_t tail, off, best_ts = UINT64_MAX;
	uint16_t size, best_size = 0;
	size_t room;
	int i, best = -1;

	for (i = 0; i < rings->nr_rings; i++) {
		r = &rings->ring[i];
		size = xdp_ring_peek(r);
		if (size == 0)
			continue;
		xdp_ring_copy(r, xdp_ring_tail(r) + XDP_RING_HDR_OFFSET, &hdr,
		    sizeof(hdr));
		if (best < 0 || hdr.tstamp_ns < best_ts) {
			best = i;
			best_ts = hdr.tstamp_ns;
			best_size = size;
			rec->hdr = hdr;
		}
	}
	if (best < 0)
		return 0;

	r = &rings->ring[best];
	tail = xdp_ring_tail(r);
	off = tail & (r->size - 1);
	if (off + best_size <= r->size)
		rec->data = r->data + off;
	else {
		xdp_ring_copy(r, tail, rings->scratch, best_size);
		rec->data = rings->scratch;
	}
	rec->data += XDP_RING_HDR_OFFSET + sizeof(struct xdp_capture_hdr);
	room = best_size - XDP_RING_HDR_OFFSET - sizeof(struct xdp_capture_hdr);
	if (rec->hdr.cap_len > room)
		rec->hdr.cap_len = (uint32_t)room;
	rings->last = best;
	return 1;
}

void
xdp_rings_consume(struct xdp_rings *rings)
{
	struct xdp_ring *r = &rings->ring[rings->last];
	struct perf_event_header eh;

	memcpy(&eh, r->data + (xdp_ring_tail(r) & (r->size - 1)), sizeof(eh));
	xdp_ring_advance(r, eh.size);
}

static int
xdp_rings_pending(const struct xdp_rings *rings)
{
	int i;

	for (i = 0; i < rings->nr_rings; i++)
		if (xdp_ring_tail(&rings->ring[i]) != xdp_ring_head(&rings->ring[i]))
			return 1;
	return 0;
}

/*
 * A perf event reports POLLIN once per wake-up, not while data is unread,
 * so the eventfd in the wait set stands in for the records left behind
 * (dumpcap selects, then reads one packet at a time).
 */
void
xdp_rings_update_readiness(struct xdp_rings *rings)
{
	uint64_t value;

	if (xdp_rings_pending(rings))
		xdp_rings_wake(rings);
	else
		(void)read(rings->wake_fd, &value, sizeof(value));
}

void
xdp_rings_wake(struct xdp_rings *rings)
{
	uint64_t one = 1;

	(void)write(rings->wake_fd, &one, sizeof(one));
}

int
xdp_rings_wait(struct xdp_rings *rings, int timeout_ms)
{
	struct epoll_event ev[8];
	uint64_t value;
	int n, i;

	if (xdp_rings_pending(rings))
		return 1;
	n = epoll_wait(rings->epoll_fd, ev, 8, timeout_ms);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (ev[i].data.u32 == XDP_RINGS_TAG_WAKE)
			(void)read(rings->wake_fd, &value, sizeof(value));
		else if (ev[i].data.u32 == XDP_RINGS_TAG_FLUSH)
			(void)read(rings->flush_fd, &value, sizeof(value));
	}
	return xdp_rings_pending(rings);
}

int
xdp_rings_count(const struct xdp_rings *rings, enum xdp_capture_counter counter,
    uint64_t *value)
{
	uint64_t *values;
	uint32_t key = counter;
	int possible = libbpf_num_possible_cpus(), i, err = 0;

	values = calloc((size_t)possible, sizeof(*values));
	if (values == NULL)
		return -1;
	*value = 0;
	if (bpf_map_lookup_elem(rings->counts_fd, &key, values) != 0)
		err = -1;
	for (i = 0; err == 0 && i < possible; i++)
		*value += values[i];
	free(values);
	return err;
}
