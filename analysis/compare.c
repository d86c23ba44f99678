/* compare.c: regression check between two runs; a row regresses only when its
 * median moved beyond the threshold in the worse direction and the samples say
 * the move is not noise (Mann-Whitney U). */
#include "analysis/compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/runfile.h"
#include "analysis/summary.h"
#include "lib/escape.h"

/* Bootstrap seed of the change CI: the same runs give the same interval. */
#define CHANGE_CI_SEED 0xc0ffeeULL

/* Matching key; pages.requested and guest may be absent in a skipped row. */
static char *row_key(json_t *row)
{
	const char *guest = vb_row_str(row, "guest"), *pages = vb_row_pages(row, "requested");
	char *pk = vb_row_params_key(row), *key = NULL;

	if (asprintf(&key, "%s\x1f%s\x1f%s\x1f%s\x1f%s", vb_row_str(row, "bench"), pk ? pk : "{}",
		     vb_row_str(row, "mode"), guest ? guest : "none", pages ? pages : "") < 0)
		key = NULL;
	free(pk);
	return key;
}

/* Index rows by key; the k-th repeat of a key in one run pairs with the k-th
 * in the other, so plans that list a point twice still match one to one. */
static json_t *index_rows(json_t *results)
{
	json_t *idx = json_object(), *seen = json_object(), *row;
	size_t i;

	/* seen counts each key's repeats so far: one lookup per row, not one per
	 * earlier repeat (thousands of identical rows stay linear). */
	json_array_foreach(results, i, row) {
		char *key = row_key(row), *full = NULL;
		json_int_t k;

		if (!key)
			continue;
		k = json_integer_value(json_object_get(seen, key));
		json_object_set_new(seen, key, json_integer(k + 1));
		if (asprintf(&full, "%s\x1f%lld", key, (long long)k) >= 0)
			json_object_set(idx, full, row);
		free(full);
		free(key);
	}
	json_decref(seen);
	return idx;
}

static json_t *ident(json_t *row)
{
	const char *guest = vb_row_str(row, "guest"), *pages = vb_row_pages(row, "requested");
	json_t *params = vb_row_params(row);

	return json_pack("{s:s, s:o, s:s, s:s, s:s}", "bench", vb_row_str(row, "bench"),
			 "params", json_is_object(params) ? json_copy(params) : json_object(),
			 "mode", vb_row_str(row, "mode"), "guest", guest ? guest : "none",
			 "pages", pages ? pages : "");
}

static json_t *side(json_t *row)
{
	json_t *o = json_pack("{s:s}", "status", vb_row_str(row, "status"));
	/* n and invocations are counts; the rest are values. */
	static const char *const keys[] = { "n", "invocations", "median", "ci95_low", "ci95_high",
					    "var_between", "var_within" };
	const char *why = vb_row_str(row, "reason"), *ver = vb_row_pages(row, "verified");
	double v;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (vb_row_stat(row, keys[i], &v))
			json_object_set_new(o, keys[i],
					    i < 2 ? json_integer((json_int_t)v) : json_real(v));
	if (why)
		json_object_set_new(o, "reason", json_string(why));
	if (ver)
		json_object_set_new(o, "pages_verified", json_string(ver));
	return o;
}

/* A row's samples grouped by invocation: its `invocations` when it has
 * them, else all its samples as one group. */
struct groups {
	double *x;
	size_t *len;
	size_t k, n, one;
};

static bool row_groups(json_t *row, struct groups *g)
{
	memset(g, 0, sizeof(*g));
	g->x = vb_row_invocations(row, &g->len, &g->k);
	if (g->x) {
		for (size_t i = 0; i < g->k; i++)
			g->n += g->len[i];
		return true;
	}
	g->x = vb_row_samples(row, &g->one);
	g->len = &g->one;
	g->k = g->x ? 1 : 0;
	g->n = g->one;
	return g->x != NULL;
}

static void groups_free(struct groups *g)
{
	free(g->x);
	if (g->len != &g->one)
		free(g->len);
}

/* The median of each invocation, into a malloc'd array of g->k. */
static double *group_medians(const struct groups *g)
{
	double *m = malloc(g->k * sizeof(*m));
	size_t at = 0;

	if (!m)
		return NULL;
	for (size_t i = 0; i < g->k; at += g->len[i], i++)
		m[i] = vb_median(g->x + at, g->len[i]);
	return m;
}

/*
 * The significance of a row's change. Invocations on both sides (two or
 * more each): Welch's t test on the invocation medians, because samples of
 * one invocation share its drift and are not independent evidence. Else
 * Mann-Whitney on the raw samples; else (no samples) CI overlap.
 */
static const char *significance(json_t *a, json_t *b, struct groups *ga, struct groups *gb,
				const struct vb_compare_opts *o, json_t *out, bool *sig)
{
	double al, ah, bl, bh, p, *ma, *mb;

	*sig = false;
	if (ga->x && gb->x && ga->k >= 2 && gb->k >= 2) {
		ma = group_medians(ga);
		mb = group_medians(gb);
		p = ma && mb ? vb_welch_p(ma, ga->k, mb, gb->k) : 1;
		free(ma);
		free(mb);
		*sig = p < o->alpha;
		json_object_set_new(out, "p_value", json_real(p));
		return "welch-invocations";
	}
	if (ga->x && gb->x) {
		p = vb_mann_whitney_p(ga->x, ga->n, gb->x, gb->n);
		*sig = p < o->alpha;
		json_object_set_new(out, "p_value", json_real(p));
		return "mann-whitney";
	}
	if (vb_row_stat(a, "ci95_low", &al) && vb_row_stat(a, "ci95_high", &ah) &&
	    vb_row_stat(b, "ci95_low", &bl) && vb_row_stat(b, "ci95_high", &bh)) {
		*sig = ah < bl || bh < al;
		return "ci-overlap";
	}
	return "none";
}

/* 95% bootstrap CI of the change (ratio of medians - 1), hierarchical where
 * the rows have invocations. */
static void change_ci(struct groups *ga, struct groups *gb, json_t *out)
{
	double lo, hi;

	if (!ga->x || !gb->x ||
	    vb_stats_ratio_ci(ga->x, ga->len, ga->k, gb->x, gb->len, gb->k, CHANGE_CI_SEED,
			      &lo, &hi))
		json_object_set_new(out, "change_ci95", json_null());
	else
		json_object_set_new(out, "change_ci95", json_pack("[f, f]", lo - 1, hi - 1));
}

static const char *judge(json_t *a, json_t *b, const struct vb_compare_opts *o, json_t *out)
{
	const char *ua = vb_row_str(a, "unit"), *ub = vb_row_str(b, "unit"), *test;
	bool higher = vb_unit_higher_is_better(ua), sig;
	struct groups ga, gb;
	double ma, mb, change;

	json_object_set_new(out, "higher_is_better", json_boolean(higher));
	json_object_set_new(out, "change", json_null());
	json_object_set_new(out, "change_ci95", json_null());
	json_object_set_new(out, "p_value", json_null());
	if (!vb_row_is_ok(a) || !vb_row_is_ok(b)) {
		char note[64];

		snprintf(note, sizeof(note), "baseline %s, new %s", vb_row_str(a, "status"),
			 vb_row_str(b, "status"));
		json_object_set_new(out, "note", json_string(note));
		return "unavailable";
	}
	if (!ua || !ub || strcmp(ua, ub) != 0) {
		json_object_set_new(out, "note", json_string("units differ"));
		return "unavailable";
	}
	vb_row_stat(a, "median", &ma);
	vb_row_stat(b, "median", &mb);
	if (ma == 0) {
		json_object_set_new(out, "note", json_string("baseline median is 0"));
		return "unavailable";
	}
	change = (mb - ma) / fabs(ma);
	json_object_set_new(out, "change", json_real(change));
	row_groups(a, &ga);
	row_groups(b, &gb);
	change_ci(&ga, &gb, out);
	test = significance(a, b, &ga, &gb, o, out, &sig);
	if (ga.x && gb.x)
		json_object_set_new(out, "invocations", json_pack("[I, I]", (json_int_t)ga.k,
								  (json_int_t)gb.k));
	groups_free(&ga);
	groups_free(&gb);
	json_object_set_new(out, "test", json_string(test));
	json_object_set_new(out, "significant", json_boolean(sig));
	if (vb_row_honoured(a) != vb_row_honoured(b))
		json_object_set_new(out, "note", json_string("pages honoured in one run only"));
	if (fabs(change) <= o->threshold)
		return "none";
	if (!sig)
		return "not-significant";
	return (change > 0) != higher ? "regression" : "improvement";
}

static const char *run_id(json_t *run)
{
	const char *id = json_string_value(json_object_get(run, "id"));

	return id ? id : "?";
}

/* What the new run lost: rows ok in the baseline that are missing, failed or
 * skipped in the new run. */
static void add_lost(json_t *lost, json_t *a, json_t *b)
{
	json_t *o;
	const char *why = b ? vb_row_str(b, "reason") : NULL;

	if (!vb_row_is_ok(a) || (b && vb_row_is_ok(b)))
		return;
	o = ident(a);
	json_object_set_new(o, "new_status", json_string(b ? vb_row_str(b, "status") : "missing"));
	if (why)
		json_object_set_new(o, "reason", json_string(why));
	json_array_append_new(lost, o);
}

static const char *host_str(json_t *run, const char *a, const char *b)
{
	json_t *v = json_object_get(json_object_get(run, "host"), a);

	return json_string_value(b ? json_object_get(v, b) : v);
}

/* Differences between the runs' hosts and vbench versions that make a
 * change mean less: warned about, never failed on. A side that does not
 * record a field (a run rebuilt from results.jsonl) says nothing. */
static json_t *host_warnings(json_t *ra, json_t *rb)
{
	static const struct { const char *what, *a, *b; } keys[] = {
		{ "host CPU", "cpu", "model_name" }, { "kernel", "kernel", NULL },
		{ "KVM flavour", "kvm", "flavour" },
	};
	const char *va, *vb;
	json_t *w = json_array();
	char *msg;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		va = host_str(ra, keys[i].a, keys[i].b);
		vb = host_str(rb, keys[i].a, keys[i].b);
		if (va && vb && strcmp(va, vb) != 0 &&
		    asprintf(&msg, "%s differs: baseline '%s', new '%s'", keys[i].what, va,
			     vb) >= 0) {
			json_array_append_new(w, json_string(msg));
			free(msg);
		}
	}
	va = json_string_value(json_object_get(ra, "vbench_version"));
	vb = json_string_value(json_object_get(rb, "vbench_version"));
	if (va && vb && strcmp(va, vb) != 0 &&
	    asprintf(&msg, "vbench version differs: baseline '%s', new '%s'", va, vb) >= 0) {
		json_array_append_new(w, json_string(msg));
		free(msg);
	}
	return w;
}

static void count(json_t *counts, const char *what)
{
	json_object_set_new(counts, what,
			    json_integer(json_integer_value(json_object_get(counts, what)) + 1));
}

json_t *vb_compare_runs(json_t *baseline, json_t *newrun, const struct vb_compare_opts *opts)
{
	json_t *ia = index_rows(vb_run_results(baseline)), *ib = index_rows(vb_run_results(newrun));
	json_t *rows = json_array(), *only_a = json_array(), *only_b = json_array();
	json_t *lost = json_array();
	json_t *counts = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "regression", 0,
				   "improvement", 0, "none", 0, "not-significant", 0,
				   "unavailable", 0, "lost", 0, "comparable", 0);
	json_t *a, *b, *report;
	const char *key;

	/* Objects keep insertion order, so rows come out in the baseline's plan order. */
	json_object_foreach(ia, key, a) {
		json_t *out;
		const char *verdict;

		b = json_object_get(ib, key);
		add_lost(lost, a, b);
		if (!b) {
			json_array_append_new(only_a, ident(a));
			continue;
		}
		out = ident(a);
		json_object_set_new(
			out, "unit",
			json_string(vb_row_str(a, "unit") ? vb_row_str(a, "unit") : ""));
		json_object_set_new(out, "baseline", side(a));
		json_object_set_new(out, "new", side(b));
		verdict = judge(a, b, opts, out);
		json_object_set_new(out, "verdict", json_string(verdict));
		count(counts, verdict);
		if (strcmp(verdict, "unavailable") != 0)
			count(counts, "comparable");
		json_array_append_new(rows, out);
	}
	json_object_foreach(ib, key, b)
		if (!json_object_get(ia, key))
			json_array_append_new(only_b, ident(b));
	json_object_set_new(counts, "lost", json_integer((json_int_t)json_array_size(lost)));
	report = json_pack("{s:s, s:s, s:s, s:f, s:f, s:s, s:o, s:o, s:o, s:o, s:o, s:o}",
			   "schema", "vbench.compare/1",
			   "baseline", run_id(baseline), "new", run_id(newrun),
			   "threshold", opts->threshold, "alpha", opts->alpha,
			   "method", "Welch's t on invocation medians where both rows have "
			   "invocations, else two-sided Mann-Whitney U on the samples (95% CI "
			   "overlap when a side has no samples)",
			   "rows", rows, "only_baseline", only_a, "only_new", only_b, "lost", lost,
			   "warnings", host_warnings(baseline, newrun), "counts", counts);
	json_decref(ia);
	json_decref(ib);
	return report;
}

size_t vb_compare_regressions(json_t *report)
{
	json_int_t n = json_integer_value(
		json_object_get(json_object_get(report, "counts"), "regression"));

	return n > 0 ? (size_t)n : 0;
}

size_t vb_compare_lost(json_t *report)
{
	return json_array_size(json_object_get(report, "lost"));
}

size_t vb_compare_comparable(json_t *report)
{
	json_t *counts = json_object_get(report, "counts");
	json_int_t n = json_integer_value(json_object_get(counts, "comparable"));

	return n > 0 ? (size_t)n : 0;
}

/* Cells of the text table. */
enum {
	K_BENCH, K_PARAMS, K_MODE, K_PAGES, K_UNIT, K_BASE, K_NEW, K_CHANGE, K_CI, K_P, K_VERDICT,
	K_COUNT
};
static const char *const k_head[K_COUNT] = {
	"bench", "params", "mode", "pages", "unit", "baseline", "new", "change", "change 95% CI",
	"p", "verdict",
};
_Static_assert(sizeof(k_head) / sizeof(k_head[0]) == K_COUNT, "a heading per column");

static void fmt_side(json_t *s, char *buf, size_t len)
{
	json_t *m = json_object_get(s, "median");

	if (json_is_number(m))
		vb_fmt_value(json_number_value(m), buf, len);
	else
		snprintf(buf, len, "%s", json_string_value(json_object_get(s, "status")));
}

static void ident_cells(json_t *r, char c[][96])
{
	const char *guest = json_string_value(json_object_get(r, "guest"));
	json_t *fake = json_pack("{s:O}", "params", json_object_get(r, "params"));

	snprintf(c[K_BENCH], 96, "%s", json_string_value(json_object_get(r, "bench")));
	vb_row_params_text(fake, NULL, c[K_PARAMS], 96);
	if (guest && strcmp(guest, "none") != 0)
		snprintf(c[K_MODE], 96, "%s/%s", json_string_value(json_object_get(r, "mode")),
			 guest);
	else
		snprintf(c[K_MODE], 96, "%s", json_string_value(json_object_get(r, "mode")));
	snprintf(c[K_PAGES], 96, "%s", json_string_value(json_object_get(r, "pages")));
	json_decref(fake);
	/* Names from the run files: no escape sequence or newline reaches the terminal. */
	for (int k = K_BENCH; k <= K_PAGES; k++) {
		char clean[96];

		memcpy(c[k], vb_escape_ctrl(c[k], clean, sizeof(clean)), sizeof(clean));
	}
}

/* Which two runs, and the rule the verdicts follow. */
static void print_heading(FILE *f, json_t *report)
{
	for (int k = 0; k < 2; k++) {
		const char *which = k ? "new" : "baseline";
		char pk[32];

		snprintf(pk, sizeof(pk), "%s_path", which);
		fprintf(f, "%-9s ", which);
		vb_fputs_escaped(f, json_string_value(json_object_get(report, which)) ?: "");
		if (json_is_string(json_object_get(report, pk))) {
			fputs(" (", f);
			vb_fputs_escaped(f, json_string_value(json_object_get(report, pk)));
			fputc(')', f);
		}
		fputc('\n', f);
	}
	fprintf(f, "threshold %.3g%%, significance: %s, p < %g\n\n",
		json_number_value(json_object_get(report, "threshold")) * 100,
		json_string_value(json_object_get(report, "method")),
		json_number_value(json_object_get(report, "alpha")));
}

/* One compared row's cells, control characters escaped. */
static void row_cells(json_t *r, char c[K_COUNT][96])
{
	json_t *ch = json_object_get(r, "change"), *p = json_object_get(r, "p_value");
	json_t *ci = json_object_get(r, "change_ci95");
	const char *note = json_string_value(json_object_get(r, "note"));

	ident_cells(r, c);
	snprintf(c[K_UNIT], 96, "%s", json_string_value(json_object_get(r, "unit")));
	fmt_side(json_object_get(r, "baseline"), c[K_BASE], 96);
	fmt_side(json_object_get(r, "new"), c[K_NEW], 96);
	if (json_is_number(ch))
		snprintf(c[K_CHANGE], 96, "%+.1f%%", json_number_value(ch) * 100);
	else
		snprintf(c[K_CHANGE], 96, "-");
	if (json_is_array(ci))
		snprintf(c[K_CI], 96, "[%+.1f%%, %+.1f%%]",
			 json_number_value(json_array_get(ci, 0)) * 100,
			 json_number_value(json_array_get(ci, 1)) * 100);
	else
		snprintf(c[K_CI], 96, "-");
	if (json_is_number(p))
		snprintf(c[K_P], 96, json_number_value(p) < 0.001 ? "%.1e" : "%.3f",
			 json_number_value(p));
	else
		snprintf(c[K_P], 96, "-");
	snprintf(c[K_VERDICT], 96, "%s%s%s", json_string_value(json_object_get(r, "verdict")),
		 note ? ": " : "", note ? note : "");
	for (int k = K_UNIT; k < K_COUNT; k++) {
		char clean[96];

		memcpy(c[k], vb_escape_ctrl(c[k], clean, sizeof(clean)), sizeof(clean));
	}
}

/* n + 1 lines of cells (the head first) in aligned columns, numbers to the right. */
static void print_table(FILE *f, char (*cells)[K_COUNT][96], size_t n)
{
	size_t w[K_COUNT];

	for (int k = 0; k < K_COUNT; k++) {
		w[k] = 0;
		for (size_t i = 0; i <= n; i++)
			if (strlen(cells[i][k]) > w[k])
				w[k] = strlen(cells[i][k]);
	}
	for (size_t i = 0; i <= n; i++) {
		for (int k = 0; k < K_COUNT; k++) {
			bool right = k >= K_BASE && k <= K_P && k != K_CI;

			if (k == K_VERDICT)
				fprintf(f, "%s\n", cells[i][k]);
			else if (right)
				fprintf(f, "%*s  ", (int)w[k], cells[i][k]);
			else
				fprintf(f, "%-*s  ", (int)w[k], cells[i][k]);
		}
	}
}

/* The points only one run has, and those ok in the baseline but not in the new run. */
static void print_unmatched(FILE *f, json_t *report)
{
	size_t i;
	json_t *r;

	for (int k = 0; k < 2; k++) {
		json_t *only = json_object_get(report, k ? "only_new" : "only_baseline");

		json_array_foreach(only, i, r) {
			char c[K_COUNT][96];

			ident_cells(r, c);
			fprintf(f, "only in %s: %s%s%s %s %s\n", k ? "new" : "baseline", c[K_BENCH],
				c[K_PARAMS][0] ? " " : "", c[K_PARAMS], c[K_MODE], c[K_PAGES]);
		}
	}
	json_array_foreach(json_object_get(report, "lost"), i, r) {
		char c[K_COUNT][96];
		const char *why = json_string_value(json_object_get(r, "reason"));
		char clean[256];

		ident_cells(r, c);
		why = why ? vb_escape_ctrl(why, clean, sizeof(clean)) : NULL;
		fprintf(f, "LOST (ok in baseline, %s in new): %s%s%s %s %s%s%s\n",
			json_string_value(json_object_get(r, "new_status")), c[K_BENCH],
			c[K_PARAMS][0] ? " " : "", c[K_PARAMS], c[K_MODE], c[K_PAGES],
			why ? ": " : "", why ? why : "");
	}
}

void vb_compare_print(FILE *f, json_t *report)
{
	json_t *rows = json_object_get(report, "rows"), *r,
	       *counts = json_object_get(report, "counts");
	size_t n = json_array_size(rows), i;
	char (*cells)[K_COUNT][96] = calloc(n + 1, sizeof(*cells));

	if (!cells)
		return;
	print_heading(f, report);
	for (int k = 0; k < K_COUNT; k++)
		snprintf(cells[0][k], 96, "%s", k_head[k]);
	json_array_foreach(rows, i, r)
		row_cells(r, cells[i + 1]);
	print_table(f, cells, n);
	free(cells);
	print_unmatched(f, report);
	fprintf(f,
		"\n%lld regression(s), %lld improvement(s), %lld unchanged, %lld not significant, "
		"%lld unavailable, %lld lost\n",
		(long long)json_integer_value(json_object_get(counts, "regression")),
		(long long)json_integer_value(json_object_get(counts, "improvement")),
		(long long)json_integer_value(json_object_get(counts, "none")),
		(long long)json_integer_value(json_object_get(counts, "not-significant")),
		(long long)json_integer_value(json_object_get(counts, "unavailable")),
		(long long)json_integer_value(json_object_get(counts, "lost")));
}
