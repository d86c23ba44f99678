/* prepare.c: what the kernels' size and prepare hooks share: their
 * parameters, the data slot's size and mapping at VB_G_DATA, and the
 * one-instruction exit kernels' parameter and hooks (each architecture's
 * exitcost.c). Apart from micro.c, which runs the kernels. */
#include "guests/micro/micro.h"

uint64_t vb_micro_param(const struct vb_micro *m, const char *name)
{
	return vb_param_get(&m->pt->params, name);
}

void vb_micro_size_data(struct vb_micro *m, uint64_t len)
{
	m->data_len = len;
	m->walk_gva = VB_G_DATA;
	m->walk_len = len;
	m->pt_pages = vb_pt_pages_needed((len + m->gsz - 1) / m->gsz * m->gsz, m->gps);
}

int vb_micro_map_data(struct vb_micro *m)
{
	uint64_t len = (m->data_len + m->gsz - 1) / m->gsz * m->gsz;

	if (vb_pt_map(&m->vm.pt, m->vm.root, VB_G_DATA, VB_G_DATA, len, m->gps,
		      VB_PTE_RW | VB_PTE_U, m->err, sizeof(m->err)) < 0)
		return -1;
	m->walk_root[0] = m->vm.root;
	m->n_walk = 1;
	return 0;
}

/* Small by default: on PVM every CPL0 instruction is emulated (~6.5 us). */
const struct vb_param_def vb_micro_exit_params[] = {
	{ .name = "ops", .type = VB_PARAM_U64, .def = 1000, .min = 1, .max = 1UL << 32,
	  .unit = "operations", .help = "instructions (one operation each) per timed pass" },
	{ 0 }
};

int vb_micro_exit_size(struct vb_micro *m)
{
	vb_micro_size_data(m, m->gsz);
	return 0;
}

int vb_micro_exit_prepare(struct vb_micro *m, uint64_t arg1)
{
	if (vb_micro_map_data(m) < 0)
		return -1;
	m->mb[MB_ARG0 / 8] = vb_micro_param(m, "ops");
	m->mb[MB_ARG1 / 8] = arg1;
	m->ops = m->first_ops = vb_micro_param(m, "ops");
	return 0;
}
