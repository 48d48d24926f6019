/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Reading a capture's per-CPU rings (BPF ring buffers or perf-event rings):
 * the dump program writes each frame it copies to the ring of the CPU it
 * runs on; the reader hands the records out in timestamp order across CPUs.
 */
#ifndef XDP_RING_H
#define XDP_RING_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "xdp_capture.h"

struct xdp_ring;

struct xdp_rings {
	int	counts_fd;	/* per-CPU counters (enum xdp_capture_counter) */
	int	epoll_fd;	/* every ring and wake_fd: the selectable fd */
	int	wake_fd;	/* eventfd: breakloop, and records left unread */
	int	flush_fd;	/* timerfd: records the rings did not wake for */
	int	immediate;	/* the rings wake the reader for each record */
	int	nr_rings;
	struct xdp_ring *ring;
	struct xdp_ring *doorbell;	/* own rings: what wakes the reader */
	unsigned char *scratch;	/* a record that wraps, made whole */
	int	last;		/* ring of the record xdp_rings_next gave */
	int	nr_cpus;	/* possible CPUs, which counters are kept by */
	uint64_t *counts;	/* room for a counter's values by CPU */
};

/* Makes rings an empty set that xdp_rings_close() accepts. */
void	xdp_rings_init(struct xdp_rings *rings);

/*
 * Maps the nr rings of kind in fds, each with a data area of size bytes,
 * and takes ownership of those fds, of counts_fd and of doorbell_fd (own
 * rings' doorbell, or -1; see xdp-transport.h).
 * Unless immediate is set (the rings wake the reader as soon as a record
 * waits), the wait set becomes readable every flush_ms milliseconds, so
 * that records the rings' batched wake-ups leave unannounced are read.
 * Returns 0, or -1 with a message in errbuf and errno set.
 */
int	xdp_rings_map(struct xdp_rings *rings, const int *fds, int nr,
	    enum xdp_capture_transport kind, uint64_t size, int counts_fd,
	    int doorbell_fd, int immediate, int flush_ms, char *errbuf,
	    size_t errlen);
void	xdp_rings_close(struct xdp_rings *rings);

/*
 * Adds fd to the wait set: once it is readable, and no record is left,
 * xdp_rings_wait() returns XDP_RINGS_NOTICE.  The caller keeps fd.
 * Returns 0, or -1 with errno.
 */
int	xdp_rings_watch_notices(struct xdp_rings *rings, int fd);

#define XDP_RINGS_NOTICE	2

/*
 * Waits up to timeout_ms (-1: forever) for a record, a wake-up or a flush
 * tick.  Returns 1 if a record is ready, 0 if not, XDP_RINGS_NOTICE, or -1
 * with errno on error.
 */
int	xdp_rings_wait(struct xdp_rings *rings, int timeout_ms);

/* A frame as the dump program recorded it. */
struct xdp_record {
	struct xdp_capture_hdr hdr;
	const unsigned char *data;	/* hdr.cap_len bytes */
	int	writable;		/* data may be written (own rings) */
};

/*
 * Gives the oldest unread record, across all rings; returns 0 if every ring
 * is empty.  rec->data points into the ring (or, for a record that wraps
 * around the ring's end, into a scratch copy) and stays valid until
 * xdp_rings_consume().
 */
int	xdp_rings_next(struct xdp_rings *rings, struct xdp_record *rec);
void	xdp_rings_consume(struct xdp_rings *rings);

/*
 * Keeps the selectable fd readable exactly while records are unread.  In
 * immediate mode, with may_spin set, looks for more records for a few tens
 * of microseconds first (see xdp-ring.c).
 */
void	xdp_rings_update_readiness(struct xdp_rings *rings, int may_spin);

/* Interrupts xdp_rings_wait (pcap_breakloop). */
void	xdp_rings_wake(struct xdp_rings *rings);

/*
 * A clock's time in nanoseconds: the dump program stamps frames with
 * CLOCK_MONOTONIC's.
 */
int64_t	xdp_clock_ns(clockid_t clock);

/* Sums a counter over all CPUs. Returns 0, or -1 with errno. */
int	xdp_rings_count(const struct xdp_rings *rings,
	    enum xdp_capture_counter counter, uint64_t *value);

#endif /* XDP_RING_H */
