/* mmufault.c: the micro guest's mmufault kernel, host side: `pages` guest
 * pages (32K apart at least) that KVM is made to forget before every pass (the data slot is
 * deleted and added again), so that each pass's first touch of each is a
 * fault the hypervisor handles: a hidden page fault under shadow paging, a
 * nested one (EPT violation, NPF) under SLAT. At CPL3: native on PVM too. */
#include "guests/micro/micro.h"

VB_GUEST_KERNEL(mmufault);

static const struct vb_param_def params[] = {
	{ .name = "pages", .type = VB_PARAM_U64, .def = 256, .min = 1, .max = 1UL << 18,
	  .unit = "pages", .help = "guest pages touched, each for the first time, per timed pass" },
	{ 0 }
};

/* Bytes between the pages touched: on a shadow fault KVM also maps the 8
 * neighbouring 4K entries of the guest's table, which would hide 7 of 8
 * faults of consecutive 4K pages. */
static uint64_t stride(const struct vb_micro *m)
{
	return m->gsz < 8 * 4096 ? 8 * 4096 : m->gsz;
}

static int size(struct vb_micro *m)
{
	vb_micro_size_data(m, vb_micro_param(m, "pages") * stride(m));
	return 0;
}

static int prepare(struct vb_micro *m)
{
	if (vb_micro_map_data(m) < 0)
		return -1;
	m->mb[MB_ARG0 / 8] = vb_micro_param(m, "pages");
	m->mb[MB_ARG1 / 8] = VB_G_DATA;
	m->mb[MB_ARG2 / 8] = stride(m);
	m->ops = m->first_ops = vb_micro_param(m, "pages");
	return 0;
}

static int before_pass(struct vb_micro *m, uint64_t ops)
{
	(void)ops;
	return vb_vm_data_forget(&m->vm, m->err, sizeof(m->err));
}

const struct vb_micro_kernel vb_mk_mmufault = {
	.name = "mmufault",
	.summary = "first touch of guest pages KVM has not mapped (a shadow or a nested page "
		   "fault each), at CPL3 (arm64: EL1)",
	.unit = "ns/fault",
	.unit_kind = VB_UNIT_NS_PER_OP,
	.params = params,
	.entry = vb_gk_mmufault,
	.size = size,
	.prepare = prepare,
	.before_pass = before_pass,
};
