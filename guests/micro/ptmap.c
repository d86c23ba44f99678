/* ptmap.c: vb_pt_map, the same walk down four levels of 512 entries for
 * x86's tables (pagetable.c) and arm64's with the 4K granule
 * (arm64/pagetable.c); each architecture gives its entries' format
 * (vb_pt_leaf) and its step down the tree (vb_pt_next_table), and the pages
 * come from ptpool.c. */
#include "guests/micro/pagetable.h"
#include "lib/error.h"

/* The entry for gva at `level`, allocating the tables above it. */
static uint64_t *entry_for(struct vb_pt *pt, uint64_t root, uint64_t gva, int level, uint64_t flags)
{
	uint64_t table = root;

	for (int l = 4; l > level; l--) {
		uint64_t *e = vb_pt_ptr(pt, table + 8 * vb_pt_index(gva, l));

		if (!e || !vb_pt_next_table(pt, e, flags, &table))
			return NULL;
	}
	return vb_pt_ptr(pt, table + 8 * vb_pt_index(gva, level));
}

int vb_pt_map(struct vb_pt *pt, uint64_t root, uint64_t gva, uint64_t gpa, uint64_t len,
	      enum vb_page_size leaf, uint64_t flags, char *err, size_t errlen)
{
	int level = vb_pt_leaf_level(leaf);
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
