/* gups.c: the micro guest's gups kernel, host side: the native bench's
 * table, generator and parameters, updated at CPL3. */
#include "guests/micro/micro.h"
#include "microbench/gups.h"

VB_GUEST_KERNEL(gups);

static int size(struct vb_micro *m)
{
	vb_micro_size_data(m, vb_micro_param(m, "footprint"));
	return 0;
}

static int prepare(struct vb_micro *m)
{
	uint64_t *t = m->vm.data.addr, n = m->data_len / 8;

	if (vb_micro_map_data(m) < 0)
		return -1;
	for (uint64_t i = 0; i < n; i++)
		t[i] = i;
	m->mb[MB_ARG0 / 8] = VB_G_DATA;
	m->mb[MB_ARG1 / 8] = n;
	m->mb[MB_ARG2 / 8] = vb_micro_param(m, "updates");
	m->mb[MB_ARG3 / 8] = m->opts->seed | 1;
	m->ops = m->first_ops = vb_micro_param(m, "updates");
	return 0;
}

const struct vb_micro_kernel vb_mk_gups = {
	.name = "gups",
	.summary =
		"random read-modify-write updates over a table (HPCC RandomAccess style), at CPL3 "
		"(arm64: EL1)",
	.unit = "updates/s",
	.unit_kind = VB_UNIT_OPS_PER_SEC,
	.params = vb_gups_params,
	.entry = vb_gk_gups,
	.first_pass_metric = "first_pass_updates_per_s",
	.size = size,
	.prepare = prepare,
};
