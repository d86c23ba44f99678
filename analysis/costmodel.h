/* costmodel.h: which mode wins, and why. From a run's microbenchmark rows,
 * the unit cost of each MMU event per mode and page mix; from a workload
 * row's counters, the events per operation; together, the shadow/SLAT ratio
 * they predict, printed beside the one measured. docs/methodology.md states
 * the model and its limits. */
#ifndef VB_COSTMODEL_H
#define VB_COSTMODEL_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>

/* The events the prediction counts, each with a unit cost in ns. */
enum vb_cost_term {
	VB_COST_SWITCH,	/* a context switch between processes: ctxswitch kind=process */
	VB_COST_FAULT,	/* a first-touch page fault: pagefault */
	VB_COST_FORK,	/* a process created and reaped: forkwait, its smallest footprint */
	VB_COST_WALK,	/* a TLB miss: ptrchase layout=page, its largest footprint, per load */
	VB_COST_COUNT,
};

/* The name of a term as the tables print it ("switch", "fault", ...). */
const char *vb_cost_term_name(enum vb_cost_term t);

/* Unit costs of one mode at one page mix, ns per event; NaN where the run
 * has no row to tell. cr3 and ptwrite are shown, not used to predict: cr3 is
 * a process switch less a thread switch (ctxswitch kind=thread), ptwrite
 * mmapchurn's cost per page less a page fault. */
struct vb_cost_units {
	double ns[VB_COST_COUNT];
	double cr3, ptwrite;
};

/* The unit costs of `mode` at `pages` ("4k:4k" for a guest mode; a native
 * row matches on the guest size alone) from the ok, honoured rows of results.
 * Returns how many of the four terms it found. */
int vb_costmodel_units(json_t *results, const char *mode, const char *pages,
		       struct vb_cost_units *out);

/* One workload at one page mix: what the model predicts beside what was measured. */
struct vb_cost_prediction {
	double per_op[VB_COST_COUNT]; /* events per operation; NaN unknown (walks without a PMU) */
	double predicted;		/* shadow/SLAT in the row's unit; NaN when it cannot say */
	double measured;		/* the medians' shadow/SLAT; NaN without both rows */
	double share;			/* the modelled difference over the anchor's time per op */
	const char *anchor; /* "native" or the SLAT mode: whose time the model starts from */
	const char *slat;		/* the SLAT mode of the run: "ept", "npt" or "tdp" */
	char missing[64];		/* terms with events but no unit cost, comma-separated */
};

/* Predict shadow/SLAT for the workload `row` (a guest mode's row, or a
 * native one) at its page mix. The events per operation come from the
 * native row of the same bench and params when there is one, else from the
 * SLAT row, else the shadow row. The anchor is the native row's time per op
 * with native unit costs when every counted term has one, else the SLAT
 * row's. 0, or -1 when the run has no SLAT mode or no row to anchor on. */
int vb_costmodel_predict(json_t *results, json_t *row, struct vb_cost_prediction *out);

/* The report's section: unit costs per mode and page mix, each workload's
 * prediction beside its measurement, the crossover per page mix, and whether
 * the low-activity claim held. Prints nothing when the run has no shadow
 * and SLAT rows to compare. */
void vb_costmodel_print_md(FILE *f, json_t *results);

/* The crossover figure: for each page mix, the context-switch rate above
 * which SLAT wins against the TLB-miss rate. Writes costmodel.dat and the
 * gnuplot script costmodel.gp (which draws costmodel.png) into dir. Returns
 * the number of page mixes drawn (0: nothing written), or -1 with err. */
int vb_costmodel_plot_write(json_t *results, const char *dir, char *err, size_t errlen);

#define VB_COSTMODEL_SCRIPT "costmodel.gp"

#endif
