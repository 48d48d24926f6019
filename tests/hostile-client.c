/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The attacks of the security review, for the tests: what a compromised
 * application, or another local user, can do to pcap-xdp-helper.
 *
 *   hostile-client squat NAME...
 *	binds the abstract unix socket names NAME (without the leading
 *	"@"), as any local user can, and holds them until SIGTERM
 *
 *   hostile-client HELPER IFNAME ATTACK
 *	starts HELPER as libpcap does, joins IFNAME's chain, drops to the
 *	user nobody, as tcpdump does, and talks the protocol
 *	(xdp-protocol.h) itself:
 *	sizes	 messages cut short, too long, of the wrong version or with
 *		 lengths that lie: each refused, the helper serving on
 *	ops	 types it must not take, or not now: the same
 *	loop	 a filter looping over 2900 loads: it runs in userspace
 *	counters writing and freezing the counters map: refused
 *	verifier filters that keep the verifier busy, one after another:
 *		 the root CPU they cost is bounded, later ones run in
 *		 userspace at once
 *	flood	 requests without reading one reply: the helper ends the
 *		 capture rather than wait; then this waits to be killed
 *	quiet	 a filter of 9 loops, which runs in userspace, then exit at
 *		 once: with this program's stderr a pipe nobody reads, the
 *		 helper must not block on it
 *	scribble writes garbage all over its own rings, mapped read-write
 *		 as libpcap maps them (positions, wake-up threshold, records,
 *		 the doorbell's consumer position), until SIGTERM: it may spoil
 *		 its own capture only
 *
 * Prints "ok: ..." and exits 0, or "FAIL: ..." and exits 1.
 */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <linux/filter.h>
#include <bpf/bpf.h>

#include "xdp-protocol.h"
#include "xdp_capture.h"

#define NOBODY	65534

static const char *attack;

static void
fail(const char *fmt, ...)
{
	va_list ap;

	printf("FAIL: %s: ", attack);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

static void
ignore(int sig)
{
	(void)sig;
}

static void
wait_for_sigterm(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ignore;
	sigaction(SIGTERM, &sa, NULL);
	pause();
}

static int
squat(int argc, char **argv)
{
	struct sockaddr_un sun;
	int i, fd, bound = 0;

	for (i = 0; i < argc; i++) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, "%s",
		    argv[i]);
		fd = socket(AF_UNIX, SOCK_DGRAM, 0);
		if (fd >= 0 && bind(fd, (struct sockaddr *)&sun,
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
		    strlen(argv[i]))) == 0)
			bound++;
	}
	printf("bound %d names\n", bound);
	fflush(stdout);
	wait_for_sigterm();
	return 0;
}

/* As xdp-privsep.c starts it: fd 3, no environment. */
static int
start_helper(const char *path)
{
	char *argv[] = { (char *)"pcap-xdp-helper", (char *)"--serve", NULL };
	char *envp[] = { NULL };
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) != 0)
		fail("socketpair: %s", strerror(errno));
	if (fork() == 0) {
		setsid();
		if (dup2(sv[1], XDP_PROTOCOL_FD) < 0)
			_exit(127);
		execve(path, argv, envp);
		_exit(127);
	}
	close(sv[1]);
	return sv[0];
}

/* Sends len raw bytes as one message. */
static int
send_raw(int sock, const void *buf, size_t len)
{
	return send(sock, buf, len, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

static int
send_msg(int sock, int type, const void *body, size_t len)
{
	struct xdp_protocol_header hdr = {
		.version = XDP_PROTOCOL_VERSION,
		.type = (__u8)type,
		.length = (__u32)len,
	};
	struct iovec iov[2] = { { &hdr, sizeof(hdr) }, { (void *)body, len } };
	struct msghdr msg;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = len > 0 ? 2 : 1;
	return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* Receives a reply, and its fds (at most nr_fds) if fds is not NULL. */
static void
receive(int sock, struct xdp_protocol_reply *reply, int *fds, int *nr_fds)
{
	union {
		char buf[CMSG_SPACE(XDP_PROTOCOL_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct xdp_protocol_header hdr;
	struct iovec iov[2] = { { &hdr, sizeof(hdr) },
	    { reply, sizeof(*reply) } };
	struct msghdr msg;
	struct cmsghdr *cmsg;
	ssize_t n;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
	msg.msg_control = control.buf;
	msg.msg_controllen = sizeof(control.buf);
	n = recvmsg(sock, &msg, 0);
	if (n != (ssize_t)(sizeof(hdr) + sizeof(*reply)) ||
	    hdr.type != XDP_PROTOCOL_REPLY)
		fail("no reply (%zd bytes, type %u)", n, hdr.type);
	reply->message[sizeof(reply->message) - 1] = '\0';
	cmsg = CMSG_FIRSTHDR(&msg);
	if (fds != NULL && cmsg != NULL && cmsg->cmsg_type == SCM_RIGHTS) {
		*nr_fds = (int)((cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		memcpy(fds, CMSG_DATA(cmsg), (size_t)*nr_fds * sizeof(int));
	}
}

/* What the join gave: the counters, the rings and any doorbell. */
static struct xdp_protocol_reply joined;
static int joined_fds[XDP_PROTOCOL_MAX_FDS], nr_joined_fds;

/* Joins the interface's chain; returns the counters map's fd. */
static int
join(int sock, const char *ifname)
{
	struct xdp_protocol_join j = { .snaplen = 262144 };

	j.ifindex = (__s32)if_nametoindex(ifname);
	if (send_msg(sock, XDP_PROTOCOL_JOIN, &j, sizeof(j)) != 0)
		fail("send: %s", strerror(errno));
	receive(sock, &joined, joined_fds, &nr_joined_fds);
	if (joined.status != 0 || nr_joined_fds < 2)
		fail("join: %s", joined.message);
	return joined_fds[0];
}

static void
drop_privileges(void)
{
	if (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 ||
	    setuid(NOBODY) != 0)
		fail("can't become nobody: %s", strerror(errno));
}

/* Expects the reply to what was just sent to refuse it, saying why. */
static void
expect_refusal(int sock, const char *what)
{
	struct xdp_protocol_reply reply;

	receive(sock, &reply, NULL, NULL);
	if (reply.status >= 0)
		fail("%s was taken", what);
	printf("ok: %s: %s\n", what, reply.message);
}

/* Whether the helper still serves: an empty filter is taken. */
static void
expect_serving(int sock)
{
	struct xdp_protocol_reply reply;

	if (send_msg(sock, XDP_PROTOCOL_SETFILTER, NULL, 0) != 0)
		fail("the helper is gone: %s", strerror(errno));
	receive(sock, &reply, NULL, NULL);
	if (reply.status != 0)
		fail("the helper refused an empty filter: %s", reply.message);
	printf("ok: %s: the helper still serves\n", attack);
}

static void
attack_sizes(int sock)
{
	static unsigned char big[XDP_PROTOCOL_MAX_MESSAGE + 100];
	struct xdp_protocol_header hdr = {
		.version = XDP_PROTOCOL_VERSION,
		.type = XDP_PROTOCOL_SETFILTER,
	};

	send_raw(sock, "abc", 3);
	expect_refusal(sock, "a message of 3 bytes");
	hdr.version = 9;
	send_raw(sock, &hdr, sizeof(hdr));
	expect_refusal(sock, "version 9");
	hdr.version = XDP_PROTOCOL_VERSION;
	hdr.length = 16;
	memcpy(big, &hdr, sizeof(hdr));
	send_raw(sock, big, sizeof(hdr) + 8);
	expect_refusal(sock, "a length that says 16 for 8");
	hdr.length = 12;
	memcpy(big, &hdr, sizeof(hdr));
	send_raw(sock, big, sizeof(hdr) + 12);
	expect_refusal(sock, "a filter of 12 bytes");
	/* A header that fits what the socket keeps of a longer message. */
	hdr.length = XDP_PROTOCOL_MAX_INSNS * XDP_PROTOCOL_INSN_SIZE;
	memcpy(big, &hdr, sizeof(hdr));
	send_raw(sock, big, sizeof(big));
	expect_refusal(sock, "a message longer than any request");
	expect_serving(sock);
}

static void
attack_ops(int sock)
{
	struct xdp_protocol_join j = { .ifindex = 1, .snaplen = 100 };
	struct xdp_protocol_reply reply;

	send_msg(sock, 0, NULL, 0);
	expect_refusal(sock, "type 0");
	send_msg(sock, 99, NULL, 0);
	expect_refusal(sock, "type 99");
	send_msg(sock, XDP_PROTOCOL_REPLY, &reply, sizeof(reply));
	expect_refusal(sock, "a reply sent to the helper");
	send_msg(sock, XDP_PROTOCOL_JOIN, &j, sizeof(j));
	expect_refusal(sock, "a second join");
	send_msg(sock, XDP_PROTOCOL_LEAVE, &j, sizeof(j));
	expect_refusal(sock, "a leave with a body");
	expect_serving(sock);
}

/* "again: 2900 loads; jump back to again", which never ends. */
static void
attack_loop(int sock)
{
	static struct sock_filter insns[2902];
	struct xdp_protocol_reply reply;
	int i;

	for (i = 0; i < 2900; i++)
		insns[i] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B |
		    BPF_ABS, 1);
	insns[2900] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 0);
	insns[2900].k = (__u32)-2901;
	insns[2901] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	if (send_msg(sock, XDP_PROTOCOL_SETFILTER, insns, sizeof(insns)) != 0)
		fail("send: %s", strerror(errno));
	receive(sock, &reply, NULL, NULL);
	if (reply.status != 0 || reply.filter_gen != XDP_CAPTURE_GEN_NONE ||
	    strstr(reply.message, "runs in userspace") == NULL)
		fail("the looping filter: status %d, generation %u: %s",
		    reply.status, reply.filter_gen, reply.message);
	printf("ok: loop: %s\n", reply.message);
}

/* Nine loops, one more than the kernel takes: "again: ld; exit?; ja". */
static void
attack_quiet(int sock)
{
	struct sock_filter insns[9 * 3 + 1];
	int i;

	for (i = 0; i < 9; i++) {
		insns[3 * i] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B |
		    BPF_ABS, 1);
		insns[3 * i + 1] = (struct sock_filter)BPF_JUMP(BPF_JMP |
		    BPF_JEQ | BPF_K, 0xff, 1, 0);
		insns[3 * i + 2] = (struct sock_filter)BPF_STMT(BPF_JMP |
		    BPF_JA, (__u32)-3);
	}
	insns[27] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	if (send_msg(sock, XDP_PROTOCOL_SETFILTER, insns, sizeof(insns)) != 0)
		fail("send: %s", strerror(errno));
	printf("ok: quiet: sent a filter of 9 loops, and leaving\n");
}

/*
 * A filter of 4000 instructions, each sixth a packet load, that takes the
 * verifier some milliseconds: "M[j] = frame[14 + j] ? 1 : 0", 670 times.
 */
static size_t
heavy_filter(struct sock_filter *insns)
{
	size_t n = 0;
	int j;

	for (j = 0; j < 670; j++) {
		insns[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B |
		    BPF_ABS, (__u32)(14 + j % 32));
		insns[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ |
		    BPF_K, 0, 2, 0);
		insns[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_IMM, 1);
		insns[n++] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 1);
		insns[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_IMM, 0);
		insns[n++] = (struct sock_filter)BPF_STMT(BPF_ST,
		    (__u32)(j % 16));
	}
	insns[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_A, 0);
	return n;
}

/*
 * The same heavy filter, again and again: the verifier's time for the
 * capture runs out, and the next one runs in userspace at once.
 */
static void
attack_verifier(int sock)
{
	static struct sock_filter insns[XDP_PROTOCOL_MAX_INSNS];
	struct xdp_protocol_reply reply;
	size_t n = heavy_filter(insns);
	int i;

	for (i = 0; i < 5000; i++) {
		if (send_msg(sock, XDP_PROTOCOL_SETFILTER, insns,
		    n * sizeof(insns[0])) != 0)
			fail("send: %s", strerror(errno));
		receive(sock, &reply, NULL, NULL);
		if (reply.filter_gen == XDP_CAPTURE_GEN_NONE)
			break;
	}
	if (i == 5000 || strstr(reply.message, "spent its time") == NULL)
		fail("after %d filters: %s", i, reply.message);
	printf("ok: verifier: %d filters loaded, then: %s\n", i,
	    reply.message);
}

static void
attack_counters(int counts_fd)
{
	__u64 values[1024];
	__u32 key = XDP_CAPTURE_SEEN;

	memset(values, 0, sizeof(values));
	if (bpf_map_update_elem(counts_fd, &key, values, BPF_ANY) == 0)
		fail("the counters could be written");
	if (errno != EPERM)
		fail("writing the counters: %s, not EPERM", strerror(errno));
	if (bpf_map_freeze(counts_fd) == 0)
		fail("the counters could be frozen");
	if (errno != EPERM)
		fail("freezing the counters: %s, not EPERM", strerror(errno));
	if (bpf_map_lookup_elem(counts_fd, &key, values) != 0)
		fail("the counters can't be read: %s", strerror(errno));
	printf("ok: counters: read-only (writing and freezing: EPERM)\n");
}

/* Requests, and never a reply read, until the helper hangs up. */
static void
attack_flood(int sock)
{
	int i;

	for (i = 0; i < 100000; i++)
		if (send_msg(sock, XDP_PROTOCOL_SETFILTER, NULL, 0) != 0)
			break;
	printf("ok: flood: the helper hung up after %d requests (%s)\n", i,
	    i < 100000 ? strerror(errno) : "it never did");
	fflush(stdout);
	wait_for_sigterm();
}

static volatile sig_atomic_t stop;

static void
on_sigterm(int sig)
{
	(void)sig;
	stop = 1;
}

/* Garbage, and now and then the values a writer may trip on. */
static __u64
garbage(__u64 *state)
{
	static const __u64 edges[] = { 0, 1, ~0ULL, 1ULL << 63, 0xfffffff8 };

	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	if ((*state >> 60) < 4)
		return edges[(*state >> 32) % 5];
	return *state;
}

static void
attack_scribble(void)
{
	size_t len = xdp_capture_element(joined.ring_size) *
	    (joined.ring_size / xdp_capture_chunk(joined.ring_size));
	size_t page = (size_t)sysconf(_SC_PAGESIZE), off;
	unsigned char *ring[XDP_PROTOCOL_MAX_FDS];
	__u64 *bell, state = 20261202, rounds = 0, *w;
	__u32 i;

	if (joined.transport != XDP_CAPTURE_OWN)
		fail("transport %u, not own rings", joined.transport);
	for (i = 0; i < joined.nr_rings; i++) {
		ring[i] = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
		    joined_fds[1 + i], 0);
		if (ring[i] == MAP_FAILED)
			fail("mmap: %s", strerror(errno));
	}
	bell = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED,
	    joined_fds[1 + joined.nr_rings], 0);
	if (bell == MAP_FAILED)
		fail("mmap the doorbell: %s", strerror(errno));
	signal(SIGTERM, on_sigterm);
	printf("scribbling over %u rings of %zu bytes\n", joined.nr_rings,
	    len);
	fflush(stdout);
	while (!stop) {
		for (i = 0; i < joined.nr_rings; i++) {
			w = (__u64 *)ring[i];
			w[garbage(&state) % 3 * 8] = garbage(&state);
			off = (size_t)(garbage(&state) % (len / 8)) * 8;
			*(__u64 *)(ring[i] + off) = garbage(&state);
		}
		*bell = garbage(&state);
		rounds++;
	}
	printf("ok: scribble: %llu rounds over the rings\n",
	    (unsigned long long)rounds);
}

int
main(int argc, char **argv)
{
	int sock, counts_fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 3 && strcmp(argv[1], "squat") == 0) {
		attack = "squat";
		return squat(argc - 2, argv + 2);
	}
	if (argc != 4) {
		fprintf(stderr, "usage: hostile-client squat NAME...\n"
		    "       hostile-client HELPER IFNAME ATTACK\n");
		return 2;
	}
	attack = argv[3];
	sock = start_helper(argv[1]);
	counts_fd = join(sock, argv[2]);
	drop_privileges();
	if (strcmp(attack, "sizes") == 0)
		attack_sizes(sock);
	else if (strcmp(attack, "ops") == 0)
		attack_ops(sock);
	else if (strcmp(attack, "loop") == 0)
		attack_loop(sock);
	else if (strcmp(attack, "counters") == 0)
		attack_counters(counts_fd);
	else if (strcmp(attack, "verifier") == 0)
		attack_verifier(sock);
	else if (strcmp(attack, "flood") == 0)
		attack_flood(sock);
	else if (strcmp(attack, "quiet") == 0)
		attack_quiet(sock);
	else if (strcmp(attack, "scribble") == 0)
		attack_scribble();
	else
		fail("no such attack");
	return 0;
}
