/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcap-xdp-helper: the privileged half of an xdp: capture (../xdp-privsep.h,
 * ../xdp-protocol.h).
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
 *
 * Serving, it never waits for the application: replies that the socket
 * can't take at once end the capture (an application that does not read
 * its replies has stopped talking), and it writes nothing to the stderr it
 * inherits (a terminal or a pipe there may block; what it has to say goes
 * in the replies).
 */
#define _GNU_SOURCE		/* ppoll() */

#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <signal.h>
#include <time.h>
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
#include "xdp-request.h"
#include "xdp-transport.h"
#include "xdp_capture.h"

/*
 * How often a running capture checks that its interface and its place on
 * the hook are still there: an interface deleted, or a chain another tool
 * replaced, ends the capture within this time.
 */
#define XDP_HELPER_CHECK_MS	250

/*
 * The CPU time the verifier may spend on one capture's filters.  One it
 * gives up on costs root seconds, and the application, which may be
 * compromised, could send one after another: a capture starts with
 * XDP_HELPER_LOAD_BUDGET_MS, earns XDP_HELPER_LOAD_EARN_MS a second up to
 * that, and a filter that comes with none left runs in userspace.
 */
#define XDP_HELPER_LOAD_BUDGET_MS	2000.0
#define XDP_HELPER_LOAD_EARN_MS	50.0

struct xdp_helper_budget {
	double	left_ms;	/* may be spent now; below 0: overspent */
	double	at;		/* when it was last earned, in seconds */
};

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

/* A request as it arrives, aligned for its header and body. */
union xdp_helper_message {
	struct xdp_protocol_header hdr;
	unsigned char buf[XDP_PROTOCOL_MAX_MESSAGE];
};

/*
 * Receives a message; a longer one than any request is cut, and *truncated
 * says so.  Returns its size, 0 on hang-up, -1 on error (errno).
 */
static ssize_t
xdp_helper_receive(int sock, union xdp_helper_message *msg, int *truncated)
{
	struct iovec iov = { msg->buf, sizeof(msg->buf) };
	struct msghdr mh;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	n = recvmsg(sock, &mh, MSG_DONTWAIT);
	*truncated = (mh.msg_flags & MSG_TRUNC) != 0;
	return n;
}

/*
 * Sends a message of type (a reply, or ENDED), with fds if there are any,
 * without waiting: an application that leaves its replies unread gets no
 * more.  Returns 0, or -1 if the socket could not take it whole.
 */
static int
xdp_helper_send(int sock, enum xdp_protocol_type type,
    const struct xdp_protocol_reply *reply, const int *fds, int nr_fds)
{
	union {
		char buf[CMSG_SPACE(XDP_PROTOCOL_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct xdp_protocol_header hdr = {
		.version = XDP_PROTOCOL_VERSION,
		.type = (__u8)type,
		.length = sizeof(*reply),
	};
	struct iovec iov[2] = {
		{ &hdr, sizeof(hdr) },
		{ (void *)reply, sizeof(*reply) },
	};
	struct msghdr msg;
	struct cmsghdr *cmsg;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
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
	return sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) ==
	    (ssize_t)(sizeof(hdr) + sizeof(*reply)) ? 0 : -1;
}

static int
xdp_helper_reply(int sock, const struct xdp_protocol_reply *reply)
{
	return xdp_helper_send(sock, XDP_PROTOCOL_REPLY, reply, NULL, 0);
}

/*
 * Creates the capture's rings, joins the chain, and answers with the
 * counters and the rings.  The rings stay open here for as long as the
 * capture: the kernel empties a PERF_EVENT_ARRAY of the events a file put
 * in it when that file closes.  Returns 0, or -1 if the capture could not
 * be made or its reply sent.
 */
static int
xdp_helper_join(int sock, const struct xdp_protocol_join *join,
    struct xdp_chain_member *member, struct xdp_transport *rings)
{
	struct xdp_protocol_reply reply;
	struct xdp_chain_capture cap;
	int fds[XDP_PROTOCOL_MAX_FDS], nr_fds;

	memset(&reply, 0, sizeof(reply));
	reply.status = xdp_transport_create(rings, join->transport,
	    (size_t)join->buffer_size, join->snaplen, (int)join->immediate,
	    reply.message, sizeof(reply.message));
	if (reply.status != 0)
		goto fail;
	cap.ifindex = join->ifindex;
	cap.snaplen = join->snaplen;
	cap.out = rings->out;
	reply.status = xdp_chain_join(&cap, member, reply.message,
	    sizeof(reply.message));
	if (reply.status != 0) {
		xdp_transport_close(rings);
		goto fail;
	}
	reply.nr_rings = (__u32)rings->nr_rings;
	reply.ring_size = rings->out.ring_size;
	reply.transport = rings->out.kind;
	fds[0] = rings->out.counts_fd;
	memcpy(fds + 1, rings->ring_fd, (size_t)rings->nr_rings * sizeof(int));
	nr_fds = 1 + rings->nr_rings;
	if (rings->out.doorbell_fd >= 0)
		fds[nr_fds++] = rings->out.doorbell_fd;
	return xdp_helper_send(sock, XDP_PROTOCOL_REPLY, &reply, fds, nr_fds);
fail:
	(void)xdp_helper_reply(sock, &reply);
	return -1;
}

static double
xdp_helper_clock(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What the capture has to spend now, in ms: earned since last time. */
static double
xdp_helper_budget_left(struct xdp_helper_budget *b)
{
	double now = xdp_helper_clock(CLOCK_MONOTONIC);

	if (b->at == 0)
		b->left_ms = XDP_HELPER_LOAD_BUDGET_MS;
	else
		b->left_ms += (now - b->at) * XDP_HELPER_LOAD_EARN_MS;
	if (b->left_ms > XDP_HELPER_LOAD_BUDGET_MS)
		b->left_ms = XDP_HELPER_LOAD_BUDGET_MS;
	b->at = now;
	return b->left_ms;
}

/*
 * Puts a dump program with the filter in the capture's slot, paying the
 * CPU time its loading takes (the verifier's, in this thread) from the
 * budget.  Returns 0, or a negative errno with the reason in why.
 */
static int
xdp_helper_load_filter(struct xdp_chain_member *member,
    const struct xdp_request *req, __u32 gen, struct xdp_helper_budget *b,
    char *why, size_t whylen)
{
	double cpu;
	int ret;

	if (xdp_helper_budget_left(b) <= 0) {
		snprintf(why, whylen, "the verifier spent its time for this "
		    "capture's filters; it earns %.0f ms a second",
		    XDP_HELPER_LOAD_EARN_MS);
		return -EBUSY;
	}
	cpu = xdp_helper_clock(CLOCK_THREAD_CPUTIME_ID);
	ret = xdp_chain_set_filter(member, req->filter, req->filter_len, gen,
	    why, whylen);
	b->left_ms -= (xdp_helper_clock(CLOCK_THREAD_CPUTIME_ID) - cpu) * 1000;
	return ret;
}

/*
 * Swaps in a dump program that runs the filter.  If the filter can't run in
 * the kernel, the reply says why, and a program that passes every frame
 * on, for userspace to filter, goes in instead.
 */
static int
xdp_helper_set_filter(int sock, const struct xdp_request *req,
    struct xdp_chain_member *member, struct xdp_helper_budget *budget)
{
	static __u32 last_gen = XDP_CAPTURE_GEN_NONE;
	struct xdp_protocol_reply reply;
	char why[XDP_PROTOCOL_MESSAGE_LEN / 2];
	size_t len;

	memset(&reply, 0, sizeof(reply));
	if (req->filter == NULL) {	/* no filter in the kernel */
		reply.status = xdp_chain_set_filter(member, NULL, 0,
		    XDP_CAPTURE_GEN_NONE, reply.message, sizeof(reply.message));
		return xdp_helper_reply(sock, &reply);
	}
	if (++last_gen == XDP_CAPTURE_GEN_NONE)
		++last_gen;
	if (xdp_helper_load_filter(member, req, last_gen, budget, why,
	    sizeof(why)) == 0) {
		reply.filter_gen = last_gen;
		return xdp_helper_reply(sock, &reply);
	}
	snprintf(reply.message, sizeof(reply.message), "the filter runs in "
	    "userspace: %s", why);
	if (xdp_chain_set_filter(member, NULL, 0, XDP_CAPTURE_GEN_NONE, why,
	    sizeof(why)) != 0) {
		len = strlen(reply.message);
		snprintf(reply.message + len, sizeof(reply.message) - len,
		    "; frames the old filter rejects are lost: %s", why);
	}
	return xdp_helper_reply(sock, &reply);
}

/*
 * Waits for the next request; while the capture runs, checks every
 * XDP_HELPER_CHECK_MS that the world it joined is still there.  Returns
 * the request's size, 0 on hang-up, -1 on error or SIGTERM, or -2 with
 * why filled in when the capture must end.
 */
static ssize_t
xdp_helper_next_request(int sock, union xdp_helper_message *msg,
    int *truncated, const struct xdp_chain_member *member,
    struct xdp_protocol_reply *why)
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
			return xdp_helper_receive(sock, msg, truncated);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n == 0) {
			memset(why, 0, sizeof(*why));
			why->status = xdp_chain_check(member, why->message,
			    sizeof(why->message));
			if (why->status != 0)
				return -2;
		}
	}
}

/*
 * Answers one request; returns 0 to go on serving, 1 when asked to leave,
 * or -1 when the capture ends: it could not be made, or a reply could not
 * be sent.
 */
static int
xdp_helper_answer(int sock, const union xdp_helper_message *msg, size_t len,
    int truncated, struct xdp_chain_member *member,
    struct xdp_transport *rings, struct xdp_helper_budget *budget)
{
	struct xdp_protocol_reply reply;
	struct xdp_request req;

	memset(&reply, 0, sizeof(reply));
	reply.status = xdp_request_parse(msg->buf, len, truncated, &req,
	    reply.message, sizeof(reply.message));
	if (reply.status == 0 && req.type == XDP_PROTOCOL_LEAVE)
		return 1;
	if (reply.status == 0 && req.type == XDP_PROTOCOL_JOIN &&
	    member->dump.slot == 0)
		return xdp_helper_join(sock, &req.join, member, rings);
	if (reply.status == 0 && req.type == XDP_PROTOCOL_SETFILTER &&
	    member->dump.slot != 0)
		return xdp_helper_set_filter(sock, &req, member, budget);
	if (reply.status == 0) {
		reply.status = -EPROTO;
		snprintf(reply.message, sizeof(reply.message), "Bad request "
		    "to the XDP capture helper: type %d out of turn", req.type);
	}
	return xdp_helper_reply(sock, &reply);
}

static int
xdp_helper_serve(int sock)
{
	static union xdp_helper_message msg;
	struct xdp_helper_budget budget = { 0, 0 };
	struct xdp_chain_member member;
	struct xdp_transport rings;
	struct xdp_protocol_reply reply;
	ssize_t n;
	int truncated, status = -1;

	xdp_chain_member_init(&member);
	for (;;) {
		n = xdp_helper_next_request(sock, &msg, &truncated, &member,
		    &reply);
		if (n == -2) {
			/* The capture can see nothing more: say why, go. */
			status = xdp_chain_leave(&member, NULL, 0);
			(void)xdp_helper_send(sock, XDP_PROTOCOL_ENDED, &reply,
			    NULL, 0);
			return status == 0 ? 0 : 1;
		}
		if (n < 0 && (errno == EINTR || errno == EAGAIN) &&
		    !xdp_helper_terminate)
			continue;
		if (n > 0)
			status = xdp_helper_answer(sock, &msg, (size_t)n,
			    truncated, &member, &rings, &budget);
		if (n <= 0 || status != 0) {
			/* Asked to, hung up on, terminated, or failed: leave. */
			memset(&reply, 0, sizeof(reply));
			reply.status = xdp_chain_leave(&member, reply.message,
			    sizeof(reply.message));
			if (n > 0 && status == 1)
				(void)xdp_helper_reply(sock, &reply);
			return reply.status == 0 ? 0 : 1;
		}
	}
}

static int
xdp_helper_cleanup(int argc, char **argv)
{
	char errbuf[XDP_PROTOCOL_MESSAGE_LEN];
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
		if (ret == -EPERM || ret == -EACCES)
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
		return xdp_helper_serve(XDP_PROTOCOL_FD);
	}
	if (argc >= 3 && strcmp(argv[1], "--cleanup") == 0)
		return xdp_helper_cleanup(argc - 2, argv + 2);
	xdp_helper_usage();
	return 2;
}
