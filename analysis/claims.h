/* claims.h: the claims of VMware's RVI (2008) and EPT (2009) evaluations,
 * as docs/reproducing.md states them, checked against a run's ratio view. */
#ifndef VB_CLAIMS_H
#define VB_CLAIMS_H

#include <jansson.h>

#define VB_CLAIM_EMULATED "measured under emulation: mechanism only"

/*
 * One entry per claim of docs/reproducing.md's table, in its order:
 *   { "id": 1.., "claim": text, "paper": the papers' figure ("42% (RVI) / 48% (EPT)"),
 *     "test": the ratio that tests it, named as the doc names it,
 *     "ratio", "ci95_low", "ci95_high": that ratio as measured (null when not measured),
 *     "verdict": "holds" | "does not hold" | "not measured" | VB_CLAIM_EMULATED,
 *     "why": what decided the verdict, or what is missing and how to get it }
 * view is vb_ratio_view() of the same results. A claim holds only when the
 * CI of its ratio lies on the claim's side; a CI that reaches across 1 does
 * not hold ("no difference shown"). Where a run was scaled down, the row at
 * the largest footprint run stands for the doc's footprint. A ratio from a
 * row whose timing is emulated (TCG, or CPL0 under PVM) never decides a
 * claim: its verdict is VB_CLAIM_EMULATED, its why says what was measured.
 */
json_t *vb_claims_check(json_t *results, json_t *view);

#endif
