/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcap-xdp-helper: the privileged half of an xdp: capture (xdp-privsep.h).
 *
 *   pcap-xdp-helper --serve
 *	started by libpcap in pcap_activate() with its socket as fd 3: joins
 *	the capture to the interface's XDP chain, and leaves when asked, when
 *	the application closes the socket or dies, or on SIGTERM.
 *
 *   pcap-xdp-helper --cleanup IFNAME...
 *	removes what killed captures left on the interfaces (captures do this
 *	themselves when they next join), and restores the original program
 *	when no live capture remains.
 */
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
#include <sys/socket.h>
#include <sys/uio.h>

#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdp-chain.h"
#include "xdp-privsep.h"

#define XDP_HELPER_MAX_SNAPLEN	262144

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

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	/* No SA_RESTART: SIGTERM interrupts the wait for the next request. */
	sa.sa_handler = xdp_helper_on_term;
	sigaction(SIGTERM, &sa, NULL);
}

/* Returns the request's size, 0 on hang-up, -1 on error (errno). */
static ssize_t
xdp_helper_receive(int sock, struct xdp_privsep_request *req, int *fds,
    int *nr_fds)
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { req, sizeof(*req) };
	struct msghdr msg;
	struct cmsghdr *cmsg;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control.buf;
	msg.msg_controllen = sizeof(control.buf);
	*nr_fds = 0;
	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return n;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		*nr_fds = (int)((cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		if (*nr_fds > 2)
			*nr_fds = 2;
		memcpy(fds, CMSG_DATA(cmsg), (size_t)*nr_fds * sizeof(int));
	}
	return n;
}

static void
xdp_helper_reply(int sock, struct xdp_privsep_reply *reply)
{
	(void)send(sock, reply, sizeof(*reply), MSG_NOSIGNAL);
}

static int
xdp_helper_is_map(int fd, __u32 type, __u32 value_size)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
	    info.type == type && info.key_size == sizeof(__u32) &&
	    info.value_size == value_size;
}

/* Checks a join request; the application is not trusted. */
static int
xdp_helper_check_join(const struct xdp_privsep_request *req, const int *fds,
    int nr_fds, char *errbuf, size_t errlen)
{
	if (nr_fds != 2 ||
	    !xdp_helper_is_map(fds[0], BPF_MAP_TYPE_PERF_EVENT_ARRAY,
	    sizeof(__u32)) ||
	    !xdp_helper_is_map(fds[1], BPF_MAP_TYPE_PERCPU_ARRAY,
	    sizeof(__u64))) {
		snprintf(errbuf, errlen, "Bad request to the XDP capture "
		    "helper: the capture's maps are missing");
		return XDP_CHAIN_ERROR;
	}
	if (req->ifindex <= 0 || req->snaplen == 0 ||
	    req->snaplen > XDP_HELPER_MAX_SNAPLEN) {
		snprintf(errbuf, errlen, "Bad request to the XDP capture "
		    "helper: interface %d, snapshot length %u", req->ifindex,
		    req->snaplen);
		return XDP_CHAIN_ERROR;
	}
	return 0;
}

static int
xdp_helper_join(const struct xdp_privsep_request *req, const int *fds,
    int nr_fds, struct xdp_chain_member *member,
    struct xdp_privsep_reply *reply)
{
	struct xdp_chain_capture cap;

	reply->status = xdp_helper_check_join(req, fds, nr_fds,
	    reply->errmsg, sizeof(reply->errmsg));
	if (reply->status != 0)
		return reply->status;
	cap.ifindex = req->ifindex;
	cap.snaplen = req->snaplen;
	cap.rings_fd = fds[0];
	cap.counts_fd = fds[1];
	reply->status = xdp_chain_join(&cap, member, reply->errmsg,
	    sizeof(reply->errmsg));
	reply->orig_id = member->orig_id;
	reply->dump_id = member->dump_id;
	return reply->status;
}

static int
xdp_helper_serve(int sock)
{
	struct xdp_chain_member member;
	struct xdp_privsep_request req;
	struct xdp_privsep_reply reply;
	int fds[2], nr_fds, i;
	ssize_t n;

	xdp_chain_member_init(&member);
	for (;;) {
		n = xdp_helper_receive(sock, &req, fds, &nr_fds);
		if (n < 0 && errno == EINTR && !xdp_helper_terminate)
			continue;
		memset(&reply, 0, sizeof(reply));
		if (n != (ssize_t)sizeof(req) || req.op == XDP_PRIVSEP_LEAVE) {
			/* Asked to, hung up on, or terminated: leave. */
			reply.status = xdp_chain_leave(&member, reply.errmsg,
			    sizeof(reply.errmsg));
			if (n > 0)
				xdp_helper_reply(sock, &reply);
			return reply.status == 0 ? 0 : 1;
		}
		if (req.op == XDP_PRIVSEP_JOIN && member.slot == 0)
			xdp_helper_join(&req, fds, nr_fds, &member, &reply);
		else {
			reply.status = XDP_CHAIN_ERROR;
			snprintf(reply.errmsg, sizeof(reply.errmsg),
			    "Bad request to the XDP capture helper");
		}
		/* The dump program holds the maps it needs. */
		for (i = 0; i < nr_fds; i++)
			close(fds[i]);
		xdp_helper_reply(sock, &reply);
		if (member.slot == 0)
			return 1;
	}
}

static int
xdp_helper_cleanup(int argc, char **argv)
{
	char errbuf[XDP_PRIVSEP_ERRLEN];
	unsigned int ifindex;
	int i, status = 0;

	for (i = 0; i < argc; i++) {
		ifindex = if_nametoindex(argv[i]);
		if (ifindex == 0) {
			fprintf(stderr, "pcap-xdp-helper: %s: %s\n", argv[i],
			    strerror(errno));
			status = 1;
			continue;
		}
		if (xdp_chain_cleanup((int)ifindex, errbuf,
		    sizeof(errbuf)) != 0) {
			fprintf(stderr, "pcap-xdp-helper: %s: %s\n", argv[i],
			    errbuf);
			status = 1;
		}
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
