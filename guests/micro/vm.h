/* vm.h: one micro guest on /dev/kvm: a system slot (tables, code, stacks),
 * a data slot with the requested host backing, one vCPU (x86: long mode;
 * arm64: EL1 with the MMU on). vm.c is the VM; each architecture's vcpu.c
 * (guests/micro/vcpu.c, guests/micro/arm64/vcpu.c) is the vCPU. */
#ifndef VB_MICRO_VM_H
#define VB_MICRO_VM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guests/micro/pagetable.h"
#include "lib/backing.h"

struct vb_vm {
	int kvm_fd, vm_fd, vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *sys;			/* slot 0, GPA 0 */
	size_t sys_size;
	struct vb_mem data;		/* slot 1, GPA VB_G_DATA */
	bool have_data;
	struct vb_pt pt;		/* builds tables in the system slot */
	uint64_t root;			/* GPA of the PML4 the guest starts on */
	/* The guest's timestamp counter frequency: x86's TSC (KVM_GET_TSC_KHZ),
	 * arm64's virtual counter CNTVCT_EL0 (CNTFRQ_EL0). */
	uint32_t tsc_khz;
	bool gbpages;			/* guest 1G leaves work (x86: KVM offers Page1GB) */
	bool pcid;			/* x86: KVM offers PCID: CR4.PCIDE can be set */
	bool amd;			/* x86: the CPU is AMD's (or Hygon's): VMMCALL */
	unsigned asid_bits;		/* arm64: the TLB's ASID width, 8 or 16; x86: 0 */
	volatile sig_atomic_t *stop; /* when set (Ctrl-C), vb_vm_run ends the pass; NULL: never */
};

/* Why vb_vm_run returned. */
enum vb_vm_exit {
	VB_VM_DONE,		/* the guest finished a pass (OUT to VB_G_PORT_DONE) */
	VB_VM_EXCEPTION,	/* guest exception, described in err */
	VB_VM_TIMEOUT,		/* no report within the timeout; the vCPU was kicked out */
	VB_VM_ERROR,		/* KVM_RUN failed or an unexpected exit; err says which */
	VB_VM_INTERRUPTED,	/* *vm->stop was set; err is "interrupted" */
};

/* Open /dev/kvm, create the VM, the system slot (page-table pool sized for
 * pt_pages pages; 4K host pages, MADV_NOHUGEPAGE) and the vCPU with KVM's
 * supported CPUID. -1 with err on failure. */
int vb_vm_create(struct vb_vm *vm, uint64_t pt_pages, char *err, size_t errlen);
/* smaps of the system slot: -1 with err when any of it is on huge host pages. */
int vb_vm_sys_check(const struct vb_vm *vm, char *err, size_t errlen);
/* Slot 1 at VB_G_DATA: len bytes with that backing (len rounded up to it). */
int vb_vm_add_data(struct vb_vm *vm, size_t len, enum vb_backing b, char *err, size_t errlen);
/* Delete the data slot and add it again, memory untouched: KVM has then
 * mapped none of it (mmufault's fresh pages). -1 with err. */
int vb_vm_data_forget(struct vb_vm *vm, char *err, size_t errlen);
/* Host pointer of a guest-physical address, NULL outside the slots. */
void *vb_vm_gpa(const struct vb_vm *vm, uint64_t gpa, size_t len);
/* The architecture's vCPU (its vcpu.c). */
/* Once the vCPU exists, from vb_vm_create: x86 sets KVM's CPUID and reads the
 * TSC frequency; arm64 initialises the vCPU as KVM's preferred target and maps
 * the exit page. -1 with err. */
int vb_vcpu_init(struct vb_vm *vm, char *err, size_t errlen);
/* Registers for a kernel at the guest's user level (cpl3: x86's CPL3 with
 * user segments and IOPL 3) or its kernel level: x86's GDT, IDT, TSS,
 * control registers, segments, RIP and RSP; arm64's system registers (MMU on
 * vm->root), PC and SP at EL1, where every arm64 kernel runs (cpl3 is not
 * used). Call after the tables are built. */
int vb_vcpu_setup(struct vb_vm *vm, bool cpl3, char *err, size_t errlen);
/* What a KVM_RUN exit other than KVM_EXIT_INTR means: true when the pass ends,
 * with *e (VB_VM_EXCEPTION and VB_VM_ERROR described in err); false when the
 * guest is to be entered again (an exit for its own sake). */
bool vb_vcpu_exit(struct vb_vm *vm, enum vb_vm_exit *e, char *err, size_t errlen);
/* One KVM_RUN until the guest's next report; timeout_s 0 means none.
 * Returns VB_VM_INTERRUPTED, before entering the guest or when a signal
 * (SIGINT) brings the vCPU out, once *vm->stop is set. */
enum vb_vm_exit vb_vm_run(struct vb_vm *vm, double timeout_s, char *err, size_t errlen);
void vb_vm_destroy(struct vb_vm *vm);

#endif
