/* guestenv.c: `vbench-guest env`: the guest's view of its machine, for rows
 * from a remote guest whose hypervisor vbench cannot see from outside. */
#include "microbench/guestenv.h"

#include <ctype.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "lib/arch.h"

/* Printable ASCII only, trailing blanks and NULs dropped: this text leaves
 * the guest and is shown to people. */
static json_t *clean_string(const char *s, size_t len)
{
	char buf[257];
	size_t n = 0;

	for (size_t i = 0; i < len && s[i] && n < sizeof(buf) - 1; i++)
		buf[n++] = isprint((unsigned char)s[i]) ? s[i] : '?';
	while (n && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	return n ? json_string(buf) : json_null();
}

static json_t *file_word(const char *path)
{
	char buf[257] = "";
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return json_null();
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return clean_string(buf, strlen(buf));
}

/* CPUID leaf 0x40000000: "KVMKVMKVM", "Microsoft Hv", "VMwareVMware",
 * "XenVMMXenVMM", "bhyve bhyve ", ...; null on bare metal. */
static json_t *hypervisor_signature(void)
{
	char sig[13];

	if (!vb_arch_hypervisor(sig))
		return json_null();
	return clean_string(sig, 12);
}

static json_t *cpu_model(void)
{
	char line[512];
	FILE *f = fopen("/proc/cpuinfo", "re");
	json_t *v = json_null();

	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !colon)
			continue;
		colon += 1 + strspn(colon + 1, " \t");
		colon[strcspn(colon, "\n")] = '\0';
		json_decref(v);
		v = clean_string(colon, strlen(colon));
		break;
	}
	if (f)
		fclose(f);
	return v;
}

/* "4k", and the hugetlb sizes this kernel offers. */
static json_t *page_sizes(void)
{
	json_t *a = json_array();

	json_array_append_new(a, json_string("4k"));
	if (access("/sys/kernel/mm/hugepages/hugepages-2048kB", F_OK) == 0)
		json_array_append_new(a, json_string("2m"));
	if (access("/sys/kernel/mm/hugepages/hugepages-1048576kB", F_OK) == 0)
		json_array_append_new(a, json_string("1g"));
	return a;
}

/* The THP mode in brackets: "[madvise]" -> "madvise". */
static json_t *thp_mode(void)
{
	char buf[256] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "re");
	char *l, *r;

	if (!f)
		return json_null();
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	l = strchr(buf, '[');
	r = l ? strchr(l, ']') : NULL;
	return l && r ? clean_string(l + 1, (size_t)(r - l - 1)) : json_null();
}

/* A PMU counts here when a user-only cycles counter opens on this thread. */
static bool vpmu_present(char *why, size_t len)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_HW_CPU_CYCLES,
		.disabled = 1,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};
	long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);

	if (fd < 0) {
		snprintf(why, len, "perf_event_open(cycles): %s", strerror(errno));
		return false;
	}
	close((int)fd);
	why[0] = '\0';
	return true;
}

json_t *vb_guestenv_read(void)
{
	struct utsname u;
	char why[128];
	bool pmu = vpmu_present(why, sizeof(why));
	json_t *o = json_object();

	if (!o)
		return NULL;
	json_object_set_new(o, "type", json_string("env"));
	json_object_set_new(o, "hypervisor", hypervisor_signature());
	json_object_set_new(o, "dmi_vendor", file_word("/sys/class/dmi/id/sys_vendor"));
	json_object_set_new(o, "dmi_product", file_word("/sys/class/dmi/id/product_name"));
	json_object_set_new(o, "kernel",
			    uname(&u) == 0 ? clean_string(u.release, sizeof(u.release))
					   : json_null());
	json_object_set_new(o, "cpu", cpu_model());
	json_object_set_new(o, "page_sizes", page_sizes());
	json_object_set_new(o, "thp", thp_mode());
	json_object_set_new(o, "vpmu", json_boolean(pmu));
	json_object_set_new(o, "vpmu_reason", pmu ? json_null() : json_string(why));
	return o;
}
