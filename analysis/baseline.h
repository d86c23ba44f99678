/* baseline.h: named baselines, runs kept under results/baselines/NAME/ as
 * ordinary run folders, to compare later runs against. */
#ifndef VB_BASELINE_H
#define VB_BASELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#define VB_BASELINE_DIR "results/baselines"

/* dir/name into buf after checking name: 1 to 64 of [A-Za-z0-9._-], not
 * starting with a dot. -1 with err set otherwise. */
int vb_baseline_path(const char *dir, const char *name, char *buf, size_t len,
		     char *err, size_t errlen);

/*
 * Load the run at run_path (checked as vb_run_load checks it) and keep it
 * as dir/name/run.json, creating dir as needed. The folder appears whole
 * (written aside, then renamed into place). An existing baseline of that
 * name is replaced only when force is true. 0, or -1 with err set.
 */
int vb_baseline_save(const char *run_path, const char *dir, const char *name, bool force,
		     char *err, size_t errlen);

/* The baselines under dir, sorted by name: a new array of {name, id,
 * started, hostname, rows}; an empty array when dir does not exist. NULL
 * with err set when dir cannot be read. A folder that does not load as a
 * run is listed with "error" instead of id. */
json_t *vb_baseline_list(const char *dir, char *err, size_t errlen);

/* Remove dir/name and everything in it (symlinks are removed, never
 * followed). -1 with err set when there is no such baseline. */
int vb_baseline_rm(const char *dir, const char *name, char *err, size_t errlen);

#endif
