/* zipf.h: seeded random numbers and a Zipfian key generator (Gray et al.,
 * "Quickly generating billion-record synthetic databases", as in YCSB), shared
 * by the workloads so the same seed draws the same keys everywhere. */
#ifndef VB_ZIPF_H
#define VB_ZIPF_H

#include <stdint.h>

#include "lib/rand.h"

struct vb_zipf {
	uint64_t n;		/* items, ranked 0 (most popular) to n - 1 */
	double theta;		/* skew, 0 (uniform) <= theta < 1 */
	double alpha, zetan, eta, half_pow;
};

/* Prepare a generator over n >= 2 items with skew theta in [0, 1). zeta(n) is
 * summed exactly for the first million ranks and integrated beyond, so a
 * billion keys take as long as a million. */
void vb_zipf_init(struct vb_zipf *z, uint64_t n, double theta);
/* The next rank, in [0, n): rank 0 is drawn most often. */
uint64_t vb_zipf_next(const struct vb_zipf *z, uint64_t *state);
/* A rank's item: ranks scattered over [0, n) by a fixed bijection, so the hot
 * items lie all over memory rather than side by side (YCSB's scrambled zipfian). */
uint64_t vb_zipf_scatter(uint64_t rank, uint64_t n);

#endif
