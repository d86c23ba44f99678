/* kernels.c: the table of arm64 micro guest kernels, one line each. Each is
 * a function in arm64/guest.S and a row in its own file: the host sides of
 * ptrchase and gups are the x86 guest's (guests/micro/ptrchase.c, gups.c),
 * which know only the mailbox and the data slot. */
#include "guests/micro/kernels.h"

extern const struct vb_micro_kernel vb_mk_ptrchase;
extern const struct vb_micro_kernel vb_mk_gups;

const struct vb_micro_kernel *const vb_micro_kernels[] = {
	&vb_mk_ptrchase,
	&vb_mk_gups,
	NULL,
};
