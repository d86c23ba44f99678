/* ratio.h: the mode-ratio view of a run: shadow / SLAT, guest / native and
 * each page mix against 4k:4k, as ratios of medians with a bootstrap 95% CI,
 * only between rows that did the same work. */
#ifndef VB_RATIO_H
#define VB_RATIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

/* What a view entry compares. Its "kind" in the JSON is vb_ratio_kind_name(). */
enum vb_ratio_kind {
	VB_RATIO_SHADOW_SLAT,	/* "shadow/slat": shadow paging / SLAT at the same pages */
	VB_RATIO_GUEST_NATIVE,	/* "guest/native": the guest / native at its page size */
	VB_RATIO_PAGES,		/* "pages": a page mix / 4k:4k in the same mode */
	VB_RATIO_COUNT,
};

/* The kind's word in the JSON ("shadow/slat"); NULL for none. */
const char *vb_ratio_kind_name(enum vb_ratio_kind k);

/* The kind of a view entry, from its "kind"; VB_RATIO_COUNT when it names none. */
enum vb_ratio_kind vb_ratio_kind_of(json_t *entry);

struct vb_ratio {
	double ratio;		/* median of a / median of b */
	double lo, hi;		/* 95% CI of the ratio; NAN when a side has no samples */
};

#define VB_RATIO_SEED 0x7a710ULL

/*
 * The ratio of the median of a to the median of b, and its percentile
 * bootstrap 95% CI (VB_BOOTSTRAP_RESAMPLES resamples of each side, drawn
 * independently; deterministic for a seed). The ratio is of the medians as
 * they are: for a rate (a unit in "/s") < 1 means a is slower. Returns -1
 * when a side is empty or b's median is zero.
 */
int vb_ratio_of_samples(const double *a, size_t na, const double *b, size_t nb, uint64_t seed,
			struct vb_ratio *out);

/* The same for two ok rows, from their samples; from their medians alone
 * (CI NAN) when a row has none. -1 when a row is not ok. */
int vb_ratio_of_rows(json_t *a, json_t *b, struct vb_ratio *out);

/*
 * Did rows a and b do the same work, so that their ratio is a cost ratio?
 * They must be the same bench with the same params and unit, the same
 * operations per sample where both counted them, and, for benches whose
 * operation is defined by the page size (mmapchurn maps pages of that size,
 * pagefault faults them), the same guest page size. When not, why says so.
 */
bool vb_ratio_same_work(json_t *a, json_t *b, char *why, size_t len);

/* Is the mode a second-level translation mode (ept, npt, tdp)? */
bool vb_mode_is_slat(const char *mode);

/*
 * The mode-ratio view of a results array: a new array of entries
 *   { "kind": "shadow/slat" | "guest/native" | "pages",
 *     "bench", "params" (object), "params_text",
 *     "a": {mode, guest, pages}, "b": {...}, "unit",
 *     "ratio", "ci95_low", "ci95_high" (numbers or null): median of a / median of b,
 *     "note" (string, optional: emulated, not honoured, no samples),
 *     "missing" (string, instead of a ratio: which side is missing and how to get it) }
 * in the order: for each bench and params, shadow / SLAT, guest / native,
 * then the page mixes of each mode against 4k:4k.
 */
json_t *vb_ratio_view(json_t *results);

/* The view as a table for the terminal (nothing when the view is empty). */
void vb_ratio_print(FILE *f, json_t *view);

/* A view entry as a cost ratio (> 1: a is slower), whatever its unit: the
 * ratio and CI as they are for a time, inverted for a rate. false when the
 * entry has no ratio; lo and hi are NAN without a CI. */
bool vb_ratio_cost(json_t *entry, double *c, double *lo, double *hi);

/* One entry's "a / b" as text: "shadow/micro 4k:4k / ept/micro 4k:4k". */
void vb_ratio_pair_text(json_t *entry, char *buf, size_t len);

#endif
