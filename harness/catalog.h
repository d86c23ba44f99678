/* catalog.h: benches as the guests of the table run them, with their
 * declared parameters: microbench/ natively and in Linux and remote guests
 * (vb_catalog_bench_at), the micro guest's kernels in the micro guest
 * (guests/micro/kernels.h), and lookups over every guest of the table. */
#ifndef VB_CATALOG_H
#define VB_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include "lib/param.h"

struct vb_catalog_entry {
	const char *name;
	const char *summary;
	const char *unit;
	const struct vb_param_def *params;
	bool cpl0;			/* micro guest kernel that runs at CPL0 */
	bool uses_pages;		/* honours --pages for its memory */
};

/* Entry i of microbench/'s bench table; false past the end. */
bool vb_catalog_bench_at(int i, struct vb_catalog_entry *out);
/* Over every guest of the table (harness/guest.c): */
/* The bench as some guest of the table runs it (the first that has it). */
bool vb_catalog_any(const char *name, struct vb_catalog_entry *out);
/* Known to any guest. */
bool vb_catalog_known(const char *name);
/* "a, b, c (micro guest)" of every bench known anywhere, for error messages. */
void vb_catalog_names(char *buf, size_t len);

#endif
