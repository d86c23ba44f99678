/* plotratio.c: the figures of the answer: page-mix heatmaps (guest x host page
 * size), mode-ratio charts in the papers' style, and the compare chart. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/figure.h"
#include "analysis/ratio.h"
#include "analysis/runfile.h"
#include "analysis/summary.h"
#include "lib/array.h"

static const char *const sizes[] = { "4k", "2m", "1g" };

static int size_index(const char *s, size_t n)
{
	for (int i = 0; i < 3; i++)
		if (strlen(sizes[i]) == n && !strncmp(s, sizes[i], n))
			return i;
	return -1;
}

/* Guest and host page size indices of a row's "G:H" pages; false otherwise. */
static bool cell_of(json_t *row, int *gi, int *hi)
{
	const char *p = vb_row_pages(row, "requested"), *colon;

	if (!p || !(colon = strchr(p, ':')))
		return false;
	*gi = size_index(p, (size_t)(colon - p));
	*hi = size_index(colon + 1, strlen(colon + 1));
	return *gi >= 0 && *hi >= 0;
}

/* The heatmap's data: one line per cell (host, guest, log2 of the ratio to
 * 4k:4k, the median and the ratio as labels, and whether it is not ok). The
 * first unit found goes into unit. */
static void heatmap_cells(FILE *f, json_t *cell[3][3], int dim, double base, char *unit,
			  size_t ulen)
{
	fprintf(f, "# host guest log2(median / 4k:4k median) \"median\" \"ratio\" not-ok\n");
	for (int gi = 0; gi < dim; gi++)
		for (int hi = 0; hi < dim; hi++) {
			json_t *r = cell[gi][hi];
			char med[32] = "", ratio[32] = "";
			double m;

			if (r && vb_row_is_ok(r)) {
				vb_row_stat(r, "median", &m);
				vb_fmt_value(m, med, sizeof(med));
				if (isfinite(base) && base > 0 && m > 0)
					snprintf(ratio, sizeof(ratio), "%.2fx", m / base);
				fprintf(f, "%d %d %.6g \"%s\" \"%s\" NaN\n", hi, gi,
					isfinite(base) && base > 0 && m > 0 ? log2(m / base) : 0.0,
					med, ratio);
				if (!unit[0] && vb_row_str(r, "unit"))
					vb_fig_label(vb_row_str(r, "unit"), unit, ulen);
			} else {
				fprintf(f, "%d %d NaN \"%s\" \"\" 1\n", hi, gi,
					!r					      ? "not run"
					: !strcmp(vb_row_str(r, "status"), "skipped") ? "skipped"
										      : "failed");
			}
		}
}

/* One heatmap: the rows of one bench, params, mode and guest, by page mix. */
static int heatmap(struct vb_fig *g, json_t **rows, size_t n, json_t *pick)
{
	json_t *cell[3][3] = { { NULL } };
	double base = NAN;
	int gi, hi, dim = 2, ok = 0;
	char name[256], dat[270], params[200], title[400], t[200], unit[64] = "";
	struct vb_atomic a;
	FILE *f;

	for (size_t i = 0; i < n; i++) {
		if (!cell_of(rows[i], &gi, &hi))
			continue;
		cell[gi][hi] = rows[i];
		if (gi == 2 || hi == 2)
			dim = 3;
		ok += vb_row_is_ok(rows[i]);
	}
	if (ok < 2)
		return 0;
	if (cell[0][0] && vb_row_is_ok(cell[0][0]))
		vb_row_stat(cell[0][0], "median", &base);
	vb_row_params_text(rows[0], pick, params, sizeof(params));
	vb_fig_name(g, name, sizeof(name), "heatmap", vb_row_str(rows[0], "bench"), params,
		    vb_row_str(rows[0], "mode"), vb_row_str(rows[0], "guest"), (const char *)NULL);
	snprintf(dat, sizeof(dat), "%s.dat", name);
	f = vb_fig_data(g, &a, dat);
	if (!f)
		return -1;
	heatmap_cells(f, cell, dim, base, unit, sizeof(unit));
	vb_fig_label(params, t, sizeof(t));
	snprintf(title, sizeof(title), "%s%s%s in %s%s%s: median %s, and ratio to 4k:4k",
		 vb_row_str(rows[0], "bench"), t[0] ? " " : "", t, vb_row_str(rows[0], "mode"),
		 strcmp(vb_row_str(rows[0], "guest"), "none") ? "/" : "",
		 strcmp(vb_row_str(rows[0], "guest"), "none") ? vb_row_str(rows[0], "guest") : "",
		 unit);
	vb_fig_label(title, t, sizeof(t));
	vb_fig_begin(g, name, 640, 520);
	fprintf(g->gp,
		"set title '%s'\nset xlabel 'host page size (backing)'\nset ylabel 'guest page "
		"size'\n",
		t);
	fprintf(g->gp, "set xrange [-0.5:%d.5]\nset yrange [-0.5:%d.5]\nset xtics (", dim - 1,
		dim - 1);
	for (int k = 0; k < dim; k++)
		fprintf(g->gp, "%s'%s' %d", k ? ", " : "", sizes[k], k);
	fprintf(g->gp, ")\nset ytics (");
	for (int k = 0; k < dim; k++)
		fprintf(g->gp, "%s'%s' %d", k ? ", " : "", sizes[k], k);
	/* Blue: cheaper than 4k:4k, red: dearer; the scale is log2 of the ratio. */
	fprintf(g->gp,
		")\nset palette defined (-1 '#2166ac', 0 '#f7f7f7', 1 '#b2182b')\n"
		"set cbrange [-2:2]\nset cblabel 'log2 of the ratio to 4k:4k'\nset size ratio "
		"-1\n");
	fprintf(g->gp,
		"plot '%s' using 1:2:(0.5):(0.5):3 with boxxyerror fs solid 1.0 fc palette "
		"notitle, \\\n"
		"    '' using 1:($6 > 0 ? $2 : NaN):(0.5):(0.5) with boxxyerror fs pattern 4 lc "
		"rgb '#aaaaaa' notitle, \\\n"
		"    '' using 1:2:4 with labels offset 0,0.7 notitle, \\\n"
		"    '' using 1:2:5 with labels offset 0,-0.7 notitle\n",
		dat);
	vb_fig_end(g, name, 640, 520);
	return vb_fig_data_close(g, &a) ? -1 : 1;
}

int vb_fig_heatmaps(struct vb_fig *g, json_t *results)
{
	size_t nres = json_array_size(results), i, j, n;
	json_t **rows = calloc(nres ? nres : 1, sizeof(*rows)), *row, *seen = json_object(),
	       *picks = json_object();
	int figs = 0, rc = 0;

	if (!rows) {
		json_decref(seen);
		json_decref(picks);
		return 0;
	}
	json_array_foreach(results, i, row) {
		char *pk = vb_row_params_key(row), *key = NULL;
		const char *bench = vb_row_str(row, "bench"), *guest = vb_row_str(row, "guest");
		json_t *r2;

		if (!strcmp(vb_row_str(row, "mode"), "native") || !pk ||
		    asprintf(&key, "%s\x1f%s\x1f%s\x1f%s", bench, pk, vb_row_str(row, "mode"),
			     guest ? guest : "") < 0) {
			free(pk);
			continue;
		}
		if (json_object_get(seen, key)) {
			free(pk);
			free(key);
			continue;
		}
		json_object_set_new(seen, key, json_true());
		free(key);
		if (!json_object_get(picks, bench))
			json_object_set_new(picks, bench, vb_params_key_names(results, bench));
		n = 0;
		json_array_foreach(results, j, r2) {
			char *k2 = vb_row_params_key(r2);
			const char *g2 = vb_row_str(r2, "guest");

			if (k2 && !strcmp(k2, pk) && !strcmp(vb_row_str(r2, "bench"), bench) &&
			    !strcmp(vb_row_str(r2, "mode"), vb_row_str(row, "mode")) &&
			    !strcmp(g2 ? g2 : "", guest ? guest : ""))
				rows[n++] = r2;
			free(k2);
		}
		free(pk);
		rc = heatmap(g, rows, n, json_object_get(picks, bench));
		if (rc < 0)
			break;
		figs += rc;
	}
	free(rows);
	json_decref(seen);
	json_decref(picks);
	return rc < 0 ? -1 : figs;
}

static const char *const kind_titles[] = {
	[VB_RATIO_SHADOW_SLAT] =
		"shadow / SLAT at the same page mix: what shadow paging costs against SLAT",
	[VB_RATIO_GUEST_NATIVE] =
		"guest / native at the same guest page size: what running in the guest costs",
	[VB_RATIO_PAGES] = "page mix / 4k:4k in the same mode: what large pages buy back",
};
_Static_assert(ARRAY_SIZE(kind_titles) == VB_RATIO_COUNT, "a chart title for every ratio kind");

/* A bar's label: the first row's mode, guest and pages; the second row is
 * implied by the kind (the same pages in SLAT, native at the guest page
 * size, 4k:4k in the same mode). */
static void short_pair(json_t *e, enum vb_ratio_kind kind, char *buf, size_t len)
{
	json_t *a = json_object_get(e, "a"), *b = json_object_get(e, "b");
	const char *g = json_string_value(json_object_get(a, "guest"));

	if (kind == VB_RATIO_SHADOW_SLAT)
		snprintf(buf, len, "%s / %s", json_string_value(json_object_get(a, "pages")),
			 json_string_value(json_object_get(b, "mode")));
	else
		snprintf(buf, len, "%s%s%s %s", json_string_value(json_object_get(a, "mode")),
			 g && strcmp(g, "none") ? "/" : "", g && strcmp(g, "none") ? g : "",
			 json_string_value(json_object_get(a, "pages")));
}

/* Whether every bar of that kind is of one bench and params: then group
 * holds them ("bench params"). */
static bool one_group(json_t *view, enum vb_ratio_kind kind, char *group, size_t len)
{
	char one[400];
	bool same = true;
	size_t i;
	json_t *e;

	group[0] = '\0';
	json_array_foreach(view, i, e) {
		double c, l, h;
		const char *pt = json_string_value(json_object_get(e, "params_text"));

		if (vb_ratio_kind_of(e) != kind || !vb_ratio_cost(e, &c, &l, &h))
			continue;
		snprintf(one, sizeof(one), "%s%s%s", json_string_value(json_object_get(e, "bench")),
			 pt && *pt ? " " : "", pt ? pt : "");
		if (group[0] && strcmp(group, one))
			same = false;
		snprintf(group, len, "%s", one);
	}
	return same;
}

/* One chart per kind of ratio: a bar per ratio (cost ratio, > 1: the first
 * is slower), its CI as whiskers, a line at 1, coloured by the first's mode. */
static int ratio_chart(struct vb_fig *g, json_t *view, enum vb_ratio_kind kind)
{
	json_t *e;
	size_t i, nbars = 0;
	double lo = INFINITY, hi = 0;
	char name[256], dat[270];
	struct vb_atomic a;
	FILE *f = NULL;
	char group[400], one[400];
	/* When every bar is of one bench and params, they go in the title. */
	bool same = one_group(view, kind, group, sizeof(group));

	json_array_foreach(view, i, e) {
		double c, l, h;
		char pair[256], label[400], clean[400];
		const char *pt = json_string_value(json_object_get(e, "params_text"));

		if (vb_ratio_kind_of(e) != kind ||
		    !vb_ratio_cost(e, &c, &l, &h))
			continue;
		if (!f) {
			vb_fig_name(g, name, sizeof(name), "ratio", vb_ratio_kind_name(kind),
				    (const char *)NULL);
			snprintf(dat, sizeof(dat), "%s.dat", name);
			f = vb_fig_data(g, &a, dat);
			if (!f)
				return -1;
			fprintf(f,
				"# label cost-ratio ci95_low ci95_high rgb (cost ratio: > 1, the "
				"first is slower)\n");
		}
		short_pair(e, kind, pair, sizeof(pair));
		if (same)
			snprintf(label, sizeof(label), "%s", pair);
		else
			snprintf(label, sizeof(label), "%s %s%s%s",
				 json_string_value(json_object_get(e, "bench")), pt ? pt : "",
				 pt && *pt ? " " : "", pair);
		vb_fig_label(label, clean, sizeof(clean));
		if (!isfinite(l))
			l = h = c;
		fprintf(f, "\"%s\" %.6g %.6g %.6g %ld\n", clean, c, l, h,
			vb_fig_mode_rgb(json_string_value(
				json_object_get(json_object_get(e, "a"), "mode"))));
		lo = fmin(lo, fmin(l, c));
		hi = fmax(hi, fmax(h, c));
		nbars++;
	}
	if (!f)
		return 0;
	vb_fig_label(same ? group : "", one, sizeof(one));
	vb_fig_begin(g, name, 1100, 680);
	/* Double quotes for the \n: the label alphabet has no quote or backslash. */
	fprintf(g->gp, "set title \"%s%s%s\\n(median ratio, 95%% bootstrap CI)\"\n",
		kind_titles[kind], one[0] ? ": " : "", one);
	fprintf(g->gp, "set ylabel 'cost ratio (> 1: the first is slower; rates inverted)'\n"
		"set style fill solid 0.7 border -1\nset boxwidth 0.6\nset grid ytics\n"
		"set xtics rotate by 40 right font ',9'\nset lmargin 18\n"
		"set xrange [-0.6:%zu.6]\n", nbars - 1);
	vb_fig_yaxis(g->gp, fmin(lo, 0.9), fmax(hi, 1.1));
	fprintf(g->gp, "set format y '%%g'\n");
	fprintf(g->gp,
		"set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 1.5 lc rgb "
		"'black' front\n");
	vb_fig_bars(g->gp, dat, "%.2fx", NAN);
	vb_fig_end(g, name, 1100, 680);
	return vb_fig_data_close(g, &a) ? -1 : 1;
}

int vb_fig_ratio_charts(struct vb_fig *g, json_t *view)
{
	int figs = 0;

	for (int k = 0; k < VB_RATIO_COUNT; k++) {
		int rc = ratio_chart(g, view, (enum vb_ratio_kind)k);

		if (rc < 0)
			return -1;
		figs += rc;
	}
	return figs;
}

/* The change of each matched row (new / baseline - 1) with a conservative
 * interval from the two CIs, regressions red, improvements green. */
int vb_fig_compare_chart(struct vb_fig *g, json_t *cmp)
{
	json_t *rows = json_object_get(cmp, "rows"), *r;
	size_t i, nbars = 0;
	char name[256], dat[270];
	struct vb_atomic a;
	FILE *f = NULL;

	json_array_foreach(rows, i, r) {
		json_t *b = json_object_get(r, "baseline"), *n = json_object_get(r, "new");
		double bm = json_number_value(json_object_get(b, "median"));
		double nm = json_number_value(json_object_get(n, "median"));
		double bl = json_number_value(json_object_get(b, "ci95_low"));
		double bh = json_number_value(json_object_get(b, "ci95_high"));
		double nl = json_number_value(json_object_get(n, "ci95_low"));
		double nh = json_number_value(json_object_get(n, "ci95_high"));
		const char *v = json_string_value(json_object_get(r, "verdict"));
		char label[300], clean[300], pt[160] = "";
		long rgb = 0x999999;

		bool numeric = json_is_number(json_object_get(r, "change")) && bm > 0;

		if (!f) {
			vb_fig_name(g, name, sizeof(name), "compare", (const char *)NULL);
			snprintf(dat, sizeof(dat), "%s.dat", name);
			f = vb_fig_data(g, &a, dat);
			if (!f)
				return -1;
			fprintf(f, "# label change%% low%% high%% rgb mark "
				"(NaN: no change to show)\n");
		}
		if (json_is_object(json_object_get(r, "params")))
			vb_row_params_text(r, NULL, pt, sizeof(pt));
		snprintf(label, sizeof(label), "%s %s %s %s",
			 json_string_value(json_object_get(r, "bench")), pt,
			 json_string_value(json_object_get(r, "mode")),
			 json_string_value(json_object_get(r, "pages")));
		vb_fig_label(label, clean, sizeof(clean));
		if (v && !strcmp(v, "regression"))
			rgb = 0xd62728;
		else if (v && !strcmp(v, "improvement"))
			rgb = 0x2ca02c;
		if (!numeric) {
			/* A row skipped, failed or gone on one side keeps its place, marked. */
			fprintf(f, "\"%s\" NaN NaN NaN %ld \"%s\"\n", clean, rgb,
				v ? v : "unavailable");
			nbars++;
			continue;
		}
		if (!(bl > 0) || !(bh > 0) || !(nl > 0) || !(nh > 0))
			bl = bh = bm, nl = nh = nm;
		fprintf(f, "\"%s\" %.6g %.6g %.6g %ld \"\"\n", clean, (nm / bm - 1) * 100,
			(nl / bh - 1) * 100, (nh / bl - 1) * 100, rgb);
		nbars++;
	}
	if (!f)
		return 0;
	vb_fig_begin(g, name, 1100, 640);
	fprintf(g->gp,
		"set title 'change of each row against the baseline run (new / baseline - 1; red: "
		"regression, "
		"green: improvement)'\nset ylabel 'change of the median (%%)'\nset style fill "
		"solid 0.7 border -1\n"
		"set boxwidth 0.6\nset grid ytics\nset xtics rotate by 40 right font ',9'\nset "
		"lmargin 18\n"
		"set xrange [-0.6:%zu.6]\n",
		nbars - 1);
	fprintf(g->gp,
		"set arrow from graph 0, first 0 to graph 1, first 0 nohead lw 1.5 lc rgb 'black' "
		"front\n");
	fprintf(g->gp, "set offsets 0, 0, graph 0.1, graph 0.1\n");
	vb_fig_bars(g->gp, dat, NULL, 0);
	vb_fig_end(g, name, 1100, 640);
	return vb_fig_data_close(g, &a) ? -1 : 1;
}
