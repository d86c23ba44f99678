/* ptpool.c: the pool of page-table pages in guest memory that the micro
 * guest's tables come from, and how many a mapping needs: the same for x86's
 * 4-level tables (pagetable.c) and arm64's with the 4K granule
 * (arm64/pagetable.c), 512 entries of 8 bytes per 4K table at every level. */
#include "guests/micro/pagetable.h"

#include <string.h>

void vb_pt_init(struct vb_pt *pt, void *mem, uint64_t gpa_base, uint64_t gpa_end,
		uint64_t pool, uint64_t pool_end)
{
	pt->mem = mem;
	pt->gpa_base = gpa_base;
	pt->gpa_end = gpa_end;
	pt->next = pool;
	pt->pool_end = pool_end;
}

uint64_t *vb_pt_ptr(const struct vb_pt *pt, uint64_t gpa)
{
	if (gpa < pt->gpa_base || gpa + 8 > pt->gpa_end)
		return NULL;
	return (uint64_t *)(pt->mem + (gpa - pt->gpa_base));
}

int vb_pt_alloc(struct vb_pt *pt, uint64_t *gpa)
{
	uint64_t *p;

	if (pt->next + 4096 > pt->pool_end)
		return -1;
	p = vb_pt_ptr(pt, pt->next);
	if (!p)
		return -1;
	memset(p, 0, 4096);
	*gpa = pt->next;
	pt->next += 4096;
	return 0;
}

uint64_t vb_pt_pages_needed(uint64_t len, enum vb_page_size leaf)
{
	int level = vb_pt_leaf_level(leaf);
	uint64_t n = len / (vb_page_size_bytes(leaf) ? vb_page_size_bytes(leaf) : 4096) + 1;
	uint64_t pages = 0;

	/* One more table per level than a perfectly aligned range needs. */
	for (int l = level; l <= 3; l++) {
		n = (n + 511) / 512;
		pages += n + 1;
	}
	return pages + 1;
}
