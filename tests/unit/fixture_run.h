/* fixture_run.h: synthetic vbench.run/1 runs for the analysis tests, written
 * into temporary folders; header-only so each test binary stays one file. */
#ifndef VB_FIXTURE_RUN_H
#define VB_FIXTURE_RUN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "tests/unit/fixture_tmp.h"

/* A row whose n samples spread evenly over median*(1 -/+ spread): the median
 * is exact for odd n, and spread controls how much two rows overlap. */
static inline json_t *fx_row(const char *bench, const char *mode, const char *pages,
			     const char *unit, double median, double spread, int n)
{
	json_t *samples = json_array();
	int i;

	for (i = 0; i < n; i++)
		json_array_append_new(
			samples,
			json_real(median * (1 + spread * (n > 1 ? 2.0 * i / (n - 1) - 1 : 0))));
	return json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:b, s:s}, s:{s:I, s:s}, s:s, s:o,"
			 " s:{s:i, s:f, s:f, s:f, s:f, s:f}, s:s}",
			 "bench", bench, "mode", mode, "guest",
			 strcmp(mode, "native") ? "micro" : "none", "pages", "requested", pages,
			 "verified", pages, "honoured", 1, "source", "smaps", "params", "footprint",
			 (json_int_t)512 << 20, "layout", "page", "unit", unit, "samples", samples,
			 "stats", "n", n, "median", median, "mean", median, "ci95_low",
			 median * (1 - spread / 4), "ci95_high", median * (1 + spread / 4),
			 "ci_halfwidth_rel", spread / 4, "status", "ok");
}

static inline json_t *fx_skipped(const char *bench, const char *mode, const char *pages,
				 const char *why)
{
	return json_pack("{s:s, s:s, s:s, s:{s:s, s:n, s:b}, s:{s:I, s:s}, s:s, s:s, s:s}", "bench",
			 bench, "mode", mode, "guest", strcmp(mode, "native") ? "micro" : "none",
			 "pages", "requested", pages, "verified", "honoured", 0, "params",
			 "footprint", (json_int_t)512 << 20, "layout", "page", "unit", "ns/load",
			 "status", "skipped", "reason", why);
}

/* Steals rows. */
static inline json_t *fx_run(const char *id, json_t *rows)
{
	return json_pack("{s:s, s:s, s:b, s:{s:s}, s:o}", "schema", "vbench.run/1", "id", id,
			 "complete", 1, "host", "hostname", "test", "results", rows);
}

/* Write run as dir/run.json; steals run. Returns dir. */
static inline const char *fx_save(json_t *run, const char *dir)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/run.json", dir);
	json_dump_file(run, path, JSON_INDENT(1));
	json_decref(run);
	return dir;
}

#endif
