/* exitcost.c: the micro guest's exit-cost kernels, host side, as
 * kvm-unit-tests' x86/vmexit.c has them: one instruction repeated `ops`
 * times at CPL0 (cpuid, a hypercall, port I/O, an MSR read, CR3 writes with
 * and without PCID, INVLPG), one unit cost each per mode and page mix. They
 * share a guest page of data, mapped like ptrchase's, so that pages.verified
 * means what it means for every row. */
#include "guests/micro/micro.h"

#include <stdio.h>

VB_GUEST_KERNEL(cpuid);
VB_GUEST_KERNEL(hypercall);
VB_GUEST_KERNEL(portio);
VB_GUEST_KERNEL(rdmsr);
VB_GUEST_KERNEL(cr3write);
VB_GUEST_KERNEL(cr3pcid);
VB_GUEST_KERNEL(invlpg);

/* IA32_APIC_BASE: every mode intercepts its reads and KVM answers them in
 * the kernel, with or without an in-kernel APIC. */
#define MSR_APIC_BASE 0x1b

static int prepare(struct vb_micro *m)
{
	return vb_micro_exit_prepare(m, 0);
}

static int prepare_hypercall(struct vb_micro *m)
{
	return vb_micro_exit_prepare(m, m->vm.amd);
}

static int prepare_rdmsr(struct vb_micro *m)
{
	return vb_micro_exit_prepare(m, MSR_APIC_BASE);
}

static int prepare_invlpg(struct vb_micro *m)
{
	return vb_micro_exit_prepare(m, VB_G_DATA);
}

static bool pcid_valid(const struct vb_micro *m, char *why, size_t len)
{
	if (m->vm.pcid)
		return true;
	snprintf(why, len, "this KVM does not offer PCID to its guests (KVM_GET_SUPPORTED_CPUID "
		 "leaf 1 has no pcid): cr3pcid needs it");
	return false;
}

static bool hypercall_valid(const struct vb_micro *m, char *why, size_t len)
{
	if (m->flavour != VB_KVM_PVM)
		return true;
	snprintf(why, len, "under PVM a VMCALL from the guest's kernel mode does not return to the "
		 "guest: run where KVM is kvm_intel or kvm_amd (the lab: make lab-run)");
	return false;
}

#define EXIT_KERNEL(kname, what, kunit, prep, ...) {					\
	.name = #kname, .summary = what, .unit = kunit, .unit_kind = VB_UNIT_NS_PER_OP,	\
	.params = vb_micro_exit_params, .cpl0 = true, .entry = vb_gk_##kname,		\
	.size = vb_micro_exit_size,							\
	.prepare = prep, __VA_ARGS__ }

const struct vb_micro_kernel vb_mk_cpuid =
	EXIT_KERNEL(cpuid, "CPUID leaf 0: an exit in every mode, at CPL0", "ns/exit", prepare);
const struct vb_micro_kernel vb_mk_hypercall =
	EXIT_KERNEL(hypercall, "a KVM hypercall that does nothing (VMCALL, or VMMCALL on AMD), "
		    "at CPL0", "ns/exit", prepare_hypercall, .valid = hypercall_valid);
const struct vb_micro_kernel vb_mk_portio =
	EXIT_KERNEL(portio, "OUT to a port no device claims: an exit to the VMM and back, at CPL0",
		    "ns/exit", prepare);
const struct vb_micro_kernel vb_mk_rdmsr =
	EXIT_KERNEL(rdmsr, "RDMSR of IA32_APIC_BASE, answered by KVM in the kernel, at CPL0",
		    "ns/exit", prepare_rdmsr);
const struct vb_micro_kernel vb_mk_cr3write =
	EXIT_KERNEL(cr3write, "MOV to CR3 of the tree it holds, no PCID (a TLB flush; an exit "
		    "under shadow paging), at CPL0", "ns/op", prepare);
const struct vb_micro_kernel vb_mk_cr3pcid =
	EXIT_KERNEL(cr3pcid, "MOV to CR3 with PCIDs 1 and 2 in turn and no flush (an exit under "
		    "shadow paging), at CPL0", "ns/op", prepare, .valid = pcid_valid);
const struct vb_micro_kernel vb_mk_invlpg =
	EXIT_KERNEL(invlpg, "INVLPG of a mapped page (an exit under shadow paging), at CPL0",
		    "ns/op", prepare_invlpg);
