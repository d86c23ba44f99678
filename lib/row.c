/* row.c: the result row's keys, named once: the builders every guest and
 * the invocation merge use, and the accessors every consumer reads with. */
#include "lib/row.h"

#include "lib/stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const emulation_names[] = {
	[VB_EMU_NONE] = NULL, [VB_EMU_TCG] = "tcg", [VB_EMU_PVM_CPL0] = "pvm-cpl0",
};
_Static_assert(sizeof(emulation_names) / sizeof(emulation_names[0]) == VB_EMU_COUNT,
	       "one name per emulation");

/* Set only by tests (vb_row_trace): the paths the accessors were asked for. */
static json_t *traced;

void vb_row_trace(json_t *paths)
{
	traced = paths;
}

/* Note that a consumer read a.b (b NULL: a alone). */
static void read_key(const char *a, const char *b)
{
	char path[160];

	if (!traced)
		return;
	snprintf(path, sizeof(path), "%s%s%s", a, b ? "." : "", b ? b : "");
	json_object_set_new(traced, path, json_true());
}

const char *const vb_row_keys_read[] = {
	"bench", "mode", "mode_verified", "guest", "unit", "status", "reason",
	"pages.requested", "pages.verified", "pages.honoured",
	"stats.median", "stats.ci95_low", "stats.ci95_high", "stats.n", "stats.ci_halfwidth_rel",
	"stats.invocations", "stats.var_between", "stats.var_within",
	"timing", "emulated_by", "emulated_cpl0",
	"samples", "invocations", "params", "params.*",
	"counters", "counters.ops", "counters.pmu", "counters.pmu.*.*", "counters.kvm",
	"counters.kvm.*", "counters.software.*", "counters.set", "counters.unavailable",
	"counters.fallbacks",
	"walk", "walk.*.walks_per_kop", "exits", "exits.per_op", "exits.unavailable.reason",
	"exits.reasons", "exits.reasons.reason", "exits.reasons.kind", "exits.reasons.per_op",
	"exits.reasons.mean_ns", "shadow_mmu", "shadow_mmu.per_op", "shadow_mmu.unavailable",
	"shadow_mmu.unavailable.reason", "target", "extra.*", "latency.n",
	"latency.p50", "latency.p99",
	"latency.max",
	NULL
};

const struct vb_row_key vb_row_keys[] = {
	{ "bench", "s" }, { "mode", "s" }, { "mode_verified", "sz" }, { "mode_source", "s" },
	{ "accel", "s" }, { "guest", "s" }, { "target", "s" }, { "target_env", "oz" },
	{ "target_env_error", "s" }, { "pages", "o" }, { "params", "o" }, { "unit", "s" },
	{ "samples", "a" }, { "invocations", "a" }, { "invocation_counters", "a" },
	{ "invocation_latency", "a" }, { "stats", "o" }, { "extra", "o" }, { "latency", "o" },
	{ "counters", "o" }, { "walk", "o" }, { "status", "s" }, { "reason", "s" },
	{ "emulated_cpl0", "b" }, { "timing", "s" }, { "emulated_by", "s" }, { "started", "s" },
	{ "seconds", "n" }, { "test_settings", "ao" }, { "exits", "o" },
	{ "shadow_mmu", "o" },
	{ "pages.requested", "s" }, { "pages.verified", "sz" }, { "pages.honoured", "b" },
	{ "pages.guest_bytes", "o" }, { "pages.host_bytes", "o" }, { "pages.source", "s" },
	{ "pages.backing", "s" }, { "pages.host_verified", "sz" },
	{ "stats.n", "n" }, { "stats.median", "nz" }, { "stats.mean", "nz" },
	{ "stats.stdev", "nz" },
	{ "stats.min", "nz" }, { "stats.max", "nz" }, { "stats.ci95_low", "nz" },
	{ "stats.ci95_high", "nz" }, { "stats.ci_halfwidth_rel", "nz" },
	{ "stats.invocations", "n" }, { "stats.var_between", "nz" }, { "stats.var_within", "nz" },
	{ "latency.unit", "s" }, { "latency.n", "n" }, { "latency.p50", "nz" },
	{ "latency.p99", "nz" }, { "latency.max", "nz" },
	{ NULL, NULL }
};

/* JSON has no NaN or infinity: those become null. */
static json_t *jreal(double d)
{
	return isfinite(d) ? json_real(d) : json_null();
}

static bool num(json_t *v, double *out)
{
	if (!json_is_number(v) || !isfinite(json_number_value(v)))
		return false;
	*out = json_number_value(v);
	return true;
}

json_t *vb_row_params_json(const struct vb_param_values *pv)
{
	json_t *o = json_object();
	char word[64];

	for (int i = 0; pv->defs && pv->defs[i].name; i++) {
		const struct vb_param_def *d = &pv->defs[i];

		if (d->type == VB_PARAM_CHOICE) {
			vb_param_format(d, pv->v[i], word, sizeof(word));
			json_object_set_new(o, d->name, json_string(word));
		} else {
			json_object_set_new(o, d->name, json_integer((json_int_t)pv->v[i]));
		}
	}
	return o;
}

json_t *vb_row_page_bytes_json(uint64_t b4k, uint64_t b2m, uint64_t b1g)
{
	return json_pack("{s:I,s:I,s:I}", "4k", (json_int_t)b4k, "2m", (json_int_t)b2m,
			 "1g", (json_int_t)b1g);
}

void vb_row_set_stats(json_t *row, const struct vb_stats *st)
{
	json_t *o = json_object();

	json_object_set_new(o, "n", json_integer((json_int_t)st->n));
	json_object_set_new(o, "median", jreal(st->median));
	json_object_set_new(o, "mean", jreal(st->mean));
	json_object_set_new(o, "stdev", jreal(st->stdev));
	json_object_set_new(o, "min", jreal(st->min));
	json_object_set_new(o, "max", jreal(st->max));
	json_object_set_new(o, "ci95_low", jreal(st->ci_low));
	json_object_set_new(o, "ci95_high", jreal(st->ci_high));
	json_object_set_new(o, "ci_halfwidth_rel", jreal(st->ci_halfwidth_rel));
	json_object_set_new(row, "stats", o);
}

void vb_row_set_stats_spread(json_t *row, size_t invocations, double var_between,
			     double var_within)
{
	json_t *o = json_object_get(row, "stats");

	if (!json_is_object(o))
		return;
	json_object_set_new(o, "invocations", json_integer((json_int_t)invocations));
	json_object_set_new(o, "var_between", jreal(var_between));
	json_object_set_new(o, "var_within", jreal(var_within));
}

void vb_row_set_samples(json_t *row, const double *x, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, jreal(x[i]));
	json_object_set_new(row, "samples", a);
}

void vb_row_set_latency(json_t *row, uint64_t n, double p50, double p99, double max)
{
	json_object_set_new(row, "latency", json_pack("{s:s,s:I,s:o,s:o,s:o}", "unit", "us",
						       "n", (json_int_t)n, "p50", jreal(p50),
						       "p99", jreal(p99), "max", jreal(max)));
}

void vb_row_set_status(json_t *row, const char *status, const char *reason)
{
	json_object_set_new(row, "status", json_string(status));
	if (reason && *reason)
		json_object_set_new(row, "reason", json_string(reason));
	else
		json_object_del(row, "reason");
}

json_t *vb_row_counters_json(uint64_t ops)
{
	return json_pack("{s:{},s:{},s:I,s:{}}", "software", "pmu", "ops", (json_int_t)ops,
			 "errors");
}

void vb_row_set_timing(json_t *row, enum vb_row_emulation e)
{
	if (e == VB_EMU_NONE || e >= VB_EMU_COUNT) {
		json_object_set_new(row, "timing", json_string("hardware"));
		json_object_del(row, "emulated_by");
		return;
	}
	json_object_set_new(row, "timing", json_string("emulated"));
	json_object_set_new(row, "emulated_by", json_string(emulation_names[e]));
}

void vb_row_finish_timing(json_t *row, bool host_tcg)
{
	const char *accel = vb_row_str(row, "accel");

	if (host_tcg || (accel && !strcmp(accel, "tcg")))
		vb_row_set_timing(row, VB_EMU_TCG);
	else if (json_is_true(json_object_get(row, "emulated_cpl0")))
		vb_row_set_timing(row, VB_EMU_PVM_CPL0);
	else
		vb_row_set_timing(row, VB_EMU_NONE);
}

void vb_row_set_measured(json_t *row, const double *x, size_t n, uint64_t seed)
{
	struct vb_stats st;

	vb_row_set_samples(row, x, n);
	vb_stats_compute(x, n, seed, &st);
	vb_row_set_stats(row, &st);
	json_object_del(row, "invocations");
	json_object_del(row, "invocation_counters");
	json_object_del(row, "invocation_latency");
}

int vb_row_set_invocations(json_t *row, const double *x, const size_t *len, size_t k,
			   uint64_t seed)
{
	json_t *inv = json_array();
	struct vb_hier_stats h;
	struct vb_stats st;
	size_t n = 0;

	if (k < 2) {
		vb_row_set_measured(row, x, k ? len[0] : 0, seed);
		json_decref(inv);
		return 0;
	}
	for (size_t i = 0; i < k; i++) {
		json_t *one = json_array();

		for (size_t j = 0; j < len[i]; j++)
			json_array_append_new(one, jreal(x[n + j]));
		json_array_append_new(inv, one);
		n += len[i];
	}
	if (vb_stats_hier(x, len, k, seed, &h) < 0) {
		json_decref(inv);
		return -1;
	}
	vb_row_set_samples(row, x, n);
	json_object_set_new(row, "invocations", inv);
	/* Mean, spread and range of the pooled samples; the median and its
	 * interval from the two-level bootstrap. */
	vb_stats_compute(x, n, seed, &st);
	st.median = h.median;
	st.ci_low = h.ci_low;
	st.ci_high = h.ci_high;
	st.ci_halfwidth_rel = h.ci_halfwidth_rel;
	vb_row_set_stats(row, &st);
	vb_row_set_stats_spread(row, k, h.var_between, h.var_within);
	return 0;
}

int vb_row_set_str(json_t *row, const char *key, const char *value)
{
	const struct vb_row_key *k;

	for (k = vb_row_keys; k->key; k++)
		if (!strcmp(k->key, key) && strchr(k->types, 's') && !strchr(key, '.'))
			break;
	if (!k->key)
		return -1;
	if (value)
		json_object_set_new(row, key, json_string(value));
	else
		json_object_del(row, key);
	return 0;
}

void vb_row_set_pages(json_t *row, const char *requested, const char *verified, bool honoured)
{
	json_t *p = json_object();

	json_object_set_new(row, "pages", p);
	json_object_set_new(p, "requested", json_string(requested));
	if (!verified)
		return;
	json_object_set_new(p, "verified", json_string(verified));
	json_object_set_new(p, "honoured", json_boolean(honoured));
}

void vb_row_set_params(json_t *row, json_t *params)
{
	json_object_set_new(row, "params", params);
}

void vb_row_set_param(json_t *row, const char *name, json_t *value)
{
	json_t *p = json_object_get(row, "params");

	if (!json_is_object(p)) {
		p = json_object();
		json_object_set_new(row, "params", p);
	}
	json_object_set_new(p, name, value);
}

/* obj[name], an object made when absent. */
static json_t *object_in(json_t *obj, const char *name)
{
	json_t *o = json_object_get(obj, name);

	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(obj, name, o);
	}
	return o;
}

/* The row's `counters`, made (empty, as vb_row_counters_json) when absent. */
static json_t *counters_of(json_t *row)
{
	json_t *c = json_object_get(row, "counters");

	if (!json_is_object(c)) {
		c = vb_row_counters_json(0);
		json_object_set_new(row, "counters", c);
	}
	return c;
}

void vb_row_set_counters(json_t *row, json_t *c)
{
	if (c)
		json_object_set_new(row, "counters", c);
	else
		json_object_del(row, "counters");
}

void vb_row_set_kvm(json_t *row, const char *stat, uint64_t v)
{
	json_object_set_new(object_in(counters_of(row), "kvm"), stat, json_integer((json_int_t)v));
}

void vb_row_set_ops(json_t *row, uint64_t ops)
{
	json_object_set_new(counters_of(row), "ops", json_integer((json_int_t)ops));
}

void vb_row_set_software(json_t *row, const char *name, double v)
{
	json_object_set_new(object_in(counters_of(row), "software"), name, jreal(v));
}

void vb_row_set_extra(json_t *row, const char *name, double v)
{
	json_object_set_new(object_in(row, "extra"), name, jreal(v));
}

void vb_row_set_pmu(json_t *row, const char *side, const char *name, double v)
{
	json_object_set_new(object_in(object_in(counters_of(row), "pmu"), side), name, jreal(v));
}

void vb_row_add_unavailable(json_t *row, const char *metric, const char *side,
			    const char *cause, const char *reason)
{
	json_t *c = counters_of(row), *u = json_object_get(c, "unavailable");

	if (!json_is_array(u)) {
		u = json_array();
		json_object_set_new(c, "unavailable", u);
	}
	json_array_append_new(u, json_pack("{s:s,s:s,s:s,s:s}", "metric", metric, "side", side,
					   "cause", cause, "reason", reason));
}

void vb_row_add_fallback(json_t *row, const char *what)
{
	json_t *c = counters_of(row), *f = json_object_get(c, "fallbacks");

	if (!json_is_array(f)) {
		f = json_array();
		json_object_set_new(c, "fallbacks", f);
	}
	json_array_append_new(f, json_string(what));
}

void vb_row_set_walk(json_t *row, json_t *walk)
{
	if (walk)
		json_object_set_new(row, "walk", walk);
	else
		json_object_del(row, "walk");
}

void vb_row_set_trace(json_t *row, json_t *exits, json_t *shadow_mmu)
{
	if (exits)
		json_object_set_new(row, "exits", exits);
	else
		json_object_del(row, "exits");
	if (shadow_mmu)
		json_object_set_new(row, "shadow_mmu", shadow_mmu);
	else
		json_object_del(row, "shadow_mmu");
}

void vb_row_clear_measured(json_t *row)
{
	static const char *const keys[] = { "samples", "stats", "invocations",
					    "invocation_counters", "invocation_latency",
					    "extra", "latency", "counters", "walk", "exits",
					    "shadow_mmu" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_object_del(row, keys[i]);
}

const char *vb_row_str(json_t *row, const char *key)
{
	read_key(key, NULL);
	return json_string_value(json_object_get(row, key));
}

const char *vb_row_pages(json_t *row, const char *key)
{
	read_key("pages", key);
	return json_string_value(json_object_get(json_object_get(row, "pages"), key));
}

bool vb_row_honoured(json_t *row)
{
	json_t *h = json_object_get(json_object_get(row, "pages"), "honoured");

	read_key("pages", "honoured");

	/* A skipped row verified nothing, so it cannot contradict its request. */
	return !json_is_false(h) || !vb_row_pages(row, "verified");
}

bool vb_row_stat(json_t *row, const char *key, double *out)
{
	read_key("stats", key);
	return num(json_object_get(json_object_get(row, "stats"), key), out);
}

bool vb_row_is_ok(json_t *row)
{
	const char *st = vb_row_str(row, "status");
	double m;

	return st && strcmp(st, "ok") == 0 && vb_row_stat(row, "median", &m);
}

const char *vb_row_emulated_by(json_t *row)
{
	const char *t = vb_row_str(row, "timing"), *by = vb_row_str(row, "emulated_by");

	read_key("emulated_cpl0", NULL);

	if (t)
		return strcmp(t, "emulated") ? NULL : by ? by : "emulated";
	/* A row written before `timing`: only the micro and Linux guests' flag;
	 * the Linux guest under TCG also says mode_verified "tcg". */
	if (json_is_true(json_object_get(row, "emulated_cpl0")))
		return vb_row_str(row, "mode_verified") &&
		       !strcmp(vb_row_str(row, "mode_verified"), "tcg") ? "tcg" : "pvm-cpl0";
	return NULL;
}

bool vb_row_emulated(json_t *row)
{
	return vb_row_emulated_by(row) != NULL;
}

json_t *vb_row_samples_json(json_t *row)
{
	read_key("samples", NULL);
	return json_object_get(row, "samples");
}

json_t *vb_row_invocations_json(json_t *row)
{
	read_key("invocations", NULL);
	return json_object_get(row, "invocations");
}

size_t vb_row_samples_count(json_t *row)
{
	read_key("samples", NULL);
	return json_array_size(json_object_get(row, "samples"));
}

double *vb_row_samples(json_t *row, size_t *n)
{
	json_t *arr = json_object_get(row, "samples"), *v;
	double *x;
	size_t i;

	read_key("samples", NULL);
	*n = 0;
	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return NULL;
	x = malloc(json_array_size(arr) * sizeof(*x));
	if (!x)
		return NULL;
	json_array_foreach(arr, i, v)
		if (num(v, &x[*n]))
			(*n)++;
	if (*n == 0) {
		free(x);
		return NULL;
	}
	return x;
}

double *vb_row_invocations(json_t *row, size_t **len, size_t *k)
{
	json_t *arr = json_object_get(row, "invocations"), *inv, *v;
	size_t i, j, n = 0, at = 0;
	double *x, d;

	read_key("invocations", NULL);
	*len = NULL;
	*k = 0;
	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return NULL;
	json_array_foreach(arr, i, inv) {
		if (!json_is_array(inv) || json_array_size(inv) == 0)
			return NULL;
		json_array_foreach(inv, j, v)
			if (!num(v, &d))
				return NULL;
		n += json_array_size(inv);
	}
	x = malloc(n * sizeof(*x));
	*len = malloc(json_array_size(arr) * sizeof(**len));
	if (!x || !*len) {
		free(x);
		free(*len);
		*len = NULL;
		return NULL;
	}
	json_array_foreach(arr, i, inv) {
		(*len)[i] = json_array_size(inv);
		json_array_foreach(inv, j, v)
			x[at++] = json_number_value(v);
	}
	*k = json_array_size(arr);
	return x;
}

char *vb_row_params_key(json_t *row)
{
	json_t *p = json_object_get(row, "params");

	read_key("params", NULL);
	if (!json_is_object(p))
		return strdup("{}");
	return json_dumps(p, JSON_SORT_KEYS | JSON_COMPACT);
}

json_t *vb_row_params(json_t *row)
{
	json_t *p = json_object_get(row, "params");

	read_key("params", NULL);
	return json_is_object(p) ? p : NULL;
}

json_t *vb_row_param(json_t *row, const char *name)
{
	read_key("params", "*");
	return json_object_get(vb_row_params(row), name);
}

bool vb_row_param_num(json_t *row, const char *name, double *out)
{
	return num(vb_row_param(row, name), out);
}

bool vb_row_mem_bytes(json_t *row, double *out)
{
	const char *req = vb_row_pages(row, "requested");
	double pages;

	if (vb_row_param_num(row, "footprint", out))
		return true;
	if (!vb_row_param_num(row, "pages", &pages))
		return false;
	/* The guest dimension: the text before any ':'; thp is 2M pages. */
	if (req && (!strncmp(req, "2m", 2) || !strncmp(req, "thp", 3)))
		*out = pages * (2 << 20);
	else if (req && !strncmp(req, "1g", 2))
		*out = pages * (1 << 30);
	else
		*out = pages * 4096;
	return true;
}

json_t *vb_row_counters(json_t *row)
{
	json_t *c = json_object_get(row, "counters");

	read_key("counters", NULL);
	return json_is_object(c) ? c : NULL;
}

bool vb_row_ops(json_t *row, double *out)
{
	read_key("counters", "ops");
	return num(json_object_get(vb_row_counters(row), "ops"), out);
}

json_t *vb_row_pmu_sides(json_t *row)
{
	json_t *p = json_object_get(vb_row_counters(row), "pmu");

	read_key("counters", "pmu");
	return json_is_object(p) ? p : NULL;
}

bool vb_row_pmu(json_t *row, const char *side, const char *name, double *out)
{
	read_key("counters.pmu.*", "*");
	return num(json_object_get(json_object_get(vb_row_pmu_sides(row), side), name), out);
}

json_t *vb_row_kvm_stats(json_t *row)
{
	json_t *k = json_object_get(vb_row_counters(row), "kvm");

	read_key("counters", "kvm");
	return json_is_object(k) ? k : NULL;
}

bool vb_row_kvm(json_t *row, const char *stat, double *out)
{
	read_key("counters.kvm", "*");
	return num(json_object_get(vb_row_kvm_stats(row), stat), out);
}

bool vb_row_software(json_t *row, const char *name, double *out)
{
	read_key("counters.software", "*");
	return num(json_object_get(json_object_get(vb_row_counters(row), "software"), name), out);
}

const char *vb_row_counter_set(json_t *row)
{
	read_key("counters", "set");
	return json_string_value(json_object_get(vb_row_counters(row), "set"));
}

json_t *vb_row_counter_unavailable(json_t *row)
{
	json_t *u = json_object_get(vb_row_counters(row), "unavailable");

	read_key("counters", "unavailable");
	return json_is_array(u) ? u : NULL;
}

json_t *vb_row_counter_fallbacks(json_t *row)
{
	json_t *f = json_object_get(vb_row_counters(row), "fallbacks");

	read_key("counters", "fallbacks");
	return json_is_array(f) ? f : NULL;
}

json_t *vb_row_exits(json_t *row)
{
	json_t *e = json_object_get(row, "exits");

	read_key("exits", NULL);
	return json_is_object(e) ? e : NULL;
}

json_t *vb_row_shadow_mmu(json_t *row)
{
	json_t *m = json_object_get(row, "shadow_mmu");

	read_key("shadow_mmu", NULL);
	return json_is_object(m) ? m : NULL;
}

bool vb_row_exits_num(json_t *row, const char *key, double *out)
{
	read_key("exits", key);
	return num(json_object_get(vb_row_exits(row), key), out);
}

const char *vb_row_exits_unavailable(json_t *row, const char *key)
{
	read_key("exits.unavailable", key);
	return json_string_value(json_object_get(
		json_object_get(vb_row_exits(row), "unavailable"), key));
}

static json_t *exit_reasons(json_t *row)
{
	json_t *r = json_object_get(vb_row_exits(row), "reasons");

	read_key("exits", "reasons");
	return json_is_array(r) ? r : NULL;
}

size_t vb_row_exit_reasons(json_t *row)
{
	return json_array_size(exit_reasons(row));
}

const char *vb_row_exit_str(json_t *row, size_t i, const char *key)
{
	read_key("exits.reasons", key);
	return json_string_value(json_object_get(json_array_get(exit_reasons(row), i), key));
}

bool vb_row_exit_num(json_t *row, size_t i, const char *key, double *out)
{
	read_key("exits.reasons", key);
	return num(json_object_get(json_array_get(exit_reasons(row), i), key), out);
}

json_t *vb_row_shadow_mmu_per_op(json_t *row)
{
	json_t *m = json_object_get(vb_row_shadow_mmu(row), "per_op");

	read_key("shadow_mmu", "per_op");
	return json_is_object(m) ? m : NULL;
}

static json_t *mmu_unavailable(json_t *row)
{
	json_t *u = json_object_get(vb_row_shadow_mmu(row), "unavailable");

	read_key("shadow_mmu", "unavailable");
	return json_is_array(u) ? u : NULL;
}

size_t vb_row_shadow_mmu_unavailable(json_t *row)
{
	return json_array_size(mmu_unavailable(row));
}

const char *vb_row_shadow_mmu_unavailable_str(json_t *row, size_t i, const char *key)
{
	read_key("shadow_mmu.unavailable", key);
	return json_string_value(json_object_get(json_array_get(mmu_unavailable(row), i), key));
}

json_t *vb_row_walk(json_t *row)
{
	json_t *w = json_object_get(row, "walk");

	read_key("walk", NULL);
	return json_is_object(w) ? w : NULL;
}

bool vb_row_walk_num(json_t *row, const char *side, const char *key, double *out)
{
	read_key("walk.*", key);
	return num(json_object_get(json_object_get(vb_row_walk(row), side), key), out);
}

bool vb_row_extra(json_t *row, const char *name, double *out)
{
	read_key("extra", "*");
	return num(json_object_get(json_object_get(row, "extra"), name), out);
}

bool vb_row_latency(json_t *row, const char *key, double *out)
{
	read_key("latency", key);
	return num(json_object_get(json_object_get(row, "latency"), key), out);
}

static bool type_ok(json_t *v, const char *types)
{
	for (; *types; types++)
		if ((*types == 's' && json_is_string(v)) || (*types == 'n' && json_is_number(v)) ||
		    (*types == 'b' && json_is_boolean(v)) || (*types == 'o' && json_is_object(v)) ||
		    (*types == 'a' && json_is_array(v)) || (*types == 'z' && json_is_null(v)))
			return true;
	return false;
}

static const struct vb_row_key *find_key(const char *parent, const char *key)
{
	char path[160];

	snprintf(path, sizeof(path), "%s%s%s", parent ? parent : "", parent ? "." : "", key);
	for (const struct vb_row_key *k = vb_row_keys; k->key; k++)
		if (!strcmp(k->key, path))
			return k;
	return NULL;
}

/* The keys of obj (named parent in the table, NULL at the top). */
static int check_keys(json_t *obj, const char *parent, char *why, size_t len)
{
	const struct vb_row_key *k;
	const char *name;
	json_t *v;

	json_object_foreach(obj, name, v) {
		k = find_key(parent, name);
		if (!k) {
			snprintf(why, len,
				 "%s%s%s is not a key of a row (schema/vbench.schema.json)",
				 parent ? parent : "", parent ? "." : "", name);
			return -1;
		}
		if (!type_ok(v, k->types)) {
			snprintf(why, len, "%s has the wrong type", k->key);
			return -1;
		}
	}
	return 0;
}

int vb_row_check(json_t *row, char *why, size_t len)
{
	static const char *const required[] = { "bench", "mode", "status" };
	static const char *const nested[] = { "pages", "stats", "latency" };

	if (!json_is_object(row)) {
		snprintf(why, len, "is not an object");
		return -1;
	}
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		if (!json_is_string(json_object_get(row, required[i]))) {
			snprintf(why, len, "%s is missing or not a string", required[i]);
			return -1;
		}
	if (check_keys(row, NULL, why, len) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(nested) / sizeof(nested[0]); i++)
		if (json_is_object(json_object_get(row, nested[i])) &&
		    check_keys(json_object_get(row, nested[i]), nested[i], why, len) < 0)
			return -1;
	return 0;
}
