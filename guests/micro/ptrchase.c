/* ptrchase.c: the micro guest's ptrchase kernel, host side: the native
 * bench's chain (same builder, seed and parameters) in the data slot, walked
 * at CPL3. */
#include "guests/micro/micro.h"
#include "lib/error.h"
#include "microbench/ptrchase.h"

VB_GUEST_KERNEL(ptrchase);

static int size(struct vb_micro *m)
{
	vb_micro_size_data(m, vb_micro_param(m, "footprint"));
	return 0;
}

static int prepare(struct vb_micro *m)
{
	size_t stride = vb_micro_param(m, "layout") == 1 ? 64 : 4096;
	size_t nodes = m->data_len / stride;
	uint8_t *base = m->vm.data.addr;
	uint8_t *first;

	if (vb_micro_map_data(m) < 0)
		return -1;
	first = vb_ptrchase_build(base, nodes, stride, m->opts->seed);
	/* The native builder links host pointers: make them guest addresses. */
	for (size_t i = 0; i < nodes; i++) {
		uint64_t *slot = vb_ptrchase_node(base, i, stride);

		*slot = *slot - (uintptr_t)base + VB_G_DATA;
	}
	m->mb[MB_ARG0 / 8] = (uint64_t)(first - base) + VB_G_DATA;
	m->first_ops = nodes;	/* the first pass walks the whole cycle: every page faults in */
	m->ops = vb_micro_param(m, "loads");
	return 0;
}

/* The first pass is longer than the others; the guest carries the chase on. */
static int before_pass(struct vb_micro *m, uint64_t ops)
{
	m->mb[MB_ARG1 / 8] = ops;
	return 0;
}

const struct vb_micro_kernel vb_mk_ptrchase = {
	.name = "ptrchase",
	.summary = "dependent loads over a random cycle, one cache line per page, at CPL3 "
		   "(arm64: EL1)",
	.unit = "ns/load",
	.unit_kind = VB_UNIT_NS_PER_OP,
	.params = vb_ptrchase_params,
	.entry = vb_gk_ptrchase,
	.first_pass_metric = "first_pass_ns_per_load",
	.size = size,
	.prepare = prepare,
	.before_pass = before_pass,
};
