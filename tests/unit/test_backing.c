/* test_backing.c: memory with a chosen page size, verified from smaps (lib/backing.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/backing.h"
#include "tests/unit/hostlock.h"

#define MB (1UL << 20)

static char err[512];

Test(backing, names_and_mapping_from_pages)
{
	cr_assert_eq(vb_backing_for(VB_PS_4K, false), VB_BACKING_ANON);
	cr_assert_eq(vb_backing_for(VB_PS_4K, true), VB_BACKING_ANON);
	cr_assert_eq(vb_backing_for(VB_PS_2M, false), VB_BACKING_THP);
	cr_assert_eq(vb_backing_for(VB_PS_2M, true), VB_BACKING_HUGETLB_2M);
	cr_assert_eq(vb_backing_for(VB_PS_THP, false), VB_BACKING_THP);
	cr_assert_eq(vb_backing_for(VB_PS_1G, false), VB_BACKING_HUGETLB_1G);
	cr_assert_str_eq(vb_backing_name(VB_BACKING_ANON), "anonymous");
	cr_assert_str_eq(vb_backing_name(VB_BACKING_THP), "anonymous_thp");
	cr_assert_str_eq(vb_backing_name(VB_BACKING_HUGETLB_2M), "anonymous_hugetlb_2mb");
	cr_assert_str_eq(vb_backing_name(VB_BACKING_HUGETLB_1G), "anonymous_hugetlb_1gb");
}

/* The one place a backing's page size, pool and mmap flags are derived. */
Test(backing, page_size_pool_and_flags_of_a_backing)
{
	long added = 5;

	cr_assert_eq(vb_backing_page_bytes(VB_BACKING_ANON), 4096);
	cr_assert_eq(vb_backing_page_bytes(VB_BACKING_THP), 2 * MB);
	cr_assert_eq(vb_backing_page_bytes(VB_BACKING_HUGETLB_2M), 2 * MB);
	cr_assert_eq(vb_backing_page_bytes(VB_BACKING_HUGETLB_1G), 1024 * MB);
	cr_assert(!vb_backing_is_hugetlb(VB_BACKING_ANON));
	cr_assert(!vb_backing_is_hugetlb(VB_BACKING_THP));
	cr_assert(vb_backing_is_hugetlb(VB_BACKING_HUGETLB_2M));
	cr_assert(vb_backing_is_hugetlb(VB_BACKING_HUGETLB_1G));
	cr_assert_eq(vb_backing_mmap_flags(VB_BACKING_ANON), 0);
	cr_assert_eq(vb_backing_mmap_flags(VB_BACKING_THP), 0);
	cr_assert_eq(vb_backing_mmap_flags(VB_BACKING_HUGETLB_2M), MAP_HUGETLB | (21 << 26));
	cr_assert_eq(vb_backing_mmap_flags(VB_BACKING_HUGETLB_1G), MAP_HUGETLB | (30 << 26));
	cr_assert_str_eq(vb_page_bytes_word(2 * MB), "2M");
	cr_assert_str_eq(vb_page_bytes_word(1024 * MB), "1G");
	/* Nothing added, nothing given back: the pool is not even read. */
	cr_assert_eq(vb_hugepages_give_back(2 * MB, 0, err, sizeof(err)), 0);
	/* A page size no pool has: not grown, and said so. */
	cr_assert_eq(vb_hugepages_grow(3 * MB, 1, &added, err, sizeof(err)), -1);
	cr_assert_eq(added, 0);
}

Test(backing, anon_4k_is_verified_4k)
{
	struct vb_mem m;
	struct vb_mem_verified v;

	cr_assert_eq(vb_mem_alloc(&m, 16 * MB + 100, VB_BACKING_ANON, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(m.len % 4096, 0);
	cr_assert_geq(m.len, 16 * MB + 100);
	/* Untouched: nothing resident, so no size can be claimed. */
	cr_assert_eq(vb_mem_verify(&m, &v, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(v.rss, 0);
	cr_assert_eq(v.size, VB_PS_NONE);

	vb_mem_touch(&m);
	cr_assert_eq(vb_mem_verify(&m, &v, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(v.rss, m.len, "rss %lu, len %zu", (unsigned long)v.rss, m.len);
	cr_assert_eq(v.bytes_4k, m.len);
	cr_assert_eq(v.bytes_2m, 0);
	cr_assert_eq(v.size, VB_PS_4K);
	vb_mem_free(&m);
	cr_assert_null(m.addr);
}

static bool thp_available(void)
{
	char buf[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return !strstr(buf, "[never]") && buf[0];
}

Test(backing, thp_is_verified_2m)
{
	struct vb_mem m;
	struct vb_mem_verified v;

	vb_test_host_lock(false);
	if (!thp_available())
		cr_skip_test("THP is off here (/sys/kernel/mm/transparent_hugepage/enabled is "
			     "never or absent)");
	cr_assert_eq(vb_mem_alloc(&m, 32 * MB, VB_BACKING_THP, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq((uintptr_t)m.addr % (2 * MB), 0, "THP mapping not 2M aligned");
	vb_mem_touch(&m);
	cr_assert_eq(vb_mem_verify(&m, &v, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(v.rss, m.len);
	cr_assert_eq(v.size, VB_PS_2M, "THP not obtained: 4k %lu 2m %lu",
		     (unsigned long)v.bytes_4k, (unsigned long)v.bytes_2m);
	vb_mem_free(&m);
}

Test(backing, verify_only_counts_the_range)
{
	struct vb_mem a, b;
	struct vb_mem_verified v;

	/* Two separately touched mappings: each verifies to its own size only. */
	cr_assert_eq(vb_mem_alloc(&a, 8 * MB, VB_BACKING_ANON, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(vb_mem_alloc(&b, 4 * MB, VB_BACKING_ANON, err, sizeof(err)), 0, "%s", err);
	vb_mem_touch(&a);
	vb_mem_touch(&b);
	cr_assert_eq(vb_mem_verify(&b, &v, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(v.rss, 4 * MB, "rss %lu", (unsigned long)v.rss);
	vb_mem_free(&a);
	vb_mem_free(&b);
}

/* Another process's mapping found by its size and measured in one reading
 * (QEMU's RAM): then the same process gone, as a zombie (its smaps empty)
 * and reaped (no smaps): no mapping, or an error, never a mapping of zeros. */
Test(backing, a_mapping_found_by_size_in_another_process)
{
	const size_t len = 7 * MB + 3 * 4096, touched = 5 * 4096;
	struct vb_mem_verified v;
	int ready[2];
	pid_t pid;
	char c;

	cr_assert_eq(pipe(ready), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fd = memfd_create("vbench-test", 0);
		char *p;

		if (fd < 0 || ftruncate(fd, (off_t)len) < 0)
			_exit(1);
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			_exit(1);
		for (size_t off = 0; off < touched; off += 4096)
			p[off] = 1;
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)	/* until the parent's SIGKILL */
			pause();
	}
	cr_assert_eq(read(ready[0], &c, 1), 1);
	cr_expect_eq(vb_smaps_sized(pid, len, &v, err, sizeof(err)), 1, "%s", err);
	cr_expect_eq(v.rss, touched, "rss %lu", (unsigned long)v.rss);
	cr_expect_eq(v.size, VB_PS_4K);
	cr_expect_eq(vb_smaps_sized(pid, len + 4096, &v, err, sizeof(err)), 0);
	kill(pid, SIGKILL);
	/* A zombie has no memory map left. */
	for (int i = 0; i < 200 && vb_smaps_sized(pid, len, &v, err, sizeof(err)) == 1; i++)
		usleep(10000);
	cr_expect_eq(vb_smaps_sized(pid, len, &v, err, sizeof(err)), 0);
	cr_assert_eq(waitpid(pid, NULL, 0), pid);
	cr_expect_eq(vb_smaps_sized(pid, len, &v, err, sizeof(err)), -1);
	cr_expect(strstr(err, "cannot read smaps") != NULL, "%s", err);
	close(ready[0]);
	close(ready[1]);
}

Test(backing, zero_length_is_refused)
{
	struct vb_mem m;

	cr_assert_eq(vb_mem_alloc(&m, 0, VB_BACKING_ANON, err, sizeof(err)), -1);
	cr_assert(strlen(err) > 0);
}

/* nr_hugepages after writing total to it ourselves, without lib/backing.c:
 * what the kernel grants, to tell a host without the memory from a bug. */
static long kernel_grants(size_t page, long total)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%zukB/nr_hugepages",
		 page / 1024);
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%ld\n", total);
		fclose(f);
	}
	return vb_hugepages_total(page);
}

/* Hugetlb: reserve when root, restore the pool after; skip with a reason otherwise. */
static void hugetlb_case(size_t page, enum vb_backing b, enum vb_page_size want)
{
	long before, granted;
	struct vb_mem m;
	struct vb_mem_verified v;
	int rc;

	/* The pool is host-wide: no other test changes or relies on it meanwhile. */
	vb_test_host_lock(true);
	before = vb_hugepages_total(page);
	if (before < 0)
		cr_skip_test("no %zukB hugepage pool on this kernel", page / 1024);
	if (vb_hugepages_free(page) < 1) {
		if (geteuid() != 0)
			cr_skip_test("no free %zukB hugepages and not root to reserve one",
				     page / 1024);
		if (vb_hugepages_reserve(page, 1, err, sizeof(err)) < 0) {
			/* A skip only when the kernel itself cannot give the page
			 * (1G needs 1G of free, aligned memory); else a failure. */
			granted = kernel_grants(page, before + 1);
			vb_hugepages_set_total(page, before, NULL, 0);
			if (granted < before + 1)
				cr_skip_test("the kernel has no memory for one more %zukB hugepage "
					     "(asked for %ld, "
					     "got %ld): %s",
					     page / 1024, before + 1, granted, err);
			cr_assert_fail(
				"vb_hugepages_reserve failed where the kernel grants the page: %s",
				err);
		}
	}
	rc = vb_mem_alloc(&m, page, b, err, sizeof(err));
	if (rc == 0) {
		vb_mem_touch(&m);
		rc = vb_mem_verify(&m, &v, err, sizeof(err));
		vb_mem_free(&m);
	}
	/* Restore before asserting, so a failure leaves the host as it was. */
	if (vb_hugepages_total(page) != before)
		cr_assert_eq(vb_hugepages_set_total(page, before, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(rc, 0, "%s", err);
	cr_assert_eq(v.rss, page);
	cr_assert_eq(v.size, want, "got 4k %lu 2m %lu 1g %lu", (unsigned long)v.bytes_4k,
		     (unsigned long)v.bytes_2m, (unsigned long)v.bytes_1g);
}

Test(backing, hugetlb_2m_is_verified_2m)
{
	hugetlb_case(2 * MB, VB_BACKING_HUGETLB_2M, VB_PS_2M);
}

/* Run before the 1G case reserves anything, in the same test: tests run in
 * parallel and both read the 1G pool. */
static void missing_hugepages_name_the_command(void)
{
	size_t page = 1024 * MB;
	long before = vb_hugepages_total(page);
	long nfree = vb_hugepages_free(page);
	struct vb_mem m;
	char want[256];

	if (before < 0)
		return;
	/* Ask for one more page than the pool has free, whatever its state. */
	cr_assert_eq(vb_mem_alloc(&m, (size_t)(nfree + 1) * page, VB_BACKING_HUGETLB_1G, err,
				  sizeof(err)),
		     -1, "mapping more 1G pages than are free succeeded");
	cr_assert_eq(errno, ENOMEM);
	snprintf(want, sizeof(want),
		 "no free 1G hugepages (need %ld, have %ld): reserve them with: "
		 "echo %ld > /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages "
		 "(or pass --reserve-hugepages as root)",
		 nfree + 1, nfree, before + 1);
	cr_assert_str_eq(err, want);
}

Test(backing, hugetlb_1g_is_verified_1g)
{
	missing_hugepages_name_the_command();
	hugetlb_case(1024 * MB, VB_BACKING_HUGETLB_1G, VB_PS_1G);
}

