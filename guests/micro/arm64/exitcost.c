/* exitcost.c: the arm64 micro guest's exit-cost kernels, host side, as the
 * x86 ones (guests/micro/exitcost.c) and kvm-unit-tests' arm/micro-bench.c:
 * one instruction repeated `ops` times at EL1, one unit cost each per page
 * mix: an HVC that KVM answers itself, a write to the exit page that only
 * vbench answers, and a TLBI of one page. They share a guest page of data,
 * mapped like ptrchase's, so that pages.verified means what it means for
 * every row. */
#include "guests/micro/micro.h"

VB_GUEST_KERNEL(hypercall);
VB_GUEST_KERNEL(mmio);
VB_GUEST_KERNEL(tlbi);

/* SMCCC_VERSION: a call every KVM/arm64 answers in the kernel. */
#define SMCCC_VERSION 0x80000000ULL

/* The same parameter as x86's exit kernels. */
static const struct vb_param_def params[] = {
	{ .name = "ops", .type = VB_PARAM_U64, .def = 1000, .min = 1, .max = 1UL << 32,
	  .unit = "operations", .help = "instructions (one operation each) per timed pass" },
	{ 0 }
};

static int size(struct vb_micro *m)
{
	vb_micro_size_data(m, m->gsz);
	return 0;
}

/* ARG0 the operations; arg1 what the kernel reads from ARG1. */
static int prepare_with(struct vb_micro *m, uint64_t arg1)
{
	if (vb_micro_map_data(m) < 0)
		return -1;
	m->mb[MB_ARG0 / 8] = vb_micro_param(m, "ops");
	m->mb[MB_ARG1 / 8] = arg1;
	m->ops = m->first_ops = vb_micro_param(m, "ops");
	return 0;
}

static int prepare(struct vb_micro *m)
{
	return prepare_with(m, 0);
}

static int prepare_hypercall(struct vb_micro *m)
{
	return prepare_with(m, SMCCC_VERSION);
}

static int prepare_tlbi(struct vb_micro *m)
{
	return prepare_with(m, VB_G_DATA);
}

#define EXIT_KERNEL(kname, what, kunit, prep) {						\
	.name = #kname, .summary = what, .unit = kunit, .unit_kind = VB_UNIT_NS_PER_OP,	\
	.params = params, .cpl0 = true, .entry = vb_gk_##kname, .size = size,		\
	.prepare = prep }

const struct vb_micro_kernel vb_mk_hypercall =
	EXIT_KERNEL(hypercall, "HVC #0 of SMCCC_VERSION, which KVM/arm64 answers in the kernel, "
		    "at EL1", "ns/exit", prepare_hypercall);
const struct vb_micro_kernel vb_mk_mmio =
	EXIT_KERNEL(mmio, "a write to an address no memory slot backs: a stage-2 fault that "
		    "exits to the VMM and back (x86's portio), at EL1", "ns/exit", prepare);
const struct vb_micro_kernel vb_mk_tlbi =
	EXIT_KERNEL(tlbi, "TLBI VAE1IS of a mapped page between DSBs (x86's invlpg), at EL1",
		    "ns/op", prepare_tlbi);
