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

/* Level of the leaf, counted as x86's (1 for 4K: arm64's level 3). */
static int leaf_level(enum vb_page_size leaf)
{
	switch (leaf) {
	case VB_PS_4K: return 1;
	case VB_PS_2M: return 2;
	case VB_PS_1G: return 3;
	default: return 0;
	}
}

static unsigned idx(uint64_t gva, int level)
{
	return (gva >> (12 + 9 * (level - 1))) & 511;
}

/* The entry for gva at `level`, allocating the tables above it. */
static uint64_t *entry_for(struct vb_pt *pt, uint64_t root, uint64_t gva, int level)
{
	uint64_t table = root;

	for (int l = 4; l > level; l--) {
		uint64_t *e = vb_pt_ptr(pt, table + 8 * idx(gva, l));
		uint64_t page;

		if (!e)
			return NULL;
		if (!(*e & VB_A64_VALID)) {
			if (vb_pt_alloc(pt, &page) < 0)
				return NULL;
			*e = vb_pt_table(page, 0);
		} else if (!(*e & VB_A64_TABLE)) {
			return NULL;	/* already covered by a block */
		}
		table = *e & VB_A64_ADDR;
	}
	return vb_pt_ptr(pt, table + 8 * idx(gva, level));
}

uint64_t vb_pt_leaf(uint64_t gpa, enum vb_page_size leaf, uint64_t flags)
{
	uint64_t e = gpa | VB_A64_ATTR(0) | VB_A64_SH_INNER | VB_A64_AF | VB_A64_NG | VB_A64_VALID;

	if (!(flags & VB_PTE_RW))
		e |= VB_A64_AP_RO;
	/* A page (level 3) has the TABLE bit set; a block (2M, 1G) has it clear. */
	return leaf_level(leaf) == 1 ? e | VB_A64_TABLE : e;
}

uint64_t vb_pt_table(uint64_t gpa, uint64_t flags)
{
	(void)flags;
	return gpa | VB_A64_TABLE | VB_A64_VALID;
}

int vb_pt_map(struct vb_pt *pt, uint64_t root, uint64_t gva, uint64_t gpa, uint64_t len,
	      enum vb_page_size leaf, uint64_t flags, char *err, size_t errlen)
{
	int level = leaf_level(leaf);
	uint64_t size = vb_page_size_bytes(leaf);

	if (!level)
		return vb_errf(err, errlen, "page tables: leaf size %s is not 4k, 2m or 1g",
			       vb_page_size_name(leaf));
	if ((gva | gpa | len) & (size - 1))
		return vb_errf(err, errlen,
			       "page tables: gva %#llx gpa %#llx len %#llx not %s aligned",
			       (unsigned long long)gva, (unsigned long long)gpa,
			       (unsigned long long)len, vb_page_size_name(leaf));
	for (uint64_t off = 0; off < len; off += size) {
		uint64_t *e = entry_for(pt, root, gva + off, level);

		if (!e)
			return vb_errf(err, errlen,
				       "page tables: pool exhausted or overlap at gva %#llx",
				       (unsigned long long)(gva + off));
		*e = vb_pt_leaf(gpa + off, leaf, flags);
	}
	return 0;
}

int vb_pt_walk(const struct vb_pt *pt, uint64_t root, uint64_t gva, struct vb_pt_walk *w)
{
	uint64_t table = root;

	for (int l = 4; l >= 1; l--) {
		uint64_t egpa = table + 8 * idx(gva, l);
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
