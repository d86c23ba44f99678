/* vcpu.c: the micro guest's arm64 vCPU, as the KVM selftests' aarch64
 * processor.c sets one up: KVM's preferred target (KVM_ARM_VCPU_INIT), then
 * the MMU on the VMM's stage-1 tables (TTBR0, TCR, MAIR, SCTLR through
 * KVM_SET_ONE_REG), PC and SP at EL1; and what a write to the exit page
 * (arm64.h: KVM_EXIT_MMIO) means. */
#include "guests/micro/arm64/arm64.h"
#include "guests/micro/guest.h"
#include "guests/micro/vm.h"
#include "lib/error.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#define CORE_REG(x)	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
			 KVM_REG_ARM_CORE_REG(x))
#define SCTLR_EL1	ARM64_SYS_REG(3, 0, 1, 0, 0)
#define TTBR0_EL1	ARM64_SYS_REG(3, 0, 2, 0, 0)
#define TCR_EL1		ARM64_SYS_REG(3, 0, 2, 0, 2)
#define MAIR_EL1	ARM64_SYS_REG(3, 0, 10, 2, 0)
#define VBAR_EL1	ARM64_SYS_REG(3, 0, 12, 0, 0)
#define ID_AA64MMFR0_EL1 ARM64_SYS_REG(3, 0, 0, 7, 0)

static int get_reg(const struct vb_vm *vm, uint64_t id, uint64_t *v)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)v };

	return ioctl(vm->vcpu_fd, KVM_GET_ONE_REG, &r);
}

static int set_reg(struct vb_vm *vm, uint64_t id, uint64_t v, const char *name, char *err,
		   size_t errlen)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)&v };

	if (ioctl(vm->vcpu_fd, KVM_SET_ONE_REG, &r) < 0)
		return vb_errf(err, errlen, "KVM_SET_ONE_REG %s: %s", name, strerror(errno));
	return 0;
}

int vb_vcpu_init(struct vb_vm *vm, char *err, size_t errlen)
{
	struct kvm_vcpu_init init;
	uint64_t frq, mmfr0;

	memset(&init, 0, sizeof(init));
	if (ioctl(vm->vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		return vb_errf(err, errlen, "KVM_ARM_PREFERRED_TARGET: %s", strerror(errno));
	if (ioctl(vm->vcpu_fd, KVM_ARM_VCPU_INIT, &init) < 0)
		return vb_errf(err, errlen, "KVM_ARM_VCPU_INIT (target %u): %s", init.target,
			       strerror(errno));
	/* ASIDBits, as the guest sees it: 2 means 16-bit ASIDs. */
	if (get_reg(vm, ID_AA64MMFR0_EL1, &mmfr0) < 0)
		return vb_errf(err, errlen, "KVM_GET_ONE_REG ID_AA64MMFR0_EL1: %s",
			       strerror(errno));
	vm->asid_bits = ((mmfr0 >> 4) & 0xf) == 2 ? 16 : 8;
	/* The guest reads the virtual counter, which ticks at the host's CNTFRQ. */
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(frq));
	if (frq < 1000 || frq / 1000 > UINT32_MAX)
		return vb_errf(err, errlen, "CNTFRQ_EL0 says %llu Hz: not a counter frequency",
			       (unsigned long long)frq);
	vm->tsc_khz = (uint32_t)(frq / 1000);
	/* The 4K granule has 1G blocks at level 1 on every arm64 CPU. */
	vm->gbpages = true;
	if (vm->sys_size > VB_G_MMIO)
		return vb_errf(err, errlen, "system slot of %zu bytes reaches the exit page at %#x",
			       vm->sys_size, VB_G_MMIO);
	return vb_pt_map(&vm->pt, vm->root, VB_G_MMIO, VB_G_MMIO, 4096, VB_PS_4K, VB_PTE_RW, err,
			 errlen);
}

int vb_vcpu_setup(struct vb_vm *vm, bool cpl3, char *err, size_t errlen)
{
	size_t code = (size_t)(vb_guest_code_end - vb_guest_code_start);
	uint64_t sctlr;

	(void)cpl3;
	if (code > VB_G_CODE_MAX)
		return vb_errf(err, errlen, "guest code is larger than its %d bytes",
			       VB_G_CODE_MAX);
	memcpy(vm->sys + VB_G_CODE, vb_guest_code_start, code);
	if (get_reg(vm, SCTLR_EL1, &sctlr) < 0)
		return vb_errf(err, errlen, "KVM_GET_ONE_REG SCTLR_EL1: %s", strerror(errno));
	if (set_reg(vm, MAIR_EL1, VB_A64_MAIR, "MAIR_EL1", err, errlen) < 0 ||
	    set_reg(vm, TCR_EL1, VB_A64_TCR | (vm->asid_bits == 16 ? VB_A64_TCR_AS16 : 0),
		    "TCR_EL1", err, errlen) < 0 ||
	    set_reg(vm, TTBR0_EL1, vm->root, "TTBR0_EL1", err, errlen) < 0 ||
	    set_reg(vm, VBAR_EL1, VB_G_CODE + vb_guest_vbar_off, "VBAR_EL1", err, errlen) < 0 ||
	    set_reg(vm, SCTLR_EL1, sctlr | VB_A64_SCTLR_ON, "SCTLR_EL1", err, errlen) < 0 ||
	    set_reg(vm, CORE_REG(regs.pstate), VB_A64_PSTATE_EL1H, "PSTATE", err, errlen) < 0 ||
	    set_reg(vm, CORE_REG(sp_el1), VB_G_KSTACK_TOP, "SP_EL1", err, errlen) < 0 ||
	    set_reg(vm, CORE_REG(regs.pc), VB_G_CODE + vb_guest_entry_off, "PC", err, errlen) < 0)
		return -1;
	return 0;
}

static const char *const vec_names[4] = { "synchronous", "IRQ", "FIQ", "SError" };
static const char *const vec_from[4] = { "EL1 on SP_EL0", "EL1", "EL0 (AArch64)",
					 "EL0 (AArch32)" };

static void describe_exception(const struct vb_vm *vm, char *err, size_t errlen)
{
	const uint64_t *mb = (const uint64_t *)(vm->sys + VB_G_MAILBOX);
	uint64_t v = mb[MB_EXC_VEC / 8] & 15, esr = mb[MB_EXC_ERR / 8];

	vb_errf(err, errlen,
		"guest exception: %s from %s (vector %llu), ESR_EL1 %#llx (EC %#llx), "
		"ELR_EL1 %#llx, FAR_EL1 %#llx",
		vec_names[v & 3], vec_from[v >> 2], (unsigned long long)v,
		(unsigned long long)esr, (unsigned long long)(esr >> 26) & 0x3f,
		(unsigned long long)mb[MB_EXC_RIP / 8], (unsigned long long)mb[MB_EXC_CR2 / 8]);
}

static enum vb_vm_exit describe_exit(const struct vb_vm *vm, char *err, size_t errlen)
{
	const struct kvm_run *run = vm->run;
	uint64_t pc = 0;

	get_reg(vm, CORE_REG(regs.pc), &pc);
	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		vb_errf(err, errlen, "guest %s unmapped memory at gpa %#llx, pc %#llx",
			run->mmio.is_write ? "wrote to" : "read", run->mmio.phys_addr,
			(unsigned long long)pc);
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		vb_errf(err, errlen, "guest asked for a system event (PSCI) of type %u, pc %#llx",
			run->system_event.type, (unsigned long long)pc);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		vb_errf(err, errlen, "VM entry failed, hardware reason %#llx",
			(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		vb_errf(err, errlen, "KVM internal error, suberror %u, pc %#llx",
			run->internal.suberror, (unsigned long long)pc);
		break;
	default:
		vb_errf(err, errlen, "unexpected KVM exit reason %u, pc %#llx", run->exit_reason,
			(unsigned long long)pc);
	}
	return VB_VM_ERROR;
}

bool vb_vcpu_exit(struct vb_vm *vm, enum vb_vm_exit *e, char *err, size_t errlen)
{
	const struct kvm_run *run = vm->run;

	if (run->exit_reason == KVM_EXIT_MMIO && run->mmio.is_write) {
		switch (run->mmio.phys_addr) {
		case VB_G_MMIO_DONE:
			*e = VB_VM_DONE;
			return true;
		case VB_G_MMIO_NOP:
			return false;	/* an exit for its own sake */
		case VB_G_MMIO_EXC:
			describe_exception(vm, err, errlen);
			*e = VB_VM_EXCEPTION;
			return true;
		default:
			break;
		}
	}
	*e = describe_exit(vm, err, errlen);
	return true;
}
