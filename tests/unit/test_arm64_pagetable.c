/* test_arm64_pagetable.c: the arm64 micro guest's stage-1 table builder
 * (guests/micro/arm64/pagetable.c, 4K granule) on any host: the arm64 file is
 * compiled into this test (its vb_pt_* stand in for the host's x86 ones).
 * The tree is read back by a decoder written from the Arm ARM's descriptor
 * formats, not by the builder's own walker. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "guests/micro/arm64/pagetable.c"
#include "tests/unit/fixture_pt.h"

#define OA		0x0000fffffffff000ULL	/* output address, bits 47:12 */

TestSuite(arm64_pagetable, .init = fx_pt_setup, .fini = fx_pt_teardown);

struct leaf { uint64_t va, pa, size, desc; };

/* Every translation of the tree, arm64 levels 0 (lvl 0) to 3: bits 1:0 are
 * 0b11 for a table (levels 0-2) or a page (level 3), 0b01 for a block
 * (levels 1 and 2 only with the 4K granule), bit 0 clear for invalid. */
static size_t collect(uint64_t table, int lvl, uint64_t va_base, struct leaf *out, size_t n)
{
	for (unsigned i = 0; i < 512; i++) {
		uint64_t e = *vb_pt_ptr(&pt, table + 8 * i);
		uint64_t va = va_base | ((uint64_t)i << (39 - 9 * lvl));
		uint64_t size = 1ULL << (39 - 9 * lvl);

		if (!(e & 1))
			continue;
		if (lvl == 3 || (e & 3) == 1) {
			cr_assert(lvl == 3 ? (e & 3) == 3 : lvl >= 1,
				  "level %d entry %#llx is no valid leaf", lvl,
				  (unsigned long long)e);
			out[n++] = (struct leaf){ va, e & OA & ~(size - 1), size, e };
			continue;
		}
		cr_assert(pt.gpa_base <= (e & OA) && (e & OA) < pt.next,
			  "table %#llx outside the pool", (unsigned long long)(e & OA));
		n = collect(e & OA, lvl + 1, va, out, n);
	}
	return n;
}

/* The attributes every leaf must carry: AttrIndx 0 (MAIR's normal memory),
 * inner shareable, the access flag, not global, EL0 no access, and AP[2]
 * (read-only) exactly when no RW was asked. */
static void check_attrs(uint64_t d, bool rw)
{
	cr_assert_eq((d >> 2) & 7, 0, "AttrIndx");
	cr_assert_eq((d >> 8) & 3, 3, "SH: inner shareable");
	cr_assert(d & (1 << 10), "AF");
	cr_assert(d & (1 << 11), "nG");
	cr_assert_eq((d >> 6) & 1, 0, "AP[1]: EL0 has no access");
	cr_assert_eq((d >> 7) & 1, !rw, "AP[2]");
	cr_assert_eq(d >> 48, 0, "upper attributes");
}

static void check_exact(uint64_t va, uint64_t pa, uint64_t count, enum vb_page_size leaf)
{
	uint64_t size = vb_page_size_bytes(leaf);
	struct leaf *l = calloc(count + 8, sizeof(*l));
	size_t n;

	cr_assert_eq(vb_pt_map(&pt, root, va, pa, count * size, leaf, VB_PTE_RW | VB_PTE_U, err,
			       sizeof(err)),
		     0, "%s", err);
	n = collect(root, 0, 0, l, 0);
	cr_assert_eq(n, count, "found %zu leaves, mapped %llu", n, (unsigned long long)count);
	for (size_t i = 0; i < n; i++) {
		struct vb_pt_walk w;
		uint64_t off = l[i].va - va;

		cr_assert_eq(l[i].size, size);
		cr_assert(l[i].va >= va && off < count * size && off % size == 0);
		cr_assert_eq(l[i].pa, pa + off);
		check_attrs(l[i].desc, true);
		cr_assert_eq(vb_pt_walk(&pt, root, l[i].va + size - 1, &w), 0);
		cr_assert_eq(w.gpa, l[i].pa + size - 1);
		cr_assert_eq(w.leaf, leaf);
		cr_assert_eq(w.flags, VB_PTE_RW, "RW seen, U never encoded");
		cr_assert_eq(*vb_pt_ptr(&pt, w.entry_gpa), l[i].desc);
	}
	free(l);
}

Test(arm64_pagetable, pages_4k)
{
	struct vb_pt_walk w;

	/* 600 pages cross a level-3 table's boundary (512 entries). */
	check_exact(G - 88 * 4096, 0x200000, 600, VB_PS_4K);
	cr_assert_eq(vb_pt_walk(&pt, root, G - 89 * 4096, &w), -1);
}

Test(arm64_pagetable, blocks_2m)
{
	check_exact(G - 3 * M2, 4 * G, 10, VB_PS_2M);
}

Test(arm64_pagetable, blocks_1g_beyond_level0_entry_0)
{
	/* 512G on: level-0 entry 1, where cr3switch, ptewrite and ptbuild map. */
	check_exact(512 * G, 4 * G, 3, VB_PS_1G);
}

Test(arm64_pagetable, read_only_and_mixed)
{
	struct leaf l[8];

	cr_assert_eq(vb_pt_map(&pt, root, 0, 0, 4096, VB_PS_4K, 0, err, sizeof(err)), 0);
	cr_assert_eq(vb_pt_map(&pt, root, 4 * G, 4 * G, M2, VB_PS_2M, VB_PTE_RW, err, sizeof(err)),
		     0);
	cr_assert_eq(collect(root, 0, 0, l, 0), 2);
	check_attrs(l[0].desc, false);
	check_attrs(l[1].desc, true);
	cr_assert_eq(l[1].size, M2);
}

Test(arm64_pagetable, entries_the_guest_writes)
{
	/* ptbuild's leaf template and table entries: as the builder writes them. */
	cr_assert_eq(vb_pt_leaf(0x5000, VB_PS_4K, VB_PTE_RW) & 3, 3, "a page");
	cr_assert_eq(vb_pt_leaf(M2, VB_PS_2M, VB_PTE_RW) & 3, 1, "a block");
	cr_assert_eq(vb_pt_leaf(G, VB_PS_1G, VB_PTE_RW) & OA, G);
	check_attrs(vb_pt_leaf(G, VB_PS_1G, VB_PTE_RW), true);
	cr_assert_eq(vb_pt_table(0x7000, VB_PTE_RW | VB_PTE_U), 0x7003);
}

Test(arm64_pagetable, refuses_misaligned_and_overlap)
{
	struct vb_pt_walk w;

	cr_assert_eq(vb_pt_map(&pt, root, M2 + 4096, 0, M2, VB_PS_2M, VB_PTE_RW, err, sizeof(err)),
		     -1);
	cr_assert(strstr(err, "aligned"), "%s", err);
	cr_assert_eq(vb_pt_map(&pt, root, G, G, G, VB_PS_1G, VB_PTE_RW, err, sizeof(err)), 0);
	/* A page inside an existing block would need to split it. */
	cr_assert_eq(vb_pt_map(&pt, root, G + 4096, 0, 4096, VB_PS_4K, VB_PTE_RW, err, sizeof(err)),
		     -1);
	cr_assert_eq(vb_pt_map(&pt, root, 0, 0, 4096, VB_PS_THP, VB_PTE_RW, err, sizeof(err)), -1);
	/* A block at level 0 does not exist with the 4K granule: the walker says so. */
	*vb_pt_ptr(&pt, root + 8 * 2) = (2 * 512 * G) | 1;
	cr_assert_eq(vb_pt_walk(&pt, root, 2 * 512 * G, &w), -1);
}
