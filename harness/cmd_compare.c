/* cmd_compare.c: `vbench compare A B`, the regression check between two runs;
 * exit 1 on a significant regression so CI can gate on it. */
#include <getopt.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/baseline.h"
#include "analysis/compare.h"
#include "analysis/junit.h"
#include "analysis/runfile.h"
#include "harness/cmds.h"
#include "harness/cmdutil.h"
#include "lib/error.h"

static const char usage[] =
	"usage: vbench compare [--threshold PCT] [--json] [--junit FILE] [--markdown FILE]\n"
	"                      BASELINE NEW\n"
	"       vbench compare --baseline NAME [--baseline-dir DIR] [...] NEW\n"
	"\n"
	"Compare two runs (run folders, run.json or results.jsonl files). Rows are\n"
	"matched by bench, params, mode, guest and pages requested. A row regresses\n"
	"when its median moved in the worse direction by more than the threshold AND\n"
	"the change is significant at p < 0.01: Welch's t test on the invocation\n"
	"medians when both rows have several invocations, else a two-sided\n"
	"Mann-Whitney U test on the raw samples (when a side has no samples: the\n"
	"95% CIs of the medians do not overlap). Each row shows the 95% bootstrap CI\n"
	"of the change (ratio of medians). Units ending in \"/s\" are rates (higher\n"
	"is better); others are costs per operation (lower is better).\n"
	"It fails closed: rows ok in the baseline that are missing, failed or skipped\n"
	"in the new run are listed as LOST and fail the comparison, and so does a\n"
	"pair of runs without a single comparable row. A different host CPU, kernel,\n"
	"KVM flavour or vbench version is warned about on stderr.\n"
	"\n";

/* "5%" is a percentage, "0.05" a fraction; a bare "5" is refused because
 * it is ambiguous (500% or 5%?). */
static int parse_threshold(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	/* inf% would switch detection off, and nan compares false with everything. */
	if (end == s || !isfinite(v) || v < 0)
		return -1;
	if (strcmp(end, "%") == 0)
		v /= 100;
	else if (*end || v >= 1)
		return -1;
	*out = v;
	return 0;
}

/* What the comparison found beyond regressions, as one stderr line each:
 * host warnings, then why it fails closed. Returns the exit code. */
static int verdict(json_t *report, const char *new_path)
{
	json_t *w;
	size_t i, lost = vb_compare_lost(report);

	json_array_foreach(json_object_get(report, "warnings"), i, w)
		vb_warn("compare: %s: the change may come from that", json_string_value(w));
	if (!vb_compare_comparable(report)) {
		vb_error("compare: no comparable row: no row is ok in both the baseline and %s "
			 "(see the table): rerun it, or compare runs of the same plan", new_path);
		return VB_EXIT_FAIL;
	}
	if (lost) {
		vb_error("compare: %zu row(s) ok in the baseline are missing, failed or skipped "
			 "in %s (listed as LOST)", lost, new_path);
		return VB_EXIT_FAIL;
	}
	return vb_compare_regressions(report) ? VB_EXIT_FAIL : VB_EXIT_OK;
}

/* "ptrchase footprint=16M native/none 4k" */
static void row_name(json_t *r, char *buf, size_t len)
{
	json_t *fake = json_pack("{s:O}", "params", json_object_get(r, "params"));
	char params[200];

	vb_row_params_text(fake, NULL, params, sizeof(params));
	json_decref(fake);
	snprintf(buf, len, "%s %s %s/%s %s", json_string_value(json_object_get(r, "bench")) ?: "?",
		 params, json_string_value(json_object_get(r, "mode")) ?: "?",
		 json_string_value(json_object_get(r, "guest")) ?: "?",
		 json_string_value(json_object_get(r, "pages")) ?: "?");
}

/* One JUnit case a matched row, and one failed case a lost row. */
static size_t compare_cases(json_t *report, struct vb_junit_case *c, char (*b)[3][512])
{
	size_t n = 0, i;
	json_t *r;

	json_array_foreach(json_object_get(report, "rows"), i, r) {
		const char *v = json_string_value(json_object_get(r, "verdict")) ?: "unavailable";
		double ch = json_number_value(json_object_get(r, "change"));

		row_name(r, b[n][0], 512);
		snprintf(b[n][1], 512, "%s: %+.1f%% (%s)", v, 100 * ch,
			 json_string_value(json_object_get(r, "test")) ?: "none");
		snprintf(b[n][2], 512, "vbench.compare.%s",
			 json_string_value(json_object_get(r, "bench")) ?: "?");
		c[n] = (struct vb_junit_case){ .classname = b[n][2], .name = b[n][0] };
		if (!strcmp(v, "regression"))
			c[n].failure = b[n][1];
		else if (!strcmp(v, "unavailable"))
			c[n].skipped = "not comparable: a side has no ok row";
		else
			c[n].detail = b[n][1];
		n++;
	}
	json_array_foreach(json_object_get(report, "lost"), i, r) {
		row_name(r, b[n][0], 512);
		snprintf(b[n][1], 512, "lost: ok in the baseline, %s in the new run",
			 json_string_value(json_object_get(r, "new_status")) ?: "missing");
		snprintf(b[n][2], 512, "vbench.compare.%s",
			 json_string_value(json_object_get(r, "bench")) ?: "?");
		c[n] = (struct vb_junit_case){ .classname = b[n][2], .name = b[n][0],
					       .failure = b[n][1] };
		n++;
	}
	return n;
}

/* --junit and --markdown: the comparison for a CI job's page. */
static int ci_reports(json_t *report, const char *junit, const char *markdown)
{
	size_t cap = json_array_size(json_object_get(report, "rows")) +
		     json_array_size(json_object_get(report, "lost")) + 1, n, failed = 0;
	struct vb_junit_case *c = calloc(cap, sizeof(*c));
	char (*b)[3][512] = calloc(cap, sizeof(*b)), err[512];
	int rc = 0;

	if (!c || !b)
		abort();
	n = compare_cases(report, c, b);
	for (size_t i = 0; i < n; i++)
		failed += c[i].failure != NULL;
	if (junit && vb_junit_write(junit, "vbench compare", c, n, err, sizeof(err))) {
		vb_error("compare: --junit: %s", err);
		rc = -1;
	}
	if (markdown) {
		FILE *f = fopen(markdown, "a");

		if (!f) {
			vb_error("compare: --markdown: %s: cannot append", markdown);
			rc = -1;
		} else {
			fprintf(f, "### vbench compare: %s\n\n%zu rows, %zu failed (a regression "
				"or "
				"lost), against %s\n\n", failed ? "FAILED" : "ok", n, failed,
				json_string_value(json_object_get(report, "baseline")) ?: "?");
			for (size_t i = 0; i < n; i++)
				if (c[i].failure)
					fprintf(f, "- **%s** %s\n", c[i].failure, c[i].name);
			fputc('\n', f);
			fclose(f);
		}
	}
	free(c);
	free(b);
	return rc;
}

static json_t *load(const char *path)
{
	char err[1024];
	json_t *run = vb_run_load(path, err, sizeof(err));

	if (!run)
		vb_error("compare: %s", err);
	return run;
}

struct compare_flags {
	double threshold;
	const char *base_name, *base_dir, *junit, *markdown;
	bool json;
};

static int set_threshold(void *p, const char *a)
{
	if (parse_threshold(a, &((struct compare_flags *)p)->threshold))
		return vb_error("compare: bad --threshold '%s': give a percentage (5%%) "
				"or a fraction (0.05)", a);
	return 0;
}

#define CMP_STR(n, l, arg, fld, h) \
	{ n, l, arg, VB_OPT_STR, offsetof(struct compare_flags, fld), NULL, false, h }

static const struct vb_opt compare_options[] = {
	{ "threshold", 't', "PCT", VB_OPT_FN, 0, set_threshold, false,
	  "relative change that matters: \"5%\" or 0.05 (default 5%)" },
	CMP_STR("baseline", 'b', "NAME", base_name,
		"compare against the baseline NAME ('vbench baseline')"),
	CMP_STR("baseline-dir", 0, "D", base_dir,
		"where baselines are kept (default " VB_BASELINE_DIR ")"),
	{ "json", 'j', NULL, VB_OPT_BOOL, offsetof(struct compare_flags, json), NULL, false,
	  "print the comparison as JSON (schema vbench.compare/1)" },
	CMP_STR("junit", 0, "FILE", junit, "also write JUnit XML: one test case a row (failed: a\n"
		"regression or a lost row; skipped: not comparable)"),
	CMP_STR("markdown", 0, "FILE", markdown,
		"also append a Markdown summary (e.g. $GITHUB_STEP_SUMMARY)"),
	{ "help", 'h', NULL, VB_OPT_HELP, 0, NULL, false, "this text" },
	{ NULL, 0, NULL, 0, 0, NULL, false, NULL },
};

static const struct vb_opt_cmd compare_cmd = {
	"compare", usage, compare_options,
	"\n"
	"Exit status: 0 no significant regression and nothing lost; 1 a regression,\n"
	"a lost row or no comparable row; 2 bad input.\n",
};

int cmd_compare(int argc, char **argv)
{
	struct compare_flags f = { .threshold = VB_COMPARE_THRESHOLD,
				   .base_dir = VB_BASELINE_DIR };
	const char *junit, *markdown;
	struct vb_compare_opts opts = { VB_COMPARE_THRESHOLD, VB_COMPARE_ALPHA };
	const char *base_name, *base_dir, *pa, *pb;
	json_t *a, *b, *report;
	bool as_json;
	char err[1024], base_path[4096];
	int rc, want;

	if ((rc = vb_opt_parse(&compare_cmd, argc, argv, &f)) <= 0)
		return rc ? VB_EXIT_USAGE : VB_EXIT_OK;
	opts.threshold = f.threshold;
	base_name = f.base_name;
	base_dir = f.base_dir;
	junit = f.junit;
	markdown = f.markdown;
	as_json = f.json;
	want = base_name ? 1 : 2;
	if (argc - optind != want) {
		vb_error("compare: expected %s, got %d argument(s): see vbench compare --help",
			 base_name ? "one run (NEW) after --baseline NAME" :
				     "two runs (BASELINE NEW)",
			 argc - optind);
		return VB_EXIT_USAGE;
	}
	if (base_name) {
		if (vb_baseline_path(base_dir, base_name, base_path, sizeof(base_path), err,
				     sizeof(err))) {
			vb_error("compare: %s", err);
			return VB_EXIT_USAGE;
		}
		pa = base_path;
	} else {
		pa = argv[optind];
	}
	pb = argv[argc - 1];
	a = load(pa);
	if (!a)
		return VB_EXIT_USAGE;
	b = load(pb);
	if (!b) {
		json_decref(a);
		return VB_EXIT_USAGE;
	}
	report = vb_compare_runs(a, b, &opts);
	json_object_set_new(report, "baseline_path", json_string(pa));
	json_object_set_new(report, "new_path", json_string(pb));
	if (base_name)
		json_object_set_new(report, "baseline_name", json_string(base_name));
	if (as_json) {
		vb_cmd_print_json("compare", report, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	} else {
		vb_compare_print(stdout, report);
	}
	rc = verdict(report, pb);
	if ((junit || markdown) && ci_reports(report, junit, markdown) < 0 && rc == VB_EXIT_OK)
		rc = VB_EXIT_ENV;
	json_decref(report);
	json_decref(a);
	json_decref(b);
	return rc;
}
