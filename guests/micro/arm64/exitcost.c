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

static int prepare(struct vb_micro *m)
{
	return vb_micro_exit_prepare(m, 0);
}

static int prepare_hypercall(struct vb_micro *m)
{
	return vb_micro_exit_prepare(m, SMCCC_VERSION);
}

static int prepare_tlbi(struct vb_micro *m)
{
	return vb_micro_exit_prepare(m, VB_G_DATA);
}

#define EXIT_KERNEL(kname, what, kunit, prep) {						\
	.name = #kname, .summary = what, .unit = kunit, .unit_kind = VB_UNIT_NS_PER_OP,	\
	.params = vb_micro_exit_params, .cpl0 = true, .entry = vb_gk_##kname,		\
	.size = vb_micro_exit_size,							\
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
