/* pagetable.h: the guest's 4-level page tables built by the VMM in guest
 * memory, with 4K, 2M or 1G leaves, and a walker to read them back: x86-64's
 * (pagetable.c) or arm64's stage-1 with the 4K granule (arm64/pagetable.c),
 * whichever the build's architecture is. The VB_PTE_* bits are x86's; the
 * flags vb_pt_map and vb_pt_leaf take are VB_PTE_RW and VB_PTE_U on both. */
#ifndef VB_MICRO_PAGETABLE_H
#define VB_MICRO_PAGETABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/pages.h"

#define VB_PTE_P	0x001ULL
#define VB_PTE_RW	0x002ULL
#define VB_PTE_U	0x004ULL
#define VB_PTE_A	0x020ULL
#define VB_PTE_D	0x040ULL
#define VB_PTE_PS	0x080ULL
#define VB_PTE_ADDR	0x000ffffffffff000ULL

/* Tables live in one contiguous piece of guest memory seen by the host at
 * mem; page-table pages are handed out from [pool, pool_end). */
struct vb_pt {
	uint8_t *mem;		/* host address of GPA gpa_base */
	uint64_t gpa_base, gpa_end;
	uint64_t next, pool_end;/* free pool GPAs */
};

/* What a walk found for one GVA. */
struct vb_pt_walk {
	uint64_t gpa;			/* translated address */
	enum vb_page_size leaf;		/* 4K, 2M or 1G */
	uint64_t flags;			/* U and RW as the CPU sees them (ANDed over levels) */
	uint64_t entry_gpa;		/* where the leaf entry lives */
};

void vb_pt_init(struct vb_pt *pt, void *mem, uint64_t gpa_base, uint64_t gpa_end,
		uint64_t pool, uint64_t pool_end);
/* A zeroed page from the pool; returns 0 and its GPA, or -1 when exhausted. */
int vb_pt_alloc(struct vb_pt *pt, uint64_t *gpa);
/* Map [gva, gva+len) to [gpa, gpa+len) with leaves of that size (4K, 2M, 1G);
 * gva, gpa and len must be aligned to it. flags go on every level's entries. */
int vb_pt_map(struct vb_pt *pt, uint64_t root, uint64_t gva, uint64_t gpa, uint64_t len,
	      enum vb_page_size leaf, uint64_t flags, char *err, size_t errlen);
/* Translate gva through the tree at root; -1 when not mapped. */
int vb_pt_walk(const struct vb_pt *pt, uint64_t root, uint64_t gva, struct vb_pt_walk *w);
/* Pool pages enough for mapping len bytes at one aligned gva with that leaf. */
uint64_t vb_pt_pages_needed(uint64_t len, enum vb_page_size leaf);
/* The entry of this architecture's format for a leaf of that size mapping
 * gpa with flags, and for a table entry pointing at the table page at gpa:
 * what a guest that builds its own tree (ptbuild) writes. */
uint64_t vb_pt_leaf(uint64_t gpa, enum vb_page_size leaf, uint64_t flags);
uint64_t vb_pt_table(uint64_t gpa, uint64_t flags);
/* Each architecture's step down the tree for vb_pt_map: the table under the
 * upper-level entry e, allocated from the pool (with flags) when e is empty;
 * false when e maps a leaf of its own (or the pool is exhausted). */
bool vb_pt_next_table(struct vb_pt *pt, uint64_t *e, uint64_t flags, uint64_t *table);
/* The level of a leaf entry, counted from the bottom: 1 for 4K, 2 for 2M,
 * 3 for 1G (arm64's levels 3, 2, 1); 0 for a size no entry maps. */
static inline int vb_pt_leaf_level(enum vb_page_size leaf)
{
	return leaf == VB_PS_4K ? 1 : leaf == VB_PS_2M ? 2 : leaf == VB_PS_1G ? 3 : 0;
}
/* The index of gva's entry in a table of `level` (1: the leaves of 4K pages),
 * 512 entries a table on both architectures. */
static inline unsigned vb_pt_index(uint64_t gva, int level)
{
	return (gva >> (12 + 9 * (level - 1))) & 511;
}
/* Host pointer of a GPA inside the tables' memory, or NULL. */
uint64_t *vb_pt_ptr(const struct vb_pt *pt, uint64_t gpa);

#endif
