/* benches.c: the table of benches (one line each) and the small helpers
 * every bench shares. */
#include "microbench/bench.h"
#include "lib/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern const struct vb_bench vb_bench_ptrchase;
extern const struct vb_bench vb_bench_forkwait;
extern const struct vb_bench vb_bench_forkstorm;
extern const struct vb_bench vb_bench_mmapchurn;
extern const struct vb_bench vb_bench_ctxswitch;
extern const struct vb_bench vb_bench_pagefault;
extern const struct vb_bench vb_bench_gups;
extern const struct vb_bench vb_bench_build;
extern const struct vb_bench vb_bench_kvstore;
extern const struct vb_bench vb_bench_oltp;

const struct vb_bench *const vb_benches[] = {
	&vb_bench_ptrchase,
	&vb_bench_forkwait,
	&vb_bench_forkstorm,
	&vb_bench_mmapchurn,
	&vb_bench_ctxswitch,
	&vb_bench_pagefault,
	&vb_bench_gups,
	&vb_bench_build,	/* workloads/ */
	&vb_bench_kvstore,
	&vb_bench_oltp,
	NULL,
};

const struct vb_bench *vb_bench_find(const char *name)
{
	for (int i = 0; vb_benches[i]; i++)
		if (!strcmp(vb_benches[i]->name, name))
			return vb_benches[i];
	return NULL;
}

void vb_bench_names(char *buf, size_t len)
{
	size_t used = 0;

	if (!len)
		return;
	buf[0] = '\0';
	for (int i = 0; vb_benches[i] && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
				 vb_benches[i]->name);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

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

uint64_t vb_bench_mem_bytes(const struct vb_bench *b, const struct vb_param_values *pv,
			    enum vb_page_size ps)
{
	uint64_t bytes;

	if (!b->uses_pages)
		return 0;
	if (b->mem_bytes)
		return b->mem_bytes(pv, ps);
	/* THP and 2M hugetlb both map 2M pages. */
	if (vb_param_mem_bytes(pv, vb_page_size_bytes(ps == VB_PS_THP ? VB_PS_2M : ps), &bytes))
		return bytes;
	return 0;
}

uint64_t vb_bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
