/* paired.h: the ratio of two alternated sides measured in pairs (A then B,
 * B then A, ...), from the pairs' log-ratios, with a bootstrap CI, and what
 * it says against a target: how overheads are judged (scripts/bench.sh). */
#ifndef VB_PAIRED_H
#define VB_PAIRED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vb_paired_verdict {
	VB_PAIRED_WITHIN,	/* the whole CI is within the target */
	VB_PAIRED_CANNOT_TELL,	/* the CI holds both sides of the target */
	VB_PAIRED_MISSED,	/* the whole CI is beyond the target */
	VB_PAIRED_COUNT
};

struct vb_paired {
	size_t n;		/* pairs */
	double ratio;		/* cost of B against A: exp(median of the log-ratios) */
	double ci_low, ci_high;	/* its 95% CI: percentile bootstrap of that median */
	bool differs;		/* the CI leaves out 1: B and A differ */
	enum vb_paired_verdict verdict;
};

/* "within target", "cannot tell", "MISSED". */
const char *vb_paired_verdict_name(enum vb_paired_verdict v);

/*
 * a[i] and b[i] are pair i's two measurements. The cost of B is b/a for
 * times (lower is better) and a/b for rates (rate true). target is the
 * largest acceptable cost minus 1 (0.02 for 2%). Deterministic for a seed;
 * -1 with fewer than 2 pairs or a value that is not positive.
 */
int vb_paired_ratio(const double *a, const double *b, size_t n, bool rate, double target,
		    uint64_t seed, struct vb_paired *out);

#endif
