/* prepare.c: what the kernels' size and prepare hooks share: their
 * parameters, the leaf level of a page size, and the data slot's size and
 * mapping at VB_G_DATA. Apart from micro.c, which runs the kernels. */
#include "guests/micro/micro.h"

uint64_t vb_micro_param(const struct vb_micro *m, const char *name)
{
	return vb_param_get(&m->pt->params, name);
}

int vb_micro_leaf_level(enum vb_page_size ps)
{
	return ps == VB_PS_4K ? 1 : ps == VB_PS_2M ? 2 : 3;
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
