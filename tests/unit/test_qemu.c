/* Unit tests of the Linux guest's QEMU argv (accelerator, RAM backing per page
 * size, one element per entry), the accelerator choice and the guest plan text. */
#include <criterion/criterion.h>
#include <string.h>

#include "harness/guest.h"
#include "guests/linux/linux.h"
#include "guests/linux/qemu.h"
#include "lib/arch.h"
#include "microbench/bench.h"

static char err[512];

static struct vb_qemu_cfg base_cfg(enum vb_accel accel, enum vb_page_size host)
{
	struct vb_qemu_cfg c = {
		.accel = accel, .kernel = "/img/vmlinuz", .initrd = "/img/initramfs.cpio.gz",
		.mem_mb = 1536, .host_pages = host, .plan_path = "/tmp/x/plan",
		.console_path = "/tmp/x/console.log", .qmp_path = "/tmp/x/qmp.sock",
	};
	return c;
}

/* Index of the element equal to s, or -1. */
static int find(const struct vb_argv *a, const char *s)
{
	for (int i = 0; i < a->n; i++)
		if (!strcmp(a->v[i], s))
			return i;
	return -1;
}

/* The value that follows option opt (the first occurrence). */
static const char *value_of(const struct vb_argv *a, const char *opt)
{
	int i = find(a, opt);

	return i >= 0 && i + 1 < a->n ? a->v[i + 1] : NULL;
}

static void build(struct vb_qemu_cfg c, struct vb_argv *a)
{
	cr_assert_eq(vb_qemu_argv(&c, a, err, sizeof(err)), 0, "%s", err);
	cr_assert_null(a->v[a->n], "argv is NULL-terminated");
}

Test(qemu, tcg_uses_cpu_max)
{
	struct vb_argv a = { 0 };

	build(base_cfg(VB_ACCEL_TCG, VB_PS_4K), &a);
	cr_assert_str_eq(a.v[0], "qemu-system-x86_64");
	cr_assert_str_eq(value_of(&a, "-accel"), "tcg");
	cr_assert_str_eq(value_of(&a, "-cpu"), "max");
	cr_assert_geq(find(&a, "-nographic"), 0);
	cr_assert_geq(find(&a, "-no-reboot"), 0);
	cr_assert_str_eq(value_of(&a, "-qmp"), "unix:/tmp/x/qmp.sock,server=on,wait=off");
	cr_assert_str_eq(value_of(&a, "-fw_cfg"), "name=opt/vbench/plan,file=/tmp/x/plan");
	vb_argv_free(&a);
}

Test(qemu, kvm_uses_cpu_host)
{
	struct vb_argv a = { 0 };

	build(base_cfg(VB_ACCEL_KVM, VB_PS_4K), &a);
	cr_assert_str_eq(value_of(&a, "-accel"), "kvm");
	cr_assert_str_eq(value_of(&a, "-cpu"), "host");
	vb_argv_free(&a);
}

Test(qemu, every_option_and_value_is_its_own_element)
{
	struct vb_argv a = { 0 };

	build(base_cfg(VB_ACCEL_TCG, VB_PS_2M), &a);
	for (int i = 0; i < a.n; i++) {
		/* Options never carry their value after a blank ("-accel tcg"). */
		if (a.v[i][0] == '-')
			cr_assert_null(strchr(a.v[i], ' '), "element '%s' holds more than one word",
				       a.v[i]);
		cr_assert_neq(strcmp(a.v[i], "sh"), 0);
		cr_assert_neq(strcmp(a.v[i], "-c"), 0, "no shell anywhere");
	}
	/* The kernel command line is one element, blanks and all. */
	cr_assert(strstr(value_of(&a, "-append"), "console=ttyS0 "));
	/* Console to a file, reports on stdout through a second serial port. */
	cr_assert_str_eq(value_of(&a, "-serial"), "file:/tmp/x/console.log");
	cr_assert_str_eq(value_of(&a, "-chardev"), "stdio,id=report,signal=off");
	cr_assert_str_eq(a.v[find(&a, "chardev:report") - 1], "-serial");
	vb_argv_free(&a);
}

/* arm64's QEMU (guests/linux/arch-arm64.c), built on any host: the virt
 * machine with the GIC KVM offers, the console on its one UART and the report
 * channel on a virtio console the init is told of. */
Test(qemu, arm64_uses_virt_and_a_virtio_console)
{
	struct vb_qemu_cfg c = base_cfg(VB_ACCEL_KVM, VB_PS_4K);
	struct vb_argv a = { 0 };

	c.arch = &vb_qemu_arm64;
	build(c, &a);
	cr_assert_str_eq(a.v[0], "qemu-system-aarch64");
	cr_assert_str_eq(value_of(&a, "-machine"), "virt,gic-version=host,memory-backend=ram0");
	cr_assert_str_eq(value_of(&a, "-cpu"), "host");
	cr_assert_str_eq(value_of(&a, "-append"),
			 "console=ttyAMA0 panic=-1 quiet vbreport=/dev/hvc0");
	cr_assert_str_eq(value_of(&a, "-serial"), "file:/tmp/x/console.log");
	cr_assert_lt(find(&a, "chardev:report"), 0, "no second serial port on virt");
	cr_assert_str_eq(value_of(&a, "-chardev"), "stdio,id=report,signal=off");
	cr_assert_geq(find(&a, "virtconsole,chardev=report"), 0);
	cr_assert_str_eq(a.v[find(&a, "virtio-serial-device") - 1], "-device");
	vb_argv_free(&a);

	/* TCG: cpu max and the GIC QEMU emulates; a given append keeps the channel. */
	c = base_cfg(VB_ACCEL_TCG, VB_PS_4K);
	c.arch = &vb_qemu_arm64;
	c.append = "console=ttyAMA0 hugepagesz=1G hugepages=1";
	build(c, &a);
	cr_assert_str_eq(value_of(&a, "-machine"), "virt,gic-version=max,memory-backend=ram0");
	cr_assert_str_eq(value_of(&a, "-cpu"), "max");
	cr_assert_str_eq(value_of(&a, "-append"),
			 "console=ttyAMA0 hugepagesz=1G hugepages=1 vbreport=/dev/hvc0");
	vb_argv_free(&a);
}

/* The table a build takes is its own architecture's. */
Test(qemu, the_host_table_is_the_build_architecture)
{
	cr_assert_str_eq(vb_qemu_arch_host()->name, vb_arch_name());
}

struct backing_case {
	enum vb_page_size host;
	bool hugetlb;
	const char *want;	/* the -object value */
	const char *mem;	/* the -m value */
};

Test(qemu, ram_backing_per_host_page_size)
{
	static const struct backing_case cases[] = {
		{ VB_PS_4K, false, "memory-backend-memfd,id=ram0,size=1536M", "1536M" },
		{ VB_PS_THP, false, "memory-backend-ram,id=ram0,size=1536M,prealloc=on", "1536M" },
		{ VB_PS_2M, false, "memory-backend-ram,id=ram0,size=1536M,prealloc=on", "1536M" },
		{ VB_PS_2M, true,
		  "memory-backend-memfd,id=ram0,size=1536M,hugetlb=on,hugetlbsize=2M,prealloc=on",
		  "1536M" },
		/* 1G backing: RAM rounded up to whole 1G pages. */
		{ VB_PS_1G, false,
		  "memory-backend-memfd,id=ram0,size=2048M,hugetlb=on,hugetlbsize=1G,prealloc=on",
		  "2048M" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vb_qemu_cfg c = base_cfg(VB_ACCEL_TCG, cases[i].host);
		struct vb_argv a = { 0 };

		c.hugetlb = cases[i].hugetlb;
		build(c, &a);
		cr_assert_str_eq(value_of(&a, "-object"), cases[i].want, "case %zu", i);
		cr_assert_str_eq(value_of(&a, "-m"), cases[i].mem, "case %zu", i);
		cr_assert_str_eq(value_of(&a, "-machine"), "pc,memory-backend=ram0");
		vb_argv_free(&a);
	}
}

Test(qemu, odd_sizes_round_up_to_the_page)
{
	unsigned long mb = 1025;
	char buf[256];

	cr_assert_eq(vb_qemu_memory_object(VB_PS_2M, true, &mb, buf, sizeof(buf), err, sizeof(err)),
		     0);
	cr_assert_eq(mb, 1026);
	mb = 0;
	cr_assert_lt(
		vb_qemu_memory_object(VB_PS_4K, false, &mb, buf, sizeof(buf), err, sizeof(err)), 0);
	mb = 64;
	cr_assert_lt(
		vb_qemu_memory_object(VB_PS_NONE, false, &mb, buf, sizeof(buf), err, sizeof(err)),
		0);
}

Test(qemu, paths_that_would_break_an_option_are_refused)
{
	struct vb_qemu_cfg c = base_cfg(VB_ACCEL_TCG, VB_PS_4K);
	struct vb_argv a = { 0 };

	c.plan_path = "/tmp/a,file=/etc/shadow";
	cr_assert_lt(vb_qemu_argv(&c, &a, err, sizeof(err)), 0);
	cr_assert(strstr(err, "comma"), "%s", err);
	cr_assert_null(a.v);
	c = base_cfg(VB_ACCEL_TCG, VB_PS_4K);
	c.kernel = NULL;
	cr_assert_lt(vb_qemu_argv(&c, &a, err, sizeof(err)), 0);
}

Test(qemu, accel_kvm_only_with_hardware_virtualization)
{
	struct vb_kvm_state pvm = { .dev_kvm = true,
				    .flavour = VB_KVM_PVM,
				    .paging = VB_MODE_SHADOW };
	struct vb_kvm_state amd = { .dev_kvm = true, .flavour = VB_KVM_AMD, .paging = VB_MODE_NPT };
	struct vb_kvm_state none = { .dev_kvm = false, .flavour = VB_KVM_NONE };
	struct vb_kvm_state arm = {
		.arm64 = true, .dev_kvm = true, .flavour = VB_KVM_ARM, .paging = VB_MODE_STAGE2
	};
	enum vb_accel acc;
	char why[256];

	cr_assert_eq(vb_qemu_accel_choose(NULL, &amd, &acc, why, sizeof(why)), 0);
	cr_assert_eq(acc, VB_ACCEL_KVM);
	/* No silent TCG: PVM cannot boot Linux in useful time, so say so. */
	cr_assert_lt(vb_qemu_accel_choose(NULL, &pvm, &acc, why, sizeof(why)), 0);
	cr_assert(strstr(why, "PVM") && strstr(why, "--accel tcg"), "%s", why);
	cr_assert_lt(vb_qemu_accel_choose(NULL, &none, &acc, why, sizeof(why)), 0);
	cr_assert(strstr(why, "no /dev/kvm"), "%s", why);
	cr_assert_eq(vb_qemu_accel_choose("tcg", &amd, &acc, why, sizeof(why)), 0);
	cr_assert_eq(acc, VB_ACCEL_TCG, "asked for");
	cr_assert_lt(vb_qemu_accel_choose("kvm", &pvm, &acc, why, sizeof(why)), 0);
	cr_assert(strstr(why, "--accel tcg"), "%s", why);
	cr_assert_lt(vb_qemu_accel_choose("xen", &amd, &acc, why, sizeof(why)), 0);
	/* KVM/arm64 boots a Linux guest with its stage-2. */
	cr_assert_eq(vb_qemu_accel_choose(NULL, &arm, &acc, why, sizeof(why)), 0);
	cr_assert_eq(acc, VB_ACCEL_KVM);
	cr_assert(strstr(why, "kvm_arm"), "%s", why);
}

static const struct vb_param_def fp_defs[] = {
	{ .name = "footprint",
	  .type = VB_PARAM_SIZE,
	  .def = 4 << 20,
	  .min = 0,
	  .max = 1ULL << 36,
	  .unit = "bytes" },
	{ .name = NULL },
};

static struct vb_point point(const char *bench, enum vb_page_size g, enum vb_page_size h,
			     uint64_t fp)
{
	struct vb_point p = {
		.bench = bench, .mode = VB_MODE_SHADOW, .pages = { g, h }, .guest = &vb_guest_linux
	};
	const struct vb_bench *b = vb_bench_find(bench);

	/* The bench's own table, whose declaration sizes the guest; a made-up
	 * bench name gets a table of its own that sizes nothing. */
	vb_param_defaults(&p.params, b ? b->params : fp_defs);
	p.params.v[vb_param_index(p.params.defs, "footprint")] = fp;
	return p;
}

/* Occurrences of needle in text. */
static int count(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static struct vb_run_opts run_opts(void)
{
	struct vb_run_opts o = {
		.stop = { .min_runs = 3, .max_runs = 3, .target_ci = 0.5, .max_seconds = 2 },
		.timeout_s = 60,
		.seed = 1
	};
	return o;
}

Test(linux_plan, one_run_line_per_point_with_pools)
{
	struct vb_point p0 = point("ptrchase", VB_PS_4K, VB_PS_4K, 4 << 20);
	struct vb_point p1 = point("ptrchase", VB_PS_1G, VB_PS_4K, 1ULL << 30);
	struct vb_point p2 = point("ptrchase", VB_PS_2M, VB_PS_4K, 8 << 20);
	const struct vb_point *pts[] = { &p0, &p1, &p2 };
	struct vb_run_opts o = run_opts();
	char *t;

	o.hugetlb = true;
	t = vb_linux_plan_text(pts, 3, &o, err, sizeof(err));
	cr_assert_not_null(t, "%s", err);
	cr_assert(strstr(t, "\nrun run ptrchase --pages 4k --hugetlb --set footprint=4M "), "%s",
		  t);
	cr_assert(strstr(t, "\nrun run ptrchase --pages 1g --hugetlb --set footprint=1G "), "%s",
		  t);
	/* The 1G point asks for its pool (footprint + 1 page of slack), the 2M
	 * one for its own and the others empty the 2M pool. */
	cr_assert(strstr(t, "hugepages 2048 0\nhugepages 1048576 2\nrun run ptrchase --pages 1g"),
		  "%s", t);
	cr_assert(strstr(t, "hugepages 2048 12\nrun run ptrchase --pages 2m"), "%s", t);
	/* The host answers each begin and end: the init waits for it. */
	cr_assert(strstr(t, "plan\nanswer\nhugepages 2048 0\nrun run ptrchase --pages 4k"), "%s",
		  t);
	/* Points without 1G pages leave the 1G pool alone: a guest may have
	 * none to empty, and what the boot reserved is not found again. */
	cr_assert_eq(count(t, "hugepages 1048576 "), 1, "%s", t);
	cr_assert_null(strstr(t, "vbench-guest"), "argv[0] is the init's business");
	free(t);
}

Test(linux_plan, the_1g_pool_never_shrinks_below_the_boot_reservation)
{
	/* ptrchase footprint=1G,4G --pages 1g:1g: the boot reserves 5 pages
	 * (the largest need) and the 1G point keeps all of them. */
	struct vb_point p0 = point("ptrchase", VB_PS_1G, VB_PS_1G, 1ULL << 30);
	struct vb_point p1 = point("ptrchase", VB_PS_1G, VB_PS_1G, 4ULL << 30);
	struct vb_point p2 = point("ptrchase", VB_PS_1G, VB_PS_1G, 2ULL << 30);
	const struct vb_point *pts[] = { &p0, &p1, &p2 };
	struct vb_run_opts o = run_opts();
	char *t = vb_linux_plan_text(pts, 3, &o, err, sizeof(err));

	cr_assert_not_null(t, "%s", err);
	cr_assert_eq(count(t, "hugepages 1048576 5\nrun "), 3, "%s", t);
	cr_assert_eq(count(t, "hugepages 1048576 "), 3, "%s", t);
	free(t);
}

Test(linux_plan, words_the_init_would_split_are_refused)
{
	static const char *const bad[] = { "ptr chase", "a;reboot", "$(poweroff)", "x\ny", "*" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vb_point p = point(bad[i], VB_PS_4K, VB_PS_4K, 4096);
		const struct vb_point *pts[] = { &p };
		struct vb_run_opts o = run_opts();

		cr_assert_null(vb_linux_plan_text(pts, 1, &o, err, sizeof(err)), "'%s' got through",
			       bad[i]);
	}
}

Test(linux_plan, ram_follows_footprint_and_pools)
{
	struct vb_point small = point("ptrchase", VB_PS_4K, VB_PS_4K, 4 << 20);
	struct vb_point big = point("ptrchase", VB_PS_4K, VB_PS_4K, 512 << 20);
	struct vb_point giga = point("ptrchase", VB_PS_1G, VB_PS_1G, 1ULL << 30);

	cr_assert_geq(vb_linux_ram_mb(&small, false), 1024, "below 512M Linux turns THP off");
	cr_assert_eq(vb_linux_ram_mb(&big, false) - vb_linux_ram_mb(&small, false), 508);
	cr_assert_geq(vb_linux_ram_mb(&giga, false), 1024 + 2048);
	cr_assert(vb_linux_batchable(&small, &big));
	cr_assert_not(vb_linux_batchable(&small, &giga), "another host backing is another boot");
}

Test(linux_plan, build_reserves_a_page_for_every_running_job)
{
	const struct vb_bench *b = vb_bench_find("build");
	struct vb_point p = { .bench = "build",
			      .mode = VB_MODE_SHADOW,
			      .pages = { VB_PS_1G, VB_PS_4K },
			      .guest = &vb_guest_linux };
	char err[128];

	cr_assert_not_null(b);
	vb_param_defaults(&p.params, b->params);
	cr_assert_eq(vb_param_set(&p.params, "footprint=64M", err, sizeof(err)), 0);
	cr_assert_eq(vb_param_set(&p.params, "parallel=4", err, sizeof(err)), 0);
	/* Four jobs of 16M, each in a 1G page of its own, and the pool's spare one. */
	cr_assert_eq(vb_linux_ram_mb(&p, false), 1024 + 5 * 1024);
}

/* mmapchurn declares its memory as `pages` of the guest page size (.mem in
 * its table): a guest sized from the name "footprint" got 0 bytes for it. */
Test(linux_plan, memory_comes_from_the_parameter_table_not_a_name)
{
	const struct vb_bench *b = vb_bench_find("mmapchurn");
	struct vb_point p = { .bench = "mmapchurn", .mode = VB_MODE_SHADOW,
			      .pages = { VB_PS_1G, VB_PS_1G }, .guest = &vb_guest_linux };
	char err[128];

	cr_assert_not_null(b);
	vb_param_defaults(&p.params, b->params);
	cr_assert_eq(vb_param_set(&p.params, "pages=3", err, sizeof(err)), 0);
	/* Three 1G pages of its own and the pool's spare one. */
	cr_assert_eq(vb_linux_ram_mb(&p, false), 1024 + 4 * 1024);
	p.pages.guest = VB_PS_4K;
	p.pages.host = VB_PS_4K;
	cr_assert_eq(vb_param_set(&p.params, "pages=65536", err, sizeof(err)), 0);
	cr_assert_eq(vb_linux_ram_mb(&p, false), 1024 + 256, "65536 4K pages are 256M");
}

Test(linux_plan, points_with_and_without_1g_guest_pages_boot_apart)
{
	struct vb_point g4k = point("ptrchase", VB_PS_4K, VB_PS_1G, 4ULL << 30);
	struct vb_point g2m = point("ptrchase", VB_PS_2M, VB_PS_1G, 4ULL << 30);
	struct vb_point g1g = point("ptrchase", VB_PS_1G, VB_PS_1G, 1ULL << 30);
	struct vb_point g1g_big = point("ptrchase", VB_PS_1G, VB_PS_1G, 4ULL << 30);

	/* The 1G pool lasts the whole boot: a 4k point beside it would find
	 * its footprint taken by pages it cannot use. */
	cr_assert_not(vb_linux_batchable(&g1g, &g4k));
	cr_assert_not(vb_linux_batchable(&g4k, &g1g));
	cr_assert(vb_linux_batchable(&g4k, &g2m));
	cr_assert(vb_linux_batchable(&g1g, &g1g_big));
}

Test(qemu, linux_append_env_adds_checked_words)
{
	struct vb_argv a = { 0 };
	struct vb_qemu_cfg c = base_cfg(VB_ACCEL_KVM, VB_PS_4K);
	const char *bad[] = { "a;b",	 "quiet $(x)", " lead",	    "trail ", "two  blanks",
			      "-- init", "x -y",       "new\nline", "q\"uote" };

	setenv("VBENCH_LINUX_APPEND", "idle=poll clocksource=tsc tsc=reliable", 1);
	build(c, &a);
	cr_assert_str_eq(value_of(&a, "-append"),
			 "console=ttyS0 panic=-1 quiet idle=poll clocksource=tsc tsc=reliable");
	vb_argv_free(&a);
	c.append = "console=ttyS0 hugepagesz=1G hugepages=1";
	build(c, &a);
	cr_assert_str_eq(value_of(&a, "-append"),
			 "console=ttyS0 hugepagesz=1G hugepages=1 idle=poll clocksource=tsc "
			 "tsc=reliable");
	vb_argv_free(&a);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("VBENCH_LINUX_APPEND", bad[i], 1);
		cr_assert_eq(vb_qemu_argv(&c, &a, err, sizeof(err)), -1, "'%s' accepted", bad[i]);
		cr_assert(strstr(err, "VBENCH_LINUX_APPEND"), "%s", err);
	}
	setenv("VBENCH_LINUX_APPEND", "", 1);
	build(c, &a);
	cr_assert_str_eq(value_of(&a, "-append"), "console=ttyS0 hugepagesz=1G hugepages=1");
	vb_argv_free(&a);
	unsetenv("VBENCH_LINUX_APPEND");
}

/* Under KVM the Linux guest starts stopped, its vCPU threads traced before
 * QMP's cont; without asking, QEMU runs at once. */
Test(qemu, stopped_adds_dash_S)
{
	struct vb_argv a = { 0 };
	struct vb_qemu_cfg c = base_cfg(VB_ACCEL_KVM, VB_PS_4K);

	build(c, &a);
	cr_assert_lt(find(&a, "-S"), 0, "not stopped unless asked");
	vb_argv_free(&a);
	c.stopped = true;
	build(c, &a);
	cr_assert_geq(find(&a, "-S"), 0);
	vb_argv_free(&a);
}
