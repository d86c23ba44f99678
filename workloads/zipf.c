/* zipf.c: the generator of zipf.h. */
#include "workloads/zipf.h"

#include <math.h>

#define ZETA_EXACT 1000000u

static double zeta(uint64_t n, double theta)
{
	uint64_t exact = n < ZETA_EXACT ? n : ZETA_EXACT;
	double sum = 0, a, b;

	for (uint64_t i = 1; i <= exact; i++)
		sum += pow((double)i, -theta);
	if (n == exact)
		return sum;
	/* Sum of i^-theta for i in (exact, n] by the midpoint rule's integral:
	 * the integral of x^-theta from exact + 1/2 to n + 1/2. */
	a = (double)exact + 0.5;
	b = (double)n + 0.5;
	return sum + (pow(b, 1 - theta) - pow(a, 1 - theta)) / (1 - theta);
}

void vb_zipf_init(struct vb_zipf *z, uint64_t n, double theta)
{
	z->n = n < 2 ? 2 : n;
	z->theta = theta;
	z->alpha = 1.0 / (1.0 - theta);
	z->zetan = zeta(z->n, theta);
	z->eta = (1.0 - pow(2.0 / (double)z->n, 1.0 - theta)) / (1.0 - zeta(2, theta) / z->zetan);
	z->half_pow = 1.0 + pow(0.5, theta);
}

uint64_t vb_zipf_next(const struct vb_zipf *z, uint64_t *state)
{
	double u = (double)(vb_rand_next(state) >> 11) * 0x1.0p-53;
	double uz = u * z->zetan;
	uint64_t r;

	if (uz < 1.0)
		return 0;
	if (uz < z->half_pow)
		return 1;
	r = (uint64_t)((double)z->n * pow(z->eta * u - z->eta + 1.0, z->alpha));
	return r < z->n ? r : z->n - 1;
}

/* An odd multiplier is a bijection modulo 2^64; folding into [0, n) by a
 * cycle walk keeps it one: values at or above n are mapped again until they
 * land below n. */
uint64_t vb_zipf_scatter(uint64_t rank, uint64_t n)
{
	uint64_t mask = 1, x = rank;

	while (mask < n - 1)
		mask = (mask << 1) | 1;
	do {
		x = (x * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull) & mask;
		x ^= x >> 7;
		x &= mask;
	} while (x >= n);
	return x;
}
