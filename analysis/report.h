/* report.h: report.md of a run: host, plan, the summary tables, figures,
 * skipped and failed rows with reasons, and notes on figures to distrust. */
#ifndef VB_REPORT_H
#define VB_REPORT_H

#include <stdio.h>
#include <jansson.h>

#define VB_REPORT_FILE "report.md"

/* Write the report of a loaded run as Markdown to f. dir is the run folder,
 * searched for the .png figures `vbench plot` wrote (NULL: none). */
void vb_report_write(FILE *f, json_t *run, const char *dir);

/* Write dir/report.md atomically (temp file + rename); -1 with err set. */
int vb_report_save(json_t *run, const char *dir, char *err, size_t errlen);

#endif
