/* ptbuild.c: the micro guest's ptbuild kernel, host side: a contiguous pool
 * in which the guest builds, runs on and tears down a tree of `pages` leaves
 * that alias a power-of-two set of data frames. */
#include "guests/micro/micro.h"
#include "lib/error.h"

VB_GUEST_KERNEL(ptbuild);

static const struct vb_param_def params[] = {
	{ .name = "pages", .type = VB_PARAM_U64, .def = 1024, .min = 1, .max = 1UL << 20,
	  .unit = "pages",
	  .help = "leaf pages of the tree built, run on and torn down per timed pass" },
	{ 0 }
};

/* Leaves alias a power-of-two set of frames of at most 32M. */
static uint64_t frames(const struct vb_micro *m)
{
	uint64_t f = 1, cap = (32ULL << 20) / m->gsz, leaves = vb_micro_param(m, "pages");

	while (f * 2 <= leaves && f * 2 <= cap)
		f *= 2;
	return f;
}

static int size(struct vb_micro *m)
{
	uint64_t leaves = vb_micro_param(m, "pages"), n = leaves, pages = 1;

	/* PML4 entries 1..511, 512G each, from VB_G_PRIV on. */
	if (leaves > 511 * ((512ULL << 30) / m->gsz))
		return vb_errf(m->err, sizeof(m->err),
			       "ptbuild maps its tree in PML4 entries 1-511 (511 x 512G): "
			       "%llu pages of %s do not fit",
			       (unsigned long long)leaves, vb_page_size_name(m->gps));
	m->data_len = frames(m) * m->gsz;
	for (int l = vb_pt_leaf_level(m->gps); l <= 3; l++) {
		n = (n + 511) / 512;
		pages += n;
	}
	m->pt_pages = pages + 2;
	return 0;
}

static int prepare(struct vb_micro *m)
{
	uint64_t pool, page;
	int level = vb_pt_leaf_level(m->gps);

	/* The guest needs the pool contiguous: the pool allocator hands out in order. */
	if (vb_pt_alloc(&m->vm.pt, &pool) < 0)
		return vb_errf(m->err, sizeof(m->err), "page tables: pool exhausted");
	for (uint64_t i = 1; i + 2 < m->pt_pages; i++)
		if (vb_pt_alloc(&m->vm.pt, &page) < 0 || page != pool + i * 4096)
			return vb_errf(m->err, sizeof(m->err), "page tables: pool exhausted");
	m->mb[MB_ARG0 / 8] = pool;
	m->mb[MB_ARG1 / 8] = vb_micro_param(m, "pages");
	m->mb[MB_ARG2 / 8] = (uint64_t)level;
	m->mb[MB_ARG3 / 8] = vb_pt_leaf(VB_G_DATA, m->gps, VB_PTE_RW | VB_PTE_U);
	m->mb[MB_ARG4 / 8] = frames(m) - 1;
	m->mb[MB_ARG5 / 8] = vb_pt_table(0, VB_PTE_RW | VB_PTE_U);
	m->ops = m->first_ops = 1;
	m->sub_ops = vb_micro_param(m, "pages");
	return 0;
}

/* The guest builds and tears down that tree itself; the leaf level is what
 * we handed it. */
static const char *verify(const struct vb_micro *m, uint64_t gb[4], enum vb_page_size *g)
{
	*g = m->gps;
	gb[m->gps] = vb_micro_param(m, "pages") * m->gsz;
	return "kernel-args+smaps";
}

const struct vb_micro_kernel vb_mk_ptbuild = {
	.name = "ptbuild",
	.summary = "build a page-table tree, run on it touching every page, tear it down "
		   "(fork + exit), at CPL0 (arm64: EL1, the tree on its own ASID)",
	.unit = "us/tree",
	.unit_kind = VB_UNIT_US_PER_OP,
	.params = params,
	.cpl0 = true,
	.entry = vb_gk_ptbuild,
	.sub_metric = "ns_per_page",
	.size = size,
	.prepare = prepare,
	.verify = verify,
};
