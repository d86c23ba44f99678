/* cmd_report.c: `vbench report RUN`, report.md in the run folder (or on stdout). */
#include <getopt.h>
#include <stdio.h>

#include "analysis/report.h"
#include "analysis/runfile.h"
#include "harness/cmds.h"
#include "harness/cmdutil.h"
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
	while ((c = getopt_long(argc, argv, "sh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			to_stdout = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return VB_EXIT_OK;
		default:
			return vb_cmd_bad_option("report", "sh", argv);
		}
	}
	run = vb_cmd_load_run("report", argc, argv, dir, sizeof(dir), &rc);
	if (!run)
		return rc;
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
