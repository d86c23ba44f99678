/* pagefault.c: first-touch faults on fresh anonymous memory of the requested
 * page size; mapping and unmapping happen untimed in prepare(). */
#include "microbench/bench.h"

#include <stdint.h>
#include <stdlib.h>

static const struct vb_param_def params[] = {
	{ .name = "footprint", .type = VB_PARAM_SIZE, .def = 64UL << 20, .min = 64UL << 10,
	  .max = 64UL << 30, .unit = "bytes", .help = "fresh memory faulted in per run",
	  .mem = VB_MEM_BYTES },
	{ 0 }
};

struct state {
	bool touched;		/* ctx->mem has been faulted in and must be replaced */
};

static int setup(struct vb_bench_ctx *ctx)
{
	struct state *st = calloc(1, sizeof(*st));

	if (!st)
		return vb_errf(ctx->err, sizeof(ctx->err), "out of memory");
	ctx->state = st;
	return vb_bench_mem_alloc(ctx, vb_param_get(&ctx->params, "footprint"), false);
}

/* A fresh, never-touched mapping before every run. */
static int prepare(struct vb_bench_ctx *ctx)
{
	struct state *st = ctx->state;

	if (!st->touched)
		return 0;
	vb_mem_free(&ctx->mem);
	st->touched = false;
	return vb_bench_mem_alloc(ctx, vb_param_get(&ctx->params, "footprint"), false);
}

static int run(struct vb_bench_ctx *ctx, struct vb_ops *ops)
{
	struct state *st = ctx->state;
	size_t pg = vb_page_size_bytes(ctx->pages);
	volatile uint8_t *p = ctx->mem.addr;

	/* One write per page of the mapping's size: exactly one fault each. */
	for (size_t off = 0; off < ctx->mem.len; off += pg)
		p[off] = 1;
	st->touched = true;
	ops->ops = ctx->mem.len / pg;
	return 0;
}

/* The memory is untouched after setup; fault it in once to see what the
 * kernel gives, and let prepare() replace it. */
static int verify(struct vb_bench_ctx *ctx, struct vb_mem_verified *out)
{
	struct state *st = ctx->state;

	vb_mem_touch(&ctx->mem);
	st->touched = true;
	return vb_mem_verify(&ctx->mem, out, ctx->err, sizeof(ctx->err));
}

const struct vb_bench vb_bench_pagefault = {
	.name = "pagefault",
	.summary = "first-touch faults on fresh anonymous memory",
	.unit_kind = VB_UNIT_NS_PER_OP,
	.unit = "ns/fault",
	.params = params,
	.uses_pages = true,
	.setup = setup,
	.run = run,
	.teardown = vb_bench_teardown,
	.verify = verify,
	.prepare = prepare,
};
