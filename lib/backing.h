/* backing.h: memory with a chosen backing page size, and what the kernel
 * actually gave, read back from /proc/self/smaps. Shared by the native
 * benches (the process's own pages) and the micro guest (guest RAM's host backing).
 * Vocabulary as in the kernel's KVM selftests. */
#ifndef VB_BACKING_H
#define VB_BACKING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/pages.h"

enum vb_backing {
	VB_BACKING_ANON, /* "anonymous": 4K, MADV_NOHUGEPAGE so THP cannot change it */
	VB_BACKING_THP, /* "anonymous_thp": 2M-aligned, MADV_HUGEPAGE */
	VB_BACKING_HUGETLB_2M, /* "anonymous_hugetlb_2mb": MAP_HUGETLB|MAP_HUGE_2MB */
	VB_BACKING_HUGETLB_1G, /* "anonymous_hugetlb_1gb": MAP_HUGETLB|MAP_HUGE_1GB */
};

/* Which backing a page size request means: 4k->ANON, thp->THP,
 * 2m->THP (or HUGETLB_2M when hugetlb), 1g->HUGETLB_1G. */
enum vb_backing vb_backing_for(enum vb_page_size ps, bool hugetlb);
const char *vb_backing_name(enum vb_backing b);
/* The bytes of the pages a backing maps, the one place they are derived:
 * 4K, 2M (THP and hugetlb 2M) or 1G. vb_mem_alloc rounds a length to them. */
size_t vb_backing_page_bytes(enum vb_backing b);
/* Whether it maps from a hugetlb pool, of vb_backing_page_bytes pages. */
bool vb_backing_is_hugetlb(enum vb_backing b);
/* The mmap flags that ask for its pages: MAP_HUGETLB with the size for a
 * hugetlb backing, 0 for the others (they take madvise instead). */
int vb_backing_mmap_flags(enum vb_backing b);
/* "4K", "2M" or "1G": a page size in messages. */
const char *vb_page_bytes_word(size_t page_bytes);

struct vb_mem {
	void *addr;
	size_t len;		/* rounded up to the backing's page size */
	enum vb_backing backing;
};

/* What smaps says covers [addr, addr+len). */
struct vb_mem_verified {
	uint64_t bytes_4k, bytes_2m, bytes_1g;	/* resident bytes by page size */
	uint64_t rss;				/* resident bytes in the range */
	enum vb_page_size size; /* the size covering >= 99% of rss; VB_PS_NONE if mixed */
};

/* Map len bytes with that backing. On failure err says what to do, e.g. for
 * missing hugepages the exact command that reserves them; errno is kept
 * (ENOMEM from a hugetlb backing means the pool is short; from a 4K or THP
 * backing, that len is more than the memory available: MemAvailable). */
int vb_mem_alloc(struct vb_mem *m, size_t len, enum vb_backing b, char *err, size_t errlen);
void vb_mem_free(struct vb_mem *m);
/* Write one byte per 4K page so every page is resident (faults them in). */
void vb_mem_touch(struct vb_mem *m);
/* Read back page sizes for the range from /proc/self/smaps. */
int vb_mem_verify(const struct vb_mem *m, struct vb_mem_verified *out, char *err, size_t errlen);
/* The same for [lo, hi) of another process (pid 0: this one), read from its
 * smaps: anonymous, THP, shmem/file PMD and hugetlb pages. */
int vb_smaps_range(pid_t pid, uintptr_t lo, uintptr_t hi, struct vb_mem_verified *out, char *err,
		   size_t errlen);
/* The same for the first mapping of exactly len bytes in pid's smaps (QEMU
 * maps a guest's RAM block as one), found and measured in one reading (the
 * process may end between two). Returns 1, 0 when there is no such mapping
 * (or the process has ended), -1 with err. */
int vb_smaps_sized(pid_t pid, uint64_t len, struct vb_mem_verified *out, char *err,
		   size_t errlen);

/* Hugepage pool for a size ("hugepages-2048kB"): free pages, or -1 if the size is absent. */
long vb_hugepages_free(size_t page_bytes);
/* Bytes of memory available for new allocations (/proc/meminfo's
 * MemAvailable), or -1 when unknown. */
long long vb_mem_available(void);
/* Reserve so that at least `need` pages of that size are free (root). A
 * growth that would leave less than VB_MEM_KEEP_FREE of the available memory
 * (or of 256 MiB, whichever is more) is refused with ENOMEM before the pool
 * changes: the pool is pinned for the whole run. */
#define VB_MEM_KEEP_FREE 8	/* 1/8 */
int vb_hugepages_reserve(size_t page_bytes, long need, char *err, size_t errlen);
/* The pool's size (nr_hugepages), or -1 if the size is absent; and setting it
 * (root). */
long vb_hugepages_total(size_t page_bytes);
int vb_hugepages_set_total(size_t page_bytes, long total, char *err, size_t errlen);
/* vb_hugepages_reserve, saying in *added how many pages the pool grew by (0
 * when it did not; the kernel may give fewer than asked, and then this
 * returns -1 with err but *added still counts what it gave). */
int vb_hugepages_grow(size_t page_bytes, long need, long *added, char *err, size_t errlen);
/* Give back the `added` pages a vb_hugepages_grow put in the pool: pages
 * others added since stay. 0, or -1 with err (the pool is left as it is). */
int vb_hugepages_give_back(size_t page_bytes, long added, char *err, size_t errlen);

#endif
