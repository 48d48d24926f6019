/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcap-xdp-helper: the privileged half of an xdp: capture (xdp-privsep.h).
 *
 *   pcap-xdp-helper --serve
 *	started by libpcap in pcap_activate() with its socket as fd 3: joins
 *	the capture to the interface's XDP chain, runs the filters
 *	pcap_setfilter() sends in the kernel, and leaves when asked, when the
 *	application closes the socket or dies, or on SIGTERM.
 *
 *   pcap-xdp-helper --cleanup IFNAME...
 *	removes what killed captures left on the interfaces (captures do this
 *	themselves when they next join), and restores the original program
 *	when no live capture remains.
 */
#define _GNU_SOURCE		/* ppoll() */

#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdp-chain.h"
#include "xdp_capture.h"
#include "xdp-transport.h"
#include "xdp-privsep.h"

#define XDP_HELPER_MAX_SNAPLEN	262144		/* libpcap's MAXIMUM_SNAPLEN */
#define XDP_HELPER_MAX_BUFFER	(1ULL << 32)

/*
 * How often a running capture checks that its interface and its place on
 * the hook are still there: an interface deleted, or a chain another tool
 * replaced, ends the capture within this time.
 */
#define XDP_HELPER_CHECK_MS	250

static volatile sig_atomic_t xdp_helper_terminate;

static void
xdp_helper_on_term(int sig)
{
	(void)sig;
	xdp_helper_terminate = 1;
}

/* libbpf's warnings go nowhere: errors reach the application as messages. */
static int
xdp_helper_libbpf_print(enum libbpf_print_level level, const char *fmt,
    va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static void
xdp_helper_signals(void)
{
	struct sigaction sa;
	sigset_t term;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	/*
	 * SIGTERM is held back except while waiting for the next request
	 * (ppoll), which it interrupts: one that comes while a request is
	 * served is not lost between the flag's test and the wait.
	 */
	sa.sa_handler = xdp_helper_on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
}

/* A request, and the filter that may follow it. */
union xdp_helper_message {
	struct xdp_privsep_request req;
	unsigned char buf[XDP_PRIVSEP_MAX_REQUEST];
};

/* Returns the message's size, 0 on hang-up, -1 on error (errno). */
static ssize_t
xdp_helper_receive(int sock, union xdp_helper_message *msg)
{
	return recv(sock, msg->buf, sizeof(msg->buf), 0);
}

/* Sends a reply, with fds if there are any. */
static void
xdp_helper_reply(int sock, const struct xdp_privsep_reply *reply,
    const int *fds, int nr_fds)
{
	union {
		char buf[CMSG_SPACE(XDP_PRIVSEP_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { (void *)reply, sizeof(*reply) };
	struct msghdr msg;
	struct cmsghdr *cmsg;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (nr_fds > 0) {
		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE((size_t)nr_fds * sizeof(int));
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN((size_t)nr_fds * sizeof(int));
		memcpy(CMSG_DATA(cmsg), fds, (size_t)nr_fds * sizeof(int));
	}
	(void)sendmsg(sock, &msg, MSG_NOSIGNAL);
}

/* Checks a join request: the application is not trusted. */
static int
xdp_helper_check_join(const struct xdp_privsep_request *req, char *errbuf,
    size_t errlen)
{
	if (req->ifindex <= 0 || req->snaplen == 0 ||
	    req->snaplen > XDP_HELPER_MAX_SNAPLEN || req->immediate > 1 ||
	    req->buffer_size > XDP_HELPER_MAX_BUFFER ||
	    req->transport > XDP_CAPTURE_PERF) {
		snprintf(errbuf, errlen, "Bad request to the XDP capture "
		    "helper: interface %d, snapshot length %u, buffer %llu",
		    req->ifindex, req->snaplen,
		    (unsigned long long)req->buffer_size);
		return XDP_CHAIN_ERROR;
	}
	return XDP_CHAIN_OK;
}

/*
 * Creates the capture's rings, joins the chain, and answers with the
 * counters and the rings.  The rings stay open here for as long as the
 * capture: the kernel empties a PERF_EVENT_ARRAY of the events a file put
 * in it when that file closes.
 */
static void
xdp_helper_join(int sock, const struct xdp_privsep_request *req,
    struct xdp_chain_member *member, struct xdp_transport *rings)
{
	struct xdp_privsep_reply reply;
	struct xdp_chain_capture cap;
	int fds[XDP_PRIVSEP_MAX_FDS], err;

	memset(&reply, 0, sizeof(reply));
	reply.status = xdp_helper_check_join(req, reply.errmsg,
	    sizeof(reply.errmsg));
	if (reply.status != XDP_CHAIN_OK)
		goto out;
	err = xdp_transport_create(rings, req->transport,
	    (size_t)req->buffer_size, req->snaplen, (int)req->immediate,
	    reply.errmsg, sizeof(reply.errmsg));
	if (err != 0) {
		reply.status = (err == -EPERM || err == -EACCES) ?
		    XDP_CHAIN_PERM_DENIED : XDP_CHAIN_ERROR;
		goto out;
	}
	cap.ifindex = req->ifindex;
	cap.snaplen = req->snaplen;
	cap.out = rings->out;
	reply.status = xdp_chain_join(&cap, member, reply.errmsg,
	    sizeof(reply.errmsg));
	if (reply.status != XDP_CHAIN_OK) {
		xdp_transport_close(rings);
		goto out;
	}
	reply.nr_rings = (__u32)rings->nr_rings;
	reply.ring_size = rings->out.ring_size;
	reply.transport = rings->out.kind;
	fds[0] = rings->out.counts_fd;
	memcpy(fds + 1, rings->ring_fd, (size_t)rings->nr_rings * sizeof(int));
	xdp_helper_reply(sock, &reply, fds, 1 + rings->nr_rings);
	return;
out:
	xdp_helper_reply(sock, &reply, NULL, 0);
}

/*
 * Swaps in a dump program that runs the filter.  If the filter can't run in
 * the kernel, says why on the application's stderr (once per filter) and
 * swaps in one that passes every frame on, for userspace to filter.
 */
static void
xdp_helper_set_filter(int sock, const union xdp_helper_message *msg,
    ssize_t len, struct xdp_chain_member *member)
{
	static __u32 last_gen = XDP_CAPTURE_GEN_NONE;
	const struct xdp_privsep_request *req = &msg->req;
	const struct xdp_filter_insn *filter =
	    (const struct xdp_filter_insn *)(msg->buf + sizeof(*req));
	struct xdp_privsep_reply reply;
	char ifname[IF_NAMESIZE] = "?", errbuf[XDP_PRIVSEP_ERRLEN];

	memset(&reply, 0, sizeof(reply));
	if (req->filter_len > XDP_FILTER_MAX_INSNS ||
	    (size_t)len != sizeof(*req) + req->filter_len * sizeof(*filter)) {
		reply.status = XDP_CHAIN_ERROR;
		snprintf(reply.errmsg, sizeof(reply.errmsg),
		    "Bad request to the XDP capture helper: a filter of %u "
		    "instructions in %zd bytes", req->filter_len, len);
		xdp_helper_reply(sock, &reply, NULL, 0);
		return;
	}
	if (req->filter_len == 0) {	/* no filter in the kernel */
		reply.status = xdp_chain_set_filter(member, NULL, 0,
		    XDP_CAPTURE_GEN_NONE, reply.errmsg, sizeof(reply.errmsg));
		xdp_helper_reply(sock, &reply, NULL, 0);
		return;
	}
	if (++last_gen == XDP_CAPTURE_GEN_NONE)
		++last_gen;
	reply.status = xdp_chain_set_filter(member, filter, req->filter_len,
	    last_gen, reply.errmsg, sizeof(reply.errmsg));
	if (reply.status == XDP_CHAIN_OK)
		reply.filter_gen = last_gen;
	else {
		if_indextoname((unsigned int)member->ifindex, ifname);
		fprintf(stderr, "pcap-xdp: xdp:%s: the filter runs in "
		    "userspace: %s\n", ifname, reply.errmsg);
		if (xdp_chain_set_filter(member, NULL, 0, XDP_CAPTURE_GEN_NONE,
		    errbuf, sizeof(errbuf)) != XDP_CHAIN_OK)
			fprintf(stderr, "pcap-xdp: xdp:%s: frames the old "
			    "filter rejects are lost: %s\n", ifname, errbuf);
	}
	xdp_helper_reply(sock, &reply, NULL, 0);
}

/*
 * Leaves on the capture's behalf when its interface or its place on the hook
 * is gone, and tells the application why: its reader sees the message, and
 * then the socket close.
 */
static int
xdp_helper_end(int sock, struct xdp_chain_member *member,
    const struct xdp_privsep_reply *why)
{
	char errbuf[XDP_PRIVSEP_ERRLEN];
	int status;

	status = xdp_chain_leave(member, errbuf, sizeof(errbuf));
	xdp_helper_reply(sock, why, NULL, 0);
	return status == XDP_CHAIN_OK ? 0 : 1;
}

/*
 * Waits for the next request; while the capture runs, checks every
 * XDP_HELPER_CHECK_MS that the world it joined is still there.  Returns
 * the request's size, 0 on hang-up, -1 on error or SIGTERM, or -2 with
 * why filled in when the capture must end.
 */
static ssize_t
xdp_helper_next_request(int sock, union xdp_helper_message *msg,
    const struct xdp_chain_member *member, struct xdp_privsep_reply *why)
{
	struct pollfd pfd = { sock, POLLIN, 0 };
	struct timespec check = { 0, XDP_HELPER_CHECK_MS * 1000000L };
	sigset_t waiting;
	int n;

	sigprocmask(SIG_SETMASK, NULL, &waiting);
	sigdelset(&waiting, SIGTERM);
	for (;;) {
		if (xdp_helper_terminate)
			return -1;
		n = ppoll(&pfd, 1, member->dump.slot != 0 ? &check : NULL,
		    &waiting);
		if (n > 0)
			return xdp_helper_receive(sock, msg);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n == 0) {
			memset(why, 0, sizeof(*why));
			why->status = xdp_chain_check(member, why->errmsg,
			    sizeof(why->errmsg));
			if (why->status != XDP_CHAIN_OK) {
				why->ended = 1;
				return -2;
			}
		}
	}
}

static int
xdp_helper_serve(int sock)
{
	static union xdp_helper_message msg;
	struct xdp_chain_member member;
	struct xdp_transport rings;
	struct xdp_privsep_reply reply;
	ssize_t n;

	xdp_chain_member_init(&member);
	for (;;) {
		n = xdp_helper_next_request(sock, &msg, &member, &reply);
		if (n == -2)
			return xdp_helper_end(sock, &member, &reply);
		if (n < 0 && errno == EINTR && !xdp_helper_terminate)
			continue;
		if (n < (ssize_t)sizeof(msg.req) ||
		    msg.req.op == XDP_PRIVSEP_LEAVE) {
			/* Asked to, hung up on, or terminated: leave. */
			memset(&reply, 0, sizeof(reply));
			reply.status = xdp_chain_leave(&member, reply.errmsg,
			    sizeof(reply.errmsg));
			if (n > 0)
				xdp_helper_reply(sock, &reply, NULL, 0);
			return reply.status == XDP_CHAIN_OK ? 0 : 1;
		}
		if (msg.req.op == XDP_PRIVSEP_JOIN && member.dump.slot == 0 &&
		    n == (ssize_t)sizeof(msg.req)) {
			xdp_helper_join(sock, &msg.req, &member, &rings);
			if (member.dump.slot == 0)
				return 1;
		} else if (msg.req.op == XDP_PRIVSEP_SETFILTER &&
		    member.dump.slot != 0)
			xdp_helper_set_filter(sock, &msg, n, &member);
		else {
			memset(&reply, 0, sizeof(reply));
			reply.status = XDP_CHAIN_ERROR;
			snprintf(reply.errmsg, sizeof(reply.errmsg),
			    "Bad request to the XDP capture helper");
			xdp_helper_reply(sock, &reply, NULL, 0);
		}
	}
}

static int
xdp_helper_cleanup(int argc, char **argv)
{
	char errbuf[XDP_PRIVSEP_ERRLEN];
	unsigned int ifindex;
	int i, ret, status = 0;

	for (i = 0; i < argc; i++) {
		ifindex = if_nametoindex(argv[i]);
		if (ifindex == 0) {
			fprintf(stderr, "pcap-xdp-helper: %s: %s\n", argv[i],
			    strerror(errno));
			status = 1;
			continue;
		}
		ret = xdp_chain_cleanup((int)ifindex, errbuf, sizeof(errbuf));
		if (ret == XDP_CHAIN_PERM_DENIED)
			fprintf(stderr, "pcap-xdp-helper: %s: only root can "
			    "clean up after XDP captures (%s)\n", argv[i],
			    errbuf);
		else if (ret != 0)
			fprintf(stderr, "pcap-xdp-helper: %s: %s\n", argv[i],
			    errbuf);
		status |= ret != 0;
	}
	return status;
}

static void
xdp_helper_usage(void)
{
	fprintf(stderr,
	    "usage: pcap-xdp-helper --cleanup IFNAME...\n"
	    "       (libpcap starts it with --serve for each xdp: capture)\n");
}

int
main(int argc, char **argv)
{
	libbpf_set_print(xdp_helper_libbpf_print);
	if (argc == 2 && strcmp(argv[1], "--serve") == 0) {
		xdp_helper_signals();
		return xdp_helper_serve(XDP_PRIVSEP_FD);
	}
	if (argc >= 3 && strcmp(argv[1], "--cleanup") == 0)
		return xdp_helper_cleanup(argc - 2, argv + 2);
	xdp_helper_usage();
	return 2;
}
