/* vcpu.c: the micro guest's x86 vCPU: long mode straight from KVM_SET_SREGS
 * as the KVM selftests' x86 processor.c does, the GDT, IDT and TSS, KVM's
 * CPUID, and what an OUT to the guest's ports means (guest.h). The arm64
 * vCPU is guests/micro/arm64/vcpu.c; vm.c calls either through vm.h. */
#include "guests/micro/guest.h"
#include "guests/micro/vm.h"
#include "lib/error.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#define X86_CR0_PE	(1UL << 0)
#define X86_CR0_MP	(1UL << 1)
#define X86_CR0_ET	(1UL << 4)
#define X86_CR0_NE	(1UL << 5)
#define X86_CR0_WP	(1UL << 16)
#define X86_CR0_PG	(1UL << 31)
#define X86_CR4_PAE	(1UL << 5)
#define X86_CR4_OSFXSR	(1UL << 9)
#define X86_CR4_OSXMMEXCPT (1UL << 10)
#define EFER_LME	(1UL << 8)
#define EFER_LMA	(1UL << 10)
#define RFLAGS_FIXED	0x2UL
#define RFLAGS_IOPL3	(3UL << 12)


/* 8-byte code/data descriptors: base 0, limit 4G, as long mode ignores both. */
static uint64_t seg_desc(bool code, unsigned dpl)
{
	uint64_t d = 0x0000ffffULL | (0xfULL << 48);	/* limit */

	d |= 1ULL << 44;				/* S: code/data */
	d |= (uint64_t)dpl << 45;
	d |= 1ULL << 47;				/* P */
	d |= 1ULL << 55;				/* G */
	if (code)
		d |= (0xbULL << 40) | (1ULL << 53);	/* execute/read, accessed; L */
	else
		d |= (0x3ULL << 40) | (1ULL << 54);	/* read/write, accessed; D/B */
	return d;
}

static void fill_tables(struct vb_vm *vm)
{
	uint64_t *gdt = (uint64_t *)(vm->sys + VB_G_GDT);
	uint64_t tss = VB_G_TSS;

	memset(gdt, 0, 4096);
	gdt[VB_G_SEL_KCODE >> 3] = seg_desc(true, 0);
	gdt[VB_G_SEL_KDATA >> 3] = seg_desc(false, 0);
	gdt[VB_G_SEL_UCODE >> 3] = seg_desc(true, 3);
	gdt[VB_G_SEL_UDATA >> 3] = seg_desc(false, 3);
	/* 64-bit TSS, busy: what KVM_SET_SREGS' tr says too. */
	gdt[VB_G_SEL_TSS >> 3] = (VB_G_TSS_LIMIT & 0xffff) | ((tss & 0xffffff) << 16) |
				 (0xbULL << 40) | (1ULL << 47) | (((tss >> 24) & 0xff) << 56);
	gdt[(VB_G_SEL_TSS >> 3) + 1] = tss >> 32;

	uint8_t *t = vm->sys + VB_G_TSS;
	uint64_t rsp0 = VB_G_KSTACK_TOP;
	uint16_t iomap = 0x68;

	/* IOPL 3 should be enough for OUT at CPL3, but PVM checks the TSS I/O
	 * bitmap: give one that allows every port (all zero, then 0xff). */
	memset(t, 0, VB_G_TSS_LIMIT);
	t[VB_G_TSS_LIMIT] = 0xff;
	memcpy(t + 4, &rsp0, 8);
	memcpy(t + 0x66, &iomap, 2);

	uint8_t *idt = vm->sys + VB_G_IDT;

	memset(idt, 0, 4096);
	for (int v = 0; v < 32; v++) {
		uint64_t off = VB_G_CODE + vb_guest_vector_off[v];
		uint8_t *g = idt + 16 * v;
		uint16_t lo = off & 0xffff, mid = (off >> 16) & 0xffff, sel = VB_G_SEL_KCODE;
		uint32_t hi = off >> 32;

		memcpy(g, &lo, 2);
		memcpy(g + 2, &sel, 2);
		g[5] = 0x8e;	/* present, DPL 0, 64-bit interrupt gate */
		memcpy(g + 6, &mid, 2);
		memcpy(g + 8, &hi, 4);
	}
	memcpy(vm->sys + VB_G_CODE, vb_guest_code_start,
	       (size_t)(vb_guest_code_end - vb_guest_code_start));
}

static void seg(struct kvm_segment *s, uint16_t sel, bool code, unsigned dpl)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->present = 1;
	s->dpl = (uint8_t)dpl;
	s->s = 1;
	s->g = 1;
	s->type = code ? 11 : 3;
	s->l = code;
	s->db = !code;
}

static int set_cpuid(struct vb_vm *vm, char *err, size_t errlen)
{
	for (int nent = 64; nent <= 4096; nent *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
		int r;

		if (!c)
			return vb_errf(err, errlen, "out of memory");
		c->nent = (uint32_t)nent;
		r = ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c);
		if (r < 0 && errno == E2BIG) {
			free(c);
			continue;
		}
		if (r < 0) {
			free(c);
			return vb_errf(err, errlen, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		}
		/* Guest 1G leaves are reserved-bit faults unless KVM offers
		 * Page1GB (PVM does not): say so rather than fault. */
		for (uint32_t i = 0; i < c->nent; i++) {
			const struct kvm_cpuid_entry2 *e = &c->entries[i];

			if (e->function == 0x80000001)
				vm->gbpages = e->edx & (1U << 26);
			if (e->function == 1)
				vm->pcid = e->ecx & (1U << 17);
			/* "AuthenticAMD" and "HygonGenuine" begin with these. */
			if (e->function == 0)
				vm->amd = e->ebx == 0x68747541 || e->ebx == 0x6f677948;
		}
		r = ioctl(vm->vcpu_fd, KVM_SET_CPUID2, c);
		free(c);
		if (r < 0)
			return vb_errf(err, errlen, "KVM_SET_CPUID2: %s", strerror(errno));
		return 0;
	}
	return vb_errf(err, errlen, "KVM_GET_SUPPORTED_CPUID: too many entries");
}

int vb_vcpu_setup(struct vb_vm *vm, bool cpl3, char *err, size_t errlen)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	unsigned dpl = cpl3 ? 3 : 0;

	if ((size_t)(vb_guest_code_end - vb_guest_code_start) > VB_G_CODE_MAX)
		return vb_errf(err, errlen, "guest code is larger than its %d bytes",
			       VB_G_CODE_MAX);
	fill_tables(vm);
	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return vb_errf(err, errlen, "KVM_GET_SREGS: %s", strerror(errno));
	sregs.cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_PG;
	sregs.cr3 = vm->root;
	/* CR4.TSD stays clear: RDTSC works at CPL3. */
	sregs.cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	sregs.efer = EFER_LME | EFER_LMA;
	sregs.gdt.base = VB_G_GDT;
	sregs.gdt.limit = 7 * 8 - 1;
	sregs.idt.base = VB_G_IDT;
	sregs.idt.limit = 32 * 16 - 1;
	seg(&sregs.cs, cpl3 ? VB_G_SEL_UCODE : VB_G_SEL_KCODE, true, dpl);
	seg(&sregs.ss, cpl3 ? VB_G_SEL_UDATA : VB_G_SEL_KDATA, false, dpl);
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss;
	memset(&sregs.tr, 0, sizeof(sregs.tr));
	sregs.tr.base = VB_G_TSS;
	sregs.tr.limit = VB_G_TSS_LIMIT;
	sregs.tr.selector = VB_G_SEL_TSS;
	sregs.tr.type = 11;
	sregs.tr.present = 1;
	memset(&sregs.ldt, 0, sizeof(sregs.ldt));
	sregs.ldt.unusable = 1;
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		return vb_errf(err, errlen, "KVM_SET_SREGS: %s", strerror(errno));
	memset(&regs, 0, sizeof(regs));
	regs.rip = VB_G_CODE + vb_guest_entry_off;
	regs.rsp = cpl3 ? VB_G_USTACK_TOP : VB_G_KSTACK_TOP;
	regs.rflags = RFLAGS_FIXED | (cpl3 ? RFLAGS_IOPL3 : 0);
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0)
		return vb_errf(err, errlen, "KVM_SET_REGS: %s", strerror(errno));
	return 0;
}

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "?", "#TS", "#NP", "#SS",
	"#GP", "#PF", "?", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

static void describe_exception(const struct vb_vm *vm, char *err, size_t errlen)
{
	const uint64_t *mb = (const uint64_t *)(vm->sys + VB_G_MAILBOX);
	uint64_t v = mb[MB_EXC_VEC / 8];

	vb_errf(err, errlen,
		"guest exception %s (vector %llu), error code %#llx, rip %#llx, cr2 %#llx",
		v < 32 && exc_names[v] ? exc_names[v] : "?", (unsigned long long)v,
		(unsigned long long)mb[MB_EXC_ERR / 8], (unsigned long long)mb[MB_EXC_RIP / 8],
		(unsigned long long)mb[MB_EXC_CR2 / 8]);
}

static enum vb_vm_exit describe_exit(struct vb_vm *vm, char *err, size_t errlen)
{
	struct kvm_run *run = vm->run;
	struct kvm_regs regs = { 0 };

	ioctl(vm->vcpu_fd, KVM_GET_REGS, &regs);
	switch (run->exit_reason) {
	case KVM_EXIT_SHUTDOWN:
		vb_errf(err, errlen, "guest shut down (triple fault) at rip %#llx", regs.rip);
		break;
	case KVM_EXIT_HLT:
		vb_errf(err, errlen, "guest halted at rip %#llx", regs.rip);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		vb_errf(err, errlen, "VM entry failed, hardware reason %#llx",
			(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		vb_errf(err, errlen, "KVM internal error, suberror %u, rip %#llx",
			run->internal.suberror, regs.rip);
		break;
	case KVM_EXIT_MMIO:
		vb_errf(err, errlen, "guest touched unmapped memory at gpa %#llx, rip %#llx",
			run->mmio.phys_addr, regs.rip);
		break;
	case KVM_EXIT_IO:
		vb_errf(err, errlen, "guest wrote to unexpected port %#x, rip %#llx",
			run->io.port, regs.rip);
		break;
	default:
		vb_errf(err, errlen, "unexpected KVM exit reason %u, rip %#llx", run->exit_reason,
			regs.rip);
	}
	return VB_VM_ERROR;
}

int vb_vcpu_init(struct vb_vm *vm, char *err, size_t errlen)
{
	int khz = ioctl(vm->vcpu_fd, KVM_GET_TSC_KHZ, NULL);

	if (khz <= 0)
		return vb_errf(err, errlen, "KVM_GET_TSC_KHZ: %s", strerror(errno));
	vm->tsc_khz = (uint32_t)khz;
	return set_cpuid(vm, err, errlen);
}

bool vb_vcpu_exit(struct vb_vm *vm, enum vb_vm_exit *e, char *err, size_t errlen)
{
	const struct kvm_run *run = vm->run;

	if (run->exit_reason == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_OUT &&
	    run->io.port == VB_G_PORT_DONE) {
		*e = VB_VM_DONE;
		return true;
	}
	if (run->exit_reason == KVM_EXIT_IO && run->io.port == VB_G_PORT_NOP)
		return false;	/* an exit for its own sake (portio) */
	if (run->exit_reason == KVM_EXIT_IO && run->io.port == VB_G_PORT_EXC) {
		describe_exception(vm, err, errlen);
		*e = VB_VM_EXCEPTION;
		return true;
	}
	*e = describe_exit(vm, err, errlen);
	return true;
}
