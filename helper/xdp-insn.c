/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Building eBPF programs instruction by instruction (see xdp-insn.h).
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xdp-insn.h"

void
xdp_prog_free(struct xdp_prog *prog)
{
	free(prog->insns);
	free(prog->label);
	free(prog->label_used);
	free(prog->fixups);
	memset(prog, 0, sizeof(*prog));
}

int
xdp_prog_init(struct xdp_prog *prog, size_t nr_labels)
{
	size_t i;

	memset(prog, 0, sizeof(*prog));
	prog->label = malloc(nr_labels * sizeof(*prog->label));
	prog->label_used = calloc(nr_labels, 1);
	if (prog->label == NULL || prog->label_used == NULL) {
		xdp_prog_free(prog);
		return -1;
	}
	for (i = 0; i < nr_labels; i++)
		prog->label[i] = -1;
	prog->nr_labels = nr_labels;
	return 0;
}

static int
xdp_prog_grow(void **buf, size_t *cap, size_t need, size_t size)
{
	size_t new_cap = *cap ? *cap : 64;
	void *p;

	if (need <= *cap)
		return 0;
	while (new_cap < need)
		new_cap *= 2;
	p = realloc(*buf, new_cap * size);
	if (p == NULL)
		return -1;
	*buf = p;
	*cap = new_cap;
	return 0;
}

void
xdp_prog_emit(struct xdp_prog *prog, struct bpf_insn insn)
{
	if (prog->failed || xdp_prog_grow((void **)&prog->insns, &prog->cap,
	    prog->len + 1, sizeof(insn)) != 0) {
		prog->failed = 1;
		return;
	}
	prog->insns[prog->len++] = insn;
}

static void
xdp_prog_add_fixup(struct xdp_prog *prog, size_t label, int in_imm)
{
	if (label >= prog->nr_labels || xdp_prog_grow((void **)&prog->fixups,
	    &prog->cap_fixups, prog->nr_fixups + 1,
	    sizeof(*prog->fixups)) != 0) {
		prog->failed = 1;
		return;
	}
	prog->fixups[prog->nr_fixups].insn = prog->len;
	prog->fixups[prog->nr_fixups].label = label;
	prog->fixups[prog->nr_fixups].in_imm = in_imm;
	prog->nr_fixups++;
	prog->label_used[label] = 1;
}

void
xdp_prog_emit_to(struct xdp_prog *prog, struct bpf_insn jump, size_t label)
{
	xdp_prog_add_fixup(prog, label, 0);
	xdp_prog_emit(prog, jump);
}

void
xdp_prog_emit_func_to(struct xdp_prog *prog, int dst, size_t label)
{
	xdp_prog_add_fixup(prog, label, 1);
	xdp_prog_emit(prog, XDP_INSN(BPF_LD | BPF_DW | BPF_IMM, dst,
	    BPF_PSEUDO_FUNC, 0, 0));
	xdp_prog_emit(prog, XDP_INSN(0, 0, 0, 0, 0));
}

void
xdp_prog_place(struct xdp_prog *prog, size_t label)
{
	if (label >= prog->nr_labels) {
		prog->failed = 1;
		return;
	}
	prog->label[label] = (long)prog->len;
}

int
xdp_prog_label_used(const struct xdp_prog *prog, size_t label)
{
	return label < prog->nr_labels && prog->label_used[label];
}

int
xdp_prog_resolve(struct xdp_prog *prog)
{
	const struct xdp_prog_fixup *f;
	long off;
	size_t i;

	for (i = 0; !prog->failed && i < prog->nr_fixups; i++) {
		f = &prog->fixups[i];
		if (prog->label[f->label] < 0) {
			prog->failed = 1;
			break;
		}
		off = prog->label[f->label] - (long)f->insn - 1;
		if (f->in_imm) {
			prog->insns[f->insn].imm = (__s32)off;
			continue;
		}
		/* Jump offsets are 16 bits. */
		if (off < INT16_MIN || off > INT16_MAX) {
			prog->failed = 1;
			break;
		}
		prog->insns[f->insn].off = (__s16)off;
	}
	return prog->failed ? -1 : 0;
}
