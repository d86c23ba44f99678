/* cmd_history.c: `vbench history [add RUN... | check]`: every run's rows over
 * time from the history store, their change points, and a CI gate on the newest run. */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/history.h"
#include "analysis/history_plot.h"
#include "analysis/junit.h"
#include "analysis/runfile.h"
#include "analysis/summary.h"
#include "harness/cmds.h"
#include "harness/cmdutil.h"
#include "lib/error.h"
#include "lib/param.h"

#define ALPHA 0.01
#define MIN_CHANGE 0.05

static const char usage[] =
	"usage: vbench history [filters] [--by LABEL] [--x LABEL] [--json] [--plot FILE]\n"
	"       vbench history check [filters] [--by LABEL] [--x LABEL] [--json] [--junit FILE]\n"
	"                            [--markdown FILE]\n"
	"       vbench history add RUN...\n"
	"\n"
	"The history store keeps every run's rows: samples, statistics, counters,\n"
	"the host record and the run's labels. 'vbench run' adds each finished run;\n"
	"'history add' imports older ones (adding a run twice does nothing).\n"
	"\n"
	"'history' prints each series (one per machine, bench, params, mode, guest,\n"
	"pages and unit, and per value of --by's label) over runs, oldest first,\n"
	"and marks change points: where the series splits into segments whose raw\n"
	"samples differ (Mann-Whitney) AND whose runs' medians differ beyond the\n"
	"drift between runs (pooled t test), both at p < 0.01 corrected for the\n"
	"splits tried, by at least the threshold. 'history check' judges the\n"
	"newest run of each series against the segment it follows and exits 1\n"
	"when it is a significant regression.\n"
	"\n";

struct opts {
	const char *db, *plot, *junit, *markdown;
	struct vb_history_filter f;
	double threshold;
	bool json;
};

static int set_params(void *p, const char *a)
{
	struct opts *o = p;

	if (vb_history_params_parse(a, &o->f.params))
		return vb_error("history: bad --params '%s': give "
				"NAME=VALUE[,NAME=VALUE...], e.g. footprint=16M", a);
	return 0;
}

static int set_threshold(void *p, const char *a)
{
	struct opts *o = p;

	if (vb_parse_double(a, &o->threshold) || o->threshold < 0 ||
	    (!strchr(a, '%') && o->threshold >= 1))
		return vb_error("history: bad --threshold '%s': give a percentage (5%%) "
				"or a fraction (0.05)", a);
	return 0;
}

#define H_STR(n, arg, fld, h) { n, 0, arg, VB_OPT_STR, offsetof(struct opts, fld), NULL, false, h }

static const struct vb_opt history_options[] = {
	H_STR("db", "URL", db, "the store: an SQLite file, or postgresql://... (default:\n"
	      "$VBENCH_DB, else " VB_HISTORY_DB ")"),
	H_STR("bench", "B", f.bench, "only this bench"),
	H_STR("mode", "M", f.mode, "only this mode"),
	H_STR("pages", "G[:H]", f.pages,
	      "only rows that requested these pages (as recorded: 4k, 4k:2m)"),
	{ "params", 0, "K=V,...", VB_OPT_FN, 0, set_params, false,
	  "only rows whose params have these values (footprint=16M)" },
	H_STR("by", "LABEL", f.by, "one series per value of this run label (kernel, commit)"),
	H_STR("x", "LABEL", f.x, "order each series by this label's value (versions: 6.9 "
	      "before\n6.12; runs without it first), not by time: what a bisect walks"),
	H_STR("junit", "FILE", junit,
	      "(check) also write the verdicts as JUnit XML, one test case a series"),
	H_STR("markdown", "FILE", markdown,
	      "(check) also append a Markdown summary (e.g. $GITHUB_STEP_SUMMARY)"),
	{ "threshold", 0, "PCT", VB_OPT_FN, 0, set_threshold, false,
	  "smallest change that counts: \"5%\" or 0.05 (default 5%)" },
	{ "json", 0, NULL, VB_OPT_BOOL, offsetof(struct opts, json), NULL, false,
	  "print JSON (schema vbench.history/1)" },
	H_STR("plot", "FILE", plot, "also draw the series into FILE (PNG, gnuplot)"),
	{ "help", 'h', NULL, VB_OPT_HELP, 0, NULL, false, "this text" },
	{ NULL, 0, NULL, 0, 0, NULL, false, NULL },
};

static const struct vb_opt_cmd history_cmd = {
	"history", usage, history_options,
	"\n"
	"A series is one machine's: the run's --machine, else its machine class (CPU\n"
	"model and microcode, memory, kernel, hypervisor, KVM flavour and parameters,\n"
	"vbench version), so throwaway CI runners of one kind build one series.\n"
	"\n"
	"Exit status: 0 ok; 1 (check) a regression in a newest run; 2 bad input;\n"
	"3 the store cannot be used (locked, corrupt, unreachable).\n",
};

/* 0 after the options, 1 after --help, -1 after an error line. */
static int parse(int argc, char **argv, struct opts *o)
{
	int n = vb_opt_parse(&history_cmd, argc, argv, o);

	return n > 0 ? 0 : n == 0 ? 1 : -1;
}

static int add(const struct opts *o, int n, char **runs)
{
	char err[1024];
	struct vb_db *db;
	int worst = VB_EXIT_OK;

	if (n == 0) {
		vb_error("history: add: expected one or more runs: see 'vbench history --help'");
		return VB_EXIT_USAGE;
	}
	db = vb_history_open(o->db, true, err, sizeof(err));
	if (!db) {
		vb_error("history: %s", err);
		return VB_EXIT_ENV;
	}
	for (int i = 0; i < n; i++) {
		json_t *run = vb_run_load(runs[i], err, sizeof(err));
		int rc = run ? vb_history_add(db, run, err, sizeof(err)) : -1;

		if (rc < 0) {
			vb_error("history: add: %s", err);
			/* The store refusing is the host's (3); a bad run, bad input (2). */
			if (rc == -2 || worst == VB_EXIT_ENV)
				worst = VB_EXIT_ENV;
			else
				worst = VB_EXIT_USAGE;
		} else if (rc == 1) {
			printf("%s: already in the history, nothing to do\n", runs[i]);
		} else {
			printf("%s: added (%zu rows) to %s\n", runs[i],
			       json_array_size(vb_run_results(run)), vb_db_name(db));
		}
		json_decref(run);
	}
	vb_db_close(db);
	return worst;
}

static void key_text(json_t *s, const char *by, char *buf, size_t len)
{
	json_t *key = json_object_get(s, "key"), *fake = json_pack("{s:O}", "params",
								    json_object_get(key, "params"));
	const char *guest = json_string_value(json_object_get(key, "guest"));
	bool in_guest = guest && strcmp(guest, "none");
	char params[200];
	int n;

	vb_row_params_text(fake, NULL, params, sizeof(params));
	json_decref(fake);
	n = snprintf(buf, len, "%s %s %s%s%s %s on %s (%s, %s is better)",
		     json_string_value(json_object_get(key, "bench")), params,
		     json_string_value(json_object_get(key, "mode")),
		     in_guest ? "/" : "", in_guest ? guest : "",
		     json_string_value(json_object_get(key, "pages")),
		     json_string_value(json_object_get(key, "machine")),
		     json_string_value(json_object_get(s, "unit")),
		     json_is_true(json_object_get(s, "higher_is_better")) ? "higher" : "lower");
	if (by && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ", %s=%s", by,
			 json_string_value(json_object_get(key, by)) ?: "(none)");
}

static void labels_text(json_t *labels, char *buf, size_t len)
{
	const char *k;
	json_t *v;
	size_t n = 0;

	buf[0] = '\0';
	json_object_foreach(labels, k, v) {
		int w = snprintf(buf + n, len - n, "%s%s=%s", n ? "," : "", k,
				 json_string_value(v));

		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
	}
}

static void print_series(json_t *s, const char *by, const char *x)
{
	json_t *pt, *ch;
	size_t i, j;
	char key[512];

	key_text(s, by, key, sizeof(key));
	printf("%s\n", key);
	printf("  %3s  %-30s %-20s %-24s %10s %22s %4s\n", "#", "run", "started", "labels",
	       "median", "95% CI", "n");
	if (x)
		printf("  (in the order of %s, then time)\n", x);
	json_array_foreach(json_object_get(s, "points"), i, pt) {
		char med[32], lo[32], hi[32], ci[80], labels[256], flag[160] = "";

		vb_fmt_value(json_number_value(json_object_get(pt, "median")), med, sizeof(med));
		vb_fmt_value(json_number_value(json_object_get(pt, "ci95_low")), lo, sizeof(lo));
		vb_fmt_value(json_number_value(json_object_get(pt, "ci95_high")), hi, sizeof(hi));
		snprintf(ci, sizeof(ci), "[%s, %s]", lo, hi);
		labels_text(json_object_get(pt, "labels"), labels, sizeof(labels));
		json_array_foreach(json_object_get(s, "changes"), j, ch)
			if (json_equal(json_object_get(ch, "run"), json_object_get(pt, "run")))
				snprintf(flag, sizeof(flag), "  <- CHANGE %+.1f%% (%s; p %.1e "
					 "samples, %.1e runs)",
					 json_number_value(json_object_get(ch, "change")) * 100,
					 json_string_value(json_object_get(ch, "direction")),
					 json_number_value(json_object_get(ch, "p_samples")),
					 json_number_value(json_object_get(ch, "p_runs")));
		printf("  %3lld  %-30s %-20s %-24s %10s %22s %4lld%s\n",
		       (long long)json_integer_value(json_object_get(pt, "index")),
		       json_string_value(json_object_get(pt, "run")),
		       json_string_value(json_object_get(pt, "started")), labels[0] ? labels : "-",
		       med, ci, (long long)json_integer_value(json_object_get(pt, "n")), flag);
	}
	printf("  %zu change point(s)\n\n", json_array_size(json_object_get(s, "changes")));
}

static const char *verdict_of(json_t *series)
{
	return json_string_value(json_object_get(json_object_get(series, "newest"), "verdict"));
}

/* `history check`: one line per series whose newest run regressed. */
static int check(json_t *series, const struct opts *o)
{
	json_t *s, *nw;
	size_t i, regressions = 0, judged = 0;
	char key[512];

	json_array_foreach(series, i, s) {
		const char *v;

		nw = json_object_get(s, "newest");
		v = verdict_of(s);
		if (strcmp(v, "too few runs") != 0)
			judged++;
		if (strcmp(v, "regression") != 0 || o->json)
			continue;
		regressions++;
		key_text(s, o->f.by, key, sizeof(key));
		printf("REGRESSION %s: run %s is %+.1f%% against the %lld run(s) before it "
		       "(p %.1e samples, %.1e runs)\n", key,
		       json_string_value(json_object_get(nw, "run")),
		       json_number_value(json_object_get(nw, "change")) * 100,
		       (long long)json_integer_value(json_object_get(nw, "against")),
		       json_number_value(json_object_get(nw, "p_samples")),
		       json_number_value(json_object_get(nw, "p_runs")));
	}
	if (o->json) {
		json_array_foreach(series, i, s)
			regressions += !strcmp(verdict_of(s), "regression");
		return regressions ? VB_EXIT_FAIL : VB_EXIT_OK;
	}
	printf("history check: %zu series, %zu with enough runs to judge, %zu regression(s) in the "
	       "newest run\n", json_array_size(series), judged, regressions);
	return regressions ? VB_EXIT_FAIL : VB_EXIT_OK;
}

/* The verdict of a series as a JUnit case: failed on a regression, skipped
 * while there are too few runs to judge. Strings live in bufs. */
static void series_case(json_t *s, const struct opts *o, struct vb_junit_case *c, char *name,
			size_t nlen, char *msg, size_t mlen, char *cls, size_t clen)
{
	json_t *nw = json_object_get(s, "newest");
	const char *v = verdict_of(s);

	key_text(s, o->f.by, name, nlen);
	snprintf(cls, clen, "vbench.history.%s",
		 json_string_value(json_object_get(json_object_get(s, "key"), "bench")));
	memset(c, 0, sizeof(*c));
	c->classname = cls;
	c->name = name;
	if (!strcmp(v, "too few runs")) {
		c->skipped = "too few runs to judge";
		return;
	}
	snprintf(msg, mlen, "%s: run %s is %+.1f%% against the %lld run(s) before it (p %.2g "
		 "samples, %.2g runs)", v, json_string_value(json_object_get(nw, "run")),
		 json_number_value(json_object_get(nw, "change")) * 100,
		 (long long)json_integer_value(json_object_get(nw, "against")),
		 json_number_value(json_object_get(nw, "p_samples")),
		 json_number_value(json_object_get(nw, "p_runs")));
	if (!strcmp(v, "regression"))
		c->failure = msg;
	else
		c->detail = msg;
}

/* `history check --junit FILE --markdown FILE`: the verdicts for a CI job. */
static int ci_reports(json_t *series, const struct opts *o, const char *db)
{
	size_t n = json_array_size(series), i, reg = 0, judged = 0;
	struct vb_junit_case *c = calloc(n ? n : 1, sizeof(*c));
	char (*bufs)[3][512] = calloc(n ? n : 1, sizeof(*bufs)), err[512];
	json_t *s;
	int rc = 0;

	if (!c || !bufs)
		abort();
	json_array_foreach(series, i, s) {
		series_case(s, o, &c[i], bufs[i][0], 512, bufs[i][1], 512, bufs[i][2], 512);
		reg += c[i].failure != NULL;
		judged += !c[i].skipped;
	}
	if (o->junit && vb_junit_write(o->junit, "vbench history check", c, n, err, sizeof(err))) {
		vb_error("history: --junit: %s", err);
		rc = -1;
	}
	if (o->markdown) {
		FILE *f = fopen(o->markdown, "a");

		if (!f) {
			vb_error("history: --markdown: %s: cannot append", o->markdown);
			rc = -1;
		} else {
			fprintf(f, "### vbench history check: %s\n\n%zu series, %zu judged, "
				"%zu regression(s) in the newest run (store: %s)\n\n",
				reg ? "REGRESSION" : "ok", n, judged, reg, db);
			for (i = 0; i < n; i++)
				if (c[i].failure)
					fprintf(f, "- **regression** %s: %s\n", c[i].name,
						c[i].failure);
			fputc('\n', f);
			fclose(f);
		}
	}
	free(c);
	free(bufs);
	return rc;
}

static int show(const struct opts *o, bool is_check)
{
	char err[1024];
	struct vb_db *db = vb_history_open(o->db, false, err, sizeof(err));
	json_t *series, *s;
	size_t i;
	int rc = VB_EXIT_OK, pr;
	char name[256];

	if (!db) {
		vb_error("history: %s", err);
		return VB_EXIT_ENV;
	}
	snprintf(name, sizeof(name), "%s", vb_db_name(db));
	series = vb_history_series(db, &o->f, ALPHA, o->threshold, err, sizeof(err));
	vb_db_close(db);
	if (!series) {
		vb_error("history: %s", err);
		return VB_EXIT_ENV;
	}
	if (o->json) {
		json_t *doc = json_pack("{s:s, s:s, s:f, s:f, s:O}", "schema", "vbench.history/1",
					"db", name, "alpha", ALPHA, "threshold", o->threshold,
					"series", series);

		vb_cmd_print_json("history", doc, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
		json_decref(doc);
	} else if (!is_check) {
		json_array_foreach(series, i, s)
			print_series(s, o->f.by, o->f.x);
		if (!json_array_size(series))
			printf("no ok rows match in %s\n", name);
	}
	if (is_check)
		rc = check(series, o);
	if (is_check && (o->junit || o->markdown) && ci_reports(series, o, name) < 0)
		rc = VB_EXIT_ENV;
	pr = o->plot ? vb_history_plot(series, o->plot, err, sizeof(err)) : 0;
	if (pr < 0) {
		vb_error("history: --plot: %s", err);
		rc = pr == -2 ? VB_EXIT_ENV : VB_EXIT_USAGE;
	} else if (o->plot && !o->json) {
		printf("figure: %s\n", o->plot);
	}
	json_decref(series);
	return rc;
}

int cmd_history(int argc, char **argv)
{
	struct opts o = { .threshold = MIN_CHANGE };
	const char *sub = NULL;
	int rc;

	/* Options are taken wherever they stand, before or after the subcommand
	 * and among the runs of `add`: getopt moves the other words to the end. */
	rc = parse(argc, argv, &o);
	if (!rc && optind < argc) {
		sub = argv[optind];
		if (strcmp(sub, "add") && strcmp(sub, "check")) {
			vb_error("history: unknown subcommand '%s': expected add or check, or "
				 "none; see 'vbench history --help'", sub);
			rc = -1;
		}
		optind++;
	}
	if (rc) {
		json_decref(o.f.params);
		return rc > 0 ? VB_EXIT_OK : VB_EXIT_USAGE;
	}
	if (!o.db)
		o.db = vb_history_default_db();
	if (sub && !strcmp(sub, "add")) {
		rc = add(&o, argc - optind, argv + optind);
	} else if (optind < argc) {
		vb_error("history: unexpected argument '%s': see 'vbench history --help'",
			 argv[optind]);
		rc = VB_EXIT_USAGE;
	} else {
		rc = show(&o, sub != NULL);
	}
	json_decref(o.f.params);
	return rc;
}
