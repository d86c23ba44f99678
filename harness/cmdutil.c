/* cmdutil.c: option errors and RUN arguments handled once for all commands. */
#include "harness/cmdutil.h"
#include "analysis/runfile.h"
#include "harness/spool.h"
#include "lib/error.h"

#include <getopt.h>
#include <string.h>

int vb_cmd_bad_option(const char *cmd, const char *optstring, char **argv)
{
	const char *word = argv[optind - 1];
	const char *in_short = optopt && optopt < 256 ? strchr(optstring, optopt) : NULL;
	/* getopt sets optopt for a known option whose value is missing; for an
	 * unknown long option it leaves 0, for an unknown short one the letter. */
	bool needs_value = optopt && (!strncmp(word, "--", 2) || (in_short && in_short[1] == ':'));

	if (needs_value)
		vb_error("%s: option '%s' needs a value: see 'vbench %s --help'", cmd, word, cmd);
	else if (optopt && optopt < 256 && strncmp(word, "--", 2))
		vb_error("%s: unknown option '-%c': see 'vbench %s --help'", cmd, optopt, cmd);
	else
		vb_error("%s: unknown option '%s': see 'vbench %s --help'", cmd, word, cmd);
	return VB_EXIT_USAGE;
}

json_t *vb_cmd_load_run(const char *cmd, int argc, char **argv, char *dir, size_t dirlen, int *rc)
{
	char err[1024];
	json_t *run;

	*rc = VB_EXIT_USAGE;
	if (argc - optind != 1) {
		vb_error("%s: expected one run, got %d: see 'vbench %s --help'", cmd, argc - optind,
			 cmd);
		return NULL;
	}
	run = vb_run_load(argv[optind], err, sizeof(err));
	if (!run) {
		vb_error("%s: %s", cmd, err);
		return NULL;
	}
	if (vb_run_dir(argv[optind], dir, dirlen)) {
		json_decref(run);
		vb_error("%s: %s: path too long", cmd, argv[optind]);
		return NULL;
	}
	*rc = VB_EXIT_OK;
	return run;
}

void vb_cmd_print_json(const char *kind, json_t *doc, size_t flags)
{
	json_dumpf(doc, stdout, flags);
	fputc('\n', stdout);
	vb_spool_doc(kind, doc);
}
