/* plot.c: turn a run into gnuplot .dat files and one script, and run gnuplot
 * from an argv in a folder of its own; the sweeps show where translation cost
 * rises with footprint, the bars every mode and page mix of one point. */
#include "analysis/plot.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/figure.h"
#include "analysis/ratio.h"
#include "analysis/runfile.h"
#include "analysis/why.h"
#include "lib/atomicfile.h"
#include "lib/error.h"

#define label_clean vb_plot_label


static void row_series(json_t *row, char *buf, size_t len)
{
	const char *guest = vb_row_str(row, "guest"), *pages = vb_row_pages(row, "requested");
	char raw[160];

	snprintf(raw, sizeof(raw), "%s%s%s %s%s", vb_row_str(row, "mode"),
		 guest && strcmp(guest, "none") != 0 ? "/" : "",
		 guest && strcmp(guest, "none") != 0 ? guest : "", pages ? pages : "?",
		 vb_row_honoured(row) ? "" : " (not honoured)");
	label_clean(raw, buf, len);
}

static void ci_of(json_t *row, double *med, double *lo, double *hi)
{
	vb_row_stat(row, "median", med);
	if (!vb_row_stat(row, "ci95_low", lo))
		*lo = *med;
	if (!vb_row_stat(row, "ci95_high", hi))
		*hi = *med;
}

static json_int_t row_fp(json_t *row)
{
	return json_integer_value(vb_row_param(row, "footprint"));
}

static bool has_fp(json_t *row)
{
	return json_is_integer(vb_row_param(row, "footprint"));
}

static int cmp_int(const void *a, const void *b)
{
	json_int_t x = *(const json_int_t *)a, y = *(const json_int_t *)b;

	return (x > y) - (x < y);
}

/* The distinct footprints of a bench's rows, sorted, 0 included. */
static size_t footprints(json_t *results, const char *bench, json_int_t *fps, size_t max)
{
	json_t *row;
	size_t i, n = 0, k;

	json_array_foreach(results, i, row) {
		if (strcmp(vb_row_str(row, "bench"), bench) || !has_fp(row))
			continue;
		for (k = 0; k < n && fps[k] != row_fp(row); k++)
			;
		if (k == n && n < max)
			fps[n++] = row_fp(row);
	}
	if (n)
		qsort(fps, n, sizeof(*fps), cmp_int);
	return n;
}

/* Point types gnuplot draws filled or distinct: one per page mix of a figure. */
static const int mix_points[] = { 7, 5, 9, 11, 13, 15, 4, 6, 8, 10 };

/* A row's page mix, "G:H"; a native row's one dimension is both ("4k": "4k:4k"),
 * so native 4k and a guest's 4k:4k are drawn alike but for their colour. */
static void mix_of(json_t *row, char *buf, size_t len)
{
	const char *pg = vb_row_pages(row, "requested");

	if (!pg)
		snprintf(buf, len, "?");
	else if (strchr(pg, ':'))
		snprintf(buf, len, "%s", pg);
	else
		snprintf(buf, len, "%s:%s", pg, pg);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The distinct page mixes of a figure's curves, each mapped to its place in
 * sorted order: one dash and one marker per mix. */
static void page_mixes(json_t *series, json_t *mixes)
{
	const char *key, *names[64];
	json_t *rows, *v;
	size_t n = 0;

	json_object_foreach(series, key, rows) {
		char mix[40];

		mix_of(json_array_get(rows, 0), mix, sizeof(mix));
		json_object_set_new(mixes, mix, json_null());
	}
	json_object_foreach(mixes, key, v)
		if (n < sizeof(names) / sizeof(names[0]))
			names[n++] = key;
	qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < n; i++)
		json_object_set_new(mixes, names[i], json_integer((json_int_t)i));
}

/* One curve of a sweep: its block in the data file, headed by its name and
 * title, and its clause in the plot command, which names the block; a curve
 * with no ok point has no block and says "no data" in the key. */
static void plot_curve(struct vb_fig *g, FILE *f, const char *dat, const char *key,
		       json_t *rows, const json_int_t *fps, size_t nfp, size_t idx, json_t *mixes)
{
	const char *mode = vb_row_str(json_array_get(rows, 0), "mode");
	size_t skipped = 0, ok = 0, k, i, mix;
	char title[400], style[96], pg[40];
	json_t *r;

	mix_of(json_array_get(rows, 0), pg, sizeof(pg));
	mix = (size_t)json_integer_value(json_object_get(mixes, pg));
	json_array_foreach(rows, i, r)
		ok += vb_row_is_ok(r);
	skipped = json_array_size(rows) - ok;
	snprintf(title, sizeof(title), "%s%s%.0zu%s", key, skipped ? " (" : "", skipped,
		 skipped ? " skipped)" : "");
	snprintf(style, sizeof(style), "lc rgb '%s' dt %zu pt %d ps 0.6", vb_fig_mode_colour(mode),
		 mix % 5 + 1, mix_points[mix % (sizeof(mix_points) / sizeof(mix_points[0]))]);
	fprintf(g->gp, "%s", idx ? ", \\\n    " : " ");
	if (!ok) {
		/* A function plot with no point: its key entry, drawn as the curve would be. */
		fprintf(g->gp, "NaN with linespoints %s title '%s: no data'", style, title);
		return;
	}
	fprintf(f, "\n\n# curve %zu: %s\n", idx, title);
	for (k = 0; k < nfp; k++)
		json_array_foreach(rows, i, r) {
			double m, l, h;

			if (row_fp(r) != fps[k] || !vb_row_is_ok(r))
				continue;
			ci_of(r, &m, &l, &h);
			fprintf(f, "%zu %.6g %.6g %.6g\n", k, m, l, h);
		}
	fprintf(g->gp, "'%s' index 'curve %zu:' using 1:2:3:4 with yerrorlines %s title '%s'", dat,
		idx, style, title);
}

/* The x axis of a sweep: the nfp footprints as evenly spaced categories,
 * each labelled with its value as a parameter reads (e.g. 64M). */
static void footprint_tics(FILE *gp, const json_int_t *fps, size_t nfp)
{
	fprintf(gp, "set xrange [-0.3:%zu.3]\nset xtics (", nfp - 1);
	for (size_t k = 0; k < nfp; k++) {
		char t[32];
		json_t *v = json_integer(fps[k]);

		vb_param_value_text(v, t, sizeof(t));
		json_decref(v);
		fprintf(gp, "%s'%s' %zu", k ? ", " : "", t, k);
	}
	fprintf(gp, ")\n");
}

/*
 * Median vs footprint for one bench: one curve per mode x pages (and per
 * value of any other swept param), coloured by mode. The footprints are
 * categories, evenly spaced, so footprint=0 keeps its own place; y is log
 * when the medians span more than a decade. Returns 1 when written, 0 when
 * the bench has fewer than two footprints.
 */
static int plot_sweep(struct vb_fig *g, json_t *results, const char *bench)
{
	json_t *series = json_object(), *row, *rows, *pick = vb_params_key_names(results, bench);
	json_t *mixes = json_object();
	json_int_t fps[VB_PLOT_FP_MAX];
	size_t nfp = footprints(results, bench, fps, VB_PLOT_FP_MAX), i, idx = 0;
	char name[NAME_MAX_LEN * 2], dat[NAME_MAX_LEN * 2 + 8], unit[64] = "", base[NAME_MAX_LEN];
	const char *key;
	double lo = INFINITY, hi = 0;
	struct vb_atomic a;
	FILE *f;

	json_object_del(pick, "footprint");
	json_array_foreach(results, i, row) {
		char s[160], other[160], title[330];

		if (strcmp(vb_row_str(row, "bench"), bench) || !has_fp(row))
			continue;
		row_series(row, s, sizeof(s));
		vb_row_params_text(row, pick, other, sizeof(other));
		label_clean(other, other, sizeof(other));
		snprintf(title, sizeof(title), "%s%s%s", s, other[0] ? " " : "", other);
		if (!json_object_get(series, title))
			json_object_set_new(series, title, json_array());
		json_array_append(json_object_get(series, title), row);
		if (vb_row_is_ok(row)) {
			double m, l, h;

			ci_of(row, &m, &l, &h);
			lo = fmin(lo, m > 0 ? m : lo);
			hi = fmax(hi, h);
			if (!unit[0] && vb_row_str(row, "unit"))
				label_clean(vb_row_str(row, "unit"), unit, sizeof(unit));
		}
	}
	json_decref(pick);
	if (nfp < 2 || hi <= 0) {
		json_decref(series);
		json_decref(mixes);
		return 0;
	}
	page_mixes(series, mixes);
	vb_fig_file_word(bench, base, sizeof(base));
	vb_fig_name(g, name, sizeof(name), "sweep", bench, (const char *)NULL);
	snprintf(dat, sizeof(dat), "%s.dat", name);
	f = vb_fig_data(g, &a, dat);
	if (!f) {
		json_decref(series);
		json_decref(mixes);
		return -1;
	}
	fprintf(f,
		"# %s: footprint index, median, ci95_low, ci95_high (%s); one block per curve, "
		"its first line '# curve N: <its title>', plotted by that name (index 'curve N:'); "
		"skipped points are not in a block: their count is in the curve's title; a curve "
		"with no ok point has no block and is 'no data' in the key\n",
		base, unit);
	vb_fig_begin(g, name, 960, 600);
	fprintf(g->gp, "set title '%s: %s by footprint (median, 95%% CI)'\n", base, unit);
	fprintf(g->gp, "set xlabel 'footprint'\nset ylabel '%s'\nset key top left\nset grid\n",
		unit);
	footprint_tics(g->gp, fps, nfp);
	vb_fig_yaxis(g->gp, lo, hi);
	fprintf(g->gp, "plot");
	json_object_foreach(series, key, rows)
		plot_curve(g, f, dat, key, rows, fps, nfp, idx++, mixes);
	fprintf(g->gp, "\n");
	vb_fig_end(g, name, 960, 600);
	json_decref(series);
	json_decref(mixes);
	return vb_fig_data_close(g, &a) ? -1 : 1;
}

/* A bar per mode x pages for one bench and params, the CI as error bar,
 * coloured by mode; a skipped or failed row keeps its place, marked. */
static int plot_bars(struct vb_fig *g, json_t *results, size_t first, const char *gkey,
		     json_t *pick)
{
	json_t *row, *r0 = json_array_get(results, first);
	char params[200], name[NAME_MAX_LEN * 2], dat[NAME_MAX_LEN * 2 + 8], unit[64] = "";
	char title[330], base[NAME_MAX_LEN];
	size_t i, nbars = 0;
	double lo = INFINITY, hi = 0, ybot;
	struct vb_atomic a;
	FILE *f;

	vb_row_params_text(r0, pick, params, sizeof(params));
	vb_fig_file_word(vb_row_str(r0, "bench"), base, sizeof(base));
	vb_fig_name(g, name, sizeof(name), "bar", vb_row_str(r0, "bench"), params,
		    (const char *)NULL);
	snprintf(dat, sizeof(dat), "%s.dat", name);
	f = vb_fig_data(g, &a, dat);
	if (!f)
		return -1;
	fprintf(f, "# series median ci95_low ci95_high rgb mark (median NaN: not ok, see mark)\n");
	json_array_foreach(results, i, row) {
		char *pk, s[160];
		double med, l, h;
		bool same;

		if (i < first || strcmp(vb_row_str(row, "bench"), vb_row_str(r0, "bench")))
			continue;
		pk = vb_row_params_key(row);
		same = pk && strcmp(pk, gkey) == 0;
		free(pk);
		if (!same)
			continue;
		row_series(row, s, sizeof(s));
		if (!vb_row_is_ok(row)) {
			fprintf(f, "\"%s\" NaN NaN NaN %ld \"%s\"\n", s,
				vb_fig_mode_rgb(vb_row_str(row, "mode")),
				!strcmp(vb_row_str(row, "status"), "skipped") ? "skipped"
									      : "failed");
			nbars++;
			continue;
		}
		ci_of(row, &med, &l, &h);
		fprintf(f, "\"%s\" %.6g %.6g %.6g %ld \"\"\n", s, med, l, h,
			vb_fig_mode_rgb(vb_row_str(row, "mode")));
		lo = fmin(lo, med > 0 ? med : lo);
		hi = fmax(hi, h);
		if (!unit[0] && vb_row_str(row, "unit"))
			label_clean(vb_row_str(row, "unit"), unit, sizeof(unit));
		nbars++;
	}
	label_clean(params, params, sizeof(params));
	snprintf(title, sizeof(title), "%s%s%s: median, 95%% CI", base, params[0] ? " " : "",
		 params);
	vb_fig_begin(g, name, 960, 600);
	fprintf(g->gp,
		"set title '%s'\nset ylabel '%s'\nset style fill solid 0.7 border -1\nset boxwidth "
		"0.6\n",
		title, unit);
	ybot = vb_fig_yaxis(g->gp, isfinite(lo) ? lo : 1, hi > 0 ? hi : 1);
	fprintf(g->gp,
		"set xrange [-0.6:%zu.6]\nset grid ytics\nset xtics rotate by 40 right\nset "
		"lmargin 14\n"
		"set rmargin 8\n",
		nbars - 1);
	/* gnuplot's own SI prefixes (12.2k), never e-notation. */
	vb_fig_bars(g->gp, dat, "%.1s%c", ybot);
	vb_fig_end(g, name, 960, 600);
	return vb_fig_data_close(g, &a) ? -1 : 1;
}

/* Sweeps and bar charts of every bench. */
static int plot_rows(struct vb_fig *g, json_t *results)
{
	json_t *row, *benches = json_object(), *groups = json_object();
	size_t i;
	int rc = 0;

	json_array_foreach(results, i, row) {
		const char *bench = vb_row_str(row, "bench");
		char *pk, *gkey = NULL;

		if (!json_object_get(benches, bench)) {
			json_object_set_new(benches, bench, vb_params_key_names(results, bench));
			if ((rc = plot_sweep(g, results, bench)) < 0)
				break;
		}
		pk = vb_row_params_key(row);
		if (pk && asprintf(&gkey, "%s\x1f%s", bench, pk) < 0)
			gkey = NULL;
		rc = 0;
		if (gkey && !json_object_get(groups, gkey)) {
			json_object_set_new(groups, gkey, json_true());
			rc = plot_bars(g, results, i, pk, json_object_get(benches, bench));
		}
		free(pk);
		free(gkey);
		if (rc < 0)
			break;
	}
	json_decref(benches);
	json_decref(groups);
	return rc < 0 ? -1 : 0;
}

int vb_plot_write(json_t *run, json_t *compare, const char *dirpath, json_t *files, char *err,
		  size_t errlen)
{
	json_t *results = vb_run_results(run), *row, *view;
	struct vb_fig g = { .files = files, .err = err, .errlen = errlen };
	struct vb_atomic gpa;
	size_t i;
	int rc;
	char id[128];

	json_array_foreach(results, i, row)
		if (vb_row_is_ok(row))
			break;
	if (i == json_array_size(results))
		return 0;
	g.dir = vb_dir_open(dirpath, err, errlen);
	if (g.dir < 0)
		return -1;
	g.gp = vb_atomic_open(&gpa, g.dir, VB_PLOT_SCRIPT, err, errlen) < 0 ? NULL : gpa.f;
	if (!g.gp) {
		close(g.dir);
		return -1;
	}
	json_array_append_new(files, json_string(VB_PLOT_SCRIPT));
	g.used = json_object();
	label_clean(json_string_value(json_object_get(run, "id"))
			    ? json_string_value(json_object_get(run, "id"))
			    : "?",
		    id, sizeof(id));
	fprintf(g.gp,
		"# Figures of run %s, written by vbench; run in this folder as: gnuplot %s\n\n", id,
		VB_PLOT_SCRIPT);
	view = vb_ratio_view(results);
	rc = vb_fig_ratio_charts(&g, view);
	if (rc >= 0)
		rc = vb_fig_heatmaps(&g, results);
	if (rc >= 0 && compare)
		rc = vb_fig_compare_chart(&g, compare);
	if (rc >= 0)
		rc = plot_rows(&g, results);
	if (rc >= 0)
		rc = vb_why_figures(&g, results);
	json_decref(view);
	json_decref(g.used);
	if (rc < 0)
		vb_atomic_abort(&gpa);
	else if (vb_atomic_commit(&gpa, err, errlen))
		rc = -1;
	close(g.dir);
	return rc < 0 ? -1 : g.count;
}

bool vb_gnuplot_found(void)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL;
	bool found = false;

	copy = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	if (!copy)
		return false;
	for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char p[4096];

		snprintf(p, sizeof(p), "%s/gnuplot", *dir ? dir : ".");
		found = access(p, X_OK) == 0;
	}
	free(copy);
	return found;
}

int vb_plot_render(const char *dir, const char *script, char *err, size_t errlen)
{
	char *const argv[] = { "gnuplot", (char *)script, NULL };
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return vb_errf(err, errlen, "fork: %s", strerror(errno));
	if (pid == 0) {
		/* Relative names in the script keep untrusted paths out of it. */
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC), log;

		if (null >= 0)
			dup2(null, STDIN_FILENO);
		/* gnuplot gets stdin, stdout and stderr, nothing vbench inherited or opened. */
		close_range(3, ~0U, 0);
		if (chdir(dir) != 0) {
			fprintf(stderr, "%s: plot: %s: %s\n", vb_progname(), dir, strerror(errno));
			_exit(126);
		}
		/* gnuplot's own messages (warnings included) go to the folder's
		 * run.log, not to the user's terminal. */
		log = open("run.log", O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (log >= 0) {
			dup2(log, STDOUT_FILENO);
			dup2(log, STDERR_FILENO);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return vb_errf(err, errlen, "waitpid: %s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return vb_errf(err, errlen, "gnuplot could not be started (make deps installs it)");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return vb_errf(err, errlen, "gnuplot %s failed (%s %d); its messages are in "
			"%s/run.log",
			       script, WIFEXITED(status) ? "exit" : "signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), dir);
	return 0;
}

/* Empty the work folder and remove it: the files not moved into out (a
 * writer's scratch data, gnuplot's run.log) go with it. After a failed
 * render, run.log and the folder stay, since the message points to them. */
static void work_remove(int wfd, const char *work, bool keep_log)
{
	DIR *d = fdopendir(wfd);
	struct dirent *e;

	if (!d) {
		close(wfd);
		rmdir(work);
		return;
	}
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    !(keep_log && !strcmp(e->d_name, "run.log")))
			unlinkat(wfd, e->d_name, 0);
	closedir(d);
	rmdir(work);
}

int vb_plot_fresh(const char *out, vb_plot_writer write, void *arg, const char *script, bool render,
		  json_t *files, char *err, size_t errlen)
{
	char work[4200], why[512];
	int dfd, wfd, figures;
	bool failed_render = false;
	json_t *v;
	size_t i;

	dfd = vb_dir_open(out, err, errlen);
	if (dfd < 0)
		return -1;
	/* gnuplot opens its outputs by name and follows links: it writes into a
	 * fresh folder of ours, and the files are renamed into out afterwards. */
	snprintf(work, sizeof(work), "%s/.vbench-plot.XXXXXX", out);
	if (!mkdtemp(work)) {
		vb_errf(err, errlen, "cannot create a work folder in %s: %s", out, strerror(errno));
		close(dfd);
		return -1;
	}
	wfd = vb_dir_open(work, err, errlen);
	if (wfd < 0) {
		rmdir(work);
		close(dfd);
		return -1;
	}
	figures = write(arg, work, files, err, errlen);
	/* Refuse before anything is rendered or moved: a link at any name. */
	json_array_foreach(files, i, v)
		if (figures > 0 &&
		    vb_atomic_check_name(dfd, json_string_value(v), why, sizeof(why))) {
			vb_errf(err, errlen, "%s/%s", out, why);
			figures = -1;
		}
	if (figures > 0 && render && vb_plot_render(work, script, err, errlen)) {
		figures = -1;
		failed_render = true;
	}
	json_array_foreach(files, i, v) {
		const char *name = json_string_value(v);

		if (figures <= 0 || (!render && (strstr(name, ".png") || strstr(name, ".svg"))))
			continue;
		if (vb_atomic_move(wfd, name, dfd, why, sizeof(why))) {
			vb_errf(err, errlen, "%s: %s", out, why);
			figures = -1;
		}
	}
	work_remove(wfd, work, failed_render);
	fsync(dfd);
	close(dfd);
	return figures;
}

struct plot_args {
	json_t *run, *compare;
};

static int write_plots(void *arg, const char *work, json_t *files, char *err, size_t errlen)
{
	struct plot_args *a = arg;

	return vb_plot_write(a->run, a->compare, work, files, err, errlen);
}

int vb_plot_make(json_t *run, json_t *compare, const char *out, bool render, json_t *files,
		 char *err, size_t errlen)
{
	struct plot_args a = { run, compare };

	return vb_plot_fresh(out, write_plots, &a, VB_PLOT_SCRIPT, render, files, err, errlen);
}
