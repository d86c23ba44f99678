/* history_plot.c: the series of a history as one gnuplot PNG: a line and a
 * 95% CI band per series, change points marked. */
#include "analysis/history_plot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/plot.h"
#include "analysis/runfile.h"
#include "lib/error.h"

/* Text inside a gnuplot '...' string: no quotes, backslashes, control
 * characters or the characters gnuplot's enhanced text would interpret. */
static void clean(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; in && *in && n + 1 < len; in++)
		out[n++] = strchr("'\"\\`$@^_{}&", *in) || (unsigned char)*in < 0x20 ? ' ' : *in;
	out[n] = '\0';
}

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
	clean(raw, buf, len);
}

static int write_data(const char *dir, size_t i, json_t *s, char *err, size_t errlen)
{
	char path[PATH_MAX];
	json_t *pt;
	size_t j;
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%s/s%zu.dat", dir, i);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f)
		return vb_errf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	fprintf(f, "# index median ci95_low ci95_high change_point\n");
	json_array_foreach(json_object_get(s, "points"), j, pt) {
		double m = json_number_value(json_object_get(pt, "median"));
		json_t *lo = json_object_get(pt, "ci95_low");
		json_t *hi = json_object_get(pt, "ci95_high");

		fprintf(f, "%lld %.10g %.10g %.10g %s\n",
			(long long)json_integer_value(json_object_get(pt, "index")), m,
			json_is_number(lo) ? json_number_value(lo) : m,
			json_is_number(hi) ? json_number_value(hi) : m,
			json_is_true(json_object_get(pt, "change_point")) ? "1" : "0");
	}
	if (fclose(f))
		return vb_errf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	return 0;
}

static int write_script(const char *dir, json_t *series, const char *out, char *err, size_t errlen)
{
	char path[PATH_MAX], title[256], unit[64];
	json_t *s;
	size_t i;
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%s/history.gp", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f)
		return vb_errf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	clean(json_string_value(json_object_get(json_array_get(series, 0), "unit")), unit,
	      sizeof(unit));
	fprintf(f, "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
		"    set terminal pngcairo size 1000,600 noenhanced font ',10'\n"
		"} else {\n    set terminal png size 1000,600 noenhanced\n}\n"
		"set output '%s'\nset title 'vbench history: median and 95%% CI per run, "
		"change points circled'\nset xlabel 'run (oldest first)'\nset ylabel '%s'\n"
		"set key below horizontal\nset grid\nset xtics 1\nset offsets 0.3, 0.3, 0, 0\n"
		"set style fill transparent solid 0.2 noborder\nplot ", out, unit);
	json_array_foreach(series, i, s) {
		title_of(s, title, sizeof(title));
		fprintf(f, "%s's%zu.dat' using 1:3:4 with filledcurves lc %zu notitle, "
			"'s%zu.dat' using 1:2 with linespoints lw 2 pt 7 lc %zu title '%s', "
			"'s%zu.dat' using 1:($5 > 0 ? $2 : 1/0) with points pt 6 ps 4 lw 2 "
			"lc rgb 'red' %s",
			i ? ", \\\n     " : "", i, i + 1, i, i + 1, title, i,
			i ? "notitle" : "title 'change point'");
	}
	fputc('\n', f);
	if (fclose(f))
		return vb_errf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	return 0;
}

/* Remove what write_data and write_script put in dir, then dir. */
static void cleanup(const char *dir, size_t nseries)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < nseries; i++) {
		snprintf(path, sizeof(path), "%s/s%zu.dat", dir, i);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/history.gp", dir);
	unlink(path);
	rmdir(dir);
}

int vb_history_plot(json_t *series, const char *png, char *err, size_t errlen)
{
	char tmpl[] = "/tmp/vbench-history-XXXXXX", out[PATH_MAX], dirpart[PATH_MAX];
	char tmp_png[2 * PATH_MAX + 64];
	const char *base = strrchr(png, '/');
	json_t *s;
	size_t i;
	int rc = -1;

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
	/* gnuplot runs in the temporary folder: the output path must be absolute. */
	snprintf(dirpart, sizeof(dirpart), "%.*s", base ? (int)(base - png) : 1, base ? png : ".");
	if (!realpath(base == png ? "/" : dirpart, out))
		return vb_errf(err, errlen, "%s: %s", dirpart, strerror(errno));
	snprintf(tmp_png, sizeof(tmp_png), "%s/.%s.tmp.%d", out, base ? base + 1 : png,
		 (int)getpid());
	if (strchr(tmp_png, '\'') || strlen(tmp_png) + 1 >= sizeof(tmp_png))
		return vb_errf(err, errlen, "%s: unusable output path for gnuplot", png);
	if (!mkdtemp(tmpl))
		return vb_errf(err, errlen, "cannot create a temporary folder: %s",
			       strerror(errno));
	json_array_foreach(series, i, s)
		if (write_data(tmpl, i, s, err, errlen))
			goto out;
	if (write_script(tmpl, series, tmp_png, err, errlen) ||
	    vb_plot_render(tmpl, "history.gp", err, errlen))
		goto out;
	if (rename(tmp_png, png)) {
		vb_errf(err, errlen, "cannot write %s: %s", png, strerror(errno));
		unlink(tmp_png);
		goto out;
	}
	rc = 0;
out:
	cleanup(tmpl, json_array_size(series));
	return rc;
}
