/* trace.c: KVM's tracepoints on the vCPU threads, through perf_event_open.
 * Counts come from counting events (kvm_exit once unfiltered and once per
 * tracked reason with a filter on exit_reason, each shadow-MMU tracepoint);
 * at the latency depth kvm_exit and kvm_entry also write sampled records to
 * one ring buffer per thread, decoded with libtraceevent after the region. */
#include "harness/trace.h"
#include "lib/row.h"
#include "harness/exitreason.h"
#include "harness/guardian.h"
#include "lib/error.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <tracefs.h>
#include <unistd.h>

#define TR_THREADS 16
#define TR_REASONS 24     /* tracked reasons, and one more for "other" */
#define TR_RING_PAGES 128 /* 512 KiB per vCPU thread: within perf_event_mlock_kb */
#define TRACEFS_MAGIC_ 0x74726163
#define TRACEFS_DIR "/sys/kernel/tracing"

static const char *const depth_names[VB_TRACE_DEPTH_COUNT] = { "none", "counts", "walks",
                                                                "latency" };
_Static_assert(sizeof(depth_names) / sizeof(depth_names[0]) == VB_TRACE_DEPTH_COUNT, "depths");

/* The shadow MMU's work: the row's key, the tracepoint (group, name), and
 * the least depth that counts it. kvm_mmu_pagetable_walk fires on every walk
 * of the guest's tables, several per CR3 write or INVLPG: counting it cost
 * cr3switch more than the default's 2% (docs/methodology.md), so only the
 * walks depth and deeper count it. */
static const struct mmu_event {
	const char *key, *sys, *name;
	enum vb_trace_depth depth;
} mmu_events[] = {
	{ "pagetable_walk", "kvmmmu", "kvm_mmu_pagetable_walk", VB_TRACE_WALKS },
	{ "get_page", "kvmmmu", "kvm_mmu_get_page", VB_TRACE_COUNTS },
	{ "prepare_zap_page", "kvmmmu", "kvm_mmu_prepare_zap_page", VB_TRACE_COUNTS },
	{ "sync_page", "kvmmmu", "kvm_mmu_sync_page", VB_TRACE_COUNTS },
	{ "unsync_page", "kvmmmu", "kvm_mmu_unsync_page", VB_TRACE_COUNTS },
	{ "set_spte", "kvmmmu", "kvm_mmu_set_spte", VB_TRACE_COUNTS },
	{ "fast_page_fault", "kvmmmu", "fast_page_fault", VB_TRACE_COUNTS },
	{ "page_fault", "kvm", "kvm_page_fault", VB_TRACE_COUNTS },
	{ "cr", "kvm", "kvm_cr", VB_TRACE_COUNTS },
	{ "invlpga", "kvm", "kvm_invlpga", VB_TRACE_COUNTS },
};
#define N_MMU ((int)(sizeof(mmu_events) / sizeof(mmu_events[0])))

/* One counting tracepoint, on every thread. */
struct counted {
	bool ok;
	int fd[TR_THREADS];
	uint64_t last[TR_THREADS];
	uint64_t total;
	char cause[16], why[200]; /* when !ok */
};

struct ring {
	void *base;
	size_t len;
	bool pending; /* a kvm_exit seen, its kvm_entry not yet */
	uint32_t code;
	uint64_t time;
};

struct vb_trace {
	enum vb_trace_depth depth;
	enum vb_exit_isa isa;
	enum vb_kvm_flavour flavour;
	bool dbl;
	FILE *dfile; /* the double's records, replayed per region */
	int n_threads;
	struct counted exit_total;
	int n_codes;
	uint32_t codes[TR_REASONS];
	struct counted reason[TR_REASONS];
	/* Latency, per tracked reason and "other" (index n_codes). */
	double lat_sum[TR_REASONS + 1];
	uint64_t lat_n[TR_REASONS + 1];
	int exit_fd[TR_THREADS], entry_fd[TR_THREADS];
	struct ring ring[TR_THREADS];
	uint64_t records, lost;
	char lat_cause[16], lat_why[200];
	struct counted mmu[N_MMU];
	/* The double's per-region counts of other tracepoints. */
	uint64_t dbl_exit_total, dbl_codes[TR_REASONS + 1], dbl_mmu[N_MMU];
	char *scratch;
};

const char *vb_trace_depth_name(enum vb_trace_depth d)
{
	return d < VB_TRACE_DEPTH_COUNT ? depth_names[d] : "?";
}

int vb_trace_depth_parse(const char *word, enum vb_trace_depth *out)
{
	for (int i = 0; i < VB_TRACE_DEPTH_COUNT; i++)
		if (word && !strcmp(word, depth_names[i])) {
			*out = (enum vb_trace_depth)i;
			return 0;
		}
	return -1;
}

enum vb_trace_depth vb_trace_depth_of(const char *word)
{
	enum vb_trace_depth d = VB_TRACE_DEFAULT;

	if (word)
		vb_trace_depth_parse(word, &d);
	return d;
}

/* ---- tracefs ---- */

static bool is_tracefs(const char *dir)
{
	struct statfs s;

	return statfs(dir, &s) == 0 && (unsigned long)s.f_type == TRACEFS_MAGIC_;
}

static const char *tracefs_dir(void)
{
	if (is_tracefs(TRACEFS_DIR))
		return TRACEFS_DIR;
	if (is_tracefs("/sys/kernel/debug/tracing"))
		return "/sys/kernel/debug/tracing";
	return NULL;
}

int vb_trace_host_prepare(enum vb_trace_depth d, char *why, size_t len)
{
	char err[512];

	if (d == VB_TRACE_NONE || getenv("VB_TRACE_DOUBLE") || tracefs_dir())
		return 0;
	if (geteuid() != 0)
		return vb_errf(why, len, "tracefs is not mounted and mounting it needs root");
	if (vb_guardian_start(err, sizeof(err)) < 0)
		return vb_errf(why, len, "%s", err);
	/* Write-ahead: whatever ends vbench, the guardian unmounts what it mounts. */
	vb_guardian_note_mount(TRACEFS_DIR);
	if (mount("nodev", TRACEFS_DIR, "tracefs", 0, NULL) < 0) {
		int e = errno;

		vb_guardian_note_mount(NULL);
		return vb_errf(why, len, "mount -t tracefs nodev %s: %s", TRACEFS_DIR, strerror(e));
	}
	return 0;
}

/* The kvm and kvmmmu formats, read once per process through libtracefs. */
static struct tep_handle *formats(char *cause, size_t clen, char *why, size_t wlen)
{
	static struct tep_handle *tep;
	static const char *systems[] = { "kvm", "kvmmmu", NULL };
	const char *dir = tracefs_dir();

	if (tep)
		return tep;
	if (!dir) {
		snprintf(cause, clen, "no-tracefs");
		snprintf(why, wlen,
		         "tracefs is not mounted (vbench mounts it as root: "
		         "mount -t tracefs nodev %s)",
		         TRACEFS_DIR);
		return NULL;
	}
	if (access(dir, R_OK | X_OK) < 0) {
		snprintf(cause, clen, "permission");
		snprintf(why, wlen, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	tep = tracefs_local_events_system(dir, systems);
	if (!tep) {
		snprintf(cause, clen, "no-tracepoint");
		snprintf(why, wlen, "libtracefs read no kvm or kvmmmu formats under %s/events",
		         dir);
	}
	return tep;
}

static struct tep_event *event_of(const char *sys, const char *name, char *cause, size_t clen,
                                  char *why, size_t wlen)
{
	struct tep_handle *tep = formats(cause, clen, why, wlen);
	struct tep_event *ev = tep ? tep_find_event_by_name(tep, sys, name) : NULL;

	if (tep && !ev) {
		snprintf(cause, clen, "no-tracepoint");
		snprintf(why, wlen, "this kernel has no %s:%s (is the kvm module loaded?)", sys,
		         name);
	}
	return ev;
}

/* Whether t's depth counts shadow-MMU event m at all (a row leaves out
 * what its depth does not count: not a zero, not an absence). */
static bool mmu_on(const struct vb_trace *t, int m)
{
	return t->depth >= mmu_events[m].depth;
}

/* ---- the kernel: perf_event_open on tracepoints ---- */

static int tp_open(int id, pid_t tid, bool sample, int *err)
{
	struct perf_event_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_TRACEPOINT;
	a.size = sizeof(a);
	a.config = (uint64_t)id;
	a.disabled = 1;
	if (sample) {
		a.sample_period = 1;
		a.sample_type = PERF_SAMPLE_TIME | PERF_SAMPLE_RAW;
	}
	fd = (int)syscall(SYS_perf_event_open, &a, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	*err = fd < 0 ? errno : 0;
	return fd;
}

static void open_failed(struct counted *c, const char *what, int e)
{
	c->ok = false;
	snprintf(c->cause, sizeof(c->cause), "%s",
	         e == EACCES || e == EPERM ? "permission" : "open-failed");
	snprintf(c->why, sizeof(c->why), "perf_event_open %s: %s", what, strerror(e));
}

/* Open c on thread index i: tracepoint sys:name, with filter (may be NULL). */
static void counted_open(struct counted *c, int i, pid_t tid, const char *sys, const char *name,
                         const char *filter)
{
	struct tep_event *ev;
	char what[96];
	int e, fd;

	c->fd[i] = -1;
	if (!c->ok)
		return;
	ev = event_of(sys, name, c->cause, sizeof(c->cause), c->why, sizeof(c->why));
	if (!ev) {
		c->ok = false;
		return;
	}
	snprintf(what, sizeof(what), "%s:%s", sys, name);
	fd = tp_open(ev->id, tid, false, &e);
	if (fd < 0)
		return open_failed(c, what, e);
	if (filter && ioctl(fd, PERF_EVENT_IOC_SET_FILTER, filter) < 0) {
		e = errno;
		close(fd);
		return open_failed(c, filter, e);
	}
	c->fd[i] = fd;
}

static void ring_open(struct vb_trace *t, int i, pid_t tid)
{
	struct tep_event *ex = event_of("kvm", "kvm_exit", t->lat_cause, sizeof(t->lat_cause),
	                                t->lat_why, sizeof(t->lat_why));
	struct tep_event *en = event_of("kvm", "kvm_entry", t->lat_cause, sizeof(t->lat_cause),
	                                t->lat_why, sizeof(t->lat_why));
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	int e;

	t->exit_fd[i] = t->entry_fd[i] = -1;
	if (!ex || !en || t->lat_cause[0])
		return;
	t->exit_fd[i] = tp_open(ex->id, tid, true, &e);
	if (t->exit_fd[i] >= 0)
		t->entry_fd[i] = tp_open(en->id, tid, true, &e);
	t->ring[i].len = (TR_RING_PAGES + 1) * pg;
	if (t->entry_fd[i] >= 0) {
		t->ring[i].base = mmap(NULL, t->ring[i].len, PROT_READ | PROT_WRITE, MAP_SHARED,
		                       t->exit_fd[i], 0);
		e = t->ring[i].base == MAP_FAILED ? errno : 0;
		/* kvm_entry's records go to the same ring: one ordered stream per vCPU. */
		if (!e && ioctl(t->entry_fd[i], PERF_EVENT_IOC_SET_OUTPUT, t->exit_fd[i]) < 0)
			e = errno;
	}
	if (e) {
		snprintf(t->lat_cause, sizeof(t->lat_cause), "%s",
		         e == EACCES || e == EPERM ? "permission" : "open-failed");
		snprintf(t->lat_why, sizeof(t->lat_why), "sampling kvm:kvm_exit/kvm_entry: %s",
		         strerror(e));
	}
	if (t->ring[i].base == MAP_FAILED)
		t->ring[i].base = NULL;
	/* A ring without kvm_entry's records would time nothing: none at all. */
	if (e && t->ring[i].base) {
		munmap(t->ring[i].base, t->ring[i].len);
		t->ring[i].base = NULL;
	}
}

void vb_trace_add_thread(struct vb_trace *t, pid_t tid)
{
	char filter[64];
	int i;

	if (!t || t->dbl || t->n_threads >= TR_THREADS)
		return;
	i = t->n_threads++;
	counted_open(&t->exit_total, i, tid, "kvm", "kvm_exit", NULL);
	for (int r = 0; r < t->n_codes; r++) {
		snprintf(filter, sizeof(filter), "exit_reason == %u", t->codes[r]);
		counted_open(&t->reason[r], i, tid, "kvm", "kvm_exit", filter);
	}
	for (int m = 0; m < N_MMU; m++)
		counted_open(&t->mmu[m], i, tid, mmu_events[m].sys, mmu_events[m].name, NULL);
	if (t->depth == VB_TRACE_LATENCY)
		ring_open(t, i, tid);
}

/* Every counted event, in one list. */
static int all_counted(struct vb_trace *t, struct counted **out)
{
	int n = 0;

	out[n++] = &t->exit_total;
	for (int r = 0; r < t->n_codes; r++)
		out[n++] = &t->reason[r];
	for (int m = 0; m < N_MMU; m++)
		out[n++] = &t->mmu[m];
	return n;
}

static void counted_read(struct counted *c, int i, bool add)
{
	uint64_t v;

	if (c->fd[i] < 0 || read(c->fd[i], &v, sizeof(v)) != sizeof(v))
		return;
	if (add)
		c->total += v - c->last[i];
	c->last[i] = v;
}

static void toggle(struct vb_trace *t, bool on)
{
	struct counted *cs[1 + TR_REASONS + N_MMU];
	int n = all_counted(t, cs);
	unsigned long req = on ? PERF_EVENT_IOC_ENABLE : PERF_EVENT_IOC_DISABLE;

	for (int i = 0; i < t->n_threads; i++) {
		for (int k = 0; k < n; k++) {
			if (cs[k]->fd[i] < 0)
				continue;
			if (on)
				counted_read(cs[k], i, false);
			ioctl(cs[k]->fd[i], req, 0);
			if (!on)
				counted_read(cs[k], i, true);
		}
		if (t->entry_fd[i] >= 0 && t->ring[i].base) {
			ioctl(t->exit_fd[i], req, 0);
			ioctl(t->entry_fd[i], req, 0);
		}
	}
}

/* ---- records: the latency of each exit, decoded with libtraceevent ---- */

static int bucket(const struct vb_trace *t, uint32_t code)
{
	for (int r = 0; r < t->n_codes; r++)
		if (t->codes[r] == code)
			return r;
	return t->n_codes;
}

static void sample(struct vb_trace *t, struct ring *rg, const char *rec, size_t size)
{
	static struct tep_format_field *f_reason, *f_isa;
	static int exit_id = -1, entry_id = -1;
	char cause[16], why[200];
	unsigned long long v;
	uint64_t time;
	uint32_t rawsz;
	const char *raw;

	if (exit_id < 0) {
		struct tep_event *ex = event_of("kvm", "kvm_exit", cause, 16, why, 200);
		struct tep_event *en = event_of("kvm", "kvm_entry", cause, 16, why, 200);

		if (!ex || !en)
			return;
		exit_id = ex->id;
		entry_id = en->id;
		f_reason = tep_find_field(ex, "exit_reason");
		f_isa = tep_find_field(ex, "isa");
	}
	if (size < 8 + 8 + 4 + 2)
		return;
	memcpy(&time, rec + 8, 8);
	memcpy(&rawsz, rec + 16, 4);
	raw = rec + 20;
	if (rawsz < 2 || 20 + (size_t)rawsz > size)
		return;
	t->records++;
	/* The raw record starts with common_type: the tracepoint's id. */
	if (*(const uint16_t *)raw == exit_id && f_reason &&
	    tep_read_number_field(f_reason, raw, &v) == 0) {
		rg->pending = true;
		rg->code = (uint32_t)v;
		rg->time = time;
		if (t->isa == VB_ISA_NONE && f_isa && tep_read_number_field(f_isa, raw, &v) == 0)
			t->isa = (enum vb_exit_isa)v;
	} else if (*(const uint16_t *)raw == entry_id && rg->pending && time >= rg->time) {
		int b = bucket(t, t->isa == VB_ISA_VMX ? rg->code & 0xffff : rg->code);

		t->lat_sum[b] += (double)(time - rg->time);
		t->lat_n[b]++;
		rg->pending = false;
	}
}

static void drain(struct vb_trace *t, struct ring *rg)
{
	struct perf_event_mmap_page *mp = rg->base;
	const char *data = (const char *)rg->base + mp->data_offset;
	uint64_t size = mp->data_size, head, tail = mp->data_tail;
	struct perf_event_header h;

	head = __atomic_load_n(&mp->data_head, __ATOMIC_ACQUIRE);
	while (tail + sizeof(h) <= head) {
		/* A record may wrap around the ring's end: copy it out whole. */
		for (size_t k = 0; k < sizeof(h); k++)
			((char *)&h)[k] = data[(tail + k) % size];
		if (h.size < sizeof(h) || tail + h.size > head)
			break;
		for (size_t k = 0; k < h.size; k++)
			t->scratch[k] = data[(tail + k) % size];
		if (h.type == PERF_RECORD_SAMPLE)
			sample(t, rg, t->scratch, h.size);
		else if (h.type == PERF_RECORD_LOST && h.size >= 24)
			t->lost += *(const uint64_t *)(t->scratch + 16);
		tail += h.size;
	}
	__atomic_store_n(&mp->data_tail, head, __ATOMIC_RELEASE);
	/* An exit whose entry is past the region ends nothing. */
	rg->pending = false;
}

/* ---- the double: recorded records, replayed per region ---- */

static void double_load(struct vb_trace *t, const char *path)
{
	t->dbl = true;
	t->dfile = fopen(path, "re");
	if (!t->dfile) {
		snprintf(t->exit_total.cause, sizeof(t->exit_total.cause), "open-failed");
		snprintf(t->exit_total.why, sizeof(t->exit_total.why), "VB_TRACE_DOUBLE %.150s: %s",
		         path, strerror(errno));
		t->exit_total.ok = false;
	}
}

static void double_absent(struct vb_trace *t, const char *name, const char *cause, const char *why)
{
	struct counted *c = NULL;

	if (!strcmp(name, "kvm_exit"))
		c = &t->exit_total;
	for (int m = 0; m < N_MMU && !c; m++)
		if (!strcmp(name, mmu_events[m].name))
			c = &t->mmu[m];
	if (!c)
		return;
	c->ok = false;
	snprintf(c->cause, sizeof(c->cause), "%s", cause);
	snprintf(c->why, sizeof(c->why), "%s", why);
}

/* One line of the double: `exit CODE NS|-`, `event NAME COUNT`, `isa vmx|svm`,
 * `absent NAME CAUSE WHY...`. */
static void double_line(struct vb_trace *t, char *line)
{
	char name[64], cause[16];
	unsigned long long a, b;
	int off = 0;

	if (sscanf(line, "exit %llu %llu", &a, &b) == 2) {
		int k = bucket(t, (uint32_t)a);

		t->dbl_exit_total++;
		t->dbl_codes[k]++;
		if (t->depth == VB_TRACE_LATENCY) {
			t->lat_sum[k] += (double)b;
			t->lat_n[k]++;
			t->records += 2;
		}
	} else if (sscanf(line, "exit %llu %1[-]", &a, name) == 2) {
		/* An exit no entry followed in the region (the one ending a pass). */
		t->dbl_exit_total++;
		t->dbl_codes[bucket(t, (uint32_t)a)]++;
	} else if (sscanf(line, "event %63s %llu", name, &a) == 2) {
		for (int m = 0; m < N_MMU; m++)
			if (!strcmp(name, mmu_events[m].name) && mmu_on(t, m))
				t->mmu[m].total += a;
	} else if (sscanf(line, "absent %63s %15s %n", name, cause, &off) == 2 && off) {
		line[strcspn(line, "\n")] = '\0';
		double_absent(t, name, cause, line + off);
	}
}

static void double_replay(struct vb_trace *t, bool header_only)
{
	char line[512];

	if (!t->dfile)
		return;
	rewind(t->dfile);
	while (fgets(line, sizeof(line), t->dfile)) {
		if (!strncmp(line, "isa ", 4)) {
			t->isa = !strncmp(line + 4, "vmx", 3)   ? VB_ISA_VMX
			         : !strncmp(line + 4, "svm", 3) ? VB_ISA_SVM
			                                        : VB_ISA_NONE;
		} else if (header_only) {
			if (!strncmp(line, "absent ", 7))
				double_line(t, line);
		} else if (strncmp(line, "absent ", 7)) {
			double_line(t, line);
		}
	}
	if (header_only)
		return;
	t->exit_total.total += t->dbl_exit_total;
	for (int r = 0; r < t->n_codes; r++)
		t->reason[r].total += t->dbl_codes[r];
	t->dbl_exit_total = 0;
	memset(t->dbl_codes, 0, sizeof(t->dbl_codes));
}

/* ---- the set ---- */

static void set_codes(struct vb_trace *t)
{
	const uint32_t *codes = vb_exit_reasons_tracked(t->isa, &t->n_codes);

	if (t->n_codes > TR_REASONS - 1)
		t->n_codes = TR_REASONS - 1;
	for (int r = 0; r < t->n_codes; r++) {
		t->codes[r] = codes[r];
		t->reason[r].ok = true;
	}
}

struct vb_trace *vb_trace_new(enum vb_trace_depth d, enum vb_kvm_flavour f)
{
	struct vb_trace *t;
	const char *dbl = getenv("VB_TRACE_DOUBLE");

	if (d == VB_TRACE_NONE || !(t = calloc(1, sizeof(*t))))
		return NULL;
	t->scratch = malloc(65536); /* a record's size is 16 bits */
	if (!t->scratch) {
		free(t);
		return NULL;
	}
	t->depth = d;
	t->flavour = f;
	t->isa = f == VB_KVM_INTEL ? VB_ISA_VMX : f == VB_KVM_AMD ? VB_ISA_SVM : VB_ISA_NONE;
	t->exit_total.ok = true;
	for (int m = 0; m < N_MMU; m++)
		t->mmu[m].ok = mmu_on(t, m);
	for (int i = 0; i < TR_THREADS; i++)
		t->exit_fd[i] = t->entry_fd[i] = -1;
	if (dbl && dbl[0]) {
		double_load(t, dbl);
		double_replay(t, true);
	}
	set_codes(t);
	return t;
}

void vb_trace_start(struct vb_trace *t)
{
	if (!t || t->dbl)
		return;
	for (int i = 0; i < t->n_threads; i++)
		if (t->ring[i].base)
			drain(t, &t->ring[i]); /* what came before the region is not ours */
	t->records = 0;
	toggle(t, true);
}

void vb_trace_stop(struct vb_trace *t)
{
	if (!t)
		return;
	if (t->dbl)
		return double_replay(t, false);
	toggle(t, false);
	for (int i = 0; i < t->n_threads; i++)
		if (t->ring[i].base)
			drain(t, &t->ring[i]);
}

void vb_trace_reset(struct vb_trace *t)
{
	struct counted *cs[1 + TR_REASONS + N_MMU];
	int n;

	if (!t)
		return;
	n = all_counted(t, cs);
	for (int k = 0; k < n; k++)
		cs[k]->total = 0;
	memset(t->lat_sum, 0, sizeof(t->lat_sum));
	memset(t->lat_n, 0, sizeof(t->lat_n));
	t->records = t->lost = 0;
}

void vb_trace_free(struct vb_trace *t)
{
	struct counted *cs[1 + TR_REASONS + N_MMU];
	int n;

	if (!t)
		return;
	n = all_counted(t, cs);
	for (int i = 0; i < t->n_threads; i++) {
		for (int k = 0; k < n; k++)
			if (cs[k]->fd[i] >= 0)
				close(cs[k]->fd[i]);
		if (t->ring[i].base)
			munmap(t->ring[i].base, t->ring[i].len);
		if (t->entry_fd[i] >= 0)
			close(t->entry_fd[i]);
		if (t->exit_fd[i] >= 0)
			close(t->exit_fd[i]);
	}
	if (t->dfile)
		fclose(t->dfile);
	free(t->scratch);
	free(t);
}

/* ---- the row ---- */

static json_t *absent(const char *cause, const char *why)
{
	return json_pack("{s:s,s:s}", "cause", cause, "reason", why);
}

static json_t *reason_json(const struct vb_trace *t, int k, uint64_t count, uint64_t ops)
{
	char name[48];
	bool other = k == t->n_codes;
	json_t *o;

	o = json_pack("{s:s,s:o,s:s,s:I,s:o}", "reason",
	              other ? "other"
	                    : vb_exit_reason_name(t->isa, t->codes[k], name, sizeof(name)),
	              "code", other ? json_null() : json_integer(t->codes[k]), "kind",
	              other ? "other" : vb_exit_kind_name(vb_exit_reason_kind(t->isa, t->codes[k])),
	              "count", (json_int_t)count, "per_op",
	              ops ? json_real((double)count / (double)ops) : json_null());
	/* Time: the exact count times the mean over the records the ring kept. */
	if (t->depth == VB_TRACE_LATENCY && t->lat_n[k]) {
		double mean = t->lat_sum[k] / (double)t->lat_n[k];

		json_object_set_new(o, "mean_ns", json_real(mean));
		json_object_set_new(o, "time_ns", json_real(mean * (double)count));
		json_object_set_new(o, "timed", json_integer((json_int_t)t->lat_n[k]));
	} else {
		json_object_set_new(o, "mean_ns", json_null());
		json_object_set_new(o, "time_ns", json_null());
	}
	return o;
}

static json_t *exits_json(const struct vb_trace *t, uint64_t ops)
{
	json_t *e = json_pack("{s:s,s:s,s:s}", "depth", vb_trace_depth_name(t->depth), "source",
	                      t->dbl ? "double" : "tracepoints", "isa", vb_exit_isa_name(t->isa));
	json_t *reasons = json_array();
	uint64_t sum = 0, total = t->exit_total.total;

	if (!t->exit_total.ok) {
		json_object_set_new(e, "unavailable",
		                    absent(t->exit_total.cause, t->exit_total.why));
		json_decref(reasons);
		return e;
	}
	if (total == 0 && t->flavour == VB_KVM_PVM) {
		/* Not zero exits: exits nobody could see. */
		json_object_set_new(
		    e, "unavailable",
		    absent("not-fired",
		           "kvm:kvm_exit did not fire: under kvm_pvm, exits do not pass through "
		           "KVM's kvm_exit tracepoint (the shadow MMU's tracepoints do)"));
		json_decref(reasons);
		return e;
	}
	for (int r = 0; r < t->n_codes; r++) {
		if (!t->reason[r].ok || !t->reason[r].total)
			continue;
		sum += t->reason[r].total;
		json_array_append_new(reasons, reason_json(t, r, t->reason[r].total, ops));
	}
	if (total > sum)
		json_array_append_new(reasons, reason_json(t, t->n_codes, total - sum, ops));
	json_object_set_new(e, "total", json_integer((json_int_t)total));
	json_object_set_new(e, "per_op",
	                    ops ? json_real((double)total / (double)ops) : json_null());
	json_object_set_new(e, "reasons", reasons);
	if (t->depth == VB_TRACE_LATENCY) {
		json_object_set_new(e, "records", json_integer((json_int_t)t->records));
		json_object_set_new(e, "records_lost", json_integer((json_int_t)t->lost));
		if (t->lat_cause[0])
			json_object_set_new(e, "latency_unavailable",
			                    absent(t->lat_cause, t->lat_why));
	}
	return e;
}

static json_t *mmu_json(const struct vb_trace *t, uint64_t ops)
{
	json_t *ev = json_object(), *per = json_object(), *un = json_array();

	for (int m = 0; m < N_MMU; m++) {
		const struct counted *c = &t->mmu[m];

		if (!mmu_on(t, m))
			continue;
		if (!c->ok) {
			json_t *a = absent(c->cause, c->why);

			json_object_set_new(a, "event", json_string(mmu_events[m].key));
			json_array_append_new(un, a);
			continue;
		}
		json_object_set_new(ev, mmu_events[m].key, json_integer((json_int_t)c->total));
		json_object_set_new(per, mmu_events[m].key,
		                    ops ? json_real((double)c->total / (double)ops) : json_null());
	}
	return json_pack("{s:s,s:o,s:o,s:o}", "source", t->dbl ? "double" : "tracepoints", "events",
	                 ev, "per_op", per, "unavailable", un);
}

void vb_trace_json(const struct vb_trace *t, uint64_t ops, json_t *row)
{
	if (!t)
		return;
	vb_row_set_trace(row, exits_json(t, ops), mmu_json(t, ops));
}

/* ---- invocations: one row from several ---- */

static void add_num(json_t *into, json_t *from, const char *key)
{
	json_t *a = json_object_get(into, key), *b = json_object_get(from, key);

	if (json_is_integer(a) && json_is_integer(b))
		json_object_set_new(into, key,
		                    json_integer(json_integer_value(a) + json_integer_value(b)));
	else if (json_is_number(a) && json_is_number(b))
		json_object_set_new(into, key,
		                    json_real(json_number_value(a) + json_number_value(b)));
}

static json_t *per_op(json_t *count, uint64_t ops)
{
	return ops && json_is_number(count) ? json_real(json_number_value(count) / (double)ops)
	                                    : json_null();
}

static void merge_reasons(json_t *into, json_t *from, uint64_t ops)
{
	json_t *ra = json_object_get(into, "reasons"), *r, *s;
	size_t i, j;

	json_array_foreach(json_object_get(from, "reasons"), i, r) {
		json_t *hit = NULL;

		json_array_foreach(ra, j, s) if (json_equal(json_object_get(s, "reason"),
		                                            json_object_get(r, "reason"))) hit = s;
		if (!hit) {
			json_array_append(ra, r);
			continue;
		}
		add_num(hit, r, "count");
		add_num(hit, r, "time_ns");
		add_num(hit, r, "timed");
		if (json_is_number(json_object_get(hit, "time_ns")))
			json_object_set_new(
			    hit, "mean_ns",
			    json_real(json_number_value(json_object_get(hit, "time_ns")) /
			              (double)json_integer_value(json_object_get(hit, "count"))));
	}
	json_array_foreach(ra, j, s)
	    json_object_set_new(s, "per_op", per_op(json_object_get(s, "count"), ops));
}

void vb_trace_merge_json(json_t *acc, json_t *one)
{
	json_t *ea = json_object_get(acc, "exits"), *eb = json_object_get(one, "exits");
	json_t *ma = json_object_get(acc, "shadow_mmu"), *mb = json_object_get(one, "shadow_mmu");
	uint64_t ops =
	    (uint64_t)json_integer_value(json_object_get(json_object_get(acc, "counters"), "ops"));
	const char *k;
	json_t *v;

	if (json_is_object(ea) && json_is_object(eb) &&
	    json_is_integer(json_object_get(ea, "total"))) {
		add_num(ea, eb, "total");
		add_num(ea, eb, "records");
		add_num(ea, eb, "records_lost");
		json_object_set_new(ea, "per_op", per_op(json_object_get(ea, "total"), ops));
		merge_reasons(ea, eb, ops);
	}
	if (json_is_object(ma) && json_is_object(mb)) {
		json_object_foreach(json_object_get(ma, "events"), k, v) {
			add_num(json_object_get(ma, "events"), json_object_get(mb, "events"), k);
			json_object_set_new(
			    json_object_get(ma, "per_op"), k,
			    per_op(json_object_get(json_object_get(ma, "events"), k), ops));
		}
	}
}
