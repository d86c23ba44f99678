/* cmdutil.h: what every subcommand's option handling shares, so all of
 * them complain in one shape. */
#ifndef VB_CMDUTIL_H
#define VB_CMDUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

/* One option of a command, declared once: the getopt_long table, the usage
 * text and the "given twice" check are all made from a command's array of
 * these, ended by a row of zeros. A row stores its value in a field of the
 * command's flags struct (VB_OPT_STR, VB_OPT_BOOL) or hands it to set(). */
enum vb_opt_kind { VB_OPT_STR, VB_OPT_BOOL, VB_OPT_FN, VB_OPT_HELP };

struct vb_opt {
	const char *name;	/* long name without "--", or NULL for a letter only */
	char letter;		/* short name, or 0 */
	const char *arg;	/* the value's name in the usage; NULL: takes no value */
	enum vb_opt_kind kind;
	size_t field;		/* STR, BOOL: offsetof() the field in the flags struct */
	/* FN: check and store arg; -1 after printing one error line */
	int (*set)(void *flags, const char *arg);
	bool repeat;		/* may be given more than once */
	const char *help;	/* usage text, '\n' between lines; NULL: an unlisted alias */
};

/* A command's options with the text around them in its usage. */
struct vb_opt_cmd {
	const char *name;	/* "list events": in messages */
	const char *head;	/* the usage above the options */
	const struct vb_opt *opts;
	const char *tail;	/* below them, or NULL */
};

#define VB_OPTS_MAX 64

/* Print the usage: head, one line (or more) per option, tail. */
void vb_opt_usage(FILE *out, const struct vb_opt_cmd *c);

/* getopt_long over c->opts, storing into flags. Returns optind, the first
 * argument that is not an option (GNU getopt moves them all to the end);
 * 0 after --help printed the usage; -1 after one error line for an unknown
 * option, a missing value, an option given twice (without repeat) or a
 * value set() refused: the command then exits VB_EXIT_USAGE. */
int vb_opt_parse(const struct vb_opt_cmd *c, int argc, char **argv, void *flags);

/* After getopt_long returned '?' (with opterr = 0): print "vbench: <cmd>:
 * unknown option 'X'" or "option 'X' needs a value", with a pointer to
 * --help. Returns VB_EXIT_USAGE. */
int vb_cmd_bad_option(const char *cmd, const char *optstring, char **argv);

/* The one RUN argument of plot and report: the run loaded, its folder in
 * dir. NULL after printing one error line; *rc then holds the exit code. */
json_t *vb_cmd_load_run(const char *cmd, int argc, char **argv, char *dir, size_t dirlen, int *rc);

/* Print a --json document to stdout (flags as for json_dumpf) and a
 * newline; a copy goes to the schema check's spool (harness/spool.h) under
 * kind, the document's $defs name in schema/vbench.schema.json. */
void vb_cmd_print_json(const char *kind, json_t *doc, size_t flags);

#endif
