/* forkwait.c: fork + child _exit + waitpid; the parent's touched footprint
 * sets how many page-table entries each fork copies and each exit frees. */
#include "microbench/bench.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static const struct vb_param_def params[] = {
	{ .name = "footprint", .type = VB_PARAM_SIZE, .def = 0, .min = 0, .max = 64UL << 30,
	  .unit = "bytes", .help = "touched memory of the parent, in the requested page size",
	  .mem = VB_MEM_BYTES },
	{ .name = "forks", .type = VB_PARAM_U64, .def = 32, .min = 1, .max = 1000000,
	  .unit = "forks", .help = "forks per run" },
	{ 0 }
};

static int setup(struct vb_bench_ctx *ctx)
{
	uint64_t footprint = vb_param_get(&ctx->params, "footprint");

	if (footprint && vb_bench_mem_alloc(ctx, footprint, true) < 0)
		return -1;
	return 0;
}

static int run(struct vb_bench_ctx *ctx, struct vb_ops *ops)
{
	uint64_t forks = vb_param_get(&ctx->params, "forks");

	for (uint64_t i = 0; i < forks; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return vb_errf(ctx->err, sizeof(ctx->err), "fork: %s", strerror(errno));
		if (pid == 0)
			_exit(0);
		if (vb_bench_reap(ctx, pid) < 0)
			return -1;
		ops->ops++;
	}
	return 0;
}

const struct vb_bench vb_bench_forkwait = {
	.name = "forkwait",
	.summary = "fork + child exit + wait, with a touched parent footprint",
	.unit_kind = VB_UNIT_US_PER_OP,
	.unit = "us/fork",
	.params = params,
	.uses_pages = true,
	.setup = setup,
	.run = run,
	.teardown = vb_bench_teardown,
};
