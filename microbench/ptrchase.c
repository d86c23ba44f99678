/* ptrchase.c: dependent loads over a random cyclic permutation; with one
 * cache line per page every load is a TLB miss once the footprint exceeds TLB reach. */
#include "lib/rand.h"
#include "microbench/bench.h"
#include "microbench/ptrchase.h"

#include <stdio.h>
#include <stdlib.h>

#define LINE 64UL
#define PAGE 4096UL

enum { LAYOUT_PAGE, LAYOUT_LINE };

const struct vb_param_def vb_ptrchase_params[] = {
	{ .name = "footprint",
	  .type = VB_PARAM_SIZE,
	  .def = 64UL << 20,
	  .min = 64UL << 10,
	  .max = 64UL << 30,
	  .unit = "bytes",
	  .help = "memory the chain spans",
	  .mem = VB_MEM_BYTES },
	{ .name = "layout",
	  .type = VB_PARAM_CHOICE,
	  .def = LAYOUT_PAGE,
	  .choices = "page,line",
	  .help = "page: one cache line per 4K page (TLB-bound); line: every cache line "
		  "(cache-bound)" },
	{ .name = "loads",
	  .type = VB_PARAM_U64,
	  .def = 1UL << 20,
	  .min = 1000,
	  .max = 1UL << 36,
	  .unit = "loads",
	  .help = "dependent loads per run" },
	{ 0 }
};

struct state {
	void **cursor;
};


void *vb_ptrchase_node(void *base, size_t i, size_t stride)
{
	size_t off = 0;

	/* A fixed hash of the page index picks the line, so neighbouring pages
	 * use different cache sets; the builder and tests agree on it. */
	if (stride >= PAGE) {
		uint64_t h = i;

		off = (vb_rand_next(&h) % (stride / LINE)) * LINE;
	}
	return (char *)base + i * stride + off;
}

void *vb_ptrchase_build(void *base, size_t nodes, size_t stride, uint64_t seed)
{
	uint64_t s = seed;

	/* Each slot first holds its successor's index; Sattolo's shuffle of the
	 * identity gives a permutation that is a single cycle through all nodes. */
	for (size_t i = 0; i < nodes; i++)
		*(uint64_t *)vb_ptrchase_node(base, i, stride) = i;
	for (size_t i = nodes - 1; i > 0; i--) {
		size_t j = (size_t)(((unsigned __int128)vb_rand_next(&s) * i) >> 64);
		uint64_t *a = vb_ptrchase_node(base, i, stride);
		uint64_t *b = vb_ptrchase_node(base, j, stride);
		uint64_t t = *a;

		*a = *b;
		*b = t;
	}
	/* Indices to pointers, so the timed loop is nothing but dependent loads. */
	for (size_t i = 0; i < nodes; i++) {
		uint64_t *slot = vb_ptrchase_node(base, i, stride);

		*(void **)slot = vb_ptrchase_node(base, (size_t)*slot, stride);
	}
	return vb_ptrchase_node(base, 0, stride);
}

static int setup(struct vb_bench_ctx *ctx)
{
	uint64_t footprint = vb_param_get(&ctx->params, "footprint");
	size_t stride = vb_param_get(&ctx->params, "layout") == LAYOUT_LINE ? LINE : PAGE;
	struct state *st;

	if (vb_bench_mem_alloc(ctx, footprint, true) < 0)
		return -1;
	st = calloc(1, sizeof(*st));
	if (!st)
		return vb_errf(ctx->err, sizeof(ctx->err), "out of memory");
	ctx->state = st;
	st->cursor = vb_ptrchase_build(ctx->mem.addr, footprint / stride, stride, ctx->seed);
	return 0;
}

static int run(struct vb_bench_ctx *ctx, struct vb_ops *ops)
{
	struct state *st = ctx->state;
	uint64_t loads = vb_param_get(&ctx->params, "loads");
	void **p = st->cursor;

	/* Unrolled by 8 so loop overhead stays off the critical path. */
	for (uint64_t i = loads / 8; i; i--) {
		p = *p; p = *p; p = *p; p = *p;
		p = *p; p = *p; p = *p; p = *p;
	}
	for (uint64_t i = loads % 8; i; i--)
		p = *p;
	/* Carry on where we stopped: the next run continues the same cycle. */
	st->cursor = p;
	ops->ops = loads;
	ops->sink = (uintptr_t)p;
	return 0;
}

const struct vb_bench vb_bench_ptrchase = {
	.name = "ptrchase",
	.summary = "dependent loads over a random cycle, one cache line per page (or every line)",
	.unit_kind = VB_UNIT_NS_PER_OP,
	.unit = "ns/load",
	.params = vb_ptrchase_params,
	.uses_pages = true,
	.setup = setup,
	.run = run,
	.teardown = vb_bench_teardown,
};
