/* history.h: the history store, every run's rows in SQLite or PostgreSQL under
 * one versioned schema, and the series, change points and checks read from it. */
#ifndef VB_HISTORY_H
#define VB_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "analysis/db.h"

#define VB_HISTORY_DB "results/history.sqlite"
#define VB_HISTORY_SCHEMA 2	/* the version this vbench writes; see history.c's migrations */

/* `--params footprint=16M,layout=page` (a history filter) into a new object
 * of name -> value text in *out (also on failure: the caller frees it).
 * -1 when a part is not NAME=VALUE or there is none. */
int vb_history_params_parse(const char *s, json_t **out);

/* The store to use when none is named: $VBENCH_DB, else VB_HISTORY_DB. */
const char *vb_history_default_db(void);

/* Open a store (vb_db_open) and bring its schema up to VB_HISTORY_SCHEMA.
 * create (writers): the store is made when missing. Readers (!create) open it
 * read-only and never create anything: a store without vbench's tables
 * (another application's database, an empty file) is refused; only an older
 * vbench schema is reopened to write, to migrate it.
 * NULL with err set: unreachable, locked, corrupt, not vbench's, or written
 * by a newer vbench. */
struct vb_db *vb_history_open(const char *url, bool create, char *err, size_t errlen);

/* The store's schema version (0: empty), and migration up to target, each
 * step in its own serialised transaction. Exposed for the migration test. */
int vb_history_version(struct vb_db *db, int *version, char *err, size_t errlen);
int vb_history_migrate(struct vb_db *db, int target, char *err, size_t errlen);

/*
 * Add a loaded run (all its rows, with samples, stats, counters, host record
 * and labels) in one transaction: whole or not at all. 0 added, 1 already
 * in the store (nothing done), -1 with err set when the run cannot be added
 * (bad labels, no id), -2 when the store failed (locked, read-only, gone).
 */
int vb_history_add(struct vb_db *db, json_t *run, char *err, size_t errlen);

/*
 * Load the run in run_dir and add it to db: a URL or SQLite path, or NULL
 * for $VBENCH_DB, else history.sqlite beside the run folder (results/ for
 * runs in results/). 0 added, 1 already there, -1 with err set to one line.
 */
int vb_history_add_run(const char *run_dir, const char *db, char *err, size_t errlen);

/* Which rows make the series: NULL fields match everything. params: an
 * object name -> value text ("16M", "page"); by: a label splitting series. */
struct vb_history_filter {
	const char *bench, *mode, *pages, *by;
	const char *x;		/* a label ordering each series (version order), or NULL */
	json_t *params;
};

/*
 * The series of ok rows matching f: one per machine (the host record's
 * "machine", else the host name), bench, params, mode,
 * guest, pages and unit (and value of the `by` label), points in time order,
 * with their change points and the newest point against its segment, tested
 * at alpha with changes below min_change ignored. A new array of objects:
 * { "key": {machine, bench, params, mode, guest, pages, unit}, "unit",
 *   "higher_is_better", "points": [ {run, index, started, host, labels, x?,
 *   median, ci95_low, ci95_high, n, change_point?} ],
 *   "changes": [ {run, index, change, p_samples, p_runs, direction} ],
 *   "newest": {run, change, p_samples, p_runs, verdict} }
 * points in time order, or with f->x in the order of that label's value
 * (versions: 6.9 before 6.12; runs without it first), which the change
 * points then follow; index numbers the store's runs oldest first; verdict is
 * "regression", "improvement", "none" or "too few runs".
 */
json_t *vb_history_series(struct vb_db *db, const struct vb_history_filter *f, double alpha,
			  double min_change, char *err, size_t errlen);

#endif
