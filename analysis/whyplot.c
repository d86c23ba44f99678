/* whyplot.c: the why figure: per bench and parameters, one stacked bar per
 * mode and page mix of the time per operation its exits took, split by exit
 * reason (exits per operation when the run has no latencies). */
#include "analysis/why.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/figure.h"
#include "lib/atomicfile.h"

#define WHY_REASONS_MAX 24

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static bool in_group(json_t *e, const char *bench, const char *params)
{
	return !strcmp(str(e, "bench"), bench) && !strcmp(str(e, "params"), params) &&
	       json_array_size(json_object_get(e, "reasons"));
}

/* The reasons the group's rows name, in order of first appearance, into
 * names (reason -> column); whether any has a time per operation (then the
 * figure is of time, an untimed reason, such as the I/O exit ending a pass, at 0). */
static bool reason_columns(json_t *rows, const char *bench, const char *params, json_t *names)
{
	json_t *e, *r;
	size_t i, j;
	bool lat = false;

	json_array_foreach(rows, i, e) {
		if (!in_group(e, bench, params))
			continue;
		json_array_foreach(json_object_get(e, "reasons"), j, r) {
			const char *n = str(r, "reason");

			if (json_is_number(json_object_get(r, "ns_per_op")))
				lat = true;
			if (!json_object_get(names, n) && json_object_size(names) < WHY_REASONS_MAX)
				json_object_set_new(
				    names, n, json_integer((json_int_t)json_object_size(names)));
		}
	}
	return lat;
}

/* One line per bar: its label, then each reason's value (0 where absent). */
static void write_bars(FILE *f, json_t *rows, const char *bench, const char *params, json_t *names,
                       bool lat)
{
	size_t n = json_object_size(names), i, j;
	double v[WHY_REASONS_MAX];
	const char *k;
	json_t *e, *r, *col;
	char label[128];

	fprintf(f, "bar");
	for (i = 0; i < n; i++)
		json_object_foreach(names, k, col) if ((size_t)json_integer_value(col) == i) {
			vb_fig_label(k, label, sizeof(label));
			fprintf(f, " \"%s\"", label);
		}
	fprintf(f, "\n");
	json_array_foreach(rows, i, e) {
		if (!in_group(e, bench, params))
			continue;
		memset(v, 0, sizeof(v));
		json_array_foreach(json_object_get(e, "reasons"), j, r) {
			json_t *c = json_object_get(names, str(r, "reason"));
			double x =
			    json_number_value(json_object_get(r, lat ? "ns_per_op" : "per_op"));

			if (c && isfinite(x))
				v[json_integer_value(c)] = x;
		}
		snprintf(label, sizeof(label), "%s %s", str(e, "mode"), str(e, "pages"));
		vb_fig_label(label, label, sizeof(label));
		fprintf(f, "\"%s\"", label);
		for (j = 0; j < n; j++)
			fprintf(f, " %.6g", v[j]);
		fprintf(f, "\n");
	}
}

static int one_figure(struct vb_fig *g, json_t *rows, const char *bench, const char *params)
{
	json_t *names = json_object();
	char name[200], dat[210], title[200];
	struct vb_atomic a;
	size_t n;
	bool lat;
	FILE *f;

	lat = reason_columns(rows, bench, params, names);
	n = json_object_size(names);
	vb_fig_name(g, name, sizeof(name), "why", bench, (const char *)NULL);
	snprintf(dat, sizeof(dat), "%s.dat", name);
	f = vb_fig_data(g, &a, dat);
	if (!f) {
		json_decref(names);
		return -1;
	}
	write_bars(f, rows, bench, params, names, lat);
	vb_fig_label(bench, title, sizeof(title));
	vb_fig_begin(g, name, 960, 600);
	fprintf(g->gp, "set title '%s: %s, by exit reason'\nset ylabel '%s'\n", title,
	        lat ? "time in exits per operation" : "exits per operation",
	        lat ? "ns per operation" : "exits per operation");
	fprintf(g->gp,
	        "set style data histograms\nset style histogram rowstacked\n"
	        "set style fill solid 0.8 border -1\nset boxwidth 0.6\nset key outside right\n"
	        "set grid ytics\nset xtics rotate by 30 right\nset yrange [0:*]\n");
	fprintf(g->gp, "plot '%s' using 2:xtic(1) title columnheader(2)", dat);
	for (size_t c = 3; c <= n + 1; c++)
		fprintf(g->gp, ", \\\n    '' using %zu title columnheader(%zu)", c, c);
	fprintf(g->gp, "\n");
	vb_fig_end(g, name, 960, 600);
	json_decref(names);
	return vb_fig_data_close(g, &a) ? -1 : 1;
}

int vb_why_figures(struct vb_fig *g, json_t *results)
{
	json_t *v = vb_why_view(results), *rows = json_object_get(v, "rows"), *done = json_object(),
	       *e;
	size_t i;
	int n = 0, rc = 0;

	json_array_foreach(rows, i, e) {
		char *key = NULL;

		if (!json_array_size(json_object_get(e, "reasons")) ||
		    asprintf(&key, "%s\x1f%s", str(e, "bench"), str(e, "params")) < 0)
			continue;
		if (!json_object_get(done, key)) {
			json_object_set_new(done, key, json_true());
			rc = one_figure(g, rows, str(e, "bench"), str(e, "params"));
		}
		free(key);
		if (rc < 0)
			break;
		n += rc;
		rc = 0;
	}
	json_decref(done);
	json_decref(v);
	return rc < 0 ? -1 : n;
}
