/* fixture_edit.c: a copy of a run folder vbench made, with the figures a bats
 * test needs set through lib/row.c's setters (tests/e2e/fixtures.bash), so
 * that no test types or patches a row with jq.
 *
 * fixture_edit SRC DST [OP...]: SRC/run.json, changed by each OP in turn,
 * written as DST/run.json. Row OPs apply to every ok row, or to results[N]
 * alone after row=N (row=ok: every ok row again):
 *   samples=X,Y,...  the row's samples, and the statistics the runner makes of
 *                    them (its invocations no longer hold and are dropped)
 *   status=S:REASON  the row's status and reason; not ok: nothing measured
 *   str=KEY:VALUE    a string key (bench, mode, unit, ...)
 *   params=          no params; param=NAME:VALUE one (a number or a word)
 *   ops=N, software=NAME:V, extra=NAME:V, latency=N:P50:P99:MAX
 * Run OPs: id=ID, started=TIME, hostname=NAME, label=NAME=VALUE (the run's labels),
 * drop=all (no rows), add=BENCH,MODE,PAGES,UNIT,MEDIAN (a producer's row,
 * tests/unit/fixture_run.h, with 5 samples at MEDIAN and nothing else
 * measured; the row OPs after it apply to it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/runfile.h"
#include "lib/row.h"
#include "tests/unit/fixture_run.h"

#define SAMPLES_MAX 256

/* x from "a,b,c"; returns how many, -1 when one is not a number. */
static int parse_samples(const char *text, double *x)
{
	char *end;
	int n = 0;

	while (*text && n < SAMPLES_MAX) {
		x[n++] = strtod(text, &end);
		if (end == text || (*end && *end != ','))
			return -1;
		text = *end ? end + 1 : end;
	}
	return n;
}

/* A number when text is all number, else the word. */
static json_t *value(const char *text)
{
	char *end;
	double d = strtod(text, &end);

	if (end != text && !*end)
		return d == (double)(json_int_t)d ? json_integer((json_int_t)d) : json_real(d);
	return json_string(text);
}

/* NAME:V ops: vb_row_set_software, vb_row_set_extra, vb_row_set_param. */
static int named_op(json_t *row, const char *op)
{
	char name[64];
	int n = 0;

	if (sscanf(op, "%*[a-z]=%63[^:]:%n", name, &n) != 1 || !n)
		return -1;
	if (!strncmp(op, "software=", 9))
		vb_row_set_software(row, name, strtod(op + n, NULL));
	else if (!strncmp(op, "extra=", 6))
		vb_row_set_extra(row, name, strtod(op + n, NULL));
	else if (!strncmp(op, "param=", 6))
		vb_row_set_param(row, name, value(op + n));
	else if (!strncmp(op, "str=", 4))
		return vb_row_set_str(row, name, op + n);
	else
		return -1;
	return 0;
}

static int row_op(json_t *row, const char *op)
{
	static double x[SAMPLES_MAX];
	double p50, p99, max;
	unsigned long long ops;
	char status[16];
	int n;

	if (!strcmp(op, "params=")) {
		vb_row_set_params(row, json_object());
		return 0;
	}
	if (sscanf(op, "ops=%llu", &ops) == 1) {
		vb_row_set_ops(row, ops);
		return 0;
	}
	if (sscanf(op, "latency=%llu:%lf:%lf:%lf", &ops, &p50, &p99, &max) == 4) {
		vb_row_set_latency(row, ops, p50, p99, max);
		return 0;
	}
	if (!strncmp(op, "samples=", 8)) {
		n = parse_samples(op + 8, x);
		if (n < 1)
			return -1;
		vb_row_set_measured(row, x, (size_t)n, 1);
		return 0;
	}
	if (sscanf(op, "status=%15[^:]:%n", status, &n) == 1 && op[n - 1] == ':') {
		if (strcmp(status, "ok"))
			vb_row_clear_measured(row);
		vb_row_set_status(row, status, op + n);
		return 0;
	}
	return named_op(row, op);
}

/* add=BENCH,MODE,PAGES,UNIT,MEDIAN: the row, appended; -1 when malformed. */
static long add_row(json_t *results, const char *op)
{
	char bench[64], mode[16], pages[16], unit[32];
	double median, x[5];
	json_t *r;

	if (sscanf(op, "add=%63[^,],%15[^,],%15[^,],%31[^,],%lf", bench, mode, pages, unit,
		   &median) != 5)
		return -1;
	r = fx_row(bench, mode, pages, unit, median, 0, 5);
	if (!r)
		return -1;
	for (int i = 0; i < 5; i++)
		x[i] = median;
	vb_row_clear_measured(r);
	vb_row_set_measured(r, x, 5, 1);
	json_array_append_new(results, r);
	return (long)json_array_size(results) - 1;
}

static int run_op(json_t *run, const char *op)
{
	const char *eq = strchr(op, '=');
	json_t *labels;

	if (!strncmp(op, "id=", 3) || !strncmp(op, "started=", 8)) {
		char key[16];

		snprintf(key, sizeof(key), "%.*s", (int)(eq - op), op);
		json_object_set_new(run, key, json_string(eq + 1));
		return 0;
	}
	if (!strncmp(op, "hostname=", 9)) {
		json_object_set_new(json_object_get(run, "host"), "hostname", json_string(eq + 1));
		return 0;
	}
	if (!strncmp(op, "label=", 6) && strchr(eq + 1, '=')) {
		const char *v = strchr(eq + 1, '=');
		char name[64];

		snprintf(name, sizeof(name), "%.*s", (int)(v - eq - 1), eq + 1);
		labels = json_object_get(run, "labels");
		if (!json_is_object(labels)) {
			labels = json_object();
			json_object_set_new(run, "labels", labels);
		}
		json_object_set_new(labels, name, json_string(v + 1));
		return 0;
	}
	return 1;	/* not a run op */
}

/* Apply op to the rows it selects: row -1 means every ok row. */
static int apply(json_t *results, long row, const char *op)
{
	json_t *r;
	size_t i;

	if (row >= 0)
		return json_array_get(results, (size_t)row) ?
			       row_op(json_array_get(results, (size_t)row), op) : -1;
	json_array_foreach(results, i, r)
		if (vb_row_is_ok(r) && row_op(r, op) < 0)
			return -1;
	return 0;
}

/* Say what could not be done, drop the run; returns rc. */
static int fail(json_t *run, const char *what, const char *arg, int rc)
{
	fprintf(stderr, "fixture_edit: %s %s\n", what, arg);
	json_decref(run);
	return rc;
}

int main(int argc, char **argv)
{
	char err[512], path[4096];
	long row = -1;
	json_t *run;
	int rc;

	if (argc < 3) {
		fprintf(stderr, "usage: fixture_edit SRC DST [OP...]\n");
		return 2;
	}
	run = vb_run_load(argv[1], err, sizeof(err));
	if (!run) {
		fprintf(stderr, "fixture_edit: %s\n", err);
		return 1;
	}
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "row=ok")) {
			row = -1;
			continue;
		}
		if (!strncmp(argv[i], "row=", 4)) {
			row = strtol(argv[i] + 4, NULL, 10);
			continue;
		}
		if (!strcmp(argv[i], "drop=all")) {
			json_array_clear(vb_run_results(run));
			continue;
		}
		if (!strncmp(argv[i], "add=", 4)) {
			row = add_row(vb_run_results(run), argv[i]);
			if (row < 0)
				return fail(run, "cannot apply", argv[i], 2);
			continue;
		}
		rc = run_op(run, argv[i]);
		if (rc == 1)
			rc = apply(vb_run_results(run), row, argv[i]);
		if (rc < 0)
			return fail(run, "cannot apply", argv[i], 2);
	}
	snprintf(path, sizeof(path), "%s/run.json", argv[2]);
	if (json_dump_file(run, path, JSON_INDENT(1)) < 0)
		return fail(run, "cannot write", path, 1);
	json_decref(run);
	return 0;
}
