/* test_walk.c: the summary's walk block and its line about the PMU, on rows
 * vbench made (tests/fixtures/runs) given other counts through lib/row.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/walk.h"
#include "microbench/metrics.h"
#include "tests/unit/fixture_run.h"

static char *print(void (*fn)(FILE *, json_t *), json_t *rows)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	fn(f, rows);
	fclose(f);
	return buf;
}

/* The counter double's ptrchase row (vbench's, tests/fixtures/runs) as a
 * shadow row whose guest side counted the double's events and whose host
 * side walked for 1% of its cycles; `walk` derived as results.c derives it. */
static json_t *walk_row(void)
{
	json_t *r = fx_producer_row("counter-double", "ptrchase", "native", "ok"), *all, *v;
	const char *k;

	cr_assert_not_null(r, "%s/counter-double (scripts/make-fixtures.sh makes it)", FX_RUNS);
	all = json_deep_copy(json_object_get(vb_row_pmu_sides(r), "all"));
	vb_row_set_str(r, "mode", "shadow");
	vb_row_set_pages(r, "4k:4k", "4k:4k", true);
	/* 800000 walk cycles over 64000 operations: 12.5 per operation. */
	vb_row_set_counters(r, vb_row_counters_json(64000));
	json_object_foreach(all, k, v)
		vb_row_set_pmu(r, "guest", k, json_number_value(v));
	vb_row_set_pmu(r, "host", "cycles", 4e6);
	vb_row_set_pmu(r, "host", "load_walk_cycles", 4e4);
	vb_row_set_walk(r, vb_walk_row(vb_row_counters(r)));
	json_decref(all);
	return r;
}

Test(walk, block_shows_each_side)
{
	json_t *rows = json_pack("[o]", walk_row());
	char *out = print(vb_walk_print, rows);

	cr_assert(strstr(out, "Page walks"), "%s", out);
	cr_assert(strstr(out, "ptrchase shadow 4k:4k"), "%s", out);
	cr_assert(strstr(out, "guest"), "%s", out);
	cr_assert(strstr(out, "12.5"), "%s", out);
	cr_assert(strstr(out, "20.0%"), "%s", out);
	cr_assert(strstr(out, "75/25/-"), "%s", out);
	cr_assert(strstr(out, "host"), "%s", out);
	cr_assert(strstr(out, "1.0%"), "%s", out);
	free(out);
	json_decref(rows);

	rows = json_pack("[o]", fx_producer_row("native", "ptrchase", "native", "ok"));
	out = print(vb_walk_print, rows);
	cr_assert_str_eq(out, "", "no walk key, no block");
	free(out);
	json_decref(rows);
}

/* Rows of the native fixture, made on a host with no PMU: every metric is
 * unavailable for one reason; one row also lacks an event of its PMU and
 * counted in user mode only. A skipped row counted nothing. */
Test(walk, pmu_line_says_why_once_with_the_remedy)
{
	json_t *a = fx_producer_row("native", "ptrchase", "native", "ok");
	json_t *b = fx_producer_row("native", "forkwait", "native", "ok");
	json_t *rows, *sw;
	char *out, want[256];

	cr_assert_not_null(a, "%s/native (scripts/make-fixtures.sh makes it)", FX_RUNS);
	/* The reason once, with how many metrics of the rows it kept uncounted. */
	snprintf(want, sizeof(want), "no hardware PMU in this VM (no /sys/bus/event_source/devices/"
		 "cpu) (%zu): run on a host with a hardware PMU",
		 json_array_size(vb_row_counter_unavailable(a)) +
			 json_array_size(vb_row_counter_unavailable(b)));
	vb_row_add_unavailable(a, "load_walks_1g", "all", "not-on-pmu", "not on icl");
	vb_row_add_fallback(a, "user-only counting (perf_event_paranoid=2)");
	rows = json_pack("[o,o,o]", a, b, fx_producer_row("sweep", NULL, "shadow", "skipped"));
	out = print(vb_walk_print_pmu_line, rows);
	cr_assert(strstr(out, "pmu: not counted on 2 of 2 rows"), "%s", out);
	cr_assert(strstr(out, want), "%s", out);
	cr_assert(strstr(out, "not on icl (1)"), "%s", out);
	cr_assert(strstr(out, "user-only counting"), "%s", out);
	cr_assert_eq(strchr(out + 1, '\n'), out + strlen(out) - 1, "one line: %s", out);
	free(out);
	json_decref(rows);

	/* --counters software: all that was asked for was counted. */
	sw = fx_producer_row("software", "ptrchase", "native", "ok");
	cr_assert_not_null(sw, "%s/software (scripts/make-fixtures.sh makes it)", FX_RUNS);
	rows = json_pack("[o]", sw);
	out = print(vb_walk_print_pmu_line, rows);
	cr_assert(strstr(out, "pmu: every metric asked for was counted"), "%s", out);
	free(out);
	json_decref(rows);
}
