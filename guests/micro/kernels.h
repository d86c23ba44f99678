/* kernels.h: the micro guest's kernels as declared data (name, summary,
 * unit, parameters), for the plan parser and `vbench list`. */
#ifndef VB_MICRO_KERNELS_H
#define VB_MICRO_KERNELS_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/param.h"

struct vb_point;

struct vb_micro_kernel {
	const char *name;
	const char *summary;
	const char *unit;			/* of the samples: "ns/load", "updates/s", ... */
	const struct vb_param_def *params;	/* NULL-name terminated */
	bool cpl0;				/* runs at CPL0: emulated (slow) on PVM */
	int id;					/* VB_K_* of guests/micro/guest.h */
};

/* Terminated by an entry with name == NULL. */
extern const struct vb_micro_kernel vb_micro_kernels[];
const struct vb_micro_kernel *vb_micro_kernel_find(const char *name);

/* Bytes of host memory the micro guest's data slot maps for this point,
 * rounded up to the host backing's page (hugetlb: 2m means hugetlbfs, as
 * opts->hugetlb): what a hugetlb pool must hold for it. Not the footprint
 * for cr3switch, ptewrite and ptbuild. 0 when the point would not map a
 * data slot (unknown kernel, guest page size not 4k/2m/1g, a ptbuild tree
 * that does not fit). The system slot (tables, code) is always 4K. */
uint64_t vb_micro_data_bytes(const struct vb_point *pt, bool hugetlb);

#endif
