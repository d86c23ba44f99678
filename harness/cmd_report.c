/* cmd_report.c: `vbench report RUN [--against RUN2] [--format html|md] [--out DIR]`,
 * the HTML page and its Markdown twin, with the figures of `vbench plot`. */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/compare.h"
#include "analysis/plot.h"
#include "analysis/report.h"
#include "analysis/runfile.h"
#include "harness/cmds.h"
#include "harness/cmdutil.h"
#include "lib/atomicfile.h"
#include "lib/error.h"

static const char usage[] =
	"usage: vbench report [--against RUN2] [--format html|md] [--out DIR] [--no-figures]\n"
	"                     [--stdout | --json] RUN\n"
	"\n"
	"Write the report of RUN (a run folder, run.json or results.jsonl): " VB_REPORT_HTML
	", one\n"
	"self-contained page (figures inline as SVG, nothing fetched), and " VB_REPORT_FILE
	", its\n"
	"Markdown twin, beside the figures as PNG and SVG. Both hold the mode ratios (shadow / "
	"SLAT,\n"
	"guest / native, page mixes against 4k:4k, with bootstrap 95% CIs), the VMware papers'\n"
	"claims checked, every row with its CI, the walk metrics and KVM statistics, skipped and\n"
	"failed rows grouped by reason, the host record and the plan. Prints the paths written.\n"
	"\n";

struct flags {
	const char *against, *out;
	int formats;	/* bit 0: md, bit 1: html */
	bool figures, to_stdout, json;
};

static int set_format(void *p, const char *a)
{
	struct flags *fl = p;

	if (!strcmp(a, "md"))
		fl->formats = 1;
	else if (!strcmp(a, "html"))
		fl->formats = 2;
	else
		return vb_error("report: --format '%s': expected html or md", a);
	return 0;
}

static int set_no_figures(void *p, const char *a)
{
	(void)a;
	((struct flags *)p)->figures = false;
	return 0;
}

static const struct vb_opt report_options[] = {
	{ "against", 'a', "RUN2", VB_OPT_STR, offsetof(struct flags, against), NULL, false,
	  "also compare RUN against the baseline RUN2 (as `vbench compare RUN2 RUN`)" },
	{ "format", 'f', "FMT", VB_OPT_FN, 0, set_format, false,
	  "html or md: write only that one (default: both)" },
	{ "out", 'o', "DIR", VB_OPT_STR, offsetof(struct flags, out), NULL, false,
	  "write into DIR, made when missing, never a symbolic link\n"
	  "(default: the folder of RUN)" },
	{ "no-figures", 'n', NULL, VB_OPT_FN, 0, set_no_figures, false, "do not run gnuplot" },
	{ "stdout", 's', NULL, VB_OPT_BOOL, offsetof(struct flags, to_stdout), NULL, false,
	  "print the report (Markdown unless --format html) instead of writing it" },
	{ "json", 'j', NULL, VB_OPT_BOOL, offsetof(struct flags, json), NULL, false,
	  "print what the report says as JSON (schema vbench.report/1)" },
	{ "help", 'h', NULL, VB_OPT_HELP, 0, NULL, false, "this text" },
	{ NULL, 0, NULL, 0, 0, NULL, false, NULL },
};

static const struct vb_opt_cmd report_cmd = {
	"report", usage, report_options,
	"\n"
	"Without gnuplot the report is written without figures, and says so.\n"
	"Exit status: 0 written, 2 bad input, 3 --out not a writable folder, 4 a write failed.\n",
};

/* VB_EXIT_OK, -1 after --help, or VB_EXIT_USAGE. */
static int parse(int argc, char **argv, struct flags *fl)
{
	int n;

	*fl = (struct flags){ .formats = 3, .figures = true };
	if ((n = vb_opt_parse(&report_cmd, argc, argv, fl)) <= 0)
		return n ? VB_EXIT_USAGE : -1;
	return VB_EXIT_OK;
}

/* The figures, rendered into out; their names (no extension) into figs.
 * Without gnuplot, or when it fails, the report goes on without them. */
static void make_figures(json_t *run, json_t *cmp, const char *out, json_t *figs, const char **why,
			 char *err, size_t errlen)
{
	json_t *files = json_array(), *v;
	size_t i;

	if (!vb_gnuplot_found()) {
		*why = "No figures: gnuplot is not installed (make deps installs gnuplot-nox).";
		json_decref(files);
		return;
	}
	if (vb_plot_make(run, cmp, out, true, files, err, errlen) < 0) {
		vb_warn("report: figures: %s; the report is written without them", err);
		*why = "No figures: gnuplot or writing them failed (see the warning of vbench "
		       "report).";
		json_decref(files);
		return;
	}
	json_array_foreach(files, i, v) {
		const char *n = json_string_value(v);
		size_t len = strlen(n);

		if (len > 4 && !strcmp(n + len - 4, ".svg"))
			json_array_append_new(figs, json_stringn(n, len - 4));
	}
	json_decref(files);
}

static int write_all(json_t *run, const struct flags *fl, const char *out,
		     struct vb_report_opts *ro)
{
	static const enum vb_report_format fmts[] = { VB_REPORT_MD, VB_REPORT_HTML_PAGE };
	static const char *const names[] = { VB_REPORT_FILE, VB_REPORT_HTML };
	char err[1024];

	for (int k = 0; k < 2; k++) {
		if (!(fl->formats & (1 << k)))
			continue;
		if (vb_report_save(run, out, fmts[k], ro, err, sizeof(err))) {
			/* A link planted where it writes, an unwritable folder: the host's. */
			vb_error("report: %s", err);
			return VB_EXIT_ENV;
		}
		printf("%s/%s\n", out, names[k]);
	}
	return VB_EXIT_OK;
}

int cmd_report(int argc, char **argv)
{
	struct vb_report_opts ro = { 0 };
	struct flags fl;
	char err[1024], dir[4096];
	json_t *run, *figs = json_array(), *cmp = NULL;
	int rc = parse(argc, argv, &fl);

	if (rc) {
		json_decref(figs);
		return rc < 0 ? VB_EXIT_OK : rc;
	}
	run = vb_cmd_load_run("report", argc, argv, dir, sizeof(dir), &rc);
	if (!run) {
		json_decref(figs);
		return rc;
	}
	if (fl.against && !(ro.against = vb_run_load(fl.against, err, sizeof(err)))) {
		vb_error("report: --against: %s", err);
		rc = VB_EXIT_USAGE;
		goto out;
	}
	if (fl.out && vb_dir_make(fl.out, err, sizeof(err)) < 0) {
		vb_error("report: --out: %s", err);
		rc = VB_EXIT_ENV;
		goto out;
	}
	if (fl.json || fl.to_stdout) {
		if (fl.json) {
			json_t *m = vb_report_model(run, &ro);

			vb_cmd_print_json("report", m, JSON_INDENT(2) | JSON_ENSURE_ASCII);
			json_decref(m);
		} else {
			vb_report_write(stdout, run,
					fl.formats == 2 ? VB_REPORT_HTML_PAGE : VB_REPORT_MD, &ro);
		}
		goto out;
	}
	if (fl.figures) {
		if (ro.against) {
			struct vb_compare_opts co = { VB_COMPARE_THRESHOLD, VB_COMPARE_ALPHA };

			cmp = vb_compare_runs(ro.against, run, &co);
		}
		make_figures(run, cmp, fl.out ? fl.out : dir, figs, &ro.no_figures, err,
			     sizeof(err));
	} else {
		ro.no_figures = "No figures: --no-figures was given.";
	}
	ro.figdir = fl.out ? fl.out : dir;
	ro.figures = figs;
	rc = write_all(run, &fl, fl.out ? fl.out : dir, &ro);
out:
	json_decref(cmp);
	json_decref(figs);
	json_decref(ro.against);
	json_decref(run);
	return rc;
}
