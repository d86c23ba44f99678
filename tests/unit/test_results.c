/* Unit tests of the result writer: run folder naming, durable rows, atomic
 * run.json, and no finished row lost when the writer dies mid-run. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/runfile.h"
#include "harness/results.h"
#include "tests/unit/fixture_run.h"

static char tmp[256], err[512];

static void make_tmp(void)
{
	char *d = fx_tmpdir();

	cr_assert_not_null(d);
	snprintf(tmp, sizeof(tmp), "%s", d);
	free(d);
}

/* The native fixture's ptrchase row (vbench's) with samples i, 2i, 3i. */
static json_t *row(int i)
{
	json_t *r = fx_producer_row("native", "ptrchase", "native", "ok");
	const double x[] = { 1.0 * i, 2.0 * i, 3.0 * i };

	cr_assert_not_null(r, "%s/native (scripts/make-fixtures.sh makes it)", FX_RUNS);
	vb_row_set_measured(r, x, 3, 1);
	return r;
}

static int count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	int n = 0, c;

	cr_assert_not_null(f, "%s", path);
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

Test(results, writes_rows_and_run_json)
{
	struct vb_results r;
	char path[4300];
	json_t *hdr, *run;

	make_tmp();
	cr_assert_eq(vb_results_open(&r, tmp, err, sizeof(err)), 0, "%s", err);
	cr_assert(strncmp(r.dir, tmp, strlen(tmp)) == 0);
	/* <UTC time>-<host>-<6 hex> */
	cr_assert(strlen(r.id) > 24 && r.id[8] == 'T' && r.id[15] == 'Z', "%s", r.id);
	for (int i = 1; i <= 3; i++) {
		json_t *x = row(i);

		cr_assert_eq(vb_results_append(&r, x, err, sizeof(err)), 0, "%s", err);
		json_decref(x);
	}
	snprintf(path, sizeof(path), "%s/results.jsonl", r.dir);
	cr_assert_eq(count_lines(path), 3);
	hdr = json_pack("{s:s,s:b}", "schema", "vbench.run/1", "complete", 1);
	cr_assert_eq(vb_results_finish(&r, hdr, err, sizeof(err)), 0, "%s", err);
	run = vb_run_load(r.dir, err, sizeof(err));
	cr_assert_not_null(run, "%s", err);
	cr_assert_eq(json_array_size(json_object_get(run, "results")), 3);
	json_decref(run);
	json_decref(hdr);
	vb_results_close(&r);
}

Test(results, unwritable_out_is_a_clear_error)
{
	struct vb_results r;

	cr_assert_lt(vb_results_open(&r, "/proc/vbench-cannot-be-here", err, sizeof(err)), 0);
	cr_assert(strstr(err, "cannot create /proc/vbench-cannot-be-here"), "%s", err);
}

Test(results, a_killed_writer_loses_no_finished_row)
{
	struct vb_results r;
	int status;
	pid_t pid;

	make_tmp();
	cr_assert_eq(vb_results_open(&r, tmp, err, sizeof(err)), 0, "%s", err);
	/* As vbench run does: the header goes out first, unfinished. */
	json_t *hdr =
		json_pack("{s:s,s:s,s:b}", "schema", "vbench.run/1", "id", r.id, "complete", 0);

	cr_assert_eq(vb_results_finish(&r, hdr, err, sizeof(err)), 0, "%s", err);
	json_decref(hdr);
	pid = fork();
	if (pid == 0) {
		for (int i = 1; i <= 2; i++)
			vb_results_append(&r, row(i), err, sizeof(err));
		raise(SIGKILL);	/* dies before run.json is ever written */
	}
	waitpid(pid, &status, 0);
	cr_assert(WIFSIGNALED(status));
	/* run.json has no rows: the loader takes them from results.jsonl. */
	json_t *run = vb_run_load(r.dir, err, sizeof(err));

	cr_assert_not_null(run, "%s", err);
	cr_assert_eq(json_array_size(vb_run_results(run)), 2);
	cr_assert_str_eq(json_string_value(json_object_get(run, "id")), r.id, "header kept");
	json_decref(run);
	vb_results_close(&r);
}

Test(results, atomic_write_replaces_whole_file)
{
	char path[512];
	json_t *a = json_pack("{s:i}", "v", 1), *b = json_pack("{s:i}", "v", 2), *back;
	json_error_t je;

	make_tmp();
	snprintf(path, sizeof(path), "%s/x.json", tmp);
	cr_assert_eq(vb_json_write_atomic(a, path, err, sizeof(err)), 0);
	cr_assert_eq(vb_json_write_atomic(b, path, err, sizeof(err)), 0);
	back = json_load_file(path, 0, &je);
	cr_assert_not_null(back);
	cr_assert_eq(json_integer_value(json_object_get(back, "v")), 2);
	json_decref(a);
	json_decref(b);
	json_decref(back);
}
