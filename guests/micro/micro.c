/* micro.c: the micro guest (--guest micro): one VM per row, built
 * for the kernel and page mix asked, timed passes read from the guest's TSC,
 * KVM statistics read around each timed pass. What differs between kernels
 * is in their rows (kernels.h); this file is the VM, the pass and the
 * verification. */
#include "guests/micro/micro.h"
#include "guests/micro/stats.h"
#include "harness/guest.h"
#include "harness/guestrun.h"
#include "harness/pmu.h"
#include "harness/trace.h"
#include "lib/clock.h"
#include "lib/error.h"
#include "lib/row.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A row's state: what the kernel's hooks see (m), and what only this file
 * reads (statistics fds, counters). */
struct micro {
	struct vb_micro m;
	struct vb_kvm_stats st[2];		/* VM, vCPU */
	uint64_t *before[2], *after[2];
	bool have_stats[2];
	json_t *kvm, *errors;
	/* PMU counters on the vCPU thread (this one), guest and host sides apart. */
	struct vb_counters cs;
	struct vb_trace *tr;			/* KVM's tracepoints on this thread, or NULL */
};

/* What the passes gave, for the row. */
struct measured {
	double *x;			/* samples, in the kernel's unit */
	double *per_sub;		/* ns per finer operation, per sample */
	size_t n;
	double first;			/* the first pass, in the unit */
	uint64_t total_ops;
};

/* The data slot, the mailbox, then the kernel's own preparation. */
static int prepare(struct vb_micro *m)
{
	enum vb_page_size host = m->pt->pages.host == VB_PS_NONE ? VB_PS_4K : m->pt->pages.host;

	if (vb_vm_add_data(&m->vm, m->data_len, vb_backing_for(host, m->opts->hugetlb), m->err,
			   sizeof(m->err)) < 0)
		return -1;
	/* Resident before the guest runs: a guest read of an untouched page would
	 * map the zero page, which smaps does not count. */
	vb_mem_touch(&m->vm.data);
	m->mb = (uint64_t *)vb_vm_gpa(&m->vm, VB_G_MAILBOX, 4096);
	m->mb[MB_KERNEL / 8] = VB_G_CODE + (uint64_t)(m->k->entry - vb_guest_code_start);
	return m->k->prepare(m);
}

static void open_stats(struct micro *m)
{
	int fds[2] = { m->m.vm.vm_fd, m->m.vm.vcpu_fd };
	char err[256];

	for (int i = 0; i < 2; i++) {
		if (vb_kvm_stats_open(fds[i], &m->st[i], err, sizeof(err)) < 0) {
			json_object_set_new(m->errors, i ? "kvm_vcpu" : "kvm_vm", json_string(err));
			continue;
		}
		m->before[i] = calloc(m->st[i].n + 1, 8);
		m->after[i] = calloc(m->st[i].n + 1, 8);
		m->have_stats[i] = m->before[i] && m->after[i];
	}
}

static void read_stats(struct micro *m, uint64_t **into)
{
	char err[256];

	for (int i = 0; i < 2; i++)
		if (m->have_stats[i] &&
		    vb_kvm_stats_read(&m->st[i], into[i], err, sizeof(err)) < 0) {
			json_object_set_new(m->errors, i ? "kvm_vcpu" : "kvm_vm", json_string(err));
			m->have_stats[i] = false;
		}
}

/* This thread runs the vCPU: count the set asked for on it from the host,
 * guest mode (exclude_host) and host mode (exclude_guest) apart. */
static void open_pmu(struct micro *m)
{
	enum vb_counter_set set = VB_CSET_DEFAULT;

	if (m->m.opts->counters)
		vb_counter_set_parse(m->m.opts->counters, &set); /* cmd_run checked the word */
	vb_counters_init(&m->cs, set);
	vb_pmu_open_thread(&m->cs, gettid(), true, m->m.opts->events);
}

/* One KVM_RUN = one pass, and the only place a pass begins and ends. *ns
 * from the guest's TSC; KVM stat deltas added to the row when timed. */
static int pass(struct micro *mi, bool timed, uint64_t ops, double *ns)
{
	struct vb_micro *m = &mi->m;
	double t0, t1, host_ns;
	enum vb_vm_exit e;

	if (m->k->before_pass && m->k->before_pass(m, ops) < 0)
		return -1;
	if (timed) {
		read_stats(mi, mi->before);
		vb_trace_start(mi->tr);
		vb_counters_start(&mi->cs);
	}
	t0 = vb_now_s();
	e = vb_vm_run(&m->vm, m->opts->timeout_s, m->err, sizeof(m->err));
	t1 = vb_now_s();
	if (timed) {
		vb_counters_stop(&mi->cs);
		vb_trace_stop(mi->tr);
	}
	if (e != VB_VM_DONE)
		return -1;
	if (timed) {
		read_stats(mi, mi->after);
		for (int i = 0; i < 2; i++)
			if (mi->have_stats[i])
				vb_kvm_stats_accumulate(&mi->st[i], mi->before[i], mi->after[i],
							mi->kvm);
	}
	*ns = (double)(m->mb[MB_TSC1 / 8] - m->mb[MB_TSC0 / 8]) * 1e6 / m->vm.tsc_khz;
	host_ns = (t1 - t0) * 1e9;
	/* The timed region lies inside KVM_RUN: a TSC figure above the host's
	 * means a wrong TSC frequency, not a slow guest. */
	if (m->mb[MB_TSC1 / 8] < m->mb[MB_TSC0 / 8] || *ns > host_ns * 1.02 + 20000)
		return vb_errf(
			m->err, sizeof(m->err),
			"guest TSC disagrees with the host clock (%.0f ns vs %.0f ns at %u kHz)",
			*ns, host_ns, m->vm.tsc_khz);
	return 0;
}

/* The sample in the kernel's unit. */
static double value(const struct vb_micro *m, double ns, uint64_t ops)
{
	switch (m->k->unit_kind) {
	case VB_UNIT_OPS_PER_SEC: return (double)ops / (ns * 1e-9);
	case VB_UNIT_US_PER_OP: return ns / (double)ops / 1000;
	default: return ns / (double)ops;
	}
}

/* A first pass (the kernel's own count), --warmup untimed passes, then timed
 * passes until the stop rule (lib/stats.c) says enough: the same rule,
 * and the same cap (its max_runs), as microbench/runner.c. */
static int measure(struct micro *mi, struct measured *r)
{
	const struct vb_stop_rule *stop = &mi->m.opts->stop;
	struct vb_micro *m = &mi->m;
	size_t cap = stop->max_runs ? stop->max_runs : 1;
	double ns, t0;

	r->x = calloc(cap, sizeof(*r->x));
	r->per_sub = calloc(cap, sizeof(*r->per_sub));
	if (!r->x || !r->per_sub)
		return vb_errf(m->err, sizeof(m->err), "out of memory");
	if (pass(mi, false, m->first_ops, &ns) < 0)
		return -1;
	r->first = value(m, ns, m->first_ops);
	for (unsigned w = 0; w < m->opts->warmup; w++)
		if (pass(mi, false, m->ops, &ns) < 0)
			return -1;
	t0 = vb_now_s();
	while (vb_stop_rule_more(stop, r->x, r->n, vb_now_s() - t0)) {
		if (pass(mi, true, m->ops, &ns) < 0)
			return -1;
		r->x[r->n] = value(m, ns, m->ops);
		r->per_sub[r->n] = m->sub_ops ? ns / (double)(m->ops * m->sub_ops) : 0;
		r->total_ops += m->ops;
		r->n++;
	}
	return 0;
}

/* pages.verified: what the guest maps, from our own tables (or the kernel's
 * override), and what backs it, from smaps. */
struct verified {
	uint64_t gb[4];			/* guest bytes by leaf size */
	enum vb_page_size g;
	struct vb_mem_verified v;	/* host */
	const char *source;
};

static void verify_pages(struct micro *mi, struct verified *out)
{
	const struct vb_micro *m = &mi->m;
	char err[256];

	memset(out, 0, sizeof(*out));
	out->g = VB_PS_NONE;
	for (int r = 0; r < m->n_walk; r++)
		for (uint64_t off = 0; off < m->walk_len;) {
			struct vb_pt_walk w;

			if (vb_pt_walk(&m->vm.pt, m->walk_root[r], m->walk_gva + off, &w) < 0) {
				/* unmapped: counted, and makes the size mixed */
				out->gb[0] += 4096;
				off += 4096;
				continue;
			}
			out->gb[w.leaf] += vb_page_size_bytes(w.leaf);
			off += vb_page_size_bytes(w.leaf);
		}
	for (int s = VB_PS_4K; s <= VB_PS_1G; s++)
		if (out->gb[s] && !out->gb[0] &&
		    out->gb[s] == out->gb[VB_PS_4K] + out->gb[VB_PS_2M] + out->gb[VB_PS_1G])
			out->g = (enum vb_page_size)s;
	out->source = "guest-tables+smaps";
	if (m->k->verify)
		out->source = m->k->verify(m, out->gb, &out->g);
	if (vb_mem_verify(&m->vm.data, &out->v, err, sizeof(err)) < 0) {
		json_object_set_new(mi->errors, "smaps", json_string(err));
		memset(&out->v, 0, sizeof(out->v));
		out->v.size = VB_PS_NONE;
	}
}

/* The row's measurement: unit, samples, extra, counters, stats and pages. */
static void build_row(struct micro *mi, json_t *row, const struct measured *r,
		      const struct verified *pv)
{
	const struct vb_micro *m = &mi->m;
	json_t *extra = json_object(), *counters, *pages;
	enum vb_page_size g = pv->g, h = pv->v.size;
	const char *hname;
	char text[32];
	bool honoured;

	counters = json_pack("{s:O,s:O}", "kvm", mi->kvm, "errors", mi->errors);
	json_object_set_new(row, "counters", counters);
	json_object_set_new(row, "unit", json_string(m->k->unit));
	json_object_set_new(row, "extra", extra);
	json_object_set_new(extra, m->k->first_pass_metric ? m->k->first_pass_metric : "first_pass",
			    json_real(r->first));
	if (m->k->sub_metric)
		json_object_set_new(extra, m->k->sub_metric,
				    json_real(vb_median(r->per_sub, r->n)));
	json_object_set_new(extra, "tsc_khz", json_integer(m->vm.tsc_khz));
	json_object_set_new(counters, "ops", json_integer((json_int_t)r->total_ops));
	vb_counters_json(&mi->cs, counters);
	vb_trace_json(mi->tr, r->total_ops, row);
	vb_row_set_measured(row, r->x, r->n, m->opts->seed);

	pages = json_object_get(row, "pages");
	if (!pages) {
		pages = json_object();
		json_object_set_new(row, "pages", pages);
	}
	hname = h == VB_PS_NONE ? "mixed" : vb_page_size_name(h);
	snprintf(text, sizeof(text), "%s:%s", g == VB_PS_NONE ? "mixed" : vb_page_size_name(g),
		 hname);
	/* no host size asked: the default backing, 4K pages */
	honoured = g == m->pt->pages.guest &&
		   (h == vb_page_size_honoured_by(m->pt->pages.host) ||
		    (m->pt->pages.host == VB_PS_NONE && h == VB_PS_4K));
	json_object_set_new(pages, "verified", json_string(text));
	json_object_set_new(pages, "honoured", json_boolean(honoured));
	json_object_set_new(
		pages, "guest_bytes",
		vb_row_page_bytes_json(pv->gb[VB_PS_4K], pv->gb[VB_PS_2M], pv->gb[VB_PS_1G]));
	json_object_set_new(pages, "host_bytes",
			    vb_row_page_bytes_json(pv->v.bytes_4k, pv->v.bytes_2m, pv->v.bytes_1g));
	json_object_set_new(pages, "source", json_string(pv->source));
}

static int run_kernel(struct micro *mi, json_t *row)
{
	struct vb_micro *m = &mi->m;
	struct measured r = { 0 };
	struct verified pv;
	char why[256];
	int ret;

	mi->kvm = json_object();
	mi->errors = json_object();
	if (m->k->size(m) < 0)
		return vb_row_status(row, "failed", "micro guest setup: %s", m->err);
	if (vb_vm_create(&m->vm, m->pt_pages, m->err, sizeof(m->err)) < 0)
		return vb_row_status(row, "failed", "micro guest setup: %s", m->err);
	/* Ctrl-C (cmd_run's handler sets it) ends the pass under way: this
	 * thread is the vCPU, so the signal takes KVM_RUN out with EINTR. */
	m->vm.stop = m->opts->interrupted;
	if (m->gps == VB_PS_1G && !m->vm.gbpages)
		return vb_row_status(row, "skipped", "this KVM (%s) does not offer 1G guest pages: "
				     "KVM_GET_SUPPORTED_CPUID has no pdpe1gb",
				     vb_kvm_flavour_name(m->flavour));
	if (m->k->valid && !m->k->valid(m, why, sizeof(why)))
		return vb_row_status(row, "skipped", "%s", why);
	if (prepare(m) < 0 || vb_vcpu_setup(&m->vm, !m->k->cpl0, m->err, sizeof(m->err)) < 0)
		return vb_row_status(row, "failed", "micro guest setup: %s", m->err);
	open_stats(mi);
	open_pmu(mi);
	mi->tr = vb_trace_new(vb_trace_depth_of(m->opts->trace), m->flavour);
	vb_trace_add_thread(mi->tr, gettid());
	ret = measure(mi, &r);
	/* Again after the guest ran: it faulted in its code and stacks, and a
	 * row whose guest tables sat on huge host pages is not the row asked for. */
	if (ret == 0)
		ret = vb_vm_sys_check(&m->vm, m->err, sizeof(m->err));
	if (ret == 0) {
		verify_pages(mi, &pv);
		build_row(mi, row, &r, &pv);
		vb_row_set_status(row, "ok", NULL);
	}
	free(r.x);
	free(r.per_sub);
	return ret < 0 ? vb_row_status(row, "failed", "%s", m->err) : 0;
}

/* Set up the kernel and page size of a point; false with why when the point
 * names no micro kernel or a guest page size the tables cannot have. */
static bool point(struct vb_micro *m, const struct vb_point *pt, char *why, size_t len)
{
	m->pt = pt;
	m->k = vb_micro_kernel_find(pt->bench);
	if (!m->k) {
		snprintf(why, len, "'%s' is not a micro guest kernel", pt->bench);
		return false;
	}
	m->gps = pt->pages.guest;
	if (m->gps != VB_PS_4K && m->gps != VB_PS_2M && m->gps != VB_PS_1G) {
		snprintf(why, len, "guest pages must be 4k, 2m or 1g, not %s",
			 vb_page_size_name(m->gps));
		return false;
	}
	m->gsz = vb_page_size_bytes(m->gps);
	return true;
}

int vb_micro_run(const struct vb_point *pt, const struct vb_run_opts *opts, json_t *row)
{
	struct micro *mi;
	struct vb_kvm_state st;
	char reason[512];
	cpu_set_t old_mask;
	bool have_mask;
	int ret;

	/* struct micro is large (walk roots): not on the stack. */
	mi = calloc(1, sizeof(*mi));
	if (!mi)
		return vb_row_status(row, "failed", "out of memory");
	mi->m.vm.kvm_fd = mi->m.vm.vm_fd = mi->m.vm.vcpu_fd = -1;
	mi->st[0].fd = mi->st[1].fd = -1;
	mi->m.opts = opts;
	if (!point(&mi->m, pt, reason, sizeof(reason))) {
		free(mi);
		return vb_row_status(row, "failed", "%s", reason);
	}
	/* The run has checked (and with --switch-mode reached) the mode; what
	 * the host runs now is what the row records. */
	vb_kvm_detect(NULL, &st);
	json_object_set_new(row, "mode_verified", st.flavour == VB_KVM_NONE ? json_null()
							 : json_string(vb_mode_name(st.paging)));
	if (!vb_mode_available(&st, pt->mode, reason, sizeof(reason))) {
		free(mi);
		return vb_row_status(row, "skipped", "%s", reason);
	}
	json_object_set_new(row, "emulated_cpl0",
			    json_boolean(mi->m.k->cpl0 && st.flavour == VB_KVM_PVM));
	mi->m.flavour = st.flavour;
	/* The vCPU is this thread: pin it where the run chose, for this row only. */
	have_mask = opts->affinity && sched_getaffinity(0, sizeof(old_mask), &old_mask) == 0 &&
		    sched_setaffinity(0, sizeof(*opts->affinity), opts->affinity) == 0;
	ret = run_kernel(mi, row);
	if (have_mask)
		sched_setaffinity(0, sizeof(old_mask), &old_mask);
	for (int i = 0; i < 2; i++) {
		if (mi->st[i].stat)
			vb_kvm_stats_close(&mi->st[i]);
		free(mi->before[i]);
		free(mi->after[i]);
	}
	vb_counters_close(&mi->cs);
	vb_trace_free(mi->tr);
	json_decref(mi->kvm);
	json_decref(mi->errors);
	vb_vm_destroy(&mi->m.vm);
	free(mi);
	return ret;
}

uint64_t vb_micro_data_bytes(const struct vb_point *pt, bool hugetlb)
{
	enum vb_page_size host = pt->pages.host == VB_PS_NONE ? VB_PS_4K : pt->pages.host;
	struct vb_micro *m;
	char why[256];
	uint64_t pg, bytes = 0;

	/* struct vb_micro is large (walk roots): not on the caller's stack. */
	m = calloc(1, sizeof(*m));
	if (!m)
		return 0;
	if (point(m, pt, why, sizeof(why)) && m->k->size(m) == 0 && m->data_len) {
		/* As vb_vm_add_data -> vb_mem_alloc rounds the slot: to the
		 * backing's page, THP's being 2M. */
		pg = vb_backing_page_bytes(vb_backing_for(host, hugetlb));
		bytes = (m->data_len + pg - 1) / pg * pg;
	}
	free(m);
	return bytes;
}

static bool micro_kvm_mode(const struct vb_run_opts *o)
{
	(void)o;
	return true;
}

static bool micro_usable(const struct vb_point *pt, const struct vb_kvm_state *kvm,
			 const struct vb_run_opts *o, char *why, size_t len)
{
	return vb_mode_reachable(kvm, pt->mode, o->switch_mode, why, len);
}

/* The data slot lives in host memory of the host page size. */
static uint64_t micro_hugetlb_bytes(const struct vb_point *pt, bool hugetlb, enum vb_page_size *ps)
{
	*ps = pt->pages.host;
	return vb_micro_data_bytes(pt, hugetlb);
}

const struct vb_guest vb_guest_micro = {
	.name = "micro",
	.where = "in the micro guest",
	.summary = "vbench's own VM on /dev/kvm: exact pages in both dimensions; ptrchase, gups, "
		   "the CPL0 page-table kernels and the exit costs",
	.auto_pick = true,
	.no_thp_guest_pages = true,
	.bench_at = vb_micro_kernel_at,
	.kvm_mode = micro_kvm_mode,
	.usable = micro_usable,
	.hugetlb_bytes = micro_hugetlb_bytes,
	.run_one = vb_micro_run,
};
