/* latency.c: the histogram of latency.h. Values below 2^VB_LAT_SUB_BITS get a
 * bucket each; above, each power of two is split into VB_LAT_SUB buckets. */
#include "microbench/latency.h"

unsigned vb_latency_bucket(uint64_t ns)
{
	unsigned e;

	if (ns < VB_LAT_SUB)
		return (unsigned)ns;
	e = 63u - (unsigned)__builtin_clzll(ns);	/* e >= VB_LAT_SUB_BITS */
	return (e - VB_LAT_SUB_BITS + 1) * VB_LAT_SUB +
	       (unsigned)((ns >> (e - VB_LAT_SUB_BITS)) & (VB_LAT_SUB - 1));
}

void vb_latency_bounds(unsigned bucket, uint64_t *low, uint64_t *high)
{
	unsigned row = bucket / VB_LAT_SUB, sub = bucket % VB_LAT_SUB, shift;

	if (row == 0) {
		*low = bucket;
		*high = (uint64_t)bucket + 1;
		return;
	}
	shift = row - 1;
	*low = (uint64_t)(VB_LAT_SUB + sub) << shift;
	/* The last bucket ends at 2^64, which wraps to 0: say UINT64_MAX. */
	*high = bucket == VB_LAT_BUCKETS - 1 ? UINT64_MAX : *low + (1ull << shift);
}

void vb_latency_add(struct vb_latency *l, uint64_t ns)
{
	l->count[vb_latency_bucket(ns)]++;
	l->n++;
	if (ns > l->max)
		l->max = ns;
}

double vb_latency_quantile(const struct vb_latency *l, double q)
{
	uint64_t rank, seen = 0, low, high;
	double mid;

	if (!l->n || !(q > 0))
		return 0;
	if (q > 1)
		q = 1;
	rank = (uint64_t)((double)l->n * q);
	if ((double)rank < (double)l->n * q)
		rank++;
	if (rank == 0)
		rank = 1;
	for (unsigned b = 0; b < VB_LAT_BUCKETS; b++) {
		seen += l->count[b];
		if (seen < rank)
			continue;
		vb_latency_bounds(b, &low, &high);
		mid = high - low <= 1 ? (double)low : (double)low + (double)(high - low) / 2;
		return mid > (double)l->max ? (double)l->max : mid;
	}
	return (double)l->max;
}
