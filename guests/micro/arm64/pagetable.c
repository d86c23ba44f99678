/* pagetable.c: build and walk arm64 stage-1 tables in guest memory, 4K
 * granule and 48-bit VA (levels 0-3, as x86's four), with 4K pages and 2M or
 * 1G blocks: the arm64 side of guests/micro/pagetable.h. The flags of
 * vb_pt_map keep x86's names: VB_PTE_RW (clear: AP[2], read-only) and
 * VB_PTE_U, which is not encoded, since every arm64 kernel runs at EL1 and
 * a page EL0 may write is one EL1 may not execute. Leaves are not global
 * (nG): their TLB entries belong to the ASID they were walked under, which
 * is what lets cr3switch and ptbuild switch TTBR0 without a flush. */
#include "guests/micro/arm64/arm64.h"
#include "guests/micro/pagetable.h"
#include "lib/error.h"

#include <stdbool.h>

bool vb_pt_next_table(struct vb_pt *pt, uint64_t *e, uint64_t flags, uint64_t *table)
{
	uint64_t page;

	if (!(*e & VB_A64_VALID)) {
		if (vb_pt_alloc(pt, &page) < 0)
			return false;
		*e = vb_pt_table(page, flags);
	} else if (!(*e & VB_A64_TABLE)) {
		return false;	/* already covered by a block */
	}
	*table = *e & VB_A64_ADDR;
	return true;
}

uint64_t vb_pt_leaf(uint64_t gpa, enum vb_page_size leaf, uint64_t flags)
{
	uint64_t e = gpa | VB_A64_ATTR(0) | VB_A64_SH_INNER | VB_A64_AF | VB_A64_NG | VB_A64_VALID;

	if (!(flags & VB_PTE_RW))
		e |= VB_A64_AP_RO;
	/* A page (level 3) has the TABLE bit set; a block (2M, 1G) has it clear. */
	return leaf == VB_PS_4K ? e | VB_A64_TABLE : e;
}

uint64_t vb_pt_table(uint64_t gpa, uint64_t flags)
{
	(void)flags;
	return gpa | VB_A64_TABLE | VB_A64_VALID;
}

int vb_pt_walk(const struct vb_pt *pt, uint64_t root, uint64_t gva, struct vb_pt_walk *w)
{
	uint64_t table = root;

	for (int l = 4; l >= 1; l--) {
		uint64_t egpa = table + 8 * vb_pt_index(gva, l);
		uint64_t *e = vb_pt_ptr(pt, egpa);
		bool leaf;

		if (!e || !(*e & VB_A64_VALID))
			return -1;
		/* Level 0 has no blocks with the 4K granule: such an entry faults. */
		if (l == 4 && !(*e & VB_A64_TABLE))
			return -1;
		leaf = l == 1 ? (*e & VB_A64_TABLE) != 0 : !(*e & VB_A64_TABLE);
		if (l == 1 && !leaf)
			return -1;	/* a level-3 entry with the TABLE bit clear is reserved */
		if (leaf) {
			uint64_t size = 4096ULL << (9 * (l - 1));

			w->gpa = (*e & VB_A64_ADDR & ~(size - 1)) | (gva & (size - 1));
			w->leaf = l == 1 ? VB_PS_4K : l == 2 ? VB_PS_2M : VB_PS_1G;
			w->flags = (*e & VB_A64_AP_RO ? 0 : VB_PTE_RW) |
				   (*e & VB_A64_AP_EL0 ? VB_PTE_U : 0);
			w->entry_gpa = egpa;
			return 0;
		}
		table = *e & VB_A64_ADDR;
	}
	return -1;
}
