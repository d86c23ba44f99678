/* runner.c: the one place benches are timed. setup -> verify pages -> warmup
 * -> timed samples (clock around run() only) until the stop rule says stop
 * -> teardown, then the row as JSON. */
#include "microbench/runner.h"
#include "microbench/counters.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/row.h"
#include "lib/stats.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXTRA_MAX 5	/* ctx->extra slots plus the sub metric */

struct extra_series {
	const char *name;
	double *v;
	size_t n;
};

struct run {
	const struct vb_bench *b;
	const struct vb_runner_opts *o;
	struct vb_bench_ctx ctx;
	size_t cap;
	double *samples;
	size_t n;
	struct extra_series extra[EXTRA_MAX];
	int n_extra;
	uint64_t ops_total;
	struct vb_latency *lat;	/* the timed runs' latencies, for a bench with .latency */
	const char *status;
	char reason[512];
};

void vb_runner_opts_default(struct vb_runner_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->pages = VB_PS_4K;
	o->stop = VB_STOP_DEFAULT;
	o->warmup = VB_WARMUP_DEFAULT;
	o->seed = 1;
	o->counters = VB_CSET_DEFAULT;
}

__attribute__((format(printf, 2, 3)))
static void logf_(const struct vb_runner_opts *o, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!o->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o->log(o->log_arg, msg);
}

/* JSON has no NaN or infinity: those become null. */
static json_t *jreal(double d)
{
	return isfinite(d) ? json_real(d) : json_null();
}

/* (elapsed, ops) -> the bench's unit. */
static double convert(enum vb_unit_kind k, double ns, uint64_t ops)
{
	switch (k) {
	case VB_UNIT_NS_PER_OP:
		return ns / (double)ops;
	case VB_UNIT_US_PER_OP:
		return ns / (double)ops / 1e3;
	case VB_UNIT_OPS_PER_SEC:
	default:
		return (double)ops / (ns / 1e9);
	}
}

static void fail(struct run *r, const char *status, const char *why)
{
	if (r->status)
		return;
	r->status = status;
	snprintf(r->reason, sizeof(r->reason), "%s", why && *why ? why : "no reason given");
}

static void extra_add(struct run *r, const char *name, double v)
{
	int i;

	for (i = 0; i < r->n_extra; i++)
		if (!strcmp(r->extra[i].name, name))
			break;
	if (i == r->n_extra) {
		if (r->n_extra >= EXTRA_MAX)
			return;
		r->extra[i].name = name;
		r->extra[i].v = calloc(r->cap, sizeof(double));
		r->extra[i].n = 0;
		if (!r->extra[i].v)
			return;
		r->n_extra++;
	}
	if (r->extra[i].n < r->cap)
		r->extra[i].v[r->extra[i].n++] = v;
}

/* What the kernel gave, compared with what was asked. THP counts as honoured
 * when the memory is in 2M pages; a size that covers < 99% is "mixed". */
static json_t *pages_json(const struct run *r, const struct vb_mem_verified *v, bool verified)
{
	enum vb_page_size req = r->ctx.pages;
	enum vb_page_size want = vb_page_size_honoured_by(req);
	json_t *p = json_object();
	json_t *ver;
	bool honoured;

	json_object_set_new(p, "requested", json_string(vb_page_size_name(req)));
	json_object_set_new(p, "backing",
			    json_string(vb_backing_name(vb_backing_for(req, r->ctx.hugetlb))));
	if (!verified) {
		/* Nothing of the bench's own to verify (ctxswitch, forkwait with no
		 * footprint): vacuously honoured when the run went ahead, not when
		 * setup could not get the memory. */
		ver = json_null();
		honoured = r->status == NULL;
	} else if (v->size == VB_PS_NONE) {
		ver = v->rss ? json_string("mixed") : json_null();
		honoured = false;
	} else {
		ver = json_string(vb_page_size_name(v->size));
		honoured = v->size == want;
	}
	json_object_set_new(p, "verified", ver);
	json_object_set_new(p, "honoured", json_boolean(honoured));
	json_object_set_new(p, "guest_bytes",
			    vb_row_page_bytes_json(v->bytes_4k, v->bytes_2m, v->bytes_1g));
	json_object_set_new(p, "source", json_string(verified ? "smaps" : "none"));
	return p;
}

/* The page sizes behind the bench's memory; false when there is nothing to verify. */
static bool verify_pages(struct run *r, struct vb_mem_verified *v)
{
	struct vb_bench_ctx *ctx = &r->ctx;
	int rc;

	memset(v, 0, sizeof(*v));
	if (!r->b->uses_pages)
		return false;
	if (r->b->verify)
		rc = r->b->verify(ctx, v);
	else if (ctx->mem.addr && ctx->mem.len)
		rc = vb_mem_verify(&ctx->mem, v, ctx->err, sizeof(ctx->err));
	else
		return false;
	if (rc < 0) {
		fail(r, "failed", ctx->err);
		return false;
	}
	return true;
}

#ifdef VB_PLANT_OVERHEAD
/* Test builds only (make bench-plant; scripts/bench.sh shows that it sees
 * this): the counted sets cost VB_PLANT_OVERHEAD percent more, spun inside
 * the timed region. The shipped binaries never define it. */
static double plant(const struct vb_counters *cs, double t0, double t1)
{
	double until = t1 + (t1 - t0) * (VB_PLANT_OVERHEAD) / 100.0, t = t1;

	while (cs && cs->set >= VB_CSET_DEFAULT && (t = (double)vb_now_ns()) < until)
		;
	return t;
}
#else
#define plant(cs, t0, t1) (t1)
#endif

/* One run() with its untimed prepare; returns elapsed ns or -1. */
static double one_run(struct run *r, struct vb_ops *ops, struct vb_counters *cs)
{
	struct vb_bench_ctx *ctx = &r->ctx;
	double t0, t1;
	int rc;

	if (r->b->prepare && r->b->prepare(ctx) < 0) {
		fail(r, ctx->skip ? "skipped" : "failed", ctx->err);
		return -1;
	}
	memset(ops, 0, sizeof(*ops));
	ctx->n_extra = 0;
	if (cs)
		vb_counters_start(cs);
	t0 = (double)vb_now_ns();
	rc = r->b->run(ctx, ops);
	t1 = plant(cs, t0, (double)vb_now_ns());
	if (cs)
		vb_counters_stop(cs);
	if (rc < 0) {
		fail(r, "failed", ctx->err);
		return -1;
	}
	if (ops->ops == 0) {
		fail(r, "failed", "the bench reported no operations");
		return -1;
	}
	return t1 - t0;
}

static void sample_loop(struct run *r, struct vb_counters *cs)
{
	const struct vb_stop_rule *stop = &r->o->stop;
	volatile uint64_t sink = 0;
	struct vb_ops ops;
	double t_start, ns;

	for (unsigned i = 0; i < r->o->warmup; i++) {
		if (one_run(r, &ops, NULL) < 0)
			return;
		sink ^= ops.sink;
	}
	r->ctx.lat = r->lat;
	t_start = (double)vb_now_ns();
	while (r->n < r->cap &&
	       vb_stop_rule_more(stop, r->samples, r->n, ((double)vb_now_ns() - t_start) / 1e9)) {
		ns = one_run(r, &ops, cs);
		if (ns < 0)
			return;
		sink ^= ops.sink;
		r->samples[r->n++] = convert(r->b->unit_kind, ns, ops.ops);
		r->ops_total += ops.ops;
		if (r->b->sub_metric && ops.sub_ops)
			extra_add(r, r->b->sub_metric, convert(r->b->unit_kind, ns, ops.sub_ops));
		for (int k = 0; k < r->ctx.n_extra; k++)
			extra_add(r, r->ctx.extra[k].name, r->ctx.extra[k].value);
	}
	r->ctx.lat = NULL;
	(void)sink;
}

static json_t *build_row(struct run *r, const struct vb_param_values *pv,
			 const struct vb_mem_verified *v, bool verified,
			 const struct vb_counters *cs, double seconds)
{
	json_t *row = json_object(), *extra = json_object(), *counters;

	json_object_set_new(row, "bench", json_string(r->b->name));
	json_object_set_new(row, "params", vb_row_params_json(pv));
	json_object_set_new(row, "unit", json_string(r->b->unit));
	vb_row_set_measured(row, r->samples, r->n, r->o->seed);
	for (int i = 0; i < r->n_extra; i++)
		json_object_set_new(extra, r->extra[i].name,
				    jreal(vb_median(r->extra[i].v, r->extra[i].n)));
	json_object_set_new(row, "extra", extra);
	/* Percentiles of every operation of the timed runs, in microseconds. */
	if (r->lat && r->lat->n)
		vb_row_set_latency(row, r->lat->n, vb_latency_quantile(r->lat, 0.50) / 1e3,
				   vb_latency_quantile(r->lat, 0.99) / 1e3,
				   (double)r->lat->max / 1e3);
	json_object_set_new(row, "pages", pages_json(r, v, verified));
	counters = vb_row_counters_json(cs ? r->ops_total : 0);
	if (cs)
		vb_counters_json(cs, counters);
	json_object_set_new(row, "counters", counters);
	vb_row_set_status(row, r->status ? r->status : "ok", r->status ? r->reason : NULL);
	json_object_set_new(row, "seconds", json_real(seconds));
	return row;
}

json_t *vb_runner_run(const struct vb_bench *b, const struct vb_param_values *pv,
		      const struct vb_runner_opts *o)
{
	struct run r = { .b = b, .o = o };
	struct vb_mem_verified v;
	struct vb_counters cs;
	bool verified = false, opened = false, counting = false;
	double t0 = (double)vb_now_ns();
	json_t *row;

	memset(&v, 0, sizeof(v));
	r.ctx.params = *pv;
	r.ctx.pages = o->pages == VB_PS_NONE ? VB_PS_4K : o->pages;
	r.ctx.hugetlb = o->hugetlb;
	r.ctx.seed = o->seed;
	r.cap = o->stop.max_runs < VB_SAMPLES_MAX ? o->stop.max_runs : VB_SAMPLES_MAX;
	r.samples = calloc(r.cap ? r.cap : 1, sizeof(double));
	if (!r.samples)
		return NULL;
	if (b->latency) {
		r.lat = calloc(1, sizeof(*r.lat));
		if (!r.lat) {
			free(r.samples);
			return NULL;
		}
	}

	if (pv->defs != b->params) {
		fail(&r, "failed", "internal: parameter values are not this bench's");
	} else {
		/* Opened before setup, so that a partner it starts (ctxswitch's
		 * process or thread) inherits them; only the timed regions count. */
		vb_counters_init(&cs, o->counters);
		vb_counters_open(&cs, VB_SCOPE_PROCESS, 0, o->events);
		opened = true;
		if (b->setup(&r.ctx) < 0) {
			fail(&r, r.ctx.skip ? "skipped" : "failed", r.ctx.err);
		} else {
			verified = verify_pages(&r, &v);
			if (verified)
				logf_(o,
				      "%s: pages requested %s, verified %s (4k %llu, 2m %llu, 1g "
				      "%llu bytes)",
				      b->name, vb_page_size_name(r.ctx.pages),
				      vb_page_size_name(v.size), (unsigned long long)v.bytes_4k,
				      (unsigned long long)v.bytes_2m,
				      (unsigned long long)v.bytes_1g);
			if (!r.status) {
				counting = true;
				sample_loop(&r, &cs);
			}
			/* The bench's own invariants, untimed, once its samples are in. */
			if (!r.status && b->check && b->check(&r.ctx) < 0)
				fail(&r, "failed", r.ctx.err);
		}
	}
	if (b->teardown)
		b->teardown(&r.ctx);
	row = build_row(&r, pv, &v, verified, counting ? &cs : NULL,
			((double)vb_now_ns() - t0) / 1e9);
	if (opened)
		vb_counters_close(&cs);
	for (int i = 0; i < r.n_extra; i++)
		free(r.extra[i].v);
	free(r.samples);
	free(r.lat);
	return row;
}
