/* kvstore.c: an in-memory key-value store (an open-addressing hash table of
 * fixed-size values, memcached-like) in the bench's memory, under a
 * closed-loop client drawing Zipfian keys: the TLB-heavy server workload. */
#include "microbench/bench.h"
#include "lib/clock.h"
#include "workloads/zipf.h"

#include <stdlib.h>
#include <string.h>

static const struct vb_param_def params[] = {
	{ .name = "footprint",
	  .type = VB_PARAM_SIZE,
	  .def = 1UL << 30,
	  .min = 1UL << 20,
	  .max = 256UL << 30,
	  .unit = "bytes",
	  .help = "the store's table, in the requested page size",
	  .mem = VB_MEM_BYTES },
	{ .name = "value",
	  .type = VB_PARAM_SIZE,
	  .def = 120,
	  .min = 8,
	  .max = 4096,
	  .unit = "bytes",
	  .help = "value size, a multiple of 8 (a slot: the value and an 8-byte key)",
	  .step = 8 },
	{ .name = "requests",
	  .type = VB_PARAM_U64,
	  .def = 200000,
	  .min = 1,
	  .max = 1000000000,
	  .unit = "requests",
	  .help = "client requests per run, each sent when the last one returned" },
	{ .name = "reads",
	  .type = VB_PARAM_U64,
	  .def = 95,
	  .min = 0,
	  .max = 100,
	  .unit = "percent",
	  .help = "share of gets; the rest are puts of a new value" },
	{ .name = "zipf",
	  .type = VB_PARAM_U64,
	  .def = 99,
	  .min = 0,
	  .max = 99,
	  .unit = "1/100",
	  .help = "Zipfian skew theta in hundredths (0 uniform, 99 YCSB's 0.99)" },
	{ 0 }
};

#define LOAD_NUM 3	/* keys fill 3/4 of the slots */
#define LOAD_DEN 4

struct state {
	uint64_t slot_words;	/* 8-byte words per slot: key, then value */
	uint64_t slots, keys;
	struct vb_zipf zipf;
	uint64_t rng;
	uint64_t version;	/* puts so far, folded into the values they write */
	uint64_t *val;		/* the client's copy of the last value read */
};

static uint64_t *slot_at(struct vb_bench_ctx *ctx, struct state *st, uint64_t i)
{
	return (uint64_t *)ctx->mem.addr + i * st->slot_words;
}

static uint64_t home(const struct state *st, uint64_t key)
{
	uint64_t h = key * 0xff51afd7ed558ccdull;

	h ^= h >> 33;
	return (uint64_t)(((unsigned __int128)h * st->slots) >> 64);
}

/* The slot holding key (stored as key + 1, so that 0 is an empty slot), or
 * the empty slot where it would go. Linear probing. */
static uint64_t *find(struct vb_bench_ctx *ctx, struct state *st, uint64_t key)
{
	uint64_t i = home(st, key);

	for (;;) {
		uint64_t *s = slot_at(ctx, st, i);

		if (s[0] == key + 1 || s[0] == 0)
			return s;
		if (++i == st->slots)
			i = 0;
	}
}

/* A value: its version (the put that wrote it), then words derived from the
 * key and the version, so that a torn or misplaced value shows. */
static uint64_t word_of(uint64_t key, uint64_t version, uint64_t w)
{
	return key ^ (version * 0x9e3779b97f4a7c15ull) ^ w;
}

static void fill(uint64_t *s, uint64_t words, uint64_t key, uint64_t version)
{
	s[1] = version;
	for (uint64_t w = 2; w < words; w++)
		s[w] = word_of(key, version, w);
}

static int setup(struct vb_bench_ctx *ctx)
{
	uint64_t footprint = vb_param_get(&ctx->params, "footprint");
	uint64_t value = vb_param_get(&ctx->params, "value");
	struct state *st;

	if (value % 8)
		return vb_errf(ctx->err, sizeof(ctx->err), "value=%llu: use a multiple of 8 bytes",
			       (unsigned long long)value);
	st = calloc(1, sizeof(*st));
	if (!st)
		return vb_errf(ctx->err, sizeof(ctx->err), "out of memory");
	ctx->state = st;
	st->slot_words = value / 8 + 1;
	st->slots = footprint / (st->slot_words * 8);
	st->keys = st->slots * LOAD_NUM / LOAD_DEN;
	if (st->keys < 2)
		return vb_errf(ctx->err, sizeof(ctx->err),
			       "footprint=%llu holds fewer than 2 keys of "
			       "value=%llu: raise footprint",
			       (unsigned long long)footprint, (unsigned long long)value);
	st->val = calloc(st->slot_words, 8);
	if (!st->val)
		return vb_errf(ctx->err, sizeof(ctx->err), "out of memory");
	/* Zeroed and resident before the first key goes in: loading is untimed. */
	if (vb_bench_mem_alloc(ctx, st->slots * st->slot_words * 8, true) < 0)
		return -1;
	for (uint64_t k = 0; k < st->keys; k++) {
		uint64_t *s = find(ctx, st, k);

		s[0] = k + 1;
		fill(s, st->slot_words, k, 0);
	}
	vb_zipf_init(&st->zipf, st->keys, (double)vb_param_get(&ctx->params, "zipf") / 100.0);
	st->rng = ctx->seed;
	return 0;
}

/* One request: a get copies the value out, a put writes a new one. Every key
 * the client asks for was loaded, so an empty slot means a broken table. */
static int request(struct vb_bench_ctx *ctx, struct state *st, uint64_t reads, uint64_t *sink)
{
	uint64_t key = vb_zipf_scatter(vb_zipf_next(&st->zipf, &st->rng), st->keys);
	bool get = vb_rand_below(&st->rng, 100) < reads;
	uint64_t *s = find(ctx, st, key);

	if (s[0] != key + 1)
		return vb_errf(ctx->err, sizeof(ctx->err), "key %llu is missing from the table",
			       (unsigned long long)key);
	if (get) {
		memcpy(st->val, s, st->slot_words * 8);
		*sink += st->val[st->slot_words - 1];
	} else {
		fill(s, st->slot_words, key, ++st->version);
	}
	return 0;
}

static int run(struct vb_bench_ctx *ctx, struct vb_ops *ops)
{
	struct state *st = ctx->state;
	uint64_t n = vb_param_get(&ctx->params, "requests");
	uint64_t reads = vb_param_get(&ctx->params, "reads");

	for (uint64_t i = 0; i < n; i++) {
		uint64_t t0 = vb_now_ns();

		if (request(ctx, st, reads, &ops->sink) < 0)
			return -1;
		vb_bench_latency(ctx, vb_now_ns() - t0);
	}
	ops->ops = n;
	return 0;
}

/* Every key is where a lookup finds it, and its value is one that a put (or
 * the load) wrote: no request lost or tore a slot. */
static int check(struct vb_bench_ctx *ctx)
{
	struct state *st = ctx->state;

	for (uint64_t k = 0; k < st->keys; k++) {
		uint64_t *s = find(ctx, st, k);
		uint64_t version = s[1];

		if (s[0] != k + 1 || version > st->version)
			return vb_errf(ctx->err, sizeof(ctx->err),
				       "key %llu lost or torn after the run",
				       (unsigned long long)k);
		for (uint64_t w = 2; w < st->slot_words; w++)
			if (s[w] != word_of(k, version, w))
				return vb_errf(ctx->err, sizeof(ctx->err),
					       "key %llu has a torn value", (unsigned long long)k);
	}
	return 0;
}

static void teardown(struct vb_bench_ctx *ctx)
{
	struct state *st = ctx->state;

	if (st)
		free(st->val);
	vb_bench_teardown(ctx);
}

const struct vb_bench vb_bench_kvstore = {
	.name = "kvstore",
	.summary = "in-memory key-value store, closed-loop client, Zipfian keys, get/put mix",
	.unit_kind = VB_UNIT_OPS_PER_SEC,
	.unit = "requests/s",
	.params = params,
	.uses_pages = true,
	.setup = setup,
	.run = run,
	.teardown = teardown,
	.check = check,
	.latency = true,
};
