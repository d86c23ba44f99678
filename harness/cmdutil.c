/* cmdutil.c: option errors and RUN arguments handled once for all commands. */
#include "harness/cmdutil.h"
#include "analysis/runfile.h"
#include "harness/spool.h"
#include "lib/error.h"

#include <getopt.h>
#include <string.h>

/* The usage's option column: help text starts after it. */
#define VB_OPT_COL 19

void vb_opt_usage(FILE *out, const struct vb_opt_cmd *c)
{
	fputs(c->head, out);
	for (const struct vb_opt *o = c->opts; o->name || o->letter; o++) {
		char left[128];
		const char *h = o->help, *nl;

		if (!h)
			continue;
		if (o->name && o->letter)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->letter, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else if (o->name)
			snprintf(left, sizeof(left), "--%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "-%c%s%s", o->letter, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		fprintf(out, "  %-*s  ", VB_OPT_COL, left);
		while ((nl = strchr(h, '\n'))) {
			fprintf(out, "%.*s\n%*s", (int)(nl - h), h, VB_OPT_COL + 4, "");
			h = nl + 1;
		}
		fprintf(out, "%s\n", h);
	}
	if (c->tail)
		fputs(c->tail, out);
}

/* The getopt_long table and short-option string of opts; returns the rows. */
static int opt_tables(const struct vb_opt *opts, struct option *lo, char *shorts)
{
	int n = 0, nl = 0;
	size_t k = 0;

	for (; opts[n].name || opts[n].letter; n++) {
		if (n >= VB_OPTS_MAX)
			vb_die(VB_EXIT_INTERNAL, "more than %d options in one table", VB_OPTS_MAX);
		if (opts[n].name)
			lo[nl++] = (struct option){ opts[n].name,
						    opts[n].arg ? required_argument : no_argument,
						    NULL, 256 + n };
		if (opts[n].letter) {
			shorts[k++] = opts[n].letter;
			if (opts[n].arg)
				shorts[k++] = ':';
		}
	}
	lo[nl] = (struct option){ NULL, 0, NULL, 0 };
	shorts[k] = '\0';
	return n;
}

/* The row getopt_long's return value c stands for, or -1. */
static int opt_row(const struct vb_opt *opts, int n, int c)
{
	if (c >= 256)
		return c - 256 < n ? c - 256 : -1;
	for (int i = 0; i < n && c != '?'; i++)
		if (opts[i].letter == c)
			return i;
	return -1;
}

int vb_opt_parse(const struct vb_opt_cmd *cmd, int argc, char **argv, void *flags)
{
	struct option lo[VB_OPTS_MAX + 1];
	char shorts[2 * VB_OPTS_MAX + 1];
	bool seen[VB_OPTS_MAX] = { false };
	int n = opt_tables(cmd->opts, lo, shorts), c, i;

	opterr = 0;
	optind = 0;	/* 0: GNU getopt starts afresh, permuting */
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		const struct vb_opt *o;

		if ((i = opt_row(cmd->opts, n, c)) < 0) {
			vb_cmd_bad_option(cmd->name, shorts, argv);
			return -1;
		}
		o = &cmd->opts[i];
		if (seen[i] && !o->repeat) {
			if (o->name)
				vb_error("%s: --%s given twice: give it once", cmd->name, o->name);
			else
				vb_error("%s: -%c given twice: give it once", cmd->name, o->letter);
			return -1;
		}
		seen[i] = true;
		switch (o->kind) {
		case VB_OPT_STR: *(const char **)((char *)flags + o->field) = optarg; break;
		case VB_OPT_BOOL: *(bool *)((char *)flags + o->field) = true; break;
		case VB_OPT_FN:
			if (o->set(flags, optarg) < 0)
				return -1;
			break;
		case VB_OPT_HELP:
			vb_opt_usage(stdout, cmd);
			return 0;
		}
	}
	return optind;
}

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
