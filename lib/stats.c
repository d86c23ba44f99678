/* stats.c: summary statistics of repeated samples (median, mean, stdev, a
 * bootstrap 95% CI of the median) and the rule that says when to stop sampling. */
#include "lib/stats.h"
#include "lib/rand.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Seed used by the stop rule: its decision must not vary between calls. */
#define STOP_RULE_SEED 0x5eedULL

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median_sorted(const double *s, size_t n)
{
	if (n % 2)
		return s[n / 2];
	return (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

double vb_median(const double *x, size_t n)
{
	double *s, m;

	if (n == 0)
		return NAN;
	s = malloc(n * sizeof(*s));
	if (!s)
		abort();
	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	m = median_sorted(s, n);
	free(s);
	return m;
}

/* The k-th smallest (0-based) of a resample given as counts over sorted values. */
static double kth_of_counts(const double *sorted, const unsigned *count, size_t n, size_t k)
{
	size_t seen = 0;

	for (size_t i = 0; i < n; i++) {
		seen += count[i];
		if (seen > k)
			return sorted[i];
	}
	return sorted[n - 1];
}

/*
 * Percentile bootstrap of the median. A resample's median depends only on how
 * often each original value was drawn, so drawing counts over the sorted
 * samples costs O(n) per resample instead of a sort.
 */
static void bootstrap_median_ci(const double *sorted, size_t n, uint64_t seed,
				double *lo, double *hi)
{
	double *meds = malloc(VB_BOOTSTRAP_RESAMPLES * sizeof(*meds));
	unsigned *count = malloc(n * sizeof(*count));
	uint64_t s = seed;

	if (!meds || !count)
		abort();
	for (size_t b = 0; b < VB_BOOTSTRAP_RESAMPLES; b++) {
		memset(count, 0, n * sizeof(*count));
		for (size_t i = 0; i < n; i++)
			count[vb_rand_below(&s, n)]++;
		if (n % 2)
			meds[b] = kth_of_counts(sorted, count, n, n / 2);
		else
			meds[b] = (kth_of_counts(sorted, count, n, n / 2 - 1) +
				   kth_of_counts(sorted, count, n, n / 2)) / 2.0;
	}
	qsort(meds, VB_BOOTSTRAP_RESAMPLES, sizeof(*meds), cmp_double);
	/* 2.5th and 97.5th percentiles: indices 50 and 1949 of 2000. */
	*lo = meds[(size_t)(0.025 * VB_BOOTSTRAP_RESAMPLES)];
	*hi = meds[(size_t)ceil(0.975 * VB_BOOTSTRAP_RESAMPLES) - 1];
	free(count);
	free(meds);
}

void vb_stats_compute(const double *x, size_t n, uint64_t seed, struct vb_stats *out)
{
	double *s, sum = 0, ss = 0;

	memset(out, 0, sizeof(*out));
	out->n = n;
	/* Nothing measured: all zeros, so the result stays printable as JSON. */
	if (n == 0)
		return;
	s = malloc(n * sizeof(*s));
	if (!s)
		abort();
	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);

	for (size_t i = 0; i < n; i++)
		sum += s[i];
	out->mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (s[i] - out->mean) * (s[i] - out->mean);
	out->stdev = n > 1 ? sqrt(ss / (double)(n - 1)) : 0.0;
	out->min = s[0];
	out->max = s[n - 1];
	out->median = median_sorted(s, n);

	if (n < 2) {
		out->ci_low = out->ci_high = out->median;
		out->ci_halfwidth_rel = 0.0;
	} else {
		bootstrap_median_ci(s, n, seed, &out->ci_low, &out->ci_high);
		if (out->median != 0.0)
			out->ci_halfwidth_rel =
				(out->ci_high - out->ci_low) / 2.0 / fabs(out->median);
		else
			/* A width relative to zero is unbounded unless there is no width. */
			out->ci_halfwidth_rel = out->ci_high > out->ci_low ? INFINITY : 0.0;
	}
	free(s);
}

bool vb_stop_rule_more(const struct vb_stop_rule *r, const double *x, size_t n, double elapsed)
{
	struct vb_stats st;
	/* A CI from fewer than 3 samples says nothing; never stop on one. */
	size_t ci_min = r->min_runs > 3 ? r->min_runs : 3;

	if (n >= r->max_runs)
		return false;
	if (n < r->min_runs)
		return true;
	if (r->max_seconds > 0 && elapsed >= r->max_seconds)
		return false;
	if (n < ci_min || r->target_ci <= 0)
		return true;
	vb_stats_compute(x, n, STOP_RULE_SEED, &st);
	return !(st.ci_halfwidth_rel <= r->target_ci);
}
#define EXACT_MAX_N 50	/* C(50,25) ~ 1.3e14 counts stay exact in a double */

struct ranked {
	double v;
	int side;
};

static int cmp_ranked(const void *a, const void *b)
{
	return cmp_double(&((const struct ranked *)a)->v, &((const struct ranked *)b)->v);
}

/* P(U <= u) under H0 for sample sizes m, n without ties: the counts of U are
 * the coefficients of the Gaussian binomial [m+n choose m]_q, built as
 * prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i). */
static double exact_cdf(size_t m, size_t n, double u)
{
	size_t cap = m * n + m + 1, deg = 0, i, k;
	double *c = calloc(cap, sizeof(*c)), total = 0, below = 0;

	if (!c)
		return NAN;
	c[0] = 1;
	for (i = 1; i <= m; i++) {
		size_t s = n + i;

		for (k = deg + s; k >= s; k--)
			c[k] -= c[k - s];
		deg += s;
		for (k = i; k <= deg; k++)
			c[k] += c[k - i];
		deg -= i;
	}
	for (k = 0; k <= deg; k++) {
		total += c[k];
		if ((double)k <= u + 1e-9)
			below += c[k];
	}
	free(c);
	return below / total;
}

/* The Mann-Whitney U test's normal approximation (with continuity correction
 * and the tie term) from the rank sum ra of the first sample. */
static double mw_normal_p(double ra, size_t na, size_t nb, double ties)
{
	size_t n = na + nb;
	double ua, mu, var, z, p;

	if (!na || !nb)
		return 1;
	ua = ra - (double)na * (double)(na + 1) / 2;
	mu = (double)na * (double)nb / 2;
	var = (double)na * (double)nb / 12 *
	      ((double)(n + 1) - ties / ((double)n * (double)(n - 1)));
	if (var <= 0)
		return 1;
	z = (fabs(ua - mu) - 0.5) / sqrt(var);
	if (z < 0)
		z = 0;
	p = erfc(z / sqrt(2));
	return p > 1 ? 1 : p;
}

double vb_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb)
{
	size_t n = na + nb, i, j;
	struct ranked *r;
	double ra = 0, ties = 0, ua, u, p;

	if (!na || !nb)
		return 1;
	r = malloc(n * sizeof(*r));
	if (!r)
		return 1;
	for (i = 0; i < na; i++)
		r[i] = (struct ranked){ a[i], 0 };
	for (i = 0; i < nb; i++)
		r[na + i] = (struct ranked){ b[i], 1 };
	qsort(r, n, sizeof(*r), cmp_ranked);
	/* Mid-ranks for ties, and the tie term of the variance. */
	for (i = 0; i < n; i = j) {
		double t, rank;

		for (j = i + 1; j < n && r[j].v == r[i].v; j++)
			;
		t = (double)(j - i);
		rank = (double)(i + 1 + j) / 2;
		for (size_t k = i; k < j; k++)
			if (r[k].side == 0)
				ra += rank;
		ties += t * t * t - t;
	}
	free(r);
	ua = ra - (double)na * (double)(na + 1) / 2;
	u = fmin(ua, (double)na * (double)nb - ua);
	if (ties == 0 && n <= EXACT_MAX_N) {
		p = 2 * exact_cdf(na, nb, u);
		return p > 1 ? 1 : p;
	}
	return mw_normal_p(ra, na, nb, ties);
}

/*
 * Regularized incomplete beta I_x(a, b) by its continued fraction (modified
 * Lentz), for the Student t tail. Accurate to ~1e-12 for the small a, b the
 * t tests here use.
 */
static double beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h;

	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	h = d;
	for (int m = 1; m <= 300; m++) {
		double m2 = 2.0 * m, num, del;

		num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
		d = 1 + num * d;
		d = fabs(d) < tiny ? 1 / tiny : 1 / d;
		c = 1 + num / c;
		if (fabs(c) < tiny)
			c = tiny;
		h *= d * c;
		num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
		d = 1 + num * d;
		d = fabs(d) < tiny ? 1 / tiny : 1 / d;
		c = 1 + num / c;
		if (fabs(c) < tiny)
			c = tiny;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-14)
			break;
	}
	return h;
}

static double inc_beta(double a, double b, double x)
{
	double front;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return front * beta_cf(a, b, x) / a;
	return 1 - front * beta_cf(b, a, 1 - x) / b;
}

double vb_t_p_two_sided(double t, double df)
{
	if (!(df > 0) || isnan(t))
		return 1;
	if (isinf(t))
		return 0;
	return inc_beta(df / 2, 0.5, df / (df + t * t));
}

static void mean_var(const double *x, size_t n, double *mean, double *var)
{
	double s = 0, ss = 0;

	for (size_t i = 0; i < n; i++)
		s += x[i];
	*mean = n ? s / (double)n : NAN;
	for (size_t i = 0; i < n; i++)
		ss += (x[i] - *mean) * (x[i] - *mean);
	*var = n > 1 ? ss / (double)(n - 1) : 0;
}

double vb_welch_p(const double *a, size_t na, const double *b, size_t nb)
{
	double ma, va, mb, vb, sa, sb, se2, df;

	if (na < 2 || nb < 2)
		return 1;
	mean_var(a, na, &ma, &va);
	mean_var(b, nb, &mb, &vb);
	sa = va / (double)na;
	sb = vb / (double)nb;
	se2 = sa + sb;
	/* No spread on either side: any difference at all is certain. */
	if (se2 == 0)
		return ma == mb ? 1 : 0;
	df = se2 * se2 / (sa * sa / (double)(na - 1) + sb * sb / (double)(nb - 1));
	return vb_t_p_two_sided((mb - ma) / sqrt(se2), df);
}

double vb_student_p(const double *a, size_t na, const double *b, size_t nb)
{
	double ma, va, mb, vb, df, s2;

	if (na + nb < 3 || !na || !nb)
		return 1;
	mean_var(a, na, &ma, &va);
	mean_var(b, nb, &mb, &vb);
	df = (double)(na + nb - 2);
	s2 = ((double)(na - 1) * va + (double)(nb - 1) * vb) / df;
	if (s2 == 0)
		return ma == mb ? 1 : 0;
	return vb_t_p_two_sided((mb - ma) / sqrt(s2 * (1 / (double)na + 1 / (double)nb)), df);
}

double vb_prediction_p(const double *a, size_t na, double x)
{
	double m, v;

	if (na < 2)
		return 1;
	mean_var(a, na, &m, &v);
	if (v == 0)
		return x == m ? 1 : 0;
	return vb_t_p_two_sided((x - m) / sqrt(v * (1 + 1 / (double)na)), (double)(na - 1));
}

/*
 * The hierarchical resampler. All samples are sorted once; pos[] maps each
 * invocation's j-th sample to its place in that order, so one resample is a
 * set of counts over the sorted values and its median a walk over them: O(n)
 * per resample, no sort.
 */
struct hboot {
	const size_t *len;
	size_t k, n;
	double *sorted;
	size_t *pos, *start;
	unsigned *count;
};

struct tagged {
	double v;
	size_t at;
};

static int cmp_tagged(const void *a, const void *b)
{
	return cmp_double(&((const struct tagged *)a)->v, &((const struct tagged *)b)->v);
}

static int hboot_init(struct hboot *h, const double *x, const size_t *len, size_t k)
{
	struct tagged *t;
	size_t n = 0;

	memset(h, 0, sizeof(*h));
	for (size_t i = 0; i < k; i++)
		n += len[i];
	if (k == 0 || n == 0)
		return -1;
	h->len = len;
	h->k = k;
	h->n = n;
	h->sorted = malloc(n * sizeof(*h->sorted));
	h->pos = malloc(n * sizeof(*h->pos));
	h->start = malloc(k * sizeof(*h->start));
	h->count = malloc(n * sizeof(*h->count));
	t = malloc(n * sizeof(*t));
	if (!h->sorted || !h->pos || !h->start || !h->count || !t)
		abort();
	for (size_t i = 0; i < n; i++)
		t[i] = (struct tagged){ x[i], i };
	qsort(t, n, sizeof(*t), cmp_tagged);
	for (size_t i = 0; i < n; i++) {
		h->sorted[i] = t[i].v;
		h->pos[t[i].at] = i;
	}
	for (size_t i = 0, at = 0; i < k; at += len[i], i++)
		h->start[i] = at;
	free(t);
	return 0;
}

static void hboot_free(struct hboot *h)
{
	free(h->sorted);
	free(h->pos);
	free(h->start);
	free(h->count);
}

/* One resample: k invocations drawn with replacement, then within each drawn
 * invocation as many samples as it has, drawn with replacement. */
static double hboot_median(struct hboot *h, uint64_t *s)
{
	size_t m = 0;

	memset(h->count, 0, h->n * sizeof(*h->count));
	for (size_t d = 0; d < h->k; d++) {
		size_t g = h->k > 1 ? vb_rand_below(s, h->k) : 0, l = h->len[g];

		if (!l)
			continue;
		for (size_t j = 0; j < l; j++)
			h->count[h->pos[h->start[g] + vb_rand_below(s, l)]]++;
		m += l;
	}
	if (m == 0)
		return NAN;
	if (m % 2)
		return kth_of_counts(h->sorted, h->count, h->n, m / 2);
	return (kth_of_counts(h->sorted, h->count, h->n, m / 2 - 1) +
		kth_of_counts(h->sorted, h->count, h->n, m / 2)) / 2.0;
}

/* 2.5th and 97.5th percentiles of B sorted values, as the plain bootstrap takes them. */
static void percentile_ci(double *v, size_t b, double *lo, double *hi)
{
	qsort(v, b, sizeof(*v), cmp_double);
	*lo = v[(size_t)(0.025 * (double)b)];
	*hi = v[(size_t)ceil(0.975 * (double)b) - 1];
}

/* One-way random-effects ANOVA (method of moments): within = pooled
 * within-invocation variance, between = (MSB - MSW) / n0, floored at 0. */
static void var_components(const double *x, const size_t *len, size_t k, size_t n,
			   double *between, double *within)
{
	double grand = 0, ssw = 0, ssb = 0, sum_n2 = 0, n0;
	size_t at = 0;

	for (size_t i = 0; i < n; i++)
		grand += x[i];
	grand /= (double)n;
	for (size_t i = 0; i < k; at += len[i], i++) {
		double m, v;

		if (!len[i])
			continue;
		mean_var(x + at, len[i], &m, &v);
		ssw += v * (double)(len[i] - 1);
		ssb += (double)len[i] * (m - grand) * (m - grand);
		sum_n2 += (double)len[i] * (double)len[i];
	}
	*within = n > k ? ssw / (double)(n - k) : 0;
	if (k < 2) {
		*between = 0;
		return;
	}
	n0 = ((double)n - sum_n2 / (double)n) / (double)(k - 1);
	*between = n0 > 0 ? fmax(0, (ssb / (double)(k - 1) - *within) / n0) : 0;
}

int vb_stats_hier(const double *x, const size_t *len, size_t k, uint64_t seed,
		  struct vb_hier_stats *out)
{
	struct hboot h;
	double *meds;
	uint64_t s = seed;

	memset(out, 0, sizeof(*out));
	if (hboot_init(&h, x, len, k))
		return -1;
	out->k = k;
	out->n = h.n;
	out->median = median_sorted(h.sorted, h.n);
	var_components(x, len, k, h.n, &out->var_between, &out->var_within);
	meds = malloc(VB_BOOTSTRAP_RESAMPLES * sizeof(*meds));
	if (!meds)
		abort();
	for (size_t b = 0; b < VB_BOOTSTRAP_RESAMPLES; b++)
		meds[b] = hboot_median(&h, &s);
	percentile_ci(meds, VB_BOOTSTRAP_RESAMPLES, &out->ci_low, &out->ci_high);
	if (out->median != 0)
		out->ci_halfwidth_rel = (out->ci_high - out->ci_low) / 2 / fabs(out->median);
	else
		out->ci_halfwidth_rel = out->ci_high > out->ci_low ? INFINITY : 0;
	free(meds);
	hboot_free(&h);
	return 0;
}

int vb_stats_ratio_ci(const double *xa, const size_t *la, size_t ka,
		      const double *xb, const size_t *lb, size_t kb, uint64_t seed,
		      double *lo, double *hi)
{
	struct hboot a, b;
	double *r;
	uint64_t s = seed;
	size_t m = 0;

	if (hboot_init(&a, xa, la, ka))
		return -1;
	if (hboot_init(&b, xb, lb, kb)) {
		hboot_free(&a);
		return -1;
	}
	r = malloc(VB_BOOTSTRAP_RESAMPLES * sizeof(*r));
	if (!r)
		abort();
	for (size_t i = 0; i < VB_BOOTSTRAP_RESAMPLES; i++) {
		double ma = hboot_median(&a, &s), mb = hboot_median(&b, &s);

		/* A zero baseline median has no ratio; such resamples are left out. */
		if (ma != 0 && isfinite(mb / ma))
			r[m++] = mb / ma;
	}
	if (m * 2 < VB_BOOTSTRAP_RESAMPLES) {
		free(r);
		hboot_free(&a);
		hboot_free(&b);
		return -1;
	}
	percentile_ci(r, m, lo, hi);
	free(r);
	hboot_free(&a);
	hboot_free(&b);
	return 0;
}

/* The samples of points [lo, hi) pooled, and the median of each point. */
static size_t pool(const struct vb_series_point *p, size_t lo, size_t hi, double **all,
		   double **meds)
{
	size_t n = 0, at = 0;

	for (size_t i = lo; i < hi; i++)
		for (size_t j = 0; j < p[i].k; j++)
			n += p[i].len[j];
	*all = malloc((n ? n : 1) * sizeof(**all));
	*meds = malloc((hi - lo) * sizeof(**meds));
	if (!*all || !*meds)
		abort();
	for (size_t i = lo; i < hi; i++) {
		size_t ni = 0;

		for (size_t j = 0; j < p[i].k; j++)
			ni += p[i].len[j];
		memcpy(*all + at, p[i].x, ni * sizeof(**all));
		(*meds)[i - lo] = ni ? vb_median(p[i].x, ni) : NAN;
		at += ni;
	}
	return n;
}

/*
 * Segments [lo, mid) and [mid, hi) against each other. Two tests, both of
 * which must pass: Mann-Whitney on the raw samples (is the move bigger
 * than the noise inside runs?) and a t test on the points' medians (is it
 * bigger than the drift between runs, which no one run's samples show?).
 * The t test pools the two sides' variance: with no change both share the
 * drift between runs, and a side of one or two points has no variance of
 * its own worth trusting. One point against one cannot be judged: p = 1.
 */
static void seg_test(const struct vb_series_point *p, size_t lo, size_t mid, size_t hi,
		     struct vb_change *c)
{
	double *xa, *xb, *ma, *mb;
	size_t na = pool(p, lo, mid, &xa, &ma), nb = pool(p, mid, hi, &xb, &mb);
	size_t ka = mid - lo, kb = hi - mid;
	double meda = vb_median(xa, na), medb = vb_median(xb, nb);

	c->at = mid;
	c->change = meda != 0 ? medb / meda - 1 : NAN;
	c->p_samples = vb_mann_whitney_p(xa, na, xb, nb);
	c->p_points = vb_student_p(ma, ka, mb, kb);
	free(xa);
	free(xb);
	free(ma);
	free(mb);
}

static bool passes(const struct vb_change *c, double alpha, double min_change)
{
	return isfinite(c->change) && fabs(c->change) >= min_change &&
	       c->p_samples < alpha && c->p_points < alpha;
}

/* ---- every split of a segment in one pass ---- */

struct sample_at {
	double v;
	size_t pt;
};

static int cmp_sample_at(const void *a, const void *b)
{
	return cmp_double(&((const struct sample_at *)a)->v, &((const struct sample_at *)b)->v);
}

/* A Fenwick tree of counts over the sorted samples: the k-th smallest of
 * those present in O(log N). */
struct fenwick {
	size_t n, top;
	unsigned *t;
};

static void fen_add(struct fenwick *f, size_t i, int d)
{
	for (i++; i <= f->n; i += i & (~i + 1))
		f->t[i] = (unsigned)((int)f->t[i] + d);
}

static size_t fen_kth(const struct fenwick *f, size_t k)	/* 0-based */
{
	size_t pos = 0;

	for (size_t step = f->top; step; step >>= 1)
		if (pos + step <= f->n && f->t[pos + step] <= k) {
			pos += step;
			k -= f->t[pos];
		}
	return pos;	/* the sorted index */
}

static double fen_median(const struct fenwick *f, const struct sample_at *s, size_t n)
{
	if (!n)
		return NAN;
	if (n % 2)
		return s[fen_kth(f, n / 2)].v;
	return (s[fen_kth(f, n / 2 - 1)].v + s[fen_kth(f, n / 2)].v) / 2.0;
}

/* vb_student_p from sums of the points' medians less shift. */
static double student_sums(double sa, double ssa, size_t ka, double sb, double ssb, size_t kb)
{
	double ma, mb, va, vb, df, s2;

	if (ka + kb < 3 || !ka || !kb)
		return 1;
	ma = sa / (double)ka;
	mb = sb / (double)kb;
	va = ka > 1 ? fmax(0, (ssa - sa * ma) / (double)(ka - 1)) : 0;
	vb = kb > 1 ? fmax(0, (ssb - sb * mb) / (double)(kb - 1)) : 0;
	df = (double)(ka + kb - 2);
	s2 = ((double)(ka - 1) * va + (double)(kb - 1) * vb) / df;
	if (s2 == 0)
		return ma == mb ? 1 : 0;
	return vb_t_p_two_sided((mb - ma) / sqrt(s2 * (1 / (double)ka + 1 / (double)kb)), df);
}

struct scan {
	struct sample_at *s;	/* the segment's samples, sorted */
	size_t *order;		/* sorted indices grouped by point */
	size_t *start;		/* each point's first entry in order, and one past the last */
	double *rank_sum, *med;
	struct fenwick left, right;
	double ties, shift;
};

static void scan_free(struct scan *sc)
{
	free(sc->s);
	free(sc->order);
	free(sc->start);
	free(sc->rank_sum);
	free(sc->med);
	free(sc->left.t);
	free(sc->right.t);
}

/* Sort the segment's samples once; mid-ranks and the tie term as
 * vb_mann_whitney_p computes them on the whole pool, which every split shares. */
static void scan_init(struct scan *sc, const struct vb_series_point *p, size_t lo, size_t hi,
		      size_t n)
{
	size_t k = hi - lo, at = 0, i, j;

	sc->s = malloc(n * sizeof(*sc->s));
	sc->order = malloc(n * sizeof(*sc->order));
	sc->start = calloc(k + 1, sizeof(*sc->start));
	sc->rank_sum = calloc(k, sizeof(*sc->rank_sum));
	sc->med = malloc(k * sizeof(*sc->med));
	sc->left = (struct fenwick){ n, 1, calloc(n + 1, sizeof(unsigned)) };
	sc->right = (struct fenwick){ n, 1, calloc(n + 1, sizeof(unsigned)) };
	if (!sc->s || !sc->order || !sc->start || !sc->rank_sum || !sc->med || !sc->left.t ||
	    !sc->right.t)
		abort();
	while (sc->left.top * 2 <= n)
		sc->left.top *= 2;
	sc->right.top = sc->left.top;
	sc->shift = 0;
	for (i = lo; i < hi; i++) {
		size_t ni = 0;

		for (j = 0; j < p[i].k; j++)
			ni += p[i].len[j];
		for (j = 0; j < ni; j++)
			sc->s[at + j] = (struct sample_at){ p[i].x[j], i - lo };
		sc->med[i - lo] = ni ? vb_median(p[i].x, ni) : NAN;
		if (sc->shift == 0 && isfinite(sc->med[i - lo]))
			sc->shift = sc->med[i - lo];
		sc->start[i - lo + 1] = sc->start[i - lo] + ni;
		at += ni;
	}
	qsort(sc->s, n, sizeof(*sc->s), cmp_sample_at);
	sc->ties = 0;
	for (i = 0; i < n; i = j) {
		double t, rank;

		for (j = i + 1; j < n && sc->s[j].v == sc->s[i].v; j++)
			;
		t = (double)(j - i);
		rank = (double)(i + 1 + j) / 2;
		for (size_t q = i; q < j; q++)
			sc->rank_sum[sc->s[q].pt] += rank;
		sc->ties += t * t * t - t;
	}
	/* Group the sorted indices by point (a counting sort), all on the right. */
	{
		size_t *fill = malloc((k ? k : 1) * sizeof(*fill));

		if (!fill)
			abort();
		memcpy(fill, sc->start, k * sizeof(*fill));
		for (i = 0; i < n; i++) {
			sc->order[fill[sc->s[i].pt]++] = i;
			fen_add(&sc->right, i, 1);
		}
		free(fill);
	}
}

/* The splits of [lo, hi) as seg_test measures them, all in O(N log N):
 * out[mid - lo - 1] for each mid. Only for more than EXACT_MAX_N samples,
 * where every split's Mann-Whitney is the normal approximation. */
static void scan_splits(const struct vb_series_point *p, size_t lo, size_t hi, size_t n,
			struct vb_change *out)
{
	struct scan sc;
	size_t na = 0, k = hi - lo;
	double ra = 0, sa = 0, ssa = 0, sb = 0, ssb = 0;

	scan_init(&sc, p, lo, hi, n);
	for (size_t i = 0; i < k; i++) {
		double d = sc.med[i] - sc.shift;

		sb += d;
		ssb += d * d;
	}
	for (size_t mid = lo + 1; mid < hi; mid++) {
		size_t pt = mid - 1 - lo;
		double d = sc.med[pt] - sc.shift, meda, medb;
		struct vb_change *c = &out[mid - lo - 1];

		for (size_t q = sc.start[pt]; q < sc.start[pt + 1]; q++) {
			fen_add(&sc.left, sc.order[q], 1);
			fen_add(&sc.right, sc.order[q], -1);
		}
		na += sc.start[pt + 1] - sc.start[pt];
		ra += sc.rank_sum[pt];
		sa += d;
		ssa += d * d;
		sb -= d;
		ssb -= d * d;
		meda = fen_median(&sc.left, sc.s, na);
		medb = fen_median(&sc.right, sc.s, n - na);
		c->at = mid;
		c->change = meda != 0 ? medb / meda - 1 : NAN;
		c->p_samples = mw_normal_p(ra, na, n - na, sc.ties);
		c->p_points = student_sums(sa, ssa, mid - lo, sb, ssb, hi - mid);
	}
	scan_free(&sc);
}

static size_t samples_in(const struct vb_series_point *p, size_t lo, size_t hi)
{
	size_t n = 0;

	for (size_t i = lo; i < hi; i++)
		for (size_t j = 0; j < p[i].k; j++)
			n += p[i].len[j];
	return n;
}

/* Binary segmentation: the most convincing split of [lo, hi) first (the
 * largest p of its two tests is the smallest), then each side. Bonferroni
 * over the candidate splits keeps a flat series from yielding one by chance.
 * The splits of a large segment come from one pass (scan_splits), so a
 * series of thousands of runs is judged in O(N log N) per level. */
static void segment(const struct vb_series_point *p, size_t lo, size_t hi, double alpha,
		    double min_change, bool *cut)
{
	struct vb_change best = { 0 }, c, *all = NULL;
	double best_p = 2;
	size_t n;

	if (hi - lo < 2)
		return;
	n = samples_in(p, lo, hi);
	if (n > EXACT_MAX_N) {
		all = malloc((hi - lo - 1) * sizeof(*all));
		if (!all)
			abort();
		scan_splits(p, lo, hi, n, all);
	}
	for (size_t mid = lo + 1; mid < hi; mid++) {
		double worst;

		if (all)
			c = all[mid - lo - 1];
		else
			seg_test(p, lo, mid, hi, &c);
		worst = fmax(c.p_samples, c.p_points);
		if (passes(&c, alpha / (double)(hi - lo - 1), min_change) &&
		    (worst < best_p || (worst == best_p && fabs(c.change) > fabs(best.change)))) {
			best = c;
			best_p = worst;
		}
	}
	free(all);
	if (best_p > 1)
		return;
	cut[best.at] = true;
	segment(p, lo, best.at, alpha, min_change, cut);
	segment(p, best.at, hi, alpha, min_change, cut);
}

size_t vb_changepoints(const struct vb_series_point *p, size_t m, double alpha, double min_change,
		       struct vb_change *out, size_t max)
{
	bool *cut = calloc(m + 1, sizeof(*cut));
	size_t n = 0, prev = 0;

	if (!cut)
		abort();
	segment(p, 0, m, alpha, min_change, cut);
	cut[m] = true;
	/* Report each change against its neighbouring final segments. */
	for (size_t i = 1; i < m; i++) {
		size_t next;

		if (!cut[i])
			continue;
		for (next = i + 1; !cut[next]; next++)
			;
		if (n < max)
			seg_test(p, prev, i, next, &out[n]);
		n++;
		prev = i;
	}
	free(cut);
	return n < max ? n : max;
}

int vb_change_newest(const struct vb_series_point *p, size_t m, double alpha, double min_change,
		     struct vb_change *c, size_t *seg_start)
{
	struct vb_change *ch;
	size_t n, start = 0;
	bool sig;

	if (m < 2)
		return -1;
	ch = malloc(m * sizeof(*ch));
	if (!ch)
		abort();
	n = vb_changepoints(p, m - 1, alpha, min_change, ch, m);
	if (n)
		start = ch[n - 1].at;
	free(ch);
	if (seg_start)
		*seg_start = start;
	seg_test(p, start, m - 1, m, c);
	sig = passes(c, alpha, min_change);
	return sig ? 1 : 0;
}
