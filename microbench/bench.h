/* bench.h: what a bench is. A bench is one file that defines one struct
 * vb_bench; benches.c registers it with one table line. All timing,
 * repetition, counters and output live in the runner (runner.c), never in a bench. */
#ifndef VB_BENCH_H
#define VB_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/backing.h"
#include "lib/error.h"
#include "lib/pages.h"
#include "lib/param.h"
#include "microbench/latency.h"

/* How the runner turns (elapsed ns, ops) into the reported value. */
enum vb_unit_kind {
	VB_UNIT_NS_PER_OP,	/* value = ns / ops */
	VB_UNIT_US_PER_OP,	/* value = ns / ops / 1000 */
	VB_UNIT_OPS_PER_SEC,	/* value = ops / s */
};

/* State the runner hands to a bench. */
struct vb_bench_ctx {
	struct vb_param_values params;
	enum vb_page_size pages;	/* requested page size for the bench's memory */
	bool hugetlb;			/* 2m via hugetlbfs instead of THP */
	struct vb_mem mem;		/* the bench's main allocation, when it has one */
	void *state;			/* the bench's own, from setup to teardown */
	char err[256];			/* why setup/run failed, for the row's reason */
	bool skip;			/* setup failed because this host cannot (no hugepages,
					 * one CPU): the row is "skipped", not "failed" */
	uint64_t seed;			/* for the bench's own randomness (permutations, indices) */
	/* Secondary metrics (name, value), e.g. the per-page cost of mmapchurn or
	 * ptrchase's first-pass cost; the runner reports their medians. */
	struct { const char *name; double value; } extra[4];
	int n_extra;
	/* Where vb_bench_latency() records: set by the runner for the timed
	 * runs of a bench with .latency, NULL otherwise (warmup is not counted). */
	struct vb_latency *lat;
};

/* What one run() call did. */
struct vb_ops {
	uint64_t ops;		/* operations in the timed region (loads, forks, switches, ...) */
	uint64_t sink;		/* a value the compiler cannot discard (e.g. the chase's end) */
	uint64_t sub_ops; /* finer operations inside ops (mmapchurn's pages), for .sub_metric */
};

struct vb_bench {
	const char *name;
	const char *summary;			/* one line for `vbench list` */
	enum vb_unit_kind unit_kind;
	const char *unit;			/* as printed: "ns/load", "us/fork", "updates/s" */
	const struct vb_param_def *params;	/* NULL-name terminated */
	bool uses_pages;			/* honours --pages for its memory */
	/* Allocate and prepare outside the timed region; 0 or -1 with ctx->err. */
	int (*setup)(struct vb_bench_ctx *ctx);
	/* The timed region: the runner reads the clock right before and after. */
	int (*run)(struct vb_bench_ctx *ctx, struct vb_ops *ops);
	void (*teardown)(struct vb_bench_ctx *ctx);
	/* Optional: the page sizes actually obtained for the bench's memory; when
	 * NULL and uses_pages, the runner verifies ctx->mem. */
	int (*verify)(struct vb_bench_ctx *ctx, struct vb_mem_verified *out);
	/* Optional: called untimed before every run() (warmup and timed), to give
	 * each run fresh state (pagefault's unfaulted memory). 0 or -1 with ctx->err. */
	int (*prepare)(struct vb_bench_ctx *ctx);
	/* Optional: name of an extra metric the runner derives from the same
	 * elapsed time over vb_ops.sub_ops, in the bench's unit kind ("us_per_page"). */
	const char *sub_metric;
	/* Optional: called untimed once after the last sample, before teardown,
	 * to check the bench's own invariants (oltp's balances); -1 with
	 * ctx->err fails the row. */
	int (*check)(struct vb_bench_ctx *ctx);
	/* Optional: bytes of memory of the requested page size the bench maps at
	 * once, when the parameter that declares it (.mem in its params table)
	 * does not say it (build's jobs each map their own). */
	uint64_t (*mem_bytes)(const struct vb_param_values *pv, enum vb_page_size ps);
	/* The bench times its operations one by one through vb_now_ns() (lib/clock.h)
	 * and vb_bench_latency(); the row then carries `latency` (p50, p99). */
	bool latency;
};

/* Map len bytes of ctx->pages (ctx->hugetlb) into ctx->mem and, when touch,
 * fault every page in. On failure fills ctx->err, and sets ctx->skip when the
 * host lacks the hugepages. For benches' setup. */
int vb_bench_mem_alloc(struct vb_bench_ctx *ctx, size_t len, bool touch);
/* Add one secondary metric for this run (ctx->extra). */
void vb_bench_extra(struct vb_bench_ctx *ctx, const char *name, double value);
/* Bytes of memory the bench maps at once with the requested page size, by the
 * naming convention of parameters: `footprint` (bytes) or `pages` (pages of
 * that size); 0 when it has neither. For reserving hugepages ahead of a run. */
uint64_t vb_bench_mem_bytes(const struct vb_bench *b, const struct vb_param_values *pv,
			    enum vb_page_size ps);
/* Record one operation's latency in ns (nothing when ctx->lat is NULL). */
static inline void vb_bench_latency(struct vb_bench_ctx *ctx, uint64_t ns)
{
	if (ctx->lat)
		vb_latency_add(ctx->lat, ns);
}
/* waitpid(pid) and insist it exited with 0; -1 with ctx->err otherwise. */
int vb_bench_reap(struct vb_bench_ctx *ctx, int pid);
/* The end of every bench's teardown: free ctx->state (one malloc'd block, or
 * NULL) and unmap ctx->mem (nothing when it was never mapped). A bench whose
 * state holds more releases that first; one with nothing more uses this as
 * its teardown. */
void vb_bench_teardown(struct vb_bench_ctx *ctx);

/* The table, in benches.c. */
extern const struct vb_bench *const vb_benches[];
const struct vb_bench *vb_bench_find(const char *name);
/* "ptrchase, forkwait, ..." for error messages. */
void vb_bench_names(char *buf, size_t len);

#endif
