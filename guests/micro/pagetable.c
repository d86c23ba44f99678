/* pagetable.c: build and walk x86-64 4-level page tables in guest memory
 * (the micro guest's own tables, as in the KVM selftests' virt_pg_map). The
 * pool they come from is ptpool.c; arm64's format is arm64/pagetable.c. */
#include "guests/micro/pagetable.h"
#include "lib/error.h"

#include <string.h>

/* Level of the leaf entry: 1 for 4K (PT), 2 for 2M (PD), 3 for 1G (PDPT). */
static int leaf_level(enum vb_page_size leaf)
{
	switch (leaf) {
	case VB_PS_4K: return 1;
	case VB_PS_2M: return 2;
	case VB_PS_1G: return 3;
	default: return 0;
	}
}

uint64_t vb_pt_leaf(uint64_t gpa, enum vb_page_size leaf, uint64_t flags)
{
	return gpa | flags | VB_PTE_P | (leaf_level(leaf) > 1 ? VB_PTE_PS : 0);
}

uint64_t vb_pt_table(uint64_t gpa, uint64_t flags)
{
	return gpa | (flags & (VB_PTE_RW | VB_PTE_U)) | VB_PTE_P;
}

static unsigned idx(uint64_t gva, int level)
{
	return (gva >> (12 + 9 * (level - 1))) & 511;
}

/* The entry for gva at `level`, allocating the tables above it. */
static uint64_t *entry_for(struct vb_pt *pt, uint64_t root, uint64_t gva, int level, uint64_t flags)
{
	uint64_t table = root;

	for (int l = 4; l > level; l--) {
		uint64_t *e = vb_pt_ptr(pt, table + 8 * idx(gva, l));
		uint64_t page;

		if (!e)
			return NULL;
		if (!(*e & VB_PTE_P)) {
			if (vb_pt_alloc(pt, &page) < 0)
				return NULL;
			*e = vb_pt_table(page, flags);
		} else if (*e & VB_PTE_PS) {
			return NULL;	/* already covered by a larger leaf */
		}
		table = *e & VB_PTE_ADDR;
	}
	return vb_pt_ptr(pt, table + 8 * idx(gva, level));
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
		uint64_t *e = entry_for(pt, root, gva + off, level, flags);

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
	uint64_t table = root, flags = VB_PTE_U | VB_PTE_RW;

	for (int l = 4; l >= 1; l--) {
		uint64_t egpa = table + 8 * idx(gva, l);
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
