/* invocations.h: one point measured in several independent invocations (a
 * fresh vbench-guest process, or a fresh guest where the guest is the unit),
 * their rows merged into the point's row with a hierarchical CI. */
#ifndef VB_INVOCATIONS_H
#define VB_INVOCATIONS_H

#include <stdint.h>
#include <jansson.h>

/* Add invocation `one` (the row one invocation produced) to the point's row
 * so far, acc (NULL for the first: a copy of one is made). Samples append
 * to `samples` and, as their own array, to `invocations`; counts add up in
 * `counters` (KVM's levels: the newest), each invocation's counters and
 * latency also kept in `invocation_counters` and `invocation_latency`. A
 * non-ok invocation makes the row take its status, with "invocation N: "
 * before the reason. Returns the row (a new reference when acc was NULL). */
json_t *vb_invocation_merge(json_t *acc, json_t *one, unsigned index);

/* The row's statistics from all its invocations: with two or more ok ones,
 * median and 95% CI by the hierarchical bootstrap (lib/stats.c), and
 * `stats.invocations`, `var_between`, `var_within`; a workload's latency
 * from its invocations' (median p50 and p99, largest max, all operations). */
void vb_invocation_finish(json_t *row, uint64_t seed);

/* The stop rule of one invocation: the row's sample budget (min, max,
 * seconds) shared among k invocations. */
struct vb_stop_rule;
void vb_invocation_stop(const struct vb_stop_rule *row, unsigned k, struct vb_stop_rule *out);

#endif
