/* report.h: the report of a run, as one self-contained HTML page and its
 * Markdown twin: host, plan, mode ratios, the papers' claims, every row with
 * its CI, figures, walk metrics, KVM statistics, skips grouped by reason,
 * and the comparison against a second run. */
#ifndef VB_REPORT_H
#define VB_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

#define VB_REPORT_FILE "report.md"
#define VB_REPORT_HTML "report.html"

enum vb_report_format { VB_REPORT_MD, VB_REPORT_HTML_PAGE };

struct vb_report_opts {
	json_t *against;	/* a second run to compare with (vb_compare_runs), or NULL */
	const char *figdir;	/* the figures' folder (<name>.svg inlined, .png linked) */
	json_t *figures;	/* figure names without extension, in order; NULL: none */
	const char *no_figures;	/* why there are none (shown), or NULL */
};

/*
 * What the report says, as data (schema "vbench.report/1"): id, "ratios"
 * (vb_ratio_view), "claims" (vb_claims_check), "not_ok" (skipped and failed
 * rows grouped by status and reason: {status, reason, count, rows}),
 * "walk_metrics" (rows with PMU counters, and the reasons counters were
 * unavailable with their counts) and, with against, "compare"
 * (vb_compare_runs(against, run)). A new object.
 */
json_t *vb_report_model(json_t *run, const struct vb_report_opts *o);

/* Write the report of a loaded run to f. Everything from the run is escaped
 * for the format; the HTML page loads nothing from outside itself. */
void vb_report_write(FILE *f, json_t *run, enum vb_report_format fmt,
		     const struct vb_report_opts *o);

/* Write dir/report.md or dir/report.html through a temporary name and a
 * rename (a link at the name is refused); -1 with err set. */
int vb_report_save(json_t *run, const char *dir, enum vb_report_format fmt,
		   const struct vb_report_opts *o, char *err, size_t errlen);

#endif
