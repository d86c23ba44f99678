/* kernels.h: the micro guest's kernels as declared data (name, summary,
 * unit, parameters), for the plan parser and `vbench list`. */
#ifndef VB_MICRO_KERNELS_H
#define VB_MICRO_KERNELS_H

#include <stdbool.h>

#include "lib/param.h"

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

#endif
