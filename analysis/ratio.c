/* ratio.c: ratios of medians between rows that did the same work, with a
 * bootstrap CI of the ratio: what shadow paging costs against SLAT, what a
 * guest costs against native, and what large pages buy back in each dimension. */
#include "analysis/ratio.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/runfile.h"
#include "lib/stats.h"
#include "analysis/summary.h"
#include "lib/array.h"
#include "lib/escape.h"

static const char *const kind_names[] = {
	[VB_RATIO_SHADOW_SLAT] = "shadow/slat",
	[VB_RATIO_GUEST_NATIVE] = "guest/native",
	[VB_RATIO_PAGES] = "pages",
};
_Static_assert(ARRAY_SIZE(kind_names) == VB_RATIO_COUNT, "a name for every ratio kind");

/* How the terminal table heads each kind's line. */
static const char *const kind_titles[] = {
	[VB_RATIO_SHADOW_SLAT] = "shadow / SLAT",
	[VB_RATIO_GUEST_NATIVE] = "guest / native",
	[VB_RATIO_PAGES] = "page mix / 4k",
};
_Static_assert(ARRAY_SIZE(kind_titles) == VB_RATIO_COUNT, "a title for every ratio kind");

const char *vb_ratio_kind_name(enum vb_ratio_kind k)
{
	return (unsigned)k < VB_RATIO_COUNT ? kind_names[k] : NULL;
}

enum vb_ratio_kind vb_ratio_kind_of(json_t *entry)
{
	const char *kind = json_string_value(json_object_get(entry, "kind"));
	unsigned k;

	for (k = 0; kind && k < VB_RATIO_COUNT; k++)
		if (!strcmp(kind, kind_names[k]))
			return (enum vb_ratio_kind)k;
	return VB_RATIO_COUNT;
}

int vb_ratio_of_samples(const double *a, size_t na, const double *b, size_t nb, uint64_t seed,
			struct vb_ratio *out)
{
	double mb;

	out->ratio = out->lo = out->hi = NAN;
	if (!na || !nb)
		return -1;
	mb = vb_median(b, nb);
	if (mb == 0)
		return -1;
	out->ratio = vb_median(a, na) / mb;
	/* stats.c's bootstrap, one level (each side one invocation): b is the
	 * divisor, its baseline. No CI when most resamples have no ratio. */
	if (vb_stats_ratio_ci(b, &nb, 1, a, &na, 1, seed, &out->lo, &out->hi) < 0)
		out->lo = out->hi = NAN;
	return 0;
}

int vb_ratio_of_rows(json_t *a, json_t *b, struct vb_ratio *out)
{
	size_t na, nb;
	double *xa, *xb, ma, mb;
	int ret;

	out->ratio = out->lo = out->hi = NAN;
	if (!vb_row_is_ok(a) || !vb_row_is_ok(b))
		return -1;
	xa = vb_row_samples(a, &na);
	xb = vb_row_samples(b, &nb);
	if (xa && xb) {
		ret = vb_ratio_of_samples(xa, na, xb, nb, VB_RATIO_SEED, out);
	} else {
		/* Medians alone: the ratio, without a CI. */
		vb_row_stat(a, "median", &ma);
		vb_row_stat(b, "median", &mb);
		ret = mb == 0 ? -1 : 0;
		if (!ret)
			out->ratio = ma / mb;
	}
	free(xa);
	free(xb);
	return ret;
}

bool vb_mode_is_slat(const char *mode)
{
	return mode && (!strcmp(mode, "ept") || !strcmp(mode, "npt") || !strcmp(mode, "tdp") ||
			 !strcmp(mode, "stage2"));
}

/* Benches whose one operation is defined by the page size: their figures at
 * two guest page sizes are not two costs of one thing. */
static const struct {
	const char *bench, *why;
} page_work[] = {
	{ "mmapchurn", "mmapchurn maps and unmaps pages of the page size: its us_per_page at 2m "
		       "and at 4k time different amounts of memory, and it is not a fault cost" },
	{ "pagefault", "pagefault touches the footprint in pages of the page size: a different "
		       "number of faults, each of a different size" },
};

/* The guest page size of a pages text ("2m" of "2m:4k"). */
static void guest_page(const char *pages, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s", (int)strcspn(pages ? pages : "?", ":"), pages ? pages : "?");
}

/* Pages as "G:H" for guest modes ("2m" alone means "2m:2m"), "G" natively. */
static void norm_pages(json_t *row, char *buf, size_t len)
{
	const char *p = vb_row_pages(row, "requested");

	if (!p)
		p = "?";
	if (strcmp(vb_row_str(row, "mode"), "native") != 0 && !strchr(p, ':'))
		snprintf(buf, len, "%s:%s", p, p);
	else
		snprintf(buf, len, "%s", p);
}

static double ops_per_sample(json_t *row)
{
	double ops, n;

	if (!vb_row_ops(row, &ops) || !vb_row_stat(row, "n", &n) || n <= 0)
		return NAN;
	return ops / n;
}

bool vb_ratio_same_work(json_t *a, json_t *b, char *why, size_t len)
{
	const char *ua = vb_row_str(a, "unit"), *ub = vb_row_str(b, "unit");
	char *pa = vb_row_params_key(a), *pb = vb_row_params_key(b), ga[16], gb[16];
	bool same = pa && pb && !strcmp(pa, pb);
	double oa = ops_per_sample(a), ob = ops_per_sample(b);

	free(pa);
	free(pb);
	if (strcmp(vb_row_str(a, "bench"), vb_row_str(b, "bench")) || !same) {
		snprintf(why, len, "different bench or params");
		return false;
	}
	if ((ua || ub) && (!ua || !ub || strcmp(ua, ub))) {
		snprintf(why, len, "different units (%s, %s)", ua ? ua : "none", ub ? ub : "none");
		return false;
	}
	if (isfinite(oa) && isfinite(ob) && fabs(oa - ob) > 1e-6 * fmax(fabs(oa), fabs(ob))) {
		snprintf(why, len, "different operations per sample (%.6g, %.6g)", oa, ob);
		return false;
	}
	guest_page(vb_row_pages(a, "requested"), ga, sizeof(ga));
	guest_page(vb_row_pages(b, "requested"), gb, sizeof(gb));
	for (size_t i = 0; i < sizeof(page_work) / sizeof(page_work[0]); i++)
		if (!strcmp(vb_row_str(a, "bench"), page_work[i].bench) && strcmp(ga, gb)) {
			snprintf(why, len, "%s", page_work[i].why);
			return false;
		}
	return true;
}

static const char *row_guest(json_t *row)
{
	const char *g = vb_row_str(row, "guest");

	return g && *g ? g : "none";
}

static json_t *side(json_t *row)
{
	char p[32];

	norm_pages(row, p, sizeof(p));
	return json_pack("{s:s, s:s, s:s}", "mode", vb_row_str(row, "mode"), "guest",
			 row_guest(row), "pages", p);
}

/* A new entry for one group, without ratio fields yet. */
static json_t *entry(enum vb_ratio_kind kind, json_t *row0, json_t *pick)
{
	json_t *params = vb_row_params(row0);
	char ptext[256];

	vb_row_params_text(row0, pick, ptext, sizeof(ptext));
	return json_pack("{s:s, s:s, s:o, s:s}", "kind", kind_names[kind], "bench",
			 vb_row_str(row0, "bench"),
			 "params", json_is_object(params) ? json_incref(params) : json_object(),
			 "params_text", ptext);
}

static void add_note(json_t *e, const char *note)
{
	const char *had = json_string_value(json_object_get(e, "note"));
	char buf[512];

	if (had && strstr(had, note))
		return;
	snprintf(buf, sizeof(buf), "%s%s%s", had ? had : "", had ? "; " : "", note);
	json_object_set_new(e, "note", json_string(buf));
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *pair_entry(enum vb_ratio_kind kind, json_t *a, json_t *b, json_t *pick)
{
	json_t *e = entry(kind, a, pick);
	struct vb_ratio r;
	const char *mv;

	json_object_set_new(e, "a", side(a));
	json_object_set_new(e, "b", side(b));
	if (vb_row_str(a, "unit"))
		json_object_set_new(e, "unit", json_string(vb_row_str(a, "unit")));
	if (vb_ratio_of_rows(a, b, &r) < 0) {
		json_object_set_new(e, "missing",
				    json_string("the divisor's median is 0: no ratio"));
		return e;
	}
	json_object_set_new(e, "ratio", num_or_null(r.ratio));
	json_object_set_new(e, "ci95_low", num_or_null(r.lo));
	json_object_set_new(e, "ci95_high", num_or_null(r.hi));
	if (!isfinite(r.lo))
		add_note(e, "no samples: no CI");
	if (vb_row_emulated(a) || vb_row_emulated(b)) {
		json_object_set_new(e, "emulated", json_true());
		add_note(e, "timing emulated (TCG, or CPL0 under PVM): mechanism only, "
			 "not evidence");
	}
	if (!vb_row_honoured(a) || !vb_row_honoured(b))
		add_note(e, "pages requested were not what the run verified");
	mv = vb_row_str(a, "mode_verified");
	if (mv && strcmp(mv, vb_row_str(a, "mode")))
		add_note(e, "a side ran under another mode than requested");
	return e;
}

static void missing_entry(json_t *view, enum vb_ratio_kind kind, json_t *row0, json_t *pick,
			  const char *why)
{
	json_t *e = entry(kind, row0, pick);

	json_object_set_new(e, "missing", json_string(why));
	json_array_append_new(view, e);
}

/* The reason of the first non-ok row of the group matching want(). */
static const char *skip_reason(json_t **rows, size_t n, bool (*want)(json_t *))
{
	for (size_t i = 0; i < n; i++)
		if (!vb_row_is_ok(rows[i]) && want(rows[i]) && vb_row_str(rows[i], "reason"))
			return vb_row_str(rows[i], "reason");
	return NULL;
}

static bool is_slat_row(json_t *r) { return vb_mode_is_slat(vb_row_str(r, "mode")); }
static bool is_shadow_row(json_t *r) { return !strcmp(vb_row_str(r, "mode"), "shadow"); }
static bool is_native_row(json_t *r) { return !strcmp(vb_row_str(r, "mode"), "native"); }

static bool same_side(json_t *a, json_t *b)
{
	char pa[32], pb[32];

	norm_pages(a, pa, sizeof(pa));
	norm_pages(b, pb, sizeof(pb));
	return !strcmp(row_guest(a), row_guest(b)) && !strcmp(pa, pb);
}

static bool any(json_t **rows, size_t n, bool (*want)(json_t *), bool ok)
{
	for (size_t i = 0; i < n; i++)
		if (want(rows[i]) && (!ok || vb_row_is_ok(rows[i])))
			return true;
	return false;
}

#define REMOTE_MODE "a remote guest runs in its hypervisor's mode: add a --target whose " \
	"hypervisor uses "

/* The group ran in a remote guest: its mode is the target's hypervisor's,
 * which no flag of ours can change (--switch-mode reloads this host's module). */
static bool remote_rows(json_t **rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (vb_row_str(rows[i], "guest") && !strcmp(vb_row_str(rows[i], "guest"), "remote"))
			return true;
	return false;
}

static void shadow_vs_slat(json_t *view, json_t **rows, size_t n, json_t *pick)
{
	bool shadow = any(rows, n, is_shadow_row, true), slat = any(rows, n, is_slat_row, true);
	bool remote = remote_rows(rows, n);
	char why[768];
	const char *r;

	if (shadow && !slat) {
		r = skip_reason(rows, n, is_slat_row);
		snprintf(why, sizeof(why), "no SLAT row (ept, npt or tdp)%s%s: %s",
			 r ? ": " : " in this run", r ? r : "",
			 remote ? REMOTE_MODE "EPT or NPT, declared with --mode ept or npt"
				: "run where KVM has EPT or NPT with --mode ept,shadow or "
				  "npt,shadow and --switch-mode, or in the lab: make lab-run "
				  "ARGS='run --mode npt,shadow ...'");
		missing_entry(view, VB_RATIO_SHADOW_SLAT, rows[0], pick, why);
		return;
	}
	if (slat && !shadow) {
		r = skip_reason(rows, n, is_shadow_row);
		snprintf(why, sizeof(why), "no shadow row%s%s: %s", r ? ": " : " in this run",
			 r ? r : "",
			 remote ? REMOTE_MODE "shadow paging, declared with --mode shadow"
				: "add shadow to --mode with --switch-mode (root: reloads "
				  "kvm_intel/kvm_amd with ept=0/npt=0), or make lab-run with "
				  "LAB_NPT=0");
		missing_entry(view, VB_RATIO_SHADOW_SLAT, rows[0], pick, why);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!is_shadow_row(rows[i]) || !vb_row_is_ok(rows[i]))
			continue;
		for (size_t j = 0; j < n; j++)
			if (is_slat_row(rows[j]) && vb_row_is_ok(rows[j]) &&
			    same_side(rows[i], rows[j]) &&
			    vb_ratio_same_work(rows[i], rows[j], why, sizeof(why))) {
				json_array_append_new(view, pair_entry(VB_RATIO_SHADOW_SLAT,
								       rows[i], rows[j], pick));
				break;
			}
	}
}

static void guest_vs_native(json_t *view, json_t **rows, size_t n, json_t *pick)
{
	bool guest = false;
	char why[512];

	for (size_t i = 0; i < n; i++)
		guest |= !is_native_row(rows[i]) && vb_row_is_ok(rows[i]);
	if (!guest)
		return;
	if (!any(rows, n, is_native_row, true)) {
		const char *r = skip_reason(rows, n, is_native_row);

		/* Native was asked for when it has a row, ok or not: then what is
		 * missing is its result, and the row's reason says why. */
		if (any(rows, n, is_native_row, false))
			snprintf(why, sizeof(why), "the native row is not ok: %s",
				 r ? r : "no reason given");
		else
			snprintf(why, sizeof(why),
				 "no native row in this run: add native to --mode");
		missing_entry(view, VB_RATIO_GUEST_NATIVE, rows[0], pick, why);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char gp[16], np[16];

		if (is_native_row(rows[i]) || !vb_row_is_ok(rows[i]))
			continue;
		guest_page(vb_row_pages(rows[i], "requested"), gp, sizeof(gp));
		for (size_t j = 0; j < n; j++) {
			if (!is_native_row(rows[j]) || !vb_row_is_ok(rows[j]))
				continue;
			guest_page(vb_row_pages(rows[j], "requested"), np, sizeof(np));
			if (!strcmp(gp, np) &&
			    vb_ratio_same_work(rows[i], rows[j], why, sizeof(why))) {
				json_array_append_new(view, pair_entry(VB_RATIO_GUEST_NATIVE,
								       rows[i], rows[j], pick));
				break;
			}
		}
	}
}

static bool is_base_pages(json_t *row)
{
	char p[32];

	norm_pages(row, p, sizeof(p));
	return !strcmp(p, "4k") || !strcmp(p, "4k:4k");
}

/* A bench that maps no memory of its own: a page mix changes nothing it
 * touches, so its rows at other page sizes get one entry saying so instead of
 * ratios. True for such a bench. */
static bool no_memory_of_its_own(json_t *view, json_t **rows, size_t n, json_t *pick)
{
	double mem;

	if (!vb_row_mem_bytes(rows[0], &mem) || mem != 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (vb_row_is_ok(rows[i]) && vb_row_pages(rows[i], "requested") &&
		    !is_base_pages(rows[i])) {
			missing_entry(view, VB_RATIO_PAGES, rows[0], pick,
				      "footprint 0: the bench maps no memory of its own, so the "
				      "page size has nothing to apply to; rows at other page "
				      "sizes repeat the 4k one");
			break;
		}
	return true;
}

/* Each page mix of one mode and guest against its 4k:4k (native: 4k) row. */
static void pages_vs_base(json_t *view, json_t **rows, size_t n, json_t *pick)
{
	bool *done = calloc(n ? n : 1, sizeof(*done));
	char why[512];

	if (!done)
		return;
	if (no_memory_of_its_own(view, rows, n, pick)) {
		free(done);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *base = NULL;
		bool others = false, unlike = false;
		const char *mode = vb_row_str(rows[i], "mode"), *guest = row_guest(rows[i]);

		if (done[i])
			continue;
		/* One pass per mode and guest: find its base and whether it has other mixes. */
		for (size_t j = i; j < n; j++) {
			if (strcmp(vb_row_str(rows[j], "mode"), mode) ||
			    strcmp(row_guest(rows[j]), guest))
				continue;
			done[j] = true;
			if (!vb_row_pages(rows[j], "requested"))
				continue;	/* skipped before its pages were known */
			if (is_base_pages(rows[j]))
				base = rows[j];
			else
				others |= vb_row_is_ok(rows[j]);
		}
		if (!others)
			continue;
		if (!base || !vb_row_is_ok(base)) {
			const char *r = base ? vb_row_str(base, "reason") : NULL;

			snprintf(why, sizeof(why), "no ok %s row in %s%s%s%s",
				 strcmp(mode, "native") ? "4k:4k" : "4k", mode, r ? ": " : ": add ",
				 r			  ? r
				 : strcmp(mode, "native") ? "4k:4k"
							  : "4k",
				 r ? "" : " to --pages");
			missing_entry(view, VB_RATIO_PAGES, rows[i], pick, why);
			continue;
		}
		for (size_t j = i; j < n; j++) {
			if (rows[j] == base || !vb_row_is_ok(rows[j]) ||
			    !vb_row_pages(rows[j], "requested") ||
			    strcmp(vb_row_str(rows[j], "mode"), mode) ||
			    strcmp(row_guest(rows[j]), guest))
				continue;
			if (!vb_ratio_same_work(rows[j], base, why, sizeof(why))) {
				if (!unlike) {
					char m[600];

					snprintf(m, sizeof(m), "%s: page mixes of %s left out: %s",
						 vb_row_str(base, "bench"), mode, why);
					missing_entry(view, VB_RATIO_PAGES, base, pick, m);
				}
				unlike = true;
				continue;
			}
			json_array_append_new(view,
					      pair_entry(VB_RATIO_PAGES, rows[j], base, pick));
		}
	}
	free(done);
}

json_t *vb_ratio_view(json_t *results)
{
	json_t *view = json_array(), *row, *picks = json_object(), *groups = json_object();
	size_t i, nres = json_array_size(results);
	json_t **rows = calloc(nres ? nres : 1, sizeof(*rows));

	if (!rows)
		goto out;
	json_array_foreach(results, i, row) {
		const char *bench = vb_row_str(row, "bench");
		char *pk = vb_row_params_key(row), *key = NULL;
		size_t n = 0, j;
		json_t *r2;

		if (pk && asprintf(&key, "%s\x1f%s", bench, pk) < 0)
			key = NULL;
		free(pk);
		if (!key || json_object_get(groups, key)) {
			free(key);
			continue;
		}
		json_object_set_new(groups, key, json_true());
		if (!json_object_get(picks, bench))
			json_object_set_new(picks, bench, vb_params_key_names(results, bench));
		/* The rows of this group, in run order. */
		json_array_foreach(results, j, r2) {
			char *k2 = vb_row_params_key(r2);

			if (!strcmp(vb_row_str(r2, "bench"), bench) && k2 &&
			    !strcmp(k2, key + strlen(bench) + 1))
				rows[n++] = r2;
			free(k2);
		}
		free(key);
		shadow_vs_slat(view, rows, n, json_object_get(picks, bench));
		guest_vs_native(view, rows, n, json_object_get(picks, bench));
		pages_vs_base(view, rows, n, json_object_get(picks, bench));
	}
out:
	free(rows);
	json_decref(picks);
	json_decref(groups);
	return view;
}

void vb_ratio_pair_text(json_t *e, char *buf, size_t len)
{
	json_t *a = json_object_get(e, "a"), *b = json_object_get(e, "b");
	const char *ga = json_string_value(json_object_get(a, "guest"));
	const char *gb = json_string_value(json_object_get(b, "guest"));
	char sa[96], sb[96];

	if (!a || !b) {
		snprintf(buf, len, "-");
		return;
	}
	snprintf(sa, sizeof(sa), "%s%s%s %s", json_string_value(json_object_get(a, "mode")),
		 strcmp(ga, "none") ? "/" : "", strcmp(ga, "none") ? ga : "",
		 json_string_value(json_object_get(a, "pages")));
	if (vb_ratio_kind_of(e) == VB_RATIO_PAGES)
		snprintf(sb, sizeof(sb), "%s", json_string_value(json_object_get(b, "pages")));
	else
		snprintf(sb, sizeof(sb), "%s%s%s %s", json_string_value(json_object_get(b, "mode")),
			 strcmp(gb, "none") ? "/" : "", strcmp(gb, "none") ? gb : "",
			 json_string_value(json_object_get(b, "pages")));
	snprintf(buf, len, "%s / %s", sa, sb);
}

void vb_ratio_print(FILE *f, json_t *view)
{
	json_t *e;
	size_t i, wpair = 0;
	char pair[256], group[400], last[400] = "";

	if (!json_array_size(view))
		return;
	json_array_foreach(view, i, e) {
		vb_ratio_pair_text(e, pair, sizeof(pair));
		if (strlen(pair) > wpair)
			wpair = strlen(pair);
	}
	fprintf(f,
		"\nRatios of medians, first / second, with a bootstrap 95%% CI, between rows that "
		"did "
		"the same work\n(a time per operation: > 1 means the first is slower; a rate (/s): "
		"< 1 does)\n");
	json_array_foreach(view, i, e) {
		const char *miss = json_string_value(json_object_get(e, "missing"));
		const char *note = json_string_value(json_object_get(e, "note"));
		const char *ptext = json_string_value(json_object_get(e, "params_text"));
		double r = json_number_value(json_object_get(e, "ratio"));
		json_t *lo = json_object_get(e, "ci95_low"), *hi = json_object_get(e, "ci95_high");
		enum vb_ratio_kind k = vb_ratio_kind_of(e);
		char a[32], b[32], clean[800];

		snprintf(group, sizeof(group), "%s%s%s",
			 json_string_value(json_object_get(e, "bench")), ptext && *ptext ? " " : "",
			 ptext ? ptext : "");
		if (strcmp(group, last)) {
			fprintf(f, "%s\n", vb_escape_ctrl(group, clean, sizeof(clean)));
			snprintf(last, sizeof(last), "%s", group);
		}
		fprintf(f, "  %-15s ", kind_titles[k < VB_RATIO_COUNT ? k : VB_RATIO_PAGES]);
		if (miss) {
			fprintf(f, "%s\n", vb_escape_ctrl(miss, clean, sizeof(clean)));
			continue;
		}
		vb_ratio_pair_text(e, pair, sizeof(pair));
		fprintf(f, "%-*s  %7.3fx", (int)wpair, vb_escape_ctrl(pair, clean, sizeof(clean)),
			r);
		if (json_is_number(lo) && json_is_number(hi)) {
			snprintf(a, sizeof(a), "%.3f", json_number_value(lo));
			snprintf(b, sizeof(b), "%.3f", json_number_value(hi));
			fprintf(f, "  [%s, %s]", a, b);
		}
		if (note)
			fprintf(f, "  (%s)", vb_escape_ctrl(note, clean, sizeof(clean)));
		fputc('\n', f);
	}
}

bool vb_ratio_cost(json_t *e, double *c, double *lo, double *hi)
{
	double r = json_number_value(json_object_get(e, "ratio"));
	json_t *l = json_object_get(e, "ci95_low"), *h = json_object_get(e, "ci95_high");
	bool rate = vb_unit_higher_is_better(json_string_value(json_object_get(e, "unit")));

	if (!json_is_number(json_object_get(e, "ratio")) || r <= 0)
		return false;
	*c = rate ? 1 / r : r;
	*lo = *hi = NAN;
	if (json_is_number(l) && json_is_number(h) && json_number_value(l) > 0) {
		*lo = rate ? 1 / json_number_value(h) : json_number_value(l);
		*hi = rate ? 1 / json_number_value(l) : json_number_value(h);
	}
	return true;
}
