/* counters.c: perf_event_open counters around timed samples; PMU events by
 * libpfm4 name (PFM_OS_PERF_EVENT_EXT), software events by perf's own ids. */
#include "microbench/counters.h"
#include "lib/error.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <perfmon/pfmlib_perf_event.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const struct {
	const char *name;
	uint64_t config;
} sw_events[] = {
	{ "page_faults", PERF_COUNT_SW_PAGE_FAULTS },
	{ "minor_faults", PERF_COUNT_SW_PAGE_FAULTS_MIN },
	{ "major_faults", PERF_COUNT_SW_PAGE_FAULTS_MAJ },
	{ "context_switches", PERF_COUNT_SW_CONTEXT_SWITCHES },
	{ "cpu_migrations", PERF_COUNT_SW_CPU_MIGRATIONS },
};

/* Generic hardware events, tried when no --events were given. */
static const struct {
	const char *name;
	uint32_t type;
	uint64_t config;
} hw_default[] = {
	{ "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
	{ "instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
	{ "dTLB-load-misses", PERF_TYPE_HW_CACHE, PERF_COUNT_HW_CACHE_DTLB |
		(PERF_COUNT_HW_CACHE_OP_READ << 8) | (PERF_COUNT_HW_CACHE_RESULT_MISS << 16) },
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static int perf_open(struct perf_event_attr *attr)
{
	attr->size = sizeof(*attr);
	attr->read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	/* Children count too: forkwait's and ctxswitch's work happens partly in them. */
	attr->inherit = 1;
	attr->disabled = 0;
	attr->exclude_hv = 1;
	int fd = (int)syscall(SYS_perf_event_open, attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);

	/* Not allowed to count the kernel (perf_event_paranoid): count user only. */
	if (fd < 0 && errno == EACCES && !attr->exclude_kernel) {
		attr->exclude_kernel = 1;
		fd = (int)syscall(SYS_perf_event_open, attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	}
	return fd;
}

static struct vb_counter *add(struct vb_counters *cs, const char *name,
			      enum vb_counter_source src, int fd)
{
	struct vb_counter *c;

	if (cs->n >= VB_COUNTERS_MAX) {
		close(fd);
		return NULL;
	}
	c = &cs->c[cs->n++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->source = src;
	c->fd = fd;
	return c;
}

/* Append one reason to a source's error text ("a; b"), so that every event
 * that could not be counted is named. */
__attribute__((format(printf, 3, 4)))
static void add_reason(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used && used + 2 < len) {
		strcpy(buf + used, "; ");
		used += 2;
	}
	if (used >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* A reason that tells "no PMU here" apart from other failures. */
static void pmu_reason(struct vb_counters *cs, const char *name, int e)
{
	bool no_cpu_pmu = access("/sys/bus/event_source/devices/cpu", F_OK) != 0 &&
			  access("/sys/bus/event_source/devices/cpu_core", F_OK) != 0;

	if (no_cpu_pmu)
		add_reason(cs->err_pmu, sizeof(cs->err_pmu),
			   "no hardware PMU: perf_event_open(%s): %s (no /sys/bus/event_source/devices/cpu; "
			   "a VM without a virtual PMU)", name, strerror(e));
	else
		add_reason(cs->err_pmu, sizeof(cs->err_pmu), "perf_event_open(%s): %s", name, strerror(e));
}

static void open_software(struct vb_counters *cs)
{
	for (size_t i = 0; i < N_ELEMS(sw_events); i++) {
		struct perf_event_attr attr = { .type = PERF_TYPE_SOFTWARE, .config = sw_events[i].config };
		int fd = perf_open(&attr);

		if (fd < 0) {
			add_reason(cs->err_software, sizeof(cs->err_software), "perf_event_open(%s): %s",
				   sw_events[i].name, strerror(errno));
			continue;
		}
		add(cs, sw_events[i].name, VB_CSRC_SOFTWARE, fd);
	}
}

static void open_hw_defaults(struct vb_counters *cs)
{
	for (size_t i = 0; i < N_ELEMS(hw_default); i++) {
		struct perf_event_attr attr = { .type = hw_default[i].type, .config = hw_default[i].config };
		int fd = perf_open(&attr);

		if (fd < 0) {
			pmu_reason(cs, hw_default[i].name, errno);
			continue;
		}
		add(cs, hw_default[i].name, VB_CSRC_PMU, fd);
	}
}

/* The PMU libpfm4 resolves names against (honours LIBPFM_FORCE_PMU). */
static const char *pfm_core_pmu(void)
{
	pfm_pmu_info_t info;
	int p;

	pfm_for_all_pmus(p) {
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		if (pfm_get_pmu_info(p, &info) == PFM_SUCCESS && info.is_present &&
		    info.type == PFM_PMU_TYPE_CORE)
			return info.name;
	}
	return NULL;
}

static void open_pfm_event(struct vb_counters *cs, const char *name)
{
	struct perf_event_attr attr;
	pfm_perf_encode_arg_t arg;
	const char *pmu;
	int rc, fd;

	memset(&attr, 0, sizeof(attr));
	memset(&arg, 0, sizeof(arg));
	arg.attr = &attr;
	arg.size = sizeof(arg);
	rc = pfm_get_os_event_encoding(name, PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT_EXT, &arg);
	if (rc != PFM_SUCCESS) {
		pmu = pfm_core_pmu();
		add_reason(cs->err_pmu, sizeof(cs->err_pmu), "event '%s' unknown to libpfm4 for %s%s: %s",
			   name, pmu ? "PMU " : "this host", pmu ? pmu : "", pfm_strerror(rc));
		return;
	}
	fd = perf_open(&attr);
	if (fd < 0) {
		pmu_reason(cs, name, errno);
		return;
	}
	add(cs, name, VB_CSRC_PMU, fd);
}

void vb_counters_open(struct vb_counters *cs, const char *events)
{
	char buf[1024], *save = NULL;
	int rc;

	memset(cs, 0, sizeof(*cs));
	open_software(cs);
	if (!events || !*events) {
		open_hw_defaults(cs);
		return;
	}
	rc = pfm_initialize();
	if (rc != PFM_SUCCESS) {
		snprintf(cs->err_pmu, sizeof(cs->err_pmu), "libpfm4 initialisation failed: %s", pfm_strerror(rc));
		return;
	}
	snprintf(buf, sizeof(buf), "%s", events);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		open_pfm_event(cs, tok);
}

static void read_one(struct vb_counter *c, uint64_t v[3])
{
	if (read(c->fd, v, 3 * sizeof(uint64_t)) != 3 * sizeof(uint64_t))
		v[0] = c->val, v[1] = c->enabled, v[2] = c->running;
}

void vb_counters_start(struct vb_counters *cs)
{
	for (int i = 0; i < cs->n; i++) {
		uint64_t v[3];

		read_one(&cs->c[i], v);
		cs->c[i].val = v[0];
		cs->c[i].enabled = v[1];
		cs->c[i].running = v[2];
	}
}

void vb_counters_stop(struct vb_counters *cs)
{
	for (int i = 0; i < cs->n; i++) {
		struct vb_counter *c = &cs->c[i];
		uint64_t v[3], dv, den, drun;

		read_one(c, v);
		dv = v[0] - c->val;
		den = v[1] - c->enabled;
		drun = v[2] - c->running;
		/* Multiplexed PMU counters ran part of the time: scale up. */
		if (drun && drun < den)
			c->total += (double)dv * (double)den / (double)drun;
		else
			c->total += (double)dv;
		c->val = v[0];
		c->enabled = v[1];
		c->running = v[2];
	}
}

void vb_counters_close(struct vb_counters *cs)
{
	for (int i = 0; i < cs->n; i++)
		if (cs->c[i].fd >= 0)
			close(cs->c[i].fd);
	cs->n = 0;
}

json_t *vb_counters_json(const struct vb_counters *cs, uint64_t ops)
{
	json_t *o = json_object(), *sw = json_object(), *pmu = json_object(), *errs = json_object();

	for (int i = 0; i < cs->n; i++) {
		const struct vb_counter *c = &cs->c[i];

		json_object_set_new(c->source == VB_CSRC_PMU ? pmu : sw, c->name,
				    json_integer((json_int_t)(c->total + 0.5)));
	}
	if (cs->err_software[0])
		json_object_set_new(errs, "software", json_string(cs->err_software));
	if (cs->err_pmu[0])
		json_object_set_new(errs, "pmu", json_string(cs->err_pmu));
	json_object_set_new(o, "software", sw);
	json_object_set_new(o, "pmu", pmu);
	json_object_set_new(o, "ops", json_integer((json_int_t)ops));
	json_object_set_new(o, "errors", errs);
	return o;
}
