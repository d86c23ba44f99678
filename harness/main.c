/* main.c: the vbench command: dispatch to one subcommand from a table. */
#include "harness/cmds.h"
#include "lib/error.h"
#include "lib/fds.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "run", cmd_run, "run a plan: benches x modes x pages, and write a run folder" },
	{ "list", cmd_list, "benches, modes, guests, page sizes, and what this host can do" },
	{ "env", cmd_env,
	  "what this host is: CPU, PMU, KVM flavour and paging mode, THP, hugepages, topology" },
	{ "compare", cmd_compare,
	  "regression check between two runs (exit 1 on a significant regression)" },
	{ "plot", cmd_plot, "gnuplot figures from a run" },
	{ "report", cmd_report, "a readable report of a run (tables and figures)" },
	{ "baseline", cmd_baseline, "keep a run under a name to compare against: save, list, rm" },
	{ "history", cmd_history,
	  "every run's rows over time, change points; 'history check' for CI" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: vbench <command> [options]\n\n"
		   "vbench measures what shadow paging and SLAT (EPT, NPT) cost, under 4K, 2M\n"
		   "and 1G pages in both the guest and the host dimension.\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\n'vbench <command> --help' shows a command's options.\n"
		   "exit status: 0 ok, 1 failed rows or a regression, 2 bad input, 3 the host "
		   "cannot do what was asked, 4 internal error\n");
}

int main(int argc, char **argv)
{
	/* What our parent left open is not for the programs we start. */
	vb_fds_cloexec_from(3);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("vbench %s\n", VB_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	vb_error("unknown command '%s': see 'vbench --help'", argv[1]);
	return 2;
}
