/* cmds.h: one function per subcommand (one file each, cmd_<name>.c), called
 * from main.c's table with argv[0] being the subcommand's name. */
#ifndef VB_CMDS_H
#define VB_CMDS_H

int cmd_run(int argc, char **argv);
int cmd_list(int argc, char **argv);
/* `vbench list events`, reached through cmd_list. */
int cmd_list_events(int argc, char **argv);
int cmd_env(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_history(int argc, char **argv);

/* vb_self_dir(), the folder of the running binary, is in lib/text.h. */
#include "lib/text.h"

#endif
