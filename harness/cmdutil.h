/* cmdutil.h: what every subcommand's option handling shares, so all of
 * them complain in one shape. */
#ifndef VB_CMDUTIL_H
#define VB_CMDUTIL_H

#include <stddef.h>
#include <jansson.h>

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
