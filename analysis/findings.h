/* findings.h: the answer of a run in a few lines, for the end of `vbench run`
 * and the first screen of its report: each mode ratio measured, with its CI
 * and what it means, and what could not be measured here, grouped by cause,
 * with the command that would measure it. */
#ifndef VB_FINDINGS_H
#define VB_FINDINGS_H

#include <stdio.h>
#include <jansson.h>

enum vb_findings_format { VB_FINDINGS_TEXT, VB_FINDINGS_MD, VB_FINDINGS_HTML };

/*
 * The findings of a run (run.json's object, or any object with "results" and
 * "host"), a new object:
 *   { "measured": [ { "bench", "params_text", "pair" ("shadow/micro 4k:4k /
 *       native 4k"), "kind" ("shadow/slat" | "guest/native"), "ratio",
 *       "ci95_low", "ci95_high" (numbers or null), "meaning", "note"? } ],
 *     "unmeasured": [ { "cause", "count" (rows or ratios), "benches" (text),
 *       "command" } ] }
 * measured in the ratio view's order, unmeasured in the order the causes
 * first appear among the rows; each cause once.
 */
json_t *vb_findings(json_t *run);

/* The findings as a few lines of text, Markdown or HTML (a <section>). */
void vb_findings_write(FILE *f, json_t *run, enum vb_findings_format fmt);

/* What a figure of `vbench plot` shows, in a sentence, from its name
 * ("bar-ptrchase-...", "sweep-...", "heatmap-...", "ratio-...", "compare"). */
void vb_figure_caption(const char *name, char *buf, size_t len);

#endif
