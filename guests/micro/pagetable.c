/* pagetable.c: build and walk x86-64 4-level page tables in guest memory
 * (the micro guest's own tables, as in the KVM selftests' virt_pg_map). The
 * pool they come from is ptpool.c; arm64's format is arm64/pagetable.c. */
#include "guests/micro/pagetable.h"
#include "lib/error.h"

#include <string.h>

/* Leaf levels: 1 for 4K (PT), 2 for 2M (PD), 3 for 1G (PDPT). */
uint64_t vb_pt_leaf(uint64_t gpa, enum vb_page_size leaf, uint64_t flags)
{
	return gpa | flags | VB_PTE_P | (leaf != VB_PS_4K ? VB_PTE_PS : 0);
}

uint64_t vb_pt_table(uint64_t gpa, uint64_t flags)
{
	return gpa | (flags & (VB_PTE_RW | VB_PTE_U)) | VB_PTE_P;
}

bool vb_pt_next_table(struct vb_pt *pt, uint64_t *e, uint64_t flags, uint64_t *table)
{
	uint64_t page;

	if (!(*e & VB_PTE_P)) {
		if (vb_pt_alloc(pt, &page) < 0)
			return false;
		*e = vb_pt_table(page, flags);
	} else if (*e & VB_PTE_PS) {
		return false;	/* already covered by a larger leaf */
	}
	*table = *e & VB_PTE_ADDR;
	return true;
}

int vb_pt_walk(const struct vb_pt *pt, uint64_t root, uint64_t gva, struct vb_pt_walk *w)
{
	uint64_t table = root, flags = VB_PTE_U | VB_PTE_RW;

	for (int l = 4; l >= 1; l--) {
		uint64_t egpa = table + 8 * vb_pt_index(gva, l);
		uint64_t *e = vb_pt_ptr(pt, egpa);

		if (!e || !(*e & VB_PTE_P))
			return -1;
		flags &= *e;
		if (l == 1 || (l <= 3 && (*e & VB_PTE_PS))) {
			uint64_t size = 4096ULL << (9 * (l - 1));

			w->gpa = (*e & VB_PTE_ADDR & ~(size - 1)) | (gva & (size - 1));
			w->leaf = l == 1 ? VB_PS_4K : l == 2 ? VB_PS_2M : VB_PS_1G;
			w->flags = flags & (VB_PTE_U | VB_PTE_RW);
			w->entry_gpa = egpa;
			return 0;
		}
		table = *e & VB_PTE_ADDR;
	}
	return -1;
}
