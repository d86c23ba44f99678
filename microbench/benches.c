/* benches.c: the table of benches (one line each) and lookups in it; what a
 * bench calls while it runs is in benchctx.c. */
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

uint64_t vb_bench_mem_bytes(const struct vb_bench *b, const struct vb_param_values *pv,
			    enum vb_page_size ps)
{
	uint64_t bytes;

	if (!b->uses_pages)
		return 0;
	if (b->mem_bytes)
		return b->mem_bytes(pv, ps);
	/* THP and 2M hugetlb both map 2M pages (lib/pages.c's table says so). */
	if (vb_param_mem_bytes(pv, vb_page_size_bytes(ps), &bytes))
		return bytes;
	return 0;
}

