/* kernels.h: the micro guest's kernels as declared data, in the shape of
 * kvm-unit-tests' x86/vmexit.c tests[]: a guest function, a row that names
 * it, and the host-side hooks that size, prepare and judge a point. */
#ifndef VB_MICRO_KERNELS_H
#define VB_MICRO_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/pages.h"
#include "lib/param.h"
#include "microbench/bench.h"

struct vb_point;
struct vb_micro;

struct vb_micro_kernel {
	const char *name;
	const char *summary;
	const char *unit;			/* of the samples: "ns/load", "updates/s", ... */
	enum vb_unit_kind unit_kind;		/* how (ns, ops) of a pass make a sample */
	const struct vb_param_def *params;	/* NULL-name terminated; a native bench's own */
	bool cpl0;				/* runs at CPL0: emulated (slow) on PVM */
	const unsigned char *entry;		/* its function in guest.S (VB_GUEST_KERNEL) */
	/* extra key of the untimed first pass, in the unit; NULL: "first_pass". */
	const char *first_pass_metric;
	/* extra key of the median ns per finer operation (prepare sets
	 * m->sub_ops, how many per op); NULL: none. */
	const char *sub_metric;
	/* Sizes from the point alone, before the VM exists: m->data_len,
	 * m->pt_pages, m->walk_gva and m->walk_len. -1 with m->err when the
	 * point cannot be run. Also what vb_micro_data_bytes() reports. */
	int (*size)(struct vb_micro *m);
	/* The data slot exists (resident) and the mailbox is m->mb: build the
	 * tables and the data, write the arguments, set m->ops, m->first_ops
	 * and the walk roots. -1 with m->err. */
	int (*prepare)(struct vb_micro *m);
	/* Optional, before every pass (untimed): ops is what that pass does. */
	int (*before_pass)(struct vb_micro *m, uint64_t ops);
	/* Optional, after the VM exists: false with why when this host cannot
	 * run the kernel (the row is skipped with that reason). */
	bool (*valid)(const struct vb_micro *m, char *why, size_t len);
	/* Optional: the guest bytes by leaf size (gb[VB_PS_4K..VB_PS_1G]) and
	 * the guest size when the tables vbench built are not what the kernel
	 * runs on; returns pages.source. NULL: walk m->walk_root[]. */
	const char *(*verify)(const struct vb_micro *m, uint64_t gb[4], enum vb_page_size *g);
};

/* Terminated by NULL. */
extern const struct vb_micro_kernel *const vb_micro_kernels[];
const struct vb_micro_kernel *vb_micro_kernel_find(const char *name);

/* Bytes of host memory the micro guest's data slot maps for this point,
 * rounded up to the host backing's page (hugetlb: 2m means hugetlbfs, as
 * opts->hugetlb): what a hugetlb pool must hold for it. Not the footprint
 * for cr3switch, ptewrite and ptbuild. 0 when the point would not map a
 * data slot (unknown kernel, guest page size not 4k/2m/1g, a ptbuild tree
 * that does not fit). The system slot (tables, code) is always 4K. */
uint64_t vb_micro_data_bytes(const struct vb_point *pt, bool hugetlb);

/* The i-th kernel as the bench catalog shows it (the micro guest's bench_at);
 * false past the last. */
struct vb_catalog_entry;
bool vb_micro_kernel_at(int i, struct vb_catalog_entry *out);

#endif
