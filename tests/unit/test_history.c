/* test_history.c: the history store on SQLite: adding runs whole and once,
 * migrating from the first schema, series and their change points, bad stores. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/db.h"
#include "analysis/db_be.h"
#include "analysis/history.h"
#include "analysis/runfile.h"
#include "harness/cmds.h"
#include "lib/error.h"
#include "tests/unit/fixture_run.h"

static char *db_path(void)
{
	char *d = fx_tmpdir(), *p = NULL;

	cr_assert_not_null(d);
	cr_assert_geq(asprintf(&p, "%s/history.sqlite", d), 0);
	free(d);
	return p;
}

/* Run number i of a series: `level` ns/load, 3 invocations of 9 samples with
 * a small deterministic spread, so the statistics have something to chew. */
static json_t *series_run(int i, double level, const char *kernel)
{
	json_t *row = fx_row("ptrchase", "native", "4k", "ns/load", level, 0, 1), *run;
	double x[3 * 9];
	size_t len[3] = { 9, 9, 9 }, n = 0;
	char id[64], started[32];

	for (int k = 0; k < 3; k++)
		for (int j = 0; j < 9; j++)
			/* An invocation offset and a sample spread of about +-1%, varying per
			 * run. */
			x[n++] = level * (1 + 0.004 * ((i * 7 + k * 3) % 5 - 2) + 0.002 * (j - 4));
	vb_row_set_invocations(row, x, len, 3, 1);
	snprintf(id, sizeof(id), "20260101T%06dZ-test-%06x", i, i);
	snprintf(started, sizeof(started), "2026-01-01T00:00:%02dZ", i);
	run = fx_run(id, json_pack("[o]", row));
	json_object_set_new(run, "started", json_string(started));
	json_object_set_new(run, "labels", json_pack("{s:s}", "kernel", kernel));
	return run;
}

/* Add a run and drop it; returns what vb_history_add returned. */
static int add_drop(struct vb_db *db, json_t *run, char *err, size_t errlen)
{
	int rc = vb_history_add(db, run, err, errlen);

	json_decref(run);
	return rc;
}

static json_t *all_series(struct vb_db *db, const char *by)
{
	struct vb_history_filter f = { .by = by };
	char err[512];
	json_t *s = vb_history_series(db, &f, 0.01, 0.05, err, sizeof(err));

	cr_assert_not_null(s, "%s", err);
	return s;
}

Test(history, add_once_and_whole)
{
	char *path = db_path(), err[512];
	struct vb_db *db = vb_history_open(path, true, err, sizeof(err));
	json_t *run = series_run(1, 100, "6.1"), *rows;
	int v;

	cr_assert_not_null(db, "%s", err);
	cr_assert_eq(vb_history_version(db, &v, err, sizeof(err)), 0);
	cr_assert_eq(v, VB_HISTORY_SCHEMA);
	cr_assert_eq(vb_history_add(db, run, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(vb_history_add(db, run, err, sizeof(err)), 1);
	cr_assert_eq(vb_db_exec(db, "SELECT count(*) FROM results", 0, NULL, &rows, NULL, err,
				sizeof(err)),
		     0);
	cr_assert_str_eq(json_string_value(json_array_get(json_array_get(rows, 0), 0)), "1");
	json_decref(rows);
	/* Both levels' variance are stored for rows with invocations. */
	cr_assert_eq(vb_db_exec(db, "SELECT var_between, var_within FROM results", 0, NULL, &rows,
				NULL, err, sizeof(err)),
		     0);
	cr_assert_not_null(json_string_value(json_array_get(json_array_get(rows, 0), 1)));
	json_decref(rows);
	json_decref(run);
	/* A row the store refuses rolls the whole run back. */
	run = series_run(2, 100, "6.1");
	vb_row_set_str(json_array_get(vb_run_results(run), 0), "bench", NULL);
	cr_assert_eq(vb_history_add(db, run, err, sizeof(err)), -2);	/* the store refused it */
	cr_assert_eq(
		vb_db_exec(db, "SELECT count(*) FROM runs", 0, NULL, &rows, NULL, err, sizeof(err)),
		0);
	cr_assert_str_eq(json_string_value(json_array_get(json_array_get(rows, 0), 0)), "1");
	json_decref(rows);
	json_decref(run);
	vb_db_close(db);
	free(path);
}

Test(history, bad_labels_are_refused)
{
	char *path = db_path(), err[512];
	struct vb_db *db = vb_history_open(path, true, err, sizeof(err));
	json_t *run = series_run(1, 100, "6.1");

	json_object_set_new(run, "labels", json_pack("{s:i}", "kernel", 6));
	cr_assert_eq(vb_history_add(db, run, err, sizeof(err)), -1);
	cr_assert(strstr(err, "label 'kernel'"), "%s", err);
	json_object_set_new(run, "labels", json_pack("{s:s}", "bad key", "x"));
	cr_assert_eq(vb_history_add(db, run, err, sizeof(err)), -1);
	/* Control characters in what history prints back are refused too. */
	json_object_set_new(run, "labels", json_pack("{s:s}", "kernel", "6.1\x1b[2J"));
	cr_assert_eq(vb_history_add(db, run, err, sizeof(err)), -1);
	json_object_set_new(run, "labels", json_object());
	vb_row_set_param(json_array_get(vb_run_results(run), 0), "layout",
			 json_string("page\x1b]0;owned\x07"));
	cr_assert_eq(vb_history_add(db, run, err, sizeof(err)), -1);
	cr_assert(strstr(err, "params hold control characters"), "%s", err);
	json_decref(run);
	vb_db_close(db);
	free(path);
}

Test(history, migrates_from_the_first_schema)
{
	char *path = db_path(), err[512];
	struct vb_db *db = vb_db_open(path, true, err, sizeof(err));
	json_t *rows, *series;
	int v;

	cr_assert_not_null(db, "%s", err);
	cr_assert_eq(vb_history_migrate(db, 1, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(vb_history_version(db, &v, err, sizeof(err)), 0);
	cr_assert_eq(v, 1);
	/* A run as the first schema stored it: labels only as JSON, no invocations. */
	cr_assert_eq(vb_db_exec(db,
				"INSERT INTO runs VALUES ('old-run', '2025-01-01T00:00:00Z', 'vm',"
				" '{}', '{\"kernel\":\"6.1\"}', '0.0.9', '2025-01-01T00:00:00Z')",
				0, NULL, NULL, NULL, err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(
		vb_db_exec(db,
			   "INSERT INTO results VALUES ('old-run', 0, 'ptrchase', 'native',"
			   " 'none', '4k', '{\"footprint\":536870912}', 'ns/load', 'ok', NULL, 100,"
			   " 99, 101, 3, '[99,100,101]', NULL)",
			   0, NULL, NULL, NULL, err, sizeof(err)),
		0, "%s", err);
	vb_db_close(db);

	db = vb_history_open(path, false, err, sizeof(err));
	cr_assert_not_null(db, "%s", err);
	cr_assert_eq(vb_history_version(db, &v, err, sizeof(err)), 0);
	cr_assert_eq(v, 2);
	cr_assert_eq(vb_db_exec(db, "SELECT key, value FROM run_labels WHERE run_id = 'old-run'", 0,
				NULL, &rows, NULL, err, sizeof(err)),
		     0);
	cr_assert_eq(json_array_size(rows), 1);
	cr_assert_str_eq(json_string_value(json_array_get(json_array_get(rows, 0), 1)), "6.1");
	json_decref(rows);
	/* The old row is still a point of its series, and new runs join it. */
	cr_assert_eq(add_drop(db, series_run(1, 100, "6.1"), err, sizeof(err)), 0, "%s", err);
	series = all_series(db, "kernel");
	cr_assert_eq(json_array_size(series), 2);	/* two footprints: two series */
	json_decref(series);
	vb_db_close(db);
	free(path);
}

Test(history, a_step_is_found_and_flagged_by_check)
{
	char *path = db_path(), err[512];
	struct vb_db *db = vb_history_open(path, true, err, sizeof(err));
	json_t *series, *s, *changes;

	for (int i = 1; i <= 10; i++)
		cr_assert_eq(add_drop(db, series_run(i, i >= 7 ? 110 : 100, "6.1"), err,
					    sizeof(err)), 0, "%s", err);
	series = all_series(db, NULL);
	cr_assert_eq(json_array_size(series), 1);
	s = json_array_get(series, 0);
	changes = json_object_get(s, "changes");
	cr_assert_eq(json_array_size(changes), 1);
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(changes, 0), "index")), 7);
	cr_assert_str_eq(
		json_string_value(json_object_get(json_array_get(changes, 0), "direction")),
		"regression");
	/* The newest run is on the new level: not a regression against its segment. */
	cr_assert_str_eq(
		json_string_value(json_object_get(json_object_get(s, "newest"), "verdict")),
		"none");
	json_decref(series);
	/* One more run, slower again: check flags it. */
	cr_assert_eq(add_drop(db, series_run(11, 125, "6.2"), err, sizeof(err)), 0, "%s", err);
	series = all_series(db, NULL);
	s = json_array_get(series, 0);
	cr_assert_str_eq(
		json_string_value(json_object_get(json_object_get(s, "newest"), "verdict")),
		"regression");
	json_decref(series);
	/* By kernel, the 6.2 run is a series of its own, too short to judge. */
	series = all_series(db, "kernel");
	cr_assert_eq(json_array_size(series), 2);
	json_decref(series);
	vb_db_close(db);
	free(path);
}

Test(history, a_flat_series_has_no_change)
{
	char *path = db_path(), err[512];
	struct vb_db *db = vb_history_open(path, true, err, sizeof(err));
	json_t *series;

	/* Levels wander by up to 3%, below the threshold and inside the drift. */
	for (int i = 1; i <= 12; i++)
		cr_assert_eq(add_drop(db, series_run(i, 100 + 3 * sin(i), "6.1"), err, sizeof(err)),
			     0, "%s", err);
	series = all_series(db, NULL);
	cr_assert_eq(json_array_size(json_object_get(json_array_get(series, 0), "changes")), 0);
	cr_assert_str_eq(json_string_value(json_object_get(
				 json_object_get(json_array_get(series, 0), "newest"), "verdict")),
			 "none");
	json_decref(series);
	vb_db_close(db);
	free(path);
}

Test(history, corrupt_and_missing_stores_are_one_line)
{
	char *path = db_path(), err[512];
	FILE *f = fopen(path, "w");

	fputs("this is not an SQLite database, but it is long enough to look like one's header.\n",
	      f);
	fclose(f);
	cr_assert_null(vb_history_open(path, true, err, sizeof(err)));
	cr_assert(strstr(err, "not a usable vbench history"), "%s", err);
	cr_assert_null(strchr(err, '\n'));
	unlink(path);
	cr_assert_null(vb_history_open(path, false, err, sizeof(err)));
	cr_assert(strstr(err, "no history store there"), "%s", err);
	free(path);
}

Test(history, a_newer_schema_is_refused)
{
	char *path = db_path(), err[512];
	struct vb_db *db = vb_history_open(path, true, err, sizeof(err));

	cr_assert_eq(vb_db_exec(db, "UPDATE vbench_meta SET value = '99'", 0, NULL, NULL, NULL, err,
				sizeof(err)), 0);
	vb_db_close(db);
	cr_assert_null(vb_history_open(path, true, err, sizeof(err)));
	cr_assert(strstr(err, "newer than this vbench"), "%s", err);
	free(path);
}

Test(history, add_run_defaults_beside_the_run)
{
	char *d = fx_tmpdir(), run_dir[256], db[600], err[512];

	snprintf(run_dir, sizeof(run_dir), "%s/20260101T000001Z-test-000001", d);
	cr_assert_eq(mkdir(run_dir, 0755), 0);
	fx_save(series_run(1, 100, "6.1"), run_dir);
	unsetenv("VBENCH_DB");
	cr_assert_eq(vb_history_add_run(run_dir, NULL, err, sizeof(err)), 0, "%s", err);
	snprintf(db, sizeof(db), "%s/history.sqlite", d);
	cr_assert_eq(access(db, F_OK), 0);
	cr_assert_eq(vb_history_add_run(run_dir, db, err, sizeof(err)), 1);
	cr_assert_eq(vb_history_add_run("/nonexistent/run", db, err, sizeof(err)), -1);
	free(d);
}

/* A store's URL as messages and --json show it: no password, in any form. */
Test(history, urls_are_named_without_their_password)
{
	static const char *const cases[][2] = {
		{ "postgresql://127.0.0.1:1/x?password=S3cret", "postgresql://127.0.0.1:1/x" },
		{ "postgresql://bob:S3cret@h/x?sslmode=disable",
		  "postgresql://bob@h/x?sslmode=disable" },
		{ "postgres://h/x?a=1&pass%77ord=S3cret&b=2", "postgres://h/x?a=1&b=2" },
		{ "postgresql://bob:p@ss/w@h/x", "postgresql://bob@h/x" },
		{ "results/history.sqlite", "results/history.sqlite" },
	};
	char out[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vb_db_url_name(cases[i][0], out, sizeof(out));
		cr_assert_str_eq(out, cases[i][1]);
	}
}

/* A message that quotes the URL loses every password it holds, decoded. */
Test(history, messages_lose_the_urls_passwords)
{
	char msg[] = "connect to bob:p@ss/w@h failed (password=S3cret, user bob)";

	vb_db_scrub("postgresql://bob:p%40ss%2Fw@h/x?sslmode=disable&password=S3cret", msg);
	cr_assert_str_eq(msg, "connect to bob:******@h failed (password=******, user bob)");
	strcpy(msg, "no password here");
	vb_db_scrub("results/history.sqlite", msg);
	cr_assert_str_eq(msg, "no password here");
}
