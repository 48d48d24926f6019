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
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <linux/capability.h>

#include "pcap-int.h"
#include "xdp-privsep.h"
#include "xdp_capture.h"

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
 * An application that is not root but holds capabilities (say, dumpcap
 * installed with file capabilities) loses them on execve() unless they are
 * ambient; root gets them back anyway.
 */
static void
xdp_privsep_pass_capabilities(void)
{
	static const int caps[] = {
		CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_NET_RAW, CAP_SYS_ADMIN,
		CAP_DAC_OVERRIDE
	};
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2];
	size_t i;

	memset(&hdr, 0, sizeof(hdr));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capget, &hdr, data) != 0)
		return;
	data[0].inheritable = data[0].permitted;
	data[1].inheritable = data[1].permitted;
	if (syscall(SYS_capset, &hdr, data) != 0)
		return;
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, caps[i], 0, 0);
}

/* Why the helper did not start, as its grandparent's child tells it. */
struct xdp_privsep_failure {
	const char *step;	/* a string literal, the same in every process */
	int	err;
};

/*
 * Tells the application, through the pipe fd, which step failed and why,
 * and exits.
 */
static void
xdp_privsep_child_fail(int fd, const char *step)
{
	struct xdp_privsep_failure f = { step, errno };

	/* A report that can't be written leaves the parent the exit status. */
	while (write(fd, &f, sizeof(f)) < 0 && errno == EINTR)
		continue;
	_exit(127);
}

/*
 * In the grandchild: a new session (the terminal's ^C is not the helper's),
 * the socket as fd 3, the read end of an empty pipe for stdin and stdout (a
 * pipe the application writes its output to must not stay open after it;
 * /dev/null may not exist), the application's stderr (the helper writes
 * nothing there), no other fd and no environment.  A step that fails is
 * told through fail_fd, which the exec closes.
 */
static void
xdp_privsep_exec_helper(const char *path, int sock, int fail_fd)
{
	char *argv[] = { (char *)XDP_PRIVSEP_HELPER_NAME, (char *)"--serve",
	    NULL };
	char *envp[] = { NULL };
	const int first_free = XDP_PROTOCOL_FD + 2;
	sigset_t none;
	int empty[2], fd;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	/* Out of the way of stdio, 3 and 4, for an application without stdio. */
	fail_fd = fcntl(fail_fd, F_DUPFD_CLOEXEC, first_free);
	if (fail_fd < 0)
		_exit(127);
	sock = fcntl(sock, F_DUPFD, first_free);
	if (sock < 0)
		xdp_privsep_child_fail(fail_fd, "dup");
	if (pipe(empty) != 0)
		xdp_privsep_child_fail(fail_fd, "pipe");
	close(empty[1]);
	if (dup2(empty[0], 0) < 0 || dup2(empty[0], 1) < 0 ||
	    (fcntl(2, F_GETFD) < 0 && dup2(empty[0], 2) < 0) ||
	    dup2(sock, XDP_PROTOCOL_FD) < 0 ||
	    dup3(fail_fd, XDP_PROTOCOL_FD + 1, O_CLOEXEC) < 0)
		xdp_privsep_child_fail(fail_fd, "dup2");
	fail_fd = XDP_PROTOCOL_FD + 1;
	if (syscall(SYS_close_range, first_free, ~0U, 0) != 0)
		for (fd = first_free; fd < sysconf(_SC_OPEN_MAX); fd++)
			close(fd);
	xdp_privsep_pass_capabilities();
	execve(path, argv, envp);
	xdp_privsep_child_fail(fail_fd, "exec");
}

/*
 * Waits for the helper's exec: the pipe closes, or says what failed.
 * Returns 0, or PCAP_ERROR with the cause in errbuf.
 */
static int
xdp_privsep_wait_exec(int fail_fd, const char *path, char *errbuf)
{
	struct xdp_privsep_failure f;
	ssize_t n;

	do
		n = read(fail_fd, &f, sizeof(f));
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	if (n != (ssize_t)sizeof(f))
		f.step = "start", f.err = n < 0 ? errno : EPROTO;
	pcap_fmt_errmsg_for_errno(errbuf, PCAP_ERRBUF_SIZE, f.err,
	    "Can't start the XDP capture helper %s: %s", path, f.step);
	return PCAP_ERROR;
}

static int
xdp_privsep_spawn(struct xdp_privsep *ps, char *errbuf)
{
	char path[PATH_MAX];
	int sv[2], fail[2], status, ret;
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
	if (pipe2(fail, O_CLOEXEC) != 0) {
		pcap_fmt_errmsg_for_errno(errbuf, PCAP_ERRBUF_SIZE, errno,
		    "pipe");
		close(sv[0]);
		close(sv[1]);
		return PCAP_ERROR;
	}
	pid = fork();
	if (pid == 0) {
		/*
		 * The helper is a grandchild, reparented at once, so that the
		 * application never has a child of ours to reap.
		 */
		close(fail[0]);
		pid = fork();
		if (pid == 0)
			xdp_privsep_exec_helper(path, sv[1], fail[1]);
		if (pid < 0)
			xdp_privsep_child_fail(fail[1], "fork");
		_exit(0);
	}
	close(sv[1]);
	close(fail[1]);
	if (pid < 0) {
		pcap_fmt_errmsg_for_errno(errbuf, PCAP_ERRBUF_SIZE, errno,
		    "fork");
		close(sv[0]);
		close(fail[0]);
		return PCAP_ERROR;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	ret = xdp_privsep_wait_exec(fail[0], path, errbuf);
	close(fail[0]);
	if (ret != 0) {
		close(sv[0]);
		return ret;
	}
	ps->sock = sv[0];
	return 0;
}

/* A request: its header, and the body that follows. */
static int
xdp_privsep_send(struct xdp_privsep *ps, enum xdp_protocol_type type,
    const void *body, size_t len)
{
	struct xdp_protocol_header hdr = {
		.version = XDP_PROTOCOL_VERSION,
		.type = (__u8)type,
		.length = (__u32)len,
	};
	struct iovec iov[2] = {
		{ &hdr, sizeof(hdr) },
		{ (void *)body, len },
	};
	struct msghdr msg;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = len > 0 ? 2 : 1;
	while (sendmsg(ps->sock, &msg, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

static void
xdp_privsep_close_fds(const int *fds, int nr_fds)
{
	int i;

	for (i = 0; i < nr_fds; i++)
		close(fds[i]);
}

/*
 * Receives a message from the helper, a reply or ENDED in *type, with the
 * fds that come with it, at most XDP_PROTOCOL_MAX_FDS, into fds.  Returns
 * the number of fds, or -1 with errno set (0 if the helper hung up) and no
 * fd open.
 */
static int
xdp_privsep_receive(struct xdp_privsep *ps, int *type,
    struct xdp_protocol_reply *reply, int *fds)
{
	union {
		char buf[CMSG_SPACE(XDP_PROTOCOL_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct xdp_protocol_header hdr;
	struct iovec iov[2] = {
		{ &hdr, sizeof(hdr) },
		{ reply, sizeof(*reply) },
	};
	struct msghdr msg;
	struct cmsghdr *cmsg;
	int nr_fds = 0, n_cmsg;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
	msg.msg_control = control.buf;
	msg.msg_controllen = sizeof(control.buf);
	do
		n = recvmsg(ps->sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		n_cmsg = (int)((cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		if (n_cmsg > XDP_PROTOCOL_MAX_FDS - nr_fds)
			n_cmsg = XDP_PROTOCOL_MAX_FDS - nr_fds;
		memcpy(fds + nr_fds, CMSG_DATA(cmsg),
		    (size_t)n_cmsg * sizeof(int));
		nr_fds += n_cmsg;
	}
	if (n != (ssize_t)(sizeof(hdr) + sizeof(*reply)) ||
	    (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) ||
	    hdr.version != XDP_PROTOCOL_VERSION ||
	    hdr.length != sizeof(*reply) || (hdr.type != XDP_PROTOCOL_REPLY &&
	    hdr.type != XDP_PROTOCOL_ENDED)) {
		xdp_privsep_close_fds(fds, nr_fds);
		errno = n == 0 ? 0 : EPROTO;
		return -1;
	}
	*type = hdr.type;
	reply->message[sizeof(reply->message) - 1] = '\0';
	return nr_fds;
}

/* The helper answers with a negative errno, which says what failed. */
static int
xdp_privsep_pcap_status(int status)
{
	switch (-status) {

	case ENODEV:
		return PCAP_ERROR_NO_SUCH_DEVICE;

	case EPERM:
	case EACCES:
		return PCAP_ERROR_PERM_DENIED;

	default:
		return PCAP_ERROR;
	}
}

/* The helper ended the capture: it has left, and is gone. */
static void
xdp_privsep_note_end(struct xdp_privsep *ps,
    const struct xdp_protocol_reply *reply)
{
	ps->ended = 1;
	pcap_strlcpy(ps->why, reply->message, sizeof(ps->why));
}

/*
 * Sends a request and waits for its reply.  Returns the number of fds
 * received into fds (the caller's to close), or a PCAP_ERROR_* code with a
 * message in errbuf and no fd open.
 */
static int
xdp_privsep_transact(struct xdp_privsep *ps, enum xdp_protocol_type type,
    const void *body, size_t len, struct xdp_protocol_reply *reply, int *fds,
    char *errbuf)
{
	int nr_fds, reply_type;

	if (xdp_privsep_send(ps, type, body, len) != 0 ||
	    (nr_fds = xdp_privsep_receive(ps, &reply_type, reply, fds)) < 0) {
		if (errno == 0)
			snprintf(errbuf, PCAP_ERRBUF_SIZE,
			    "The XDP capture helper exited unexpectedly");
		else
			pcap_fmt_errmsg_for_errno(errbuf, PCAP_ERRBUF_SIZE,
			    errno, "Can't talk to the XDP capture helper");
		return PCAP_ERROR;
	}
	if (reply_type == XDP_PROTOCOL_ENDED) {
		/* It ended the capture before it read the request. */
		xdp_privsep_note_end(ps, reply);
		xdp_privsep_close_fds(fds, nr_fds);
		pcap_strlcpy(errbuf, reply->message, PCAP_ERRBUF_SIZE);
		return PCAP_ERROR;
	}
	if (reply->status != 0) {
		xdp_privsep_close_fds(fds, nr_fds);
		pcap_strlcpy(errbuf, reply->message, PCAP_ERRBUF_SIZE);
		return xdp_privsep_pcap_status(reply->status);
	}
	return nr_fds;
}

static void
xdp_privsep_close(struct xdp_privsep *ps)
{
	if (ps->sock >= 0)
		close(ps->sock);
	ps->sock = -1;
}

int
xdp_privsep_join(struct xdp_privsep *ps, const struct xdp_protocol_join *join,
    struct xdp_protocol_reply *reply, int *fds, char *errbuf)
{
	int ret;

	ret = xdp_privsep_spawn(ps, errbuf);
	if (ret != 0)
		return ret;
	ret = xdp_privsep_transact(ps, XDP_PROTOCOL_JOIN, join, sizeof(*join),
	    reply, fds, errbuf);
	if (ret >= 0 && (reply->nr_rings == 0 ||
	    reply->nr_rings >= XDP_PROTOCOL_MAX_FDS ||
	    reply->transport == XDP_CAPTURE_ANY_RING ||
	    reply->transport >= XDP_CAPTURE_NR_TRANSPORTS ||
	    (__u32)ret != 1 + reply->nr_rings +
	    (reply->transport == XDP_CAPTURE_OWN))) {
		xdp_privsep_close_fds(fds, ret);
		snprintf(errbuf, PCAP_ERRBUF_SIZE,
		    "The XDP capture helper sent %d fds for %u rings of "
		    "kind %u", ret, reply->nr_rings, reply->transport);
		ret = PCAP_ERROR;
	}
	if (ret < 0) {
		/* A helper that failed to join has exited: nothing to undo. */
		xdp_privsep_close(ps);
		return ret;
	}
	return 0;
}

int
xdp_privsep_set_filter(struct xdp_privsep *ps, const struct bpf_insn *filter,
    size_t filter_len, __u32 *filter_gen, char *errbuf)
{
	struct xdp_protocol_reply reply;
	int fds[XDP_PROTOCOL_MAX_FDS];
	int ret, too_long = filter_len > XDP_PROTOCOL_MAX_INSNS;

	/* Too long to send: the kernel must then pass every frame on. */
	ret = xdp_privsep_transact(ps, XDP_PROTOCOL_SETFILTER, filter,
	    too_long ? 0 : filter_len * XDP_PROTOCOL_INSN_SIZE, &reply, fds,
	    errbuf);
	if (ret < 0)
		return ret;
	xdp_privsep_close_fds(fds, ret);
	*filter_gen = too_long ? XDP_CAPTURE_GEN_NONE : reply.filter_gen;
	if (too_long)
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "A filter of %zu "
		    "instructions can't run in the kernel", filter_len);
	else if (*filter_gen == XDP_CAPTURE_GEN_NONE)
		pcap_strlcpy(errbuf, reply.message, PCAP_ERRBUF_SIZE);
	return 0;
}

int
xdp_privsep_ended(struct xdp_privsep *ps, char *errbuf)
{
	struct xdp_protocol_reply reply;
	int fds[XDP_PROTOCOL_MAX_FDS];
	int nr_fds, type;

	if (!ps->ended) {
		nr_fds = xdp_privsep_receive(ps, &type, &reply, fds);
		if (nr_fds >= 0) {
			xdp_privsep_close_fds(fds, nr_fds);
			if (type == XDP_PROTOCOL_ENDED)
				xdp_privsep_note_end(ps, &reply);
		}
	}
	if (ps->ended)
		pcap_strlcpy(errbuf, ps->why, PCAP_ERRBUF_SIZE);
	else
		snprintf(errbuf, PCAP_ERRBUF_SIZE,
		    "The XDP capture helper exited unexpectedly");
	return PCAP_ERROR;
}

int
xdp_privsep_leave(struct xdp_privsep *ps, char *errbuf)
{
	struct xdp_protocol_reply reply;
	int fds[XDP_PROTOCOL_MAX_FDS];
	int ret;

	if (ps->sock < 0)
		return 0;
	/* A helper that ended the capture has left already. */
	if (ps->ended) {
		xdp_privsep_close(ps);
		return 0;
	}
	ret = xdp_privsep_transact(ps, XDP_PROTOCOL_LEAVE, NULL, 0, &reply, fds,
	    errbuf);
	if (ret > 0)
		xdp_privsep_close_fds(fds, ret);
	xdp_privsep_close(ps);
	return ret < 0 ? ret : 0;
}
