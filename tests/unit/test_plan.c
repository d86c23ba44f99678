/* Unit tests of plan files: strict parsing with line numbers, flags, expansion. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/guest.h"
#include "harness/plan.h"
#include "lib/stats.h"
#include "microbench/runner.h"

static struct vb_plan plan;
static char err[1024];

/* A plan without a repeat line stops as the runner does by itself, and as
 * the usage texts say: lib/stats.h's defaults, and runner.h's warmup. */
Test(plan, stop_rule_defaults_are_the_runners)
{
	struct vb_runner_opts o;
	const char *say = "(default " VB_STOP_TEXT(VB_STOP_MIN_RUNS) ", "
			  VB_STOP_TEXT(VB_STOP_MAX_RUNS) ", "
			  VB_STOP_TEXT(VB_STOP_TARGET_CI_PCT) "%)";

	cr_assert_eq(vb_plan_parse_text("bench ptrchase\n", "t.conf", &plan, err, sizeof(err)),
		     0, "%s", err);
	vb_runner_opts_default(&o);
	cr_assert_eq(plan.stop.min_runs, 5);
	cr_assert_eq(plan.stop.max_runs, 30);
	cr_assert_float_eq(plan.stop.target_ci, 0.01, 1e-12);
	cr_assert_float_eq(plan.stop.max_seconds, 30, 1e-12);
	cr_assert_float_eq(VB_STOP_TARGET_CI * 100, VB_STOP_TARGET_CI_PCT, 1e-12);
	cr_assert_eq(memcmp(&plan.stop, &o.stop, sizeof(o.stop)), 0);
	cr_assert_eq(plan.warmup, o.warmup);
	cr_assert_eq(o.warmup, VB_WARMUP_DEFAULT);
	cr_assert_str_eq(say, "(default 5, 30, 1%)");
}

Test(plan, parses_a_full_plan)
{
	const char *text =
		"# comment\n"
		"mode    native,shadow   # trailing comment\n"
		"pages   4k,2m:thp\n"
		"guest   micro\n"
		"repeat  min=3 max=9 ci=2% time=5s warmup=2\n"
		"timeout 90s\n"
		"\n"
		"bench   ptrchase footprint=16M,64M\n"
		"bench   forkwait\n";

	cr_assert_eq(vb_plan_parse_text(text, "t.conf", &plan, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(plan.n_modes, 2);
	cr_assert_eq(plan.modes[1], VB_MODE_SHADOW);
	cr_assert_eq(plan.n_pages, 2);
	cr_assert_eq(plan.pages[1].host, VB_PS_THP);
	cr_assert_eq(plan.guest, &vb_guest_micro);
	cr_assert_eq(plan.stop.min_runs, 3);
	cr_assert_eq(plan.stop.max_runs, 9);
	cr_assert_float_eq(plan.stop.target_ci, 0.02, 1e-12);
	cr_assert_float_eq(plan.stop.max_seconds, 5, 1e-12);
	cr_assert_eq(plan.warmup, 2);
	cr_assert_float_eq(plan.timeout_s, 90, 1e-12);
	cr_assert_eq(plan.n_benches, 2);
	cr_assert_str_eq(plan.benches[0].p[0].values, "16M,64M");
}

static void expect_error(const char *text, const char *needle)
{
	cr_assert_lt(vb_plan_parse_text(text, "bad.conf", &plan, err, sizeof(err)), 0,
		     "accepted: %s", text);
	cr_assert(strstr(err, needle), "error '%s' lacks '%s'", err, needle);
}

Test(plan, errors_name_file_and_line)
{
	expect_error("bench ptrchase\nbnech forkwait\n", "bad.conf:2: unknown keyword 'bnech'");
	expect_error("bench nosuch\n", "bad.conf:1: unknown bench 'nosuch'");
	expect_error("bench ptrchase footprnt=1M\n",
		     "bad.conf:1: unknown parameter 'footprnt' for ptrchase");
	expect_error("bench ptrchase footprint=-1M\n", "bad.conf:1: bad size '-1M'");
	expect_error("bench ptrchase footprint=1M,,2M\n", "empty value");
	expect_error("bench ptrchase footprint=1M footprint=2M\n", "given twice");
	expect_error("bench ptrchase\nbench ptrchase\n",
		     "bad.conf:2: bench 'ptrchase' given twice");
	expect_error("mode native\nmode shadow\nbench ptrchase\n",
		     "bad.conf:2: 'mode' given twice");
	expect_error("mode warp\nbench ptrchase\n", "bad.conf:1: unknown mode 'warp'");
	expect_error("pages 3m\nbench ptrchase\n", "bad.conf:1: unknown page size '3m'");
	expect_error("pages 4k, 2m\nbench ptrchase\n", "takes one value");
	expect_error("repeat min=5 max=2\nbench ptrchase\n",
		     "bad.conf:1: repeat needs 1 <= min <= max");
	expect_error("repeat often\nbench ptrchase\n", "bad repeat option 'often'");
	expect_error("repeat min=3 max=9 min=4\nbench ptrchase\n",
		     "bad.conf:1: repeat option 'min' given twice");
	expect_error("guest xen\nbench ptrchase\n", "unknown guest 'xen'");
	expect_error("timeout soon\nbench ptrchase\n", "bad timeout 'soon'");
	expect_error("bench ptrchase =1M\n", "bad parameter '=1M'");
	expect_error("mode\nbench ptrchase\n", "'mode' needs a value");
	expect_error("# nothing\n", "no bench line");
	expect_error("bench ptrchase\n\x01\n", "bad.conf:2: unexpected control");
}

Test(plan, expansion_order_and_native_dimension)
{
	struct vb_plan_point *pts;
	size_t n;

	cr_assert_eq(
		vb_plan_parse_text(
			"mode native,shadow\npages 4k,2m,2m:4k\nbench ptrchase footprint=1M,2M\n",
			"t", &plan, err, sizeof(err)),
		0, "%s", err);
	cr_assert_eq(vb_plan_expand(&plan, NULL, NULL, &pts, &n, err, sizeof(err)), 0, "%s", err);
	/* native: 2 footprints x {4k, 2m} (2m:4k is 2m natively); shadow: 2 x 3 pages. */
	cr_assert_eq(n, 4 + 6);
	cr_assert_eq(pts[0].pt.mode, VB_MODE_NATIVE);
	cr_assert_eq(pts[0].pt.guest, &vb_guest_none);
	cr_assert_eq(pts[0].pt.pages.host, VB_PS_NONE);
	cr_assert_eq(pts[1].pt.pages.guest, VB_PS_2M);
	cr_assert_eq(vb_param_get(&pts[2].pt.params, "footprint"), 2u << 20);
	cr_assert_eq(pts[4].pt.mode, VB_MODE_SHADOW);
	cr_assert_eq(pts[4].pt.guest, &vb_guest_micro, "auto puts ptrchase in the micro guest");
	cr_assert_eq(pts[6].pt.pages.guest, VB_PS_2M);
	cr_assert_eq(pts[6].pt.pages.host, VB_PS_4K);
	free(pts);
}

Test(plan, benches_a_guest_lacks_become_skips)
{
	struct vb_plan_point *pts;
	size_t n;

	cr_assert_eq(vb_plan_parse_text("mode shadow\nguest micro\nbench forkwait\n", "t", &plan,
					err, sizeof(err)),
		     0);
	cr_assert_eq(vb_plan_expand(&plan, NULL, NULL, &pts, &n, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(n, 1);
	cr_assert(strstr(pts[0].skip, "forkwait does not run in the micro guest: use --guest auto "
				      "(or linux or remote)"),
		  "%s", pts[0].skip);
	free(pts);
}

Test(plan, micro_kernels_natively_become_skips_that_name_the_guest_modes)
{
	struct vb_plan_point *pts;
	size_t n;

	cr_assert_eq(vb_plan_parse_text(
			     "mode native,shadow\npages 4k,2m\nguest micro\nbench cr3switch\n", "t",
			     &plan, err, sizeof(err)),
		     0);
	cr_assert_eq(vb_plan_expand(&plan, NULL, NULL, &pts, &n, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(n, 3, "one skipped native row, not one per page size");
	cr_assert_eq(pts[0].pt.mode, VB_MODE_NATIVE);
	cr_assert(strstr(pts[0].skip, "cr3switch runs only in a guest (micro), in a guest mode: "
				      "shadow, ept, npt or tdp"),
		  "%s", pts[0].skip);
	cr_assert_eq(pts[1].skip[0], '\0', "%s", pts[1].skip);
	free(pts);
}

Test(plan, flags_select_and_set)
{
	vb_plan_defaults(&plan);
	cr_assert_eq(vb_plan_select_benches(&plan, "ptrchase,ctxswitch", err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(plan.n_benches, 2);
	cr_assert_eq(vb_plan_set_param(&plan, "footprint", "512M", err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(plan.benches[0].p[0].values, "512M");
	cr_assert_eq(plan.benches[1].n_params, 0, "ctxswitch takes no footprint");
	vb_plan_defaults(&plan);
	cr_assert_eq(vb_plan_select_benches(&plan, "ctxswitch", err, sizeof(err)), 0);
	cr_assert_lt(vb_plan_set_param(&plan, "footprint", "1M", err, sizeof(err)), 0);
	cr_assert(strstr(err, "no bench in the plan takes parameter 'footprint'"), "%s", err);
	cr_assert_lt(vb_plan_select_benches(&plan, "ptrchase,ptrchase", err, sizeof(err)), 0);
}

/* The headline command, `vbench run --mode ept,shadow --pages 4k,2m` over
 * every bench, planned on faked hosts. */
static struct vb_plan_point *headline(const struct vb_kvm_state *kvm, bool switch_mode, size_t *n)
{
	struct vb_run_opts o = { .switch_mode = switch_mode };
	struct vb_plan_point *pts;

	vb_plan_defaults(&plan);
	cr_assert_eq(vb_plan_select_benches(&plan,
					    "ptrchase,gups,forkwait,forkstorm,mmapchurn,ctxswitch,"
					    "pagefault,cr3switch,ptewrite,ptbuild",
					    err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(vb_mode_list_parse("ept,shadow", plan.modes, VB_MODE_COUNT, err, sizeof(err)),
		     2);
	plan.n_modes = 2;
	cr_assert_eq(vb_pages_list_parse("4k,2m", plan.pages, VB_PAGES_MAX, err, sizeof(err)), 2);
	plan.n_pages = 2;
	cr_assert_eq(vb_plan_expand(&plan, kvm, &o, &pts, n, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(*n, 2 * 10 * 2, "every bench in both modes at both page sizes");
	return pts;
}

static char tools_dir[] = "/tmp/vbench-test-plan.XXXXXX";

/* A Linux guest image and a QEMU that the Linux guest's usable() can find. */
static void fake_linux_tools(void)
{
	char *dir = tools_dir, path[256], newpath[4200];

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/vmlinuz", dir);
	fclose(fopen(path, "w"));
	setenv("VBENCH_LINUX_KERNEL", path, 1);
	snprintf(path, sizeof(path), "%s/initramfs.cpio.gz", dir);
	fclose(fopen(path, "w"));
	setenv("VBENCH_LINUX_INITRD", path, 1);
	snprintf(path, sizeof(path), "%s/qemu-system-x86_64", dir);
	fclose(fopen(path, "w"));
	chmod(path, 0755);
	snprintf(newpath, sizeof(newpath), "%s:%s", dir,
		 getenv("PATH") ? getenv("PATH") : "/usr/bin");
	setenv("PATH", newpath, 1);
}

static void fake_linux_tools_gone(void)
{
	const char *names[] = { "vmlinuz", "initramfs.cpio.gz", "qemu-system-x86_64" };
	char path[256];

	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", tools_dir, names[i]);
		unlink(path);
	}
	rmdir(tools_dir);
}

static const struct vb_guest *guest_of(const struct vb_plan_point *pts, size_t n, const char *bench,
				       enum vb_mode m, const char **skip)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(pts[i].pt.bench, bench) && pts[i].pt.mode == m) {
			*skip = pts[i].skip;
			return pts[i].pt.guest;
		}
	cr_assert_fail("no point for %s", bench);
	return NULL;
}

Test(plan_auto, slat_host_runs_every_bench_in_the_guest_that_has_it, .init = fake_linux_tools,
     .fini = fake_linux_tools_gone)
{
	struct vb_kvm_state kvm = { .dev_kvm = true, .flavour = VB_KVM_INTEL, .paging = VB_MODE_EPT,
				    .ept = "Y" };
	const char *skip;
	size_t n;
	struct vb_plan_point *pts = headline(&kvm, true, &n);

	for (size_t i = 0; i < n; i++)
		cr_assert_eq(pts[i].skip[0], '\0', "%s %s: %s", pts[i].pt.bench,
			     vb_mode_name(pts[i].pt.mode), pts[i].skip);
	cr_assert_eq(guest_of(pts, n, "ptrchase", VB_MODE_EPT, &skip), &vb_guest_micro);
	cr_assert_eq(guest_of(pts, n, "cr3switch", VB_MODE_SHADOW, &skip), &vb_guest_micro);
	cr_assert_eq(guest_of(pts, n, "forkwait", VB_MODE_EPT, &skip), &vb_guest_linux);
	cr_assert_eq(guest_of(pts, n, "mmapchurn", VB_MODE_SHADOW, &skip), &vb_guest_linux);
	free(pts);

	/* Without --switch-mode, only the mode the module is in runs. */
	pts = headline(&kvm, false, &n);
	cr_assert_eq(guest_of(pts, n, "forkwait", VB_MODE_EPT, &skip), &vb_guest_linux);
	cr_assert_eq(skip[0], '\0', "%s", skip);
	guest_of(pts, n, "ptrchase", VB_MODE_SHADOW, &skip);
	cr_assert(strstr(skip,
			 "kvm_intel is in ept mode: reload it with ept=0, or add --switch-mode"),
		  "%s", skip);
	free(pts);
}

Test(plan_auto, pvm_host_runs_shadow_in_the_micro_guest_and_says_why_linux_cannot,
     .init = fake_linux_tools, .fini = fake_linux_tools_gone)
{
	struct vb_kvm_state kvm = { .dev_kvm = true,
				    .flavour = VB_KVM_PVM,
				    .paging = VB_MODE_SHADOW };
	const char *skip;
	size_t n;
	struct vb_plan_point *pts = headline(&kvm, false, &n);

	cr_assert_eq(guest_of(pts, n, "ptrchase", VB_MODE_SHADOW, &skip), &vb_guest_micro);
	cr_assert_eq(skip[0], '\0', "%s", skip);
	cr_assert_eq(guest_of(pts, n, "ptbuild", VB_MODE_SHADOW, &skip), &vb_guest_micro);
	cr_assert_eq(skip[0], '\0', "%s", skip);
	/* Decided at once, not at a boot timeout. */
	cr_assert_eq(guest_of(pts, n, "forkwait", VB_MODE_SHADOW, &skip), &vb_guest_linux);
	cr_assert(strstr(skip, "KVM here is PVM") && strstr(skip, "--accel tcg"), "%s", skip);
	guest_of(pts, n, "ptrchase", VB_MODE_EPT, &skip);
	cr_assert(strstr(skip, "PVM, which has shadow paging only"), "%s", skip);
	free(pts);
}

Test(plan_auto, host_without_kvm_skips_every_guest_point_with_the_reason, .init = fake_linux_tools,
     .fini = fake_linux_tools_gone)
{
	struct vb_kvm_state kvm = { .flavour = VB_KVM_NONE, .paging = VB_MODE_NATIVE,
				    .reason = "KVM is not loaded on this host" };
	size_t n;
	struct vb_plan_point *pts = headline(&kvm, true, &n);

	for (size_t i = 0; i < n; i++)
		cr_assert(pts[i].skip[0], "%s %s ran on a host without KVM", pts[i].pt.bench,
			  vb_mode_name(pts[i].pt.mode));
	free(pts);
}

Test(plan, remote_points_go_once_per_target)
{
	struct vb_plan_point *pts;
	size_t n;

	cr_assert_eq(
		vb_plan_parse_text("mode shadow\nguest remote\npages 4k,2m:4k,2m\nbench ptrchase\n",
				   "t", &plan, err, sizeof(err)),
		0, "%s", err);
	snprintf(plan.targets[0], sizeof(plan.targets[0]), "vm1");
	snprintf(plan.targets[1], sizeof(plan.targets[1]), "root@vm2:2222");
	plan.n_targets = 2;
	cr_assert_eq(vb_plan_expand(&plan, NULL, NULL, &pts, &n, err, sizeof(err)), 0, "%s", err);
	/* The remote hypervisor's backing is not ours: 2m:4k and 2m are one point. */
	cr_assert_eq(n, 4, "two guest page sizes, two targets");
	cr_assert_str_eq(pts[0].pt.target, "vm1");
	cr_assert_str_eq(pts[1].pt.target, "root@vm2:2222");
	cr_assert_eq(pts[1].pt.guest, &vb_guest_remote);
	cr_assert_eq(pts[0].pt.pages.host, VB_PS_NONE);
	cr_assert_eq(pts[2].pt.pages.guest, VB_PS_2M);
	cr_assert_str_eq(pts[3].pt.target, "root@vm2:2222");
	free(pts);
}

Test(plan_auto, an_explicit_guest_that_can_run_here_has_no_skip, .init = fake_linux_tools,
     .fini = fake_linux_tools_gone)
{
	struct vb_kvm_state kvm = { .flavour = VB_KVM_NONE, .paging = VB_MODE_NATIVE };
	struct vb_run_opts o = { .accel = "tcg" };
	struct vb_plan_point *pts;
	size_t n;

	cr_assert_eq(vb_plan_parse_text("mode shadow\nguest linux\nbench forkwait\n", "t", &plan,
					err, sizeof(err)),
		     0, "%s", err);
	cr_assert_eq(vb_plan_expand(&plan, &kvm, &o, &pts, &n, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(n, 1);
	cr_assert_eq(pts[0].skip[0], '\0', "TCG was asked for, so it runs: %s", pts[0].skip);
	free(pts);
	o.accel = NULL;
	cr_assert_eq(vb_plan_expand(&plan, &kvm, &o, &pts, &n, err, sizeof(err)), 0, "%s", err);
	cr_assert(strstr(pts[0].skip, "--accel tcg"), "%s", pts[0].skip);
	free(pts);
}

/* The cap counts exactly the points expansion makes: a plan of n points
 * passes with a cap of n and is refused, naming n, with a cap of n - 1. */
static void cap_is_exact(const char *text)
{
	struct vb_plan_point *pts;
	size_t n;
	char want[160];

	cr_assert_eq(vb_plan_parse_text(text, "t", &plan, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(vb_plan_expand(&plan, NULL, NULL, &pts, &n, err, sizeof(err)), 0, "%s", err);
	free(pts);
	plan.max_points = n;
	cr_assert_eq(vb_plan_expand(&plan, NULL, NULL, &pts, &n, err, sizeof(err)), 0, "%s: %s",
		     text, err);
	free(pts);
	plan.max_points = n - 1;
	pts = NULL;
	cr_assert_lt(vb_plan_expand(&plan, NULL, NULL, &pts, &n, err, sizeof(err)), 0,
		     "%s: %zu points passed a cap of %zu", text, n, n - 1);
	cr_assert_null(pts);
	snprintf(want, sizeof(want),
		 "the plan expands to %zu points, more than the cap of %zu: ", n, n - 1);
	cr_assert(strstr(err, want), "%s", err);
	cr_assert(strstr(err, "--max-points"), "%s", err);
}

Test(plan, the_point_cap_counts_exactly)
{
	cap_is_exact("mode native,shadow\npages 4k,2m,2m:4k\nbench ptrchase footprint=1M,2M\n");
	cap_is_exact("mode native,shadow,ept\npages all\nbench ptrchase footprint=1M,2M,3M "
		     "layout=page,line\n"
		     "bench forkwait forks=1,2\nbench cr3switch\n");
	cap_is_exact(
		"mode native\npages 4k,2m,1g\nbench ctxswitch\nbench pagefault footprint=1M,2M\n");
}

Test(plan, the_default_cap_refuses_millions_before_allocating)
{
	char text[4096];
	struct vb_plan_point *pts = NULL;
	size_t n = 0, used;

	used = (size_t)snprintf(text, sizeof(text),
				"mode native,shadow,ept\npages all\nbench ptrchase footprint=");
	for (int i = 1; i <= 64; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%dM",
					 i > 1 ? "," : "", i);
	used += (size_t)snprintf(text + used, sizeof(text) - used, " loads=");
	for (int i = 1; i <= 64; i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%d", i > 1 ? "," : "",
					 1000 * i);
	snprintf(text + used, sizeof(text) - used, " layout=page,line\n");
	cr_assert_eq(vb_plan_parse_text(text, "t", &plan, err, sizeof(err)), 0, "%s", err);
	cr_assert_lt(vb_plan_expand(&plan, NULL, NULL, &pts, &n, err, sizeof(err)), 0);
	cr_assert(strstr(err, "the plan expands to 172032 points, more than the cap of 100000"),
		  "%s", err);
	cr_assert_null(pts);
}

/* "kvm" in a mode list is the mode /dev/kvm gives now: shadow under PVM, ept
 * under kvm_intel with ept=Y, and shadow (with its skipped rows) without KVM. */
Test(plan, kvm_mode_word_becomes_the_hosts_paging_mode)
{
	struct vb_kvm_state pvm = { .dev_kvm = true, .flavour = VB_KVM_PVM,
			.paging = VB_MODE_SHADOW };
	struct vb_kvm_state vmx = { .dev_kvm = true, .flavour = VB_KVM_INTEL,
			.paging = VB_MODE_EPT };
	struct vb_kvm_state none = { .flavour = VB_KVM_NONE, .paging = VB_MODE_NATIVE };

	cr_assert_eq(vb_plan_parse_text("mode native,kvm\nbench ptrchase\n", "k.conf", &plan, err,
					sizeof(err)), 0, "%s", err);
	cr_assert_eq(plan.n_modes, 1);
	cr_assert(plan.mode_kvm);
	vb_plan_resolve_kvm(&plan, &pvm);
	cr_assert_eq(plan.n_modes, 2);
	cr_assert_eq(plan.modes[1], VB_MODE_SHADOW);
	cr_assert_not(plan.mode_kvm);
	cr_assert_eq(vb_plan_set_modes(&plan, "kvm,native", err, sizeof(err)), 0, "%s", err);
	vb_plan_resolve_kvm(&plan, &vmx);
	cr_assert_eq(plan.n_modes, 2);
	cr_assert_eq(plan.modes[0], VB_MODE_NATIVE);
	cr_assert_eq(plan.modes[1], VB_MODE_EPT);
	/* Given as well as named: once. */
	cr_assert_eq(vb_plan_set_modes(&plan, "ept,kvm", err, sizeof(err)), 0, "%s", err);
	vb_plan_resolve_kvm(&plan, &vmx);
	cr_assert_eq(plan.n_modes, 1);
	cr_assert_eq(vb_plan_kvm_mode(&none), VB_MODE_SHADOW);
	cr_assert_eq(vb_plan_set_modes(&plan, "kvm,kvm", err, sizeof(err)), -1);
	cr_assert(strstr(err, "twice"), "%s", err);
	cr_assert_eq(vb_plan_set_modes(&plan, "kvm,bogus", err, sizeof(err)), -1);
	cr_assert(strstr(err, "bogus"), "%s", err);
}
