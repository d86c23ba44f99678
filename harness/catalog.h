/* catalog.h: which benches each guest can run, with their declared
 * parameters: microbench/ natively and in Linux guests, the micro guest's kernels. */
#ifndef VB_CATALOG_H
#define VB_CATALOG_H

#include <stdbool.h>
#include "harness/backend.h"
#include "lib/param.h"

struct vb_catalog_entry {
	const char *name;
	const char *summary;
	const char *unit;
	const struct vb_param_def *params;
	bool cpl0;			/* micro guest kernel that runs at CPL0 */
	bool uses_pages;		/* honours --pages for its memory */
};

/* The bench as the given guest runs it (VB_GUEST_NONE: natively); false when
 * that guest has no such bench. */
bool vb_catalog_find(enum vb_guest guest, const char *name, struct vb_catalog_entry *out);
/* Known anywhere. */
bool vb_catalog_known(const char *name);
/* Iterate: entry i of a guest's list; false past the end. */
bool vb_catalog_at(enum vb_guest guest, int i, struct vb_catalog_entry *out);
/* "a, b, c" of every bench known anywhere, for error messages. */
void vb_catalog_names(char *buf, size_t len);

#endif
