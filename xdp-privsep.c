/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The application's side of privilege separation: starts pcap-xdp-helper
 * while the application still has its privileges, and talks to it over a
 * socketpair (see xdp-privsep.h).
 */
#define _GNU_SOURCE	/* dladdr() */

#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "pcap-int.h"
#include "xdp-chain.h"
#include "xdp-privsep.h"

#ifndef PCAP_XDP_HELPER_PATH
#define PCAP_XDP_HELPER_PATH	"/usr/local/libexec/pcap-xdp-helper"
#endif
#define XDP_PRIVSEP_HELPER_NAME	"pcap-xdp-helper"

/*
 * The helper installed with this library: next to the library itself when
 * it runs from its build tree (LD_LIBRARY_PATH), else where "make install"
 * put it.
 */
static int
xdp_privsep_helper_path(char *path, size_t len)
{
	Dl_info info;
	const char *slash;

	if (dladdr((void *)xdp_privsep_helper_path, &info) != 0 &&
	    info.dli_fname != NULL &&
	    (slash = strrchr(info.dli_fname, '/')) != NULL) {
		snprintf(path, len, "%.*s/%s", (int)(slash - info.dli_fname),
		    info.dli_fname, XDP_PRIVSEP_HELPER_NAME);
		if (access(path, X_OK) == 0)
			return 0;
	}
	pcap_strlcpy(path, PCAP_XDP_HELPER_PATH, len);
	return access(path, X_OK);
}

/*
 * In the grandchild: a new session (the terminal's ^C is not the helper's),
 * the socket as fd 3, /dev/null for stdio (a pipe the application writes to
 * must not stay open after it), no other fd and no environment.
 */
static void
xdp_privsep_exec_helper(const char *path, int sock)
{
	char *argv[] = { (char *)XDP_PRIVSEP_HELPER_NAME, (char *)"--serve",
	    NULL };
	char *envp[] = { NULL };
	sigset_t none;
	int null_fd;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	null_fd = open("/dev/null", O_RDWR);
	if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(null_fd, 1) < 0 ||
	    dup2(null_fd, 2) < 0 || dup2(sock, XDP_PRIVSEP_FD) < 0)
		_exit(127);
	syscall(SYS_close_range, XDP_PRIVSEP_FD + 1, ~0U, 0);
	execve(path, argv, envp);
	_exit(127);
}

static int
xdp_privsep_spawn(struct xdp_privsep *ps, char *errbuf)
{
	char path[PATH_MAX];
	int sv[2], status;
	pid_t pid;

	if (xdp_privsep_helper_path(path, sizeof(path)) != 0) {
		pcap_fmt_errmsg_for_errno(errbuf, PCAP_ERRBUF_SIZE, errno,
		    "Can't run the XDP capture helper %s", path);
		return PCAP_ERROR;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		pcap_fmt_errmsg_for_errno(errbuf, PCAP_ERRBUF_SIZE, errno,
		    "socketpair");
		return PCAP_ERROR;
	}
	pid = fork();
	if (pid == 0) {
		/*
		 * The helper is a grandchild, reparented at once, so that the
		 * application never has a child of ours to reap.
		 */
		if (fork() == 0)
			xdp_privsep_exec_helper(path, sv[1]);
		_exit(0);
	}
	close(sv[1]);
	if (pid < 0) {
		pcap_fmt_errmsg_for_errno(errbuf, PCAP_ERRBUF_SIZE, errno,
		    "fork");
		close(sv[0]);
		return PCAP_ERROR;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	ps->sock = sv[0];
	return 0;
}

static int
xdp_privsep_send(struct xdp_privsep *ps, const struct xdp_privsep_request *req,
    const int *fds, int nr_fds)
{
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { (void *)req, sizeof(*req) };
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
	while (sendmsg(ps->sock, &msg, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

/* Returns 0, or -1 with errno set (0 if the helper hung up). */
static int
xdp_privsep_receive(struct xdp_privsep *ps, struct xdp_privsep_reply *reply)
{
	ssize_t n;

	do
		n = recv(ps->sock, reply, sizeof(*reply), 0);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(*reply)) {
		reply->errmsg[sizeof(reply->errmsg) - 1] = '\0';
		return 0;
	}
	if (n >= 0)
		errno = 0;
	return -1;
}

static int
xdp_privsep_pcap_status(int status)
{
	switch (status) {

	case XDP_CHAIN_NO_SUCH_DEVICE:
		return PCAP_ERROR_NO_SUCH_DEVICE;

	case XDP_CHAIN_PERM_DENIED:
		return PCAP_ERROR_PERM_DENIED;

	default:
		return PCAP_ERROR;
	}
}

static int
xdp_privsep_transact(struct xdp_privsep *ps,
    const struct xdp_privsep_request *req, const int *fds, int nr_fds,
    struct xdp_privsep_reply *reply, char *errbuf)
{
	if (xdp_privsep_send(ps, req, fds, nr_fds) != 0 ||
	    xdp_privsep_receive(ps, reply) != 0) {
		if (errno == 0)
			snprintf(errbuf, PCAP_ERRBUF_SIZE,
			    "The XDP capture helper exited unexpectedly");
		else
			pcap_fmt_errmsg_for_errno(errbuf, PCAP_ERRBUF_SIZE,
			    errno, "Can't talk to the XDP capture helper");
		return PCAP_ERROR;
	}
	if (reply->status != XDP_CHAIN_OK) {
		pcap_strlcpy(errbuf, reply->errmsg, PCAP_ERRBUF_SIZE);
		return xdp_privsep_pcap_status(reply->status);
	}
	return 0;
}

static void
xdp_privsep_close(struct xdp_privsep *ps)
{
	if (ps->sock >= 0)
		close(ps->sock);
	ps->sock = -1;
}

int
xdp_privsep_join(struct xdp_privsep *ps, int ifindex, __u32 snaplen,
    int rings_fd, int counts_fd, struct xdp_privsep_reply *reply,
    char *errbuf)
{
	struct xdp_privsep_request req;
	int fds[2] = { rings_fd, counts_fd };
	int ret;

	ret = xdp_privsep_spawn(ps, errbuf);
	if (ret != 0)
		return ret;
	memset(&req, 0, sizeof(req));
	req.op = XDP_PRIVSEP_JOIN;
	req.ifindex = ifindex;
	req.snaplen = snaplen;
	ret = xdp_privsep_transact(ps, &req, fds, 2, reply, errbuf);
	/* A helper that failed to join has exited; it has nothing to undo. */
	if (ret != 0)
		xdp_privsep_close(ps);
	return ret;
}

int
xdp_privsep_leave(struct xdp_privsep *ps, char *errbuf)
{
	struct xdp_privsep_request req;
	struct xdp_privsep_reply reply;
	int ret;

	if (ps->sock < 0)
		return 0;
	memset(&req, 0, sizeof(req));
	req.op = XDP_PRIVSEP_LEAVE;
	ret = xdp_privsep_transact(ps, &req, NULL, 0, &reply, errbuf);
	xdp_privsep_close(ps);
	return ret;
}
