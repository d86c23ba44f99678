/* why.c: the "why" view of a run: exits by reason and the shadow MMU's work
 * per operation for each traced row, and for each shadow/SLAT pair which
 * reasons make the time difference (exits per operation x mean latency). */
#include "analysis/why.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/runfile.h"
#include "analysis/summary.h"

#define TOP 3 /* reasons shown per pair in the summary */

static double num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Nanoseconds per unit of a "<time>/<op>" unit; NAN for a rate or another unit. */
static double ns_of_unit(const char *unit)
{
	static const struct {
		const char *p;
		double ns;
	} u[] = {
		{ "ns/", 1 },
		{ "us/", 1e3 },
		{ "ms/", 1e6 },
		{ "s/", 1e9 },
	};

	for (size_t i = 0; unit && i < sizeof(u) / sizeof(u[0]); i++)
		if (!strncmp(unit, u[i].p, strlen(u[i].p)))
			return u[i].ns;
	return NAN;
}

static bool is_slat(const char *mode)
{
	return mode && (!strcmp(mode, "ept") || !strcmp(mode, "npt") || !strcmp(mode, "tdp"));
}

static json_t *exits_of(json_t *row)
{
	json_t *e = vb_row_exits(row);

	return json_is_object(e) ? e : NULL;
}

/* Largest first: by time per operation where known, else by count. */
static int by_weight(const void *a, const void *b)
{
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	double tx = num(x, "ns_per_op"), ty = num(y, "ns_per_op");

	if (isfinite(tx) && isfinite(ty) && tx != ty)
		return tx < ty ? 1 : -1;
	tx = num(x, "per_op");
	ty = num(y, "per_op");
	return tx < ty ? 1 : tx > ty ? -1 : 0;
}

/* A row's exit reasons with their time per operation (null without latency). */
static json_t *row_reasons(json_t *row)
{
	json_t *out = json_array();
	size_t n = vb_row_exit_reasons(row);

	for (size_t i = 0; i < n; i++) {
		const char *name = vb_row_exit_str(row, i, "reason");
		const char *kind = vb_row_exit_str(row, i, "kind");
		double per = NAN, mean = NAN;

		if (!name)
			continue;
		vb_row_exit_num(row, i, "per_op", &per);
		vb_row_exit_num(row, i, "mean_ns", &mean);
		json_array_append_new(
		    out, json_pack("{s:s,s:o,s:o,s:o,s:o}", "reason", name,
		                   "kind", kind ? json_string(kind) : json_null(), "per_op",
		                   isfinite(per) ? json_real(per) : json_null(), "mean_ns",
		                   isfinite(mean) ? json_real(mean) : json_null(), "ns_per_op",
		                   isfinite(per * mean) ? json_real(per * mean) : json_null()));
	}
	vb_json_array_sort(out, by_weight);
	return out;
}

static json_t *row_entry(json_t *row)
{
	json_t *m = vb_row_shadow_mmu_per_op(row);
	char *pk = vb_row_params_key(row);
	double per = NAN;
	json_t *o;

	vb_row_exits_num(row, "per_op", &per);
	o = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:O}", "bench", vb_row_str(row, "bench"), "params",
	              pk ? pk : "{}", "mode", vb_row_str(row, "mode"), "pages",
	              vb_row_pages(row, "requested") ?: "?", "exits_per_op",
	              isfinite(per) && !vb_row_exits_unavailable(row, "reason") ? json_real(per)
	                                                                        : json_null(),
	              "reasons", row_reasons(row), "shadow_mmu", m ? m : json_null());
	free(pk);
	return o;
}

static bool same_point(json_t *a, json_t *b)
{
	char *ka = vb_row_params_key(a), *kb = vb_row_params_key(b);
	const char *pa = vb_row_pages(a, "requested"), *pb = vb_row_pages(b, "requested");
	bool same = ka && kb && !strcmp(ka, kb) &&
	            !strcmp(vb_row_str(a, "bench"), vb_row_str(b, "bench")) && pa && pb &&
	            !strcmp(pa, pb);

	free(ka);
	free(kb);
	return same;
}

/* The reason of name in a row's reasons, or NULL. */
static json_t *find_reason(json_t *reasons, const char *name)
{
	json_t *r;
	size_t i;

	json_array_foreach(
	    reasons, i,
	    r) if (!strcmp(json_string_value(json_object_get(r, "reason")), name)) return r;
	return NULL;
}

static int by_delta(const void *a, const void *b)
{
	double x = fabs(num(*(json_t *const *)a, "delta_ns_per_op"));
	double y = fabs(num(*(json_t *const *)b, "delta_ns_per_op"));
	double px = fabs(num(*(json_t *const *)a, "delta_per_op"));
	double py = fabs(num(*(json_t *const *)b, "delta_per_op"));

	if (isfinite(x) && isfinite(y) && x != y)
		return x < y ? 1 : -1;
	return px < py ? 1 : px > py ? -1 : 0;
}

/* One reason of a pair: both sides, and what it adds per operation. */
static json_t *pair_reason(const char *name, json_t *rs, json_t *rt)
{
	double ps = rs ? num(rs, "per_op") : 0, pt = rt ? num(rt, "per_op") : 0;
	double ns = rs ? num(rs, "ns_per_op") : 0, nt = rt ? num(rt, "ns_per_op") : 0;

	return json_pack("{s:s,s:f,s:f,s:o,s:o,s:f,s:o}", "reason", name, "shadow_per_op",
	                 isfinite(ps) ? ps : 0, "slat_per_op", isfinite(pt) ? pt : 0,
	                 "shadow_ns_per_op", isfinite(ns) ? json_real(ns) : json_null(),
	                 "slat_ns_per_op", isfinite(nt) ? json_real(nt) : json_null(),
	                 "delta_per_op", (isfinite(ps) ? ps : 0) - (isfinite(pt) ? pt : 0),
	                 "delta_ns_per_op",
	                 isfinite(ns) && isfinite(nt) ? json_real(ns - nt) : json_null());
}

static json_t *pair_reasons(json_t *s, json_t *t)
{
	json_t *out = json_array(), *r;
	size_t i;

	json_array_foreach(s, i, r) {
		const char *name = json_string_value(json_object_get(r, "reason"));

		json_array_append_new(out, pair_reason(name, r, find_reason(t, name)));
	}
	json_array_foreach(t, i, r) {
		const char *name = json_string_value(json_object_get(r, "reason"));

		if (!find_reason(s, name))
			json_array_append_new(out, pair_reason(name, NULL, r));
	}
	vb_json_array_sort(out, by_delta);
	return out;
}

static json_t *pair_entry(json_t *srow, json_t *trow, json_t *s, json_t *t)
{
	const char *unit = vb_row_str(srow, "unit");
	double ms, mt, k = ns_of_unit(unit), diff, sum = 0;
	json_t *reasons =
	    pair_reasons(json_object_get(s, "reasons"), json_object_get(t, "reasons"));
	json_t *r, *untimed = json_array();
	bool lat = false;
	size_t i;

	vb_row_stat(srow, "median", &ms);
	vb_row_stat(trow, "median", &mt);
	diff = (ms - mt) * k;
	/* A reason without a latency (the exit that ends a pass has no entry
	 * after it in the region) adds nothing known: listed, not guessed. */
	json_array_foreach(reasons, i, r) {
		double d = num(r, "delta_ns_per_op");

		if (isfinite(d)) {
			lat = true;
			sum += d;
		} else {
			json_array_append(untimed, json_object_get(r, "reason"));
		}
	}
	return json_pack(
		"{s:O,s:O,s:O,s:s,s:s,s:o,s:o,s:o,s:b,s:o}", "bench", json_object_get(s, "bench"),
		"params", json_object_get(s, "params"), "pages", json_object_get(s, "pages"),
		"slat", vb_row_str(trow, "mode"), "unit", unit ? unit : "", "diff_ns",
		isfinite(diff) ? json_real(diff) : json_null(), "reasons", reasons, "explained",
		lat && isfinite(diff) && diff != 0 ? json_real(sum / diff) : json_null(), "latency",
		lat, "untimed", untimed);
}

/* Each reason why a tracepoint could not count, once, with the rows it hit. */
static void note_absent(json_t *absent, const char *what, const char *why, size_t of)
{
	json_t *a;
	size_t i;

	if (!why)
		return;
	json_array_foreach(absent, i,
	                   a) if (!strcmp(json_string_value(json_object_get(a, "reason")), why))
	{
		json_object_set_new(
		    a, "rows", json_integer(json_integer_value(json_object_get(a, "rows")) + 1));
		return;
	}
	json_array_append_new(absent, json_pack("{s:s,s:s,s:i,s:I}", "what", what, "reason", why,
	                                        "rows", 1, "of", (json_int_t)of));
}

static size_t traced_rows(json_t *results)
{
	json_t *row;
	size_t i, n = 0;

	json_array_foreach(results, i, row) n +=
	    exits_of(row) || vb_row_shadow_mmu(row);
	return n;
}

json_t *vb_why_view(json_t *results)
{
	json_t *rows = json_array(), *pairs = json_array(), *absent = json_array(), *row, *other;
	size_t i, j, of = traced_rows(results);

	json_array_foreach(results, i, row) {
		size_t k;

		if (!exits_of(row) && !vb_row_shadow_mmu(row))
			continue;
		note_absent(absent, "exits", vb_row_exits_unavailable(row, "reason"), of);
		for (k = 0; k < vb_row_shadow_mmu_unavailable(row); k++)
			note_absent(absent, "shadow_mmu",
				    vb_row_shadow_mmu_unavailable_str(row, k, "reason"), of);
		if (vb_row_is_ok(row))
			json_array_append_new(rows, row_entry(row));
	}
	/* Pairs: each ok shadow row with the ok SLAT rows of the same point. */
	json_array_foreach(results, i, row) {
		if (!vb_row_is_ok(row) || strcmp(vb_row_str(row, "mode") ?: "", "shadow") ||
		    !exits_of(row))
			continue;
		json_array_foreach(results, j, other) {
			json_t *s, *t;

			if (!vb_row_is_ok(other) || !is_slat(vb_row_str(other, "mode")) ||
			    !exits_of(other) || !same_point(row, other))
				continue;
			s = row_entry(row);
			t = row_entry(other);
			json_array_append_new(pairs, pair_entry(row, other, s, t));
			json_decref(s);
			json_decref(t);
		}
	}
	return json_pack("{s:o,s:o,s:o}", "rows", rows, "pairs", pairs, "absent", absent);
}

/* "pagetable_walk 10.3, get_page 0.01" of the events counted at non-zero. */
static void mmu_text(json_t *m, char *buf, size_t len)
{
	const char *k;
	json_t *v;
	char val[32];

	buf[0] = '\0';
	json_object_foreach(m, k, v) {
		if (!json_is_number(v) || json_number_value(v) == 0)
			continue;
		vb_fmt_value(json_number_value(v), val, sizeof(val));
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s %s", buf[0] ? ", " : "", k,
		         val);
	}
	if (!buf[0])
		snprintf(buf, len, "%s", json_is_object(m) ? "none" : "-");
}

/* "npf 2.1 (340 ns)" of the first n reasons. */
static void reasons_text(json_t *reasons, size_t n, char *buf, size_t len)
{
	json_t *r;
	size_t i;
	char a[32], b[32];

	buf[0] = '\0';
	json_array_foreach(reasons, i, r) {
		if (i == n)
			break;
		vb_fmt_value(num(r, "per_op"), a, sizeof(a));
		if (isfinite(num(r, "mean_ns"))) {
			vb_fmt_value(num(r, "mean_ns"), b, sizeof(b));
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s %s (%s ns)",
			         i ? ", " : "", json_string_value(json_object_get(r, "reason")), a,
			         b);
		} else {
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s %s", i ? ", " : "",
			         json_string_value(json_object_get(r, "reason")), a);
		}
	}
	if (!buf[0])
		snprintf(buf, len, "-");
}

/* "write_cr3 +1/op x 790 ns = +790 ns" for one reason of a pair. */
static void delta_text(json_t *r, char *buf, size_t len)
{
	char a[32], b[32];

	vb_fmt_value(num(r, "delta_per_op"), a, sizeof(a));
	if (isfinite(num(r, "delta_ns_per_op"))) {
		vb_fmt_value(num(r, "delta_ns_per_op"), b, sizeof(b));
		snprintf(buf, len, "%s %s%s/op = %s%s ns",
		         json_string_value(json_object_get(r, "reason")),
		         num(r, "delta_per_op") >= 0 ? "+" : "", a,
		         num(r, "delta_ns_per_op") >= 0 ? "+" : "", b);
	} else {
		snprintf(buf, len, "%s %s%s/op", json_string_value(json_object_get(r, "reason")),
		         num(r, "delta_per_op") >= 0 ? "+" : "", a);
	}
}

static void pair_text(json_t *p, char *buf, size_t len)
{
	json_t *r;
	size_t i;
	char d[32], one[160];

	buf[0] = '\0';
	if (isfinite(num(p, "diff_ns"))) {
		vb_fmt_value(num(p, "diff_ns"), d, sizeof(d));
		snprintf(buf, len, "%s%s ns/op; ", num(p, "diff_ns") >= 0 ? "+" : "", d);
	}
	json_array_foreach(json_object_get(p, "reasons"), i, r) {
		if (i == TOP)
			break;
		delta_text(r, one, sizeof(one));
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? ", " : "", one);
	}
	if (isfinite(num(p, "explained"))) {
		snprintf(buf + strlen(buf), len - strlen(buf),
		         "; the exits explain %.0f%% of the difference", 100 * num(p, "explained"));
		json_array_foreach(json_object_get(p, "untimed"), i, r)
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
				 i ? ", " : " (untimed: ", json_string_value(r));
		if (json_array_size(json_object_get(p, "untimed")))
			snprintf(buf + strlen(buf), len - strlen(buf), ")");
	} else {
		snprintf(buf + strlen(buf), len - strlen(buf), "; %s",
		         json_is_true(json_object_get(p, "latency"))
		             ? "no time difference to explain"
		             : "share not known: exit latencies need --trace latency");
	}
}

/* "cr3switch shadow 4k:4k: exits/op 3 (write_cr3 1 (790 ns), ...); shadow MMU/op: ..." */
static void row_text(json_t *e, char *buf, size_t len)
{
	char per[32] = "-", rs[256], mmu[256];

	if (json_is_number(json_object_get(e, "exits_per_op")))
		vb_fmt_value(num(e, "exits_per_op"), per, sizeof(per));
	reasons_text(json_object_get(e, "reasons"), TOP, rs, sizeof(rs));
	mmu_text(json_object_get(e, "shadow_mmu"), mmu, sizeof(mmu));
	snprintf(buf, len, "%s %s %s: exits/op %s%s%s%s; shadow MMU/op: %s",
	         json_string_value(json_object_get(e, "bench")),
	         json_string_value(json_object_get(e, "mode")),
	         json_string_value(json_object_get(e, "pages")), per, strcmp(rs, "-") ? " (" : "",
	         strcmp(rs, "-") ? rs : "", strcmp(rs, "-") ? ")" : "", mmu);
}

void vb_why_print(FILE *f, json_t *results)
{
	json_t *v = vb_why_view(results), *e;
	size_t i;
	char a[1024];

	if (!json_array_size(json_object_get(v, "rows")) &&
	    !json_array_size(json_object_get(v, "absent")))
		goto out;
	fprintf(f, "\nWhy: exits and shadow-MMU work per operation (KVM's tracepoints on the vCPU "
	           "threads)\n");
	json_array_foreach(json_object_get(v, "rows"), i, e) {
		row_text(e, a, sizeof(a));
		fprintf(f, "  %s\n", a);
	}
	json_array_foreach(json_object_get(v, "pairs"), i, e) {
		pair_text(e, a, sizeof(a));
		fprintf(f, "  shadow vs %s, %s %s: %s\n",
		        json_string_value(json_object_get(e, "slat")),
		        json_string_value(json_object_get(e, "bench")),
		        json_string_value(json_object_get(e, "pages")), a);
	}
	json_array_foreach(json_object_get(v, "absent"), i, e)
	    fprintf(f, "%s: not counted on %lld of %lld rows: %s\n",
	            json_string_value(json_object_get(e, "what")),
	            (long long)json_integer_value(json_object_get(e, "rows")),
	            (long long)json_integer_value(json_object_get(e, "of")),
	            json_string_value(json_object_get(e, "reason")));
out:
	json_decref(v);
}

static json_t *table(const char *const *head, const bool *right, size_t n)
{
	json_t *h = json_array(), *r = json_array();

	for (size_t i = 0; i < n; i++) {
		json_array_append_new(h, json_string(head[i]));
		json_array_append_new(r, json_boolean(right[i]));
	}
	return json_pack("{s:o,s:o,s:[]}", "head", h, "right", r, "rows");
}

json_t *vb_why_tables(json_t *results)
{
	static const char *const rhead[] = { "bench",           "mode",
		                             "pages",           "exits/op",
		                             "top reasons /op", "shadow MMU /op" };
	static const bool rright[] = { false, false, false, true, false, false };
	static const char *const phead[] = { "bench", "pages", "pair", "why (per operation)" };
	static const bool pright[] = { false, false, false, false };
	json_t *v = vb_why_view(results), *out, *e, *notes = json_array();
	json_t *rt = table(rhead, rright, 6), *pt = table(phead, pright, 4);
	char a[1024], b[256], c[256], per[32], pair[32];
	size_t i;

	json_array_foreach(json_object_get(v, "rows"), i, e) {
		snprintf(per, sizeof(per), "-");
		if (json_is_number(json_object_get(e, "exits_per_op")))
			vb_fmt_value(num(e, "exits_per_op"), per, sizeof(per));
		reasons_text(json_object_get(e, "reasons"), TOP, b, sizeof(b));
		mmu_text(json_object_get(e, "shadow_mmu"), c, sizeof(c));
		json_array_append_new(json_object_get(rt, "rows"),
		                      json_pack("[O,O,O,s,s,s]", json_object_get(e, "bench"),
		                                json_object_get(e, "mode"),
		                                json_object_get(e, "pages"), per, b, c));
	}
	json_array_foreach(json_object_get(v, "pairs"), i, e) {
		pair_text(e, a, sizeof(a));
		snprintf(pair, sizeof(pair), "shadow vs %s",
		         json_string_value(json_object_get(e, "slat")));
		json_array_append_new(json_object_get(pt, "rows"),
		                      json_pack("[O,O,s,s]", json_object_get(e, "bench"),
		                                json_object_get(e, "pages"), pair, a));
	}
	json_array_foreach(json_object_get(v, "absent"), i, e) {
		snprintf(a, sizeof(a), "%s: not counted on %lld of %lld rows: %s",
		         json_string_value(json_object_get(e, "what")),
		         (long long)json_integer_value(json_object_get(e, "rows")),
		         (long long)json_integer_value(json_object_get(e, "of")),
		         json_string_value(json_object_get(e, "reason")));
		json_array_append_new(notes, json_string(a));
	}
	out = json_pack("{s:o,s:o,s:o}", "rows", rt, "pairs", pt, "notes", notes);
	json_decref(v);
	return out;
}
