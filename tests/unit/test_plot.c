/* test_plot.c: the gnuplot data and script of vbench plot, and the PNGs when gnuplot is here. */
#include <criterion/criterion.h>
#include <math.h>
#include <sys/stat.h>

#include "analysis/plot.h"
#include "analysis/runfile.h"
#include "tests/unit/fixture_run.h"

static char *slurp(const char *dir, const char *name)
{
	char path[512], *buf = NULL;
	size_t len = 0;
	FILE *f, *m;
	int c;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s missing", path);
	m = open_memstream(&buf, &len);
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(m);
	fclose(f);
	return buf;
}

static json_t *sweep_run(void)
{
	json_t *rows = json_array();
	const char *pages[] = { "4k", "2m" };
	int fp, p;

	for (fp = 16; fp <= 1024; fp *= 4) {
		for (p = 0; p < 2; p++) {
			json_t *r = fx_row("ptrchase", "native", pages[p], "ns/load",
					   100.0 + fp / (p + 1), 0.02, 5);

			vb_row_set_param(r, "footprint", json_integer((json_int_t)fp << 20));
			json_array_append_new(rows, r);
		}
	}
	json_array_append_new(rows, fx_row("forkwait", "native", "4k", "us/fork", 80, 0.02, 5));
	json_array_append_new(rows, fx_skipped("forkwait", "ept", "4k:4k", "no ept"));
	return fx_run("P", rows);
}

Test(plot, data_and_script)
{
	char *d = fx_tmpdir(), err[256], *gp, *dat;
	json_t *run = sweep_run(), *files = json_array();
	int n = vb_plot_write(run, NULL, d, files, err, sizeof(err));

	/* One sweep + one bar chart per footprint (4) + forkwait's + the native 2m/4k ratio
	 * chart. */
	cr_assert_eq(n, 7, "%d: %s", n, err);
	gp = slurp(d, VB_PLOT_SCRIPT);
	/* Footprints are categories: 16M, 64M, 256M, 1G evenly spaced. */
	cr_assert(strstr(gp, "set xtics ('16M' 0, '64M' 1, '256M' 2, '1G' 3)"), "%s", gp);
	cr_assert(strstr(gp, "'sweep-ptrchase.dat' index 'curve 1:'"), "%s", gp);
	cr_assert(strstr(gp, "title 'native 2m'"), "%s", gp);
	cr_assert(strstr(gp, "lc rgb '#4d4d4d'"), "native's colour: %s", gp);
	cr_assert(strstr(gp, "yerrorbars"), "%s", gp);
	cr_assert(strstr(gp, "set output 'bar-forkwait"), "%s", gp);
	cr_assert(strstr(gp, "set output 'ratio-pages.svg'"), "every figure also as SVG: %s", gp);
	dat = slurp(d, "sweep-ptrchase.dat");
	cr_assert(strstr(dat, "# curve 0: native 4k\n0 116 "), "%s", dat);
	cr_assert(strstr(dat, "\n3 1124 "), "%s", dat);
	free(dat);
	dat = slurp(d, "bar-forkwait-footprint_512M.dat");
	cr_assert(strstr(dat, "\"native 4k\" 80 "), "%s", dat);
	cr_assert(strstr(dat, "\"ept/micro 4k:4k\" NaN NaN NaN 2062260 \"skipped\""),
		  "a skipped row keeps its place, marked: %s", dat);
	free(dat);
	free(gp);
	json_decref(files);
	json_decref(run);
	free(d);
}

Test(plot, hostile_names_stay_in_folder)
{
	char *d = fx_tmpdir(), err[256], *gp;
	json_t *row = fx_row("../x'y", "native", "4k", "ns/load", 1, 0.01, 5),
	       *files = json_array();
	json_t *run = fx_run("P", json_pack("[o]", row));
	size_t i;
	json_t *v;

	cr_assert_eq(vb_plot_write(run, NULL, d, files, err, sizeof(err)), 1, "%s", err);
	json_array_foreach(files, i, v)
		cr_assert(!strchr(json_string_value(v), '/') && !strchr(json_string_value(v), '\''),
			  "%s", json_string_value(v));
	gp = slurp(d, VB_PLOT_SCRIPT);
	cr_assert(!strstr(gp, "x'y"), "%s", gp);
	free(gp);
	json_decref(files);
	json_decref(run);
	free(d);
}

Test(plot, renders_png_when_gnuplot_present)
{
	char *d = fx_tmpdir(), err[256], path[512];
	json_t *run = sweep_run(), *files = json_array();
	struct stat st;

	if (!vb_gnuplot_found())
		cr_skip_test("gnuplot not installed (make deps installs it)");
	cr_assert_gt(vb_plot_write(run, NULL, d, files, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(vb_plot_render(d, VB_PLOT_SCRIPT, err, sizeof(err)), 0, "%s", err);
	snprintf(path, sizeof(path), "%s/sweep-ptrchase.svg", d);
	cr_assert_eq(stat(path, &st), 0, "%s", path);
	snprintf(path, sizeof(path), "%s/sweep-ptrchase.png", d);
	cr_assert_eq(stat(path, &st), 0, "%s", path);
	cr_assert_gt(st.st_size, 1000);
	snprintf(path, sizeof(path), "%s/bar-forkwait-footprint_512M.png", d);
	cr_assert_eq(stat(path, &st), 0, "%s", path);
	cr_assert_gt(st.st_size, 1000);
	json_decref(files);
	json_decref(run);
	free(d);
}

Test(plot, footprint_zero_kept_and_log_y_beyond_a_decade)
{
	char *d = fx_tmpdir(), err[256], *gp;
	json_t *rows = json_array(), *files = json_array(), *run;
	const double med[] = { 5, 40, 900 };

	/* forkwait at footprint 0, 64M and 1G: three decades apart. */
	for (int i = 0; i < 3; i++) {
		json_t *r = fx_row("forkwait", "native", "4k", "us/fork", med[i], 0.01, 5);

		vb_row_set_param(r, "footprint",
				 json_integer(i ? (json_int_t)1 << (i == 1 ? 26 : 30) : 0));
		json_array_append_new(rows, r);
	}
	run = fx_run("P", rows);
	cr_assert_gt(vb_plot_write(run, NULL, d, files, err, sizeof(err)), 0, "%s", err);
	gp = slurp(d, VB_PLOT_SCRIPT);
	cr_assert(strstr(gp, "set xtics ('0' 0, '64M' 1, '1G' 2)"), "%s", gp);
	cr_assert(strstr(gp, "set logscale y"), "%s", gp);
	free(gp);
	json_decref(files);
	json_decref(run);
	free(d);
}

/* The block of dat headed "# curve <id>: <title>": its title in *title (malloc'd). */
static char *block(const char *dat, const char *id, char **title)
{
	char head[64];
	const char *p, *nl, *end;

	snprintf(head, sizeof(head), "# curve %s: ", id);
	p = strstr(dat, head);
	cr_assert_not_null(p, "no block 'curve %s:' in the data", id);
	nl = strchr(p, '\n');
	*title = strndup(p + strlen(head), (size_t)(nl - p - strlen(head)));
	end = strstr(nl, "\n\n");
	return strndup(nl + 1, end ? (size_t)(end - nl) : strlen(nl + 1));
}

/* Every point of a block is the median of a forkwait row that its title names. */
static void check_block(json_t *run, const char *dat, const char *id, const char *title)
{
	char *bt, *b = block(dat, id, &bt), mode[16] = "", pages[16] = "";
	double x, med, lo, hi;
	int n = 0;

	cr_assert_str_eq(bt, title, "the block's title is not the curve's");
	sscanf(title, "%15[a-z/] %15s", mode, pages);
	for (char *line = strtok(b, "\n"); line; line = strtok(NULL, "\n")) {
		bool found = false;
		json_t *row;
		size_t i;

		if (sscanf(line, "%lf %lf %lf %lf", &x, &med, &lo, &hi) != 4)
			continue;
		n++;
		json_array_foreach(vb_run_results(run), i, row) {
			const char *m = vb_row_str(row, "mode");
			double v;

			found |= !strcmp(vb_row_str(row, "bench"), "forkwait") &&
				 !strncmp(mode, m, strlen(m)) &&
				 !strcmp(pages, vb_row_pages(row, "requested")) &&
				 vb_row_stat(row, "median", &v) && fabs(v - med) <= 1e-5 * fabs(v);
		}
		cr_assert(found, "curve '%s' draws %g, not a median of its rows", title, med);
	}
	cr_assert_eq(n, 3, "curve '%s' has %d of its 3 footprints", title, n);
	free(b);
	free(bt);
}

/* The sweep of `vbench run --mode native,shadow --pages 4k,2m` where the shadow
 * rows of forkwait were all skipped (tests/fixtures/runs/sweep, made by
 * vbench): every plotted block carries its own title, and its points are
 * the medians of the rows that title names; the skipped series is "no
 * data", and each mode x page mix has its own colour, dash and marker. */
Test(plot, each_curve_draws_its_own_rows)
{
	char err[256], *dir = fx_tmpdir(), *gp, *dat;
	json_t *run = vb_run_load("tests/fixtures/runs/sweep", err, sizeof(err));
	json_t *styles = json_object(), *files = json_array();
	const char *p, *end;
	int curves = 0, empty = 0;

	cr_assert_not_null(run, "%s", err);
	cr_assert_geq(vb_plot_write(run, NULL, dir, files, err, sizeof(err)), 1, "%s", err);
	gp = slurp(dir, VB_PLOT_SCRIPT);
	dat = slurp(dir, "sweep-forkwait.dat");
	p = strstr(gp, "set output 'sweep-forkwait.png'");
	cr_assert_not_null(p);
	p = strstr(p, "\nplot ");
	cr_assert(!strstr(gp, "index 0") && !strstr(gp, "index 1 "), "no positional index");
	end = strstr(p, "\nset terminal svg");
	cr_assert_not_null(end);
	for (const char *c = p; (c = strstr(c, " with ")) && c < end; c++) {
		char style[128] = "", title[256] = "", id[16] = "";
		const char *ln = c, *q;

		while (ln > p && ln[-1] != '\n')
			ln--;
		q = strstr(c, " title '");
		cr_assert_not_null(q);
		/* lc, dt and pt: what tells one curve from another, whatever it draws with. */
		snprintf(style, sizeof(style), "%.*s", (int)(q - strstr(c, "lc rgb")),
			 strstr(c, "lc rgb"));
		cr_assert_eq(sscanf(q, " title '%255[^']'", title), 1, "%.80s", c);
		cr_assert_null(json_object_get(styles, style), "two curves drawn alike: %s", style);
		json_object_set_new(styles, style, json_true());
		if (!strncmp(ln + strspn(ln + 4, " ") + 4, "NaN ", 4)) {
			cr_assert(strstr(title, "shadow/linux") && strstr(title, ": no data"),
				  "%s", title);
			empty++;
			continue;
		}
		q = strstr(ln, "index 'curve ");
		cr_assert(q && q < c, "a curve not named by its block: %.80s", ln);
		sscanf(q, "index 'curve %15[0-9]:'", id);
		check_block(run, dat, id, title);
		curves++;
	}
	cr_assert_eq(curves, 2, "native 4k and native 2m");
	cr_assert_eq(empty, 2, "shadow/linux 4k:4k and 2m:2m, all skipped");
	free(gp);
	free(dat);
	free(dir);
	json_decref(files);
	json_decref(styles);
	json_decref(run);
}
