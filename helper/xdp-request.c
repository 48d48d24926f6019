/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Checking the application's requests (xdp-request.h).
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "xdp-request.h"
#include "xdp_capture.h"

#define XDP_REQUEST_MAX_SNAPLEN	262144		/* libpcap's MAXIMUM_SNAPLEN */
#define XDP_REQUEST_MAX_BUFFER	(1ULL << 32)

static int
xdp_request_bad(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int len;

	len = snprintf(errbuf, errlen, "Bad request to the XDP capture "
	    "helper: ");
	if (len >= 0 && (size_t)len < errlen) {
		va_start(ap, fmt);
		vsnprintf(errbuf + len, errlen - (size_t)len, fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

static int
xdp_request_check_join(const struct xdp_protocol_join *join, char *errbuf,
    size_t errlen)
{
	if (join->ifindex <= 0 || join->snaplen == 0 ||
	    join->snaplen > XDP_REQUEST_MAX_SNAPLEN || join->immediate > 1 ||
	    join->buffer_size > XDP_REQUEST_MAX_BUFFER ||
	    join->transport >= XDP_CAPTURE_NR_TRANSPORTS)
		return xdp_request_bad(errbuf, errlen, "interface %d, "
		    "snapshot length %u, buffer %llu, transport %u",
		    join->ifindex, join->snaplen,
		    (unsigned long long)join->buffer_size, join->transport);
	return 0;
}

int
xdp_request_parse(const void *buf, size_t len, int truncated,
    struct xdp_request *req, char *errbuf, size_t errlen)
{
	struct xdp_protocol_header hdr;
	const unsigned char *body = (const unsigned char *)buf + sizeof(hdr);

	memset(req, 0, sizeof(*req));
	if (truncated || len < sizeof(hdr))
		return xdp_request_bad(errbuf, errlen, "a message of %s%zu "
		    "bytes", truncated ? "more than " : "", len);
	memcpy(&hdr, buf, sizeof(hdr));
	if (hdr.version != XDP_PROTOCOL_VERSION || hdr.reserved != 0 ||
	    hdr.length != len - sizeof(hdr))
		return xdp_request_bad(errbuf, errlen, "version %u, a body of "
		    "%u bytes in %zu", hdr.version, hdr.length,
		    len - sizeof(hdr));
	req->type = hdr.type;
	switch (hdr.type) {

	case XDP_PROTOCOL_JOIN:
		if (hdr.length != sizeof(req->join))
			break;
		memcpy(&req->join, body, sizeof(req->join));
		return xdp_request_check_join(&req->join, errbuf, errlen);

	case XDP_PROTOCOL_SETFILTER:
		if (hdr.length % XDP_PROTOCOL_INSN_SIZE != 0 ||
		    hdr.length / XDP_PROTOCOL_INSN_SIZE >
		    XDP_PROTOCOL_MAX_INSNS)
			break;
		req->filter_len = hdr.length / XDP_PROTOCOL_INSN_SIZE;
		req->filter = req->filter_len > 0 ?
		    (const struct xdp_filter_insn *)(const void *)body : NULL;
		return 0;

	case XDP_PROTOCOL_LEAVE:
		if (hdr.length != 0)
			break;
		return 0;
	}
	return xdp_request_bad(errbuf, errlen, "type %u with a body of %u "
	    "bytes", hdr.type, hdr.length);
}
