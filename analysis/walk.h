/* walk.h: the summary's walk block (the derived page-walk metrics of each
 * row, next to the KVM statistics) and its one line about the PMU. */
#ifndef VB_WALK_H
#define VB_WALK_H

#include <jansson.h>
#include <stdio.h>

/* One line per row and side that has a `walk` key: walk cycles per
 * operation and per load, share of cycles, walks per 1000 operations, the
 * 4k/2m/1g mix and the EPT share. Nothing when no row has one. */
void vb_walk_print(FILE *f, json_t *results);

/* One line saying what the PMU could not count over all rows, grouped by
 * cause, with what would make it work; nothing when no row asked for
 * counters. */
void vb_walk_print_pmu_line(FILE *f, json_t *results);

/* Both, for report.md: a "Page walks" section holding them in a code
 * block (backticks from the run turned into quotes); nothing when both
 * are empty. */
void vb_walk_print_md(FILE *f, json_t *results);

#endif
