/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A libFuzzer target for what the helper does with a request before the
 * kernel sees any of it: xdp_request_parse() on the raw message, then, for
 * a filter, its translation to eBPF (helper/xdp-filter.c), as
 * pcap-xdp-helper runs them on what a compromised application may send.
 * Built with clang's -fsanitize=fuzzer,address,undefined (make
 * tests/request-fuzz); run by run-tests.sh for a few seconds.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <linux/bpf.h>

#include "xdp-filter.h"
#include "xdp-insn.h"
#include "xdp-request.h"

/* The labels the translation needs, and accept and reject after them. */
static void
translate(const struct xdp_request *req)
{
	size_t labels = XDP_FILTER_NR_LABELS(req->filter_len);
	struct xdp_prog prog;
	char errbuf[256];

	if (xdp_prog_init(&prog, labels + 2) != 0)
		return;
	if (xdp_filter_translate(&prog, req->filter, req->filter_len, 0,
	    labels, labels + 1, errbuf, sizeof(errbuf)) == 0) {
		xdp_prog_place(&prog, labels);
		xdp_prog_emit(&prog, XDP_MOV64_IMM(BPF_REG_0, XDP_PASS));
		xdp_prog_emit(&prog, XDP_EXIT());
		xdp_prog_place(&prog, labels + 1);
		xdp_prog_emit(&prog, XDP_MOV64_IMM(BPF_REG_0, XDP_DROP));
		xdp_prog_emit(&prog, XDP_EXIT());
		if (xdp_filter_translate_loops(&prog, req->filter,
		    req->filter_len, 0, errbuf, sizeof(errbuf)) == 0)
			(void)xdp_prog_resolve(&prog);
	}
	xdp_prog_free(&prog);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static union {
		struct xdp_protocol_header hdr;
		unsigned char buf[XDP_PROTOCOL_MAX_MESSAGE];
	} msg;
	struct xdp_request req;
	char errbuf[256];
	size_t len = size < sizeof(msg.buf) ? size : sizeof(msg.buf);

	/* As the helper receives it: cut to its buffer, said so. */
	memcpy(msg.buf, data, len);
	if (xdp_request_parse(msg.buf, len, size > sizeof(msg.buf), &req,
	    errbuf, sizeof(errbuf)) == 0 && req.filter != NULL)
		translate(&req);
	return 0;
}
