/* runfile.h: load a run (folder, run.json or results.jsonl) as untrusted input,
 * and read result rows through type-checked accessors shared by compare, plot and report. */
#ifndef VB_RUNFILE_H
#define VB_RUNFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "lib/row.h"

#define VB_RUN_SCHEMA "vbench.run/1"

/* What a reader takes from one run file: at most this many rows (each
 * checked as it is read, so a bad one stops the reading at once) from at
 * most VB_RUN_FILE_MAX bytes; past either, the run is refused. */
#define VB_RUN_ROWS_MAX 1000000
#define VB_RUN_FILE_MAX_MIB 1024

/*
 * Load a run from a folder (its run.json; or, when that is missing after an
 * interrupted run, its results.jsonl), a run.json path, or a results.jsonl
 * path. Checks schema == "vbench.run/1", that results is an array of objects
 * each with string bench, mode and status, and that optional row fields have
 * the documented types. A rebuilt run has "complete": false and
 * "rebuilt_from": "results.jsonl"; a torn line (only ever a last line
 * without its newline) is skipped, and a jsonl with any other bad line or
 * with no complete line is an error.
 * Returns a new reference, or NULL with err set to one line.
 */
json_t *vb_run_load(const char *path_or_dir, char *err, size_t errlen);

/*
 * The checks of vb_run_load on text in memory (len bytes of buf, which need
 * not end in a NUL): a run.json document, or results.jsonl lines when jsonl.
 * name is used in messages. Returns a new reference or NULL with err set.
 */
json_t *vb_run_parse(const char *buf, size_t len, bool jsonl, const char *name, char *err,
		     size_t errlen);

/* The folder holding the run that path_or_dir names (path itself for a
 * folder, else its dirname) into buf; -1 when it does not fit. */
int vb_run_dir(const char *path_or_dir, char *buf, size_t len);

/* The results array of a loaded run (never NULL after vb_run_load). */
json_t *vb_run_results(json_t *run);

/* One param value as people write it: sizes with binary suffixes ("512M")
 * when the number is a whole multiple of 64K or more, words as they are. */
void vb_param_value_text(json_t *v, char *buf, size_t len);

/* "name=value ..." of the row's params whose names are keys of pick (NULL:
 * all), values as vb_param_value_text; cut with "..." when it does not fit. */
void vb_row_params_text(json_t *row, json_t *pick, char *buf, size_t len);

/* The params worth showing for one bench of a results array: those whose
 * value differs between its rows (the swept ones), and footprints. Returns a
 * new object whose keys are the names (values are true). */
json_t *vb_params_key_names(json_t *results, const char *bench);

/* Lower is better (times per operation) unless the unit is a rate ("/s"). */
bool vb_unit_higher_is_better(const char *unit);

/* Sort the array's elements in place with cmp, which is given two json_t **
 * as qsort gives them. Out of memory leaves the array as it was. */
void vb_json_array_sort(json_t *arr, int (*cmp)(const void *, const void *));

#endif
