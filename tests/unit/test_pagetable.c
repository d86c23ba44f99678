/* test_pagetable.c: the micro guest's page-table builder (guests/micro/pagetable.c):
 * build trees with 4K, 2M and 1G leaves, then walk every entry of the tree. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/fixture_pt.h"

TestSuite(pagetable, .init = fx_pt_setup, .fini = fx_pt_teardown);

/* Every leaf in the tree, found by visiting all 512^n entries. */
struct leaf { uint64_t gva, gpa, size, flags; };

static size_t collect(uint64_t table, int level, uint64_t gva_base, uint64_t flags,
		      struct leaf *out, size_t n)
{
	for (unsigned i = 0; i < 512; i++) {
		uint64_t e = *vb_pt_ptr(&pt, table + 8 * i);
		uint64_t gva = gva_base | ((uint64_t)i << (12 + 9 * (level - 1)));

		if (!(e & VB_PTE_P))
			continue;
		if (level == 1 || (e & VB_PTE_PS)) {
			cr_assert(level <= 3, "PS set in a PML4 entry");
			out[n++] =
				(struct leaf){ gva, e & VB_PTE_ADDR, 4096ULL << (9 * (level - 1)),
					       flags & e & (VB_PTE_U | VB_PTE_RW) };
			continue;
		}
		cr_assert(pt.gpa_base <= (e & VB_PTE_ADDR) && (e & VB_PTE_ADDR) < pt.next,
			  "table %#llx outside the pool", (unsigned long long)(e & VB_PTE_ADDR));
		n = collect(e & VB_PTE_ADDR, level - 1, gva, flags & e, out, n);
	}
	return n;
}

/* Map, then check that the tree holds exactly `count` leaves of `size`
 * mapping gva+i*size to gpa+i*size, and that the walker agrees at every leaf. */
static void check_exact(uint64_t gva, uint64_t gpa, uint64_t count, enum vb_page_size leaf)
{
	uint64_t size = vb_page_size_bytes(leaf);
	struct leaf *l = calloc(count + 8, sizeof(*l));
	size_t n;

	cr_assert_eq(vb_pt_map(&pt, root, gva, gpa, count * size, leaf, VB_PTE_RW | VB_PTE_U, err,
			       sizeof(err)),
		     0, "%s", err);
	n = collect(root, 4, 0, VB_PTE_U | VB_PTE_RW, l, 0);
	cr_assert_eq(n, count, "found %zu leaves, mapped %llu", n, (unsigned long long)count);
	for (size_t i = 0; i < n; i++) {
		struct vb_pt_walk w;
		uint64_t off = l[i].gva - gva;

		cr_assert_eq(l[i].size, size, "leaf %zu has size %llu", i,
			     (unsigned long long)l[i].size);
		cr_assert(l[i].gva >= gva && off < count * size && off % size == 0);
		cr_assert_eq(l[i].gpa, gpa + off);
		cr_assert_eq(l[i].flags, VB_PTE_U | VB_PTE_RW);
		/* The walker, at the start, the middle and the last byte of the leaf. */
		for (uint64_t in = 0; in < size; in += size / 2 - 1) {
			cr_assert_eq(vb_pt_walk(&pt, root, l[i].gva + in, &w), 0);
			cr_assert_eq(w.gpa, l[i].gpa + in);
			cr_assert_eq(w.leaf, leaf);
			cr_assert_eq(w.flags, VB_PTE_U | VB_PTE_RW);
		}
		cr_assert_eq(vb_pt_walk(&pt, root, l[i].gva + size - 1, &w), 0);
		cr_assert_eq(w.gpa, l[i].gpa + size - 1);
	}
	free(l);
}

Test(pagetable, leaves_4k)
{
	struct vb_pt_walk w;

	/* 600 pages cross a page-table boundary (512 entries). */
	check_exact(0x40000000 - 88 * 4096, 0x200000, 600, VB_PS_4K);
	cr_assert_eq(vb_pt_walk(&pt, root, 0x40000000 - 89 * 4096, &w), -1);
	cr_assert_eq(vb_pt_walk(&pt, root, 0x40000000 + 512 * 4096, &w), -1);
}

Test(pagetable, leaves_2m)
{
	struct vb_pt_walk w;

	check_exact(G - 3 * M2, 4 * G, 10, VB_PS_2M);
	cr_assert_eq(vb_pt_walk(&pt, root, G + 7 * M2, &w), -1);
	/* The leaf entry's own address, which ptewrite hands to the guest. */
	cr_assert_eq(vb_pt_walk(&pt, root, G, &w), 0);
	cr_assert_eq(*vb_pt_ptr(&pt, w.entry_gpa) & VB_PTE_ADDR, 4 * G + 3 * M2);
	cr_assert(*vb_pt_ptr(&pt, w.entry_gpa) & VB_PTE_PS);
}

Test(pagetable, leaves_1g)
{
	struct vb_pt_walk w;

	check_exact(512 * G, 4 * G, 3, VB_PS_1G);
	cr_assert_eq(vb_pt_walk(&pt, root, 515 * G, &w), -1);
	cr_assert_eq(vb_pt_walk(&pt, root, 512 * G + 0x12345678, &w), 0);
	cr_assert_eq(w.gpa, 4 * G + 0x12345678);
	cr_assert_eq(w.leaf, VB_PS_1G);
}

Test(pagetable, mixed_sizes_in_one_tree)
{
	struct vb_pt_walk w;

	cr_assert_eq(vb_pt_map(&pt, root, 0, 0, 1UL << 20, VB_PS_4K, VB_PTE_RW | VB_PTE_U, err,
			       sizeof(err)),
		     0);
	cr_assert_eq(vb_pt_map(&pt, root, 4 * G, 4 * G, 4 * M2, VB_PS_2M, VB_PTE_RW | VB_PTE_U, err,
			       sizeof(err)),
		     0);
	cr_assert_eq(vb_pt_map(&pt, root, 8 * G, 8 * G, G, VB_PS_1G, VB_PTE_RW, err, sizeof(err)),
		     0);
	cr_assert_eq(vb_pt_walk(&pt, root, 0x5000, &w), 0);
	cr_assert_eq(w.leaf, VB_PS_4K);
	cr_assert_eq(vb_pt_walk(&pt, root, 4 * G + M2 + 5, &w), 0);
	cr_assert_eq(w.leaf, VB_PS_2M);
	cr_assert_eq(w.gpa, 4 * G + M2 + 5);
	cr_assert_eq(vb_pt_walk(&pt, root, 8 * G + 5, &w), 0);
	cr_assert_eq(w.leaf, VB_PS_1G);
	cr_assert_eq(w.flags, VB_PTE_RW, "no U bit asked, none seen");
}

Test(pagetable, refuses_misaligned_and_overlap)
{
	cr_assert_eq(vb_pt_map(&pt, root, M2 + 4096, 0, M2, VB_PS_2M, VB_PTE_RW, err, sizeof(err)),
		     -1);
	cr_assert(strstr(err, "aligned"), "%s", err);
	cr_assert_eq(vb_pt_map(&pt, root, G, G, G, VB_PS_1G, VB_PTE_RW, err, sizeof(err)), 0);
	/* A 4K leaf inside an existing 1G leaf would need to split it. */
	cr_assert_eq(vb_pt_map(&pt, root, G + 4096, 0, 4096, VB_PS_4K, VB_PTE_RW, err, sizeof(err)),
		     -1);
	cr_assert_eq(vb_pt_map(&pt, root, 0, 0, 4096, VB_PS_THP, VB_PTE_RW, err, sizeof(err)), -1);
}

Test(pagetable, pool_exhaustion_and_sizing)
{
	uint64_t len = 3000 * 4096ULL, need = vb_pt_pages_needed(len, VB_PS_4K);

	/* Exactly the estimate (plus the root) fits, at a misaligned start. */
	vb_pt_init(&pt, mem, 0, MEM_SIZE, POOL, POOL + (need + 1) * 4096);
	cr_assert_eq(vb_pt_alloc(&pt, &root), 0);
	cr_assert_eq(
		vb_pt_map(&pt, root, 0x7fff000, 0x1000, len, VB_PS_4K, VB_PTE_RW, err, sizeof(err)),
		0, "%s", err);
	/* A pool of two pages cannot hold PDPT, PD and PT. */
	vb_pt_init(&pt, mem, 0, MEM_SIZE, POOL, POOL + 2 * 4096);
	cr_assert_eq(vb_pt_alloc(&pt, &root), 0);
	cr_assert_eq(vb_pt_map(&pt, root, 0, 0, 4096, VB_PS_4K, VB_PTE_RW, err, sizeof(err)), -1);
	cr_assert(strstr(err, "exhausted"), "%s", err);
	cr_assert_null(vb_pt_ptr(&pt, MEM_SIZE));
}
