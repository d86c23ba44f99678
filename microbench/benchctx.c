/* benchctx.c: what a bench calls while it runs: memory of the asked page
 * size, a secondary metric, a child reaped, a clock, the common teardown.
 * Apart from the table (benches.c), which lists the benches that call these. */
#include "microbench/bench.h"
#include "lib/clock.h"
#include "lib/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

int vb_bench_mem_alloc(struct vb_bench_ctx *ctx, size_t len, bool touch)
{
	enum vb_backing b = vb_backing_for(ctx->pages, ctx->hugetlb);

	if (vb_mem_alloc(&ctx->mem, len, b, ctx->err, sizeof(ctx->err)) < 0) {
		/* A short hugetlb pool, no such page size, or a footprint past the
		 * memory available is the host's limit, not the bench's failure. */
		ctx->skip = errno == ENOMEM || (errno == EOPNOTSUPP &&
			    (b == VB_BACKING_HUGETLB_2M || b == VB_BACKING_HUGETLB_1G));
		return -1;
	}
	if (touch)
		vb_mem_touch(&ctx->mem);
	return 0;
}

void vb_bench_extra(struct vb_bench_ctx *ctx, const char *name, double value)
{
	int cap = (int)(sizeof(ctx->extra) / sizeof(ctx->extra[0]));

	if (ctx->n_extra >= cap)
		return;
	ctx->extra[ctx->n_extra].name = name;
	ctx->extra[ctx->n_extra].value = value;
	ctx->n_extra++;
}

int vb_bench_reap(struct vb_bench_ctx *ctx, int pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return vb_errf(ctx->err, sizeof(ctx->err), "waitpid: %s", strerror(errno));
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return vb_errf(ctx->err, sizeof(ctx->err), "child %d ended badly (status 0x%x)",
			       pid, status);
	return 0;
}

void vb_bench_teardown(struct vb_bench_ctx *ctx)
{
	free(ctx->state);
	ctx->state = NULL;
	vb_mem_free(&ctx->mem);
}

