/* history_plot.c: the series of a history as one gnuplot PNG: a line and a
 * 95% CI band per series, change points marked. */
#include "analysis/history_plot.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "analysis/figure.h"
#include "analysis/plot.h"
#include "analysis/runfile.h"
#include "lib/atomicfile.h"
#include "lib/error.h"

/* The fields every series key has; any other is a --by label. */
static bool fixed_field(const char *k)
{
	static const char *const fixed[] = { "machine", "bench", "params", "mode", "guest", "pages",
					     "unit" };

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (!strcmp(k, fixed[i]))
			return true;
	return false;
}

static void title_of(json_t *s, char *buf, size_t len)
{
	json_t *key = json_object_get(s, "key"), *fake = json_pack("{s:O}", "params",
								    json_object_get(key, "params"));
	char params[160], raw[400];
	const char *k;
	json_t *v;
	size_t n;

	vb_row_params_text(fake, NULL, params, sizeof(params));
	json_decref(fake);
	n = (size_t)snprintf(raw, sizeof(raw), "%s %s %s %s",
			     json_string_value(json_object_get(key, "bench")), params,
			     json_string_value(json_object_get(key, "mode")),
			     json_string_value(json_object_get(key, "pages")));
	/* Labels that split series (--by) name the line too. */
	json_object_foreach(key, k, v)
		if (n < sizeof(raw) && !fixed_field(k))
			n += (size_t)snprintf(raw + n, sizeof(raw) - n, " %s=%s", k,
					      json_is_string(v) ? json_string_value(v) : "-");
	vb_plot_label(raw, buf, len);
}

#define SCRIPT "history.gp"

struct history_fig {
	json_t *series;
	const char *name;	/* the PNG: one path component */
};

static int write_data(int dir, size_t i, json_t *s, char *err, size_t errlen)
{
	struct vb_atomic a;
	char name[32];
	json_t *pt;
	size_t j;

	snprintf(name, sizeof(name), "s%zu.dat", i);
	if (vb_atomic_open(&a, dir, name, err, errlen) < 0)
		return -1;
	fprintf(a.f, "# index median ci95_low ci95_high change_point\n");
	json_array_foreach(json_object_get(s, "points"), j, pt) {
		double m = json_number_value(json_object_get(pt, "median"));
		json_t *lo = json_object_get(pt, "ci95_low");
		json_t *hi = json_object_get(pt, "ci95_high");

		fprintf(a.f, "%lld %.10g %.10g %.10g %s\n",
			(long long)json_integer_value(json_object_get(pt, "index")), m,
			json_is_number(lo) ? json_number_value(lo) : m,
			json_is_number(hi) ? json_number_value(hi) : m,
			json_is_true(json_object_get(pt, "change_point")) ? "1" : "0");
	}
	return vb_atomic_commit(&a, err, errlen);
}

static int write_script(int dir, const struct history_fig *h, char *err, size_t errlen)
{
	char title[256], unit[64];
	struct vb_atomic a;
	json_t *s;
	size_t i;

	if (vb_atomic_open(&a, dir, SCRIPT, err, errlen) < 0)
		return -1;
	vb_plot_label(json_string_value(json_object_get(json_array_get(h->series, 0), "unit")),
		      unit, sizeof(unit));
	vb_fig_png(a.f, h->name, 1000, 600);
	fprintf(a.f, "set title 'vbench history: median and 95%% CI per run, "
		"change points circled'\nset xlabel 'run (oldest first)'\nset ylabel '%s'\n"
		"set key below horizontal\nset grid\nset xtics 1\nset offsets 0.3, 0.3, 0, 0\n"
		"set style fill transparent solid 0.2 noborder\nplot ", unit);
	json_array_foreach(h->series, i, s) {
		title_of(s, title, sizeof(title));
		fprintf(a.f, "%s's%zu.dat' using 1:3:4 with filledcurves lc %zu notitle, "
			"'s%zu.dat' using 1:2 with linespoints lw 2 pt 7 lc %zu title '%s', "
			"'s%zu.dat' using 1:($5 > 0 ? $2 : 1/0) with points pt 6 ps 4 lw 2 "
			"lc rgb 'red' %s",
			i ? ", \\\n     " : "", i, i + 1, i, i + 1, title, i,
			i ? "notitle" : "title 'change point'");
	}
	fputc('\n', a.f);
	return vb_atomic_commit(&a, err, errlen);
}

/* The data files and the script, in vb_plot_fresh's work folder; only the
 * PNG is listed, so the rest is removed with the folder. */
static int write_history(void *arg, const char *work, json_t *files, char *err, size_t errlen)
{
	struct history_fig *h = arg;
	int dir = vb_dir_open(work, err, errlen), rc = 0;
	json_t *s;
	size_t i;

	if (dir < 0)
		return -1;
	json_array_foreach(h->series, i, s)
		if (!rc)
			rc = write_data(dir, i, s, err, errlen);
	if (!rc)
		rc = write_script(dir, h, err, errlen);
	close(dir);
	if (rc)
		return -1;
	json_array_append_new(files, json_string(h->name));
	return 1;
}

/* The PNG's name stands in the script as a gnuplot '...' string, and next to
 * the script and data files in the work folder. */
static int name_usable(const struct history_fig *h, char *err, size_t errlen)
{
	char scratch[32];

	for (const char *c = h->name; *c; c++)
		if (*c == '\'' || (unsigned char)*c < 0x20)
			return vb_errf(err, errlen, "%s: unusable file name for gnuplot", h->name);
	for (size_t i = 0; i <= json_array_size(h->series); i++) {
		snprintf(scratch, sizeof(scratch), "s%zu.dat", i);
		if (!strcmp(h->name, SCRIPT) || !strcmp(h->name, scratch))
			return vb_errf(err, errlen, "%s is a name the figure's own data takes: "
				       "choose another", h->name);
	}
	return 0;
}

int vb_history_plot(json_t *series, const char *png, char *err, size_t errlen)
{
	const char *slash = strrchr(png, '/');
	struct history_fig h = { series, slash ? slash + 1 : png };
	char dir[PATH_MAX];
	json_t *s, *files;
	size_t i;
	int n;

	if (!json_array_size(series))
		return vb_errf(err, errlen, "no series to plot: widen the filters");
	json_array_foreach(series, i, s)
		if (strcmp(json_string_value(json_object_get(s, "unit")),
			   json_string_value(json_object_get(json_array_get(series, 0), "unit"))))
			return vb_errf(err, errlen, "the series have different units (%s, %s): "
				       "narrow them with --bench",
				       json_string_value(json_object_get(json_array_get(series, 0),
									 "unit")),
				       json_string_value(json_object_get(s, "unit")));
	if (strlen(png) >= sizeof(dir))
		return vb_errf(err, errlen, "%.64s...: path too long", png);
	snprintf(dir, sizeof(dir), "%.*s", slash == png ? 1 : slash ? (int)(slash - png) : 1,
		 slash ? png : ".");
	if (name_usable(&h, err, errlen))
		return -1;
	/* Written and rendered as every figure is: in a fresh folder next to
	 * the PNG, then renamed into place (a link there is refused). */
	files = json_array();
	n = vb_plot_fresh(dir, write_history, &h, SCRIPT, true, files, err, errlen);
	json_decref(files);
	return n < 0 ? -2 : 0;
}
