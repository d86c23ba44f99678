/* test_runfile.c: loading runs from folders and files, schema checks, and
 * rebuilding an interrupted run from results.jsonl. */
#include <criterion/criterion.h>
#include <sys/resource.h>

#include "analysis/runfile.h"
#include "tests/unit/fixture_run.h"

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

Test(runfile, folder_and_file)
{
	char *d = fx_tmpdir(), path[512], err[256];
	json_t *run;

	fx_save(fx_run("R1", json_pack("[o]", fx_row("ptrchase", "native", "4k", "ns/load", 280,
						     0.01, 5))),
		d);
	run = vb_run_load(d, err, sizeof(err));
	cr_assert_not_null(run, "%s", err);
	cr_assert_eq(json_array_size(vb_run_results(run)), 1);
	json_decref(run);
	snprintf(path, sizeof(path), "%s/run.json", d);
	run = vb_run_load(path, err, sizeof(err));
	cr_assert_not_null(run, "%s", err);
	cr_assert_str_eq(json_string_value(json_object_get(run, "id")), "R1");
	json_decref(run);
	cr_assert_eq(vb_run_dir(path, path, sizeof(path)), 0);
	cr_assert_str_eq(path, d);
	free(d);
}

Test(runfile, bad_inputs)
{
	char *d = fx_tmpdir(), path[512], err[256];

	snprintf(path, sizeof(path), "%s/run.json", d);
	cr_assert_null(vb_run_load(d, err, sizeof(err)));
	cr_assert(strstr(err, "no run.json or results.jsonl"), "%s", err);
	cr_assert_null(vb_run_load("/nonexistent/x.json", err, sizeof(err)));
	cr_assert(strstr(err, "No such file"), "%s", err);

	write_file(d, "run.json", "{\"schema\": \"vbench.run/2\", \"results\": []}");
	cr_assert_null(vb_run_load(d, err, sizeof(err)));
	cr_assert(strstr(err, "schema is \"vbench.run/2\""), "%s", err);

	write_file(d, "run.json", "[1, 2");
	cr_assert_null(vb_run_load(path, err, sizeof(err)));
	cr_assert(strstr(err, "run.json:1"), "%s", err);

	write_file(d, "run.json", "{\"schema\": \"vbench.run/1\", \"results\": {}}");
	cr_assert_null(vb_run_load(path, err, sizeof(err)));
	cr_assert(strstr(err, "results is missing or not an array"), "%s", err);

	write_file(d, "run.json",
		   "{\"schema\": \"vbench.run/1\", \"results\": [{\"bench\": 3, \"mode\": "
		   "\"native\", \"status\": \"ok\"}]}");
	cr_assert_null(vb_run_load(path, err, sizeof(err)));
	cr_assert(strstr(err, "results[0]: bench"), "%s", err);

	write_file(d, "run.json",
		   "{\"schema\": \"vbench.run/1\", \"results\": [{\"bench\": \"x\", \"mode\": "
		   "\"native\", \"status\": \"ok\", \"samples\": {}}]}");
	cr_assert_null(vb_run_load(path, err, sizeof(err)));
	cr_assert(strstr(err, "samples has the wrong type"), "%s", err);

	/* What the schema does not define is refused by name, nested keys too. */
	write_file(d, "run.json", "{\"schema\": \"vbench.run/1\", \"results\": [{\"bench\": \"x\", "
		   "\"mode\": \"native\", \"status\": \"ok\", \"footprint\": 1}]}");
	cr_assert_null(vb_run_load(path, err, sizeof(err)));
	cr_assert(strstr(err, "results[0]: footprint is not a key of a row"), "%s", err);
	write_file(d, "run.json", "{\"schema\": \"vbench.run/1\", \"results\": [{\"bench\": \"x\", "
		   "\"mode\": \"native\", \"status\": \"ok\", \"stats\": {\"median\": \"1\"}}]}");
	cr_assert_null(vb_run_load(path, err, sizeof(err)));
	cr_assert(strstr(err, "results[0]: stats.median has the wrong type"), "%s", err);
	free(d);
}

Test(runfile, jsonl_rebuild_skips_torn_last_line)
{
	char *d = fx_tmpdir(), err[256], *l1, *l2;
	json_t *r1 = fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 5);
	json_t *r2 = fx_row("ptrchase", "native", "2m", "ns/load", 150, 0.01, 5);
	json_t *run;
	char text[8192];

	l1 = json_dumps(r1, JSON_COMPACT);
	l2 = json_dumps(r2, JSON_COMPACT);
	snprintf(text, sizeof(text),
		 "{\"schema\":\"vbench.run/"
		 "1\",\"id\":\"T\",\"host\":{\"hostname\":\"h\"}}\n%s\n%s\n%.40s",
		 l1, l2, l2);
	write_file(d, "results.jsonl", text);
	run = vb_run_load(d, err, sizeof(err));
	cr_assert_not_null(run, "%s", err);
	cr_assert_eq(json_array_size(vb_run_results(run)), 2);
	cr_assert_str_eq(json_string_value(json_object_get(run, "id")), "T");
	cr_assert(json_is_false(json_object_get(run, "complete")));
	cr_assert_str_eq(json_string_value(json_object_get(run, "rebuilt_from")), "results.jsonl");
	json_decref(run);

	/* A bad line that is not the last is not a torn append: refuse. */
	snprintf(text, sizeof(text), "%s\n{garbage\n%s\n", l1, l2);
	write_file(d, "results.jsonl", text);
	cr_assert_null(vb_run_load(d, err, sizeof(err)));
	cr_assert(strstr(err, "results.jsonl:2"), "%s", err);

	/* A row that carries "schema" cannot take over the header. */
	snprintf(text, sizeof(text),
		 "{\"schema\":\"vbench.run/1\",\"id\":\"T\"}\n%s\n"
		 "{\"schema\":\"vbench.run/1\",\"id\":\"FORGED\"}\n%s\n", l1, l2);
	write_file(d, "results.jsonl", text);
	cr_assert_null(vb_run_load(d, err, sizeof(err)));
	cr_assert(strstr(err, "results.jsonl:3: a header"), "%s", err);
	free(l1);
	free(l2);
	json_decref(r1);
	json_decref(r2);
	free(d);
}

Test(runfile, accessors_and_param_text)
{
	json_t *row = fx_row("gups", "native", "4k", "updates/s", 2e8, 0.01, 5);
	json_t *v;
	char buf[64];
	double m;
	size_t n;
	double *x;

	cr_assert(vb_row_is_ok(row));
	cr_assert(vb_row_stat(row, "median", &m));
	cr_assert_float_eq(m, 2e8, 1);
	x = vb_row_samples(row, &n);
	cr_assert_eq(n, 5);
	free(x);
	cr_assert(vb_unit_higher_is_better("updates/s"));
	cr_assert(!vb_unit_higher_is_better("ns/load"));
	v = json_integer(512 << 20);
	vb_param_value_text(v, buf, sizeof(buf));
	cr_assert_str_eq(buf, "512M");
	json_decref(v);
	v = json_integer(1000);
	vb_param_value_text(v, buf, sizeof(buf));
	cr_assert_str_eq(buf, "1000");
	json_decref(v);
	json_decref(row);
}

Test(runfile, jsonl_garbage_or_torn_only_is_an_error)
{
	char *d = fx_tmpdir(), err[256];
	json_t *row = fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 5), *run;
	char *l1 = json_dumps(row, JSON_COMPACT);
	static char text[1 << 16];	/* two rows as vbench writes them */

	/* One garbage line, with its newline: not a torn append, not an empty run. */
	write_file(d, "results.jsonl", "garbage\n");
	cr_assert_null(vb_run_load(d, err, sizeof(err)));
	cr_assert(strstr(err, "results.jsonl:1: not a JSON object"), "%s", err);
	/* A JSON value that is not an object is garbage too. */
	write_file(d, "results.jsonl", "[1,2]\n");
	cr_assert_null(vb_run_load(d, err, sizeof(err)));
	cr_assert(strstr(err, "results.jsonl:1"), "%s", err);
	/* Only a torn line: nothing complete to load. */
	snprintf(text, sizeof(text), "%.30s", l1);
	write_file(d, "results.jsonl", text);
	cr_assert_null(vb_run_load(d, err, sizeof(err)));
	cr_assert(strstr(err, "only a torn one"), "%s", err);
	/* Empty. */
	write_file(d, "results.jsonl", "");
	cr_assert_null(vb_run_load(d, err, sizeof(err)));
	cr_assert(strstr(err, "empty"), "%s", err);
	/* A bad last line that has its newline was written whole: garbage. */
	snprintf(text, sizeof(text), "%s\n{\"bench\":\n", l1);
	write_file(d, "results.jsonl", text);
	cr_assert_null(vb_run_load(d, err, sizeof(err)));
	cr_assert(strstr(err, "results.jsonl:2"), "%s", err);
	/* A whole last line without its newline is kept. */
	snprintf(text, sizeof(text), "%s\n%s", l1, l1);
	write_file(d, "results.jsonl", text);
	run = vb_run_load(d, err, sizeof(err));
	cr_assert_not_null(run, "%s", err);
	cr_assert_eq(json_array_size(vb_run_results(run)), 2);
	json_decref(run);
	free(l1);
	json_decref(row);
	free(d);
}

Test(runfile, parse_from_memory_needs_no_nul)
{
	const char text[] = "{\"schema\":\"vbench.run/1\",\"results\":[]}XXXX";
	char err[256];
	json_t *run = vb_run_parse(text, sizeof(text) - 5, false, "m", err, sizeof(err));

	cr_assert_not_null(run, "%s", err);
	json_decref(run);
	cr_assert_null(vb_run_parse(text, sizeof(text) - 1, false, "m", err, sizeof(err)));
	cr_assert_null(vb_run_parse("\n\n", 2, true, "m", err, sizeof(err)));
}

/* Ten million "{}" rows (30 MB) are refused at the first, before the rest
 * is in memory: jansson would take about 230 bytes for each. */
Test(runfile, a_bad_row_stops_the_reading_at_once, .timeout = 30)
{
	const size_t rows = 10000000;
	const char head[] = "{\"schema\":\"vbench.run/1\",\"id\":\"x\",\"results\":[";
	size_t len = sizeof(head) - 1 + rows * 3 + 2, at = sizeof(head) - 1;
	char *buf = malloc(len), err[256];
	struct rusage ru;

	cr_assert_not_null(buf);
	memcpy(buf, head, at);
	for (size_t i = 0; i < rows; i++, at += 3)
		memcpy(buf + at, i + 1 < rows ? "{}," : "{}]}", i + 1 < rows ? 3 : 4);
	cr_assert_null(vb_run_parse(buf, len, false, "run.json", err, sizeof(err)));
	cr_assert(strstr(err, "run.json: results[0]: bench is missing"), "%s", err);
	/* The jsonl form: the header, then the same rows one a line. */
	at = (size_t)snprintf(buf, len, "{\"schema\":\"vbench.run/1\",\"id\":\"x\"}\n");
	for (size_t i = 0; i < rows && at + 3 <= len; i++, at += 3)
		memcpy(buf + at, "{}\n", 3);
	cr_assert_null(vb_run_parse(buf, at, true, "results.jsonl", err, sizeof(err)));
	cr_assert(strstr(err, "results.jsonl:2: results[0]: bench is missing"), "%s", err);
	getrusage(RUSAGE_SELF, &ru);
	cr_assert_lt(ru.ru_maxrss, 600 * 1024, "peak RSS %ld KiB", ru.ru_maxrss);
	free(buf);
}

static int by_int(const void *a, const void *b)
{
	json_int_t x = json_integer_value(*(json_t *const *)a);
	json_int_t y = json_integer_value(*(json_t *const *)b);

	return x < y ? -1 : x > y;
}

Test(runfile, json_array_sort_in_place)
{
	static const json_int_t sorted[] = { 1, 1, 2, 3 };
	json_t *arr = json_pack("[i,i,i,i]", 3, 1, 2, 1), *empty = json_array();

	vb_json_array_sort(arr, by_int);
	cr_assert_eq(json_array_size(arr), 4);
	for (size_t i = 0; i < 4; i++)
		cr_assert_eq(json_integer_value(json_array_get(arr, i)), sorted[i]);
	vb_json_array_sort(empty, by_int);
	cr_assert_eq(json_array_size(empty), 0);
	json_decref(arr);
	json_decref(empty);
}
