/* env.c: the host record: CPU (lib/arch), KVM flavour and paging, THP,
 * hugepage pools, PMU, topology, and which modes and pages can run now. */
#include "harness/env.h"
#include "harness/modes.h"
#include "harness/pmu.h"
#include "harness/slat.h"
#include "harness/topology.h"
#include "lib/text.h"
#include "lib/arch.h"
#include "lib/pmudev.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

/* First line of <root><path> without the newline; -1 when unreadable. */
static int read_line(const char *path, char *buf, size_t len)
{
	char full[512];
	FILE *f;
	int ret = -1;

	buf[0] = '\0';
	snprintf(full, sizeof(full), "%s%s", vb_sysfs_root(), path);
	f = fopen(full, "re");
	if (!f)
		return -1;
	if (fgets(buf, (int)len, f)) {
		buf[strcspn(buf, "\n")] = '\0';
		ret = 0;
	}
	fclose(f);
	return ret;
}

static long read_long(const char *path)
{
	char buf[64];

	return read_line(path, buf, sizeof(buf)) < 0 ? -1 : strtol(buf, NULL, 10);
}

int vb_env_bracketed(const char *line, char *out, size_t len)
{
	const char *open = strchr(line, '['), *close;

	if (!open || !(close = strchr(open, ']')) || close == open + 1)
		return -1;
	snprintf(out, len, "%.*s", (int)(close - open - 1), open + 1);
	return 0;
}

static json_t *str_or_null(const char *s)
{
	return s && s[0] ? json_string(s) : json_null();
}

/* hypervisor gets CPUID 0x40000000's signature, "" on bare metal (arm64: only TCG is told). */
static json_t *capture_cpu(char hypervisor[13])
{
	struct vb_arch_cpu c;
	static const char *const interest[] = {
		"vmx", "svm", "ept", "npt", "pdpe1gb", "hypervisor"
	};
	json_t *cpu = json_object(), *flags = json_object();
	char buf[8192];

	vb_arch_cpu(vb_sysfs_root(), &c);
	vb_arch_hypervisor(hypervisor);
	json_object_set_new(cpu, "vendor", str_or_null(c.vendor));
	json_object_set_new(cpu, "model_name", str_or_null(c.model_name));
	json_object_set_new(cpu, "family", c.family < 0 ? json_null() : json_integer(c.family));
	json_object_set_new(cpu, "model", c.model < 0 ? json_null() : json_integer(c.model));
	json_object_set_new(cpu, "stepping",
			    c.stepping < 0 ? json_null() : json_integer(c.stepping));
	json_object_set_new(cpu, "microcode",
			    vb_text_field(NULL, "microcode", buf, sizeof(buf)) ? json_string(buf)
									 : json_null());
	/* As the kernel reports them: ept and npt are only there when KVM may use them. */
	if (!vb_text_field(NULL, "flags", buf, sizeof(buf)))
		buf[0] = '\0';
	for (size_t i = 0; i < sizeof(interest) / sizeof(interest[0]); i++)
		json_object_set_new(flags, interest[i], json_boolean(vb_word_in(buf, interest[i])));
	json_object_set_new(cpu, "flags_of_interest", flags);
	return cpu;
}

static json_t *capture_kvm(const struct vb_kvm_state *st)
{
	json_t *kvm = json_object(), *params = json_object();
	const struct { const char *name; const char *value; } p[] = {
		{ "ept", st->ept }, { "npt", st->npt }, { "tdp_mmu", st->tdp_mmu },
		{ "nx_huge_pages", st->nx_huge_pages },
	};

	json_object_set_new(kvm, "present", json_boolean(st->dev_kvm));
	json_object_set_new(kvm, "flavour",
			    st->flavour == VB_KVM_NONE
				    ? json_null()
				    : json_string(vb_kvm_flavour_name(st->flavour)));
	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		if (p[i].value[0])
			json_object_set_new(params, p[i].name, json_string(p[i].value));
	json_object_set_new(kvm, "params", params);
	json_object_set_new(kvm, "paging",
			    st->paging == VB_MODE_NATIVE ? json_null()
							 : json_string(vb_mode_name(st->paging)));
	if (st->reason[0])
		json_object_set_new(kvm, "reason", json_string(st->reason));
	return kvm;
}

static json_t *capture_thp(void)
{
	static const char *const files[] = { "enabled", "defrag" };
	json_t *thp = json_object();
	char line[256], choice[64], path[128];

	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/sys/kernel/mm/transparent_hugepage/%s", files[i]);
		if (read_line(path, line, sizeof(line)) == 0 &&
		    vb_env_bracketed(line, choice, sizeof(choice)) == 0)
			json_object_set_new(thp, files[i], json_string(choice));
		else
			json_object_set_new(thp, files[i], json_null());
	}
	return thp;
}

/* vbench's word for a hugepage size: "2m", "1g"; else "<n>k". */
static void size_key(long kb, char *out, size_t len)
{
	if (kb == 2048)
		snprintf(out, len, "2m");
	else if (kb == 1048576)
		snprintf(out, len, "1g");
	else
		snprintf(out, len, "%ldk", kb);
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static json_t *capture_hugepages(void)
{
	static const struct { const char *key, *file; } fields[] = {
		{ "total", "nr_hugepages" }, { "free", "free_hugepages" },
		{ "reserved", "resv_hugepages" }, { "surplus", "surplus_hugepages" },
	};
	json_t *hp = json_object();
	char path[512];
	long sizes[16];
	int n = 0;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/sys/kernel/mm/hugepages", vb_sysfs_root());
	d = opendir(path);
	if (!d)
		return hp;
	while ((de = readdir(d)) && n < 16) {
		long kb;

		if (sscanf(de->d_name, "hugepages-%ldkB", &kb) == 1)
			sizes[n++] = kb;
	}
	closedir(d);
	qsort(sizes, (size_t)n, sizeof(sizes[0]), cmp_long);
	for (int i = 0; i < n; i++) {
		json_t *one = json_object();
		char key[32];

		json_object_set_new(one, "kb", json_integer(sizes[i]));
		for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
			long v;

			snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%ldkB/%s",
				 sizes[i], fields[f].file);
			v = read_long(path);
			json_object_set_new(one, fields[f].key,
					    v < 0 ? json_null() : json_integer(v));
		}
		size_key(sizes[i], key, sizeof(key));
		json_object_set_new(hp, key, one);
	}
	return hp;
}

static json_t *capture_pmu(void)
{
	json_t *pmu = json_object();
	char reason[256], err[256], dev[256];
	const char *name;
	bool present;
	int type;

	if (vb_pmu_init(err, sizeof(err)) < 0) {
		json_object_set_new(pmu, "present", json_false());
		json_object_set_new(pmu, "name", json_null());
		json_object_set_new(pmu, "reason", json_string(err));
		return pmu;
	}
	present = vb_pmu_present(reason, sizeof(reason));
	name = vb_pmu_name();
	/* The core PMU's sysfs device and its perf type (lib/pmudev.h). */
	if (vb_core_pmu_find(vb_sysfs_root(), dev, sizeof(dev), &type)) {
		json_object_set_new(pmu, "device", json_string(dev));
		json_object_set_new(pmu, "device_type",
				    type >= 0 ? json_integer(type) : json_null());
	} else {
		json_object_set_new(pmu, "device", json_null());
		json_object_set_new(pmu, "device_type", json_null());
	}
	json_object_set_new(pmu, "present", json_boolean(present));
	json_object_set_new(pmu, "name", str_or_null(name));
	if (!present)
		json_object_set_new(pmu, "reason", json_string(reason));
	/* Resolved even without a PMU: they say what a run could count on this CPU. */
	json_object_set_new(pmu, "walk_events", vb_pmu_resolved_events());
	return pmu;
}

static json_t *capture_topology(void)
{
	struct vb_topo_summary s;
	json_t *t = json_object(), *caches;
	char err[256];

	if (vb_topo_summary(&s, err, sizeof(err)) < 0) {
		json_object_set_new(t, "error", json_string(err));
		return t;
	}
	json_object_set_new(t, "packages", json_integer(s.packages));
	json_object_set_new(t, "cores", json_integer(s.cores));
	json_object_set_new(t, "pus", json_integer(s.pus));
	json_object_set_new(t, "numa_nodes", json_integer(s.numa_nodes));
	json_object_set_new(t, "allowed_cpus", json_string(s.allowed));
	caches = json_object();
	json_object_set_new(caches, "l1d", json_integer((json_int_t)s.l1d));
	json_object_set_new(caches, "l2", json_integer((json_int_t)s.l2));
	json_object_set_new(caches, "l3", json_integer((json_int_t)s.l3));
	json_object_set_new(t, "caches", caches);
	return t;
}

static json_t *verdict(bool ok, const char *reason)
{
	json_t *v = json_object();

	json_object_set_new(v, "ok", json_boolean(ok));
	if (!ok)
		json_object_set_new(v, "reason", json_string(reason));
	return v;
}

/* A hugetlb size: usable when some pages are free; else the exact command
 * that reserves enough for a 1 GiB footprint. */
static json_t *hugetlb_verdict(json_t *hugepages, const char *key, long kb)
{
	json_t *pool = json_object_get(hugepages, key), *v;
	char reason[512], cmd[256];
	long total, free_pages, want = (1L << 20) / kb;

	if (!pool) {
		snprintf(reason, sizeof(reason),
			 "this kernel has no %s hugepage size "
			 "(/sys/kernel/mm/hugepages/hugepages-%ldkB missing)%s%s",
			 key, kb, kb == 1048576 ? ": needs " : "",
			 kb == 1048576 ? vb_arch_gigantic_need() : "");
		return verdict(false, reason);
	}
	total = json_integer_value(json_object_get(pool, "total"));
	free_pages = json_integer_value(json_object_get(pool, "free"));
	if (free_pages > 0) {
		v = verdict(true, NULL);
		json_object_set_new(v, "free", json_integer(free_pages));
		return v;
	}
	snprintf(cmd, sizeof(cmd),
		 "echo %ld > /sys/kernel/mm/hugepages/hugepages-%ldkB/nr_hugepages", total + want,
		 kb);
	snprintf(reason, sizeof(reason),
		 "no %s hugepages free (%ld reserved, all in use): as root, %s (1 GiB more), or "
		 "add --reserve-hugepages",
		 key, total, cmd);
	if (total == 0)
		snprintf(
			reason, sizeof(reason),
			"no %s hugepages reserved: as root, %s (1 GiB), or add --reserve-hugepages",
			key, cmd);
	v = verdict(false, reason);
	json_object_set_new(v, "free", json_integer(0));
	json_object_set_new(v, "reserve", json_string(cmd));
	return v;
}

static json_t *capture_can(const struct vb_kvm_state *st, json_t *thp, json_t *hugepages)
{
	json_t *can = json_object(), *modes = json_object(), *pages = json_object(), *v;
	const char *thp_enabled = json_string_value(json_object_get(thp, "enabled"));
	char reason[512];

	for (int m = 0; m < VB_MODE_COUNT; m++) {
		reason[0] = '\0';
		v = verdict(vb_mode_available(st, (enum vb_mode)m, reason, sizeof(reason)), reason);
		json_object_set_new(modes, vb_mode_name((enum vb_mode)m), v);
	}
	/* arm64 kernels may use the 16K or 64K granule: then no page is 4K. */
	snprintf(reason, sizeof(reason),
		 "this kernel's base page is %ldK, not 4K (arm64's 16K or 64K "
		 "granule): 4k pages need a kernel with the 4K granule",
		 sysconf(_SC_PAGESIZE) / 1024);
	json_object_set_new(pages, "4k", verdict(sysconf(_SC_PAGESIZE) == 4096, reason));
	if (!thp_enabled)
		snprintf(reason, sizeof(reason),
			 "this kernel has no transparent hugepages "
			 "(/sys/kernel/mm/transparent_hugepage missing)");
	else
		snprintf(reason, sizeof(reason),
			 "THP is 'never': as root, echo madvise > "
			 "/sys/kernel/mm/transparent_hugepage/enabled, or use 2m with --hugetlb");
	/* vbench asks with MADV_HUGEPAGE, so madvise mode is enough. */
	v = verdict(thp_enabled && strcmp(thp_enabled, "never"), reason);
	json_object_set_new(v, "via", json_string("thp"));
	json_object_set_new(pages, "2m", v);
	json_object_set_new(pages, "thp", json_deep_copy(v));
	json_object_set_new(pages, "2m_hugetlb", hugetlb_verdict(hugepages, "2m", 2048));
	json_object_set_new(pages, "1g", hugetlb_verdict(hugepages, "1g", 1048576));
	json_object_set_new(can, "modes", modes);
	json_object_set_new(can, "pages", pages);
	return can;
}

/* Settings meant for tests that change what a run reads or runs: a fake
 * sysfs tree, where kvm modules come from, a module test double, another
 * vbench-guest, made-up PMU counts (the counter double) and a pretended PMU.
 * Figures measured under them are not this host's. */
static const char *const test_settings[] = {
	"VBENCH_SYSFS_ROOT", "VBENCH_KMOD_DIR", "VBENCH_MODPROBE", "VBENCH_GUEST",
	"VB_COUNTER_DOUBLE", "LIBPFM_FORCE_PMU",
	"VBENCH_CPUINFO", "VB_TRACE_DOUBLE", "VBENCH_MACHINE",
};

/* VBENCH_GUEST naming the vbench-guest beside vbench (the lab sets it so)
 * changes nothing. */
static bool is_default_guest(const char *path)
{
	char self[4096], def[4200], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	struct stat a, b;

	if (n <= 0)
		return false;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	snprintf(def, sizeof(def), "%s/vbench-guest", self);
	return stat(path, &a) == 0 && stat(def, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

json_t *vb_env_test_settings(bool names_only)
{
	json_t *o = names_only ? json_array() : json_object();
	size_t n = 0;

	for (size_t i = 0; i < sizeof(test_settings) / sizeof(test_settings[0]); i++) {
		const char *v = getenv(test_settings[i]);

		if (!v || !v[0] ||
		    (!strcmp(test_settings[i], "VBENCH_GUEST") && is_default_guest(v)))
			continue;
		if (names_only)
			json_array_append_new(o, json_string(test_settings[i]));
		else
			json_object_set_new(o, test_settings[i], json_string(v));
		n++;
	}
	if (n == 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *vb_env_capture(void)
{
	struct vb_kvm_state st;
	struct utsname u;
	json_t *host = json_object(), *thp, *hugepages, *test;
	char hv[13];

	if (!host)
		return NULL;
	if (uname(&u) == 0) {
		char kernel[sizeof(u.sysname) + sizeof(u.release) + sizeof(u.version) + 2];

		snprintf(kernel, sizeof(kernel), "%s %s %s", u.sysname, u.release, u.version);
		json_object_set_new(host, "hostname", json_string(u.nodename));
		json_object_set_new(host, "kernel", json_string(kernel));
		json_object_set_new(host, "arch", json_string(u.machine));
	}
	json_object_set_new(host, "cpu", capture_cpu(hv));
	json_object_set_new(host, "hypervisor", str_or_null(hv));
	vb_kvm_detect(vb_sysfs_root(), &st);
	json_object_set_new(host, "kvm", capture_kvm(&st));
	json_object_set_new(host, "slat", vb_slat_capture(&st));
	thp = capture_thp();
	hugepages = capture_hugepages();
	json_object_set_new(host, "thp", thp);
	json_object_set_new(host, "hugepages", hugepages);
	json_object_set_new(host, "pmu", capture_pmu());
	json_object_set_new(host, "topology", capture_topology());
	json_object_set_new(host, "can", capture_can(&st, thp, hugepages));
	test = vb_env_test_settings(false);
	if (test)
		json_object_set_new(host, "test_settings", test);
	return host;
}
