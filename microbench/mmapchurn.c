/* mmapchurn.c: mmap, touch K pages, munmap, repeated: page-table creation
 * and teardown plus the TLB shootdown of each unmap. */
#include "microbench/bench.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static const struct vb_param_def params[] = {
	{ .name = "pages", .type = VB_PARAM_U64, .def = 64, .min = 1, .max = 65536,
	  .unit = "pages", .help = "pages of the requested size touched per iteration",
	  .mem = VB_MEM_PAGES },
	{ .name = "iterations", .type = VB_PARAM_U64, .def = 100, .min = 1, .max = 100000000,
	  .unit = "iterations", .help = "mmap/touch/munmap iterations per run" },
	{ 0 }
};

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

struct state {
	void *at;	/* a free range aligned to the page size, found in setup */
	size_t len;
	int flags;	/* mmap flags of the requested backing */
	int advice;	/* madvise advice of anonymous memory; 0 for hugetlbfs */
};

static int setup(struct vb_bench_ctx *ctx)
{
	size_t pg = vb_page_size_bytes(ctx->pages);
	size_t len = vb_param_get(&ctx->params, "pages") * pg;
	enum vb_backing b = vb_backing_for(ctx->pages, ctx->hugetlb);
	struct state *st = calloc(1, sizeof(*st));
	void *probe;

	if (!st)
		return vb_errf(ctx->err, sizeof(ctx->err), "out of memory");
	ctx->state = st;
	/* Every iteration maps at the same aligned address with one mmap and at
	 * most one madvise, whatever the page size, so the syscalls timed do not
	 * differ between sizes; alignment is what lets THP use 2M pages. */
	probe = mmap(NULL, len + pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (probe == MAP_FAILED)
		return vb_errf(ctx->err, sizeof(ctx->err), "mmap of %zu bytes: %s", len + pg,
			       strerror(errno));
	st->at = (void *)(((uintptr_t)probe + pg - 1) & ~(uintptr_t)(pg - 1));
	st->len = len;
	munmap(probe, len + pg);
	st->flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE;
	if (vb_backing_is_hugetlb(b))
		st->flags |= vb_backing_mmap_flags(b);
	else
		st->advice = b == VB_BACKING_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE;
	/* One trial mapping, kept until the first run, so the runner can verify
	 * the page size the iterations get. */
	return vb_bench_mem_alloc(ctx, len, true);
}

static int run(struct vb_bench_ctx *ctx, struct vb_ops *ops)
{
	struct state *st = ctx->state;
	uint64_t pages = vb_param_get(&ctx->params, "pages");
	uint64_t iters = vb_param_get(&ctx->params, "iterations");
	size_t pg = vb_page_size_bytes(ctx->pages);

	vb_mem_free(&ctx->mem);
	for (uint64_t i = 0; i < iters; i++) {
		volatile uint8_t *p =
			mmap(st->at, st->len, PROT_READ | PROT_WRITE, st->flags, -1, 0);

		if ((void *)p == MAP_FAILED)
			return vb_errf(ctx->err, sizeof(ctx->err), "mmap of %zu bytes: %s", st->len,
				       strerror(errno));
		if (st->advice && madvise((void *)p, st->len, st->advice) < 0)
			return vb_errf(ctx->err, sizeof(ctx->err), "madvise: %s", strerror(errno));
		/* One write per page of the requested size: one fault each. */
		for (uint64_t k = 0; k < pages; k++)
			p[k * pg] = 1;
		munmap((void *)p, st->len);
	}
	ops->ops = iters;
	ops->sub_ops = iters * pages;
	return 0;
}

const struct vb_bench vb_bench_mmapchurn = {
	.name = "mmapchurn",
	.summary = "mmap, touch K pages, munmap, repeated (one mmap and madvise per iteration at "
		   "any page size)",
	.unit_kind = VB_UNIT_US_PER_OP,
	.unit = "us/iteration",
	.params = params,
	.uses_pages = true,
	.setup = setup,
	.run = run,
	.teardown = vb_bench_teardown,
	.sub_metric = "us_per_page",
};
