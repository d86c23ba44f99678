/* kernels.c: the table of x86 micro guest kernels, one line each. Each kernel
 * is a function in guest.S and a row in its own file here (ptrchase.c, ...).
 * arm64's table is guests/micro/arm64/kernels.c; lookup.c reads either. */
#include "guests/micro/kernels.h"

extern const struct vb_micro_kernel vb_mk_ptrchase;
extern const struct vb_micro_kernel vb_mk_gups;
extern const struct vb_micro_kernel vb_mk_cr3switch;
extern const struct vb_micro_kernel vb_mk_ptewrite;
extern const struct vb_micro_kernel vb_mk_ptbuild;
extern const struct vb_micro_kernel vb_mk_cpuid;
extern const struct vb_micro_kernel vb_mk_hypercall;
extern const struct vb_micro_kernel vb_mk_portio;
extern const struct vb_micro_kernel vb_mk_rdmsr;
extern const struct vb_micro_kernel vb_mk_cr3write;
extern const struct vb_micro_kernel vb_mk_cr3pcid;
extern const struct vb_micro_kernel vb_mk_invlpg;
extern const struct vb_micro_kernel vb_mk_mmufault;

const struct vb_micro_kernel *const vb_micro_kernels[] = {
	&vb_mk_ptrchase,
	&vb_mk_gups,
	&vb_mk_cr3switch,
	&vb_mk_ptewrite,
	&vb_mk_ptbuild,
	&vb_mk_cpuid,
	&vb_mk_hypercall,
	&vb_mk_portio,
	&vb_mk_rdmsr,
	&vb_mk_cr3write,
	&vb_mk_cr3pcid,
	&vb_mk_invlpg,
	&vb_mk_mmufault,
	NULL,
};
