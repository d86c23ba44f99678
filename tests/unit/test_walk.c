/* test_walk.c: the summary's walk block and its line about the PMU, from
 * synthetic rows. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/walk.h"

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

Test(walk, block_shows_each_side)
{
	json_t *rows =
		json_pack("[{s:s,s:s,s:{s:s},s:{s:{s:f,s:f,s:f,s:f,s:{s:f,s:f},s:f},"
			  "s:{s:f}}}]",
			  "bench", "ptrchase", "mode", "shadow", "pages", "requested", "4k:4k",
			  "walk", "guest", "walk_cycles_per_op", 12.5, "walk_cycles_per_load", 0.75,
			  "walk_cycle_share", 0.2, "walks_per_kop", 3.8, "walk_mix", "4k", 0.75,
			  "2m", 0.25, "ept_share", 0.2, "host", "walk_cycle_share", 0.01);
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

	rows = json_pack("[{s:s,s:s}]", "bench", "ptrchase", "mode", "native");
	out = print(vb_walk_print, rows);
	cr_assert_str_eq(out, "", "no walk key, no block");
	free(out);
	json_decref(rows);
}

Test(walk, pmu_line_says_why_once_with_the_remedy)
{
	json_t *rows = json_pack(
		"[{s:{s:s,s:[{s:s,s:s,s:s,s:s},{s:s,s:s,s:s,s:s}],s:[s]}},"
		"{s:{s:s,s:[{s:s,s:s,s:s,s:s}]}},{s:{}}]",
		"counters", "set", "default", "unavailable", "metric", "cycles", "side", "all",
		"cause", "no-pmu", "reason", "no hardware PMU in this VM", "metric",
		"load_walks_1g", "side", "all", "cause", "not-on-pmu", "reason", "not on icl",
		"fallbacks", "user-only counting (perf_event_paranoid=2)", "counters", "set",
		"default", "unavailable", "metric", "cycles", "side", "all", "cause", "no-pmu",
		"reason", "no hardware PMU in this VM", "counters");
	char *out = print(vb_walk_print_pmu_line, rows);

	cr_assert(strstr(out, "pmu: not counted on 2 of 2 rows"), "%s", out);
	cr_assert(strstr(out, "no hardware PMU in this VM (2): run on a host with a hardware PMU"),
		  "%s", out);
	cr_assert(strstr(out, "not on icl (1)"), "%s", out);
	cr_assert(strstr(out, "user-only counting"), "%s", out);
	cr_assert_eq(strchr(out + 1, '\n'), out + strlen(out) - 1, "one line: %s", out);
	free(out);
	json_decref(rows);

	rows = json_pack("[{s:{s:s,s:[]}}]", "counters", "set", "default", "unavailable");
	out = print(vb_walk_print_pmu_line, rows);
	cr_assert(strstr(out, "pmu: every metric asked for was counted"), "%s", out);
	free(out);
	json_decref(rows);
}
