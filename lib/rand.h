/* rand.h: the one seeded generator of vbench (splitmix64): tiny, well mixed,
 * reproducible on every platform, so the same seed draws the same layouts,
 * keys and bootstrap resamples everywhere. */
#ifndef VB_RAND_H
#define VB_RAND_H

#include <stdint.h>

/* The next 64 random bits; state is the seed, advanced. */
static inline uint64_t vb_rand_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n) by multiply-shift, free of modulo bias worth caring about. */
static inline uint64_t vb_rand_below(uint64_t *state, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)vb_rand_next(state) * n) >> 64);
}

#endif
