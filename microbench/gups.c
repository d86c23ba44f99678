/* gups.c: random read-modify-write updates over a large table (HPCC
 * RandomAccess style): one TLB and cache miss per update at large footprints. */
#include "microbench/bench.h"
#include "microbench/gups.h"

#include <stdint.h>
#include <stdlib.h>

const struct vb_param_def vb_gups_params[] = {
	{ .name = "footprint", .type = VB_PARAM_SIZE, .def = 256UL << 20, .min = 64UL << 10,
	  .max = 64UL << 30, .unit = "bytes", .help = "table size",
	  .mem = VB_MEM_BYTES },
	{ .name = "updates", .type = VB_PARAM_U64, .def = 1UL << 22, .min = 1000, .max = 1UL << 40,
	  .unit = "updates", .help = "updates per run" },
	{ 0 }
};

struct state {
	uint64_t x;		/* xorshift state, carried across runs */
};

static int setup(struct vb_bench_ctx *ctx)
{
	struct state *st = calloc(1, sizeof(*st));
	uint64_t *t;
	size_t n;

	if (!st)
		return vb_errf(ctx->err, sizeof(ctx->err), "out of memory");
	ctx->state = st;
	st->x = ctx->seed | 1;	/* xorshift must never hold 0 */
	if (vb_bench_mem_alloc(ctx, vb_param_get(&ctx->params, "footprint"), false) < 0)
		return -1;
	/* Writing every word is also what faults the table in. */
	t = ctx->mem.addr;
	n = vb_param_get(&ctx->params, "footprint") / sizeof(uint64_t);
	for (size_t i = 0; i < n; i++)
		t[i] = i;
	return 0;
}

static int run(struct vb_bench_ctx *ctx, struct vb_ops *ops)
{
	struct state *st = ctx->state;
	uint64_t *t = ctx->mem.addr;
	uint64_t n = vb_param_get(&ctx->params, "footprint") / sizeof(uint64_t);
	uint64_t updates = vb_param_get(&ctx->params, "updates");
	uint64_t x = st->x;

	for (uint64_t i = 0; i < updates; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* Multiply-shift maps x onto [0, n) for any n, not just powers of two. */
		t[(uint64_t)(((unsigned __int128)x * n) >> 64)] ^= x;
	}
	st->x = x;
	ops->ops = updates;
	ops->sink = x;
	return 0;
}

const struct vb_bench vb_bench_gups = {
	.name = "gups",
	.summary = "random read-modify-write updates over a table",
	.unit_kind = VB_UNIT_OPS_PER_SEC,
	.unit = "updates/s",
	.params = vb_gups_params,
	.uses_pages = true,
	.setup = setup,
	.run = run,
	.teardown = vb_bench_teardown,
};
