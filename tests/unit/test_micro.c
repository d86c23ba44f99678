/* test_micro.c: the micro guest for real on /dev/kvm: every kernel at tiny
 * sizes through vb_micro_run, the watchdog, Ctrl-C, --events, exception
 * reporting, the stats fd of a live VM, the system slot's host pages and the
 * data slot's size. Skipped, with the reason, without a usable /dev/kvm. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/guest.h"
#include "guests/micro/guest.h"
#include "guests/micro/kernels.h"
#include "guests/micro/micro.h"
#include "guests/micro/stats.h"
#include "guests/micro/vm.h"
#include "lib/pmudev.h"
#include "lib/row.h"
#include "microbench/bench.h"
#include "tests/unit/hostlock.h"

static struct vb_kvm_state kvm;
static char err[512];

static void need_kvm(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		cr_skip_test("/dev/kvm cannot be opened here (%s): the micro guest needs KVM",
			     strerror(errno));
	close(fd);
	vb_kvm_detect("", &kvm);
	if (kvm.flavour == VB_KVM_NONE)
		cr_skip_test("no KVM flavour detected: %s", kvm.reason);
}

static const struct vb_run_opts opts = {
	.stop = { .min_runs = 2, .max_runs = 2, .target_ci = 0.01, .max_seconds = 10 },
	.warmup = 1,
	.timeout_s = 60,
	.pin_cpu = -1,
	.seed = 7,
};

static struct vb_point point(const char *kernel, const char *pages, const char *const *sets)
{
	const struct vb_micro_kernel *k = vb_micro_kernel_find(kernel);
	struct vb_point pt = { .bench = kernel, .mode = kvm.paging, .guest = &vb_guest_micro };

	cr_assert_not_null(k, "%s", kernel);
	vb_param_defaults(&pt.params, k->params);
	for (; sets && *sets; sets++)
		cr_assert_eq(vb_param_set(&pt.params, *sets, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(vb_pages_parse(pages, &pt.pages, err, sizeof(err)), 0, "%s", err);
	return pt;
}

/* Run one kernel through the micro guest; returns the row (caller frees). */
static json_t *run(const char *kernel, const char *pages, const char *const *sets,
		   const struct vb_run_opts *o)
{
	struct vb_point pt = point(kernel, pages, sets);
	json_t *row = json_object();

	vb_row_set_str(row, "bench", kernel);
	vb_row_set_pages(row, pages, NULL, false);

	cr_assert_eq(vb_micro_run(&pt, o, row), 0);
	return row;
}

static const char *str(json_t *row, const char *key)
{
	const char *s = json_string_value(json_object_get(row, key));

	return s ? s : "";
}

static void assert_ok(json_t *row, const char *verified)
{
	json_t *pages = json_object_get(row, "pages"), *kv;
	const char *k = str(row, "bench");

	cr_assert_str_eq(str(row, "status"), "ok", "%s: %s", k, str(row, "reason"));
	cr_assert_eq(json_array_size(json_object_get(row, "samples")), 2, "%s", k);
	cr_assert_gt(json_number_value(json_object_get(json_object_get(row, "stats"), "median")), 0,
		     "%s", k);
	cr_assert_str_eq(json_string_value(json_object_get(pages, "verified")), verified, "%s", k);
	cr_assert(json_is_true(json_object_get(pages, "honoured")), "%s", k);
	kv = json_object_get(json_object_get(row, "counters"), "kvm");
	cr_assert(json_is_integer(json_object_get(kv, "exits")), "%s: no KVM exits counted", k);
	cr_assert(json_is_integer(json_object_get(kv, "pages_4k")), "%s: no pages_4k", k);
	cr_assert_str_eq(str(row, "mode_verified"), vb_mode_name(kvm.paging));
	cr_assert_eq(json_is_true(json_object_get(row, "emulated_cpl0")),
		     vb_micro_kernel_find(k)->cpl0 && kvm.flavour == VB_KVM_PVM, "%s", k);
}

Test(micro, ptrchase_4k_and_2m)
{
	const char *const sets[] = { "footprint=4M", "loads=20000", NULL };
	json_t *row;

	need_kvm();
	row = run("ptrchase", "4k:4k", sets, &opts);
	assert_ok(row, "4k:4k");
	cr_assert_gt(json_number_value(json_object_get(json_object_get(row, "extra"),
						       "first_pass_ns_per_load")),
		     0);
	cr_assert_str_eq(str(row, "unit"), "ns/load");
	json_decref(row);
	row = run("ptrchase", "2m:thp", sets, &opts);
	assert_ok(row, "2m:2m");
	json_decref(row);
}

Test(micro, gups)
{
	const char *const sets[] = { "footprint=4M", "updates=20000", NULL };
	json_t *row;

	need_kvm();
	row = run("gups", "4k:4k", sets, &opts);
	assert_ok(row, "4k:4k");
	cr_assert_str_eq(str(row, "unit"), "updates/s");
	json_decref(row);
}

Test(micro, cpl0_kernels)
{
	const char *const cr3[] = { "spaces=3", "switches=20", NULL };
	const char *const pte[] = { "entries=4", "iterations=2", NULL };
	const char *const build[] = { "pages=40", NULL };
	const char *const pages[] = { "4k:4k", "2m:thp" };
	json_t *row;

	need_kvm();
	for (int p = 0; p < 2; p++) {
		const char *v = p ? "2m:2m" : "4k:4k";

		row = run("cr3switch", pages[p], cr3, &opts);
		assert_ok(row, v);
		json_decref(row);
		row = run("ptewrite", pages[p], pte, &opts);
		assert_ok(row, v);
		json_decref(row);
		row = run("ptbuild", pages[p], build, &opts);
		assert_ok(row, v);
		json_decref(row);
	}
}

static json_int_t kvm_stat(json_t *row, const char *name)
{
	return json_integer_value(json_object_get(json_object_get(json_object_get(row, "counters"),
								  "kvm"), name));
}

static json_int_t ops_of(json_t *row)
{
	return json_integer_value(json_object_get(json_object_get(row, "counters"), "ops"));
}

/* Each exit-cost kernel runs (tiny: CPL0 is emulated on PVM) or is skipped
 * with the reason its valid() probe gives. */
Test(micro, exit_cost_kernels)
{
	const char *const always[] = { "cpuid", "portio", "rdmsr", "cr3write", "invlpg" };
	const char *const few[] = { "ops=20", NULL };
	struct vb_vm vm;
	bool pcid;
	json_t *row;

	need_kvm();
	cr_assert_eq(vb_vm_create(&vm, 16, err, sizeof(err)), 0, "%s", err);
	pcid = vm.pcid;
	vb_vm_destroy(&vm);
	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++) {
		row = run(always[i], "4k:4k", few, &opts);
		assert_ok(row, "4k:4k");
		cr_assert_eq(ops_of(row), 40, "%s", always[i]);
		json_decref(row);
	}
	/* Every OUT leaves KVM for the VMM, in every mode. */
	row = run("portio", "4k:4k", few, &opts);
	cr_assert_geq(kvm_stat(row, "exits"), ops_of(row));
	json_decref(row);
	row = run("cr3pcid", "4k:4k", few, &opts);
	if (pcid)
		assert_ok(row, "4k:4k");
	else
		cr_assert(strstr(str(row, "reason"), "PCID") &&
				  !strcmp(str(row, "status"), "skipped"),
			  "%s: %s", str(row, "status"), str(row, "reason"));
	json_decref(row);
	row = run("hypercall", "4k:4k", few, &opts);
	if (kvm.flavour != VB_KVM_PVM)
		assert_ok(row, "4k:4k");
	else
		cr_assert_str_eq(str(row, "status"), "skipped", "%s", str(row, "reason"));
	json_decref(row);
}

/* KVM forgets the data slot before every pass: every timed pass faults on
 * every page again (a page and the code and stack the guest then refaults). */
Test(micro, mmufault_faults_every_pass)
{
	const char *const sets[] = { "pages=16", NULL };
	json_t *row;

	need_kvm();
	row = run("mmufault", "4k:4k", sets, &opts);
	assert_ok(row, "4k:4k");
	cr_assert_eq(ops_of(row), 32);
	cr_assert_geq(kvm_stat(row, "pf_fixed"), ops_of(row), "pf_fixed %lld",
		      (long long)kvm_stat(row, "pf_fixed"));
	json_decref(row);
}

Test(micro, guest_1g_pages)
{
	const char *const sets[] = { "footprint=4M", "loads=20000", NULL };
	struct vb_vm vm;
	json_t *row;

	need_kvm();
	cr_assert_eq(vb_vm_create(&vm, 16, err, sizeof(err)), 0, "%s", err);
	row = run("ptrchase", "1g:4k", sets, &opts);
	if (vm.gbpages)
		assert_ok(row, "1g:4k");
	else
		cr_assert(!strcmp(str(row, "status"), "skipped") &&
				  strstr(str(row, "reason"), "pdpe1gb"),
			  "%s: %s", str(row, "status"), str(row, "reason"));
	vb_vm_destroy(&vm);
	json_decref(row);
}

Test(micro, unavailable_mode_is_skipped)
{
	const char *const sets[] = { "footprint=1M", NULL };
	const struct vb_micro_kernel *k = vb_micro_kernel_find("ptrchase");
	struct vb_point pt = { .bench = "ptrchase",
			       .guest = &vb_guest_micro,
			       .pages = { VB_PS_4K, VB_PS_4K } };
	json_t *row = json_object();

	need_kvm();
	(void)sets;
	vb_param_defaults(&pt.params, k->params);
	pt.mode = kvm.paging == VB_MODE_SHADOW ? VB_MODE_EPT : VB_MODE_SHADOW;
	cr_assert_eq(vb_micro_run(&pt, &opts, row), 0);
	cr_assert_str_eq(str(row, "status"), "skipped");
	cr_assert_neq(strlen(str(row, "reason")), 0);
	cr_assert_str_eq(str(row, "mode_verified"), vb_mode_name(kvm.paging));
	json_decref(row);
}

Test(micro, silent_guest_times_out)
{
	const char *const sets[] = { "footprint=1M", "loads=68719476736", NULL };
	struct vb_run_opts o = opts;
	json_t *row;

	need_kvm();
	o.timeout_s = 0.3;
	row = run("ptrchase", "4k:4k", sets, &o);
	cr_assert_str_eq(str(row, "status"), "failed");
	cr_assert(strstr(str(row, "reason"), "did not report back within 0.3 s"), "%s",
		  str(row, "reason"));
	json_decref(row);
}

Test(micro, exception_is_reported)
{
	struct vb_vm vm;

	need_kvm();
	cr_assert_eq(vb_vm_create(&vm, 16, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(vb_vcpu_setup(&vm, true, err, sizeof(err)), 0, "%s", err);
	((uint64_t *)vb_vm_gpa(&vm, VB_G_MAILBOX, 8))[MB_KERNEL / 8] = 0;	/* no kernel: ud2 */
	cr_assert_eq(vb_vm_run(&vm, 10, err, sizeof(err)), VB_VM_EXCEPTION);
	cr_assert(strstr(err, "#UD"), "%s", err);
	vb_vm_destroy(&vm);
}

Test(micro, live_stats_fd)
{
	struct vb_vm vm;
	struct vb_kvm_stats st;
	uint64_t *v;

	need_kvm();
	cr_assert_eq(vb_vm_create(&vm, 16, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(vb_kvm_stats_open(vm.vcpu_fd, &st, err, sizeof(err)), 0, "%s", err);
	cr_assert_geq(vb_kvm_stats_index(&st, "exits"), 0);
	v = calloc(st.n, 8);
	cr_assert_eq(vb_kvm_stats_read(&st, v, err, sizeof(err)), 0, "%s", err);
	free(v);
	vb_kvm_stats_close(&st);
	vb_vm_destroy(&vm);
}

Test(micro, kernel_table)
{
	for (int i = 0; vb_micro_kernels[i]; i++) {
		const struct vb_micro_kernel *k = vb_micro_kernels[i];

		cr_assert_eq(vb_micro_kernel_find(k->name), k);
		cr_assert(k->summary && k->unit && k->params && k->params[0].name, "%s", k->name);
		cr_assert(k->size && k->prepare, "%s: a kernel sizes and prepares its point",
			  k->name);
		cr_assert(k->entry >= vb_guest_code_start && k->entry < vb_guest_code_end,
			  "%s: its function is not in guest.S's code", k->name);
	}
	cr_assert_null(vb_micro_kernel_find("forkwait"));
	cr_assert(vb_micro_kernel_find("cr3switch")->cpl0);
	cr_assert_not(vb_micro_kernel_find("gups")->cpl0);
}

/* The kernels that run a native bench take its parameter table, not a copy. */
Test(micro, kernels_share_the_native_parameters)
{
	const char *const shared[] = { "ptrchase", "gups" };

	for (size_t i = 0; i < sizeof(shared) / sizeof(shared[0]); i++)
		cr_assert_eq(vb_micro_kernel_find(shared[i])->params,
			     vb_bench_find(shared[i])->params, "%s", shared[i]);
}

/* AnonHugePages of /proc/self/smaps over the VMAs that overlap [lo, hi),
 * read here rather than through lib/backing.c, which the VMM's check uses. */
static uint64_t anon_huge_kb(uintptr_t lo, uintptr_t hi)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool in = false;
	uint64_t kb = 0;

	cr_assert_not_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b, v;

		if (sscanf(line, "%lx-%lx ", &a, &b) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = a < hi && b > lo;
		else if (in && sscanf(line, "AnonHugePages: %lu kB", &v) == 1)
			kb += v;
	}
	fclose(f);
	return kb;
}

/* Every page of [p, p+len) resident, contents unchanged. */
static void touch_all(uint8_t *p, size_t len)
{
	for (size_t off = 0; off < len; off += 4096) {
		volatile uint8_t *q = p + off;

		*q = *q;
	}
}

#define THP_ENABLED "/sys/kernel/mm/transparent_hugepage/enabled"

static bool thp_get(char *word, size_t len)
{
	char buf[128], *l, *r;
	FILE *f = fopen(THP_ENABLED, "r");

	if (!f)
		return false;
	l = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!l || !(l = strchr(buf, '[')) || !(r = strchr(l, ']')))
		return false;
	snprintf(word, len, "%.*s", (int)(r - l - 1), l + 1);
	return true;
}

static bool thp_set(const char *word)
{
	FILE *f = fopen(THP_ENABLED, "w");
	bool ok;

	if (!f)
		return false;
	ok = fputs(word, f) >= 0;
	return fclose(f) == 0 && ok;
}

/* The guest's page tables must sit on 4K host pages whatever THP says, or
 * the host dimension of their walks is shorter than the row claims. */
Test(micro, system_slot_has_no_huge_pages_under_thp_always)
{
	char orig[32];
	struct vb_vm vm;
	int created, setup = -1;
	uint64_t sys_kb = 0, control_kb = 0;
	size_t clen = 32UL << 20;
	uint8_t *control;

	need_kvm();
	if (geteuid() != 0)
		cr_skip_test("needs root to set %s to always for the test", THP_ENABLED);
	/* System-wide THP: no other test changes or relies on it meanwhile. */
	vb_test_host_lock(true);
	if (!thp_get(orig, sizeof(orig)))
		cr_skip_test("no THP here (%s unreadable)", THP_ENABLED);
	cr_assert(thp_set("always"), "cannot write %s: %s", THP_ENABLED, strerror(errno));
	/* No assertion until THP is restored: a failed one ends this process. */
	created = vb_vm_create(&vm, 8192, err, sizeof(err));
	if (created == 0) {
		setup = vb_vcpu_setup(&vm, true, err, sizeof(err));
		touch_all(vm.sys, vm.sys_size);
		sys_kb = anon_huge_kb((uintptr_t)vm.sys, (uintptr_t)vm.sys + vm.sys_size);
	}
	/* The control: plain anonymous memory does get huge pages meanwhile. */
	control = mmap(NULL, clen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (control != MAP_FAILED) {
		touch_all(control, clen);
		control_kb = anon_huge_kb((uintptr_t)control, (uintptr_t)control + clen);
		munmap(control, clen);
	}
	cr_assert(thp_set(orig), "cannot restore %s to %s: %s", THP_ENABLED, orig, strerror(errno));

	cr_assert_eq(created, 0, "%s", err);
	cr_assert_eq(setup, 0, "%s", err);
	cr_assert_geq(vm.sys_size, 32UL << 20, "a slot big enough for several 2M pages");
	cr_assert_eq(sys_kb, 0, "system slot: %llu kB AnonHugePages under THP=always",
		     (unsigned long long)sys_kb);
	cr_assert_eq(vb_vm_sys_check(&vm, err, sizeof(err)), 0, "%s", err);
	if (control_kb == 0)
		cr_log_warn(
			"control mapping got no huge pages under THP=always: this run proves less");
	vb_vm_destroy(&vm);
}

static volatile sig_atomic_t stop_flag;

static void on_sigint(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* As `vbench run` does it: signal() handler (SA_RESTART) sets the flag that
 * opts.interrupted points at; the SIGINT comes to the process from outside
 * while the vCPU (this thread) is in KVM_RUN on a pass of ~minutes. */
Test(micro, ctrl_c_ends_a_running_point)
{
	const char *const sets[] = { "footprint=1M", "loads=68719476736", NULL };
	struct vb_run_opts o = opts;
	struct timespec t0, t1;
	void (*old)(int);
	double secs;
	json_t *row;
	pid_t child;

	need_kvm();
	o.timeout_s = 60;
	o.interrupted = &stop_flag;
	stop_flag = 0;
	old = signal(SIGINT, on_sigint);
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		usleep(500 * 1000);
		kill(getppid(), SIGINT);
		_exit(0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	row = run("ptrchase", "4k:4k", sets, &o);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	waitpid(child, NULL, 0);
	signal(SIGINT, old);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
	cr_assert(stop_flag, "SIGINT never arrived");
	cr_assert_str_eq(str(row, "status"), "failed");
	cr_assert_str_eq(str(row, "reason"), "interrupted");
	cr_assert_lt(secs, 10, "took %.1f s: the signal did not take the vCPU out of KVM_RUN",
		     secs);
	json_decref(row);

	/* Set before the point starts: no pass runs at all. */
	row = run("ptrchase", "4k:4k", sets, &o);
	cr_assert_str_eq(str(row, "status"), "failed");
	cr_assert_str_eq(str(row, "reason"), "interrupted");
	json_decref(row);
}

/* Entry of counters.unavailable for metric on side, or NULL. */
static json_t *unavailable(json_t *row, const char *metric, const char *side)
{
	json_t *u, *arr = json_object_get(json_object_get(row, "counters"), "unavailable");
	size_t i;

	json_array_foreach(arr, i, u)
		if (!strcmp(json_string_value(json_object_get(u, "metric")), metric) &&
		    !strcmp(json_string_value(json_object_get(u, "side")), side))
			return u;
	return NULL;
}

/* The default set on the vCPU thread, guest and host sides apart, plus
 * --events: without a PMU every hardware metric is in counters.unavailable
 * with the reason, the row is still ok, and a perf software event (no PMU
 * needed) is still counted on both sides. */
Test(micro, counters_on_the_vcpu_thread)
{
	const char *const sets[] = { "footprint=4M", "loads=20000", NULL };
	struct vb_run_opts o = opts;
	json_t *row, *c, *u;
	char dev[256];
	bool no_cpu = !vb_core_pmu_find("", dev, sizeof(dev), NULL);

	need_kvm();
	o.events = "perf::PERF_COUNT_SW_TASK_CLOCK";
	row = run("ptrchase", "4k:4k", sets, &o);
	assert_ok(row, "4k:4k");
	c = json_object_get(row, "counters");
	cr_assert_str_eq(json_string_value(json_object_get(c, "set")), "default");
	for (int s = 0; s < 2; s++) {
		const char *side = s ? "host" : "guest";
		json_t *pmu = json_object_get(json_object_get(c, "pmu"), side);

		cr_assert_gt(
			json_integer_value(json_object_get(pmu, "perf::PERF_COUNT_SW_TASK_CLOCK")),
			0, "the software event counts over the timed passes (%s side)", side);
		u = unavailable(row, "cycles", side);
		if (no_cpu) {
			cr_assert_not_null(u, "no reason for cycles on the %s side without a PMU",
					   side);
			cr_assert_str_eq(json_string_value(json_object_get(u, "cause")), "no-pmu");
		} else {
			cr_assert(u || json_is_integer(json_object_get(pmu, "cycles")));
		}
	}
	json_decref(row);

	/* Every event refused: still ok. */
	o.events = "NO_SUCH_EVENT_ANYWHERE";
	row = run("ptrchase", "4k:4k", sets, &o);
	assert_ok(row, "4k:4k");
	u = unavailable(row, "NO_SUCH_EVENT_ANYWHERE", "guest");
	cr_assert(u && strstr(json_string_value(json_object_get(u, "reason")),
			      "NO_SUCH_EVENT_ANYWHERE"));
	json_decref(row);
}

static uint64_t data_bytes(const char *kernel, const char *pages, const char *const *sets,
			   bool hugetlb)
{
	struct vb_point pt = point(kernel, pages, sets);

	return vb_micro_data_bytes(&pt, hugetlb);
}

/* What a hugetlb pool must hold for a point: the data slot as mapped. */
Test(micro, data_slot_bytes)
{
	const char *const fp3m[] = { "footprint=3M", NULL };
	const char *const cr3[] = { "spaces=3", NULL };
	const char *const pte[] = { "entries=5", NULL };
	const char *const build40[] = { "pages=40", NULL };
	const char *const build1[] = { "pages=1", NULL };
	const char *const big[] = { "pages=1048576", NULL };
	const char *const build1024[] = { "pages=1024", NULL };
	const char *const pages5[] = { "pages=5", NULL };

	cr_assert_eq(data_bytes("ptrchase", "4k:4k", fp3m, false), 3UL << 20);
	cr_assert_eq(data_bytes("gups", "4k:2m", fp3m, true), 4UL << 20, "hugetlb 2M: rounded up");
	cr_assert_eq(data_bytes("gups", "4k:2m", fp3m, false), 4UL << 20,
		     "THP: mapped 2M-rounded too");
	cr_assert_eq(data_bytes("ptrchase", "2m:1g", fp3m, false), 1UL << 30);
	/* One frame per space, of the guest page size; 1G leaves share one. */
	cr_assert_eq(data_bytes("cr3switch", "4k:4k", cr3, false), 3 * 4096);
	cr_assert_eq(data_bytes("cr3switch", "4k:2m", cr3, true), 2UL << 20);
	cr_assert_eq(data_bytes("cr3switch", "2m:2m", cr3, true), 6UL << 20);
	cr_assert_eq(data_bytes("cr3switch", "1g:1g", cr3, false), 1UL << 30);
	cr_assert_eq(data_bytes("ptewrite", "2m:2m", pte, true), 10UL << 20);
	cr_assert_eq(data_bytes("ptewrite", "4k:1g", pte, false), 1UL << 30);
	/* ptbuild: a power-of-two set of frames, at most 32M. */
	cr_assert_eq(data_bytes("ptbuild", "4k:4k", build40, false), 32 * 4096);
	cr_assert_eq(data_bytes("ptbuild", "4k:4k", build1, false), 4096);
	cr_assert_eq(data_bytes("ptbuild", "2m:2m", build40, true), 32UL << 20,
		     "16 frames of 2M: the 32M cap");
	cr_assert_eq(data_bytes("ptbuild", "4k:4k", big, false), 32UL << 20);
	cr_assert_eq(data_bytes("ptbuild", "1g:1g", big, false), 0,
		     "1M 1G leaves do not fit in 511 x 512G");
	/* The default 1024 1G leaves span two PML4 entries, on one frame. */
	cr_assert_eq(data_bytes("ptbuild", "1g:1g", build1024, false), 1UL << 30);
	/* The exit kernels map one guest page; mmufault a page every 32K at least. */
	cr_assert_eq(data_bytes("cpuid", "4k:4k", NULL, false), 4096);
	cr_assert_eq(data_bytes("invlpg", "2m:2m", NULL, true), 2UL << 20);
	cr_assert_eq(data_bytes("mmufault", "4k:4k", pages5, false), 5 * 32768);
	cr_assert_eq(data_bytes("mmufault", "2m:thp", pages5, false), 10UL << 20);
	struct vb_point pt = point("ptrchase", "4k:4k", fp3m);

	pt.bench = "forkwait";
	cr_assert_eq(vb_micro_data_bytes(&pt, false), 0, "not a micro kernel");
}

/* The figure agrees with what a real row maps: smaps' host bytes of the
 * data slot (all of it touched before the guest runs). */
Test(micro, data_slot_bytes_match_a_run)
{
	const char *const cr3[] = { "spaces=3", "switches=20", NULL };
	const char *const pte[] = { "entries=4", "iterations=2", NULL };
	const char *const build[] = { "pages=40", NULL };
	const char *const chase[] = { "footprint=3M", "loads=20000", NULL };
	const struct { const char *k, *pages; const char *const *sets; } c[] = {
		{ "cr3switch", "4k:4k", cr3 }, { "ptewrite", "2m:thp", pte },
		{ "ptbuild", "4k:4k", build }, { "ptrchase", "4k:thp", chase },
	};

	need_kvm();
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		json_t *row = run(c[i].k, c[i].pages, c[i].sets, &opts), *hb;
		uint64_t want = data_bytes(c[i].k, c[i].pages, c[i].sets, false), got;

		cr_assert_str_eq(str(row, "status"), "ok", "%s: %s", c[i].k, str(row, "reason"));
		hb = json_object_get(json_object_get(row, "pages"), "host_bytes");
		got = (uint64_t)(json_integer_value(json_object_get(hb, "4k")) +
				 json_integer_value(json_object_get(hb, "2m")) +
				 json_integer_value(json_object_get(hb, "1g")));
		cr_assert_eq(got, want, "%s %s: smaps %llu, vb_micro_data_bytes %llu", c[i].k,
			     c[i].pages, (unsigned long long)got, (unsigned long long)want);
		json_decref(row);
	}
}
