/* paired.c: the ratio of two alternated sides from their pairs' log-ratios.
 * Pairing takes out what the pair's two runs share (the neighbours' load,
 * the cache and frequency state of that moment), which on a shared host is
 * most of the noise; the median of the log-ratios resists the pair that a
 * burst hit on one side only. */
#include "analysis/paired.h"
#include "lib/stats.h"

#include <math.h>
#include <stdlib.h>

static const char *const verdicts[VB_PAIRED_COUNT] = { "within target", "cannot tell",
						       "MISSED" };

_Static_assert(sizeof(verdicts) / sizeof(verdicts[0]) == VB_PAIRED_COUNT, "verdict names");

const char *vb_paired_verdict_name(enum vb_paired_verdict v)
{
	return v < VB_PAIRED_COUNT ? verdicts[v] : "?";
}

int vb_paired_ratio(const double *a, const double *b, size_t n, bool rate, double target,
		    uint64_t seed, struct vb_paired *out)
{
	struct vb_stats st;
	double *d;

	if (n < 2)
		return -1;
	d = malloc(n * sizeof(*d));
	if (!d)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!(a[i] > 0) || !(b[i] > 0)) {
			free(d);
			return -1;
		}
		d[i] = rate ? log(a[i] / b[i]) : log(b[i] / a[i]);
	}
	vb_stats_compute(d, n, seed, &st);
	free(d);
	out->n = n;
	out->ratio = exp(st.median);
	out->ci_low = exp(st.ci_low);
	out->ci_high = exp(st.ci_high);
	out->differs = out->ci_low > 1 || out->ci_high < 1;
	if (out->ci_high <= 1 + target)
		out->verdict = VB_PAIRED_WITHIN;
	else if (out->ci_low > 1 + target)
		out->verdict = VB_PAIRED_MISSED;
	else
		out->verdict = VB_PAIRED_CANNOT_TELL;
	return 0;
}
