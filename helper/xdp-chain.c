/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Chain management: joins captures to an interface's XDP hook in front of
 * the program already there, and takes them out again, with atomic steps
 * only (pcap-xdp's README.md, "How it works"):
 *
 * - the first capture puts the user's program in slot 0 of a new chain,
 *   pins the chain's PROG_ARRAY, and swaps the entry program onto the hook
 *   with XDP_FLAGS_REPLACE, expecting the user's program;
 * - a capture joins by putting its dump program in the first slot no live
 *   capture holds (one map update), and leaves by emptying its slot if it
 *   is the last, or else by putting a pass-through program there;
 * - the last one out swaps the user's program back, expecting the entry.
 *
 * The slots are pinned under XDP_CHAIN_PIN_ROOT because a PROG_ARRAY is
 * emptied when its last userspace reference goes away: if every process of
 * every capture died, the user's program would otherwise drop out of the
 * chain.  The pin keeps it running until the next capture, or
 * "pcap-xdp-helper --cleanup", removes what the dead ones left.
 *
 * All changes to chains happen with an exclusive flock on the pin root, so
 * captures in several processes never interleave their updates.
 *
 * A capture's helper shows it is alive by holding an flock on a directory
 * of the chain's, alive-MAPID-SLOT, which only root can open (the pin
 * directories are 0700): nobody else can take a slot for live, or make a
 * capture take one that frames never reach.  Every capture of an interface
 * sees the same bpffs, whatever its pid namespace; the kernel drops the
 * lock when the helper dies, however it dies.  A slot whose lock can be
 * taken belongs to no live capture.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include <net/if.h>
#include <net/if_arp.h>

#include <linux/bpf.h>
#include <linux/if_link.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdp-chain.h"
#include "xdp-dump.h"
#include "xdp-hook.h"
#include "xdp_capture.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

/* An interface's chain, as found on (or made for) its hook. */
struct xdp_chain_state {
	int	ifindex;
	char	pin_dir[128];	/* XDP_CHAIN_PIN_ROOT/COOKIE-IFINDEX */
	int	slots_fd;
	struct xdp_dump_kind kind;	/* of the chain's programs */
	int	on_link;	/* the user's bpf_link holds the entry */
};

static void
xdp_chain_vmessage(char *errbuf, size_t errlen, int err, const char *fmt,
    va_list ap)
{
	size_t len;

	if (errlen == 0)
		return;
	vsnprintf(errbuf, errlen, fmt, ap);
	if (err != 0) {
		len = strlen(errbuf);
		snprintf(errbuf + len, errlen - len, ": %s", strerror(err));
	}
}

/* Says what failed in errbuf, and returns -err for the caller to return. */
static int
xdp_chain_error(char *errbuf, size_t errlen, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xdp_chain_vmessage(errbuf, errlen, 0, fmt, ap);
	va_end(ap);
	return -err;
}

/* The same, with what strerror() says of err after it. */
static int
xdp_chain_syserr(char *errbuf, size_t errlen, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xdp_chain_vmessage(errbuf, errlen, err, fmt, ap);
	va_end(ap);
	return -err;
}

static void
xdp_chain_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void
xdp_chain_member_init(struct xdp_chain_member *m)
{
	memset(m, 0, sizeof(*m));
	m->dump.slots_fd = m->dump_fd = m->alive_fd = -1;
}

static void
xdp_chain_state_init(struct xdp_chain_state *cs, int ifindex)
{
	memset(cs, 0, sizeof(*cs));
	cs->ifindex = ifindex;
	cs->slots_fd = -1;
}

static void
xdp_chain_state_close(struct xdp_chain_state *cs)
{
	xdp_chain_close(&cs->slots_fd);
}

/*
 * Whether this process shares the mount namespace of pid 1, where a bpffs
 * mounted now outlives this process.
 */
static int
xdp_chain_in_initial_mount_ns(void)
{
	struct stat self, init;

	return stat("/proc/self/ns/mnt", &self) == 0 &&
	    stat("/proc/1/ns/mnt", &init) == 0 && self.st_ino == init.st_ino &&
	    self.st_dev == init.st_dev;
}

/*
 * bpffs: use it where it is mounted; mount it on the empty sysfs directory
 * made for it where it is not; never stack it over another file system.
 * The pins must outlive every process of a capture, so a bpffs mounted in
 * a mount namespace of its own, which dies with them (as "ip netns exec"
 * makes), will not do.
 */
static int
xdp_chain_ensure_bpffs(char *errbuf, size_t errlen)
{
	struct statfs st;

	if (statfs(XDP_CHAIN_BPFFS, &st) != 0)
		return xdp_chain_syserr(errbuf, errlen, errno,
		    "bpffs is unusable: " XDP_CHAIN_BPFFS);
	if (st.f_type == BPF_FS_MAGIC)
		return 0;
	if (st.f_type != SYSFS_MAGIC)
		return xdp_chain_error(errbuf, errlen, ENOTSUP,
		    "bpffs is unusable: " XDP_CHAIN_BPFFS
		    " holds another file system (type 0x%lx)",
		    (unsigned long)st.f_type);
	if (!xdp_chain_in_initial_mount_ns())
		return xdp_chain_error(errbuf, errlen, ENOTSUP,
		    "bpffs is unusable: it is not mounted on " XDP_CHAIN_BPFFS
		    " in this mount namespace (\"ip netns exec\" hides it; "
		    "use \"nsenter --net\", or mount bpffs there)");
	if (mount("bpf", XDP_CHAIN_BPFFS, "bpf", 0, "mode=0700") != 0)
		return xdp_chain_syserr(errbuf, errlen, errno,
		    "bpffs is unusable: it is not mounted, and mounting it on "
		    XDP_CHAIN_BPFFS " failed");
	return 0;
}

/*
 * Takes the lock that serialises every change to every chain.  Returns the
 * fd holding it (closing it releases the lock), or a negative errno.
 */
static int
xdp_chain_lock(char *errbuf, size_t errlen)
{
	int ret, fd;

	ret = xdp_chain_ensure_bpffs(errbuf, errlen);
	if (ret != 0)
		return ret;
	if (mkdir(XDP_CHAIN_PIN_ROOT, 0700) != 0 && errno != EEXIST)
		return xdp_chain_syserr(errbuf, errlen, errno,
		    "bpffs is unusable: can't create " XDP_CHAIN_PIN_ROOT);
	fd = open(XDP_CHAIN_PIN_ROOT, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return xdp_chain_syserr(errbuf, errlen, errno,
		    "bpffs is unusable: can't open " XDP_CHAIN_PIN_ROOT);
	if (flock(fd, LOCK_EX) != 0) {
		ret = xdp_chain_syserr(errbuf, errlen, errno,
		    "Can't lock " XDP_CHAIN_PIN_ROOT);
		close(fd);
		return ret;
	}
	return fd;
}

/*
 * Interfaces are named by network namespace and ifindex: an ifindex alone
 * repeats across namespaces.  The cookie of a namespace is never reused.
 */
static int
xdp_chain_netns_cookie(__u64 *cookie, char *errbuf, size_t errlen)
{
	socklen_t optlen = sizeof(*cookie);
	int fd, err = 0;

	*cookie = 0;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie,
	    &optlen) != 0)
		err = errno;
	if (fd >= 0)
		close(fd);
	if (err != 0)
		return xdp_chain_syserr(errbuf, errlen, err,
		    "Can't identify the network namespace (SO_NETNS_COOKIE, "
		    "Linux 5.14)");
	return 0;
}

static int
xdp_chain_pin_dir(int ifindex, char *dir, size_t len, char *errbuf,
    size_t errlen)
{
	__u64 cookie;
	int ret;

	ret = xdp_chain_netns_cookie(&cookie, errbuf, errlen);
	if (ret != 0)
		return ret;
	snprintf(dir, len, "%s/%llu-%d", XDP_CHAIN_PIN_ROOT,
	    (unsigned long long)cookie, ifindex);
	return 0;
}

static void
xdp_chain_pin_path(const struct xdp_chain_state *cs, const char *name,
    char *path, size_t len)
{
	snprintf(path, len, "%s/%s", cs->pin_dir, name);
}

static int
xdp_chain_same_map(int fd_a, int fd_b)
{
	struct bpf_map_info a, b;
	__u32 len_a = sizeof(a), len_b = sizeof(b);

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	return bpf_obj_get_info_by_fd(fd_a, &a, &len_a) == 0 &&
	    bpf_obj_get_info_by_fd(fd_b, &b, &len_b) == 0 && a.id == b.id;
}

/* Pins map_fd at the chain's NAME, replacing a pin of another map. */
static int
xdp_chain_pin_map(const struct xdp_chain_state *cs, const char *name,
    int map_fd, char *errbuf, size_t errlen)
{
	char path[PATH_MAX];
	int fd;

	xdp_chain_pin_path(cs, name, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		if (xdp_chain_same_map(fd, map_fd)) {
			close(fd);
			return 0;
		}
		close(fd);
		unlink(path);
	}
	if (bpf_obj_pin(map_fd, path) != 0)
		return xdp_chain_syserr(errbuf, errlen, errno,
		    "bpffs is unusable: can't pin %s", path);
	return 0;
}

static int
xdp_chain_pin(struct xdp_chain_state *cs, char *errbuf, size_t errlen)
{
	if (mkdir(cs->pin_dir, 0700) != 0 && errno != EEXIST)
		return xdp_chain_syserr(errbuf, errlen, errno,
		    "bpffs is unusable: can't create %s", cs->pin_dir);
	return xdp_chain_pin_map(cs, "slots", cs->slots_fd, errbuf, errlen);
}

/* Removes the chain's pins and its slots' liveness directories. */
static void
xdp_chain_unpin(const struct xdp_chain_state *cs)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir;

	xdp_chain_pin_path(cs, "slots", path, sizeof(path));
	unlink(path);
	dir = opendir(cs->pin_dir);
	while (dir != NULL && (d = readdir(dir)) != NULL) {
		if (strncmp(d->d_name, "alive-", 6) != 0)
			continue;
		xdp_chain_pin_path(cs, d->d_name, path, sizeof(path));
		rmdir(path);
	}
	if (dir != NULL)
		closedir(dir);
	rmdir(cs->pin_dir);
}

/* Removes the pins if they are this chain's, not a newer chain's. */
static void
xdp_chain_unpin_own(const struct xdp_chain_state *cs)
{
	char path[PATH_MAX];
	int fd;

	xdp_chain_pin_path(cs, "slots", path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd >= 0 && !xdp_chain_same_map(fd, cs->slots_fd)) {
		close(fd);
		return;
	}
	if (fd >= 0)
		close(fd);
	xdp_chain_unpin(cs);
}

static __u32
xdp_chain_map_id(int map_fd)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(map_fd, &info, &len) != 0)
		return 0;
	return info.id;
}

/*
 * Whether program fd is an entry program that runs the chain of map_id: 1
 * or 0, or -1 if the program can't be looked at.
 */
static int
xdp_chain_prog_is_entry_of(int fd, __u32 map_id)
{
	struct bpf_prog_info info;
	__u32 map_ids[8], len = sizeof(info), i;

	memset(&info, 0, sizeof(info));
	info.nr_map_ids = sizeof(map_ids) / sizeof(map_ids[0]);
	info.map_ids = (__u64)(unsigned long)map_ids;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
		return -1;
	if (strcmp(info.name, XDP_HOOK_ENTRY_NAME) != 0)
		return 0;
	for (i = 0; i < info.nr_map_ids && i < 8; i++)
		if (map_ids[i] == map_id)
			return 1;
	return 0;
}

/*
 * Whether any entry program, on any hook, runs the chain of map_id.  Only a
 * hook holds an entry program once its chain is made (with the lock held).
 * Returns 1 or 0, or -1 if not every program could be looked at (without
 * CAP_SYS_ADMIN, say): then nobody can tell, and the chain's pins stay.
 */
static int
xdp_chain_map_has_entry(__u32 map_id)
{
	__u32 id = 0;
	int fd, found = 0;

	while (found == 0) {
		if (bpf_prog_get_next_id(id, &id) != 0)
			return errno == ENOENT ? 0 : -1;
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0) {
			if (errno == ENOENT)	/* freed meanwhile */
				continue;
			return -1;
		}
		found = xdp_chain_prog_is_entry_of(fd, map_id);
		close(fd);
	}
	return found;
}

/*
 * Removes the pins of chains that no hook runs any more: the interface, or
 * its whole network namespace, is gone, or another tool replaced the entry,
 * after their captures were killed, with nobody left to remove them.
 */
static void
xdp_chain_sweep(void)
{
	struct xdp_chain_state cs;
	struct dirent *d;
	char path[PATH_MAX];
	__u32 map_id;
	int fd;
	DIR *dir;

	dir = opendir(XDP_CHAIN_PIN_ROOT);
	if (dir == NULL)
		return;
	while ((d = readdir(dir)) != NULL) {
		/* Chains' directories are named COOKIE-IFINDEX. */
		if (d->d_name[0] == '.' || strlen(d->d_name) > 40)
			continue;
		snprintf(path, sizeof(path), "%s/%s/slots", XDP_CHAIN_PIN_ROOT,
		    d->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		map_id = xdp_chain_map_id(fd);
		close(fd);
		if (map_id == 0 || xdp_chain_map_has_entry(map_id) != 0)
			continue;
		xdp_chain_state_init(&cs, 0);
		snprintf(cs.pin_dir, sizeof(cs.pin_dir), "%s/%.40s",
		    XDP_CHAIN_PIN_ROOT, d->d_name);
		xdp_chain_unpin(&cs);
	}
	closedir(dir);
}

/*
 * Takes the liveness lock of a slot (see the top of this file), making its
 * directory if need be.  Returns the fd that holds it, or -1 with errno
 * EWOULDBLOCK if a live capture holds the slot.
 */
static int
xdp_chain_claim(const struct xdp_chain_state *cs, __u32 slot)
{
	char path[PATH_MAX];
	int fd, err;

	snprintf(path, sizeof(path), "%s/alive-%u-%u", cs->pin_dir,
	    xdp_chain_map_id(cs->slots_fd), slot);
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return -1;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

static int
xdp_chain_slot_used(const struct xdp_chain_state *cs, __u32 slot)
{
	__u32 id;

	return bpf_map_lookup_elem(cs->slots_fd, &slot, &id) == 0;
}

/* Whether a slot holds the pass-through program of a capture that left. */
static int
xdp_chain_slot_is_pass(const struct xdp_chain_state *cs, __u32 slot)
{
	struct bpf_prog_info info;
	__u32 id;
	int fd, is_pass;

	if (bpf_map_lookup_elem(cs->slots_fd, &slot, &id) != 0)
		return 0;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return 0;
	is_pass = xdp_hook_prog_info(fd, &info) == 0 &&
	    strcmp(info.name, XDP_DUMP_NAME_PASS) == 0;
	close(fd);
	return is_pass;
}

static __u32
xdp_chain_mode_flags(__u8 attach_mode)
{
	return attach_mode == XDP_ATTACHED_SKB ? XDP_FLAGS_SKB_MODE :
	    XDP_FLAGS_DRV_MODE;
}

/*
 * The kinds of program a chain may need (xdp-dump.h), most capable first.
 * The kernel makes a PROG_ARRAY take the kind of the first program it
 * meets, the user's in slot 0, and a bpf_link takes only programs of its
 * own program's attach type; neither is in bpf_prog_info, so a chain's
 * kind is found by trying them in turn: a kind that doesn't fit gets
 * EINVAL.  Programs loaded by libbpf from SEC("xdp") have BPF_XDP; raw
 * bpf_prog_load() users and older loaders leave it 0.
 */
static const struct xdp_dump_kind xdp_chain_kinds[] = {
	{ BPF_F_XDP_HAS_FRAGS, BPF_XDP },
	{ 0, BPF_XDP },
	{ BPF_F_XDP_HAS_FRAGS, 0 },
	{ 0, 0 },
};
#define XDP_CHAIN_NR_KINDS \
	(int)(sizeof(xdp_chain_kinds) / sizeof(xdp_chain_kinds[0]))

/*
 * Loads an entry program for the chain, of the next kind after *kind_nr
 * that the chain takes (start with -1), and settles cs->kind.  Returns the
 * program's fd, or a negative errno (-EINVAL: no kind left).
 */
static int
xdp_chain_load_entry(struct xdp_chain_state *cs, int *kind_nr, char *errbuf,
    size_t errlen)
{
	int fd = -EINVAL;

	while (fd == -EINVAL && ++*kind_nr < XDP_CHAIN_NR_KINDS) {
		cs->kind = xdp_chain_kinds[*kind_nr];
		fd = xdp_dump_load_entry(cs->slots_fd, &cs->kind, errbuf,
		    errlen);
	}
	return fd;
}

/*
 * Takes a slot out of the chain, with the slot's liveness name held: the
 * last slot is emptied (with the pass-through slots before it), any other
 * gets a pass-through program, so that the captures after it still see
 * every frame.  A frame already on its way to an emptied slot falls through
 * to the user's program.
 */
static void
xdp_chain_vacate(const struct xdp_chain_state *cs, __u32 slot)
{
	char errbuf[256];
	__u32 other;
	int fd;

	for (other = slot + 1; other < XDP_CAPTURE_MAX_SLOTS; other++)
		if (xdp_chain_slot_used(cs, other) &&
		    !xdp_chain_slot_is_pass(cs, other))
			break;
	if (other < XDP_CAPTURE_MAX_SLOTS) {
		fd = xdp_dump_load_pass(slot, cs->slots_fd, &cs->kind, errbuf,
		    sizeof(errbuf));
		if (fd >= 0) {
			bpf_map_update_elem(cs->slots_fd, &slot, &fd, BPF_ANY);
			close(fd);
		}
		return;
	}
	/* No capture after this one: the chain ends before it. */
	for (other = XDP_CAPTURE_MAX_SLOTS - 1; other >= slot; other--)
		bpf_map_delete_elem(cs->slots_fd, &other);
	while (--slot >= XDP_CAPTURE_FIRST_SLOT &&
	    xdp_chain_slot_is_pass(cs, slot))
		bpf_map_delete_elem(cs->slots_fd, &slot);
}

/*
 * Takes the slots of dead captures out of the chain; returns how many live
 * captures remain.
 */
static int
xdp_chain_reap(const struct xdp_chain_state *cs)
{
	__u32 slot;
	int live = 0, fd;

	for (slot = XDP_CAPTURE_MAX_SLOTS - 1; slot >= XDP_CAPTURE_FIRST_SLOT;
	    slot--) {
		if (!xdp_chain_slot_used(cs, slot) ||
		    xdp_chain_slot_is_pass(cs, slot))
			continue;
		fd = xdp_chain_claim(cs, slot);
		if (fd < 0) {
			live++;
			continue;
		}
		xdp_chain_vacate(cs, slot);
		close(fd);
	}
	return live;
}

/*
 * Checks that the user's program can be tail-called from the chain, and
 * puts it in slot 0.
 */
static int
xdp_chain_adopt_original(struct xdp_chain_state *cs, int orig_fd,
    __u32 orig_id, const char *ifname, char *errbuf, size_t errlen)
{
	struct bpf_prog_info info;
	__u32 key = XDP_CAPTURE_ORIG_SLOT;
	int err;

	err = xdp_hook_prog_info(orig_fd, &info);
	if (err != 0)
		return xdp_chain_syserr(errbuf, errlen, -err,
		    "Can't inspect the XDP program of %s (id %u)", ifname,
		    orig_id);
	if (info.type != BPF_PROG_TYPE_XDP)
		return xdp_chain_error(errbuf, errlen, EINVAL,
		    "The program on the XDP hook of %s (id %u) is not an XDP "
		    "program and can't be chained", ifname, orig_id);
	if (info.ifindex != 0)
		return xdp_chain_error(errbuf, errlen, EOPNOTSUPP,
		    "The XDP program \"%s\" (id %u) of %s is bound to a device "
		    "and can't be tail-called", info.name, orig_id, ifname);
	if (bpf_map_update_elem(cs->slots_fd, &key, &orig_fd, BPF_ANY) != 0)
		return xdp_chain_syserr(errbuf, errlen, errno,
		    "The XDP program \"%s\" (id %u) of %s can't be tail-called, "
		    "which joining it needs: the kernel refuses it in a program "
		    "array, as it does device-bound programs (which read the "
		    "device's metadata) and programs with extensions (such as "
		    "libxdp's dispatcher)",
		    info.name, orig_id, ifname);
	return 0;
}

static int
xdp_chain_attach_error(int err, __u32 orig_id, const char *ifname,
    char *errbuf, size_t errlen)
{
	if (err == EEXIST || err == EBUSY)
		return xdp_chain_error(errbuf, errlen, EAGAIN,
		    "The XDP program of %s changed while the capture was "
		    "being set up; try again", ifname);
	if (err == ENOTUNIQ)
		return xdp_chain_error(errbuf, errlen, ENOTUNIQ,
		    "The XDP program of %s (id %u) runs through a bpf_link, "
		    "and so it does on interfaces of the same index in other "
		    "network namespaces: the capture can't tell which link is "
		    "this interface's", ifname, orig_id);
	return xdp_chain_syserr(errbuf, errlen, err,
	    "Can't attach to the XDP hook of %s", ifname);
}

/*
 * Swaps the program on the hook from old_fd (id old_id) to new_fd, in the
 * hook's mode, atomically and only while old_fd is there.  Netlink can't
 * replace a program that a bpf_link holds (EBUSY): then the link is opened
 * by id for this one update, and closed again at once, since a link fd
 * held open would keep the link alive after its owner exits, and the owner
 * restarting would find its hook busy.  Returns 0, or an errno: EEXIST if
 * old_fd is no longer on the hook.
 */
static int
xdp_chain_swap(struct xdp_chain_state *cs, __u8 attach_mode, int old_fd,
    __u32 old_id, int new_fd)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = old_fd);
	LIBBPF_OPTS(bpf_link_update_opts, link_opts, .flags = BPF_F_REPLACE,
	    .old_prog_fd = (__u32)old_fd);
	int link_fd, err;

	if (bpf_xdp_attach(cs->ifindex, new_fd,
	    xdp_chain_mode_flags(attach_mode) | XDP_FLAGS_REPLACE, &opts) == 0)
		return 0;
	if (errno != EBUSY)
		return errno;
	link_fd = xdp_hook_open_link(cs->ifindex, old_id);
	if (link_fd == -ENOENT)
		return EEXIST;		/* the link went meanwhile */
	if (link_fd < 0)
		return -link_fd;
	err = bpf_link_update(link_fd, new_fd, &link_opts) == 0 ? 0 : errno;
	close(link_fd);
	if (err == 0)
		cs->on_link = 1;
	/* A link whose program is not old_fd says EPERM; netlink, EEXIST. */
	return err == EPERM ? EEXIST : err;
}

/*
 * Whether a program attached natively sees the interface's frames: the
 * drivers of Ethernet devices run it, while tun in L3 mode takes one and
 * runs it only in TAP mode.  Frames of devices of other types reach
 * generic XDP only.
 */
static int
xdp_chain_native_runs(int ifindex)
{
	char ifname[IF_NAMESIZE];
	int type;

	if (if_indextoname((unsigned int)ifindex, ifname) == NULL)
		return 1;
	type = xdp_hook_device_type(ifname);
	return type < 0 || type == ARPHRD_ETHER;
}

/*
 * Puts the entry program on the hook: in place of the user's program,
 * in its mode; or on an empty hook, natively where the driver runs XDP,
 * generically otherwise.  Returns 0 or an errno.
 */
static int
xdp_chain_attach_entry(struct xdp_chain_state *cs, int entry_fd,
    const struct xdp_hook *hook, int orig_fd)
{
	__u32 flags = XDP_FLAGS_UPDATE_IF_NOEXIST;

	if (orig_fd >= 0)
		return xdp_chain_swap(cs, hook->attach_mode, orig_fd,
		    hook->prog_id, entry_fd);
	if (xdp_chain_native_runs(cs->ifindex)) {
		if (bpf_xdp_attach(cs->ifindex, entry_fd,
		    flags | XDP_FLAGS_DRV_MODE, NULL) == 0)
			return 0;
		if (errno != EOPNOTSUPP)
			return errno;
	}
	return bpf_xdp_attach(cs->ifindex, entry_fd, flags | XDP_FLAGS_SKB_MODE,
	    NULL) == 0 ? 0 : errno;
}

/* Opens the program on the hook; returns its fd or a negative errno. */
static int
xdp_chain_open_hook_prog(const struct xdp_hook *hook, const char *ifname,
    char *errbuf, size_t errlen)
{
	int fd = bpf_prog_get_fd_by_id(hook->prog_id);

	if (fd < 0)
		return xdp_chain_syserr(errbuf, errlen, errno,
		    "Can't open the XDP program of %s (id %u)", ifname,
		    hook->prog_id);
	return fd;
}

/*
 * Builds a chain around the program on the hook (if any) and attaches it,
 * with the first kind of entry program both the chain and the hook take.
 */
static int
xdp_chain_create(struct xdp_chain_state *cs, const struct xdp_hook *hook,
    const char *ifname, char *errbuf, size_t errlen)
{
	int orig_fd = -1, entry_fd = -1, kind_nr = -1, ret, err = 0;
	char why[256];

	if (hook->prog_id != 0) {
		orig_fd = xdp_chain_open_hook_prog(hook, ifname, errbuf, errlen);
		if (orig_fd < 0)
			return orig_fd;
	}
	cs->slots_fd = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY,
	    XDP_HOOK_SLOTS_NAME, sizeof(__u32), sizeof(__u32),
	    XDP_CAPTURE_MAX_SLOTS, NULL);
	if (cs->slots_fd < 0) {
		ret = xdp_chain_syserr(errbuf, errlen, errno,
		    "Can't create the XDP chain of %s", ifname);
		goto fail;
	}
	if (orig_fd >= 0) {
		ret = xdp_chain_adopt_original(cs, orig_fd, hook->prog_id,
		    ifname, errbuf, errlen);
		if (ret != 0)
			goto fail;
	}
	ret = xdp_chain_pin(cs, errbuf, errlen);
	if (ret != 0)
		goto fail_unpin;
	/* A bpf_link takes only its own program's attach type: EINVAL. */
	while ((entry_fd = xdp_chain_load_entry(cs, &kind_nr, why,
	    sizeof(why))) >= 0) {
		err = xdp_chain_attach_entry(cs, entry_fd, hook, orig_fd);
		if (err != EINVAL)
			break;
		xdp_chain_close(&entry_fd);
	}
	if (entry_fd < 0 && err == 0) {
		ret = xdp_chain_error(errbuf, errlen, -entry_fd,
		    "Can't load the XDP entry program for %s: %s", ifname, why);
		goto fail_unpin;
	}
	if (err != 0) {
		ret = xdp_chain_attach_error(err, hook->prog_id, ifname,
		    errbuf, errlen);
		goto fail_unpin;
	}
	close(entry_fd);
	xdp_chain_close(&orig_fd);
	return 0;

fail_unpin:
	xdp_chain_unpin(cs);
fail:
	xdp_chain_close(&entry_fd);
	xdp_chain_close(&orig_fd);
	xdp_chain_state_close(cs);
	return ret;
}

/*
 * Opens the chain whose entry program is on the hook, and finds out its
 * kind: the programs it takes.
 */
static int
xdp_chain_open(struct xdp_chain_state *cs, const struct xdp_hook *hook,
    const char *ifname, char *errbuf, size_t errlen)
{
	int entry_fd, link_fd, kind_nr = -1;
	char why[256];

	entry_fd = xdp_chain_open_hook_prog(hook, ifname, errbuf, errlen);
	if (entry_fd < 0)
		return entry_fd;
	cs->slots_fd = xdp_hook_open_slots(entry_fd);
	close(entry_fd);
	if (cs->slots_fd < 0)
		return xdp_chain_syserr(errbuf, errlen, -cs->slots_fd,
		    "Can't open the XDP chain of %s", ifname);
	entry_fd = xdp_chain_load_entry(cs, &kind_nr, why, sizeof(why));
	if (entry_fd < 0)
		return xdp_chain_error(errbuf, errlen, -entry_fd,
		    "Can't load programs for the XDP chain of %s: %s", ifname,
		    why);
	close(entry_fd);
	link_fd = xdp_hook_open_link(cs->ifindex, hook->prog_id);
	cs->on_link = link_fd >= 0;
	if (link_fd >= 0)
		close(link_fd);
	/* The pins may have gone with the processes that made them. */
	return xdp_chain_pin(cs, errbuf, errlen);
}

/*
 * Finds the chain on the interface's hook (with its lock held).  With
 * create set, builds one when the hook has none; otherwise returns
 * -ENOENT for "no chain".  Pins left by a chain that is no
 * longer on the hook are removed either way.
 */
static int
xdp_chain_find(struct xdp_chain_state *cs, int create, char *errbuf,
    size_t errlen)
{
	struct xdp_hook hook;
	char ifname[IF_NAMESIZE] = "";
	int err, ret;

	if (if_indextoname(cs->ifindex, ifname) == NULL)
		return xdp_chain_error(errbuf, errlen, ENODEV,
		    "No such device");
	ret = xdp_chain_pin_dir(cs->ifindex, cs->pin_dir,
	    sizeof(cs->pin_dir), errbuf, errlen);
	if (ret != 0)
		return ret;
	err = xdp_hook_query(cs->ifindex, &hook);
	if (err != 0)
		return xdp_chain_syserr(errbuf, errlen, -err, "Can't query the XDP hook of %s", ifname);
	if (hook.attach_mode == XDP_ATTACHED_HW ||
	    hook.attach_mode == XDP_ATTACHED_MULTI)
		return xdp_chain_error(errbuf, errlen, EOPNOTSUPP,
		    "The XDP program of %s is offloaded to the hardware, "
		    "which a capture can't join", ifname);
	if (hook.is_chain)
		return xdp_chain_open(cs, &hook, ifname, errbuf, errlen);

	xdp_chain_unpin(cs);
	if (!create)
		return -ENOENT;
	return xdp_chain_create(cs, &hook, ifname, errbuf, errlen);
}

static int
xdp_chain_add(struct xdp_chain_state *cs, const struct xdp_chain_capture *cap,
    struct xdp_chain_member *m, char *errbuf, size_t errlen)
{
	struct xdp_dump_params *params = &m->dump;
	char why[256];
	__u32 slot;
	int fd;

	/* The first slot no live capture holds: a gap, or the end. */
	for (slot = XDP_CAPTURE_FIRST_SLOT; slot < XDP_CAPTURE_MAX_SLOTS;
	    slot++) {
		m->alive_fd = xdp_chain_claim(cs, slot);
		if (m->alive_fd >= 0)
			break;
	}
	if (slot == XDP_CAPTURE_MAX_SLOTS)
		return xdp_chain_error(errbuf, errlen, EBUSY,
		    "Too many captures on this interface (at most %d, to "
		    "leave the XDP program tail calls of its own)",
		    XDP_CAPTURE_MAX_CAPTURES);

	params->snaplen = cap->snaplen;
	params->slot = slot;
	params->slots_fd = cs->slots_fd;
	params->out = cap->out;
	params->kind = cs->kind;
	fd = xdp_dump_load(params, why, sizeof(why));
	/* The one step that puts the capture in the packets' way. */
	if (fd >= 0 && bpf_map_update_elem(cs->slots_fd, &slot, &fd,
	    BPF_ANY) != 0) {
		snprintf(why, sizeof(why), "%s", strerror(errno));
		close(fd);
		fd = -errno;
	}
	if (fd < 0) {
		xdp_chain_close(&m->alive_fd);
		xdp_chain_member_init(m);
		return xdp_chain_error(errbuf, errlen, -fd,
		    "Can't join the XDP chain: %s", why);
	}
	m->dump_fd = fd;
	m->on_link = cs->on_link;
	cs->slots_fd = -1;	/* now the member's */
	return 0;
}

/*
 * Whether the entry program entry_fd runs the chain of slots_fd: 1 or 0, or
 * -1 if that can't be told.
 */
static int
xdp_chain_entry_is_ours(int entry_fd, int slots_fd)
{
	int fd, ours;

	fd = xdp_hook_open_slots(entry_fd);
	if (fd < 0)
		return fd == -ENOENT ? 0 : -1;
	ours = xdp_chain_same_map(fd, slots_fd);
	close(fd);
	return ours;
}

/*
 * Opens the program prog_id on the hook, in *entry_fd, if it is the entry
 * of the chain of slots_fd.  Returns 1 if it is, 0 if it is not, -1 if that
 * can't be told (no right to open programs by id, say).
 */
static int
xdp_chain_open_own_entry(__u32 prog_id, int slots_fd, int *entry_fd)
{
	int ours;

	*entry_fd = bpf_prog_get_fd_by_id(prog_id);
	if (*entry_fd < 0)
		/* Gone already: the hook changed again. */
		return errno == ENOENT ? 0 : -1;
	ours = xdp_chain_entry_is_ours(*entry_fd, slots_fd);
	if (ours != 1)
		xdp_chain_close(entry_fd);
	return ours;
}

/*
 * Puts the user's program back on the hook in place of the entry program
 * (same program, same mode), or detaches the entry if there was none, and
 * removes the chain's pins.  If another tool replaced the entry meanwhile,
 * what it attached stays.
 */
static int
xdp_chain_restore(struct xdp_chain_state *cs, char *errbuf, size_t errlen)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	struct xdp_hook hook;
	__u32 key = XDP_CAPTURE_ORIG_SLOT, orig_id = 0;
	int entry_fd = -1, orig_fd = -1, ours, err;

	/*
	 * An interface moved to another network namespace keeps its XDP
	 * program: its chain, still running the user's program there, keeps
	 * its pins until no hook runs it (xdp_chain_sweep).
	 */
	if (xdp_hook_query(cs->ifindex, &hook) != 0) {
		if (xdp_chain_map_has_entry(xdp_chain_map_id(cs->slots_fd)) != 0)
			return 0;
		goto unpin;
	}
	/* Only the entry of this chain is ours to replace. */
	ours = hook.prog_id == 0 ? 0 :
	    xdp_chain_open_own_entry(hook.prog_id, cs->slots_fd, &entry_fd);
	if (ours < 0)
		return 0;	/* nobody can tell: the pins stay */
	if (ours == 0)
		goto unpin;
	if (bpf_map_lookup_elem(cs->slots_fd, &key, &orig_id) == 0 &&
	    orig_id != 0) {
		orig_fd = bpf_prog_get_fd_by_id(orig_id);
		err = orig_fd < 0 ? errno : xdp_chain_swap(cs,
		    hook.attach_mode, entry_fd, hook.prog_id, orig_fd);
	} else {
		opts.old_prog_fd = entry_fd;
		err = bpf_xdp_detach(cs->ifindex,
		    xdp_chain_mode_flags(hook.attach_mode) | XDP_FLAGS_REPLACE,
		    &opts) == 0 ? 0 : errno;
	}
	xdp_chain_close(&orig_fd);
	close(entry_fd);
	/*
	 * The entry left the hook meanwhile (another program replaced it, or
	 * its bpf_link was detached): what is there now stays.
	 */
	if (err != 0 && err != EEXIST && err != ENOLINK)
		return xdp_chain_syserr(errbuf, errlen, err,
		    orig_id != 0 ? "Can't put XDP program %u back on the hook" :
		    "Can't detach from the XDP hook", orig_id);
unpin:
	xdp_chain_unpin_own(cs);
	return 0;
}

int
xdp_chain_join(const struct xdp_chain_capture *cap, struct xdp_chain_member *m,
    char *errbuf, size_t errlen)
{
	struct xdp_chain_state cs;
	int lock_fd, ret;

	xdp_chain_member_init(m);
	m->ifindex = cap->ifindex;
	xdp_chain_state_init(&cs, cap->ifindex);
	lock_fd = xdp_chain_lock(errbuf, errlen);
	if (lock_fd < 0)
		return lock_fd;
	xdp_chain_sweep();
	ret = xdp_chain_find(&cs, 1, errbuf, errlen);
	if (ret == 0) {
		xdp_chain_reap(&cs);
		ret = xdp_chain_add(&cs, cap, m, errbuf, errlen);
		/* A chain this capture made must not outlive its failure. */
		if (ret != 0 && xdp_chain_reap(&cs) == 0)
			xdp_chain_restore(&cs, NULL, 0);
	}
	xdp_chain_state_close(&cs);
	close(lock_fd);
	return ret;
}

int
xdp_chain_leave(struct xdp_chain_member *m, char *errbuf, size_t errlen)
{
	struct xdp_chain_state cs;
	int lock_fd, ret;

	if (m->dump.slot == 0)
		return 0;
	/*
	 * Without the lock, the capture stays in the chain: its slot passes
	 * packets on, and whoever next holds the lock sees it is dead.
	 */
	lock_fd = xdp_chain_lock(errbuf, errlen);
	xdp_chain_state_init(&cs, m->ifindex);
	cs.slots_fd = m->dump.slots_fd;
	cs.kind = m->dump.kind;
	if (lock_fd >= 0) {
		xdp_chain_vacate(&cs, m->dump.slot);
		ret = xdp_chain_pin_dir(m->ifindex, cs.pin_dir,
		    sizeof(cs.pin_dir), errbuf, errlen);
		if (ret == 0 && xdp_chain_reap(&cs) == 0)
			ret = xdp_chain_restore(&cs, errbuf, errlen);
		close(lock_fd);
	} else
		ret = lock_fd;
	xdp_chain_state_close(&cs);
	xdp_chain_close(&m->dump_fd);
	xdp_chain_close(&m->alive_fd);
	xdp_chain_member_init(m);
	return ret;
}

int
xdp_chain_cleanup(int ifindex, char *errbuf, size_t errlen)
{
	struct xdp_chain_state cs;
	int lock_fd, ret;

	lock_fd = xdp_chain_lock(errbuf, errlen);
	if (lock_fd < 0)
		return lock_fd;
	xdp_chain_state_init(&cs, ifindex);
	ret = xdp_chain_find(&cs, 0, errbuf, errlen);
	if (ret == -ENOENT)
		ret = 0;
	else if (ret == 0 && xdp_chain_reap(&cs) == 0)
		ret = xdp_chain_restore(&cs, errbuf, errlen);
	xdp_chain_state_close(&cs);
	/*
	 * After the restore: a chain pinned in another network namespace
	 * (its interface moved here) has no hook left either.
	 */
	xdp_chain_sweep();
	close(lock_fd);
	return ret;
}

/*
 * The capture ends only on a sure answer: a check that fails says nothing
 * about the hook, and is made again later.
 */
int
xdp_chain_check(const struct xdp_chain_member *m, char *errbuf, size_t errlen)
{
	struct xdp_hook hook;
	char ifname[IF_NAMESIZE];
	int entry_fd;

	if (if_indextoname((unsigned int)m->ifindex, ifname) == NULL)
		return errno != ENXIO && errno != ENODEV ? 0 :
		    xdp_chain_error(errbuf, errlen, ENODEV, "The interface disappeared");
	if (xdp_hook_query(m->ifindex, &hook) != 0)
		return 0;
	if (hook.prog_id == 0 && m->on_link)
		return xdp_chain_error(errbuf, errlen, ENOENT,
		    "The bpf_link of the XDP program of %s was detached, or "
		    "its owner exited; the capture can't see its packets any "
		    "more", ifname);
	if (hook.prog_id == 0)
		return xdp_chain_error(errbuf, errlen, ENOENT,
		    "Another program removed the XDP program of %s; the "
		    "capture can't see its packets any more", ifname);
	if (xdp_chain_open_own_entry(hook.prog_id, m->dump.slots_fd,
	    &entry_fd) != 0) {
		xdp_chain_close(&entry_fd);
		return 0;
	}
	return xdp_chain_error(errbuf, errlen, ENOENT,
	    "Another program replaced the XDP program of %s (now id %u); "
	    "the capture can't see its packets any more", ifname,
	    hook.prog_id);
}

int
xdp_chain_set_filter(struct xdp_chain_member *m,
    const struct xdp_filter_insn *filter, size_t filter_len, __u32 gen,
    char *errbuf, size_t errlen)
{
	struct xdp_dump_params params = m->dump;
	int fd, err;

	params.filter = filter;
	params.filter_len = filter_len;
	params.filter_gen = gen;
	fd = xdp_dump_load(&params, errbuf, errlen);
	if (fd < 0)
		return fd;
	/* One map update swaps the programs: no frame sees neither. */
	if (bpf_map_update_elem(m->dump.slots_fd, &m->dump.slot, &fd,
	    BPF_ANY) != 0) {
		err = xdp_chain_syserr(errbuf, errlen, errno,
		    "Can't put the new program in the chain");
		close(fd);
		return err;
	}
	close(m->dump_fd);
	m->dump_fd = fd;
	return 0;
}
