/* catalog.c: one view over the bench table (microbench/) and the micro
 * guest's kernel table (guests/micro/), so the plan and `list` see both. */
#include "harness/catalog.h"
#include "guests/micro/kernels.h"
#include "microbench/bench.h"

#include <stdio.h>
#include <string.h>

static void from_bench(const struct vb_bench *b, struct vb_catalog_entry *out)
{
	*out = (struct vb_catalog_entry){ b->name, b->summary, b->unit, b->params, false, b->uses_pages };
}

static void from_kernel(const struct vb_micro_kernel *k, struct vb_catalog_entry *out)
{
	*out = (struct vb_catalog_entry){ k->name, k->summary, k->unit, k->params, k->cpl0, true };
}

bool vb_catalog_at(enum vb_guest guest, int i, struct vb_catalog_entry *out)
{
	if (guest == VB_GUEST_MICRO) {
		for (int k = 0; vb_micro_kernels[k].name; k++)
			if (k == i) {
				from_kernel(&vb_micro_kernels[k], out);
				return true;
			}
		return false;
	}
	for (int k = 0; vb_benches[k]; k++)
		if (k == i) {
			from_bench(vb_benches[k], out);
			return true;
		}
	return false;
}

bool vb_catalog_find(enum vb_guest guest, const char *name, struct vb_catalog_entry *out)
{
	struct vb_catalog_entry e;

	for (int i = 0; vb_catalog_at(guest, i, &e); i++)
		if (!strcmp(e.name, name)) {
			*out = e;
			return true;
		}
	return false;
}

bool vb_catalog_known(const char *name)
{
	struct vb_catalog_entry e;

	return vb_catalog_find(VB_GUEST_NONE, name, &e) || vb_catalog_find(VB_GUEST_MICRO, name, &e);
}

void vb_catalog_names(char *buf, size_t len)
{
	struct vb_catalog_entry e, other;
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; vb_catalog_at(VB_GUEST_NONE, i, &e); i++)
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s", used ? ", " : "", e.name);
	for (int i = 0; vb_catalog_at(VB_GUEST_MICRO, i, &e); i++) {
		if (vb_catalog_find(VB_GUEST_NONE, e.name, &other))
			continue;
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s (micro guest)",
					 used ? ", " : "", e.name);
	}
}
