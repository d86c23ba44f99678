/* ptewrite.c: the micro guest's ptewrite kernel, host side: up to 512 leaf
 * entries in one table page under PML4 entry 1, which the guest clears,
 * invalidates and sets again. */
#include "guests/micro/micro.h"
#include "lib/error.h"

#include <string.h>

VB_GUEST_KERNEL(ptewrite);

static const struct vb_param_def params[] = {
	{ .name = "entries", .type = VB_PARAM_U64, .def = 16, .min = 1, .max = 512,
	  .unit = "entries", .help = "leaf entries cycled (one table page at most)" },
	{ .name = "iterations", .type = VB_PARAM_U64, .def = 32, .min = 1, .max = 1UL << 32,
	  .unit = "rounds", .help = "rounds over all entries per timed pass" },
	{ 0 }
};

static int size(struct vb_micro *m)
{
	uint64_t n = vb_micro_param(m, "entries");

	m->data_len = (m->gps == VB_PS_1G ? 1 : n) * m->gsz;
	m->pt_pages = vb_pt_pages_needed(n * m->gsz, m->gps);
	m->walk_gva = VB_G_PRIV;
	m->walk_len = n * m->gsz;
	return 0;
}

static int prepare(struct vb_micro *m)
{
	uint64_t n = vb_micro_param(m, "entries"), frames = m->data_len / m->gsz;
	struct vb_pt_walk w;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t frame = VB_G_DATA + (i % frames) * m->gsz;

		if (vb_pt_map(&m->vm.pt, m->vm.root, VB_G_PRIV + i * m->gsz, frame, m->gsz, m->gps,
			      VB_PTE_RW | VB_PTE_U, m->err, sizeof(m->err)) < 0)
			return -1;
	}
	/* n <= 512 leaves from a 512G-aligned address share one table page. */
	if (vb_pt_walk(&m->vm.pt, m->vm.root, VB_G_PRIV, &w) < 0)
		return vb_errf(m->err, sizeof(m->err), "page tables: private region not mapped");
	memset(m->vm.data.addr, 1, 64);
	m->walk_root[0] = m->vm.root;
	m->n_walk = 1;
	m->mb[MB_ARG0 / 8] = w.entry_gpa;
	m->mb[MB_ARG1 / 8] = n;
	m->mb[MB_ARG2 / 8] = VB_G_PRIV;
	m->mb[MB_ARG3 / 8] = m->gsz;
	m->mb[MB_ARG4 / 8] = vb_micro_param(m, "iterations");
	m->ops = m->first_ops = n * vb_micro_param(m, "iterations");
	return 0;
}

const struct vb_micro_kernel vb_mk_ptewrite = {
	.name = "ptewrite",
	.summary = "clear a leaf entry, INVLPG, set it again and touch the page (munmap + fault), "
		   "at CPL0 (arm64: TLBI VAE1IS between DSBs, at EL1)",
	.unit = "ns/remap",
	.unit_kind = VB_UNIT_NS_PER_OP,
	.params = params,
	.cpl0 = true,
	.entry = vb_gk_ptewrite,
	.size = size,
	.prepare = prepare,
};
