/* mmapchurn.c: mmap, touch K pages, munmap, repeated: page-table creation
 * and teardown plus the TLB shootdown of each unmap. */
#include "microbench/bench.h"

#include <stdint.h>

static const struct vb_param_def params[] = {
	{ .name = "pages", .type = VB_PARAM_U64, .def = 64, .min = 1, .max = 65536,
	  .unit = "pages", .help = "pages of the requested size touched per iteration" },
	{ .name = "iterations", .type = VB_PARAM_U64, .def = 100, .min = 1, .max = 100000000,
	  .unit = "iterations", .help = "mmap/touch/munmap iterations per run" },
	{ 0 }
};

static int setup(struct vb_bench_ctx *ctx)
{
	/* One trial mapping, kept until the first run, so the runner can verify
	 * the page size each iteration gets. */
	size_t len = vb_param_get(&ctx->params, "pages") * vb_page_size_bytes(ctx->pages);

	return vb_bench_mem_alloc(ctx, len, true);
}

static int run(struct vb_bench_ctx *ctx, struct vb_ops *ops)
{
	uint64_t pages = vb_param_get(&ctx->params, "pages");
	uint64_t iters = vb_param_get(&ctx->params, "iterations");
	size_t pg = vb_page_size_bytes(ctx->pages);
	enum vb_backing b = vb_backing_for(ctx->pages, ctx->hugetlb);

	vb_mem_free(&ctx->mem);
	for (uint64_t i = 0; i < iters; i++) {
		struct vb_mem m;
		volatile uint8_t *p;

		if (vb_mem_alloc(&m, pages * pg, b, ctx->err, sizeof(ctx->err)) < 0)
			return -1;
		p = m.addr;
		/* One write per page of the requested size: one fault each. */
		for (uint64_t k = 0; k < pages; k++)
			p[k * pg] = 1;
		vb_mem_free(&m);
	}
	ops->ops = iters;
	ops->sub_ops = iters * pages;
	return 0;
}

static void teardown(struct vb_bench_ctx *ctx)
{
	vb_mem_free(&ctx->mem);
}

const struct vb_bench vb_bench_mmapchurn = {
	.name = "mmapchurn",
	.summary = "mmap, touch K pages, munmap, repeated",
	.unit_kind = VB_UNIT_US_PER_OP,
	.unit = "us/iteration",
	.params = params,
	.uses_pages = true,
	.setup = setup,
	.run = run,
	.teardown = teardown,
	.sub_metric = "us_per_page",
};
