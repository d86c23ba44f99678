/* test_micro.c: the micro guest for real on /dev/kvm: every kernel at tiny
 * sizes through vb_backend_micro, the watchdog, exception reporting, and the
 * stats fd of a live VM. Skipped, with the reason, without a usable /dev/kvm. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "guests/micro/guest.h"
#include "guests/micro/kernels.h"
#include "guests/micro/stats.h"
#include "guests/micro/vm.h"
#include "harness/backend.h"

static struct vb_kvm_state kvm;
static char err[512];

static void need_kvm(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		cr_skip_test("/dev/kvm cannot be opened here (%s): the micro guest needs KVM", strerror(errno));
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

/* Run one kernel through the backend; returns the row (caller frees). */
static json_t *run(const char *kernel, const char *pages, const char *const *sets, const struct vb_run_opts *o)
{
	const struct vb_micro_kernel *k = vb_micro_kernel_find(kernel);
	struct vb_point pt = { .bench = kernel, .mode = kvm.paging, .guest = VB_GUEST_MICRO };
	json_t *row = json_pack("{s:s,s:{s:s}}", "bench", kernel, "pages", "requested", pages);

	cr_assert_not_null(k, "%s", kernel);
	vb_param_defaults(&pt.params, k->params);
	for (; sets && *sets; sets++)
		cr_assert_eq(vb_param_set(&pt.params, *sets, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(vb_pages_parse(pages, &pt.pages, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(vb_backend_micro(&pt, o, row), 0);
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
	cr_assert_gt(json_number_value(json_object_get(json_object_get(row, "stats"), "median")), 0, "%s", k);
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
	cr_assert_gt(json_number_value(json_object_get(json_object_get(row, "extra"), "first_pass_ns_per_load")), 0);
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
		cr_assert(!strcmp(str(row, "status"), "skipped") && strstr(str(row, "reason"), "pdpe1gb"),
			  "%s: %s", str(row, "status"), str(row, "reason"));
	vb_vm_destroy(&vm);
	json_decref(row);
}

Test(micro, unavailable_mode_is_skipped)
{
	const char *const sets[] = { "footprint=1M", NULL };
	const struct vb_micro_kernel *k = vb_micro_kernel_find("ptrchase");
	struct vb_point pt = { .bench = "ptrchase", .guest = VB_GUEST_MICRO, .pages = { VB_PS_4K, VB_PS_4K } };
	json_t *row = json_object();

	need_kvm();
	(void)sets;
	vb_param_defaults(&pt.params, k->params);
	pt.mode = kvm.paging == VB_MODE_SHADOW ? VB_MODE_EPT : VB_MODE_SHADOW;
	cr_assert_eq(vb_backend_micro(&pt, &opts, row), 0);
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
	cr_assert(strstr(str(row, "reason"), "did not report back within 0.3 s"), "%s", str(row, "reason"));
	json_decref(row);
}

Test(micro, exception_is_reported)
{
	struct vb_vm vm;

	need_kvm();
	cr_assert_eq(vb_vm_create(&vm, 16, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(vb_vcpu_setup(&vm, true, err, sizeof(err)), 0, "%s", err);
	((uint64_t *)vb_vm_gpa(&vm, VB_G_MAILBOX, 8))[MB_KERNEL / 8] = 99;	/* no such kernel: ud2 */
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
	for (const struct vb_micro_kernel *k = vb_micro_kernels; k->name; k++) {
		cr_assert_eq(vb_micro_kernel_find(k->name), k);
		cr_assert(k->summary && k->unit && k->params && k->params[0].name, "%s", k->name);
	}
	cr_assert_null(vb_micro_kernel_find("forkwait"));
	cr_assert(vb_micro_kernel_find("cr3switch")->cpl0);
	cr_assert_not(vb_micro_kernel_find("gups")->cpl0);
}
