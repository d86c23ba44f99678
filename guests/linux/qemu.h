/* qemu.h: the QEMU command line for a Linux guest, built as an argv (one
 * element per entry, never a shell string), and the choice of accelerator. */
#ifndef VB_QEMU_H
#define VB_QEMU_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/modes.h"
#include "harness/spawn.h"
#include "lib/pages.h"

enum vb_accel { VB_ACCEL_KVM, VB_ACCEL_TCG };

struct vb_qemu_cfg {
	const char *binary;		/* NULL: "qemu-system-x86_64" (searched in PATH) */
	enum vb_accel accel;
	const char *kernel, *initrd;
	const char *append;		/* NULL: the default console line; then
				 * VBENCH_LINUX_APPEND's words, if set */
	unsigned long mem_mb;		/* guest RAM; rounded up to the backing page size */
	unsigned vcpus;			/* 0: 1 */
	enum vb_page_size host_pages;	/* backing of guest RAM: 4k, thp, 2m, 1g */
	bool hugetlb;			/* 2m means hugetlbfs 2M, not THP */
	const char *plan_path;		/* fw_cfg opt/vbench/plan, or NULL */
	const char *script_path;	/* fw_cfg opt/vbench/script, or NULL */
	const char *console_path;	/* ttyS0 (kernel console) goes to this file */
	const char *qmp_path;		/* QMP unix socket QEMU listens on, or NULL */
	bool stopped;			/* -S: the vCPUs wait for QMP's cont */
	/* The report channel (ttyS1) is QEMU's stdout. */
};

/* The memory backend QEMU is given for a host page size: "memory-backend-ram"
 * or "memory-backend-memfd" with its properties, e.g.
 * "memory-backend-memfd,id=ram0,size=1024M,hugetlb=on,hugetlbsize=2M,prealloc=on".
 * mem_mb is rounded up to a whole number of pages. Returns -1 for a page size
 * that cannot back guest RAM. */
int vb_qemu_memory_object(enum vb_page_size host, bool hugetlb, unsigned long *mem_mb,
			  char *buf, size_t len, char *err, size_t errlen);

/* Build the whole argv. Returns 0, or -1 with err (nothing to free then). */
int vb_qemu_argv(const struct vb_qemu_cfg *cfg, struct vb_argv *out, char *err, size_t errlen);

/* Which accelerator: "kvm", "tcg" or NULL (automatic: kvm). KVM only where
 * it can boot Linux in useful time: kvm_intel or kvm_amd with /dev/kvm (not
 * PVM, whose guest kernels run emulated). Where it cannot, -1 with the reason
 * and the remedy; TCG only when asked for. */
int vb_qemu_accel_choose(const char *requested, const struct vb_kvm_state *kvm,
			 enum vb_accel *out, char *why, size_t whylen);
const char *vb_accel_name(enum vb_accel a);

#endif
