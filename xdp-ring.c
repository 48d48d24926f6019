/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Ring reading: one ring per online CPU (made by the helper,
 * xdp-transport.c), either a BPF ring buffer, read as libbpf's ringbuf.c
 * does, or a perf-event ring, read as libbpf's perf_event_read_simple()
 * does; records merged by timestamp so that a capture's records never go
 * back in time.  Both kinds of ring are a power-of-two data area with a
 * producer position the kernel advances (acquire-loaded here) and a
 * consumer position this reader advances (release-stored).  A record that
 * wraps around the data area's end is made whole in a scratch buffer; the
 * rings are mapped once, not twice as libbpf maps ring buffers, so that the
 * capture's resident memory is the buffer size the application asked for.
 *
 * Losses are not read from the rings (PERF_RECORD_LOST): the dump program
 * counts every frame it could not write in a per-CPU counter, which is
 * exact at any time.
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
#include <time.h>

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
#define XDP_RINGS_TAG_NOTICE	(UINT32_MAX - 2)
#define XDP_RINGS_TAG_DOORBELL	(UINT32_MAX - 3)

struct xdp_ring {
	int	fd;		/* the ring buffer, perf event or array */
	const struct xdp_ring_ops *ops;
	__u64	*head;		/* where the kernel has written up to */
	__u64	*tail;		/* where this reader has read up to */
	void	*ctl;		/* perf: the metadata page; ring buffer: the
				   consumer page; own ring: all of it */
	void	*prod;		/* ring buffer: the producer page, then data */
	unsigned char *data;	/* the ring proper (own ring: element 0) */
	uint64_t size;		/* of data, a power of two */
	/* Own rings (bpf/xdp_capture.h): */
	__u64	*wake_at;	/* the doorbell's threshold */
	uint64_t chunk;		/* bytes of records that start in an element */
	int	chunk_shift;	/* log2(chunk) */
	uint64_t elements_mask;	/* elements - 1: there are 2^n of them */
	uint64_t element;	/* bytes of an element */
	uint64_t map_len;	/* bytes of the whole array, mapped */
	uint64_t pos;		/* the first record not yet read */
	uint64_t released;	/* the last position stored in *tail */
	uint64_t head_seen;	/* *head, when last read */
	/* The record at pos, once peeked at: */
	int	peeked;
	uint32_t rec_size;	/* all of it, headers and padding */
	uint32_t rec_off;	/* where struct xdp_capture_hdr starts */
	uint32_t rec_len;	/* bytes from there to the end */
	struct xdp_capture_hdr hdr;
};

/* A perf sample: perf_event_header, __u32 raw size, then the record. */
#define XDP_PERF_HDR_LEN \
	(sizeof(struct perf_event_header) + sizeof(uint32_t))

static size_t
xdp_ring_page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static void
xdp_ring_unmap_perf(struct xdp_ring *r)
{
	if (r->ctl != NULL)
		munmap(r->ctl, xdp_ring_page_size() + r->size);
}

static void
xdp_ring_unmap_ringbuf(struct xdp_ring *r)
{
	if (r->ctl != NULL)
		munmap(r->ctl, xdp_ring_page_size());
	if (r->prod != NULL)
		munmap(r->prod, xdp_ring_page_size() + r->size);
}

/*
 * An own ring is mapped whole, read-write: callbacks may write into the
 * frames they are handed, and the reader stores its position and wake_at
 * in the control page.
 */
static int
xdp_ring_map_own(struct xdp_ring *r)
{
	struct xdp_capture_ctl *ctl;

	r->chunk = xdp_capture_chunk(r->size);
	r->chunk_shift = __builtin_ctzll(r->chunk);
	r->elements_mask = r->size / r->chunk - 1;
	r->element = xdp_capture_element(r->size);
	r->map_len = r->element * (r->size / r->chunk);
	ctl = mmap(NULL, r->map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
	    r->fd, 0);
	if (ctl == MAP_FAILED)
		return -1;
	r->ctl = ctl;
	r->data = (unsigned char *)ctl;
	r->head = &ctl->producer;
	r->tail = &ctl->consumer;
	r->wake_at = &ctl->wake_at;
	return 0;
}

static void
xdp_ring_unmap_own(struct xdp_ring *r)
{
	if (r->ctl != NULL)
		munmap(r->ctl, r->map_len);
}

static int
xdp_ring_map_perf(struct xdp_ring *r)
{
	struct perf_event_mmap_page *meta;

	meta = mmap(NULL, xdp_ring_page_size() + r->size,
	    PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (meta == MAP_FAILED)
		return -1;
	r->ctl = meta;
	r->data = (unsigned char *)meta + xdp_ring_page_size();
	r->head = &meta->data_head;
	r->tail = &meta->data_tail;
	return 0;
}

/*
 * A ring buffer's consumer page is writable, its producer page and data
 * read-only (the kernel maps the data twice in a row after the producer
 * page; the first time is enough here).
 */
static int
xdp_ring_map_ringbuf(struct xdp_ring *r)
{
	size_t page = xdp_ring_page_size();

	r->ctl = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd,
	    0);
	if (r->ctl == MAP_FAILED) {
		r->ctl = NULL;
		return -1;
	}
	r->prod = mmap(NULL, page + r->size, PROT_READ, MAP_SHARED, r->fd,
	    (off_t)page);
	if (r->prod == MAP_FAILED) {
		r->prod = NULL;
		return -1;
	}
	r->data = (unsigned char *)r->prod + page;
	r->head = r->prod;
	r->tail = r->ctl;
	return 0;
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

static uint64_t
xdp_ring_head(const struct xdp_ring *r)
{
	return __atomic_load_n(r->head, __ATOMIC_ACQUIRE);
}

/*
 * Hands the records read so far back to the kernel.  Every store makes the
 * producer, which reads the position for each record it writes, miss its
 * cache: records go back in batches of an eighth of the ring, and all of
 * them before the reader sleeps.
 */
static void
xdp_ring_release(struct xdp_ring *r)
{
	if (r->released != r->pos) {
		__atomic_store_n(r->tail, r->pos, __ATOMIC_RELEASE);
		r->released = r->pos;
	}
}

static void
xdp_ring_advance(struct xdp_ring *r, uint64_t len)
{
	r->pos += len;
	r->peeked = 0;
	if (r->pos - r->released >= r->size / 8)
		xdp_ring_release(r);
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

/* The len bytes at pos, if they do not wrap around the ring's end. */
static unsigned char *
xdp_ring_direct(const struct xdp_ring *r, uint64_t pos, size_t len)
{
	uint64_t off = pos & (r->size - 1);

	return off + len <= r->size ? r->data + off : NULL;
}

/*
 * Where pos is in an own ring: records never wrap there, since a record
 * that starts in a chunk ends in the chunk's slop.
 */
static unsigned char *
xdp_ring_own_at(const struct xdp_ring *r, uint64_t pos)
{
	uint64_t element = (pos >> r->chunk_shift) & r->elements_mask;

	return r->data + element * r->element + XDP_CAPTURE_CTL_SIZE +
	    (pos & (r->chunk - 1));
}

static void
xdp_ring_copy_own(const struct xdp_ring *r, uint64_t pos, void *dst,
    size_t len)
{
	memcpy(dst, xdp_ring_own_at(r, pos), len);
}

static unsigned char *
xdp_ring_direct_own(const struct xdp_ring *r, uint64_t pos, size_t len)
{
	(void)len;
	return xdp_ring_own_at(r, pos);
}

/*
 * The record at pos in a perf-event ring: samples only (PERF_RECORD_LOST
 * and the like are skipped: losses are counted by the dump program
 * itself).  Records are 8-byte aligned, so a header never wraps.
 */
static int
xdp_ring_peek_perf(struct xdp_ring *r)
{
	struct perf_event_header eh;

	while (r->pos < r->head_seen) {
		memcpy(&eh, r->data + (r->pos & (r->size - 1)), sizeof(eh));
		if (eh.size == 0)
			return 0;
		if (eh.type == PERF_RECORD_SAMPLE && eh.size >=
		    XDP_PERF_HDR_LEN + sizeof(struct xdp_capture_hdr)) {
			r->rec_size = eh.size;
			r->rec_off = XDP_PERF_HDR_LEN;
			r->rec_len = eh.size - XDP_PERF_HDR_LEN;
			return 1;
		}
		xdp_ring_advance(r, eh.size);
	}
	return 0;
}

/*
 * The record at pos in a ring buffer: an 8-byte header (length, busy and
 * discard bits, page offset), then the record, padded to 8 bytes.  A busy
 * record is being written: the ones after it wait for it.
 */
static int
xdp_ring_peek_ringbuf(struct xdp_ring *r)
{
	uint32_t len;

	while (r->pos < r->head_seen) {
		len = __atomic_load_n((uint32_t *)(r->data +
		    (r->pos & (r->size - 1))), __ATOMIC_ACQUIRE);
		if (len & BPF_RINGBUF_BUSY_BIT)
			return 0;
		r->rec_size = ((len & ~BPF_RINGBUF_DISCARD_BIT) +
		    BPF_RINGBUF_HDR_SZ + 7) & ~7U;
		if (!(len & BPF_RINGBUF_DISCARD_BIT) &&
		    len >= sizeof(struct xdp_capture_hdr)) {
			r->rec_off = BPF_RINGBUF_HDR_SZ;
			r->rec_len = len;
			return 1;
		}
		xdp_ring_advance(r, r->rec_size);
	}
	return 0;
}

/*
 * The record at pos in an own ring: the header, then cap_len bytes, padded
 * to 8.  The dump program publishes a record whole; cap_len is bounded all
 * the same, as this reader may have written anything there itself.
 */
static int
xdp_ring_peek_own(struct xdp_ring *r)
{
	uint32_t cap_len;

	if (r->pos >= r->head_seen)
		return 0;
	memcpy(&cap_len, xdp_ring_own_at(r, r->pos) +
	    offsetof(struct xdp_capture_hdr, cap_len), sizeof(cap_len));
	if (cap_len > XDP_CAPTURE_MAX_CAPLEN)
		cap_len = XDP_CAPTURE_MAX_CAPLEN;
	r->rec_off = 0;
	r->rec_len = (uint32_t)sizeof(struct xdp_capture_hdr) + cap_len;
	r->rec_size = (r->rec_len + 7) & ~7U;
	return 1;
}

/* What differs between kinds of ring, on the reader's side. */
struct xdp_ring_ops {
	int	(*map)(struct xdp_ring *r);
	void	(*unmap)(struct xdp_ring *r);
	/* Finds the record at pos: rec_size, rec_off and rec_len. */
	int	(*peek)(struct xdp_ring *r);
	void	(*copy)(const struct xdp_ring *r, uint64_t pos, void *dst,
		    size_t len);
	unsigned char *(*direct)(const struct xdp_ring *r, uint64_t pos,
		    size_t len);
	int	pollable;	/* it wakes the reader itself (else wake_at
				   and the doorbell do) */
	int	writable;	/* mapped read-write */
};

static const struct xdp_ring_ops xdp_ring_ops[XDP_CAPTURE_NR_TRANSPORTS] = {
	[XDP_CAPTURE_RINGBUF] = { xdp_ring_map_ringbuf, xdp_ring_unmap_ringbuf,
	    xdp_ring_peek_ringbuf, xdp_ring_copy, xdp_ring_direct, 1, 0 },
	[XDP_CAPTURE_PERF] = { xdp_ring_map_perf, xdp_ring_unmap_perf,
	    xdp_ring_peek_perf, xdp_ring_copy, xdp_ring_direct, 1, 0 },
	[XDP_CAPTURE_OWN] = { xdp_ring_map_own, xdp_ring_unmap_own,
	    xdp_ring_peek_own, xdp_ring_copy_own, xdp_ring_direct_own, 0, 1 },
};

static int
xdp_ring_map(struct xdp_ring *r, int fd, enum xdp_capture_transport kind,
    uint64_t size)
{
	r->fd = fd;
	r->ops = &xdp_ring_ops[kind];
	r->size = size;
	return r->ops->map(r);
}

static void
xdp_ring_close(struct xdp_ring *r)
{
	if (r->ops != NULL)
		r->ops->unmap(r);
	if (r->fd >= 0)
		close(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

/*
 * Finds the first record after pos, with its header in r->hdr; the head is
 * read again only when the records known to be there are all read.
 */
static int
xdp_ring_peek(struct xdp_ring *r)
{
	if (r->peeked)
		return 1;
	if (r->pos == r->head_seen)
		r->head_seen = xdp_ring_head(r);
	if (!r->ops->peek(r))
		return 0;
	r->ops->copy(r, r->pos + r->rec_off, &r->hdr, sizeof(r->hdr));
	r->peeked = 1;
	return 1;
}

/*
 * Own rings wake the reader through a doorbell, a ring buffer whose
 * records say nothing: the reader empties it when it wakes.
 */
static int
xdp_rings_map_doorbell(struct xdp_rings *rings, int fd)
{
	rings->doorbell = calloc(1, sizeof(*rings->doorbell));
	if (rings->doorbell == NULL) {
		close(fd);
		return -1;
	}
	if (xdp_ring_map(rings->doorbell, fd, XDP_CAPTURE_RINGBUF,
	    xdp_ring_page_size()) != 0)
		return -1;
	return xdp_rings_watch(rings, fd, XDP_RINGS_TAG_DOORBELL);
}

static void
xdp_rings_drain_doorbell(struct xdp_rings *rings)
{
	struct xdp_ring *bell = rings->doorbell;

	bell->pos = xdp_ring_head(bell);
	xdp_ring_release(bell);
}

int
xdp_rings_map(struct xdp_rings *rings, const int *fds, int nr,
    enum xdp_capture_transport kind, uint64_t size, int counts_fd,
    int doorbell_fd, int immediate, int flush_ms, char *errbuf,
    size_t errlen)
{
	int i, err;

	xdp_rings_init(rings);
	rings->counts_fd = counts_fd;
	rings->immediate = immediate;
	/*
	 * Everything the counters need later is found now: an application
	 * may chroot, or lose its access to /sys, once it has activated.
	 */
	rings->nr_cpus = libbpf_num_possible_cpus();
	if (rings->nr_cpus <= 0) {
		errno = rings->nr_cpus < 0 ? -rings->nr_cpus : EINVAL;
		pcap_fmt_errmsg_for_errno(errbuf, errlen, errno,
		    "Can't count the possible CPUs");
		for (i = 0; i < nr; i++)
			close(fds[i]);
		goto fail;
	}
	rings->counts = calloc((size_t)rings->nr_cpus, sizeof(*rings->counts));
	rings->ring = calloc((size_t)nr, sizeof(*rings->ring));
	rings->scratch = malloc(XDP_RING_MAX_RECORD);
	if (rings->counts == NULL || rings->ring == NULL ||
	    rings->scratch == NULL) {
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
		if (xdp_ring_map(&rings->ring[i], fds[i], kind, size) != 0 ||
		    (rings->ring[i].ops->pollable &&
		    xdp_rings_watch(rings, fds[i], (uint32_t)i) != 0)) {
			pcap_fmt_errmsg_for_errno(errbuf, errlen, errno,
			    "Can't map the capture's ring %d", i);
			goto fail;
		}
		rings->ring[i].pos = rings->ring[i].released =
		    *rings->ring[i].tail;
	}
	if (doorbell_fd >= 0 && xdp_rings_map_doorbell(rings,
	    doorbell_fd) != 0) {
		pcap_fmt_errmsg_for_errno(errbuf, errlen, errno,
		    "Can't map the capture's doorbell");
		goto fail;
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
	if (rings->doorbell != NULL)
		xdp_ring_close(rings->doorbell);
	free(rings->doorbell);
	free(rings->ring);
	free(rings->scratch);
	free(rings->counts);
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

int
xdp_rings_next(struct xdp_rings *rings, struct xdp_record *rec)
{
	struct xdp_ring *r;
	size_t room;
	int i, best = -1;

	for (i = 0; i < rings->nr_rings; i++) {
		if (!xdp_ring_peek(&rings->ring[i]))
			continue;
		if (best < 0 || rings->ring[i].hdr.tstamp_ns <
		    rings->ring[best].hdr.tstamp_ns)
			best = i;
	}
	if (best < 0)
		return 0;

	r = &rings->ring[best];
	rec->hdr = r->hdr;
	rec->data = r->ops->direct(r, r->pos, r->rec_size);
	rec->writable = r->ops->writable;
	if (rec->data == NULL) {
		r->ops->copy(r, r->pos, rings->scratch, r->rec_size);
		rec->data = rings->scratch;
	}
	rec->data += r->rec_off + sizeof(struct xdp_capture_hdr);
	room = r->rec_len - sizeof(struct xdp_capture_hdr);
	if (rec->hdr.cap_len > room)
		rec->hdr.cap_len = (uint32_t)room;
	rings->last = best;
	return 1;
}

void
xdp_rings_consume(struct xdp_rings *rings)
{
	struct xdp_ring *r = &rings->ring[rings->last];

	xdp_ring_advance(r, r->rec_size);
}

/* Whether records are unread. */
static int
xdp_rings_pending(struct xdp_rings *rings)
{
	struct xdp_ring *r;
	int i;

	for (i = 0; i < rings->nr_rings; i++) {
		r = &rings->ring[i];
		if (r->pos != xdp_ring_head(r))
			return 1;
	}
	return 0;
}

/*
 * Before the reader sleeps, every record read goes back to the kernel: a
 * ring in immediate mode wakes the reader for a record only when the
 * reader has handed back all the ones before it.  Returns whether records
 * came in meanwhile (they might not wake the reader).
 */
static int
xdp_rings_release_all(struct xdp_rings *rings)
{
	struct xdp_ring *r;
	int i;

	for (i = 0; i < rings->nr_rings; i++) {
		r = &rings->ring[i];
		xdp_ring_release(r);
		/* An own ring rings the doorbell only when asked to. */
		if (r->wake_at != NULL)
			__atomic_store_n(r->wake_at, xdp_capture_wake_threshold(
			    r->size, rings->immediate), __ATOMIC_RELAXED);
	}
	/*
	 * The kernel writes a record, then reads the consumer position to
	 * decide whether to wake the reader; the reader writes it, then reads
	 * the producer position to decide whether to sleep.  Without a full
	 * fence each could see the other's old value (a store may pass a
	 * later load), and the record would wake nobody.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return xdp_rings_pending(rings);
}

/*
 * In immediate mode, a reader that has caught up looks for more for a
 * little while before it sleeps: while it holds records back, the rings do
 * not wake it, and a wake-up costs the XDP path an interrupt.  At high
 * rates the reader then never sleeps; at low rates it spins this long per
 * wake-up.
 */
#define XDP_RINGS_SPIN_NS	50000

/*
 * While spinning, the rings are looked at every 10 microseconds, not as
 * fast as the reader can: a reader right behind the XDP path takes the
 * cache lines of each record (and the ring's producer position) from the
 * XDP path's CPU while it is still writing them, and at high rates that
 * halved the hook's rate.  Records read a few microseconds apart come in
 * batches whose lines move once.
 */
#define XDP_RINGS_POLL_NS	10000

int64_t
xdp_clock_ns(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int
xdp_rings_spin(struct xdp_rings *rings)
{
	int64_t start = xdp_clock_ns(CLOCK_MONOTONIC), look, t;

	for (look = start + XDP_RINGS_POLL_NS;; look += XDP_RINGS_POLL_NS) {
		do
			t = xdp_clock_ns(CLOCK_MONOTONIC);
		while (t < look);
		if (xdp_rings_pending(rings))
			return 1;
		if (t - start >= XDP_RINGS_SPIN_NS)
			return 0;
	}
}

/*
 * A perf event reports POLLIN once per wake-up, not while data is unread,
 * so the eventfd in the wait set stands in for the records left behind
 * (dumpcap selects, then reads one packet at a time).  When none are, the
 * reader may sleep on the wait set next: the records read go back first,
 * and a flush tick that came meanwhile is spent, as the read it asked for
 * has been done (a select() loop would wake once more for nothing).
 */
/*
 * Takes the count of an eventfd or timerfd, if there is one: both are
 * non-blocking, and EAGAIN says there was none.
 */
static void
xdp_rings_take(int fd)
{
	uint64_t value;

	while (read(fd, &value, sizeof(value)) < 0 && errno == EINTR)
		continue;
}

void
xdp_rings_update_readiness(struct xdp_rings *rings, int may_spin)
{
	if (xdp_rings_pending(rings) ||
	    (rings->immediate && may_spin && xdp_rings_spin(rings)) ||
	    xdp_rings_release_all(rings)) {
		xdp_rings_wake(rings);
		return;
	}
	xdp_rings_take(rings->wake_fd);
	if (rings->flush_fd >= 0)
		xdp_rings_take(rings->flush_fd);
}

void
xdp_rings_wake(struct xdp_rings *rings)
{
	uint64_t one = 1;

	/* EAGAIN: the count is at its maximum, and the fd readable already. */
	while (write(rings->wake_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		continue;
}

int
xdp_rings_wait(struct xdp_rings *rings, int timeout_ms)
{
	struct epoll_event ev[8];
	int n, i, notice = 0;

	if (xdp_rings_release_all(rings))
		return 1;
	n = epoll_wait(rings->epoll_fd, ev, 8, timeout_ms);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (ev[i].data.u32 == XDP_RINGS_TAG_WAKE)
			xdp_rings_take(rings->wake_fd);
		else if (ev[i].data.u32 == XDP_RINGS_TAG_FLUSH)
			xdp_rings_take(rings->flush_fd);
		else if (ev[i].data.u32 == XDP_RINGS_TAG_NOTICE)
			notice = 1;
		else if (ev[i].data.u32 == XDP_RINGS_TAG_DOORBELL)
			xdp_rings_drain_doorbell(rings);
	}
	/* The records written before the notice come first. */
	if (xdp_rings_pending(rings))
		return 1;
	return notice ? XDP_RINGS_NOTICE : 0;
}

int
xdp_rings_watch_notices(struct xdp_rings *rings, int fd)
{
	return xdp_rings_watch(rings, fd, XDP_RINGS_TAG_NOTICE);
}

int
xdp_rings_count(const struct xdp_rings *rings, enum xdp_capture_counter counter,
    uint64_t *value)
{
	uint32_t key = counter;
	int i;

	*value = 0;
	if (bpf_map_lookup_elem(rings->counts_fd, &key, rings->counts) != 0)
		return -1;
	for (i = 0; i < rings->nr_cpus; i++)
		*value += rings->counts[i];
	return 0;
}
