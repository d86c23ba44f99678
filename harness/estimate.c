/* estimate.c: a plan's time from the seconds its points took in the run
 * folders of --out (each row records them), else from a stated default. */
#include "harness/estimate.h"
#include "analysis/runfile.h"
#include "harness/guest.h"
#include "harness/runloop.h"
#include "lib/pages.h"
#include "lib/row.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int newest_first(const void *a, const void *b)
{
	return -strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run folder names sort by their UTC time: the newest max of out_dir's. */
static int run_dirs(const char *out_dir, char **names, int max)
{
	DIR *d = opendir(out_dir);
	struct dirent *de;
	char **all = NULL;
	size_t n = 0, cap = 0;
	int k = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !strchr(de->d_name, 'T'))
			continue;
		if (n == cap) {
			char **grown = realloc(all, (cap = cap ? 2 * cap : 64) * sizeof(*all));

			if (!grown)
				break;
			all = grown;
		}
		all[n++] = strdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(all, n, sizeof(*all), newest_first);
	for (size_t i = 0; i < n; i++) {
		if (k < max && all[i])
			names[k++] = all[i];
		else
			free(all[i]);
	}
	free(all);
	return k;
}

/* Seconds per invocation of an earlier row, or -1. */
static double row_seconds(json_t *run, json_t *row)
{
	json_t *s = json_object_get(row, "seconds");
	json_int_t inv = json_integer_value(json_object_get(json_object_get(run, "plan"),
							    "invocations"));

	if (!json_is_number(s) || json_number_value(s) <= 0)
		return -1;
	return json_number_value(s) / (double)(inv > 0 ? inv : 1);
}

static bool same_point(const struct vb_point *pt, json_t *params, json_t *row, bool exact)
{
	char pages[32];

	if (strcmp(vb_row_str(row, "bench") ?: "", pt->bench) ||
	    strcmp(vb_row_str(row, "mode") ?: "", vb_mode_name(pt->mode)) ||
	    strcmp(vb_row_str(row, "guest") ?: "", pt->guest->name))
		return false;
	if (!exact)
		return true;
	vb_pages_format(&pt->pages, pages, sizeof(pages));
	return !strcmp(json_string_value(json_object_get(json_object_get(row, "pages"),
							 "requested")) ?: "", pages) &&
	       json_equal(json_object_get(row, "params"), params);
}

/* Seconds per invocation of the newest earlier row like pt, or -1. */
static double similar(json_t **runs, int n_runs, const struct vb_point *pt, bool exact)
{
	json_t *params = vb_row_params_json(&pt->params);
	double s = -1;

	for (int r = 0; r < n_runs && s < 0; r++) {
		json_t *row;
		size_t i;

		json_array_foreach(vb_run_results(runs[r]), i, row)
			if (s < 0 && vb_row_is_ok(row) && same_point(pt, params, row, exact))
				s = row_seconds(runs[r], row);
	}
	json_decref(params);
	return s;
}

int vb_estimate_plan(const struct vb_plan_point *points, size_t n, unsigned invocations,
		     double max_seconds, const char *out_dir, struct vb_estimate *e)
{
	char *names[VB_ESTIMATE_RUNS];
	json_t *runs[VB_ESTIMATE_RUNS];
	int n_names = run_dirs(out_dir, names, VB_ESTIMATE_RUNS), n_runs = 0;

	e->seconds = calloc(n ? n : 1, sizeof(*e->seconds));
	if (!e->seconds)
		return -1;
	for (int i = 0; i < n_names; i++) {
		char dir[4096], err[256];

		snprintf(dir, sizeof(dir), "%s/%s", out_dir, names[i]);
		free(names[i]);
		runs[n_runs] = vb_run_load(dir, err, sizeof(err));
		if (runs[n_runs])
			n_runs++;
	}
	e->runs_read = n_runs;
	e->default_s = max_seconds / 2 + VB_ESTIMATE_SETUP_S * invocations;
	for (size_t i = 0; i < n; i++) {
		double s;

		if (points[i].skip[0] || (e->will_skip && e->will_skip[i]))
			continue;
		s = similar(runs, n_runs, &points[i].pt, true);
		if (s < 0)
			s = similar(runs, n_runs, &points[i].pt, false);
		if (s < 0) {
			e->seconds[i] = e->default_s;
			e->by_default++;
		} else {
			e->seconds[i] = s * invocations;
			e->from_history++;
		}
		e->total += e->seconds[i];
	}
	for (int r = 0; r < n_runs; r++)
		json_decref(runs[r]);
	return 0;
}

void vb_estimate_free(struct vb_estimate *e)
{
	free(e->seconds);
	e->seconds = NULL;
}

void vb_fmt_duration(double s, char *buf, size_t len)
{
	long t = (long)(s + 0.5);

	if (t < 60)
		snprintf(buf, len, "%ld s", t);
	else if (t < 3600)
		snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
	else
		snprintf(buf, len, "%ld h %02ld", t / 3600, (t % 3600) / 60);
}
