/* micro.c: the micro guest backend (--guest micro): one VM per row, built
 * for the kernel and page mix asked, timed passes read from the guest's TSC,
 * KVM statistics read around each timed pass. */
#include "guests/micro/guest.h"
#include "guests/micro/kernels.h"
#include "guests/micro/pagetable.h"
#include "guests/micro/stats.h"
#include "guests/micro/vm.h"
#include "harness/backend.h"
#include "harness/guest.h"
#include "harness/pmu.h"
#include "harness/trace.h"
#include "lib/error.h"
#include "lib/row.h"
#include "microbench/ptrchase.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_SAMPLES 10000

struct micro {
	const struct vb_point *pt;
	const struct vb_run_opts *opts;
	const struct vb_micro_kernel *k;
	struct vb_vm vm;
	uint64_t *mb;				/* the mailbox, host view */
	struct vb_kvm_stats st[2];		/* VM, vCPU */
	uint64_t *before[2], *after[2];
	bool have_stats[2];
	enum vb_page_size gps;			/* guest leaf size */
	uint64_t gsz;
	uint64_t data_len;			/* bytes of the data slot asked for */
	uint64_t pt_pages;			/* page-table pool the kernel needs */
	uint64_t walk_root[512], walk_gva;	/* mappings read back for pages.verified */
	int n_walk;
	uint64_t walk_len;
	uint64_t ops, first_ops;		/* operations per timed / first pass */
	uint64_t leaves;			/* ptbuild: pages per tree */
	uint64_t frames;			/* ptbuild: distinct data frames the leaves alias */
	json_t *kvm, *errors;
	/* PMU counters on the vCPU thread (this one), guest and host sides apart. */
	struct vb_counters cs;
	struct vb_trace *tr;			/* KVM's tracepoints on this thread, or NULL */
	enum vb_kvm_flavour flavour;
	char err[512];
};

static uint64_t param(const struct micro *m, const char *name)
{
	return vb_param_get(&m->pt->params, name);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int leaf_level(enum vb_page_size ps)
{
	return ps == VB_PS_4K ? 1 : ps == VB_PS_2M ? 2 : 3;
}

/* Sizes of the data slot and of the page-table pool, before the VM exists:
 * from the point alone (k, gps, gsz, pt), as vb_micro_data_bytes uses it too. */
static int plan(struct micro *m)
{
	uint64_t n;

	switch (m->k->id) {
	case VB_K_PTRCHASE:
	case VB_K_GUPS:
		m->data_len = param(m, "footprint");
		m->walk_gva = VB_G_DATA;
		m->walk_len = m->data_len;
		m->pt_pages = vb_pt_pages_needed((m->data_len + m->gsz - 1) / m->gsz * m->gsz, m->gps);
		break;
	case VB_K_CR3SWITCH:
		n = param(m, "spaces");
		/* 1G leaves alias one frame: the spaces still differ in their tables. */
		m->data_len = (m->gps == VB_PS_1G ? 1 : n) * m->gsz;
		m->pt_pages = 4 * n + 2;
		m->walk_gva = VB_G_PRIV;
		m->walk_len = m->gsz;
		break;
	case VB_K_PTEWRITE:
		n = param(m, "entries");
		m->data_len = (m->gps == VB_PS_1G ? 1 : n) * m->gsz;
		m->pt_pages = vb_pt_pages_needed(n * m->gsz, m->gps);
		m->walk_gva = VB_G_PRIV;
		m->walk_len = n * m->gsz;
		break;
	case VB_K_PTBUILD: {
		uint64_t frames = 1, cap, pages = 1;

		m->leaves = param(m, "pages");
		/* PML4 entries 1..511, 512G each, from VB_G_PRIV on. */
		if (m->leaves > 511 * ((512ULL << 30) / m->gsz))
			return vb_errf(m->err, sizeof(m->err),
				       "ptbuild maps its tree in PML4 entries 1-511 (511 x 512G): %llu pages of %s do not fit",
				       (unsigned long long)m->leaves, vb_page_size_name(m->gps));
		/* Leaves alias a power-of-two set of frames of at most 32M. */
		cap = (32ULL << 20) / m->gsz;
		while (frames * 2 <= m->leaves && frames * 2 <= cap)
			frames *= 2;
		m->frames = frames;
		m->data_len = frames * m->gsz;
		n = m->leaves;
		for (int l = leaf_level(m->gps); l <= 3; l++) {
			n = (n + 511) / 512;
			pages += n;
		}
		m->pt_pages = pages + 2;
		break;
	}
	}
	return 0;
}

static int prep_ptrchase(struct micro *m)
{
	size_t stride = param(m, "layout") == 1 ? 64 : 4096;
	size_t nodes = m->data_len / stride;
	uint8_t *base = m->vm.data.addr;
	uint8_t *first = vb_ptrchase_build(base, nodes, stride, m->opts->seed);

	/* The native builder links host pointers: make them guest addresses. */
	for (size_t i = 0; i < nodes; i++) {
		uint64_t *slot = vb_ptrchase_node(base, i, stride);

		*slot = *slot - (uintptr_t)base + VB_G_DATA;
	}
	m->mb[MB_ARG0 / 8] = (uint64_t)(first - base) + VB_G_DATA;
	m->first_ops = nodes;	/* the first pass walks the whole cycle: every page faults in */
	m->ops = param(m, "loads");
	return 0;
}

static int prep_gups(struct micro *m)
{
	uint64_t *t = m->vm.data.addr, n = m->data_len / 8;

	for (uint64_t i = 0; i < n; i++)
		t[i] = i;
	m->mb[MB_ARG0 / 8] = VB_G_DATA;
	m->mb[MB_ARG1 / 8] = n;
	m->mb[MB_ARG2 / 8] = param(m, "updates");
	m->mb[MB_ARG3 / 8] = m->opts->seed | 1;
	m->ops = m->first_ops = param(m, "updates");
	return 0;
}

static int prep_cr3switch(struct micro *m)
{
	uint64_t n = param(m, "spaces"), frames = m->data_len / m->gsz, array;
	uint64_t *roots;

	if (vb_pt_alloc(&m->vm.pt, &array) < 0)
		return vb_errf(m->err, sizeof(m->err), "page tables: pool exhausted");
	roots = vb_pt_ptr(&m->vm.pt, array);
	roots[0] = m->vm.root;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t frame = VB_G_DATA + (i % frames) * m->gsz;

		if (i > 0) {
			if (vb_pt_alloc(&m->vm.pt, &roots[i]) < 0)
				return vb_errf(m->err, sizeof(m->err), "page tables: pool exhausted");
			/* Code, stacks and data are shared; only the private slot differs. */
			*vb_pt_ptr(&m->vm.pt, roots[i]) = *vb_pt_ptr(&m->vm.pt, m->vm.root);
		}
		if (vb_pt_map(&m->vm.pt, roots[i], VB_G_PRIV, frame, m->gsz, m->gps, VB_PTE_RW | VB_PTE_U,
			      m->err, sizeof(m->err)) < 0)
			return -1;
		*(uint64_t *)vb_vm_gpa(&m->vm, frame, 8) = i + 1;
		m->walk_root[i] = roots[i];
	}
	m->n_walk = (int)n;
	m->mb[MB_ARG0 / 8] = array;
	m->mb[MB_ARG1 / 8] = n;
	m->mb[MB_ARG2 / 8] = param(m, "switches");
	m->mb[MB_ARG3 / 8] = VB_G_PRIV;
	m->ops = m->first_ops = param(m, "switches");
	return 0;
}

static int prep_ptewrite(struct micro *m)
{
	uint64_t n = param(m, "entries"), frames = m->data_len / m->gsz;
	struct vb_pt_walk w;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t frame = VB_G_DATA + (i % frames) * m->gsz;

		if (vb_pt_map(&m->vm.pt, m->vm.root, VB_G_PRIV + i * m->gsz, frame, m->gsz, m->gps,
			      VB_PTE_RW | VB_PTE_U, m->err, sizeof(m->err)) < 0)
			return -1;
	}
	/* n <= 512 leaves from a 512G-aligned address share one table page. */
	if (vb_pt_walk(&m->vm.pt, m->vm.root, VB_G_PRIV, &w) < 0)
		return vb_errf(m->err, sizeof(m->err), "page tables: private region not mapped");
	memset(m->vm.data.addr, 1, 64);
	m->mb[MB_ARG0 / 8] = w.entry_gpa;
	m->mb[MB_ARG1 / 8] = n;
	m->mb[MB_ARG2 / 8] = VB_G_PRIV;
	m->mb[MB_ARG3 / 8] = m->gsz;
	m->mb[MB_ARG4 / 8] = param(m, "iterations");
	m->ops = m->first_ops = n * param(m, "iterations");
	return 0;
}

static int prep_ptbuild(struct micro *m)
{
	uint64_t pool, page;
	int level = leaf_level(m->gps);

	/* The guest needs the pool contiguous: the pool allocator hands out in order. */
	if (vb_pt_alloc(&m->vm.pt, &pool) < 0)
		return vb_errf(m->err, sizeof(m->err), "page tables: pool exhausted");
	for (uint64_t i = 1; i + 2 < m->pt_pages; i++)
		if (vb_pt_alloc(&m->vm.pt, &page) < 0 || page != pool + i * 4096)
			return vb_errf(m->err, sizeof(m->err), "page tables: pool exhausted");
	m->mb[MB_ARG0 / 8] = pool;
	m->mb[MB_ARG1 / 8] = m->leaves;
	m->mb[MB_ARG2 / 8] = (uint64_t)level;
	m->mb[MB_ARG3 / 8] = VB_G_DATA | VB_PTE_P | VB_PTE_RW | VB_PTE_U | (level > 1 ? VB_PTE_PS : 0);
	m->mb[MB_ARG4 / 8] = m->frames - 1;
	m->mb[MB_ARG5 / 8] = VB_PTE_P | VB_PTE_RW | VB_PTE_U;
	m->ops = m->first_ops = 1;
	return 0;
}

static int prepare(struct micro *m)
{
	enum vb_backing b = vb_backing_for(m->pt->pages.host == VB_PS_NONE ? VB_PS_4K : m->pt->pages.host,
					   m->opts->hugetlb);

	if (vb_vm_add_data(&m->vm, m->data_len, b, m->err, sizeof(m->err)) < 0)
		return -1;
	/* Resident before the guest runs: a guest read of an untouched page would
	 * map the zero page, which smaps does not count. */
	vb_mem_touch(&m->vm.data);
	m->mb = (uint64_t *)vb_vm_gpa(&m->vm, VB_G_MAILBOX, 4096);
	m->mb[MB_KERNEL / 8] = (uint64_t)m->k->id;
	if (m->k->id == VB_K_PTRCHASE || m->k->id == VB_K_GUPS) {
		uint64_t len = (m->data_len + m->gsz - 1) / m->gsz * m->gsz;

		if (vb_pt_map(&m->vm.pt, m->vm.root, VB_G_DATA, VB_G_DATA, len, m->gps,
			      VB_PTE_RW | VB_PTE_U, m->err, sizeof(m->err)) < 0)
			return -1;
		m->walk_root[0] = m->vm.root;
		m->n_walk = 1;
	}
	if (m->k->id == VB_K_PTEWRITE) {
		m->walk_root[0] = m->vm.root;
		m->n_walk = 1;
	}
	switch (m->k->id) {
	case VB_K_PTRCHASE: return prep_ptrchase(m);
	case VB_K_GUPS: return prep_gups(m);
	case VB_K_CR3SWITCH: return prep_cr3switch(m);
	case VB_K_PTEWRITE: return prep_ptewrite(m);
	case VB_K_PTBUILD: return prep_ptbuild(m);
	}
	return vb_errf(m->err, sizeof(m->err), "kernel %s has no id", m->k->name);
}

static void open_stats(struct micro *m)
{
	int fds[2] = { m->vm.vm_fd, m->vm.vcpu_fd };
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
		if (m->have_stats[i] && vb_kvm_stats_read(&m->st[i], into[i], err, sizeof(err)) < 0) {
			json_object_set_new(m->errors, i ? "kvm_vcpu" : "kvm_vm", json_string(err));
			m->have_stats[i] = false;
		}
}

/* This thread runs the vCPU: count the set asked for on it from the host,
 * guest mode (exclude_host) and host mode (exclude_guest) apart. */
static void open_pmu(struct micro *m)
{
	enum vb_counter_set set = VB_CSET_DEFAULT;

	if (m->opts->counters)
		vb_counter_set_parse(m->opts->counters, &set);	/* cmd_run checked the word */
	vb_counters_init(&m->cs, set);
	vb_pmu_open_thread(&m->cs, gettid(), true, m->opts->events);
}

/* One KVM_RUN = one pass. *ns from the guest's TSC; KVM stat deltas added
 * to the row when timed. */
static int pass(struct micro *m, bool timed, uint64_t loads, double *ns)
{
	double t0, t1, host_ns;
	enum vb_vm_exit e;

	if (m->k->id == VB_K_PTRCHASE)
		m->mb[MB_ARG1 / 8] = loads;
	if (timed) {
		read_stats(m, m->before);
		vb_trace_start(m->tr);
		vb_counters_start(&m->cs);
	}
	t0 = now_s();
	e = vb_vm_run(&m->vm, m->opts->timeout_s, m->err, sizeof(m->err));
	t1 = now_s();
	if (timed) {
		vb_counters_stop(&m->cs);
		vb_trace_stop(m->tr);
	}
	if (e != VB_VM_DONE)
		return -1;
	if (timed) {
		read_stats(m, m->after);
		for (int i = 0; i < 2; i++)
			if (m->have_stats[i])
				vb_kvm_stats_accumulate(&m->st[i], m->before[i], m->after[i], m->kvm);
	}
	if (m->k->id == VB_K_PTRCHASE)
		m->mb[MB_ARG0 / 8] = m->mb[MB_SINK / 8];	/* carry on along the cycle */
	*ns = (double)(m->mb[MB_TSC1 / 8] - m->mb[MB_TSC0 / 8]) * 1e6 / m->vm.tsc_khz;
	host_ns = (t1 - t0) * 1e9;
	/* The timed region lies inside KVM_RUN: a TSC figure above the host's
	 * means a wrong TSC frequency, not a slow guest. */
	if (m->mb[MB_TSC1 / 8] < m->mb[MB_TSC0 / 8] || *ns > host_ns * 1.02 + 20000)
		return vb_errf(m->err, sizeof(m->err),
			       "guest TSC disagrees with the host clock (%.0f ns vs %.0f ns at %u kHz)",
			       *ns, host_ns, m->vm.tsc_khz);
	return 0;
}

/* The sample in the kernel's unit. */
static double value(const struct micro *m, double ns, uint64_t ops)
{
	switch (m->k->id) {
	case VB_K_GUPS: return ops / (ns * 1e-9);
	case VB_K_PTBUILD: return ns / ops / 1000;
	default: return ns / ops;
	}
}

/* pages.verified from our own tables (guest) and smaps (host). */
static void verify_pages(struct micro *m, json_t *row)
{
	json_t *pages = json_object_get(row, "pages");
	uint64_t gb[4] = { 0 };
	enum vb_page_size g = VB_PS_NONE, h;
	struct vb_mem_verified v;
	char err[256], text[32];
	const char *hname;
	bool honoured;

	if (!pages) {
		pages = json_object();
		json_object_set_new(row, "pages", pages);
	}
	for (int r = 0; r < m->n_walk; r++)
		for (uint64_t off = 0; off < m->walk_len;) {
			struct vb_pt_walk w;

			if (vb_pt_walk(&m->vm.pt, m->walk_root[r], m->walk_gva + off, &w) < 0) {
				gb[0] += 4096;	/* unmapped: counted, and makes the size mixed */
				off += 4096;
				continue;
			}
			gb[w.leaf] += vb_page_size_bytes(w.leaf);
			off += vb_page_size_bytes(w.leaf);
		}
	for (int s = VB_PS_4K; s <= VB_PS_1G; s++)
		if (gb[s] && !gb[0] && gb[s] == gb[VB_PS_4K] + gb[VB_PS_2M] + gb[VB_PS_1G])
			g = (enum vb_page_size)s;
	if (m->k->id == VB_K_PTBUILD) {
		/* The guest builds and tears down that tree itself; the leaf level is
		 * what we handed it. */
		g = m->gps;
		gb[g] = m->leaves * m->gsz;
	}
	if (vb_mem_verify(&m->vm.data, &v, err, sizeof(err)) < 0) {
		json_object_set_new(m->errors, "smaps", json_string(err));
		memset(&v, 0, sizeof(v));
		v.size = VB_PS_NONE;
	}
	h = v.size;
	hname = h == VB_PS_NONE ? "mixed" : vb_page_size_name(h);
	snprintf(text, sizeof(text), "%s:%s", g == VB_PS_NONE ? "mixed" : vb_page_size_name(g), hname);
	honoured = g == m->pt->pages.guest &&
		   (h == m->pt->pages.host || (m->pt->pages.host == VB_PS_THP && h == VB_PS_2M) ||
		    (m->pt->pages.host == VB_PS_NONE && h == VB_PS_4K));
	json_object_set_new(pages, "verified", json_string(text));
	json_object_set_new(pages, "honoured", json_boolean(honoured));
	json_object_set_new(pages, "guest_bytes", vb_row_page_bytes_json(gb[VB_PS_4K], gb[VB_PS_2M],
								       gb[VB_PS_1G]));
	json_object_set_new(pages, "host_bytes", vb_row_page_bytes_json(v.bytes_4k, v.bytes_2m,
								      v.bytes_1g));
	json_object_set_new(pages, "source", json_string(m->k->id == VB_K_PTBUILD ? "kernel-args+smaps"
										 : "guest-tables+smaps"));
}

static int measure(struct micro *m, json_t *row)
{
	double *x = NULL, *per_page = NULL, ns, t0;
	json_t *extra = json_object(), *counters;
	size_t n = 0, cap = 0;
	uint64_t total_ops = 0;
	struct vb_stats st;
	int ret = -1;

	counters = json_pack("{s:o,s:o}", "kvm", m->kvm, "errors", m->errors);
	json_incref(m->kvm);
	json_incref(m->errors);
	json_object_set_new(row, "counters", counters);
	json_object_set_new(row, "unit", json_string(m->k->unit));
	json_object_set_new(row, "extra", extra);

	if (pass(m, false, m->first_ops, &ns) < 0)
		goto out;
	json_object_set_new(extra, m->k->id == VB_K_GUPS ? "first_pass_updates_per_s" :
			    m->k->id == VB_K_PTRCHASE ? "first_pass_ns_per_load" : "first_pass",
			    json_real(value(m, ns, m->first_ops)));
	for (unsigned w = 0; w < m->opts->warmup; w++)
		if (pass(m, false, m->ops, &ns) < 0)
			goto out;
	t0 = now_s();
	while (n < MAX_SAMPLES && (n == 0 || vb_stop_rule_more(&m->opts->stop, x, n, now_s() - t0))) {
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			x = realloc(x, cap * sizeof(*x));
			per_page = realloc(per_page, cap * sizeof(*per_page));
			if (!x || !per_page) {
				vb_errf(m->err, sizeof(m->err), "out of memory");
				goto out;
			}
		}
		if (pass(m, true, m->ops, &ns) < 0)
			goto out;
		x[n] = value(m, ns, m->ops);
		per_page[n] = m->leaves ? ns / m->leaves : 0;
		total_ops += m->ops;
		n++;
	}
	if (m->k->id == VB_K_PTBUILD)
		json_object_set_new(extra, "ns_per_page", json_real(vb_median(per_page, n)));
	json_object_set_new(extra, "tsc_khz", json_integer(m->vm.tsc_khz));
	json_object_set_new(counters, "ops", json_integer((json_int_t)total_ops));
	vb_counters_json(&m->cs, counters);
	vb_trace_json(m->tr, total_ops, row);
	vb_row_set_samples(row, x, n);
	vb_stats_compute(x, n, m->opts->seed, &st);
	vb_row_set_stats(row, &st);
	ret = 0;
out:
	free(x);
	free(per_page);
	return ret;
}

static int run_kernel(struct micro *m, json_t *row)
{
	m->kvm = json_object();
	m->errors = json_object();
	if (plan(m) < 0)
		return vb_row_status(row, "failed", "micro guest setup: %s", m->err);
	if (vb_vm_create(&m->vm, m->pt_pages, m->err, sizeof(m->err)) < 0)
		return vb_row_status(row, "failed", "micro guest setup: %s", m->err);
	/* Ctrl-C (cmd_run's handler sets it) ends the pass under way: this
	 * thread is the vCPU, so the signal takes KVM_RUN out with EINTR. */
	m->vm.stop = m->opts->interrupted;
	if (m->gps == VB_PS_1G && !m->vm.gbpages)
		return vb_row_status(row, "skipped", "this KVM (%s) does not offer 1G guest pages: KVM_GET_SUPPORTED_CPUID has no pdpe1gb",
				     vb_kvm_flavour_name(m->flavour));
	if (prepare(m) < 0 || vb_vcpu_setup(&m->vm, !m->k->cpl0, m->err, sizeof(m->err)) < 0)
		return vb_row_status(row, "failed", "micro guest setup: %s", m->err);
	open_stats(m);
	open_pmu(m);
	m->tr = vb_trace_new(vb_trace_depth_of(m->opts->trace), m->flavour);
	vb_trace_add_thread(m->tr, gettid());
	if (measure(m, row) < 0)
		return vb_row_status(row, "failed", "%s", m->err);
	/* Again after the guest ran: it faulted in its code and stacks, and a
	 * row whose guest tables sat on huge host pages is not the row asked for. */
	if (vb_vm_sys_check(&m->vm, m->err, sizeof(m->err)) < 0)
		return vb_row_status(row, "failed", "%s", m->err);
	verify_pages(m, row);
	json_object_set_new(row, "status", json_string("ok"));
	json_object_del(row, "reason");
	return 0;
}

int vb_backend_micro(const struct vb_point *pt, const struct vb_run_opts *opts, json_t *row)
{
	struct micro m;
	struct vb_kvm_state st;
	char reason[512];
	cpu_set_t old_mask;
	bool have_mask;
	int ret;

	memset(&m, 0, sizeof(m));
	m.vm.kvm_fd = m.vm.vm_fd = m.vm.vcpu_fd = -1;
	m.st[0].fd = m.st[1].fd = -1;
	m.pt = pt;
	m.opts = opts;
	m.k = vb_micro_kernel_find(pt->bench);
	if (!m.k)
		return vb_row_status(row, "failed", "'%s' is not a micro guest kernel", pt->bench);
	/* The run has checked (and with --switch-mode reached) the mode; what
	 * the host runs now is what the row records. */
	vb_kvm_detect(NULL, &st);
	json_object_set_new(row, "mode_verified", st.flavour == VB_KVM_NONE ? json_null()
							 : json_string(vb_mode_name(st.paging)));
	if (!vb_mode_available(&st, pt->mode, reason, sizeof(reason)))
		return vb_row_status(row, "skipped", "%s", reason);
	json_object_set_new(row, "emulated_cpl0", json_boolean(m.k->cpl0 && st.flavour == VB_KVM_PVM));
	m.flavour = st.flavour;
	m.gps = pt->pages.guest;
	if (m.gps != VB_PS_4K && m.gps != VB_PS_2M && m.gps != VB_PS_1G)
		return vb_row_status(row, "failed", "guest pages must be 4k, 2m or 1g, not %s",
				     vb_page_size_name(m.gps));
	m.gsz = vb_page_size_bytes(m.gps);
	/* The vCPU is this thread: pin it where the run chose, for this row only. */
	have_mask = opts->affinity && sched_getaffinity(0, sizeof(old_mask), &old_mask) == 0 &&
		    sched_setaffinity(0, sizeof(*opts->affinity), opts->affinity) == 0;
	ret = run_kernel(&m, row);
	if (have_mask)
		sched_setaffinity(0, sizeof(old_mask), &old_mask);
	for (int i = 0; i < 2; i++) {
		if (m.st[i].stat)
			vb_kvm_stats_close(&m.st[i]);
		free(m.before[i]);
		free(m.after[i]);
	}
	vb_counters_close(&m.cs);
	vb_trace_free(m.tr);
	json_decref(m.kvm);
	json_decref(m.errors);
	vb_vm_destroy(&m.vm);
	return ret;
}

uint64_t vb_micro_data_bytes(const struct vb_point *pt, bool hugetlb)
{
	enum vb_page_size host = pt->pages.host == VB_PS_NONE ? VB_PS_4K : pt->pages.host;
	uint64_t pg;
	struct micro *m;
	uint64_t bytes = 0;

	/* struct micro is large (walk roots): not on the caller's stack. */
	m = calloc(1, sizeof(*m));
	if (!m)
		return 0;
	m->pt = pt;
	m->k = vb_micro_kernel_find(pt->bench);
	m->gps = pt->pages.guest;
	if (m->k && (m->gps == VB_PS_4K || m->gps == VB_PS_2M || m->gps == VB_PS_1G)) {
		m->gsz = vb_page_size_bytes(m->gps);
		if (plan(m) == 0 && m->data_len) {
			/* As vb_vm_add_data -> vb_mem_alloc rounds the slot: to the
			 * backing's page, THP's being 2M. */
			switch (vb_backing_for(host, hugetlb)) {
			case VB_BACKING_HUGETLB_1G: pg = 1ULL << 30; break;
			case VB_BACKING_HUGETLB_2M:
			case VB_BACKING_THP: pg = 2ULL << 20; break;
			default: pg = 4096; break;
			}
			bytes = (m->data_len + pg - 1) / pg * pg;
		}
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
	.summary = "vbench's own VM on /dev/kvm: exact pages in both dimensions; ptrchase, gups "
		   "and the CPL0 page-table kernels",
	.auto_pick = true,
	.no_thp_guest_pages = true,
	.bench_at = vb_catalog_kernel_at,
	.kvm_mode = micro_kvm_mode,
	.usable = micro_usable,
	.hugetlb_bytes = micro_hugetlb_bytes,
	.run_one = vb_backend_micro,
};
