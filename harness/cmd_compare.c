/* cmd_compare.c: `vbench compare A B`, the regression check between two runs;
 * exit 1 on a significant regression so CI can gate on it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare.h"
#include "analysis/runfile.h"
#include "harness/cmds.h"
#include "harness/cmdutil.h"
#include "lib/error.h"

static const char usage[] =
	"usage: vbench compare [--threshold PCT] [--json] BASELINE NEW\n"
	"\n"
	"Compare two runs (run folders, run.json or results.jsonl files). Rows are\n"
	"matched by bench, params, mode, guest and pages requested. A row regresses\n"
	"when its median moved in the worse direction by more than the threshold AND\n"
	"a two-sided Mann-Whitney U test on the raw samples gives p < 0.01 (when a\n"
	"side has no samples: the 95% CIs of the medians do not overlap).\n"
	"Units ending in \"/s\" are rates (higher is better); others are costs per\n"
	"operation (lower is better).\n"
	"\n"
	"  -t, --threshold PCT  relative change that matters: \"5%\" or 0.05 (default 5%)\n"
	"  -j, --json           print the comparison as JSON (schema vbench.compare/1)\n"
	"  -h, --help           this text\n"
	"\n"
	"Exit status: 0 no significant regression, 1 at least one, 2 bad input.\n";

/* "5%" is a percentage, "0.05" a fraction; a bare "5" is refused because
 * it is ambiguous (500% or 5%?). */
static int parse_threshold(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || v < 0 || v != v)
		return -1;
	if (strcmp(end, "%") == 0)
		v /= 100;
	else if (*end || v >= 1)
		return -1;
	*out = v;
	return 0;
}

int cmd_compare(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "threshold", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vb_compare_opts opts = { VB_COMPARE_THRESHOLD, VB_COMPARE_ALPHA };
	json_t *a, *b, *report;
	bool as_json = false;
	char err[1024];
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "t:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (parse_threshold(optarg, &opts.threshold)) {
				vb_error("compare: bad --threshold '%s': give a percentage (5%%) or a fraction (0.05)", optarg);
				return VB_EXIT_USAGE;
			}
			break;
		case 'j':
			as_json = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return VB_EXIT_OK;
		default:
			return vb_cmd_bad_option("compare", "t:jh", argv);
		}
	}
	if (argc - optind != 2) {
		vb_error("compare: expected two runs (BASELINE NEW), got %d; see vbench compare --help", argc - optind);
		return VB_EXIT_USAGE;
	}
	a = vb_run_load(argv[optind], err, sizeof(err));
	if (!a) {
		vb_error("compare: %s", err);
		return VB_EXIT_USAGE;
	}
	b = vb_run_load(argv[optind + 1], err, sizeof(err));
	if (!b) {
		json_decref(a);
		vb_error("compare: %s", err);
		return VB_EXIT_USAGE;
	}
	report = vb_compare_runs(a, b, &opts);
	json_object_set_new(report, "baseline_path", json_string(argv[optind]));
	json_object_set_new(report, "new_path", json_string(argv[optind + 1]));
	if (as_json) {
		json_dumpf(report, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
		fputc('\n', stdout);
	} else {
		vb_compare_print(stdout, report);
	}
	rc = vb_compare_regressions(report) ? VB_EXIT_FAIL : VB_EXIT_OK;
	json_decref(report);
	json_decref(a);
	json_decref(b);
	return rc;
}
