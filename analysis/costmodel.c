/* costmodel.c: the cost model of costmodel.h. A mode's time per operation
 * is a base plus, for each MMU event the operation causes, the event's unit
 * cost in that mode; the base cancels out of shadow - SLAT. */
#include "analysis/costmodel.h"
#include "analysis/runfile.h"
#include "lib/stats.h"
#include "analysis/summary.h"
#include "lib/atomicfile.h"
#include "lib/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SLAT_MODES "ept", "npt", "tdp", "stage2"
#define LOW_ACTIVITY 0.05	/* modelled difference under 5% of the time per op */
#define CLAIM_BAND 0.10		/* "costs little": measured within 10% of 1 */
#define MIXES_MAX 16

static const char *const term_names[VB_COST_COUNT] = { "switch", "fault", "fork", "walk" };
_Static_assert(sizeof(term_names) / sizeof(term_names[0]) == VB_COST_COUNT, "a name per term");

const char *vb_cost_term_name(enum vb_cost_term t)
{
	return t < VB_COST_COUNT ? term_names[t] : "?";
}

/* A row's median as ns per operation, whatever its unit; NaN when the unit
 * is neither a time per operation nor a rate. */
static double row_ns(json_t *row)
{
	const char *unit = vb_row_str(row, "unit");
	double m;

	if (!unit || !vb_row_stat(row, "median", &m) || !(m > 0))
		return NAN;
	if (vb_unit_higher_is_better(unit))
		return 1e9 / m;
	if (!strncmp(unit, "ns/", 3))
		return m;
	if (!strncmp(unit, "us/", 3))
		return m * 1e3;
	if (!strncmp(unit, "ms/", 3))
		return m * 1e6;
	return NAN;
}

static const char *param_word(json_t *row, const char *key)
{
	return json_string_value(vb_row_param(row, key));
}

static double param_num(json_t *row, const char *key)
{
	double v;

	return vb_row_param_num(row, key, &v) ? v : NAN;
}

/* Does the row measure `mode` at `pages`? A native row has one dimension:
 * it matches on the guest size of a G:H pair. */
static bool at_mix(json_t *row, const char *mode, const char *pages)
{
	const char *req = vb_row_pages(row, "requested"), *m = vb_row_str(row, "mode");
	size_t g = strcspn(pages, ":");

	if (!req || !m || strcmp(m, mode) || !vb_row_is_ok(row) || !vb_row_honoured(row))
		return false;
	if (!strcmp(mode, "native"))
		return strlen(req) == g && !strncmp(req, pages, g);
	return !strcmp(req, pages);
}

enum rule { R_MEDIAN, R_MIN_FOOTPRINT, R_MAX_FOOTPRINT };

/* The ns figure of one microbenchmark in one mode and mix: rows of `bench`
 * (whose param `key` is `word`, when key is given), one picked by `rule`
 * (the median of all of them for R_MEDIAN). NaN without a row. */
static double pick(json_t *results, const char *mode, const char *pages, const char *bench,
		   const char *key, const char *word, enum rule rule)
{
	double vals[64], best = NAN, best_fp = NAN;
	size_t i, n = 0;
	json_t *row;

	json_array_foreach(results, i, row) {
		const char *b = vb_row_str(row, "bench");
		double v, fp;

		if (!b || strcmp(b, bench) || !at_mix(row, mode, pages))
			continue;
		if (key && (!param_word(row, key) || strcmp(param_word(row, key), word)))
			continue;
		v = row_ns(row);
		if (!isfinite(v))
			continue;
		fp = param_num(row, "footprint");
		if (rule == R_MEDIAN) {
			if (n < sizeof(vals) / sizeof(vals[0]))
				vals[n++] = v;
		} else if (isnan(best) || (rule == R_MIN_FOOTPRINT ? fp < best_fp : fp > best_fp)) {
			best = v;
			best_fp = fp;
		}
	}
	return rule == R_MEDIAN ? (n ? vb_median(vals, n) : NAN) : best;
}

/* mmapchurn's cost per page (its `us_per_page`, in us), the median of its rows. */
static double churn_page_ns(json_t *results, const char *mode, const char *pages)
{
	double vals[64];
	size_t i, n = 0;
	json_t *row;

	json_array_foreach(results, i, row) {
		const char *b = vb_row_str(row, "bench");
		double v;

		if (!b || strcmp(b, "mmapchurn") || !at_mix(row, mode, pages))
			continue;
		if (vb_row_extra(row, "us_per_page", &v) && n < sizeof(vals) / sizeof(vals[0]))
			vals[n++] = v * 1e3;
	}
	return n ? vb_median(vals, n) : NAN;
}

int vb_costmodel_units(json_t *results, const char *mode, const char *pages,
		       struct vb_cost_units *u)
{
	double thread;
	int found = 0;

	u->ns[VB_COST_SWITCH] =
		pick(results, mode, pages, "ctxswitch", "kind", "process", R_MEDIAN);
	u->ns[VB_COST_FAULT] = pick(results, mode, pages, "pagefault", NULL, NULL, R_MEDIAN);
	u->ns[VB_COST_FORK] = pick(results, mode, pages, "forkwait", NULL, NULL, R_MIN_FOOTPRINT);
	u->ns[VB_COST_WALK] =
		pick(results, mode, pages, "ptrchase", "layout", "page", R_MAX_FOOTPRINT);
	thread = pick(results, mode, pages, "ctxswitch", "kind", "thread", R_MEDIAN);
	u->cr3 = u->ns[VB_COST_SWITCH] - thread;
	u->ptwrite = churn_page_ns(results, mode, pages) - u->ns[VB_COST_FAULT];
	for (int t = 0; t < VB_COST_COUNT; t++)
		found += isfinite(u->ns[t]);
	return found;
}

/* The SLAT mode the run measured, or NULL. */
static const char *run_slat(json_t *results)
{
	static const char *const slat[] = { SLAT_MODES };
	size_t i;
	json_t *row;

	for (size_t k = 0; k < sizeof(slat) / sizeof(slat[0]); k++)
		json_array_foreach(results, i, row)
			if (vb_row_is_ok(row) && !strcmp(vb_row_str(row, "mode"), slat[k]))
				return slat[k];
	return NULL;
}

/* The ok row of the same bench and params as `like`, in `mode` at `pages`. */
static json_t *twin(json_t *results, json_t *like, const char *mode, const char *pages)
{
	char *key = vb_row_params_key(like), *other;
	json_t *row, *found = NULL;
	size_t i;

	json_array_foreach(results, i, row) {
		if (found || strcmp(vb_row_str(row, "bench"), vb_row_str(like, "bench")) ||
		    !at_mix(row, mode, pages))
			continue;
		other = vb_row_params_key(row);
		if (key && other && !strcmp(key, other))
			found = row;
		free(other);
	}
	free(key);
	return found;
}

/* Page walks per operation: the row's derived `walk` (from the PMU's
 * completed-walk counts), on the side that ran the bench: "all" natively,
 * the vCPU's "guest" side in a guest. NaN when no PMU counted walks. */
static double walks_per_op(json_t *row)
{
	double k;

	if (vb_row_walk_num(row, "all", "walks_per_kop", &k) ||
	    vb_row_walk_num(row, "guest", "walks_per_kop", &k))
		return k / 1000.0;
	return NAN;
}

/* Events per operation from a row's counters; walks only with a PMU. */
static void events_per_op(json_t *row, double *per_op)
{
	double ops, sw, forks;

	for (int t = 0; t < VB_COST_COUNT; t++)
		per_op[t] = NAN;
	if (!vb_row_ops(row, &ops) || !(ops > 0))
		return;
	per_op[VB_COST_SWITCH] = vb_row_software(row, "context_switches", &sw) ? sw / ops : NAN;
	/* perf's page_faults, or getrusage's minor_faults where perf had none. */
	per_op[VB_COST_FAULT] = vb_row_software(row, "page_faults", &sw) ||
				vb_row_software(row, "minor_faults", &sw) ? sw / ops : NAN;
	per_op[VB_COST_FORK] = vb_row_extra(row, "processes_per_op", &forks) ? forks : 0;
	per_op[VB_COST_WALK] = walks_per_op(row);
}

static void add_missing(struct vb_cost_prediction *p, enum vb_cost_term t)
{
	size_t n = strlen(p->missing);

	snprintf(p->missing + n, sizeof(p->missing) - n, "%s%s", n ? "," : "", term_names[t]);
}

/* Modelled time per op in `mode` - in `base`, for the counted events. */
static double difference(const double *per_op, const struct vb_cost_units *mode,
			 const struct vb_cost_units *base, struct vb_cost_prediction *p)
{
	double d = 0;

	for (int t = 0; t < VB_COST_COUNT; t++) {
		if (per_op[t] == 0)
			continue;
		if (!isfinite(per_op[t]) || !isfinite(mode->ns[t]) || !isfinite(base->ns[t])) {
			if (p && !strstr(p->missing, term_names[t]))
				add_missing(p, (enum vb_cost_term)t);
			continue;
		}
		d += per_op[t] * (mode->ns[t] - base->ns[t]);
	}
	return d;
}

static bool all_known(const double *per_op, const struct vb_cost_units *u)
{
	for (int t = 0; t < VB_COST_COUNT; t++)
		if (per_op[t] != 0 && isfinite(per_op[t]) && !isfinite(u->ns[t]))
			return false;
	return true;
}

int vb_costmodel_predict(json_t *results, json_t *row, struct vb_cost_prediction *p)
{
	const char *pages = vb_row_pages(row, "requested"), *unit = vb_row_str(row, "unit");
	struct vb_cost_units ush, usl, unat;
	json_t *sh, *sl, *nat, *src;
	double t_sh, t_sl, base;
	char g[16];

	memset(p, 0, sizeof(*p));
	p->predicted = p->measured = p->share = NAN;
	p->slat = run_slat(results);
	if (!p->slat || !pages || !unit)
		return -1;
	snprintf(g, sizeof(g), "%.*s", (int)strcspn(pages, ":"), pages);
	sh = twin(results, row, "shadow", pages);
	sl = twin(results, row, p->slat, pages);
	nat = twin(results, row, "native", pages);
	if (sh && sl && vb_row_stat(sh, "median", &t_sh) && vb_row_stat(sl, "median", &t_sl))
		p->measured = t_sh / t_sl;
	src = nat ? nat : sl ? sl : sh;
	if (!src)
		return -1;
	events_per_op(src, p->per_op);
	vb_costmodel_units(results, "shadow", pages, &ush);
	vb_costmodel_units(results, p->slat, pages, &usl);
	vb_costmodel_units(results, "native", pages, &unat);
	if (nat && all_known(p->per_op, &unat) && all_known(p->per_op, &ush) &&
	    all_known(p->per_op, &usl) && isfinite(row_ns(nat))) {
		p->anchor = "native";
		base = row_ns(nat);
		t_sh = base + difference(p->per_op, &ush, &unat, p);
		t_sl = base + difference(p->per_op, &usl, &unat, NULL);
	} else if (sl && isfinite(row_ns(sl))) {
		p->anchor = p->slat;
		t_sl = row_ns(sl);
		t_sh = t_sl + difference(p->per_op, &ush, &usl, p);
	} else {
		return -1;
	}
	if (!isfinite(p->per_op[VB_COST_WALK]) && !strstr(p->missing, "walk"))
		add_missing(p, VB_COST_WALK);
	if (!(t_sh > 0) || !(t_sl > 0))
		return -1;
	p->predicted = vb_unit_higher_is_better(unit) ? t_sl / t_sh : t_sh / t_sl;
	p->share = (t_sh - t_sl) / t_sl;
	return 0;
}

/* Distinct G:H page mixes of the run's shadow rows, in order of appearance. */
static int mixes(json_t *results, const char *out[MIXES_MAX])
{
	size_t i;
	json_t *row;
	int n = 0;

	json_array_foreach(results, i, row) {
		const char *p = vb_row_pages(row, "requested");
		int k;

		/* A remote guest's rows name the guest page size only ("4k"): its
		 * host's is out of sight, and the mix is taken at that. */
		if (!p || strcmp(vb_row_str(row, "mode"), "shadow") || !vb_row_is_ok(row))
			continue;
		for (k = 0; k < n && strcmp(out[k], p); k++)
			;
		if (k == n && n < MIXES_MAX)
			out[n++] = p;
	}
	return n;
}

static void cell(FILE *f, double v)
{
	char buf[32];

	vb_fmt_value(v, buf, sizeof(buf));
	fprintf(f, " %s |", isfinite(v) ? buf : "-");
}

/* Page mixes come from an untrusted run: only what a page mix can spell. */
static bool mix_ok(const char *p)
{
	return strlen(p) < 16 && strspn(p, "0123456789kmgthp:") == strlen(p);
}

static void print_units(FILE *f, json_t *results, const char *slat, const char **mix, int n)
{
	const char *modes[] = { "native", "shadow", slat };

	fputs("Unit costs, ns per event (`-`: no row to tell):\n\n"
	      "| pages | mode | switch | cr3 | fault | ptwrite | fork | walk |\n"
	      "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n", f);
	for (int k = 0; k < n; k++) {
		for (int m = 0; m < 3; m++) {
			struct vb_cost_units u;

			if (!mix_ok(mix[k]) || !vb_costmodel_units(results, modes[m], mix[k], &u))
				continue;
			fprintf(f, "| %s | %s |", mix[k], modes[m]);
			cell(f, u.ns[VB_COST_SWITCH]);
			cell(f, u.cr3);
			cell(f, u.ns[VB_COST_FAULT]);
			cell(f, u.ptwrite);
			cell(f, u.ns[VB_COST_FORK]);
			cell(f, u.ns[VB_COST_WALK]);
			fputc('\n', f);
		}
	}
	fputc('\n', f);
}

/* One line of the predictions table, and whether the low-activity claim
 * applies to it (1 held, 0 did not, -1 not a low-activity row). */
static int print_prediction(FILE *f, json_t *row, const struct vb_cost_prediction *p)
{
	char params[96];
	int claim = -1;

	vb_row_params_text(row, NULL, params, sizeof(params));
	for (char *c = params; *c; c++)
		if (strchr("|`*_[]<>#\\", *c))
			*c = ' ';
	fprintf(f, "| %s | %s | %s |", vb_row_str(row, "bench"), params,
		vb_row_pages(row, "requested"));
	for (int t = 0; t < VB_COST_COUNT; t++)
		cell(f, p->per_op[t]);
	cell(f, p->predicted);
	cell(f, p->measured);
	fprintf(f, " %s | %s |\n", p->anchor, p->missing[0] ? p->missing : "");
	if (isfinite(p->share) && fabs(p->share) < LOW_ACTIVITY && isfinite(p->measured))
		claim = fabs(p->measured - 1) <= CLAIM_BAND;
	return claim;
}

static void print_predictions(FILE *f, json_t *results, const char *slat)
{
	int held = 0, failed = 0;
	size_t i;
	json_t *row;
	double t;

	fprintf(f,
		"Each workload's shadow/%s (in its unit: above 1 is shadow ahead for a rate), "
		"predicted from its events per operation and the unit costs, beside the measured "
		"medians' ratio:\n\n"
		"| bench | params | pages | switch/op | fault/op | fork/op | walk/op | predicted | "
		"measured | anchor | not modelled |\n"
		"| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |\n",
		slat);
	json_array_foreach(results, i, row) {
		struct vb_cost_prediction p;
		int claim;

		/* One line per workload and mix: from its shadow row. */
		if (!vb_row_latency(row, "n", &t) || strcmp(vb_row_str(row, "mode"), "shadow") ||
		    !vb_row_is_ok(row) ||
		    !mix_ok(vb_row_pages(row, "requested") ? vb_row_pages(row, "requested")
							   : "?") ||
		    vb_costmodel_predict(results, row, &p) < 0)
			continue;
		claim = print_prediction(f, row, &p);
		held += claim == 1;
		failed += claim == 0;
	}
	fprintf(f,
		"\nShadow paging costs little for a workload with little page-table activity "
		"(modelled difference under %.0f%% of its time): %s (%d such rows within %.0f%% of "
		"1, "
		"%d not).\n\n",
		LOW_ACTIVITY * 100,
		held + failed == 0 ? "not tested (no such row)"
		: failed	   ? "does not hold"
				   : "holds",
		held, CLAIM_BAND * 100, failed);
}

/* SLAT wins once r x (switch in shadow - in SLAT) > w x (walk in SLAT - in
 * shadow): the switch rate r above which it does, per walk per second. */
static double crossover_slope(json_t *results, const char *slat, const char *mix)
{
	struct vb_cost_units sh, sl;
	double dswitch, dwalk;

	vb_costmodel_units(results, "shadow", mix, &sh);
	vb_costmodel_units(results, slat, mix, &sl);
	dswitch = sh.ns[VB_COST_SWITCH] - sl.ns[VB_COST_SWITCH];
	dwalk = sl.ns[VB_COST_WALK] - sh.ns[VB_COST_WALK];
	if (!isfinite(dswitch) || !isfinite(dwalk))
		return NAN;
	if (dswitch <= 0)
		return INFINITY; /* a switch is no dearer in shadow: SLAT never wins on switches */
	return dwalk <= 0 ? 0 : dwalk / dswitch;
}

static void print_crossover(FILE *f, json_t *results, const char *slat, const char **mix, int n)
{
	fputs("Crossover: the context-switch rate above which SLAT wins, for a workload taking "
	      "one million TLB misses per second (it scales with the miss rate; 0: SLAT wins at "
	      "any rate, inf: never on switches alone):\n\n"
	      "| pages | switches/s per 1M misses/s |\n| --- | ---: |\n", f);
	for (int k = 0; k < n; k++) {
		double s = crossover_slope(results, slat, mix[k]);

		if (!mix_ok(mix[k]) || isnan(s))
			continue;
		fprintf(f, "| %s |", mix[k]);
		if (isinf(s)) {
			fputs(" inf |\n", f);
		} else {
			cell(f, s * 1e6);
			fputc('\n', f);
		}
	}
	fputc('\n', f);
}

void vb_costmodel_print_md(FILE *f, json_t *results)
{
	const char *slat = run_slat(results), *mix[MIXES_MAX];
	int n = mixes(results, mix);

	if (!slat || !n)
		return;
	fputs("\n## Which mode wins, and why\n\n"
	      "The cost model of docs/methodology.md: a mode's time per operation is a base plus, "
	      "for each MMU event, events per operation x the event's unit cost in that mode.\n\n",
	      f);
	print_units(f, results, slat, mix, n);
	print_predictions(f, results, slat);
	print_crossover(f, results, slat, mix, n);
}

/* The crossover lines, one block per page mix. */
static void write_dat(FILE *dat, json_t *results, const char *slat, const char *const *drawn,
		      int nd)
{
	for (int k = 0; k < nd; k++) {
		double s = crossover_slope(results, slat, drawn[k]);

		fprintf(dat, "# curve %d: pages %s: misses/s, switches/s above which %s wins\n", k,
			drawn[k], slat);
		for (double w = 1e3; w <= 1.01e9; w *= 10)
			fprintf(dat, "%g %g\n", w, s * w);
		fputs("\n\n", dat);
	}
}

static void write_script(FILE *gp, const char *slat, const char *const *drawn, int nd)
{
	fprintf(gp,
		"# The cost model's crossover, written by vbench; run here as: gnuplot %s\n"
		"if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
		"    set terminal pngcairo size 960,600 noenhanced font ',10'\n"
		"} else {\n    set terminal png size 960,600 noenhanced\n}\n"
		"set output 'costmodel.png'\n"
		"set title 'Which mode wins: above its line SLAT (%s) wins, below it shadow "
		"paging'\n"
		"set logscale xy\nset xlabel 'TLB misses per second'\n"
		"set ylabel 'context switches per second'\nset key left top\nset grid\n"
		"plot ",
		VB_COSTMODEL_SCRIPT, slat);
	for (int k = 0; k < nd; k++)
		fprintf(gp, "%s'costmodel.dat' index 'curve %d:' with linespoints title 'pages %s'",
			k ? ", \\\n     " : "", k, drawn[k]);
	fputc('\n', gp);
}

int vb_costmodel_plot_write(json_t *results, const char *dir, char *err, size_t errlen)
{
	const char *slat = run_slat(results), *mix[MIXES_MAX], *drawn[MIXES_MAX];
	int n = slat ? mixes(results, mix) : 0, nd = 0, dirfd, rc = -1;
	struct vb_atomic a;

	for (int k = 0; k < n; k++) {
		double s = crossover_slope(results, slat, mix[k]);

		if (mix_ok(mix[k]) && isfinite(s) && s > 0)
			drawn[nd++] = mix[k];
	}
	if (!nd)
		return 0;
	/* Written as the other figure files are (lib/atomicfile.h): whole or not
	 * at all, never through a link left in the folder. */
	dirfd = vb_dir_open(dir, err, errlen);
	if (dirfd < 0)
		return -1;
	if (vb_atomic_open(&a, dirfd, "costmodel.dat", err, errlen) < 0)
		goto out;
	write_dat(a.f, results, slat, drawn, nd);
	if (vb_atomic_commit(&a, err, errlen) < 0 ||
	    vb_atomic_open(&a, dirfd, VB_COSTMODEL_SCRIPT, err, errlen) < 0)
		goto out;
	write_script(a.f, slat, drawn, nd);
	if (vb_atomic_commit(&a, err, errlen) < 0)
		goto out;
	rc = nd;
out:
	close(dirfd);
	return rc;
}
