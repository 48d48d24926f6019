/*
 * Copyright (c) 2026 The pcap-xdp contributors.
 * All rights reserved.
 *
 * Redistribution and use in source and binary forms, with or without
 * modification, are permitted provided that the following conditions
 * are met:
 *
 * 1. Redistributions of source code must retain the above copyright
 *    notice, this list of conditions and the following disclaimer.
 * 2. Redistributions in binary form must reproduce the above copyright
 *    notice, this list of conditions and the following disclaimer in the
 *    documentation and/or other materials provided with the distribution.
 *
 * THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS
 * "AS IS" AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT
 * LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR
 * A PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT
 * OWNER OR CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL,
 * SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT
 * LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE,
 * DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY
 * THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT
 * (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
 * OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
 */

/*
 * Capturing at an interface's XDP hook: "xdp:eth0" sees every frame that
 * reaches the hook, before the stack, including those the interface's XDP
 * program drops, bounces (XDP_TX) or redirects.  The program keeps running:
 * the capture joins a chain in front of it (xdp-chain.c), through a
 * privileged helper that outlives the application's privileges
 * (xdp-privsep.c), and reads the frames from per-CPU rings (xdp-ring.c):
 * BPF ring buffers, or perf-event rings on kernels without them.
 */

#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "pcap-int.h"

#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/filter.h>
#include <linux/if_packet.h>

#include "pcap-xdp.h"
#include "xdp-hook.h"
#include "xdp-privsep.h"
#include "xdp-ring.h"

#define XDP_IFACE_PREFIX	"xdp:"

/*
 * How long a frame may wait in a ring when the handle's timeout does not
 * say (timeout 0: block until packets arrive).
 */
#define XDP_DEFAULT_FLUSH_MS	100

/*
 * The environment variable that chooses the rings, "ringbuf" or "perf",
 * for comparing them (bench/run.sh); by default, the best the kernel has.
 */
#define XDP_TRANSPORT_ENV	"PCAP_XDP_TRANSPORT"

/*
 * Private data for capturing at an XDP hook.
 */
struct pcap_xdp {
	int	ifindex;		/* of the underlying interface */
	struct xdp_rings rings;		/* where the dump program writes */
	struct xdp_privsep helper;	/* holds our place in the chain */
	int	packet_fd;		/* AF_PACKET: promiscuity, injection */
	int	nonblock;		/* pcap_setnonblock() */
	int64_t	mono_to_real_ns;	/* CLOCK_MONOTONIC to wall clock */
	__u32	kernel_gen;		/* the kernel runs p->fcode: frames it
					   passed carry this; 0: it does not */
	u_int	rejected;		/* frames a kernel filter's dump program
					   passed on that the userspace filter
					   rejected, ever: see xdp_stats() */
};

/*
 * The dump program stamps frames with bpf_ktime_get_ns(), which is
 * CLOCK_MONOTONIC; pcap wants the wall clock.  The offset between the two
 * is taken between two reads of the wall clock, at every read, so that a
 * clock set while capturing shows in the time stamps.
 */
static int64_t
xdp_mono_to_real_offset(void)
{
	int64_t before, mono, after;

	before = xdp_clock_ns(CLOCK_REALTIME);
	mono = xdp_clock_ns(CLOCK_MONOTONIC);
	after = xdp_clock_ns(CLOCK_REALTIME);
	return before + (after - before) / 2 - mono;
}

static void
xdp_fill_header(pcap_t *p, const struct xdp_record *rec,
    struct pcap_pkthdr *h)
{
	struct pcap_xdp *px = p->priv;
	int64_t ns = (int64_t)rec->hdr.tstamp_ns + px->mono_to_real_ns;

	h->ts.tv_sec = (time_t)(ns / 1000000000);
	if (p->opt.tstamp_precision == PCAP_TSTAMP_PRECISION_NANO)
		h->ts.tv_usec = (suseconds_t)(ns % 1000000000);
	else
		h->ts.tv_usec = (suseconds_t)(ns % 1000000000 / 1000);
	h->caplen = rec->hdr.cap_len;
	h->len = rec->hdr.wire_len;
}

/*
 * The filter set with pcap_setfilter(), in userspace, for the frames the
 * kernel did not run it on (frames queued before it got there, or frames it
 * can't filter, or all when it can't run there): it returns how many bytes
 * of the frame to keep, 0 to reject it.
 */
static int
xdp_filter_accepts(pcap_t *p, const struct xdp_record *rec,
    struct pcap_pkthdr *h)
{
	struct pcap_xdp *px = p->priv;
	u_int keep;

	if (p->fcode.bf_insns == NULL || (px->kernel_gen !=
	    XDP_CAPTURE_GEN_NONE && rec->hdr.filter_gen == px->kernel_gen))
		return 1;
	keep = pcap_filter(p->fcode.bf_insns, rec->data, h->len, h->caplen);
	if (keep < h->caplen)
		h->caplen = keep;
	if (keep == 0 && px->kernel_gen != XDP_CAPTURE_GEN_NONE)
		px->rejected++;
	return keep != 0;
}

/*
 * Waits for records according to the handle's mode.  Returns 1 if records
 * are ready, 0 if not (timeout, signal, breakloop), XDP_RINGS_NOTICE if the
 * helper ended the capture, or PCAP_ERROR.
 */
static int
xdp_wait(pcap_t *p)
{
	struct pcap_xdp *px = p->priv;
	int timeout, ret;

	if (px->nonblock)
		timeout = 0;
	else if (p->opt.timeout > 0)
		timeout = p->opt.timeout;
	else
		timeout = -1;
	for (;;) {
		ret = xdp_rings_wait(&px->rings, timeout);
		/*
		 * Only a handle that blocks until packets arrive waits on
		 * past a flush tick that found nothing.
		 */
		if (ret != 0 || timeout != -1 || p->break_loop)
			break;
	}
	if (ret >= 0)
		return ret;
	/*
	 * A signal: the handler should have called pcap_breakloop() if the
	 * loop is to end; the caller looks at break_loop.
	 */
	if (errno == EINTR)
		return 0;
	pcap_fmt_errmsg_for_errno(p->errbuf, PCAP_ERRBUF_SIZE, errno,
	    "Can't wait for packets");
	return PCAP_ERROR;
}


/*
 * pcap_next() and pcap_next_ex() keep the frame after the callback: a
 * frame still in a ring is copied, as pcap-linux's one-shot callback does.
 */
static void
xdp_oneshot(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct oneshot_userdata *sp = (struct oneshot_userdata *)user;

	*sp->hdr = *h;
	if (bytes != sp->pd->buffer)
		memcpy(sp->pd->buffer, bytes, h->caplen);
	*sp->pkt = sp->pd->buffer;
}
static int
xdp_read(pcap_t *p, int max_packets, pcap_handler callback, u_char *user)
{
	struct pcap_xdp *px = p->priv;
	struct pcap_pkthdr h;
	struct xdp_record rec;
	int count = 0, ret;

	/*
	 * Has "pcap_breakloop()" been called?
	 */
	if (p->break_loop) {
		/*
		 * Yes - clear the flag that indicates that it
		 * has, and return PCAP_ERROR_BREAK to indicate
		 * that we were told to break out of the loop.
		 */
		p->break_loop = 0;
		return PCAP_ERROR_BREAK;
	}
	if (PACKET_COUNT_IS_UNLIMITED(max_packets))
		max_packets = INT_MAX;

	ret = xdp_wait(p);
	px->mono_to_real_ns = xdp_mono_to_real_offset();
	if (ret < 0)
		return ret;
	/* The helper ended the capture (the interface disappeared...). */
	if (ret == XDP_RINGS_NOTICE)
		return xdp_privsep_ended(&px->helper, p->errbuf);
	/*
	 * Were we told to break out of the loop while waiting?
	 */
	if (p->break_loop) {
		p->break_loop = 0;
		return PCAP_ERROR_BREAK;
	}

	while (count < max_packets && xdp_rings_next(&px->rings, &rec)) {
		xdp_fill_header(p, &rec, &h);
		/*
		 * Applications write into the frames they are handed, as
		 * pcap-linux lets them.  Own rings are mapped read-write: the
		 * callback gets the frame where it is.  The kernel maps the
		 * other rings' data read-only: the callback gets a copy,
		 * valid until the next one.
		 */
		if (xdp_filter_accepts(p, &rec, &h)) {
			if (!rec.writable) {
				memcpy(p->buffer, rec.data, h.caplen);
				rec.data = p->buffer;
			}
			callback(user, &h, rec.data);
			count++;
		}
		xdp_rings_consume(&px->rings);
		if (p->break_loop) {
			if (count == 0) {
				p->break_loop = 0;
				count = PCAP_ERROR_BREAK;
			}
			break;
		}
	}
	/*
	 * Immediate mode's spin is for a reader that has caught up: a caller
	 * that got all it asked for (pcap_next_ex() asks for one), or was
	 * told to break out of the loop, gets its answer at once.
	 */
	xdp_rings_update_readiness(&px->rings, !px->nonblock &&
	    count >= 0 && count < max_packets && !p->break_loop);
	return count;
}


static int
xdp_inject(pcap_t *p, const void *buf, int size)
{
	struct pcap_xdp *px = p->priv;
	ssize_t n;

	n = send(px->packet_fd, buf, (size_t)size, 0);
	if (n < 0) {
		pcap_fmt_errmsg_for_errno(p->errbuf, PCAP_ERRBUF_SIZE, errno,
		    "send");
		return PCAP_ERROR;
	}
	return (int)n;
}

static int
xdp_stats(pcap_t *p, struct pcap_stat *ps)
{
	struct pcap_xdp *px = p->priv;
	uint64_t seen, lost;

	if (xdp_rings_count(&px->rings, XDP_CAPTURE_SEEN, &seen) != 0 ||
	    xdp_rings_count(&px->rings, XDP_CAPTURE_LOST, &lost) != 0) {
		pcap_fmt_errmsg_for_errno(p->errbuf, PCAP_ERRBUF_SIZE, errno,
		    "Can't read the capture's counters");
		return PCAP_ERROR;
	}
	/*
	 * As on pcap-linux: ps_recv counts the frames that passed the filter,
	 * the dropped ones too.  With the filter in the kernel, those are the
	 * frames the kernel passed on, less those userspace rejected (queued
	 * before the filter got there, or ones the kernel can't filter); with
	 * it in userspace only, every frame passes the kernel, as when
	 * pcap-linux filters in userspace.  Rejections are never forgotten,
	 * so that the count does not jump at a new filter.
	 */
	ps->ps_recv = (u_int)seen - px->rejected;
	ps->ps_drop = (u_int)lost;
	ps->ps_ifdrop = 0;
	return 0;
}

/*
 * Linux's ancillary loads that libpcap emits on a live handle ("inbound",
 * "outbound", "ifindex") get their XDP meaning: every frame at the hook is
 * incoming (PACKET_HOST), on this interface.  Written as constants they
 * mean that in userspace too, where bpf_filter() would reject every frame,
 * so the kernel and userspace filter alike.
 */
static void
xdp_rewrite_ancillary(const pcap_t *p, struct bpf_insn *insns, u_int len)
{
	const struct pcap_xdp *px = p->priv;
	u_int i;

	for (i = 0; i < len; i++) {
		if (insns[i].code == (BPF_LD | BPF_H | BPF_ABS) &&
		    insns[i].k == (bpf_u_int32)(SKF_AD_OFF + SKF_AD_PKTTYPE)) {
			insns[i].code = BPF_LD | BPF_IMM;
			insns[i].k = PACKET_HOST;
		} else if (insns[i].code == (BPF_LD | BPF_W | BPF_ABS) &&
		    insns[i].k == (bpf_u_int32)(SKF_AD_OFF + SKF_AD_IFINDEX)) {
			insns[i].code = BPF_LD | BPF_IMM;
			insns[i].k = (bpf_u_int32)px->ifindex;
		}
	}
}

/*
 * The filter runs in userspace first, for the frames already in the rings
 * and as the fallback, then in the kernel, where the helper swaps it in
 * atomically; frames the old program passed are filtered in userspace.
 * If it can't run in the kernel, every frame comes to userspace, and
 * pcap_setfilter() still succeeds, with the reason for pcap_geterr().
 */
static int
xdp_setfilter(pcap_t *p, struct bpf_program *fp)
{
	struct pcap_xdp *px = p->priv;
	__u32 gen;

	if (install_bpf_program(p, fp) < 0)
		return PCAP_ERROR;
	xdp_rewrite_ancillary(p, p->fcode.bf_insns, p->fcode.bf_len);
	px->kernel_gen = XDP_CAPTURE_GEN_NONE;
	if (xdp_privsep_set_filter(&px->helper, p->fcode.bf_insns,
	    p->fcode.bf_len, &gen, p->errbuf) == 0)
		px->kernel_gen = gen;
	return 0;
}

static int
xdp_setdirection(pcap_t *p, pcap_direction_t d)
{
	if (d == PCAP_D_OUT) {
		snprintf(p->errbuf, PCAP_ERRBUF_SIZE,
		    "Setting direction to PCAP_D_OUT is not supported on %s: "
		    "the XDP hook sees only incoming packets",
		    p->opt.device);
		return PCAP_ERROR;
	}
	p->direction = d;
	return 0;
}

static int
xdp_getnonblock(pcap_t *p)
{
	struct pcap_xdp *px = p->priv;

	return px->nonblock;
}

static int
xdp_setnonblock(pcap_t *p, int nonblock)
{
	struct pcap_xdp *px = p->priv;

	px->nonblock = nonblock;
	return 0;
}

static void
xdp_breakloop(pcap_t *p)
{
	struct pcap_xdp *px = p->priv;

	pcap_breakloop_common(p);
	xdp_rings_wake(&px->rings);
}

static void
xdp_cleanup(pcap_t *p)
{
	struct pcap_xdp *px = p->priv;
	char errbuf[PCAP_ERRBUF_SIZE];

	/*
	 * Leave the chain first: the helper puts the interface's own
	 * program back on the hook once no capture remains.  There is no
	 * one to tell if that fails (and p->errbuf may hold the reason
	 * activation failed); the next capture or
	 * "pcap-xdp-helper --cleanup" finishes the job.
	 */
	(void)xdp_privsep_leave(&px->helper, errbuf);
	xdp_rings_close(&px->rings);
	if (px->packet_fd >= 0) {
		close(px->packet_fd);
		px->packet_fd = -1;
	}
	/* The rings owned the selectable fd. */
	p->fd = -1;
	pcap_cleanup_live_common(p);
}

/*
 * An AF_PACKET socket that receives nothing (protocol 0), bound to the
 * interface: injects packets, and holds the promiscuous mode membership,
 * which the kernel drops when the socket closes, even after a crash.
 */
static int
xdp_open_packet_socket(pcap_t *p)
{
	struct pcap_xdp *px = p->priv;
	struct sockaddr_ll sll;
	struct packet_mreq mr;

	px->packet_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (px->packet_fd < 0) {
		pcap_fmt_errmsg_for_errno(p->errbuf, PCAP_ERRBUF_SIZE, errno,
		    "socket(AF_PACKET)");
		return (errno == EPERM || errno == EACCES) ?
		    PCAP_ERROR_PERM_DENIED : PCAP_ERROR;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = px->ifindex;
	if (bind(px->packet_fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
		pcap_fmt_errmsg_for_errno(p->errbuf, PCAP_ERRBUF_SIZE, errno,
		    "bind(AF_PACKET)");
		return errno == ENODEV ? PCAP_ERROR_NO_SUCH_DEVICE : PCAP_ERROR;
	}
	if (!p->opt.promisc)
		return 0;
	memset(&mr, 0, sizeof(mr));
	mr.mr_ifindex = px->ifindex;
	mr.mr_type = PACKET_MR_PROMISC;
	if (setsockopt(px->packet_fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
	    sizeof(mr)) != 0) {
		pcap_fmt_errmsg_for_errno(p->errbuf, PCAP_ERRBUF_SIZE, errno,
		    "Can't put %s in promiscuous mode", p->opt.device);
		return PCAP_ERROR;
	}
	return 0;
}

static int
xdp_transport_wanted(__u32 *transport, char *errbuf)
{
	const char *want = getenv(XDP_TRANSPORT_ENV);

	if (want == NULL || *want == '\0')
		*transport = XDP_CAPTURE_ANY_RING;
	else if (strcmp(want, "own") == 0)
		*transport = XDP_CAPTURE_OWN;
	else if (strcmp(want, "ringbuf") == 0)
		*transport = XDP_CAPTURE_RINGBUF;
	else if (strcmp(want, "perf") == 0)
		*transport = XDP_CAPTURE_PERF;
	else {
		snprintf(errbuf, PCAP_ERRBUF_SIZE,
		    "%s is \"%s\", not \"own\", \"ringbuf\" or \"perf\"",
		    XDP_TRANSPORT_ENV, want);
		return PCAP_ERROR;
	}
	return 0;
}

/* What the kernel takes as an interface name (dev_valid_name()). */
static int
xdp_valid_ifname(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0 || len >= IF_NAMESIZE || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == ':' ||
		    isspace((unsigned char)name[i]))
			return 0;
	return 1;
}

/*
 * A device name as an error message may show it: at most 40 bytes, with
 * the bytes that are not printable as \xNN.
 */
#define XDP_PRINTABLE_NAME	(40 * 4 + 4)

static const char *
xdp_printable(const char *name, char *buf, size_t len)
{
	size_t i, n = 0;

	for (i = 0; name[i] != '\0' && i < 40 && n + 5 < len; i++) {
		if (isprint((unsigned char)name[i]))
			buf[n++] = name[i];
		else
			n += (size_t)snprintf(buf + n, len - n, "\\x%02x",
			    (unsigned char)name[i]);
	}
	if (name[i] != '\0' && n + 4 < len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

/* One ioctl about the interface; returns 0 or an errno. */
static int
xdp_interface_ioctl(const char *ifname, unsigned long request,
    struct ifreq *ifr)
{
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	memset(ifr, 0, sizeof(*ifr));
	pcap_strlcpy(ifr->ifr_name, ifname, sizeof(ifr->ifr_name));
	if (ioctl(fd, request, ifr) != 0)
		err = errno;
	close(fd);
	return err;
}

/*
 * The link-layer type of what XDP sees on a device of type arptype.  A
 * frame starts where the device's link-layer header does, as AF_PACKET's
 * raw sockets see it; L3 devices have none, so their frames start at the
 * IP header (an ipgre device with a link-layer header has the outer IP
 * header as one), which is pcap-linux's DLT_RAW.  -1 for other devices,
 * whose frames XDP may not see as AF_PACKET does.
 */
static int
xdp_linktype(int arptype)
{
	switch (arptype) {

	case ARPHRD_ETHER:
	case ARPHRD_LOOPBACK:
		return DLT_EN10MB;

	case ARPHRD_NONE:	/* tun in L3 mode, WireGuard */
	case ARPHRD_RAWIP:
	case ARPHRD_TUNNEL:	/* ipip */
	case ARPHRD_TUNNEL6:	/* ip6tnl */
	case ARPHRD_SIT:
	case ARPHRD_IPGRE:
		return DLT_RAW;

	default:
		return -1;
	}
}

/*
 * Checks the interface as pcap-linux does before it captures: it must be
 * up; and chooses the link-layer type from its device type.
 */
static int
xdp_check_interface(pcap_t *p, const char *ifname)
{
	struct ifreq ifr;

	int err, type;

	err = xdp_interface_ioctl(ifname, SIOCGIFFLAGS, &ifr);
	if (err == 0 && !(ifr.ifr_flags & IFF_UP))
		return PCAP_ERROR_IFACE_NOT_UP;
	type = err == 0 ? xdp_hook_device_type(ifname) : -err;
	if (type == -ENODEV)
		return PCAP_ERROR_NO_SUCH_DEVICE;
	if (type < 0) {
		pcap_fmt_errmsg_for_errno(p->errbuf, PCAP_ERRBUF_SIZE, -type,
		    "Can't look at interface %s", ifname);
		return PCAP_ERROR;
	}
	p->linktype = xdp_linktype(type);
	if (p->linktype == -1) {
		snprintf(p->errbuf, PCAP_ERRBUF_SIZE,
		    "%s has device type %d, whose frames XDP may not see as "
		    "they are on the wire; XDP captures on Ethernet and IP "
		    "(L3) devices", ifname, type);
		return PCAP_ERROR;
	}
	return 0;
}

static int
xdp_activate(pcap_t *p)
{
	struct pcap_xdp *px = p->priv;
	const char *ifname = p->opt.device + strlen(XDP_IFACE_PREFIX);
	struct xdp_protocol_join join;
	struct xdp_protocol_reply reply;
	int fds[XDP_PROTOCOL_MAX_FDS];
	char printable[XDP_PRINTABLE_NAME];
	int ret;

	px->packet_fd = -1;
	px->helper.sock = -1;
	xdp_rings_init(&px->rings);

	if (p->opt.rfmon) {
		/*
		 * Monitor mode doesn't apply to XDP hooks.
		 */
		ret = PCAP_ERROR_RFMON_NOTSUP;
		goto fail;
	}
	errno = ENODEV;
	px->ifindex = xdp_valid_ifname(ifname) ?
	    (int)if_nametoindex(ifname) : 0;
	if (px->ifindex == 0 && errno == ENODEV) {
		snprintf(p->errbuf, PCAP_ERRBUF_SIZE,
		    "There is no network interface named \"%s\"",
		    xdp_printable(ifname, printable, sizeof(printable)));
		ret = PCAP_ERROR_NO_SUCH_DEVICE;
		goto fail;
	}
	if (px->ifindex == 0) {
		/* Out of fds, say: if_nametoindex() needs a socket. */
		pcap_fmt_errmsg_for_errno(p->errbuf, PCAP_ERRBUF_SIZE, errno,
		    "Can't look up interface \"%s\"",
		    xdp_printable(ifname, printable, sizeof(printable)));
		ret = PCAP_ERROR;
		goto fail;
	}

	/*
	 * Turn a negative snapshot value (invalid), a snapshot value of
	 * 0 (unspecified), or a value bigger than the normal maximum
	 * value, into the maximum allowed value.
	 */
	if (p->snapshot <= 0 || p->snapshot > MAXIMUM_SNAPLEN)
		p->snapshot = MAXIMUM_SNAPLEN;
	ret = xdp_check_interface(p, ifname);
	if (ret != 0)
		goto fail;
	p->offset = 0;
	p->bufsize = p->snapshot;
	p->buffer = malloc((size_t)p->bufsize);
	if (p->buffer == NULL) {
		pcap_fmt_errmsg_for_errno(p->errbuf, PCAP_ERRBUF_SIZE, errno,
		    "malloc");
		ret = PCAP_ERROR;
		goto fail;
	}

	memset(&join, 0, sizeof(join));
	join.ifindex = px->ifindex;
	join.snaplen = (__u32)p->snapshot;
	join.immediate = p->opt.immediate != 0;
	join.buffer_size = (__u64)p->opt.buffer_size;
	ret = xdp_transport_wanted(&join.transport, p->errbuf);
	if (ret != 0)
		goto fail;
	ret = xdp_privsep_join(&px->helper, &join, &reply, fds, p->errbuf);
	if (ret != 0)
		goto fail;
	if (xdp_rings_map(&px->rings, fds + 1, (int)reply.nr_rings,
	    reply.transport, reply.ring_size, fds[0],
	    reply.transport == XDP_CAPTURE_OWN ? fds[1 + reply.nr_rings] : -1,
	    p->opt.immediate,
	    p->opt.timeout > 0 ? p->opt.timeout : XDP_DEFAULT_FLUSH_MS,
	    p->errbuf, PCAP_ERRBUF_SIZE) != 0) {
		ret = (errno == EPERM || errno == EACCES) ?
		    PCAP_ERROR_PERM_DENIED : PCAP_ERROR;
		goto fail;
	}
	if (xdp_rings_watch_notices(&px->rings, px->helper.sock) != 0) {
		pcap_fmt_errmsg_for_errno(p->errbuf, PCAP_ERRBUF_SIZE, errno,
		    "Can't watch the XDP capture helper");
		ret = PCAP_ERROR;
		goto fail;
	}
	ret = xdp_open_packet_socket(p);
	if (ret != 0)
		goto fail;

	p->fd = px->rings.epoll_fd;
	p->selectable_fd = px->rings.epoll_fd;
	p->read_op = xdp_read;
	p->oneshot_callback = xdp_oneshot;
	p->inject_op = xdp_inject;
	p->setfilter_op = xdp_setfilter;
	p->setdirection_op = xdp_setdirection;
	p->set_datalink_op = NULL;	/* can't change data link type */
	p->getnonblock_op = xdp_getnonblock;
	p->setnonblock_op = xdp_setnonblock;
	p->stats_op = xdp_stats;
	p->breakloop_op = xdp_breakloop;
	p->cleanup_op = xdp_cleanup;
	return 0;

fail:
	xdp_cleanup(p);
	return ret;
}

pcap_t *
xdp_create(const char *device, char *ebuf, int *is_ours)
{
	pcap_t *p;

	/* Does this look like an XDP hook, "xdp:" and an interface name? */
	if (strncmp(device, XDP_IFACE_PREFIX, strlen(XDP_IFACE_PREFIX)) != 0 ||
	    device[strlen(XDP_IFACE_PREFIX)] == '\0') {
		*is_ours = 0;
		return NULL;
	}
	*is_ours = 1;

	p = PCAP_CREATE_COMMON(ebuf, struct pcap_xdp);
	if (p == NULL)
		return NULL;
	p->activate_op = xdp_activate;

	/*
	 * The dump program stamps frames in nanoseconds.
	 */
	p->tstamp_precision_list = malloc(2 * sizeof(u_int));
	if (p->tstamp_precision_list == NULL) {
		pcap_fmt_errmsg_for_errno(ebuf, PCAP_ERRBUF_SIZE, errno,
		    "malloc");
		pcap_close(p);
		return NULL;
	}
	p->tstamp_precision_list[0] = PCAP_TSTAMP_PRECISION_MICRO;
	p->tstamp_precision_list[1] = PCAP_TSTAMP_PRECISION_NANO;
	p->tstamp_precision_count = 2;
	return p;
}

static bpf_u_int32
xdp_interface_flags(const char *ifname)
{
	struct ifreq ifr;
	bpf_u_int32 flags = PCAP_IF_CONNECTION_STATUS_NOT_APPLICABLE;

	if (xdp_interface_ioctl(ifname, SIOCGIFFLAGS, &ifr) == 0) {
		if (ifr.ifr_flags & IFF_UP)
			flags |= PCAP_IF_UP;
		if (ifr.ifr_flags & IFF_RUNNING)
			flags |= PCAP_IF_RUNNING;
	}
	return flags;
}

/* An address's length, as fad-getad.c takes it. */
static size_t
xdp_sockaddr_len(const struct sockaddr *sa)
{
	switch (sa->sa_family) {

	case AF_INET:
		return sizeof(struct sockaddr_in);

	case AF_INET6:
		return sizeof(struct sockaddr_in6);

	case AF_PACKET:
		return sizeof(struct sockaddr_ll);

	default:
		return sizeof(struct sockaddr);
	}
}

/*
 * Whether getifaddrs() names the interface: by its name, or by a logical
 * interface's "NAME:N" (fad-getad.c).
 */
static int
xdp_names_interface(const char *ifa_name, const char *ifname)
{
	size_t len = strlen(ifname);
	const char *q;

	if (strncmp(ifa_name, ifname, len) != 0)
		return 0;
	if (ifa_name[len] == '\0')
		return 1;
	if (ifa_name[len] != ':' || ifa_name[len + 1] == '\0')
		return 0;
	for (q = ifa_name + len + 1; PCAP_ISDIGIT(*q); q++)
		;
	return *q == '\0';
}

/*
 * Gives dev the addresses of its interface, as the interface's own entry
 * has them: the frames captured there are addressed to them.
 */
static int
xdp_add_addresses(pcap_if_t *dev, const char *ifname,
    const struct ifaddrs *ifap, char *err_str)
{
	const struct ifaddrs *ifa;
	struct sockaddr *broadaddr, *dstaddr;
	size_t len;

	for (ifa = ifap; ifa != NULL; ifa = ifa->ifa_next) {
		if (ifa->ifa_addr == NULL ||
		    !xdp_names_interface(ifa->ifa_name, ifname))
			continue;
		len = xdp_sockaddr_len(ifa->ifa_addr);
		broadaddr = (ifa->ifa_flags & IFF_BROADCAST) ?
		    ifa->ifa_broadaddr : NULL;
		dstaddr = (ifa->ifa_flags & IFF_POINTOPOINT) ?
		    ifa->ifa_dstaddr : NULL;
		if (add_addr_to_dev(dev, ifa->ifa_addr, len, ifa->ifa_netmask,
		    ifa->ifa_netmask != NULL ? len : 0, broadaddr,
		    broadaddr != NULL ? len : 0, dstaddr,
		    dstaddr != NULL ? len : 0, err_str) != 0)
			return -1;
	}
	return 0;
}

/*
 * Lists "xdp:IFNAME" for each interface that runs an XDP program.  Opening
 * the others works too, but attaching to an empty hook resets the queues of
 * many drivers, and Wireshark opens every listed device to probe it.
 */
int
xdp_findalldevs(pcap_if_list_t *devlistp, char *err_str)
{
	struct if_nameindex *ifs, *ifp;
	struct ifaddrs *ifap;
	struct xdp_hook hook;
	pcap_if_t *dev;
	char name[sizeof(XDP_IFACE_PREFIX) + IF_NAMESIZE];
	char desc[128];
	int ret = 0;

	ifs = if_nameindex();
	if (ifs == NULL)
		return 0;	/* no interfaces to look at is not an error */
	if (getifaddrs(&ifap) != 0)
		ifap = NULL;	/* the entries just have no addresses */
	for (ifp = ifs; ifp->if_index != 0; ifp++) {
		if (xdp_hook_query((int)ifp->if_index, &hook) != 0 ||
		    hook.orig_id == 0)
			continue;
		snprintf(name, sizeof(name), XDP_IFACE_PREFIX "%s",
		    ifp->if_name);
		if (hook.orig_name[0] != '\0')
			snprintf(desc, sizeof(desc),
			    "XDP ingress of %s, program \"%s\" id %u",
			    ifp->if_name, hook.orig_name, hook.orig_id);
		else
			snprintf(desc, sizeof(desc),
			    "XDP ingress of %s, program id %u",
			    ifp->if_name, hook.orig_id);
		dev = add_dev(devlistp, name, xdp_interface_flags(ifp->if_name),
		    desc, err_str);
		if (dev == NULL ||
		    xdp_add_addresses(dev, ifp->if_name, ifap, err_str) != 0) {
			ret = -1;
			break;
		}
	}
	if (ifap != NULL)
		freeifaddrs(ifap);
	if_freenameindex(ifs);
	return ret;
}
