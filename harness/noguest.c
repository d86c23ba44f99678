/* noguest.c: the guest table's `none` entry: a point run natively, with no
 * guest. Each point runs in a fresh vbench-guest child (the same binary that
 * runs inside Linux guests), through guestrun.c's vb_guest_argv and
 * vb_guest_exec, as a remote guest's points do. */
#include "harness/point.h"
#include "harness/guest.h"
#include "harness/guestrun.h"
#include "lib/error.h"
#include "microbench/bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Run the point in a vbench-guest child and take its row (harness/guest.h's
 * run_one). */
static int none_run(const struct vb_point *pt, const struct vb_run_opts *o, json_t *row)
{
	char *argv[96];
	int n = vb_guest_argv(pt, o, argv, 96);

	if (n < 0)
		return vb_row_status(row, "failed", "internal: vbench-guest command line too long");
	json_object_set_new(row, "mode_verified", json_string("native"));
	vb_guest_exec(argv, NULL, o, row, "vbench-guest");
	for (int i = 0; i < n; i++)
		free(argv[i]);
	return 0;
}

/* Natively there is one page dimension: the bench's own memory. */
static uint64_t native_hugetlb_bytes(const struct vb_point *pt, bool hugetlb, enum vb_page_size *ps)
{
	const struct vb_bench *b = vb_bench_find(pt->bench);

	(void)hugetlb;
	*ps = pt->pages.guest;
	return b ? vb_bench_mem_bytes(b, &pt->params, pt->pages.guest) : 0;
}

const struct vb_guest vb_guest_none = {
	.name = "none",
	.where = "natively",
	.summary = "no guest: a vbench-guest child process on this host (mode native)",
	.native = true,
	.guest_pages_only = true,
	.bench_at = vb_catalog_bench_at,
	.hugetlb_bytes = native_hugetlb_bytes,
	.run_one = none_run,
};
