/* lookup.c: the micro guest's kernel table (vb_micro_kernels[], one per
 * architecture: guests/micro/kernels.c, guests/micro/arm64/kernels.c) read by
 * name and by position, for the run and for the bench catalog. */
#include "guests/micro/kernels.h"
#include "harness/catalog.h"

#include <string.h>

const struct vb_micro_kernel *vb_micro_kernel_find(const char *name)
{
	for (int i = 0; vb_micro_kernels[i]; i++)
		if (!strcmp(vb_micro_kernels[i]->name, name))
			return vb_micro_kernels[i];
	return NULL;
}

bool vb_micro_kernel_at(int i, struct vb_catalog_entry *out)
{
	for (int k = 0; vb_micro_kernels[k]; k++)
		if (k == i) {
			const struct vb_micro_kernel *m = vb_micro_kernels[k];

			*out = (struct vb_catalog_entry){ m->name,   m->summary, m->unit,
							  m->params, m->cpl0,	 true };
			return true;
		}
	return false;
}
