/* vm.c: the micro guest's VM on /dev/kvm, as the KVM selftests' kvm_util.c:
 * its memory slots, its vCPU and the pass's KVM_RUN loop with its watchdog.
 * What the vCPU is (registers, exits) is its architecture's vcpu.c. */
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
	return vb_vcpu_init(vm, err, errlen);
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
		if (vm->run->exit_reason == KVM_EXIT_INTR)
			continue;
		if (vb_vcpu_exit(vm, &ret, err, errlen))
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
