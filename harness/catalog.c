/* catalog.c: one view over the bench table (microbench/) and the micro
 * guest's kernel table (guests/micro/), through the guest table, so the plan
 * and `list` see every bench the same way. */
#include "harness/catalog.h"
#include "harness/guest.h"
#include "guests/micro/kernels.h"
#include "microbench/bench.h"

#include <stdio.h>
#include <string.h>

bool vb_catalog_bench_at(int i, struct vb_catalog_entry *out)
{
	for (int k = 0; vb_benches[k]; k++)
		if (k == i) {
			const struct vb_bench *b = vb_benches[k];

			*out = (struct vb_catalog_entry){ b->name,   b->summary, b->unit,
							  b->params, false,	 b->uses_pages };
			return true;
		}
	return false;
}

bool vb_catalog_kernel_at(int i, struct vb_catalog_entry *out)
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

bool vb_catalog_any(const char *name, struct vb_catalog_entry *out)
{
	for (int g = 0; vb_guests[g]; g++)
		if (vb_guest_bench(vb_guests[g], name, out))
			return true;
	return false;
}

bool vb_catalog_known(const char *name)
{
	struct vb_catalog_entry e;

	return vb_catalog_any(name, &e);
}

/* Benches of the guests before g that have this name already. */
static bool listed_before(int g, const char *name)
{
	struct vb_catalog_entry e;

	for (int k = 0; k < g; k++)
		if (vb_guest_bench(vb_guests[k], name, &e))
			return true;
	return false;
}

void vb_catalog_names(char *buf, size_t len)
{
	struct vb_catalog_entry e;
	size_t used = 0;

	buf[0] = '\0';
	for (int g = 0; vb_guests[g]; g++)
		for (int i = 0; vb_guests[g]->bench_at(i, &e); i++) {
			if (listed_before(g, e.name))
				continue;
			used += (size_t)snprintf(buf + used, used < len ? len - used : 0,
						 "%s%s%s%s%s", used ? ", " : "", e.name,
						 g ? " (" : "", g ? vb_guests[g]->name : "",
						 g ? " guest)" : "");
		}
}
