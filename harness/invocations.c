/* invocations.c: merging a point's invocations into its row. The samples of
 * one invocation share its memory placement and the host's state, so the
 * interval must come from how invocations differ too (docs/methodology.md). */
#include "harness/invocations.h"
#include "lib/stats.h"
#include "harness/guestrun.h"
#include "harness/point.h"
#include "harness/modes.h"
#include "lib/row.h"
#include "harness/trace.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VB_INVOCATIONS_KEEP 100	/* as many as --invocations allows */

static bool is_ok(json_t *row)
{
	const char *st = json_string_value(json_object_get(row, "status"));

	return st && !strcmp(st, "ok");
}

/* Add one invocation's counts into the row's: numbers add up (counts over
 * more timed samples), KVM's levels take the newest value, a count one
 * invocation could not take stays "not counted" (null); per-counter details
 * and reasons (arrays, strings) stay the first invocation's. */
static void add_counts(json_t *acc, json_t *one, bool kvm)
{
	const char *k;
	json_t *v;

	json_object_foreach(one, k, v) {
		json_t *a = json_object_get(acc, k);

		if (json_is_object(v) && json_is_object(a)) {
			add_counts(a, v, kvm || !strcmp(k, "kvm"));
		} else if (json_is_null(v) && json_is_number(a)) {
			json_object_set_new(acc, k, json_null());
		} else if (json_is_number(v) && json_is_number(a)) {
			if (kvm && vb_kvm_stat_is_level(k))
				json_object_set(acc, k, v);
			else if (json_is_integer(v) && json_is_integer(a))
				json_object_set_new(acc, k, json_integer(json_integer_value(a) +
									 json_integer_value(v)));
			else
				json_object_set_new(acc, k, json_real(json_number_value(a) +
								      json_number_value(v)));
		}
	}
}

/* Latency percentiles do not add: the row keeps the median of the
 * invocations' p50 and p99, the largest max and every operation counted;
 * each invocation's own are in invocation_latency. */
static void merge_latency(json_t *row)
{
	json_t *all = json_object_get(row, "invocation_latency"), *l;
	double p50[VB_INVOCATIONS_KEEP], p99[VB_INVOCATIONS_KEEP], max = 0;
	json_int_t n = 0;
	size_t i, k = 0;

	json_array_foreach(all, i, l) {
		if (!json_is_object(l) || k == VB_INVOCATIONS_KEEP)
			continue;
		p50[k] = json_number_value(json_object_get(l, "p50"));
		p99[k] = json_number_value(json_object_get(l, "p99"));
		if (json_number_value(json_object_get(l, "max")) > max)
			max = json_number_value(json_object_get(l, "max"));
		n += json_integer_value(json_object_get(l, "n"));
		k++;
	}
	if (k < 2)
		return;
	vb_row_set_latency(row, (uint64_t)n, vb_median(p50, k), vb_median(p99, k), max);
}

json_t *vb_invocation_merge(json_t *acc, json_t *one, unsigned index)
{
	json_t *samples = json_object_get(one, "samples"), *v;
	json_t *pages_one = json_object_get(one, "pages");
	size_t i;

	if (!acc) {
		acc = json_deep_copy(one);
		json_object_set_new(acc, "invocations", json_array());
		json_object_set_new(acc, "invocation_counters", json_array());
		json_object_set_new(acc, "invocation_latency", json_array());
		json_object_set_new(acc, "samples", json_array());
	} else if (json_is_object(json_object_get(one, "counters")) &&
		   json_is_object(json_object_get(acc, "counters"))) {
		add_counts(json_object_get(acc, "counters"), json_object_get(one, "counters"),
			   false);
		vb_trace_merge_json(acc, one);
	}
	if (!is_ok(one) && is_ok(acc)) {
		const char *why = json_string_value(json_object_get(one, "reason"));

		vb_row_status(acc, json_string_value(json_object_get(one, "status")),
			      "invocation %u: %s", index + 1, why ? why : "no reason given");
	}
	if (json_is_array(samples) && json_array_size(samples)) {
		json_array_append(json_object_get(acc, "invocations"), samples);
		json_array_foreach(samples, i, v)
			json_array_append(json_object_get(acc, "samples"), v);
	}
	v = json_object_get(one, "counters");
	json_array_append_new(json_object_get(acc, "invocation_counters"),
			      v ? json_incref(v) : json_null());
	v = json_object_get(one, "latency");
	json_array_append_new(json_object_get(acc, "invocation_latency"),
			      v ? json_incref(v) : json_null());
	/* The pages must have been what was asked in every invocation. */
	if (json_is_object(pages_one) && json_is_false(json_object_get(pages_one, "honoured")))
		json_object_set_new(json_object_get(acc, "pages"), "honoured", json_false());
	return acc;
}

void vb_invocation_finish(json_t *row, uint64_t seed)
{
	json_t *inv = json_object_get(row, "invocations"), *a, *v;
	size_t k = json_array_size(inv), n = 0, i, j;
	double *x;
	size_t *len;

	/* One invocation, or none with samples: the plain row, as without invocations. */
	if (k < 2 || json_array_size(json_object_get(row, "samples")) == 0) {
		if (json_array_size(json_object_get(row, "samples")) == 0)
			json_object_del(row, "samples");
		if (json_array_size(json_object_get(row, "invocation_counters")) <= 1) {
			json_object_del(row, "invocation_counters");
			json_object_del(row, "invocation_latency");
		}
		json_object_del(row, "invocations");
		return;
	}
	if (!json_object_get(row, "latency"))
		json_object_del(row, "invocation_latency");
	else
		merge_latency(row);
	if (!is_ok(row))
		return;
	json_array_foreach(inv, i, a)
		n += json_array_size(a);
	x = calloc(n ? n : 1, sizeof(*x));
	len = calloc(k, sizeof(*len));
	if (!x || !len)
		goto out;
	n = 0;
	json_array_foreach(inv, i, a) {
		len[i] = json_array_size(a);
		json_array_foreach(a, j, v)
			x[n++] = json_number_value(v);
	}
	/* The same samples, now with the two-level statistics. */
	vb_row_set_invocations(row, x, len, k, seed);
out:
	free(x);
	free(len);
}

void vb_invocation_stop(const struct vb_stop_rule *row, unsigned k, struct vb_stop_rule *out)
{
	*out = *row;
	if (k <= 1)
		return;
	out->min_runs = (row->min_runs + k - 1) / k;
	out->max_runs = (row->max_runs + k - 1) / k;
	if (out->min_runs < 1)
		out->min_runs = 1;
	if (out->max_runs < out->min_runs)
		out->max_runs = out->min_runs;
	out->max_seconds = row->max_seconds / k;
}
