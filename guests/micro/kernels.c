/* kernels.c: the table of micro guest kernels. Data-path kernels run at
 * CPL3 (native speed everywhere), page-table kernels at CPL0. */
#include "guests/micro/kernels.h"
#include "guests/micro/guest.h"

#include <string.h>

/* Same names, meaning and ranges as the native ptrchase and gups benches. */
static const struct vb_param_def ptrchase_params[] = {
	{ .name = "footprint", .type = VB_PARAM_SIZE, .def = 64UL << 20, .min = 64UL << 10,
	  .max = 64UL << 30, .unit = "bytes", .help = "memory the chain spans" },
	{ .name = "layout", .type = VB_PARAM_CHOICE, .def = 0, .choices = "page,line",
	  .help = "page: one cache line per 4K page (TLB-bound); line: every cache line (cache-bound)" },
	{ .name = "loads", .type = VB_PARAM_U64, .def = 1UL << 20, .min = 1000, .max = 1UL << 36,
	  .unit = "loads", .help = "dependent loads per timed pass" },
	{ 0 }
};

static const struct vb_param_def gups_params[] = {
	{ .name = "footprint", .type = VB_PARAM_SIZE, .def = 256UL << 20, .min = 64UL << 10,
	  .max = 64UL << 30, .unit = "bytes", .help = "table size" },
	{ .name = "updates", .type = VB_PARAM_U64, .def = 1UL << 22, .min = 1000, .max = 1UL << 40,
	  .unit = "updates", .help = "updates per timed pass" },
	{ 0 }
};

/* CPL0 defaults are small: on PVM every CPL0 instruction is emulated (~6.5 us). */
static const struct vb_param_def cr3switch_params[] = {
	{ .name = "spaces", .type = VB_PARAM_U64, .def = 4, .min = 2, .max = 512,
	  .unit = "address spaces", .help = "address spaces switched between round robin" },
	{ .name = "switches", .type = VB_PARAM_U64, .def = 1000, .min = 1, .max = 1UL << 32,
	  .unit = "switches", .help = "CR3 writes per timed pass, each followed by a load in the new space" },
	{ 0 }
};

static const struct vb_param_def ptewrite_params[] = {
	{ .name = "entries", .type = VB_PARAM_U64, .def = 16, .min = 1, .max = 512,
	  .unit = "entries", .help = "leaf entries cycled (one table page at most)" },
	{ .name = "iterations", .type = VB_PARAM_U64, .def = 32, .min = 1, .max = 1UL << 32,
	  .unit = "rounds", .help = "rounds over all entries per timed pass" },
	{ 0 }
};

static const struct vb_param_def ptbuild_params[] = {
	{ .name = "pages", .type = VB_PARAM_U64, .def = 1024, .min = 1, .max = 1UL << 20,
	  .unit = "pages", .help = "leaf pages of the tree built, run on and torn down per timed pass" },
	{ 0 }
};

const struct vb_micro_kernel vb_micro_kernels[] = {
	{ "ptrchase", "dependent loads over a random cycle, one cache line per page, at CPL3",
	  "ns/load", ptrchase_params, false, VB_K_PTRCHASE },
	{ "gups", "random read-modify-write updates over a table (HPCC RandomAccess style), at CPL3",
	  "updates/s", gups_params, false, VB_K_GUPS },
	{ "cr3switch", "switch CR3 among N address spaces, touching a page in each (context switch), at CPL0",
	  "ns/switch", cr3switch_params, true, VB_K_CR3SWITCH },
	{ "ptewrite", "clear a leaf entry, INVLPG, set it again and touch the page (munmap + fault), at CPL0",
	  "ns/remap", ptewrite_params, true, VB_K_PTEWRITE },
	{ "ptbuild", "build a page-table tree, run on it touching every page, tear it down (fork + exit), at CPL0",
	  "us/tree", ptbuild_params, true, VB_K_PTBUILD },
	{ 0 }
};

const struct vb_micro_kernel *vb_micro_kernel_find(const char *name)
{
	for (const struct vb_micro_kernel *k = vb_micro_kernels; k->name; k++)
		if (!strcmp(k->name, name))
			return k;
	return NULL;
}
