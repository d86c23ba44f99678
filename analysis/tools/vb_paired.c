/* vb_paired.c: vb-paired, scripts/bench.sh's judge of an overhead. Reads
 * pairs "A B" (one pair a line: the two sides' figures) and prints the cost
 * of B against A with its 95% CI and the verdict against the target, so the
 * script does no statistics of its own (analysis/paired.c does them). */
#include "analysis/paired.h"
#include "lib/stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAIRS_MAX 4096

static void usage(void)
{
	fprintf(stderr,
		"usage: vb-paired [--rate] TARGET < PAIRS\n"
		"  TARGET  largest acceptable cost of B over A, as a fraction (0.02)\n"
		"  --rate  the figures are rates (higher is better), not times\n"
		"prints: ratio ci_low ci_high pairs differs(0|1) median_a median_b verdict\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static double a[PAIRS_MAX], b[PAIRS_MAX];
	struct vb_paired p;
	bool rate = false;
	double target;
	size_t n = 0;
	char *end;
	int i = 1;

	if (i < argc && !strcmp(argv[i], "--rate"))
		rate = true, i++;
	if (i != argc - 1)
		usage();
	target = strtod(argv[i], &end);
	if (*end || target < 0)
		usage();
	while (n < PAIRS_MAX && scanf("%lf %lf", &a[n], &b[n]) == 2)
		n++;
	if (vb_paired_ratio(a, b, n, rate, target, 1, &p) < 0) {
		fprintf(stderr, "vb-paired: need 2 or more pairs of positive figures (got %zu)\n",
			n);
		return 1;
	}
	printf("%.4f %.4f %.4f %zu %d %.6g %.6g %s\n", p.ratio, p.ci_low, p.ci_high, p.n,
	       p.differs, vb_median(a, n), vb_median(b, n), vb_paired_verdict_name(p.verdict));
	return 0;
}
