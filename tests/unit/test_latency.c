/* test_latency.c: the latency histogram: buckets tile the numbers, and
 * percentiles land within the buckets' precision. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "microbench/latency.h"

Test(latency, buckets_tile_the_numbers_in_order)
{
	uint64_t low, high, prev_high = 0;

	for (unsigned b = 0; b < VB_LAT_BUCKETS; b++) {
		vb_latency_bounds(b, &low, &high);
		cr_assert_eq(low, prev_high, "bucket %u starts at %llu, not %llu", b,
			     (unsigned long long)low, (unsigned long long)prev_high);
		cr_assert_gt(high, low);
		cr_assert_eq(vb_latency_bucket(low), b);
		cr_assert_eq(vb_latency_bucket(high - 1), b);
		/* Within 1/32 of the value: the precision latency.h promises. */
		cr_assert(b < VB_LAT_SUB || (double)(high - low) <= (double)low / VB_LAT_SUB + 1);
		prev_high = high;
	}
	cr_assert_eq(prev_high, UINT64_MAX);
	cr_assert_eq(vb_latency_bucket(UINT64_MAX), VB_LAT_BUCKETS - 1);
}

Test(latency, percentiles_of_a_known_distribution)
{
	struct vb_latency *l = calloc(1, sizeof(*l));

	cr_assert_eq(vb_latency_quantile(l, 0.5), 0, "empty: 0");
	/* 1..10000 ns once each: p50 = 5000, p99 = 9900, within a bucket's width. */
	for (uint64_t v = 1; v <= 10000; v++)
		vb_latency_add(l, v);
	cr_assert_eq(l->n, 10000);
	cr_assert_eq(l->max, 10000);
	cr_assert(fabs(vb_latency_quantile(l, 0.50) - 5000) <= 5000.0 / 32, "p50 %g",
		  vb_latency_quantile(l, 0.50));
	cr_assert(fabs(vb_latency_quantile(l, 0.99) - 9900) <= 9900.0 / 32, "p99 %g",
		  vb_latency_quantile(l, 0.99));
	cr_assert_leq(vb_latency_quantile(l, 1.0), 10000, "never above the largest value");
	free(l);
}

Test(latency, one_slow_operation_in_a_hundred_is_the_p99)
{
	struct vb_latency *l = calloc(1, sizeof(*l));

	for (int i = 0; i < 98; i++)
		vb_latency_add(l, 100);
	vb_latency_add(l, 1000000);
	vb_latency_add(l, 1000000);
	cr_assert(fabs(vb_latency_quantile(l, 0.50) - 100) <= 100.0 / 32);
	cr_assert(fabs(vb_latency_quantile(l, 0.99) - 1e6) <= 1e6 / 32, "p99 %g",
		  vb_latency_quantile(l, 0.99));
	free(l);
}
