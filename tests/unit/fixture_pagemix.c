/* fixture_pagemix.c: the page-mix run the report's bats tests read
 * (tests/e2e/fixtures.bash), derived from the run folders vbench made
 * (tests/fixtures/runs) through lib/row.c's setters: this host cannot run
 * EPT or the 3x3 page mix, so their figures are set, never typed as JSON.
 *
 * fixture_pagemix DIR [skip1g] [slower=MODE:BENCH:FACTOR] [only=MODE:PAGES]
 *
 * ptrchase footprint=64M natively at 4k, 2m and 1g, and in shadow and ept
 * (micro guest) at the full 3x3 page mix, plus forkwait at 4k:4k in both
 * modes. Shadow pays for page-table activity (forkwait 5x), ept for TLB
 * misses (ptrchase 4k:4k 1.5x shadow's), and large pages cut ept's cost more
 * than shadow's, most in both dimensions. Guest rows carry KVM statistics,
 * the ept rows PMU counts and the walk metrics vbench derives from them, the
 * others one metric not counted for want of a PMU. skip1g: the 1g rows are
 * skipped for want of 1G pages, and shadow 2m:4k failed. slower: the rows of
 * MODE and BENCH have their samples times FACTOR. only: just the rows of
 * MODE at PAGES. Writes DIR/run.json; run from the top of the tree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "microbench/metrics.h"
#include "tests/unit/fixture_run.h"

#define FOOTPRINT ((json_int_t)64 << 20)

static const char *const sizes[] = { "4k", "2m", "1g" };

/* Relative cost of a page size in one dimension. */
static double factor(const char *s, double m2, double g1)
{
	return !strcmp(s, "2m") ? m2 : !strcmp(s, "1g") ? g1 : 1.0;
}

/* ptrchase's ns/load under mode at guest:host page sizes g and h. */
static double cost(const char *mode, const char *g, const char *h)
{
	double c = factor(g, 0.6, 0.5) * factor(h, 0.7, 0.6);

	if (!strcmp(mode, "ept"))
		return c * 150 * factor(g, 0.8, 0.7) * factor(h, 0.8, 0.7);
	return c * 100;
}

/* A row of the run: 7 samples within +-2% of median, 7000 operations, and
 * the counters of its mode. */
static json_t *row(const char *bench, const char *mode, const char *pages, const char *unit,
		   double median, json_int_t footprint)
{
	json_t *r = fx_row(bench, mode, pages, unit, median, 0.02, 7);
	bool shadow = !strcmp(mode, "shadow");

	vb_row_set_param(r, "footprint", json_integer(footprint));
	vb_row_set_counters(r, vb_row_counters_json(7000));
	vb_row_set_trace(r, NULL, NULL);	/* not traced: no why section */
	if (strcmp(mode, "native")) {
		vb_row_set_kvm(r, "exits", shadow ? 90000 : 3000);
		vb_row_set_kvm(r, "pf_fixed", shadow ? 40000 : 100);
		vb_row_set_kvm(r, "mmu_pte_write", shadow ? 25000 : 0);
		vb_row_set_kvm(r, "pages_4k", 16384);
		vb_row_set_kvm(r, "pages_2m", 0);
	}
	if (!strcmp(mode, "ept")) {
		vb_row_set_pmu(r, "guest", "load_walk_cycles", median * 1000);
		vb_row_set_pmu(r, "guest", "loads", 1000);
		vb_row_set_pmu(r, "host", "load_walk_cycles", median * 100);
		vb_row_set_walk(r, vb_walk_row(vb_row_counters(r)));
	} else {
		vb_row_add_unavailable(r, "load_walk_cycles", "all", "no-pmu",
				       "no hardware PMU (fixture)");
	}
	return r;
}

static json_t *rows(void)
{
	static const char *const guests[] = { "shadow", "ept" };
	static const double native[] = { 60, 35, 30 };
	json_t *a = json_array();
	char pages[16];

	for (int s = 0; s < 3; s++)
		json_array_append_new(a, row("ptrchase", "native", sizes[s], "ns/load", native[s],
					     FOOTPRINT));
	for (int m = 0; m < 2; m++)
		for (int g = 0; g < 3; g++)
			for (int h = 0; h < 3; h++) {
				snprintf(pages, sizeof(pages), "%s:%s", sizes[g], sizes[h]);
				json_array_append_new(a, row("ptrchase", guests[m], pages,
							     "ns/load",
							     cost(guests[m], sizes[g], sizes[h]),
							     FOOTPRINT));
			}
	json_array_append_new(a, row("forkwait", "shadow", "4k:4k", "us/fork", 300, 0));
	json_array_append_new(a, row("forkwait", "ept", "4k:4k", "us/fork", 60, 0));
	return a;
}

/* The 1g rows skipped, shadow 2m:4k failed. */
static void skip1g(json_t *a)
{
	json_t *r;
	size_t i;

	json_array_foreach(a, i, r) {
		const char *pages = vb_row_pages(r, "requested");

		if (strstr(pages, "1g")) {
			json_t *s = fx_skipped(vb_row_str(r, "bench"), vb_row_str(r, "mode"), pages,
					       "not enough free 1G hugepages (need 1, have 0)");

			vb_row_set_param(s, "footprint", json_integer(FOOTPRINT));
			json_array_set_new(a, i, s);
		} else if (!strcmp(vb_row_str(r, "mode"), "shadow") && !strcmp(pages, "2m:4k")) {
			vb_row_clear_measured(r);
			vb_row_set_status(r, "failed", "the guest died: KVM_RUN: EFAULT");
		}
	}
}

/* The samples of the rows of mode and bench times f, with their statistics. */
static void slower(json_t *a, const char *mode, const char *bench, double f)
{
	json_t *r;
	size_t i, n;

	json_array_foreach(a, i, r) {
		double *x;

		if (strcmp(vb_row_str(r, "mode"), mode) || strcmp(vb_row_str(r, "bench"), bench))
			continue;
		x = vb_row_samples(r, &n);
		for (size_t j = 0; x && j < n; j++)
			x[j] *= f;
		vb_row_set_measured(r, x, n, 1);
		free(x);
	}
}

/* Only the rows of mode at pages. */
static void only(json_t *a, const char *mode, const char *pages)
{
	for (size_t i = json_array_size(a); i-- > 0;) {
		json_t *r = json_array_get(a, i);
		const char *p = vb_row_pages(r, "requested");

		if (strcmp(vb_row_str(r, "mode"), mode) || strcmp(p, pages))
			json_array_remove(a, i);
	}
}

/* The run's host: an Intel machine whose KVM has EPT, as the rows say. */
static void host(json_t *run)
{
	json_t *h = json_object_get(run, "host"), *kvm = json_object_get(h, "kvm");

	json_object_set_new(h, "hostname", json_string("fixture"));
	json_object_set_new(kvm, "flavour", json_string("kvm_intel"));
	json_object_set_new(kvm, "paging", json_string("ept"));
}

int main(int argc, char **argv)
{
	json_t *a, *run;
	char mode[32], what[32];
	double f;

	if (argc < 2) {
		fprintf(stderr, "usage: fixture_pagemix DIR [skip1g] [slower=MODE:BENCH:FACTOR] "
				"[only=MODE:PAGES]\n");
		return 2;
	}
	a = rows();
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "skip1g")) {
			skip1g(a);
		} else if (sscanf(argv[i], "slower=%31[^:]:%31[^:]:%lf", mode, what, &f) == 3) {
			slower(a, mode, what, f);
		} else if (sscanf(argv[i], "only=%31[^:]:%31s", mode, what) == 2) {
			only(a, mode, what);
		} else {
			fprintf(stderr, "fixture_pagemix: what is %s?\n", argv[i]);
			return 2;
		}
	}
	run = fx_run("FIXTURE-PAGEMIX", a);
	if (!run) {
		fprintf(stderr, "fixture_pagemix: no %s/native/run.json here: run from the top "
				"of the tree\n", FX_RUNS);
		return 1;
	}
	host(run);
	fx_save(run, argv[1]);
	return 0;
}
