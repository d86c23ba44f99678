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

/* What the Linux guest's QEMU is on one architecture, one file each
 * (guests/linux/arch-x86_64.c, guests/linux/arch-arm64.c). */
struct vb_qemu_arch {
	const char *name;		/* lib/arch.h's vb_arch_name(): "x86_64", "arm64" */
	const char *binary;		/* "qemu-system-x86_64" (searched in PATH) */
	/* -machine under KVM and under TCG, before ",memory-backend=ram0". */
	const char *machine_kvm, *machine_tcg;
	const char *console;		/* the kernel console: "ttyS0", "ttyAMA0" */
	/* The report channel is chardev "report" (QEMU's stdout), on a second
	 * serial port when report_serial, else on the -device entries listed;
	 * report_append tells the guest's init where it is ("vbreport=..."). */
	bool report_serial;
	const char *report_devices[3];
	const char *report_append;
};

extern const struct vb_qemu_arch vb_qemu_x86_64, vb_qemu_arm64;

/* The table of the architecture this vbench was built for (vb_arch_name()). */
const struct vb_qemu_arch *vb_qemu_arch_host(void);

struct vb_qemu_cfg {
	const struct vb_qemu_arch *arch;	/* NULL: vb_qemu_arch_host() */
	const char *binary;		/* NULL: the arch's binary (searched in PATH) */
	enum vb_accel accel;
	const char *kernel, *initrd;
	const char *append;		/* NULL: the default console line; then the
				 * arch's report_append and VBENCH_LINUX_APPEND's
				 * words, if set */
	unsigned long mem_mb;		/* guest RAM; rounded up to the backing page size */
	unsigned vcpus;			/* 0: 1 */
	enum vb_page_size host_pages;	/* backing of guest RAM: 4k, thp, 2m, 1g */
	bool hugetlb;			/* 2m means hugetlbfs 2M, not THP */
	const char *plan_path;		/* fw_cfg opt/vbench/plan, or NULL */
	const char *script_path;	/* fw_cfg opt/vbench/script, or NULL */
	const char *console_path;	/* the kernel console goes to this file */
	const char *qmp_path;		/* QMP unix socket QEMU listens on, or NULL */
	bool stopped;			/* -S: the vCPUs wait for QMP's cont */
	/* The report channel (ttyS1, or the arch's) is QEMU's stdout. */
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
 * it can boot Linux in useful time: kvm_intel, kvm_amd or KVM/arm64 with
 * /dev/kvm (not PVM, whose guest kernels run emulated). Where it cannot, -1 with the reason
 * and the remedy; TCG only when asked for. */
int vb_qemu_accel_choose(const char *requested, const struct vb_kvm_state *kvm,
			 enum vb_accel *out, char *why, size_t whylen);
const char *vb_accel_name(enum vb_accel a);

#endif
