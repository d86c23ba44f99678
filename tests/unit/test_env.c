/* test_env.c: the host record read from fake /sys trees (kvm_intel with
 * ept=Y, kvm_amd with npt=0), THP choice parsing, hugepage pools, `vbench env` options. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/cmds.h"
#include "harness/env.h"
#include "tests/unit/fixture_sysfs.h"

static char root[64];

static void put(const char *path, const char *text)
{
	fx_put(root, path, text);
}

static void pool(const char *size, const char *total, const char *free_pages, const char *resv)
{
	char path[128];

	snprintf(path, sizeof(path), "sys/kernel/mm/hugepages/hugepages-%s/nr_hugepages", size);
	put(path, total);
	snprintf(path, sizeof(path), "sys/kernel/mm/hugepages/hugepages-%s/free_hugepages", size);
	put(path, free_pages);
	snprintf(path, sizeof(path), "sys/kernel/mm/hugepages/hugepages-%s/resv_hugepages", size);
	put(path, resv);
	snprintf(path, sizeof(path), "sys/kernel/mm/hugepages/hugepages-%s/surplus_hugepages",
		 size);
	put(path, "0\n");
}

static void make_root(void)
{
	snprintf(root, sizeof(root), "/tmp/vbench-env-XXXXXX");
	cr_assert_not_null(mkdtemp(root));
	setenv("VBENCH_SYSFS_ROOT", root, 1);
	put("dev/kvm", "");
	put("sys/module/kvm/parameters/tdp_mmu", "Y\n");
	put("sys/module/kvm/parameters/nx_huge_pages", "N\n");
	put("sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
	put("sys/kernel/mm/transparent_hugepage/defrag",
	    "[always] defer defer+madvise madvise never\n");
	pool("2048kB", "16\n", "12\n", "2\n");
	pool("1048576kB", "0\n", "0\n", "0\n");
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void drop_root(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(env, .init = make_root, .fini = drop_root);

static const char *at(json_t *o, const char *a, const char *b, const char *c)
{
	json_t *v = json_object_get(json_object_get(o, a), b);

	if (c)
		v = json_object_get(v, c);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static json_t *can(json_t *host, const char *kind, const char *name)
{
	return json_object_get(json_object_get(json_object_get(host, "can"), kind), name);
}

Test(env, kvm_intel_ept)
{
	json_t *host;

	put("sys/module/kvm_intel/parameters/ept", "Y\n");
	host = vb_env_capture();
	cr_assert_not_null(host);
	cr_assert(json_is_true(json_object_get(json_object_get(host, "kvm"), "present")));
	cr_assert_str_eq(at(host, "kvm", "flavour", NULL), "kvm_intel");
	cr_assert_str_eq(at(host, "kvm", "paging", NULL), "ept");
	cr_assert_str_eq(at(host, "kvm", "params", "ept"), "Y");
	cr_assert_str_eq(at(host, "kvm", "params", "tdp_mmu"), "Y");
	cr_assert_str_eq(at(host, "kvm", "params", "nx_huge_pages"), "N");
	cr_assert_null(
		json_object_get(json_object_get(json_object_get(host, "kvm"), "params"), "npt"));

	cr_assert(json_is_true(json_object_get(can(host, "modes", "native"), "ok")));
	cr_assert(json_is_true(json_object_get(can(host, "modes", "ept"), "ok")));
	cr_assert(json_is_true(json_object_get(can(host, "modes", "tdp"), "ok")));
	cr_assert(json_is_false(json_object_get(can(host, "modes", "npt"), "ok")));
	cr_assert_not_null(strstr(
		json_string_value(json_object_get(can(host, "modes", "npt"), "reason")), "Intel"));
	cr_assert(json_is_false(json_object_get(can(host, "modes", "shadow"), "ok")));
	cr_assert_not_null(
		strstr(json_string_value(json_object_get(can(host, "modes", "shadow"), "reason")),
		       "ept=0"));
	json_decref(host);
}

Test(env, kvm_amd_npt_off_is_shadow)
{
	json_t *host;

	put("sys/module/kvm_amd/parameters/npt", "0\n");
	host = vb_env_capture();
	cr_assert_str_eq(at(host, "kvm", "flavour", NULL), "kvm_amd");
	cr_assert_str_eq(at(host, "kvm", "paging", NULL), "shadow");
	cr_assert_str_eq(at(host, "kvm", "params", "npt"), "0");
	cr_assert(json_is_true(json_object_get(can(host, "modes", "shadow"), "ok")));
	cr_assert(json_is_false(json_object_get(can(host, "modes", "npt"), "ok")));
	cr_assert(json_is_false(json_object_get(can(host, "modes", "ept"), "ok")));
	json_decref(host);
}

Test(env, no_kvm)
{
	json_t *host;
	char path[128];

	snprintf(path, sizeof(path), "%s/dev/kvm", root);
	cr_assert_eq(remove(path), 0);
	host = vb_env_capture();
	cr_assert(json_is_false(json_object_get(json_object_get(host, "kvm"), "present")));
	cr_assert(json_is_null(json_object_get(json_object_get(host, "kvm"), "flavour")));
	cr_assert(json_is_true(json_object_get(can(host, "modes", "native"), "ok")));
	cr_assert(json_is_false(json_object_get(can(host, "modes", "shadow"), "ok")));
	cr_assert_not_null(json_object_get(can(host, "modes", "shadow"), "reason"));
	json_decref(host);
}

Test(env, thp_and_hugepages)
{
	json_t *host = vb_env_capture(), *p2m, *v;

	cr_assert_str_eq(at(host, "thp", "enabled", NULL), "madvise");
	cr_assert_str_eq(at(host, "thp", "defrag", NULL), "always");
	p2m = json_object_get(json_object_get(host, "hugepages"), "2m");
	cr_assert_not_null(p2m);
	cr_assert_eq(json_integer_value(json_object_get(p2m, "kb")), 2048);
	cr_assert_eq(json_integer_value(json_object_get(p2m, "total")), 16);
	cr_assert_eq(json_integer_value(json_object_get(p2m, "free")), 12);
	cr_assert_eq(json_integer_value(json_object_get(p2m, "reserved")), 2);
	cr_assert_eq(json_integer_value(json_object_get(p2m, "surplus")), 0);
	cr_assert_not_null(json_object_get(json_object_get(host, "hugepages"), "1g"));

	cr_assert(json_is_true(json_object_get(can(host, "pages", "4k"), "ok")));
	cr_assert(json_is_true(json_object_get(can(host, "pages", "2m"), "ok")));
	v = can(host, "pages", "2m_hugetlb");
	cr_assert(json_is_true(json_object_get(v, "ok")));
	cr_assert_eq(json_integer_value(json_object_get(v, "free")), 12);
	v = can(host, "pages", "1g");
	cr_assert(json_is_false(json_object_get(v, "ok")));
	cr_assert_str_eq(json_string_value(json_object_get(v, "reserve")),
			 "echo 1 > /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages");
	cr_assert_not_null(strstr(json_string_value(json_object_get(v, "reason")), "echo 1 > "));
	json_decref(host);
}

Test(env, thp_never)
{
	json_t *host;

	put("sys/kernel/mm/transparent_hugepage/enabled", "always madvise [never]\n");
	host = vb_env_capture();
	cr_assert_str_eq(at(host, "thp", "enabled", NULL), "never");
	cr_assert(json_is_false(json_object_get(can(host, "pages", "2m"), "ok")));
	cr_assert_not_null(strstr(
		json_string_value(json_object_get(can(host, "pages", "2m"), "reason")), "never"));
	cr_assert(json_is_true(json_object_get(can(host, "pages", "4k"), "ok")));
	json_decref(host);
}

Test(env, no_hugepage_sizes)
{
	json_t *host;
	char path[128];

	snprintf(path, sizeof(path), "%s/sys/kernel/mm/hugepages", root);
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	host = vb_env_capture();
	cr_assert_eq(json_object_size(json_object_get(host, "hugepages")), 0);
	cr_assert(json_is_false(json_object_get(can(host, "pages", "1g"), "ok")));
	cr_assert_not_null(
		strstr(json_string_value(json_object_get(can(host, "pages", "1g"), "reason")),
		       "no 1g hugepage size"));
	json_decref(host);
}

Test(env, pmu_absent_in_fake_tree)
{
	json_t *host = vb_env_capture(), *pmu = json_object_get(host, "pmu");

	/* The fake tree has no /sys/bus/event_source/devices/cpu. */
	cr_assert(json_is_false(json_object_get(pmu, "present")));
	cr_assert_not_null(
		strstr(json_string_value(json_object_get(pmu, "reason")), "devices/cpu missing"));
	cr_assert(json_is_null(json_object_get(pmu, "device")));
	json_decref(host);
}

/* An arm64 kernel's core PMU is armv8_pmuv3_0 (or armv8_<core>), not cpu:
 * the env finds it, with the perf type of its own events. */
Test(env, pmu_armv8_in_fake_tree)
{
	json_t *host, *pmu;
	const char *reason;

	put("sys/bus/event_source/devices/software/type", "1\n");
	put("sys/bus/event_source/devices/armv8_pmuv3_0/type", "8\n");
	put("sys/bus/event_source/devices/armv8_pmuv3_0/cpus", "0-1\n");
	host = vb_env_capture();
	pmu = json_object_get(host, "pmu");
	cr_assert_str_eq(json_string_value(json_object_get(pmu, "device")), "armv8_pmuv3_0");
	cr_assert_eq(json_integer_value(json_object_get(pmu, "device_type")), 8);
	/* Present, or absent only because this host's cycles do not open. */
	reason = json_string_value(json_object_get(pmu, "reason"));
	if (json_is_false(json_object_get(pmu, "present")))
		cr_assert(reason && strstr(reason, "perf_event_open of cycles"), "%s", reason);
	json_decref(host);
}

Test(env, cpu_and_topology_are_filled)
{
	json_t *host = vb_env_capture(), *cpu = json_object_get(host, "cpu"),
	       *topo = json_object_get(host, "topology");

	cr_assert(json_is_string(json_object_get(host, "hostname")));
	cr_assert(json_is_string(json_object_get(host, "kernel")));
	cr_assert(json_is_string(json_object_get(cpu, "vendor")));
	cr_assert(json_is_object(json_object_get(cpu, "flags_of_interest")));
	cr_assert_geq(json_integer_value(json_object_get(topo, "pus")), 1);
	cr_assert_geq(json_integer_value(json_object_get(topo, "pus")),
		      json_integer_value(json_object_get(topo, "cores")));
	json_decref(host);
}

Test(env_parse, bracketed)
{
	char out[32];

	cr_assert_eq(vb_env_bracketed("always [madvise] never", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "madvise");
	cr_assert_eq(vb_env_bracketed("[always] madvise never", out, sizeof(out)), 0);
	cr_assert_str_eq(out, "always");
	cr_assert_eq(
		vb_env_bracketed("always defer defer+madvise madvise [never]", out, sizeof(out)),
		0);
	cr_assert_str_eq(out, "never");
	cr_assert_eq(vb_env_bracketed("always madvise never", out, sizeof(out)), -1);
	cr_assert_eq(vb_env_bracketed("[]", out, sizeof(out)), -1);
}

Test(cmd_env, unknown_option, .init = cr_redirect_stderr)
{
	char *argv[] = { "env", "--x", NULL };

	cr_assert_eq(cmd_env(2, argv), 2);
	fflush(stderr);
	cr_assert_stderr_eq_str("vbench: env: unknown option '--x': see 'vbench env --help'\n");
}

Test(cmd_env, help, .init = cr_redirect_stdout)
{
	char *argv[] = { "env", "--help", NULL };

	cr_assert_eq(cmd_env(2, argv), 0);
}

Test(cmd_env, json_is_the_host_record, .init = cr_redirect_stdout)
{
	char *argv[] = { "env", "--json", NULL };
	char buf[1 << 16];
	json_error_t jerr;
	json_t *host;
	size_t n;
	FILE *out;

	cr_assert_eq(cmd_env(2, argv), 0);
	fflush(stdout);
	out = cr_get_redirected_stdout();
	n = fread(buf, 1, sizeof(buf) - 1, out);
	buf[n] = '\0';
	host = json_loads(buf, 0, &jerr);
	cr_assert_not_null(host, "not JSON: %s", jerr.text);
	cr_assert_not_null(json_object_get(host, "can"));
	json_decref(host);
}

/* A fake sysfs tree is a test setting: the host record names it. */
Test(env, test_settings_are_recorded)
{
	json_t *host = vb_env_capture(), *names;

	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(host, "test_settings"),
							   "VBENCH_SYSFS_ROOT")), root);
	names = vb_env_test_settings(true);
	cr_assert(json_is_array(names));
	cr_assert_str_eq(json_string_value(json_array_get(names, 0)), "VBENCH_SYSFS_ROOT");
	json_decref(names);
	json_decref(host);
	unsetenv("VBENCH_SYSFS_ROOT");
	unsetenv("VBENCH_KMOD_DIR");
	unsetenv("VBENCH_MODPROBE");
	unsetenv("VBENCH_GUEST");
	cr_assert_null(vb_env_test_settings(false), "none set: no record");
}
