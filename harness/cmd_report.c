/* cmd_report.c: `vbench report RUN`, report.md in the run folder (or on stdout). */
#include <getopt.h>
#include <stdio.h>

#include "analysis/report.h"
#include "analysis/runfile.h"
#include "harness/cmds.h"
#include "lib/error.h"

static const char usage[] =
	"usage: vbench report [--stdout] RUN\n"
	"\n"
	"Write " VB_REPORT_FILE " into the folder of RUN (a run folder, run.json or\n"
	"results.jsonl): host, plan, summary tables, the figures of `vbench plot` when\n"
	"present, skipped and failed rows with their reasons, and notes. Prints its path.\n"
	"\n"
	"  -s, --stdout  print the report instead of writing the file\n"
	"  -h, --help    this text\n"
	"\n"
	"Exit status: 0 written, 2 bad input, 4 the file could not be written.\n";

int cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "stdout", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool to_stdout = false;
	char err[1024], dir[4096];
	json_t *run;
	int c, rc = VB_EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+sh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			to_stdout = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return VB_EXIT_OK;
		default:
			/* getopt was silenced (opterr = 0) so the message has our shape. */
			if (optopt)
				vb_error("report: unknown option or missing value for '-%c'; see vbench report --help", optopt);
			else
				vb_error("report: unknown option or missing value in '%s'; see vbench report --help",
					 argv[optind - 1]);
			return VB_EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		vb_error("report: expected one run, got %d; see vbench report --help", argc - optind);
		return VB_EXIT_USAGE;
	}
	run = vb_run_load(argv[optind], err, sizeof(err));
	if (!run) {
		vb_error("report: %s", err);
		return VB_EXIT_USAGE;
	}
	if (vb_run_dir(argv[optind], dir, sizeof(dir))) {
		json_decref(run);
		vb_error("report: %s: path too long", argv[optind]);
		return VB_EXIT_USAGE;
	}
	if (to_stdout) {
		vb_report_write(stdout, run, dir);
	} else if (vb_report_save(run, dir, err, sizeof(err))) {
		vb_error("report: %s", err);
		rc = VB_EXIT_INTERNAL;
	} else {
		printf("%s/%s\n", dir, VB_REPORT_FILE);
	}
	json_decref(run);
	return rc;
}
