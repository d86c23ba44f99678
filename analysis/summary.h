/* summary.h: the human summary table of a run's result rows, with modes and
 * page sizes of one bench and parameter set side by side and their ratio to a base row. */
#ifndef VB_SUMMARY_H
#define VB_SUMMARY_H

#include <stdio.h>
#include <jansson.h>

#include "lib/text.h"

/*
 * One line per row: bench, key params (those that vary within the bench, and
 * footprints), mode[/guest], pages requested->verified ("!" when not
 * honoured), median, unit, CI half-width %, n, ratio to the group's base row,
 * and status ("skipped: why", "failed: why"). Rows are grouped by bench and
 * params; the base of a group is its ok native 4k row, else its first ok row.
 */
void vb_summary_print(FILE *f, json_t *results);

/* The same table as Markdown (for report.md). */
void vb_summary_print_md(FILE *f, json_t *results);

/* One self-contained line for a row, for progress output while running:
 * "ptrchase footprint=512M native 4k->4k 283.4 ns/load ±0.8% n=12 ok". */
void vb_summary_row_line(FILE *f, json_t *row);


/* A second table for rows with KVM statistics: the deltas that tell shadow
 * paging from SLAT, one column per statistic some row has at non-zero. */
void vb_summary_print_kvm(FILE *f, json_t *results);

/* The summary table as data, for the report's Markdown and HTML: {"head":
 * [column names], "right": [right-aligned?], "rows": [[cell text]], "notes":
 * [lines]}; cells already have control characters escaped. A new object. */
json_t *vb_summary_table(json_t *results);

/* The KVM-statistics table as data, with a params column: {"head", "rows"};
 * both empty when no row has KVM statistics. */
json_t *vb_summary_kvm_table(json_t *results);

#endif
