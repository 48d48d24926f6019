/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The helper's reading of a request from the application
 * (../xdp-protocol.h), which it trusts in nothing: a message is checked
 * whole, header and body, before anything acts on it.
 */
#ifndef XDP_REQUEST_H
#define XDP_REQUEST_H

#include <stddef.h>

#include "xdp-filter.h"
#include "xdp-protocol.h"

struct xdp_request {
	int	type;			/* enum xdp_protocol_type */
	struct xdp_protocol_join join;	/* JOIN */
	const struct xdp_filter_insn *filter;	/* SETFILTER; NULL: none */
	size_t	filter_len;
};

/*
 * Checks the len bytes of a message (truncated: the socket had more, so it
 * was longer than any request) and fills req, whose filter then points into
 * buf.  Returns 0, or -EBADMSG with what is wrong in errbuf.
 */
int	xdp_request_parse(const void *buf, size_t len, int truncated,
	    struct xdp_request *req, char *errbuf, size_t errlen);

#endif /* XDP_REQUEST_H */
