/* vm.c: the micro guest's VM and vCPU on /dev/kvm, set up straight into
 * 64-bit mode the way the KVM selftests' kvm_util/processor.c do it. */
#include "guests/micro/vm.h"
#include "guests/micro/guest.h"
#include "harness/spawn.h"
#include "lib/error.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

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

/* The watchdog's signal; its handler makes the vCPU leave KVM_RUN. */
#define VB_KICK_SIGNAL	(SIGRTMIN + 4)

static __thread struct kvm_run *volatile kick_run;
static __thread volatile sig_atomic_t kick_fired;

static void kick_handler(int sig)
{
	(void)sig;
	kick_fired = 1;
	if (kick_run)
		kick_run->immediate_exit = 1;
}

static int set_cpuid(struct vb_vm *vm, char *err, size_t errlen);

int vb_vm_create(struct vb_vm *vm, uint64_t pt_pages, char *err, size_t errlen)
{
	int mmap_size;

	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = -1;
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return vb_errf(err, errlen, "cannot open /dev/kvm: %s", strerror(errno));
	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, NULL) != KVM_API_VERSION)
		return vb_errf(err, errlen, "/dev/kvm: unexpected KVM API version");
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return vb_errf(err, errlen, "KVM_CREATE_VM: %s", strerror(errno));

	/* The pool also holds the tables that identity-map the system slot. */
	pt_pages += (VB_G_PTPOOL / 4096 + pt_pages) / 511 + 5;
	vm->sys_size = (VB_G_PTPOOL + pt_pages * 4096 + (2UL << 20) - 1) & ~((2UL << 20) - 1);
	vm->sys = mmap(NULL, vm->sys_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->sys == MAP_FAILED) {
		vm->sys = NULL;
		return vb_errf(err, errlen, "system slot of %zu bytes: %s", vm->sys_size,
			       strerror(errno));
	}
	/* The guest's page tables live here: under THP=always they would get 2M
	 * host pages, and the host dimension of every guest table walk would be
	 * shorter than the 4K the row claims. */
	if (madvise(vm->sys, vm->sys_size, MADV_NOHUGEPAGE) < 0)
		return vb_errf(err, errlen, "system slot: madvise(MADV_NOHUGEPAGE): %s",
			       strerror(errno));
	struct kvm_userspace_memory_region r0 = {
		.slot = 0, .guest_phys_addr = 0, .memory_size = vm->sys_size,
		.userspace_addr = (uintptr_t)vm->sys,
	};
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r0) < 0)
		return vb_errf(err, errlen, "KVM_SET_USER_MEMORY_REGION (system slot): %s",
			       strerror(errno));

	vb_pt_init(&vm->pt, vm->sys, 0, vm->sys_size, VB_G_PTPOOL, vm->sys_size);
	if (vb_pt_alloc(&vm->pt, &vm->root) < 0)
		return vb_errf(err, errlen, "page tables: no room for the root");
	/* Code, stacks, mailbox and the tables themselves: identity, user-accessible. */
	if (vb_pt_map(&vm->pt, vm->root, 0, 0, vm->sys_size, VB_PS_4K, VB_PTE_RW | VB_PTE_U, err,
		      errlen) < 0)
		return -1;
	/* Its tables are resident now: the check sees what the host gave them. */
	if (vb_vm_sys_check(vm, err, errlen) < 0)
		return -1;

	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		return vb_errf(err, errlen, "KVM_CREATE_VCPU: %s", strerror(errno));
	mmap_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, NULL);
	if (mmap_size < (int)sizeof(struct kvm_run))
		return vb_errf(err, errlen, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
	vm->run_size = (size_t)mmap_size;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED) {
		vm->run = NULL;
		return vb_errf(err, errlen, "mmap of kvm_run: %s", strerror(errno));
	}
	int khz = ioctl(vm->vcpu_fd, KVM_GET_TSC_KHZ, NULL);
	if (khz <= 0)
		return vb_errf(err, errlen, "KVM_GET_TSC_KHZ: %s", strerror(errno));
	vm->tsc_khz = (uint32_t)khz;
	return set_cpuid(vm, err, errlen);
}

static int data_slot(struct vb_vm *vm, uint64_t size, char *err, size_t errlen)
{
	struct kvm_userspace_memory_region r1 = {
		.slot = 1, .guest_phys_addr = VB_G_DATA, .memory_size = size,
		.userspace_addr = (uintptr_t)vm->data.addr,
	};

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r1) < 0)
		return vb_errf(err, errlen,
			       "KVM_SET_USER_MEMORY_REGION (data slot, %llu bytes): %s",
			       (unsigned long long)size, strerror(errno));
	return 0;
}

int vb_vm_add_data(struct vb_vm *vm, size_t len, enum vb_backing b, char *err, size_t errlen)
{
	if (vb_mem_alloc(&vm->data, len, b, err, errlen) < 0)
		return -1;
	vm->have_data = true;
	return data_slot(vm, vm->data.len, err, errlen);
}

int vb_vm_data_forget(struct vb_vm *vm, char *err, size_t errlen)
{
	/* Deleting a slot makes KVM drop every mapping of it (the shadow MMU
	 * drops them all); the host memory behind it stays as it was. */
	if (data_slot(vm, 0, err, errlen) < 0)
		return -1;
	return data_slot(vm, vm->data.len, err, errlen);
}

int vb_vm_sys_check(const struct vb_vm *vm, char *err, size_t errlen)
{
	struct vb_mem sys = { .addr = vm->sys, .len = vm->sys_size, .backing = VB_BACKING_ANON };
	struct vb_mem_verified v;

	if (vb_mem_verify(&sys, &v, err, errlen) < 0)
		return -1;
	if (v.bytes_2m || v.bytes_1g)
		return vb_errf(
			err, errlen,
			"system slot (guest page tables, code, stacks) has %llu bytes of huge "
			"host pages despite MADV_NOHUGEPAGE: the host dimension of guest table "
			"walks is not 4K",
			(unsigned long long)(v.bytes_2m + v.bytes_1g));
	return 0;
}

void *vb_vm_gpa(const struct vb_vm *vm, uint64_t gpa, size_t len)
{
	if (gpa + len <= vm->sys_size && gpa + len >= gpa)
		return vm->sys + gpa;
	if (vm->have_data && gpa >= VB_G_DATA && gpa + len <= VB_G_DATA + vm->data.len)
		return (uint8_t *)vm->data.addr + (gpa - VB_G_DATA);
	return NULL;
}

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

static int install_kick(void)
{
	static __thread bool installed;
	struct sigaction sa;

	if (installed)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;	/* no SA_RESTART: KVM_RUN must return EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(VB_KICK_SIGNAL, &sa, NULL) < 0)
		return -1;
	installed = true;
	return 0;
}

/* Ctrl-C and SIGTERM stay pending outside KVM_RUN and are let in by KVM
 * itself on entry (KVM_SET_SIGNAL_MASK), so one that lands between the stop
 * test and the ioctl still makes KVM_RUN return EINTR at once. False when
 * this KVM refuses the mask: then they are not held back either. */
static bool hold_stop_signals(struct vb_vm *vm, sigset_t *saved)
{
	/* The kernel's sigset: 8 bytes, signals 1-64. */
	struct kvm_signal_mask *in_run = malloc(sizeof(*in_run) + sizeof(uint64_t));
	sigset_t stop;
	int r;

	if (!in_run || pthread_sigmask(SIG_SETMASK, NULL, saved) != 0) {
		free(in_run);
		return false;
	}
	in_run->len = sizeof(uint64_t);
	memcpy(in_run->sigset, saved, sizeof(uint64_t));
	r = ioctl(vm->vcpu_fd, KVM_SET_SIGNAL_MASK, in_run);
	free(in_run);
	if (r < 0)
		return false;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	return pthread_sigmask(SIG_BLOCK, &stop, NULL) == 0;
}

static bool stop_signal_pending(void)
{
	sigset_t pending;

	return sigpending(&pending) == 0 &&
	       (sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1);
}

/* A timer that kicks this thread out of KVM_RUN after timeout_s: -1 with err
 * when it cannot be set, for a pass with no watchdog must not run. */
static int arm_watchdog(double timeout_s, timer_t *timer, char *err, size_t errlen)
{
	struct sigevent sev;
	struct itimerspec its = { 0 };

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = VB_KICK_SIGNAL;
	sev._sigev_un._tid = gettid();
	if (install_kick() < 0 || timer_create(CLOCK_MONOTONIC, &sev, timer) < 0) {
		vb_errf(err, errlen, "watchdog timer: %s", strerror(errno));
		return -1;
	}
	/* Clamped: a huge value would make timer_settime fail (EINVAL), and
	 * an unchecked failure is a pass with no watchdog at all. */
	if (timeout_s > VB_TIMEOUT_MAX_S)
		timeout_s = VB_TIMEOUT_MAX_S;
	its.it_value.tv_sec = (time_t)timeout_s;
	its.it_value.tv_nsec = (long)((timeout_s - (double)(time_t)timeout_s) * 1e9);
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1;
	if (timer_settime(*timer, 0, &its, NULL) < 0) {
		vb_errf(err, errlen, "watchdog timer of %g s: %s", timeout_s, strerror(errno));
		timer_delete(*timer);
		return -1;
	}
	return 0;
}

enum vb_vm_exit vb_vm_run(struct vb_vm *vm, double timeout_s, char *err, size_t errlen)
{
	timer_t timer;
	bool armed = false, held;
	enum vb_vm_exit ret;
	sigset_t saved;

	kick_fired = 0;
	vm->run->immediate_exit = 0;
	kick_run = vm->run;
	if (timeout_s > 0) {
		if (arm_watchdog(timeout_s, &timer, err, errlen) < 0)
			return VB_VM_ERROR;
		armed = true;
	}
	held = hold_stop_signals(vm, &saved);
	for (;;) {
		int r;

		/* Ctrl-C between passes, or during the untimed exits of this one
		 * (one that lands after this test is held for KVM_RUN, above). */
		if (vm->stop && *vm->stop) {
			vb_errf(err, errlen, "interrupted");
			ret = VB_VM_INTERRUPTED;
			break;
		}
		r = ioctl(vm->vcpu_fd, KVM_RUN, NULL);
		/* KVM_RUN returns -EINTR, never -ERESTARTSYS, when a signal is
		 * pending: even the SA_RESTART handlers that glibc's signal()
		 * installs (cmd_run's SIGINT/SIGTERM) bring us back here. */
		if (r < 0 && errno == EINTR) {
			if (kick_fired) {
				vb_errf(err, errlen,
					"guest did not report back within %g s: stopped",
					timeout_s);
				ret = VB_VM_TIMEOUT;
				break;
			}
			/* KVM_RUN returns with the held signal pending and blocked
			 * again: let it through to its handler, which sets the stop. */
			if (held && stop_signal_pending()) {
				pthread_sigmask(SIG_SETMASK, &saved, NULL);
				held = false;
			}
			continue;	/* any other signal: the test above decides */
		}
		if (r < 0) {
			vb_errf(err, errlen, "KVM_RUN: %s", strerror(errno));
			ret = VB_VM_ERROR;
			break;
		}
		if (vm->run->exit_reason == KVM_EXIT_IO &&
		    vm->run->io.direction == KVM_EXIT_IO_OUT &&
		    vm->run->io.port == VB_G_PORT_DONE) {
			ret = VB_VM_DONE;
			break;
		}
		if (vm->run->exit_reason == KVM_EXIT_IO && vm->run->io.port == VB_G_PORT_NOP)
			continue;	/* an exit for its own sake (portio) */
		if (vm->run->exit_reason == KVM_EXIT_IO && vm->run->io.port == VB_G_PORT_EXC) {
			describe_exception(vm, err, errlen);
			ret = VB_VM_EXCEPTION;
			break;
		}
		if (vm->run->exit_reason == KVM_EXIT_INTR)
			continue;
		ret = describe_exit(vm, err, errlen);
		break;
	}
	if (armed)
		timer_delete(timer);
	/* A held signal still pending is delivered here, to its handler. */
	if (held)
		pthread_sigmask(SIG_SETMASK, &saved, NULL);
	kick_run = NULL;
	vm->run->immediate_exit = 0;
	return ret;
}

void vb_vm_destroy(struct vb_vm *vm)
{
	if (vm->run)
		munmap(vm->run, vm->run_size);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->sys)
		munmap(vm->sys, vm->sys_size);
	if (vm->have_data)
		vb_mem_free(&vm->data);
	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = -1;
}
