/* guestrun.h: what every guest uses to run a point's vbench-guest and record
 * it (harness/guestrun.c): the row's status, vbench-guest's argv, running it. */
#ifndef VB_GUESTRUN_H
#define VB_GUESTRUN_H

#include <jansson.h>

#include "harness/point.h"

/* vbench-guest's argv for a point (docs/guest-protocol.md), argv[0] being
 * opts->guest_bin; strings are malloc'd, out is NULL-terminated. Returns argc or -1. */
int vb_guest_argv(const struct vb_point *pt, const struct vb_run_opts *opts, char **out, int max);

/* Run a vbench-guest command line (argv: vbench-guest itself, or ssh running
 * it on a target) and take its one result into row as untrusted output; on
 * anything else the row fails with a reason naming `who`. stdin_path feeds
 * the child (NULL: /dev/null, and the child is pinned to o->affinity).
 * Returns 0 once the row has a status. */
int vb_guest_exec(char *const argv[], const char *stdin_path, const struct vb_run_opts *o,
		  json_t *row, const char *who);

/* Set status "skipped"/"failed" with a printf reason; returns 0. */
__attribute__((format(printf, 3, 4)))
int vb_row_status(json_t *row, const char *status, const char *fmt, ...);

#endif
