/* test_schema.c: schema/vbench.schema.json, lib/row.c's table of row keys and
 * docs/result-schema.md say the same, and every key a consumer reads is one
 * the schema defines and a producer writes (the fixtures vbench made). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "analysis/compare.h"
#include "analysis/plot.h"
#include "analysis/report.h"
#include "analysis/runfile.h"
#include "analysis/summary.h"
#include "analysis/walk.h"
#include "analysis/why.h"
#include "lib/row.h"
#include "tests/unit/fixture_tmp.h"

#define SCHEMA "schema/vbench.schema.json"
#define DOC "docs/result-schema.md"
#define FIXTURES "tests/fixtures/runs"

static json_t *schema(void)
{
	json_error_t e;
	json_t *s = json_load_file(SCHEMA, 0, &e);

	cr_assert_not_null(s, "%s: %s (tests run from the repository's top folder)", SCHEMA,
			   e.text);
	return s;
}

static json_t *row_props(json_t *sch)
{
	return json_object_get(json_object_get(json_object_get(sch, "$defs"), "row"), "properties");
}

/* The definition a node stands for, following one "$ref": "#/$defs/x". */
static json_t *deref(json_t *sch, json_t *node)
{
	const char *ref = json_string_value(json_object_get(node, "$ref"));

	if (ref && !strncmp(ref, "#/$defs/", 8))
		return json_object_get(json_object_get(sch, "$defs"), ref + 8);
	return node;
}

/* The schema node of a dotted row path ("counters.pmu.*.*": "*" for any name;
 * through an array, its items: "exits.reasons.kind"). */
static json_t *node_at(json_t *sch, const char *path)
{
	json_t *n = json_object_get(json_object_get(sch, "$defs"), "row");
	char buf[160], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && n; k = strtok_r(NULL, ".", &save)) {
		json_t *props, *next;

		if (json_is_object(json_object_get(n, "items")))
			n = deref(sch, json_object_get(n, "items"));
		props = json_object_get(n, "properties");
		next = strcmp(k, "*") ? json_object_get(props, k) : NULL;
		if (!next) {
			next = json_object_get(n, "additionalProperties");
			if (!json_is_object(next))
				return NULL;
		}
		n = deref(sch, next);
	}
	return n;
}

Test(schema, row_keys_in_c_are_the_schemas)
{
	json_t *sch = schema(), *props;
	const char *k;
	json_t *v;
	size_t in_c = 0;

	for (const struct vb_row_key *e = vb_row_keys; e->key; e++) {
		cr_assert_not_null(node_at(sch, e->key),
				   "%s is in lib/row.c's vb_row_keys but not in %s",
				   e->key, SCHEMA);
		in_c += !strchr(e->key, '.');
	}
	props = row_props(sch);
	json_object_foreach(props, k, v) {
		const struct vb_row_key *e = vb_row_keys;

		while (e->key && strcmp(e->key, k))
			e++;
		cr_assert_not_null(e->key,
				   "%s is a row key of %s but not in lib/row.c's vb_row_keys", k,
				   SCHEMA);
	}
	cr_assert_eq(in_c, json_object_size(props));
	json_decref(sch);
}

Test(schema, the_docs_row_table_is_the_schemas)
{
	json_t *sch = schema(), *props, *doc = json_object();
	FILE *f = fopen(DOC, "r");
	char line[8192], key[128];
	bool in_rows = false;
	const char *k;
	json_t *v;

	cr_assert_not_null(f, "%s", DOC);
	props = row_props(sch);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "## ", 3))
			in_rows = !strncmp(line, "## A result row", 15);
		if (in_rows && sscanf(line, "| `%127[a-z_0-9]` |", key) == 1) {
			cr_assert_not_null(json_object_get(props, key),
					   "%s documents row key %s, "
					   "which the schema does not define",
					   DOC, key);
			json_object_set_new(doc, key, json_true());
		}
	}
	fclose(f);
	json_object_foreach(props, k, v)
		cr_assert_not_null(json_object_get(doc, k), "row key %s is not in %s's table", k,
				   DOC);
	json_decref(doc);
	json_decref(sch);
}

/* Does v hold the dotted path ("*" any name; arrays: any element)? */
static bool has_path(json_t *v, const char *path)
{
	const char *dot = strchr(path, '.');
	char key[64];
	const char *k;
	json_t *x;
	size_t i;

	if (!*path)
		return v != NULL;
	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if (has_path(x, path))
				return true;
		return false;
	}
	snprintf(key, sizeof(key), "%.*s", (int)(dot ? dot - path : (long)strlen(path)), path);
	if (strcmp(key, "*"))
		return has_path(json_object_get(v, key), dot ? dot + 1 : "");
	json_object_foreach(v, k, x)
		if (has_path(x, dot ? dot + 1 : ""))
			return true;
	return false;
}

/* The rows of every fixture (tests/fixtures/runs/NAME/run.json): what vbench wrote. */
static json_t *produced_rows(void)
{
	json_t *rows = json_array();
	DIR *d = opendir(FIXTURES);
	struct dirent *e;
	char path[512];

	cr_assert_not_null(d, "%s (scripts/make-fixtures.sh makes it)", FIXTURES);
	while ((e = readdir(d))) {
		json_t *run;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/run.json", FIXTURES, e->d_name);
		run = json_load_file(path, 0, NULL);
		cr_assert_not_null(run, "%s", path);
		json_array_extend(rows, json_object_get(run, "results"));
		json_decref(run);
	}
	closedir(d);
	return rows;
}

/* Run every consumer over every fixture with the accessors traced: the keys
 * they read, as lib/row.c's accessors saw them. */
static json_t *keys_read(void)
{
	json_t *seen = json_object();
	const char *names[] = { "native", "counter-double", "micro-shadow", "traced" };
	struct vb_compare_opts co = { VB_COMPARE_THRESHOLD, VB_COMPARE_ALPHA };
	FILE *null = fopen("/dev/null", "w");
	char path[256], err[256], *dir = fx_tmpdir();

	vb_row_trace(seen);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		json_t *run, *m, *c;

		snprintf(path, sizeof(path), "%s/%s", FIXTURES, names[i]);
		run = vb_run_load(path, err, sizeof(err));
		cr_assert_not_null(run, "%s", err);
		vb_summary_print(null, vb_run_results(run));
		vb_summary_print_kvm(null, vb_run_results(run));
		vb_walk_print(null, vb_run_results(run));
		vb_walk_print_pmu_line(null, vb_run_results(run));
		vb_why_print(null, vb_run_results(run));
		m = vb_report_model(run, NULL);
		c = vb_compare_runs(run, run, &co);
		vb_report_write(null, run, VB_REPORT_MD, NULL);
		vb_plot_write(run, NULL, dir, NULL, err, sizeof(err));
		json_decref(c);
		json_decref(m);
		json_decref(run);
	}
	vb_row_trace(NULL);
	fclose(null);
	free(dir);
	return seen;
}

/* Every key a consumer reads through lib/row.c's accessors: listed in
 * vb_row_keys_read, defined by the schema, and in a row vbench wrote (finding
 * 1 of issue 15 was a key only its consumer knew). */
Test(schema, every_key_a_consumer_reads_is_defined_and_written)
{
	json_t *sch = schema(), *rows = produced_rows(), *read = keys_read(), *v;
	const char *k;
	size_t n = 0;

	json_object_foreach(read, k, v) {
		const char *const *d = vb_row_keys_read;

		while (*d && strcmp(*d, k))
			d++;
		cr_expect_not_null(*d, "consumers read %s, "
				   "which lib/row.c's vb_row_keys_read misses",
				   k);
	}
	for (const char *const *d = vb_row_keys_read; *d; d++, n++) {
		cr_expect_not_null(node_at(sch, *d), "consumers read %s, which %s does not define",
				   *d, SCHEMA);
		cr_expect(has_path(rows, *d), "consumers read %s, which no fixture row has: "
			  "no producer writes it "
			  "(or scripts/make-fixtures.sh lacks a run that does)",
			  *d);
	}
	fprintf(stderr, "test_schema: consumers read %zu keys (%zu traced over the fixtures); "
		"each is defined by the schema and written by vbench\n", n, json_object_size(read));
	cr_assert_gt(n, 30);
	json_decref(read);
	json_decref(rows);
	json_decref(sch);
}
