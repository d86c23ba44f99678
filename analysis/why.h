/* why.h: why shadow paging costs what it costs, from the rows' `exits` and
 * `shadow_mmu` blocks (KVM's tracepoints, harness/trace.h): per row, exits
 * and shadow-MMU work per operation; per shadow/SLAT pair, the exit reasons
 * that make the difference (count x mean latency) and the share of the
 * measured time difference they account for. */
#ifndef VB_WHY_H
#define VB_WHY_H

#include <stdio.h>
#include <jansson.h>

/*
 * The why view as data: {"rows": [{bench, params, mode, pages, exits_per_op
 * (null when not counted), reasons [{reason, kind, per_op, mean_ns, ns_per_op}],
 * shadow_mmu {event: per op}}], "pairs": [{bench, params, pages, slat (the
 * SLAT mode), unit, diff_ns (shadow - SLAT per operation, null for a rate or
 * an unknown unit), reasons [{reason, shadow_per_op, slat_per_op,
 * shadow_ns_per_op, slat_ns_per_op, delta_ns_per_op, share}] largest
 * |difference| first, explained (the timed reasons' share of diff_ns, null
 * without latencies), latency (bool: some reason is timed), untimed [reasons
 * without a latency]}], "absent": [{what, reason, rows, of}]}. A new
 * object; every array empty when no row was traced.
 */
json_t *vb_why_view(json_t *results);

/* The summary's lines of the view (nothing when no row was traced): a line
 * per traced row, a line per pair, and each absent tracepoint once. */
void vb_why_print(FILE *f, json_t *results);

/* The view as the report's tables: {"rows": {head, right, rows}, "pairs":
 * {head, right, rows}, "notes": [lines]}; cells are plain text. A new object. */
json_t *vb_why_tables(json_t *results);

struct vb_fig;

/* The why figures (whyplot.c): per bench and parameters with exit reasons, a
 * stacked bar per mode and page mix of the time per operation in exits split
 * by reason (exits per operation without latencies). Returns the number of
 * figures, or -1 with g->err set. */
int vb_why_figures(struct vb_fig *g, json_t *results);

#endif
