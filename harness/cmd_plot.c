/* cmd_plot.c: `vbench plot RUN`, gnuplot figures written into the run folder. */
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/costmodel.h"
#include "analysis/plot.h"
#include "analysis/runfile.h"
#include "harness/cmds.h"
#include "harness/cmdutil.h"
#include "lib/atomicfile.h"
#include "lib/error.h"

static const char usage[] =
	"usage: vbench plot [--no-render] [--out DIR] RUN\n"
	"\n"
	"Write figures of a run (folder, run.json or results.jsonl) into its folder, each as\n"
	"PNG and SVG, one colour per mode, log y where values span more than a decade:\n"
	"  ratio-<kind>             shadow / SLAT, guest / native and page mix / 4k:4k ratios\n"
	"                           with bootstrap 95% CI whiskers and a line at 1\n"
	"  heatmap-<bench>-<params>-<mode>-<guest>\n"
	"                           guest x host page size, each cell's median and ratio to 4k:4k\n"
	"  sweep-<bench>            median by footprint (footprint=0 included), a curve per\n"
	"                           mode x pages, for each bench run at several footprints\n"
	"  bar-<bench>-<params>     median with 95% CI error bars across mode x pages\n"
	"  costmodel                the cost model's crossover: the context-switch rate above\n"
	"                           which SLAT wins, per page mix (runs with shadow and SLAT "
	"rows)\n"
	"with their .dat files and the script " VB_PLOT_SCRIPT ", then run gnuplot on it.\n"
	"\n";

struct plot_flags {
	bool no_render;
	const char *out;
};

static const struct vb_opt plot_options[] = {
	{ "no-render", 'n', NULL, VB_OPT_BOOL, offsetof(struct plot_flags, no_render), NULL, false,
	  "write the .dat files and the script only" },
	{ "out", 'o', "DIR", VB_OPT_STR, offsetof(struct plot_flags, out), NULL, false,
	  "write into DIR, made when missing, never a symbolic link\n"
	  "(default: the folder of RUN)" },
	{ "help", 'h', NULL, VB_OPT_HELP, 0, NULL, false, "this text" },
	{ NULL, 0, NULL, 0, 0, NULL, false, NULL },
};

static const struct vb_opt_cmd plot_cmd = {
	"plot", usage, plot_options,
	"\n"
	"Exit status: 0 written, 2 bad input, 3 gnuplot missing or --out not a writable folder,\n"
	"4 gnuplot or a write failed.\n",
};

/* The cost model's crossover (analysis/costmodel.c), written and rendered
 * the way the other figures are (no link in the folder is followed). */
static int costmodel_write(void *arg, const char *work, json_t *files, char *err, size_t errlen)
{
	int mixes = vb_costmodel_plot_write(vb_run_results(arg), work, err, errlen);

	if (mixes > 0) {
		json_array_append_new(files, json_string("costmodel.dat"));
		json_array_append_new(files, json_string(VB_COSTMODEL_SCRIPT));
		json_array_append_new(files, json_string("costmodel.png"));
	}
	return mixes;
}

static int costmodel_figure(json_t *run, const char *dir, json_t *files, bool render)
{
	char err[1024];
	json_t *mine = json_array();
	int r = vb_plot_fresh(dir, costmodel_write, run, VB_COSTMODEL_SCRIPT, render, mine, err,
			      sizeof(err));

	json_array_extend(files, mine);
	json_decref(mine);
	if (r < 0) {
		vb_error("plot: %s", err);
		return VB_EXIT_INTERNAL;
	}
	return VB_EXIT_OK;
}

int cmd_plot(int argc, char **argv)
{
	struct plot_flags f = { false, NULL };
	bool render;
	const char *out;
	char err[1024], dir[4096];
	json_t *run, *files, *v;
	int figures, rc = VB_EXIT_OK;
	size_t i;

	if ((rc = vb_opt_parse(&plot_cmd, argc, argv, &f)) <= 0)
		return rc ? VB_EXIT_USAGE : VB_EXIT_OK;
	rc = VB_EXIT_OK;
	render = !f.no_render;
	out = f.out;
	run = vb_cmd_load_run("plot", argc, argv, dir, sizeof(dir), &rc);
	if (!run)
		return rc;
	/* Check before writing anything, so a missing tool costs one clear line. */
	if (render && !vb_gnuplot_found()) {
		json_decref(run);
		vb_error("plot: gnuplot not found in PATH; `make deps` installs it (Debian: "
			 "gnuplot-nox)");
		return VB_EXIT_ENV;
	}
	if (out && vb_dir_make(out, err, sizeof(err)) < 0) {
		json_decref(run);
		vb_error("plot: --out: %s", err);
		return VB_EXIT_ENV;
	}
	if (out)
		snprintf(dir, sizeof(dir), "%s", out);
	files = json_array();
	figures = vb_plot_make(run, NULL, dir, render, files, err, sizeof(err));
	if (figures < 0) {
		vb_error("plot: %s", err);
		rc = VB_EXIT_ENV;	/* where it writes, or gnuplot: the host's refusal */
	} else if (figures == 0) {
		vb_error("plot: %s: no ok rows to plot", argv[optind]);
		rc = VB_EXIT_USAGE;
	}
	if (rc == VB_EXIT_OK)
		rc = costmodel_figure(run, dir, files, render);
	if (rc == VB_EXIT_OK)
		json_array_foreach(files, i, v)
			if (render || !strstr(json_string_value(v), ".png"))
				printf("%s/%s\n", dir, json_string_value(v));
	json_decref(files);
	json_decref(run);
	return rc;
}
