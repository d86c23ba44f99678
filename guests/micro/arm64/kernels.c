/* kernels.c: the table of arm64 micro guest kernels, one line each. Each is
 * a function in arm64/guest.S and a row in its own file: the rows and host
 * sides are the x86 guest's (guests/micro/ptrchase.c, ...), which know only
 * the mailbox, the data slot and pagetable.h; the exit-cost kernels are
 * each architecture's own (x86: exitcost.c; arm64: arm64/exitcost.c). */
#include "guests/micro/kernels.h"

extern const struct vb_micro_kernel vb_mk_ptrchase;
extern const struct vb_micro_kernel vb_mk_gups;
extern const struct vb_micro_kernel vb_mk_cr3switch;
extern const struct vb_micro_kernel vb_mk_ptewrite;
extern const struct vb_micro_kernel vb_mk_ptbuild;
extern const struct vb_micro_kernel vb_mk_mmufault;
extern const struct vb_micro_kernel vb_mk_hypercall;
extern const struct vb_micro_kernel vb_mk_mmio;
extern const struct vb_micro_kernel vb_mk_tlbi;

const struct vb_micro_kernel *const vb_micro_kernels[] = {
	&vb_mk_ptrchase,
	&vb_mk_gups,
	&vb_mk_cr3switch,
	&vb_mk_ptewrite,
	&vb_mk_ptbuild,
	&vb_mk_mmufault,
	&vb_mk_hypercall,
	&vb_mk_mmio,
	&vb_mk_tlbi,
	NULL,
};
