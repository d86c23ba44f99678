/* test_runloop.c: harness/runloop.c through a guest entry of the test's own:
 * points prepared (planned skips, hugepages short), batched when the guest
 * shares a boot, rerun when a guest stops mid-batch, and rows recorded once,
 * after their last invocation or at once when they did not run ok. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "harness/guest.h"
#include "harness/results.h"
#include "harness/runloop.h"
#include "lib/backing.h"
#include "lib/row.h"
#include "tests/unit/fixture_tmp.h"

#define MAXCALLS 32

/* What the fake guest saw and what it is told to do. */
static struct {
	size_t calls, sizes[MAXCALLS];
	const char *first[MAXCALLS];	/* bench of each call's first point */
	int reach;			/* >0: a call reaches at most this many points; <0: error */
	const char *fail_bench;		/* the point of this bench fails */
	volatile sig_atomic_t *interrupt_on_run; /* set during the first call */
	uint64_t hugetlb_1g;		/* bytes of 1G hugetlb memory each point needs */
} fk;

/* Points share a boot when their benches begin with the same letter. */
static bool fake_shares(const struct vb_point *a, const struct vb_point *b)
{
	return a->bench[0] == b->bench[0];
}

static uint64_t fake_hugetlb(const struct vb_point *pt, bool hugetlb, enum vb_page_size *ps)
{
	(void)pt;
	(void)hugetlb;
	*ps = VB_PS_1G;
	return fk.hugetlb_1g;
}

static int fake_run(const struct vb_point *const *pts, json_t *const *rows, size_t n,
		    const struct vb_run_opts *o)
{
	size_t reached = n;

	(void)o;
	cr_assert_lt(fk.calls, MAXCALLS);
	fk.sizes[fk.calls] = n;
	fk.first[fk.calls++] = pts[0]->bench;
	if (fk.reach < 0)
		return -1;
	if (fk.reach > 0 && (size_t)fk.reach < n)
		reached = (size_t)fk.reach;
	for (size_t k = 0; k < reached; k++) {
		bool fail = fk.fail_bench && !strcmp(pts[k]->bench, fk.fail_bench);

		vb_row_set_status(rows[k], fail ? "failed" : "ok", fail ? "told to fail" : NULL);
	}
	if (fk.interrupt_on_run) {
		*fk.interrupt_on_run = 1;
		fk.interrupt_on_run = NULL;
	}
	return (int)reached;
}

static const struct vb_guest sharing_guest = {
	.name = "fake", .where = "in the fake guest", .shares = fake_shares,
	.hugetlb_bytes = fake_hugetlb, .run = fake_run,
};
static const struct vb_guest lone_guest = {
	.name = "lone", .where = "in the lone guest", .run = fake_run,
};

struct loop {
	struct vb_plan_point pts[8];
	struct vb_results res;
	struct vb_run_opts opts;
	cpu_set_t cpus;
	volatile sig_atomic_t stop;
	json_t *acc[8];
	bool recorded[8];
	struct vb_run_loop r;
};

static void loop_init(struct loop *l, const struct vb_guest *g, const char *const *benches,
		      size_t n)
{
	char err[512], *dir = fx_tmpdir();

	memset(&fk, 0, sizeof(fk));
	memset(l, 0, sizeof(*l));
	cr_assert(dir);
	cr_assert_eq(vb_results_open(&l->res, dir, err, sizeof(err)), 0, "%s", err);
	free(dir);
	for (size_t i = 0; i < n; i++) {
		l->pts[i].pt.bench = benches[i];
		l->pts[i].pt.mode = VB_MODE_NATIVE;
		l->pts[i].pt.guest = g;
	}
	l->opts.pin_cpu = -1;
	CPU_ZERO(&l->cpus);
	CPU_SET(0, &l->cpus);
	l->r = (struct vb_run_loop){ .points = l->pts, .n_points = n, .res = &l->res,
				     .opts = &l->opts, .cpus = &l->cpus,
				     .interrupted = &l->stop, .quiet = true, .acc = l->acc,
				     .recorded = l->recorded };
}

static void loop_fini(struct loop *l)
{
	for (size_t i = 0; i < l->r.n_points; i++)
		json_decref(l->acc[i]);
	vb_results_close(&l->res);
}

/* Row i of results.jsonl as recorded, in recording order. */
static json_t *recorded_row(struct loop *l, size_t i)
{
	cr_assert_lt(i, json_array_size(l->res.rows));
	return json_array_get(l->res.rows, i);
}

static const char *str(json_t *row, const char *key)
{
	return json_string_value(json_object_get(row, key));
}

Test(runloop, points_that_share_run_in_one_batch)
{
	const char *b[] = { "alpha", "beta", "apple", "avocado", "bravo" };
	struct loop l;

	loop_init(&l, &sharing_guest, b, 5);
	vb_run_round(&l.r, 0, 1);
	/* alpha takes apple and avocado along; beta takes bravo. */
	cr_assert_eq(fk.calls, 2);
	cr_assert_eq(fk.sizes[0], 3);
	cr_assert_str_eq(fk.first[0], "alpha");
	cr_assert_eq(fk.sizes[1], 2);
	cr_assert_str_eq(fk.first[1], "beta");
	cr_assert_eq(l.r.done, 5);
	cr_assert_eq(json_array_size(l.res.rows), 5);
	cr_assert_str_eq(str(recorded_row(&l, 0), "bench"), "alpha");
	cr_assert_str_eq(str(recorded_row(&l, 1), "bench"), "apple");
	cr_assert_str_eq(str(recorded_row(&l, 3), "bench"), "beta");
	for (size_t i = 0; i < 5; i++) {
		json_t *row = recorded_row(&l, i);

		cr_assert_str_eq(str(row, "status"), "ok");
		cr_assert_str_eq(str(row, "guest"), "fake");
		cr_assert(json_is_number(json_object_get(row, "seconds")));
		cr_assert(l.recorded[i]);
	}
	cr_assert_eq(l.r.failed, 0);
	loop_fini(&l);
}

Test(runloop, a_guest_without_shares_runs_points_one_by_one)
{
	const char *b[] = { "alpha", "apple", "avocado" };
	struct loop l;

	loop_init(&l, &lone_guest, b, 3);
	vb_run_round(&l.r, 0, 1);
	cr_assert_eq(fk.calls, 3);
	for (size_t c = 0; c < 3; c++)
		cr_assert_eq(fk.sizes[c], 1);
	cr_assert_str_eq(fk.first[2], "avocado");
	cr_assert_eq(l.r.done, 3);
	loop_fini(&l);
}

Test(runloop, a_planned_skip_keeps_its_reason_and_never_runs)
{
	const char *b[] = { "alpha", "apple", "avocado" };
	struct loop l;
	json_t *row;

	loop_init(&l, &sharing_guest, b, 3);
	snprintf(l.pts[1].skip, sizeof(l.pts[1].skip), "apple needs a PMU");
	vb_run_round(&l.r, 0, 1);
	/* The skipped point stays out of the batch; the others still share one. */
	cr_assert_eq(fk.calls, 1);
	cr_assert_eq(fk.sizes[0], 2);
	cr_assert_eq(l.r.done, 3);
	row = l.acc[1];
	cr_assert_str_eq(str(row, "status"), "skipped");
	cr_assert_str_eq(str(row, "reason"), "apple needs a PMU");
	cr_assert_eq(l.r.failed, 0);
	cr_assert_eq(l.r.hp_short, 0);
	loop_fini(&l);
}

Test(runloop, hugepages_short_skip_with_the_command_that_reserves_them)
{
	const char *b[] = { "alpha", "apple" };
	struct loop l;
	long have = vb_hugepages_free(1UL << 30);

	if (have < 0)
		cr_skip_test("this kernel has no 1G hugetlb pool");
	loop_init(&l, &sharing_guest, b, 2);
	/* More 1G pages than the pool has free, whatever it holds. */
	fk.hugetlb_1g = (uint64_t)(have + 1) << 30;
	vb_run_round(&l.r, 0, 1);
	cr_assert_eq(fk.calls, 0);
	cr_assert_eq(l.r.hp_short, 2);
	cr_assert_eq(l.r.done, 2);
	for (size_t i = 0; i < 2; i++) {
		cr_assert_str_eq(str(l.acc[i], "status"), "skipped");
		cr_assert(strstr(str(l.acc[i], "reason"), "not enough free 1G hugepages"));
	}
	cr_assert(strstr(l.r.hp_hint, "hugepages-1048576kB/nr_hugepages"), "%s", l.r.hp_hint);
	cr_assert(strstr(l.r.hp_hint, "--reserve-hugepages"));
	loop_fini(&l);
}

Test(runloop, points_a_stopped_guest_never_reached_get_a_boot_of_their_own)
{
	const char *b[] = { "alpha", "apple", "avocado" };
	struct loop l;

	loop_init(&l, &sharing_guest, b, 3);
	fk.reach = 1;
	vb_run_round(&l.r, 0, 1);
	cr_assert_eq(fk.calls, 3);
	cr_assert_eq(fk.sizes[0], 3);
	cr_assert_str_eq(fk.first[1], "apple");
	cr_assert_eq(fk.sizes[1], 2);
	cr_assert_str_eq(fk.first[2], "avocado");
	cr_assert_eq(fk.sizes[2], 1);
	cr_assert_eq(l.r.done, 3);
	for (size_t i = 0; i < 3; i++)
		cr_assert_str_eq(str(l.acc[i], "status"), "ok");
	loop_fini(&l);
}

Test(runloop, a_guest_error_fails_every_row_of_its_batch)
{
	const char *b[] = { "alpha", "apple" };
	struct loop l;

	loop_init(&l, &sharing_guest, b, 2);
	fk.reach = -1;
	vb_run_round(&l.r, 0, 1);
	cr_assert_eq(fk.calls, 1);
	cr_assert_eq(l.r.failed, 2);
	for (size_t i = 0; i < 2; i++) {
		cr_assert_str_eq(str(l.acc[i], "status"), "failed");
		cr_assert_str_eq(str(l.acc[i], "reason"),
				 "the fake guest stopped: an error that ends the run");
	}
	loop_fini(&l);
}

Test(runloop, rows_are_recorded_after_their_last_invocation_or_at_once_when_failed)
{
	const char *b[] = { "alpha", "beta" };
	struct loop l;

	loop_init(&l, &sharing_guest, b, 2);
	fk.fail_bench = "beta";
	vb_run_round(&l.r, 0, 2);
	/* beta failed: recorded now; alpha waits for its second invocation. */
	cr_assert_eq(l.r.done, 1);
	cr_assert_not(l.recorded[0]);
	cr_assert(l.recorded[1]);
	cr_assert_str_eq(str(recorded_row(&l, 0), "bench"), "beta");
	cr_assert_str_eq(str(recorded_row(&l, 0), "reason"), "told to fail");
	cr_assert_eq(l.r.failed, 1);
	vb_run_round(&l.r, 1, 2);
	/* Round two runs only alpha. */
	cr_assert_eq(fk.calls, 3);
	cr_assert_str_eq(fk.first[2], "alpha");
	cr_assert_eq(l.r.done, 2);
	cr_assert_str_eq(str(recorded_row(&l, 1), "bench"), "alpha");
	cr_assert_str_eq(str(recorded_row(&l, 1), "status"), "ok");
	loop_fini(&l);
}

Test(runloop, ctrl_c_drops_the_rows_it_cut_short_and_runs_nothing_after)
{
	const char *b[] = { "alpha", "beta", "bravo" };
	struct loop l;

	loop_init(&l, &lone_guest, b, 3);
	fk.fail_bench = "alpha";
	fk.interrupt_on_run = &l.stop;
	vb_run_round(&l.r, 0, 1);
	cr_assert_eq(fk.calls, 1);
	cr_assert_eq(l.r.done, 0);
	cr_assert_eq(json_array_size(l.res.rows), 0);
	cr_assert_null(l.acc[0]);
	loop_fini(&l);
}
