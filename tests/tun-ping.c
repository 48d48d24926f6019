/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Sends pings into an L3 tun device, as the far end of a tunnel would, for
 * the tests: the kernel receives them on the device, where generic XDP sees
 * them from the IP header on.
 *
 *   tun-ping IFNAME SRC DST COUNT INTERVAL_MS
 *
 * IFNAME is a tun device in L3 mode ("ip tuntap add IFNAME mode tun"),
 * which this program attaches to; SRC and DST are IPv4 addresses.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <sys/ioctl.h>

#include <linux/if_tun.h>

static int
fail(const char *what)
{
	fprintf(stderr, "tun-ping: %s: %s\n", what, strerror(errno));
	return 1;
}

static __u16
checksum(const void *data, size_t len)
{
	const __u8 *p = data;
	__u32 sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (__u32)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (__u32)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((__u16)~sum);
}

/* An echo request of 84 bytes, as ping(8) sends by default. */
static size_t
make_ping(__u8 *buf, struct in_addr src, struct in_addr dst, __u16 seq)
{
	struct iphdr *ip = (struct iphdr *)buf;
	struct icmphdr *icmp = (struct icmphdr *)(ip + 1);
	size_t len = sizeof(*ip) + sizeof(*icmp) + 56;

	memset(buf, 0, len);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons((__u16)len);
	ip->id = htons(seq);
	ip->ttl = 64;
	ip->protocol = IPPROTO_ICMP;
	ip->saddr = src.s_addr;
	ip->daddr = dst.s_addr;
	ip->check = checksum(ip, sizeof(*ip));
	icmp->type = ICMP_ECHO;
	icmp->un.echo.id = htons((__u16)getpid());
	icmp->un.echo.sequence = htons(seq);
	icmp->checksum = checksum(icmp, len - sizeof(*ip));
	return len;
}

int
main(int argc, char **argv)
{
	struct in_addr src, dst;
	struct timespec interval;
	struct ifreq ifr;
	__u8 buf[128];
	long count, i, ms;
	int fd;

	if (argc != 6 || inet_pton(AF_INET, argv[2], &src) != 1 ||
	    inet_pton(AF_INET, argv[3], &dst) != 1) {
		fprintf(stderr, "usage: tun-ping IFNAME SRC DST COUNT "
		    "INTERVAL_MS\n");
		return 2;
	}
	count = atol(argv[4]);
	ms = atol(argv[5]);
	interval.tv_sec = ms / 1000;
	interval.tv_nsec = (ms % 1000) * 1000000;
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail("/dev/net/tun");
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	if (ioctl(fd, TUNSETIFF, &ifr) != 0)
		return fail(argv[1]);
	for (i = 0; i < count; i++) {
		if (write(fd, buf, make_ping(buf, src, dst, (__u16)i)) < 0)
			return fail("write");
		nanosleep(&interval, NULL);
	}
	close(fd);
	return 0;
}
