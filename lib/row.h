/* row.h: the result row, built and read in one place. Every guest (native,
 * micro, linux, remote) and the invocation merge build rows with the
 * vb_row_set_* and vb_row_*_json builders; every consumer (summary, ratio,
 * claims, cost model, report, plot, history, compare) reads them with the
 * accessors below, never with json_object_get on a row (vb_row_str and
 * vb_row_stat take a key's name: the consumer-key test traces each one).
 * schema/vbench.schema.json defines each key and docs/result-schema.md says
 * what it means. To add a key: its entry in vb_row_keys[] (lib/row.c), a builder or
 * accessor here when code writes or reads it, the key in the schema's
 * `row` definition, a line in docs/result-schema.md; the consumer-key test
 * (tests/unit/test_schema.c) traces the keys the accessors read. */
#ifndef VB_ROW_H
#define VB_ROW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/param.h"

/* The row's `stats` object: filled by lib/stats.c's vb_stats_compute. */
struct vb_stats {
	size_t n;
	double median, mean, stdev;	/* stdev: sample (n-1) */
	double min, max;
	double ci_low, ci_high;		/* 95% CI of the median, percentile bootstrap */
	double ci_halfwidth_rel;	/* (ci_high - ci_low) / 2 / |median|; 0 when n < 2 */
};

/* Why a row's timing is not a hardware figure (its `timing` and `emulated_by`). */
enum vb_row_emulation {
	VB_EMU_NONE,		/* timed on hardware: "timing": "hardware" */
	VB_EMU_TCG,		/* QEMU TCG, as the guest's accelerator or as the host itself */
	VB_EMU_PVM_CPL0,	/* a guest kernel at CPL0 under PVM: every instruction emulated */
	VB_EMU_COUNT
};

/* ---- building ---- */

/* `params`: every parameter of pv, explicit or default; sizes and counts as
 * numbers, choices as words. New reference. */
json_t *vb_row_params_json(const struct vb_param_values *pv);

/* {"4k": b4k, "2m": b2m, "1g": b1g}: `pages.guest_bytes` and `pages.host_bytes`. */
json_t *vb_row_page_bytes_json(uint64_t b4k, uint64_t b2m, uint64_t b1g);

/* `stats` from st (non-finite numbers become null); replaces any. */
void vb_row_set_stats(json_t *row, const struct vb_stats *st);

/* The invocation merge's additions to `stats`: invocations and the two
 * levels' variances. The row must have `stats`. */
void vb_row_set_stats_spread(json_t *row, size_t invocations, double var_between,
			     double var_within);

/* `samples` from x[0..n) (non-finite as null); replaces any. */
void vb_row_set_samples(json_t *row, const double *x, size_t n);

/* `latency` percentiles in microseconds over n operations. */
void vb_row_set_latency(json_t *row, uint64_t n, double p50, double p99, double max);

/* `status` ("ok", "skipped", "failed") and `reason` (NULL or "": removed). */
void vb_row_set_status(json_t *row, const char *status, const char *reason);

/* `counters` with empty `software`, `pmu`, `errors` and `ops`, for a
 * counter module to fill. New reference. */
json_t *vb_row_counters_json(uint64_t ops);

/* `timing` ("hardware" or "emulated") and `emulated_by` ("tcg", "pvm-cpl0"). */
void vb_row_set_timing(json_t *row, enum vb_row_emulation e);

/* The emulation a row's own keys show (`accel` "tcg", `emulated_cpl0`), or
 * what the host is (host_tcg: the host itself is a QEMU TCG machine); sets
 * `timing` accordingly. Called once per row, where rows are written. */
void vb_row_finish_timing(json_t *row, bool host_tcg);

/* ---- changing a row's figures ----
 * What a producer measured replaced the way the producer wrote it; tests
 * use these to derive controlled rows from a run folder vbench made. */

/* `samples` x[0..n) and the `stats` lib/stats.c's vb_stats_compute makes of
 * them with seed, as the runner writes a point; drops `invocations`,
 * `invocation_counters` and `invocation_latency`, which no longer hold. */
void vb_row_set_measured(json_t *row, const double *x, size_t n, uint64_t seed);

/* k >= 2 independent invocations of len[i] samples each, concatenated in x:
 * `invocations`, `samples` and the two-level `stats` the invocation merge
 * writes (vb_stats_hier's median and interval, vb_row_set_stats_spread).
 * k < 2: as vb_row_set_measured. -1 when the statistics cannot be made. */
int vb_row_set_invocations(json_t *row, const double *x, const size_t *len, size_t k,
			   uint64_t seed);

/* A top-level string key of vb_row_keys (bench, mode, mode_verified, guest,
 * unit, accel, target, ...): value NULL removes it. -1 for any other key. */
int vb_row_set_str(json_t *row, const char *key, const char *value);

/* `pages` replaced by requested, verified and honoured; verified NULL: only
 * `requested`, as a point is written before (or without) being measured.
 * The page bytes and source of what was there before no longer hold. */
void vb_row_set_pages(json_t *row, const char *requested, const char *verified,
		      bool honoured);

/* `params` replaced by params (vb_row_params_json's); steals params. */
void vb_row_set_params(json_t *row, json_t *params);

/* params[name] = value (a number or a word); steals value. */
void vb_row_set_param(json_t *row, const char *name, json_t *value);

/* `counters` replaced by c (vb_row_counters_json's, filled); steals c,
 * NULL removes `counters`. */
void vb_row_set_counters(json_t *row, json_t *c);

/* counters.kvm[stat] = v; makes `counters` and `kvm` when absent. */
void vb_row_set_kvm(json_t *row, const char *stat, uint64_t v);

/* counters.ops = ops; makes `counters` when absent. */
void vb_row_set_ops(json_t *row, uint64_t ops);

/* counters.software[name] = v; makes `counters` when absent. */
void vb_row_set_software(json_t *row, const char *name, double v);

/* extra[name] = v: a bench's own figure beside its unit. */
void vb_row_set_extra(json_t *row, const char *name, double v);

/* counters.pmu[side][name] = v (side "all", "guest" or "host"). */
void vb_row_set_pmu(json_t *row, const char *side, const char *name, double v);

/* One more entry of counters.unavailable: metric on side was not counted, for
 * cause ("no-pmu", "not-on-pmu", ...) and reason. */
void vb_row_add_unavailable(json_t *row, const char *metric, const char *side,
			    const char *cause, const char *reason);

/* One more entry of counters.fallbacks: how counting was weakened to go ahead. */
void vb_row_add_fallback(json_t *row, const char *what);

/* `walk` replaced by walk (vb_walk_row's, from the row's counters); steals
 * walk, NULL removes it. */
void vb_row_set_walk(json_t *row, json_t *walk);

/* `exits` and `shadow_mmu` (harness/trace.c's) replaced; steals both, NULL
 * removes either. */
void vb_row_set_trace(json_t *row, json_t *exits, json_t *shadow_mmu);

/* A row that measured nothing, as a skipped or failed point is written:
 * no `samples`, `stats`, invocations, `extra`, `latency`, `counters`,
 * `walk`, `exits` or `shadow_mmu`. */
void vb_row_clear_measured(json_t *row);

/* ---- checking what is read back ---- */

/* One key a row may hold and the JSON types it may have: 's' string, 'n'
 * number, 'b' boolean, 'o' object, 'a' array, 'z' null. "a.b" names a key
 * of the object a. The table mirrors schema/vbench.schema.json's `row`
 * (tests/unit/test_schema.c keeps the two equal). */
struct vb_row_key {
	const char *key;
	const char *types;
};
extern const struct vb_row_key vb_row_keys[];

/* Check row against vb_row_keys: every key known, of its type, and bench,
 * mode and status present. -1 with the first offending key's path ("stats.median")
 * and what is wrong with it in why; 0 when the row is well formed. */
int vb_row_check(json_t *row, char *why, size_t len);

/* ---- reading: NULL / false when absent or of the wrong type ---- */

/* A string key: bench, mode, mode_verified, guest, unit, status, reason, accel, target. */
const char *vb_row_str(json_t *row, const char *key);
/* pages.requested, .verified, .source, .backing. */
const char *vb_row_pages(json_t *row, const char *key);
/* False only when pages.verified is given and pages.honoured is false. */
bool vb_row_honoured(json_t *row);
/* stats.median, stats.ci95_low, ... */
bool vb_row_stat(json_t *row, const char *key, double *out);
/* Status "ok" and a finite stats.median. */
bool vb_row_is_ok(json_t *row);
/* The row's timing is emulated (`timing` "emulated", or an older row's
 * `emulated_cpl0`), and by what: "tcg", "pvm-cpl0" (NULL when not emulated). */
bool vb_row_emulated(json_t *row);
const char *vb_row_emulated_by(json_t *row);
size_t vb_row_samples_count(json_t *row);		/* entries of `samples` */
json_t *vb_row_samples_json(json_t *row);		/* `samples` as stored (borrowed) */
json_t *vb_row_invocations_json(json_t *row);		/* `invocations` as stored (borrowed) */
/* Samples as doubles into a malloc'd array (non-numbers skipped); *n = count. NULL when none. */
double *vb_row_samples(json_t *row, size_t *n);

/* The samples of each independent invocation (`invocations`: an array of
 * arrays of numbers), concatenated into a malloc'd array; *len (malloc'd)
 * gets each invocation's count and *k their number. NULL when the row has
 * no invocations or any of them is empty or holds a non-number. */
double *vb_row_invocations(json_t *row, size_t **len, size_t *k);

/* Canonical text of the row's params ("{\"footprint\":536870912,...}",
 * sorted keys), malloc'd; "{}" when absent. Equal params give equal text. */
char *vb_row_params_key(json_t *row);

json_t *vb_row_params(json_t *row);			/* the `params` object (borrowed) */
json_t *vb_row_param(json_t *row, const char *name);	/* one of them (borrowed) */
bool vb_row_param_num(json_t *row, const char *name, double *out);

/* The bytes of the row's memory (`footprint`, else `pages` times the guest
 * page size); false when the row's params size no memory. */
bool vb_row_mem_bytes(json_t *row, double *out);

json_t *vb_row_counters(json_t *row);			/* `counters` (borrowed) */
bool vb_row_ops(json_t *row, double *out);		/* counters.ops: operations counted */
/* counters.pmu[side][name]: side is "all", "guest" or "host"; name a metric or event. */
bool vb_row_pmu(json_t *row, const char *side, const char *name, double *out);
json_t *vb_row_pmu_sides(json_t *row);			/* counters.pmu (borrowed) */
bool vb_row_kvm(json_t *row, const char *stat, double *out);	/* counters.kvm[stat] */
json_t *vb_row_kvm_stats(json_t *row);			/* counters.kvm (borrowed) */
/* counters.software[name] */
bool vb_row_software(json_t *row, const char *name, double *out);
const char *vb_row_counter_set(json_t *row);		/* counters.set */
json_t *vb_row_counter_unavailable(json_t *row);	/* counters.unavailable (borrowed) */
json_t *vb_row_counter_fallbacks(json_t *row);		/* counters.fallbacks (borrowed) */
json_t *vb_row_exits(json_t *row);			/* `exits` (borrowed): --trace's exits */
bool vb_row_exits_num(json_t *row, const char *key, double *out);	/* exits.total, .per_op */
/* exits.unavailable.cause or .reason: why kvm_exit could not be counted;
 * NULL when it was (or the row has no `exits`). */
const char *vb_row_exits_unavailable(json_t *row, const char *key);
size_t vb_row_exit_reasons(json_t *row);		/* entries of exits.reasons */
/* Entry i of exits.reasons: a word (`reason`, `kind`) or a number (`count`,
 * `per_op`, `mean_ns`, `time_ns`, `timed`); NULL / false when absent or null. */
const char *vb_row_exit_str(json_t *row, size_t i, const char *key);
bool vb_row_exit_num(json_t *row, size_t i, const char *key, double *out);
json_t *vb_row_shadow_mmu(json_t *row);			/* `shadow_mmu` (borrowed) */
json_t *vb_row_shadow_mmu_per_op(json_t *row);		/* shadow_mmu.per_op: event -> number */
size_t vb_row_shadow_mmu_unavailable(json_t *row);	/* entries of shadow_mmu.unavailable */
/* Entry i of shadow_mmu.unavailable: `event`, `cause` or `reason`. */
const char *vb_row_shadow_mmu_unavailable_str(json_t *row, size_t i, const char *key);
json_t *vb_row_walk(json_t *row);			/* `walk`, by side (borrowed) */
bool vb_row_walk_num(json_t *row, const char *side, const char *key, double *out);
bool vb_row_extra(json_t *row, const char *name, double *out);	/* extra[name] */
bool vb_row_latency(json_t *row, const char *key, double *out);	/* latency.p50, .p99, .max, .n */

/* Every row key an accessor above reads, as "a.b" paths ("*" for a name the
 * caller gives), NULL-terminated: what the consumer-key test checks against
 * the schema and the producers. */
extern const char *const vb_row_keys_read[];

/* Tests: from now on, every path an accessor above is asked for (name maps
 * as "*") becomes a key of paths; NULL stops. paths stays the caller's. */
void vb_row_trace(json_t *paths);

#endif
