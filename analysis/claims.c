/* claims.c: each claim of docs/reproducing.md's table tested by the ratio the
 * doc names, with its CI: holds, does not hold, or not measured and why. */
#include "analysis/claims.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "analysis/ratio.h"
#include "analysis/runfile.h"

/* Which ratio of the view: kind, bench, a's pages (b's for VB_RATIO_PAGES is 4k:4k),
 * and a param that must have a value ("kind" = "process"), or NULL. */
struct want {
	enum vb_ratio_kind kind;
	const char *bench, *pages, *param, *value;
};

struct found {
	json_t *e;		/* the entry with a ratio, or NULL */
	const char *param, *value;	/* the want's param, for the reason when not found */
	double c, lo, hi;	/* as a cost ratio (> 1: the first is slower) */
	char name[200];		/* "shadow/SLAT of ptrchase footprint=4G at 4k:4k" */
	char why[700];		/* when not found */
};

static double footprint(json_t *e)
{
	json_t *v = json_object_get(json_object_get(e, "params"), "footprint");

	return json_is_number(v) ? json_number_value(v) : -1;
}

static bool param_is(json_t *e, const char *param, const char *value)
{
	char buf[64];

	if (!param)
		return true;
	vb_param_value_text(json_object_get(json_object_get(e, "params"), param), buf, sizeof(buf));
	return !strcmp(buf, value);
}

static bool matches(json_t *e, const struct want *w)
{
	json_t *a = json_object_get(e, "a"), *b = json_object_get(e, "b");
	const char *ma = json_string_value(json_object_get(a, "mode"));
	const char *pa = json_string_value(json_object_get(a, "pages"));

	if (vb_ratio_kind_of(e) != w->kind ||
	    strcmp(json_string_value(json_object_get(e, "bench")), w->bench) ||
	    !param_is(e, w->param, w->value))
		return false;
	if (!a)
		return true;	/* a note on what is missing */
	if (strcmp(pa, w->pages))
		return false;
	if (w->kind == VB_RATIO_PAGES)
		return vb_mode_is_slat(ma) &&
		       !strcmp(json_string_value(json_object_get(b, "pages")), "4k:4k");
	return true;
}

static const char how_slat[] = "run where KVM has EPT or NPT with --switch-mode, or in the lab: "
				"make lab-run ARGS='run --mode npt,shadow ...'";

static bool any_slat(json_t *results)
{
	json_t *row;
	size_t i;

	json_array_foreach(results, i, row)
		if (vb_mode_is_slat(vb_row_str(row, "mode")) && vb_row_is_ok(row))
			return true;
	return false;
}

static bool find(json_t *results, json_t *view, const struct want *w, struct found *f)
{
	json_t *e, *row, *note = NULL;
	size_t i;
	bool ran = false;

	memset(f, 0, sizeof(*f));
	f->c = f->lo = f->hi = NAN;
	if (w->kind == VB_RATIO_PAGES)
		snprintf(f->name, sizeof(f->name), "SLAT %s/4k:4k of %s", w->pages, w->bench);
	else
		snprintf(f->name, sizeof(f->name), "shadow/SLAT of %s at %s", w->bench, w->pages);
	if (w->param) {
		size_t n = strlen(f->name);

		snprintf(f->name + n, sizeof(f->name) - n, " (%s=%s)", w->param, w->value);
	}
	json_array_foreach(view, i, e) {
		if (!matches(e, w))
			continue;
		if (!json_object_get(e, "a")) {
			note = note ? note : e;
			continue;
		}
		/* A scaled-down run: its largest footprint stands for the doc's. */
		if (json_is_number(json_object_get(e, "ratio")) &&
		    (!f->e || footprint(e) > footprint(f->e)))
			f->e = e;
	}
	if (f->e) {
		const char *pt = json_string_value(json_object_get(f->e, "params_text"));
		size_t n = strlen(f->name);

		vb_ratio_cost(f->e, &f->c, &f->lo, &f->hi);
		if (pt && *pt)
			snprintf(f->name + n, sizeof(f->name) - n, " [%s]", pt);
		return true;
	}
	json_array_foreach(results, i, row)
		ran |= !strcmp(vb_row_str(row, "bench"), w->bench);
	if (!ran)
		snprintf(f->why, sizeof(f->why),
			 "%s is not in this run (configs/vmware-ept-2009.conf and "
			 "vmware-rvi-2008.conf run it)",
			 w->bench);
	else if (note)
		snprintf(f->why, sizeof(f->why), "%s: %s", w->bench,
			 json_string_value(json_object_get(note, "missing")));
	else if (!any_slat(results))
		snprintf(f->why, sizeof(f->why), "no SLAT row (ept, npt or tdp) in this run: %s",
			 how_slat);
	else if (w->param)
		/* The pair missing is the one of this param's value (ctxswitch's
		 * kind=thread), which the run may not have swept at all. */
		snprintf(f->why, sizeof(f->why),
			 "%s %s=%s has no ok %s pair at %s in this run (add --set %s=%s)", w->bench,
			 w->param, w->value,
			 w->kind == VB_RATIO_PAGES ? "SLAT page-mix" : "shadow and SLAT", w->pages,
			 w->param, w->value);
	else
		snprintf(f->why, sizeof(f->why), "%s has no ok %s pair at %s in this run", w->bench,
			 w->kind == VB_RATIO_PAGES ? "SLAT page-mix" : "shadow and SLAT", w->pages);
	return false;
}

static json_t *num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *claim(int id, const char *text, const char *paper, const char *test)
{
	return json_pack("{s:i, s:s, s:s, s:s, s:n, s:n, s:n, s:s, s:s}", "id", id, "claim", text,
			 "paper", paper, "test", test, "ratio", "ci95_low", "ci95_high", "verdict",
			 "not measured", "why", "");
}

/* The claim also rests on f: an emulated ratio makes it mechanism only. */
static void also(json_t *c, const struct found *f)
{
	if (json_is_true(json_object_get(f->e, "emulated")))
		json_object_set_new(c, "emulated", json_true());
}

static void set_ratio(json_t *c, const struct found *f)
{
	also(c, f);
	json_object_set_new(c, "test", json_string(f->name));
	json_object_set_new(c, "ratio", num(json_number_value(json_object_get(f->e, "ratio"))));
	json_object_set(c, "ci95_low", json_object_get(f->e, "ci95_low"));
	json_object_set(c, "ci95_high", json_object_get(f->e, "ci95_high"));
}

static void verdict(json_t *c, bool holds, const char *fmt, const char *what, double v)
{
	char why[400];

	snprintf(why, sizeof(why), fmt, what, v);
	json_object_set_new(c, "verdict", json_string(holds ? "holds" : "does not hold"));
	json_object_set_new(c, "why", json_string(why));
}

static void not_measured(json_t *c, const struct found *f)
{
	json_object_set_new(c, "why", json_string(f->why));
}

/* SLAT faster: the cost ratio shadow/SLAT above 1 with its whole CI. */
static void slat_faster(json_t *c, const struct found *f)
{
	bool ci = isfinite(f->lo);

	if (ci && f->lo > 1)
		verdict(c, true, "%sSLAT is faster: %.0f%% gain, CI above 1", "", (f->c - 1) * 100);
	else if (f->c > 1)
		verdict(c, false,
			"%sSLAT looks %.0f%% faster, but the CI reaches 1 or below: no difference "
			"shown",
			"", (f->c - 1) * 100);
	else
		verdict(c, false, "%sSLAT is not faster here (cost ratio %.3f)", "", f->c);
	if (!ci && f->c > 1)
		json_object_set_new(
			c, "why",
			json_string("SLAT looks faster, but without samples there is no "
				    "CI to show it"));
}

static void within_10(json_t *c, const struct found *f, const char *what)
{
	bool in = isfinite(f->lo) && f->lo >= 0.9 && f->hi <= 1.1;

	verdict(c, in, in ? "%s within 10%% of 1 (cost ratio %.3f, CI inside 0.9..1.1)" :
		"%s: cost ratio %.3f, its CI not inside 0.9..1.1", what, f->c);
}

/* SLAT slower per load: the cost ratio shadow/SLAT below 1 with its whole CI. */
static void slat_dearer(json_t *c, const struct found *f)
{
	if (isfinite(f->hi) && f->hi < 1)
		verdict(c, true, "%sa load costs %.0f%% more under SLAT, CI below 1", "",
			(1 / f->c - 1) * 100);
	else
		verdict(c, false, "%sshadow/SLAT %.3f: its CI is not below 1", "", f->c);
}

static void kvstore_tie(json_t *c, const struct found *f)
{
	within_10(c, f, "kvstore");
}

/* The claims one ratio decides: the doc's words, the ratio, and the judge. */
static const struct single {
	int id;
	const char *claim, *paper, *test;
	struct want want;
	void (*judge)(json_t *c, const struct found *f);
} singles[] = {
	{ 1, "MMU-intensive benchmarks (kernel and Apache compiles) gain with SLAT",
	  "up to 42% (RVI) / 48% (EPT)", "shadow/SLAT of build parallel=4 at 4k:4k",
	  { VB_RATIO_SHADOW_SLAT, "build", "4k:4k", "parallel", "4" }, slat_faster },
	{ 4, "SLAT makes a TLB miss dearer: TLB-heavy workloads can lose",
	  "TLB misses dearer under SLAT", "shadow/SLAT of ptrchase at 4k:4k, largest footprint",
	  { VB_RATIO_SHADOW_SLAT, "ptrchase", "4k:4k", NULL, NULL }, slat_dearer },
	{ 7, "database (OLTP) workloads gain with SLAT", "OLTP faster with SLAT",
	  "shadow/SLAT of oltp at 4k:4k", { VB_RATIO_SHADOW_SLAT, "oltp", "4k:4k", NULL, NULL },
	  slat_faster },
	{ 9, "shadow paging costs little for a workload with little page-table activity",
	  "shadow within 10% of SLAT",
	  "shadow/SLAT of kvstore at 2m:2m (the cost model's prediction is in its own section)",
	  { VB_RATIO_SHADOW_SLAT, "kvstore", "2m:2m", NULL, NULL }, kvstore_tie },
};

static json_t *single_claim(json_t *res, json_t *view, const struct single *d)
{
	json_t *c = claim(d->id, d->claim, d->paper, d->test);
	struct found f;

	if (!find(res, view, &d->want, &f)) {
		not_measured(c, &f);
		return c;
	}
	set_ratio(c, &f);
	d->judge(c, &f);
	return c;
}

static json_t *claim_2(json_t *res, json_t *view)
{
	static const char *const benches[] = { "forkwait", "forkstorm", "mmapchurn", "pagefault",
					       "cr3switch", "ptewrite", "ptbuild" };
	json_t *c = claim(
		2, "MMU-intensive microbenchmarks gain with SLAT", "up to 500% (RVI) / 600% (EPT)",
		"the largest shadow/SLAT of forkwait, forkstorm, mmapchurn, pagefault (and the "
		"micro guest's cr3switch, ptewrite, ptbuild) at 4k:4k");
	struct found best = { .c = NAN }, f;
	char why[700] = "none of these benches is in this run (configs/vmware-ept-2009.conf and "
			"vmware-rvi-2008.conf run them)";

	for (size_t i = 0; i < sizeof(benches) / sizeof(benches[0]); i++) {
		struct want w = { VB_RATIO_SHADOW_SLAT, benches[i], "4k:4k", NULL, NULL };

		if (find(res, view, &w, &f)) {
			if (!best.e || f.c > best.c)
				best = f;
		} else if (!strstr(f.why, "not in this run") && strstr(why, "none of these")) {
			snprintf(why, sizeof(why), "%s", f.why);
		}
	}
	if (!best.e) {
		json_object_set_new(c, "why", json_string(why));
		return c;
	}
	set_ratio(c, &best);
	slat_faster(c, &best);
	return c;
}

static json_t *claim_3(json_t *res, json_t *view)
{
	struct want wp = { VB_RATIO_SHADOW_SLAT, "ctxswitch", "4k:4k", "kind", "process" };
	struct want wt = { VB_RATIO_SHADOW_SLAT, "ctxswitch", "4k:4k", "kind", "thread" };
	json_t *c = claim(
		3, "an address-space switch traps under shadow paging, a thread switch does not",
		"process switches dearer under shadow",
		"shadow/SLAT of ctxswitch kind=process at 4k:4k, against kind=thread");
	struct found p, t;
	char why[800];

	if (!find(res, view, &wp, &p)) {
		not_measured(c, &p);
		return c;
	}
	set_ratio(c, &p);
	if (!find(res, view, &wt, &t)) {
		snprintf(why, sizeof(why), "process ratio measured (%.3f), but %s", p.c, t.why);
		json_object_set_new(c, "why", json_string(why));
		json_object_set_new(c, "verdict", json_string("not measured"));
		return c;
	}
	also(c, &t);
	snprintf(why, sizeof(why), "process %.3f%s, thread %.3f%s", p.c,
		 isfinite(p.lo) && p.lo > 1 ? " (CI above 1)" : " (CI reaches 1)", t.c,
		 fabs(t.c - 1) <= 0.1 ? " (within 10% of 1)" : " (not within 10% of 1)");
	json_object_set_new(c, "verdict",
			    json_string(isfinite(p.lo) && p.lo > 1 && fabs(t.c - 1) <= 0.1
						? "holds"
						: "does not hold"));
	json_object_set_new(c, "why", json_string(why));
	return c;
}

static json_t *claim_5(json_t *res, json_t *view)
{
	struct want w4 = { VB_RATIO_SHADOW_SLAT, "ptrchase", "4k:4k", NULL, NULL };
	struct want w2 = { VB_RATIO_SHADOW_SLAT, "ptrchase", "2m:2m", NULL, NULL };
	struct want wp = { VB_RATIO_PAGES, "ptrchase", "2m:2m", NULL, NULL };
	json_t *c = claim(
		5, "large pages in the guest and the hypervisor take most of the TLB cost back",
		"large pages in both dimensions best",
		"shadow/SLAT of ptrchase at 2m:2m against 4k:4k; SLAT 2m:2m/4k:4k of ptrchase");
	struct found f4, f2, fp;
	char why[400];
	bool nearer, cheaper;

	if (!find(res, view, &wp, &fp)) {
		not_measured(c, &fp);
		return c;
	}
	set_ratio(c, &fp);
	if (!find(res, view, &w4, &f4) || !find(res, view, &w2, &f2)) {
		cheaper = isfinite(fp.hi) && fp.hi < 1;
		snprintf(why, sizeof(why),
			 "SLAT 2m:2m/4k:4k %.3f%s; the shadow/SLAT half is not measured", fp.c,
			 cheaper ? " (CI below 1)" : " (CI not below 1)");
		json_object_set_new(c, "why", json_string(why));
		json_object_set_new(c, "verdict", json_string(cheaper ? "holds" : "does not hold"));
		return c;
	}
	also(c, &f4);
	also(c, &f2);
	nearer = fabs(f2.c - 1) < fabs(f4.c - 1);
	cheaper = isfinite(fp.hi) && fp.hi < 1;
	snprintf(why, sizeof(why),
		 "shadow/SLAT %.3f at 2m:2m against %.3f at 4k:4k (%s); "
		 "SLAT 2m:2m/4k:4k %.3f (%s)",
		 f2.c, f4.c, nearer ? "nearer 1" : "not nearer 1", fp.c,
		 cheaper ? "CI below 1" : "CI not below 1");
	json_object_set_new(c, "verdict",
			    json_string(nearer && cheaper ? "holds" : "does not hold"));
	json_object_set_new(c, "why", json_string(why));
	return c;
}

static json_t *claim_6(json_t *res, json_t *view)
{
	struct want wa = { VB_RATIO_PAGES, "ptrchase", "4k:2m", NULL, NULL };
	struct want wb = { VB_RATIO_PAGES, "ptrchase", "2m:4k", NULL, NULL };
	struct want wp = { VB_RATIO_PAGES, "ptrchase", "2m:2m", NULL, NULL };
	json_t *c = claim(
		6, "large pages in one dimension only help part of the way",
		"one dimension helps less than both",
		"SLAT 4k:2m/4k:4k and SLAT 2m:4k/4k:4k of ptrchase, against SLAT 2m:2m/4k:4k");
	struct found a, b, p;
	char why[400];
	bool ok;

	if (!find(res, view, &wa, &a)) {
		not_measured(c, &a);
		return c;
	}
	if (!find(res, view, &wb, &b)) {
		not_measured(c, &b);
		return c;
	}
	if (!find(res, view, &wp, &p)) {
		not_measured(c, &p);
		return c;
	}
	set_ratio(c, &a);
	also(c, &b);
	also(c, &p);
	ok = isfinite(a.hi) && a.hi < 1 && isfinite(b.hi) && b.hi < 1 && a.c > p.c && b.c > p.c;
	snprintf(why, sizeof(why), "4k:2m %.3f, 2m:4k %.3f, 2m:2m %.3f: %s", a.c, b.c, p.c,
		 ok ? "both below 1 and above 2m:2m" : "not both below 1 (CI) and above 2m:2m");
	json_object_set_new(c, "verdict", json_string(ok ? "holds" : "does not hold"));
	json_object_set_new(c, "why", json_string(why));
	return c;
}

static json_t *claim_8(json_t *res, json_t *view)
{
	struct want wb = { VB_RATIO_SHADOW_SLAT, "build", "2m:2m", NULL, NULL };
	struct want wo = { VB_RATIO_SHADOW_SLAT, "oltp", "2m:2m", NULL, NULL };
	struct want wk = { VB_RATIO_SHADOW_SLAT, "kvstore", "2m:2m", NULL, NULL };
	json_t *c = claim(8, "with large pages, SLAT wins or ties on the macro workloads",
			  "SLAT wins or ties at 2m:2m",
			  "shadow/SLAT of build, oltp and kvstore at 2m:2m");
	struct found b, o, k;
	char why[500];
	bool ok;

	if (!find(res, view, &wb, &b)) {
		not_measured(c, &b);
		return c;
	}
	if (!find(res, view, &wo, &o)) {
		not_measured(c, &o);
		return c;
	}
	if (!find(res, view, &wk, &k)) {
		not_measured(c, &k);
		return c;
	}
	set_ratio(c, &b);
	also(c, &o);
	also(c, &k);
	ok = isfinite(b.lo) && b.lo > 1 && isfinite(o.lo) && o.lo > 1 && isfinite(k.lo) &&
	     k.lo >= 0.9 && k.hi <= 1.1;
	snprintf(why, sizeof(why),
		 "cost ratios shadow/SLAT: build %.3f, oltp %.3f (SLAT faster when the CI "
		 "is above 1), kvstore %.3f (a tie when its CI is inside 0.9..1.1)",
		 b.c, o.c, k.c);
	json_object_set_new(c, "verdict", json_string(ok ? "holds" : "does not hold"));
	json_object_set_new(c, "why", json_string(why));
	return c;
}

/* A verdict drawn from emulated timings (TCG, or CPL0 under PVM) shows the
 * mechanism, never evidence: it neither holds nor fails. */
static void emulated_verdict(json_t *c)
{
	const char *v = json_string_value(json_object_get(c, "verdict"));
	char why[900];

	if (json_is_true(json_object_get(c, "emulated")) && v && strcmp(v, "not measured")) {
		snprintf(why, sizeof(why), "timings emulated (TCG, or CPL0 under PVM), so no "
			 "verdict; as measured: %s", json_string_value(json_object_get(c, "why")));
		json_object_set_new(c, "verdict", json_string(VB_CLAIM_EMULATED));
		json_object_set_new(c, "why", json_string(why));
	}
	json_object_del(c, "emulated");
}

json_t *vb_claims_check(json_t *results, json_t *view)
{
	json_t *(*const checks[])(json_t *, json_t *) = {
		NULL, claim_2, claim_3, NULL, claim_5, claim_6, NULL, claim_8, NULL,
	};
	json_t *out = json_array();

	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		json_t *c = NULL;

		if (checks[i])
			c = checks[i](results, view);
		for (size_t k = 0; !c && k < sizeof(singles) / sizeof(singles[0]); k++)
			if (singles[k].id == (int)i + 1)
				c = single_claim(results, view, &singles[k]);
		emulated_verdict(c);
		json_array_append_new(out, c);
	}
	return out;
}
