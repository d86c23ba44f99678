/* vm.h: one micro guest on /dev/kvm: a system slot (tables, code, stacks),
 * a data slot with the requested host backing, one vCPU in long mode. */
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
	uint32_t tsc_khz;		/* guest TSC frequency, from KVM_GET_TSC_KHZ */
	bool gbpages;			/* KVM offers Page1GB: guest 1G leaves work */
	bool pcid;			/* KVM offers PCID: CR4.PCIDE can be set */
	bool amd;			/* the CPU is AMD's (or Hygon's): VMMCALL, not VMCALL */
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
/* GDT, IDT, TSS, CPUID, control registers, segments and RIP/RSP for a
 * kernel at CPL3 (user segments, IOPL 3) or CPL0. Call after the tables are built. */
int vb_vcpu_setup(struct vb_vm *vm, bool cpl3, char *err, size_t errlen);
/* One KVM_RUN until the guest's next report; timeout_s 0 means none.
 * Returns VB_VM_INTERRUPTED, before entering the guest or when a signal
 * (SIGINT) brings the vCPU out, once *vm->stop is set. */
enum vb_vm_exit vb_vm_run(struct vb_vm *vm, double timeout_s, char *err, size_t errlen);
void vb_vm_destroy(struct vb_vm *vm);

#endif
