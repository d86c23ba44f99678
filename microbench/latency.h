/* latency.h: per-operation latencies of a workload, kept as a log-linear
 * histogram (every value within 1/64 of its bucket), so millions of
 * operations cost 16 KiB and percentiles come out the same for a seed. */
#ifndef VB_LATENCY_H
#define VB_LATENCY_H

#include <stdint.h>

#define VB_LAT_SUB_BITS 5
#define VB_LAT_SUB (1u << VB_LAT_SUB_BITS)
#define VB_LAT_BUCKETS ((64 - VB_LAT_SUB_BITS + 1) * VB_LAT_SUB)

struct vb_latency {
	uint64_t count[VB_LAT_BUCKETS];
	uint64_t n;		/* values recorded */
	uint64_t max;		/* the largest, exactly */
};

/* Record one latency in nanoseconds. */
void vb_latency_add(struct vb_latency *l, uint64_t ns);
/* The q-quantile (0 < q <= 1) in nanoseconds: the middle of the bucket that
 * holds the value of rank ceil(q * n), never above the largest value seen;
 * 0 when nothing was recorded. */
double vb_latency_quantile(const struct vb_latency *l, double q);
/* Bucket of a value and the bounds [low, high) of a bucket, for tests. */
unsigned vb_latency_bucket(uint64_t ns);
void vb_latency_bounds(unsigned bucket, uint64_t *low, uint64_t *high);

#endif
