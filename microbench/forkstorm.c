/* forkstorm.c: N children forked back to back, all alive at once, then all
 * waited: fork cost when many address spaces coexist. */
#include "microbench/bench.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct vb_param_def params[] = {
	{ .name = "children", .type = VB_PARAM_U64, .def = 8, .min = 1, .max = 4096,
	  .unit = "children", .help = "children alive at once" },
	{ .name = "rounds", .type = VB_PARAM_U64, .def = 8, .min = 1, .max = 1000000,
	  .unit = "rounds", .help = "fork-all-then-wait-all rounds per run" },
	{ .name = "footprint", .type = VB_PARAM_SIZE, .def = 0, .min = 0, .max = 64UL << 30,
	  .unit = "bytes", .help = "touched memory of the parent, in the requested page size",
	  .mem = VB_MEM_BYTES },
	{ 0 }
};

struct state {
	pid_t *pids;
};

static int setup(struct vb_bench_ctx *ctx)
{
	uint64_t footprint = vb_param_get(&ctx->params, "footprint");
	struct state *st = calloc(1, sizeof(*st));

	if (!st)
		return vb_errf(ctx->err, sizeof(ctx->err), "out of memory");
	ctx->state = st;
	st->pids = calloc(vb_param_get(&ctx->params, "children"), sizeof(pid_t));
	if (!st->pids)
		return vb_errf(ctx->err, sizeof(ctx->err), "out of memory");
	if (footprint && vb_bench_mem_alloc(ctx, footprint, true) < 0)
		return -1;
	return 0;
}

/* Children block on the pipe until the parent closes it, so all of them are
 * alive together; a dying parent closes it too, so none is left behind. */
static int one_round(struct vb_bench_ctx *ctx, struct state *st, uint64_t children,
		     uint64_t *forked)
{
	int gate[2], rc = 0;
	uint64_t n = 0;

	if (pipe2(gate, O_CLOEXEC) < 0)
		return vb_errf(ctx->err, sizeof(ctx->err), "pipe: %s", strerror(errno));
	for (; n < children; n++) {
		pid_t pid = fork();

		if (pid < 0) {
			rc = vb_errf(ctx->err, sizeof(ctx->err), "fork of child %lu: %s",
				     (unsigned long)n + 1, strerror(errno));
			break;
		}
		if (pid == 0) {
			char c;

			close(gate[1]);
			while (read(gate[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(0);
		}
		st->pids[n] = pid;
	}
	close(gate[0]);
	close(gate[1]);
	for (uint64_t i = 0; i < n; i++)
		if (vb_bench_reap(ctx, st->pids[i]) < 0)
			rc = -1;
	*forked += n;
	return rc;
}

static int run(struct vb_bench_ctx *ctx, struct vb_ops *ops)
{
	struct state *st = ctx->state;
	uint64_t children = vb_param_get(&ctx->params, "children");
	uint64_t rounds = vb_param_get(&ctx->params, "rounds");

	for (uint64_t r = 0; r < rounds; r++)
		if (one_round(ctx, st, children, &ops->ops) < 0)
			return -1;
	return 0;
}

static void teardown(struct vb_bench_ctx *ctx)
{
	struct state *st = ctx->state;

	if (st)
		free(st->pids);
	vb_bench_teardown(ctx);
}

const struct vb_bench vb_bench_forkstorm = {
	.name = "forkstorm",
	.summary = "N children forked and alive at once, then all waited",
	.unit_kind = VB_UNIT_US_PER_OP,
	.unit = "us/fork",
	.params = params,
	.uses_pages = true,
	.setup = setup,
	.run = run,
	.teardown = teardown,
};
