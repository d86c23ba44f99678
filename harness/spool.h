/* spool.h: copies of what vbench writes, for `make check` to validate
 * against schema/vbench.schema.json (scripts/validate-schema.py). Only when
 * VBENCH_SCHEMA_SPOOL names a folder; otherwise every call does nothing. */
#ifndef VB_SPOOL_H
#define VB_SPOOL_H

#include <jansson.h>

/* Copy one --json output (kind: run, compare, history, report, list,
 * list_events, env, baseline_list) to <spool>/<kind>.<pid>.<n>.json. */
void vb_spool_doc(const char *kind, json_t *doc);

/* Copy a run folder's run.json, results.jsonl and invocations.jsonl to
 * <spool>/run.<pid>.<n>/, as they are now (tests remove their folders). */
void vb_spool_run(const char *dir);

#endif
