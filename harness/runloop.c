/* runloop.c: the run under way, point by point and round by round: what is
 * decided before a guest runs a point (planned skips, the mode, hugepages),
 * batching for guests that share a boot, and recording rows as they finish. */
#include "harness/runloop.h"
#include "analysis/summary.h"
#include "harness/env.h"
#include "harness/estimate.h"
#include "harness/guardian.h"
#include "harness/guest.h"
#include "harness/guestrun.h"
#include "harness/invocations.h"
#include "harness/modeswitch.h"
#include "harness/skips.h"
#include "harness/topology.h"
#include "lib/backing.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/row.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The hugetlb pool a point draws from, and how many pages it needs, as its
 * guest sizes it. */
static bool hugetlb_need(const struct vb_point *pt, bool hugetlb, size_t *page_bytes, long *count)
{
	enum vb_page_size ps = VB_PS_NONE;
	uint64_t bytes = pt->guest->hugetlb_bytes ? pt->guest->hugetlb_bytes(pt, hugetlb, &ps) : 0;
	enum vb_backing b = vb_backing_for(ps, hugetlb);

	if (!bytes || !vb_backing_is_hugetlb(b))
		return false;
	*page_bytes = vb_backing_page_bytes(b);
	*count = (long)((bytes + *page_bytes - 1) / *page_bytes);
	return true;
}

static json_t *row_new(const struct vb_point *pt)
{
	char pages[32], stamp[32];
	json_t *row, *test = vb_env_test_settings(true);

	vb_pages_format(&pt->pages, pages, sizeof(pages));
	vb_utc_now(stamp, sizeof(stamp));
	row = json_pack("{s:s,s:s,s:n,s:s,s:{s:s},s:o,s:s,s:b,s:s}",
			"bench", pt->bench, "mode", vb_mode_name(pt->mode), "mode_verified",
			"guest", pt->guest->name, "pages", "requested", pages,
			"params", vb_row_params_json(&pt->params), "status", "failed",
			"emulated_cpl0", 0,
			"started", stamp);
	if (pt->target)
		json_object_set_new(row, "target", json_string(pt->target));
	/* Run under a test setting (a fake sysfs, a module double, another
	 * vbench-guest): its figures are not this host's, and the row says so. */
	if (test)
		json_object_set_new(row, "test_settings", test);
	return row;
}

/* "ptrchase footprint=512M" with only the parameters given explicitly. */
static void point_label(const struct vb_point *pt, char *buf, size_t len)
{
	size_t used = (size_t)snprintf(buf, len, "%s", pt->bench);
	const struct vb_param_def *d = pt->params.defs;

	for (int i = 0; d && d[i].name && used < len; i++) {
		char v[64];

		if (!pt->params.set[i])
			continue;
		vb_param_format(&d[i], pt->params.v[i], v, sizeof(v));
		used += (size_t)snprintf(buf + used, len - used, " %s=%s", d[i].name, v);
	}
}

/* "[3/16] ptrchase footprint=256M shadow 4k:4k: 302.9 ns/load ±2.1% (n=8)":
 * one line per finished point where stderr is not a terminal. */
static void progress_line(size_t i, size_t n, const struct vb_point *pt, json_t *row)
{
	char label[256], pages[32], med[24];
	const char *status = json_string_value(json_object_get(row, "status"));
	json_t *stats = json_object_get(row, "stats");

	point_label(pt, label, sizeof(label));
	vb_pages_format(&pt->pages, pages, sizeof(pages));
	fprintf(stderr, "[%zu/%zu] %s %s %s: ", i + 1, n, label, vb_mode_name(pt->mode), pages);
	if (status && !strcmp(status, "ok") && stats) {
		json_t *lat = json_object_get(row, "latency");
		const char *unit = json_string_value(json_object_get(row, "unit"));

		vb_fmt_value(json_number_value(json_object_get(stats, "median")), med, sizeof(med));
		fprintf(stderr, "%s %s ±%.1f%% (n=%lld)", med, unit ? unit : "",
			100 * json_number_value(json_object_get(stats, "ci_halfwidth_rel")),
			(long long)json_integer_value(json_object_get(stats, "n")));
		if (lat) {	/* a workload's: validated by guestout.c */
			char p50[24], p99[24];

			vb_fmt_value(json_number_value(json_object_get(lat, "p50")), p50,
				sizeof(p50));
			vb_fmt_value(json_number_value(json_object_get(lat, "p99")), p99,
				sizeof(p99));
			fprintf(stderr, ", latency p50 %s us p99 %s us", p50, p99);
		}
		fputc('\n', stderr);
	} else {
		const char *why = json_string_value(json_object_get(row, "reason"));

		fprintf(stderr, "%s: %s\n", status ? status : "?", why ? why : "");
	}
}

/* Seconds left: the estimate of what is left, scaled by how the points done
 * so far compared with theirs. */
static double eta(const struct vb_run_loop *r, double elapsed)
{
	double left = r->est_total - r->est_done;

	if (left < 0)
		left = 0;
	if (r->est_done > 1 && elapsed > 0)
		return left * elapsed / r->est_done;
	return left;
}

/* The terminal's one status line, rewritten in place: where the run is, for
 * how long, and until when. */
static void status_line(const struct vb_run_loop *r, size_t i)
{
	const struct vb_point *pt = &r->points[i].pt;
	double elapsed = vb_now_s() - r->t0;
	char label[160], pages[32], el[24], left[24];

	if (r->quiet || !r->tty)
		return;
	point_label(pt, label, sizeof(label));
	vb_pages_format(&pt->pages, pages, sizeof(pages));
	vb_fmt_duration(elapsed, el, sizeof(el));
	vb_fmt_duration(eta(r, elapsed), left, sizeof(left));
	fprintf(stderr, "\r\033[Kpoint %zu of %zu, round %u of %u, %s elapsed, ETA %s: %.60s %s %s",
		i + 1, r->n_points, r->inv + 1, r->invocations, el, left, label,
		vb_mode_name(pt->mode), pages);
	fflush(stderr);
}

static void progress(struct vb_run_loop *r, size_t i, json_t *row)
{
	const char *status = json_string_value(json_object_get(row, "status"));

	if (r->quiet)
		return;
	if (r->tty)
		status_line(r, i);
	else if (!status || strcmp(status, "skipped"))
		progress_line(i, r->n_points, &r->points[i].pt, row);
}

void vb_run_loop_end(struct vb_run_loop *r)
{
	struct vb_skips skips;

	if (r->quiet)
		return;
	if (r->tty)
		fputs("\r\033[K", stderr);
	/* Skipped points by cause, in plan order, once each. */
	vb_skips_init(&skips);
	for (size_t i = 0; i < r->n_points; i++) {
		json_t *row = r->acc[i];

		if (row && !strcmp(json_string_value(json_object_get(row, "status")) ?: "",
				   "skipped"))
			vb_skips_add(&skips, json_string_value(json_object_get(row, "reason")));
	}
	vb_skips_print(&skips, stderr);
	vb_skips_free(&skips);
}

enum prep { PREP_RUN, PREP_DONE, PREP_HUGEPAGES };

/* Everything decided before a guest runs a point: planned skips, the mode,
 * hugepages. PREP_DONE when the row already has its final (skipped) status,
 * PREP_HUGEPAGES when a hugepage shortfall skipped it. */
static enum prep prepare_point(const struct vb_plan_point *pp, struct vb_run_opts *opts,
			       json_t *row, char *hp_hint, size_t hp_len)
{
	const struct vb_point *pt = &pp->pt;
	struct vb_kvm_state kvm_now, *kvm = &kvm_now;
	size_t page_bytes;
	long need;
	char reason[512], err[512];

	if (pt->guest->kvm_mode && pt->guest->kvm_mode(opts)) {
		/* Read again for every point: --switch-mode may have reloaded the module. */
		vb_kvm_detect(NULL, kvm);
		json_object_set_new(row, "mode_verified",
				    kvm->flavour == VB_KVM_NONE
					    ? json_null()
					    : json_string(vb_mode_name(kvm->paging)));
	}
	if (pp->skip[0])
		return vb_row_status(row, "skipped", "%s", pp->skip), PREP_DONE;
	if (pt->guest->kvm_mode && pt->guest->kvm_mode(opts)) {
		if (!vb_mode_available(kvm, pt->mode, reason, sizeof(reason))) {
			if (!opts->switch_mode)
				return vb_row_status(row, "skipped", "%s", reason), PREP_DONE;
			if (vb_modeswitch_to(kvm, pt->mode, err, sizeof(err)) < 0)
				return vb_row_status(row, "skipped", "--switch-mode: %s", err),
				       PREP_DONE;
			json_object_set_new(row, "mode_verified",
					    json_string(vb_mode_name(kvm->paging)));
		}
	}
	if (hugetlb_need(pt, opts->hugetlb, &page_bytes, &need)) {
		long have = vb_hugepages_free(page_bytes);
		const char *size = vb_page_bytes_word(page_bytes);

		if (have < 0)
			return vb_row_status(row, "skipped",
					     "this kernel has no %s hugetlb pages (no "
					     "hugepages-%zukB pool in /sys/kernel/mm/hugepages: "
					     "the CPU or kernel offers no such page size)",
					     size, page_bytes >> 10),
			       PREP_DONE;
		if (have < need && opts->reserve_hugepages) {
			/* Grown by a delta the restore guardian gives back, however the run
			 * ends. */
			if (vb_guardian_grow_pool(page_bytes, need, err, sizeof(err)) < 0)
				return vb_row_status(row, "skipped", "%s", err), PREP_DONE;
		} else if (have < need) {
			/* The pool's new total: pages in use elsewhere stay in use. */
			long total = vb_hugepages_total(page_bytes) + need - have;

			snprintf(hp_hint, hp_len,
				 "not enough free %s hugepages (need %ld, have %ld): reserve them "
				 "with: echo %ld > "
				 "/sys/kernel/mm/hugepages/hugepages-%zukB/nr_hugepages (or pass "
				 "--reserve-hugepages as root)",
				 size, need, have, total, page_bytes >> 10);
			vb_row_status(row, "skipped", "%s", hp_hint);
			return PREP_HUGEPAGES;
		}
	}
	return PREP_RUN;
}

bool vb_point_will_skip(const struct vb_plan_point *pp, const struct vb_run_opts *opts, char *why,
			size_t len)
{
	const struct vb_point *pt = &pp->pt;
	struct vb_kvm_state kvm;
	size_t page_bytes;
	long need, have;

	if (pp->skip[0])
		return snprintf(why, len, "%s", pp->skip), true;
	if (pt->guest->kvm_mode && pt->guest->kvm_mode(opts)) {
		vb_kvm_detect(NULL, &kvm);
		if (!vb_mode_reachable(&kvm, pt->mode, opts->switch_mode, why, len))
			return true;
	}
	if (!hugetlb_need(pt, opts->hugetlb, &page_bytes, &need) || opts->reserve_hugepages)
		return false;
	have = vb_hugepages_free(page_bytes);
	if (have >= need)
		return false;
	/* One cause for every point short of the pool, whatever each needs. */
	snprintf(why, len, "not enough free %s hugepages (have %ld): reserve them, or pass "
		 "--reserve-hugepages as root", vb_page_bytes_word(page_bytes),
		 have < 0 ? 0 : have);
	return true;
}

/* Whether b may run in a's boot or connection. */
static bool shares(const struct vb_point *a, const struct vb_point *b)
{
	return a->guest == b->guest && a->guest->shares && a->guest->shares(a, b);
}

/* The CPUs a point runs on: the chosen one, grown through hwloc when the
 * bench declares a "cpus" parameter above 1. */
static int point_cpus(const struct vb_point *pt, const cpu_set_t *base, cpu_set_t *out, char *err,
		      size_t errlen)
{
	int ci = vb_param_index(pt->params.defs, "cpus");

	*out = *base;
	if (ci < 0 || pt->params.v[ci] <= 1)
		return 0;
	return vb_topo_add_cpus((int)pt->params.v[ci], out, err, errlen);
}

/* A point's row is final: its statistics, then results.jsonl and progress. */
static void record(struct vb_run_loop *r, size_t i)
{
	json_t *row = r->acc[i];
	const char *status = json_string_value(json_object_get(row, "status"));
	char err[1024];

	vb_invocation_finish(row, r->opts->seed);
	if (vb_results_append(r->res, row, err, sizeof(err)) < 0)
		vb_die(VB_EXIT_ENV, "run: %s", err);
	r->failed += !strcmp(status, "failed");
	vb_results_log(r->res, "[%zu/%zu] %s %s: %s", i + 1, r->n_points, r->points[i].pt.bench,
		       vb_mode_name(r->points[i].pt.mode), status);
	progress(r, i, row);
	r->recorded[i] = true;
	r->done++;
}

/* Take invocation inv's rows of a batch into their points' rows; a point is
 * recorded after its last invocation, or at once when it did not run ok. */
static void take(struct vb_run_loop *r, const size_t *idx, json_t **rows, size_t n, double secs,
		 unsigned inv, unsigned invocations)
{
	for (size_t k = 0; k < n; k++) {
		size_t i = idx[k];
		const char *status = json_string_value(json_object_get(rows[k], "status"));
		bool ok = !strcmp(status, "ok");
		json_t *was;

		if (*r->interrupted && !ok) {
			/* Cut short by Ctrl-C: not a measurement. */
			for (; k < n; k++)
				json_decref(rows[k]);
			return;
		}
		json_object_set_new(rows[k], "seconds", json_real(secs));
		/* Every invocation's row is kept as it comes, so that a run killed
		 * between invocations loses no measurement. */
		if (invocations > 1 &&
		    vb_results_append_invocation(r->res, rows[k], inv, NULL, 0) < 0)
			vb_warn("run: cannot write invocations.jsonl in %s", r->res->dir);
		r->acc[i] = vb_invocation_merge(r->acc[i], rows[k], inv);
		was = json_object_get(r->acc[i], "seconds");
		if (inv > 0 && json_is_number(was) &&
		    json_is_number(json_object_get(rows[k], "seconds")))
			json_object_set_new(r->acc[i], "seconds",
					    json_real(json_number_value(was) + secs));
		json_decref(rows[k]);
		if (r->est)
			r->est_done += !ok ? r->est[i] * (invocations - inv) / invocations
					   : r->est[i] / invocations;
		if (!ok || inv + 1 == invocations)
			record(r, i);
	}
}

/* Run the batch that starts at point first: a guest that shares a boot or a
 * connection takes along every later point of this round it can share, so
 * that one Linux guest boot serves all the points of its mode and backing.
 * ran[] marks the points this round has taken. */
static void run_batch(struct vb_run_loop *r, size_t first, bool *ran, unsigned inv,
		      unsigned invocations)
{
	json_t *rows[VB_BATCH_MAX];
	const struct vb_point *batch[VB_BATCH_MAX];
	size_t idx[VB_BATCH_MAX], n = 0;
	cpu_set_t point_set, batch_set;
	const struct vb_guest *g;
	double t0 = vb_now_s();
	char err[1024];
	int got;

	for (size_t next = first; next < r->n_points && n < VB_BATCH_MAX; next++) {
		const struct vb_point *pt = &r->points[next].pt;
		json_t *row;
		enum prep pr;

		if (r->recorded[next] || ran[next] || (n > 0 && !shares(batch[0], pt)))
			continue;
		row = row_new(pt);
		if (point_cpus(pt, r->cpus, n ? &batch_set : &point_set, err, sizeof(err)) < 0) {
			vb_row_status(row, "skipped", "%s", err);
			pr = PREP_DONE;
		} else if (n && !CPU_EQUAL(&batch_set, &point_set)) {
			json_decref(row);
			continue;
		} else {
			pr = prepare_point(&r->points[next], r->opts, row, r->hp_hint,
					   sizeof(r->hp_hint));
		}
		if (pr != PREP_RUN) {
			/* Decided already: alone, in its turn of the round. */
			if (n) {
				json_decref(row);
				continue;
			}
			r->hp_short += pr == PREP_HUGEPAGES;
			ran[next] = true;
			take(r, &next, &row, 1, 0, inv, invocations);
			return;
		}
		rows[n] = row;
		idx[n] = next;
		batch[n++] = pt;
		ran[next] = true;
		if (!pt->guest->shares)
			break;
	}
	if (n == 0)
		return;
	r->opts->affinity = &point_set;
	status_line(r, idx[0]);
	g = batch[0]->guest;
	got = vb_guest_run(g, batch, rows, n, r->opts);
	if (got < 0) {
		for (size_t k = 0; k < n; k++)
			vb_row_status(rows[k], "failed", "the %s guest stopped: %s", g->name,
				      "an error that ends the run");
	} else if (got == 0) {
		for (size_t k = 0; k < n; k++)
			vb_row_status(rows[k], "failed", "the %s guest ran none of its points",
				      g->name);
	} else if ((size_t)got < n) {
		/* The guest died in a bench: the points it never reached get a boot
		 * of their own, later in this round. */
		for (size_t k = (size_t)got; k < n; k++) {
			json_decref(rows[k]);
			ran[idx[k]] = false;
		}
		n = (size_t)got;
	}
	/* Rows that ran in one guest boot share its time equally. */
	take(r, idx, rows, n, (vb_now_s() - t0) / (double)n, inv, invocations);
}

void vb_run_round(struct vb_run_loop *r, unsigned inv, unsigned invocations)
{
	bool *ran = calloc(r->n_points ? r->n_points : 1, sizeof(*ran));

	if (!ran)
		vb_die(VB_EXIT_INTERNAL, "run: out of memory");
	r->inv = inv;
	r->invocations = invocations;
	for (size_t i = 0; i < r->n_points && !*r->interrupted; i++)
		if (!r->recorded[i] && !ran[i])
			run_batch(r, i, ran, inv, invocations);
	free(ran);
}
