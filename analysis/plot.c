/* plot.c: turn a run into gnuplot .dat files and one script, and run gnuplot
 * from an argv; the curves show where translation cost rises with footprint. */
#include "analysis/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/runfile.h"
#include "lib/atomicfile.h"
#include "lib/error.h"

#define NAME_MAX_LEN 96

/* File names and gnuplot strings come from an untrusted run: keep a safe
 * alphabet so nothing needs quoting or can leave the folder. */
static void sanitize(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in && n + 1 < len; in++) {
		char c = *in;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			c = '_';
		if (n == 0 && c == '.')
			c = '_';
		out[n++] = c;
	}
	out[n] = '\0';
}

/*
 * Text from the run inside a gnuplot '...' string or a "..." data field.
 * Only a plain alphabet passes: no quotes or backslashes that end the string,
 * no backquotes, '$' or parentheses that gnuplot would substitute or
 * evaluate, no enhanced-text markup and no control characters. Anything
 * else becomes '_'.
 */
void vb_plot_label(const char *in, char *out, size_t len)
{
	size_t n = 0;

	if (!len)
		return;
	for (; *in && n + 1 < len; in++) {
		char c = *in;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr(" .,:;=+-_/%*!", c)))
			c = '_';
		out[n++] = c;
	}
	out[n] = '\0';
}

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

/* Every file goes through a temporary name and a rename (lib/atomicfile.h). */
static FILE *open_in(int dirfd, struct vb_atomic *a, const char *name, char *err, size_t errlen)
{
	if (vb_atomic_open(a, dirfd, name, err, errlen) < 0)
		return NULL;
	return a->f;
}

static int close_checked(struct vb_atomic *a, char *err, size_t errlen)
{
	return vb_atomic_commit(a, err, errlen);
}

static int cmp_fp(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(json_object_get(*(json_t *const *)a, "params"), "footprint"));
	json_int_t y = json_integer_value(json_object_get(json_object_get(*(json_t *const *)b, "params"), "footprint"));

	return (x > y) - (x < y);
}

/*
 * Latency vs footprint for one bench: one curve per mode x pages (and per
 * value of any other swept param). Returns 1 when written, 0 when the bench
 * has no sweep.
 */
static int plot_sweep(FILE *gp, json_t *results, const char *bench, int dir,
		      json_t *files, char *err, size_t errlen)
{
	json_t *series = json_object(), *row, *rows, *pick = vb_params_key_names(results, bench);
	const char *key;
	char base[NAME_MAX_LEN], name[NAME_MAX_LEN + 16], unit[64] = "";
	size_t i, idx = 0, longest = 0;
	struct vb_atomic a;
	FILE *dat;

	json_object_del(pick, "footprint");
	json_array_foreach(results, i, row) {
		char s[160], other[160], title[330];

		if (strcmp(vb_row_str(row, "bench"), bench) != 0 || !vb_row_is_ok(row) ||
		    !json_is_integer(json_object_get(json_object_get(row, "params"), "footprint")))
			continue;
		row_series(row, s, sizeof(s));
		vb_row_params_text(row, pick, other, sizeof(other));
		label_clean(other, other, sizeof(other));
		snprintf(title, sizeof(title), "%s%s%s", s, other[0] ? " " : "", other);
		if (!json_object_get(series, title))
			json_object_set_new(series, title, json_array());
		json_array_append(json_object_get(series, title), row);
		if (!unit[0] && vb_row_str(row, "unit"))
			label_clean(vb_row_str(row, "unit"), unit, sizeof(unit));
	}
	json_decref(pick);
	json_object_foreach(series, key, rows)
		if (json_array_size(rows) > longest)
			longest = json_array_size(rows);
	if (longest < 2) {
		json_decref(series);
		return 0;
	}
	sanitize(bench, base, sizeof(base));
	snprintf(name, sizeof(name), "sweep-%s.dat", base);
	dat = open_in(dir, &a, name, err, errlen);
	if (!dat) {
		json_decref(series);
		return -1;
	}
	json_array_append_new(files, json_string(name));
	fprintf(dat, "# %s: footprint (MiB), median, ci95_low, ci95_high (%s); one block per curve\n",
		base, unit);
	fprintf(gp, "reset\nset output 'sweep-%s.png'\n", base);
	fprintf(gp, "set title '%s: %s vs footprint (median, 95%% CI)'\n", base, unit);
	fprintf(gp, "set logscale x 2\nset xlabel 'footprint (MiB)'\nset ylabel '%s'\n", unit);
	fprintf(gp, "set key top left\nset grid\nset yrange [0:*]\nset offsets graph 0.03, graph 0.03, 0, 0\nplot");
	json_object_foreach(series, key, rows) {
		size_t n = json_array_size(rows), k;
		json_t **v = malloc(n * sizeof(*v));

		if (!v)
			continue;
		for (k = 0; k < n; k++)
			v[k] = json_array_get(rows, k);
		qsort(v, n, sizeof(*v), cmp_fp);
		fprintf(dat, "%s# %s\n", idx ? "\n\n" : "", key);
		for (k = 0; k < n; k++) {
			double med, lo, hi;
			json_int_t fp = json_integer_value(json_object_get(json_object_get(v[k], "params"), "footprint"));

			ci_of(v[k], &med, &lo, &hi);
			fprintf(dat, "%.6g %.6g %.6g %.6g\n", (double)fp / (1 << 20), med, lo, hi);
		}
		free(v);
		fprintf(gp, "%s '%s' index %zu using 1:2:3:4 with yerrorlines title '%s'",
			idx ? ", \\\n    " : " ", name, idx, key);
		idx++;
	}
	fprintf(gp, "\n\n");
	snprintf(name, sizeof(name), "sweep-%s.png", base);
	json_array_append_new(files, json_string(name));
	json_decref(series);
	return close_checked(&a, err, errlen) ? -1 : 1;
}

/* A bar per mode x pages for one bench and params, with the CI as error bar. */
static int plot_bars(FILE *gp, json_t *results, size_t first, const char *gkey, json_t *pick,
		     int dir, json_t *files, json_t *used, char *err, size_t errlen)
{
	json_t *row, *r0 = json_array_get(results, first);
	char params[200], tag[NAME_MAX_LEN], base[NAME_MAX_LEN], name[2 * NAME_MAX_LEN + 32];
	char unit[64] = "", title[330];
	size_t i, nbars = 0;
	int dup = 1;
	struct vb_atomic a;
	FILE *dat;

	vb_row_params_text(r0, pick, params, sizeof(params));
	sanitize(vb_row_str(r0, "bench"), base, sizeof(base));
	sanitize(params, tag, sizeof(tag));
	snprintf(name, sizeof(name), "bar-%s%s%s", base, tag[0] ? "-" : "", tag);
	while (json_object_get(used, name))
		snprintf(name, sizeof(name), "bar-%s%s%s-%d", base, tag[0] ? "-" : "", tag, ++dup);
	json_object_set_new(used, name, json_true());
	strcat(name, ".dat");
	dat = open_in(dir, &a, name, err, errlen);
	if (!dat)
		return -1;
	json_array_append_new(files, json_string(name));
	fprintf(dat, "# series median ci95_low ci95_high\n");
	json_array_foreach(results, i, row) {
		char *pk, s[160];
		double med, lo, hi;
		bool same;

		if (i < first || !vb_row_is_ok(row) || strcmp(vb_row_str(row, "bench"), vb_row_str(r0, "bench")))
			continue;
		pk = vb_row_params_key(row);
		same = pk && strcmp(pk, gkey) == 0;
		free(pk);
		if (!same)
			continue;
		row_series(row, s, sizeof(s));
		ci_of(row, &med, &lo, &hi);
		fprintf(dat, "\"%s\" %.6g %.6g %.6g\n", s, med, lo, hi);
		if (!unit[0] && vb_row_str(row, "unit"))
			label_clean(vb_row_str(row, "unit"), unit, sizeof(unit));
		nbars++;
	}
	label_clean(params, params, sizeof(params));
	snprintf(title, sizeof(title), "%s%s%s: median, 95%% CI", base, params[0] ? " " : "", params);
	fprintf(gp, "reset\nset output '%.*s.png'\nset title '%s'\n", (int)(strlen(name) - 4), name, title);
	fprintf(gp, "set ylabel '%s'\nset style fill solid 0.6 border -1\nset boxwidth 0.6\n", unit);
	fprintf(gp, "set yrange [0:*]\nset offsets 0, 0, graph 0.08, 0\nset xrange [-0.6:%zu.6]\nset grid ytics\nset xtics rotate by -25\n", nbars - 1);
	fprintf(gp, "plot '%s' using 0:2:xtic(1) with boxes lc rgb '#5b8fd9' notitle, \\\n"
		"    '' using 0:2:3:4 with yerrorbars lc rgb 'black' lw 1.5 pt 7 ps 0.4 notitle, \\\n"
		"    '' using 0:4:(sprintf('%%.4g', $2)) with labels offset 0,0.8 notitle\n\n", name);
	if (close_checked(&a, err, errlen))
		return -1;
	strcpy(name + strlen(name) - 4, ".png");
	json_array_append_new(files, json_string(name));
	return 1;
}

int vb_plot_write(json_t *run, const char *dirpath, json_t *files, char *err, size_t errlen)
{
	json_t *results = vb_run_results(run), *row, *benches, *groups, *used;
	struct vb_atomic gpa;
	size_t i;
	int figures = 0, rc = 0, dir;
	char id[128];
	FILE *gp;

	json_array_foreach(results, i, row)
		if (vb_row_is_ok(row))
			break;
	if (i == json_array_size(results))
		return 0;
	dir = vb_dir_open(dirpath, err, errlen);
	if (dir < 0)
		return -1;
	gp = open_in(dir, &gpa, VB_PLOT_SCRIPT, err, errlen);
	if (!gp) {
		close(dir);
		return -1;
	}
	benches = json_object();
	groups = json_object();
	used = json_object();
	json_array_append_new(files, json_string(VB_PLOT_SCRIPT));
	label_clean(json_string_value(json_object_get(run, "id")) ? json_string_value(json_object_get(run, "id")) : "?",
		    id, sizeof(id));
	fprintf(gp, "# Figures of run %s, written by vbench plot; run in this folder as: gnuplot %s\n",
		id, VB_PLOT_SCRIPT);
	/* gnuplot-nox may lack cairo on some builds; libgd png is the fallback. */
	fprintf(gp, "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
		"    set terminal pngcairo size 960,600 noenhanced font ',10'\n"
		"} else {\n    set terminal png size 960,600 noenhanced\n}\n\n");
	json_array_foreach(results, i, row) {
		const char *bench = vb_row_str(row, "bench");
		char *pk, *gkey = NULL;

		if (!vb_row_is_ok(row))
			continue;
		if (!json_object_get(benches, bench)) {
			json_object_set_new(benches, bench, vb_params_key_names(results, bench));
			rc = plot_sweep(gp, results, bench, dir, files, err, errlen);
			if (rc < 0)
				break;
			figures += rc;
		}
		pk = vb_row_params_key(row);
		if (pk && asprintf(&gkey, "%s\x1f%s", bench, pk) < 0)
			gkey = NULL;
		if (gkey && !json_object_get(groups, gkey)) {
			json_object_set_new(groups, gkey, json_true());
			rc = plot_bars(gp, results, i, pk, json_object_get(benches, bench), dir, files,
				       used, err, errlen);
		}
		free(pk);
		free(gkey);
		if (rc < 0)
			break;
		figures += rc;
		rc = 0;
	}
	json_decref(benches);
	json_decref(groups);
	json_decref(used);
	if (rc < 0)
		vb_atomic_abort(&gpa);
	else if (close_checked(&gpa, err, errlen))
		rc = -1;
	close(dir);
	return rc < 0 ? -1 : figures;
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
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (null >= 0)
			dup2(null, STDIN_FILENO);
		/* gnuplot gets stdin, stdout and stderr, nothing vbench inherited or opened. */
		close_range(3, ~0U, 0);
		if (chdir(dir) != 0) {
			fprintf(stderr, "%s: plot: %s: %s\n", vb_progname(), dir, strerror(errno));
			_exit(126);
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
		return vb_errf(err, errlen, "gnuplot %s failed (%s %d); its messages are above",
			       script, WIFEXITED(status) ? "exit" : "signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return 0;
}

/* Remove what a work folder still holds (names from files), then the folder. */
static void work_remove(int wfd, const char *work, json_t *files)
{
	json_t *v;
	size_t i;

	json_array_foreach(files, i, v)
		unlinkat(wfd, json_string_value(v), 0);
	close(wfd);
	rmdir(work);
}

int vb_plot_make(json_t *run, const char *out, bool render, json_t *files, char *err, size_t errlen)
{
	char work[4200], why[512];
	int dfd, wfd, figures;
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
	figures = vb_plot_write(run, work, files, err, errlen);
	/* Refuse before anything is rendered or moved: a link at any name. */
	json_array_foreach(files, i, v)
		if (figures > 0 && vb_atomic_check_name(dfd, json_string_value(v), why, sizeof(why))) {
			vb_errf(err, errlen, "%s/%s", out, why);
			figures = -1;
		}
	if (figures > 0 && render && vb_plot_render(work, VB_PLOT_SCRIPT, err, errlen))
		figures = -1;
	json_array_foreach(files, i, v) {
		const char *name = json_string_value(v);

		if (figures <= 0 || (!render && strstr(name, ".png")))
			continue;
		if (vb_atomic_move(wfd, name, dfd, why, sizeof(why))) {
			vb_errf(err, errlen, "%s: %s", out, why);
			figures = -1;
		}
	}
	work_remove(wfd, work, files);
	fsync(dfd);
	close(dfd);
	return figures;
}
