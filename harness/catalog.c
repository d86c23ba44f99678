/* catalog.c: microbench/'s bench table as catalog entries, the view that
 * the native, Linux and remote guests give of their benches. */
#include "harness/catalog.h"
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
