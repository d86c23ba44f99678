/* test_guardian.c: the restore guardian (harness/guardian.c) puts back what
 * it was told when its socket closes, and nothing else. The module operations
 * go to a double (VBENCH_MODPROBE) playing kvm_amd in a fake sysfs tree; a
 * tmpfs stands in for the tracefs that --trace mounts. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/guardian.h"
#include "lib/backing.h"
#include "tests/unit/fixture_tmp.h"
#include "tests/unit/hostlock.h"

static char root[128], log_path[420], err[512];

static void put(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

/* kvm_amd found with npt=N (as if vbench had switched it to shadow), and a
 * double that logs its arguments and plays the module. */
static void fake_kvm_amd(void)
{
	char path[400], *d = fx_tmpdir();

	cr_assert_not_null(d);
	snprintf(root, sizeof(root), "%s", d);
	free(d);
	snprintf(path, sizeof(path), "mkdir -p %s/sys/module/kvm_amd/parameters %s/dev", root,
		 root);
	cr_assert_eq(system(path), 0);
	put("sys/module/kvm_amd/parameters/npt", "N\n");
	put("sys/module/kvm_amd/refcnt", "0\n");
	put("dev/kvm", "");
	put("modprobe", "#!/bin/sh\necho \"$*\" >> \"$0.log\"\n"
	    "[ \"$1\" = -r ] && exit 0\n"
	    "case ${2#*=} in 1) v=Y ;; *) v=N ;; esac\n"
	    "echo $v > \"${0%/modprobe}/sys/module/$1/parameters/${2%%=*}\"\n");
	snprintf(path, sizeof(path), "%s/modprobe", root);
	chmod(path, 0755);
	snprintf(log_path, sizeof(log_path), "%s.log", path);
	setenv("VBENCH_SYSFS_ROOT", root, 1);
	setenv("VBENCH_MODPROBE", path, 1);
}

static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, len - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
}

Test(guardian, restores_the_module_when_its_socket_closes)
{
	char calls[256], path[256], npt[16];

	fake_kvm_amd();
	cr_assert_eq(vb_guardian_start(err, sizeof(err)), 0, "%s", err);
	cr_assert(vb_guardian_active());
	vb_guardian_note_module(VB_KVM_AMD, "1");
	/* The close that any end of vbench makes; finish also waits for the guardian. */
	cr_assert_eq(vb_guardian_finish(), 0);
	cr_assert(!vb_guardian_active());
	slurp(log_path, calls, sizeof(calls));
	cr_assert_str_eq(calls, "-r kvm_amd\nkvm_amd npt=1\n");
	snprintf(path, sizeof(path), "%s/sys/module/kvm_amd/parameters/npt", root);
	slurp(path, npt, sizeof(npt));
	cr_assert_str_eq(npt, "Y\n");
}

Test(guardian, a_cleared_module_is_left_alone)
{
	char calls[256];

	fake_kvm_amd();
	cr_assert_eq(vb_guardian_start(err, sizeof(err)), 0, "%s", err);
	vb_guardian_note_module(VB_KVM_AMD, "1");
	vb_guardian_clear_module();
	cr_assert_eq(vb_guardian_finish(), 0);
	slurp(log_path, calls, sizeof(calls));
	cr_assert_str_eq(calls, "", "the double was called: %s", calls);
}

Test(guardian, a_module_already_as_found_is_not_reloaded)
{
	char calls[256];

	fake_kvm_amd();
	put("sys/module/kvm_amd/parameters/npt", "Y\n");
	cr_assert_eq(vb_guardian_start(err, sizeof(err)), 0, "%s", err);
	vb_guardian_note_module(VB_KVM_AMD, "1");
	cr_assert_eq(vb_guardian_finish(), 0);
	slurp(log_path, calls, sizeof(calls));
	cr_assert_str_eq(calls, "", "the double was called: %s", calls);
}

/* vbench killed: the guardian is not its parent's child any more, and acts all the same. */
Test(guardian, restores_after_its_owner_is_killed)
{
	char calls[256] = "";
	pid_t owner;

	fake_kvm_amd();
	owner = fork();
	if (owner == 0) {
		if (vb_guardian_start(err, sizeof(err)) < 0)
			_exit(2);
		vb_guardian_note_module(VB_KVM_AMD, "1");
		pause();
		_exit(0);
	}
	/* Kill it once the guardian had time to read the note. */
	for (int i = 0; i < 50; i++) {
		struct timespec ms20 = { 0, 20000000 };

		nanosleep(&ms20, NULL);
	}
	kill(owner, SIGKILL);
	waitpid(owner, NULL, 0);
	for (int i = 0; i < 250 && !strstr(calls, "npt=1"); i++) {
		struct timespec ms20 = { 0, 20000000 };

		nanosleep(&ms20, NULL);
		slurp(log_path, calls, sizeof(calls));
	}
	cr_assert_str_eq(calls, "-r kvm_amd\nkvm_amd npt=1\n");
}

/* The pool shrinks by what this run added, not to what it found. */
Test(guardian, gives_back_the_hugepages_it_added)
{
	size_t page = 2UL << 20;
	long before, grown;

	if (geteuid() != 0)
		cr_skip_test("growing a hugepage pool needs root");
	vb_test_host_lock(true);
	before = vb_hugepages_total(page);
	if (before < 0)
		cr_skip_test("no 2048kB hugepage pool on this kernel");
	cr_assert_eq(vb_guardian_start(err, sizeof(err)), 0, "%s", err);
	if (vb_guardian_grow_pool(page, vb_hugepages_free(page) + 2, err, sizeof(err)) < 0) {
		vb_guardian_finish();
		cr_skip_test("the kernel has no memory for 2 more 2M hugepages: %s", err);
	}
	grown = vb_hugepages_total(page);
	/* Someone else's pages meanwhile (another run): they must stay. */
	cr_assert_eq(vb_hugepages_set_total(page, grown + 1, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(vb_guardian_finish(), 0);
	cr_assert_eq(vb_hugepages_total(page), before + 1, "grown from %ld to %ld, then +1", before,
		     grown);
	cr_assert_eq(vb_hugepages_set_total(page, before, err, sizeof(err)), 0, "%s", err);
}

/* The guardian: this process's one child. */
static pid_t guardian_pid(void)
{
	char cmd[128], out[32] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ps -o pid= --ppid %d | head -n 1", (int)getpid());
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	if (!fgets(out, sizeof(out), p))
		out[0] = '\0';
	pclose(p);
	return (pid_t)atoi(out);
}

/* Stopped just as vbench ends: vbench does not wait for it for ever, it
 * restores itself, and the stopped one is gone, so nothing is done twice. */
Test(guardian, a_stopped_guardian_cannot_hold_the_exit, .timeout = 30)
{
	char calls[256];
	struct timespec t0, t1;
	pid_t gp;

	fake_kvm_amd();
	cr_assert_eq(vb_guardian_start(err, sizeof(err)), 0, "%s", err);
	vb_guardian_note_module(VB_KVM_AMD, "1");
	gp = guardian_pid();
	cr_assert_gt(gp, 0);
	kill(gp, SIGSTOP);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(vb_guardian_finish(), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cr_assert_lt(t1.tv_sec - t0.tv_sec, 5);
	cr_assert_neq(kill(gp, 0), 0, "the stopped guardian is still there");
	slurp(log_path, calls, sizeof(calls));
	cr_assert_str_eq(calls, "-r kvm_amd\nkvm_amd npt=1\n");
}

/* Killed during the run: a new one takes over, told what is pending. */
Test(guardian, a_killed_guardian_is_replaced_at_once, .timeout = 30)
{
	char calls[256] = "";
	pid_t gp, owner;
	int pipefd[2];

	fake_kvm_amd();
	cr_assert_eq(pipe(pipefd), 0);
	owner = fork();
	if (owner == 0) {
		if (vb_guardian_start(err, sizeof(err)) < 0)
			_exit(2);
		vb_guardian_note_module(VB_KVM_AMD, "1");
		if (write(pipefd[1], "x", 1) != 1)
			_exit(3);
		pause();
		_exit(0);
	}
	cr_assert_eq(read(pipefd[0], calls, 1), 1);
	snprintf(calls, sizeof(calls), "ps -o pid= --ppid %d | head -n 1", (int)owner);
	{
		FILE *p = popen(calls, "r");
		char out[32] = "";

		cr_assert_not_null(p);
		cr_assert_not_null(fgets(out, sizeof(out), p));
		pclose(p);
		gp = (pid_t)atoi(out);
	}
	kill(gp, SIGKILL);
	/* Half a second, then its owner: the replacement must already be there. */
	usleep(500000);
	kill(owner, SIGKILL);
	waitpid(owner, NULL, 0);
	calls[0] = '\0';
	for (int i = 0; i < 250 && !strstr(calls, "npt=1"); i++) {
		usleep(20000);
		slurp(log_path, calls, sizeof(calls));
	}
	cr_assert_str_eq(calls, "-r kvm_amd\nkvm_amd npt=1\n");
}

Test(guardian, messages_parse_strictly)
{
	struct vb_guardian_msg m;

	cr_assert_eq(vb_guardian_parse("M 2 1", &m), 0);
	cr_assert_eq(m.kind, VB_GMSG_MODULE);
	cr_assert_eq(m.flavour, VB_KVM_AMD);
	cr_assert_str_eq(m.orig, "1");
	cr_assert_eq(vb_guardian_parse("P 2097152 12", &m), 0);
	cr_assert_eq(m.page_bytes, 2097152);
	cr_assert_eq(m.added, 12);
	cr_assert_eq(vb_guardian_parse("done P 1073741824", &m), 0);
	cr_assert_eq(m.kind, VB_GMSG_DONE_POOL);
	cr_assert_eq(vb_guardian_parse("m", &m), 0);
	cr_assert_eq(vb_guardian_parse("done M", &m), 0);
	/* Out of range or trailing words: ignored rather than half-applied. */
	cr_assert_eq(vb_guardian_parse("M 3 1", &m), -1);
	cr_assert_eq(vb_guardian_parse("M 2 2", &m), -1);
	cr_assert_eq(vb_guardian_parse("M 2 1 x", &m), -1);
	cr_assert_eq(vb_guardian_parse("P 3000 1", &m), -1);
	cr_assert_eq(vb_guardian_parse("P 2097152 -1", &m), -1);
	cr_assert_eq(vb_guardian_parse("P 2097152 99999999999999", &m), -1);
	cr_assert_eq(vb_guardian_parse("X 1", &m), -1);
}

Test(guardian, mount_messages_parse_strictly)
{
	struct vb_guardian_msg m;
	char long_path[200];

	cr_assert_eq(vb_guardian_parse("T /sys/kernel/tracing", &m), 0);
	cr_assert_eq(m.kind, VB_GMSG_MOUNT);
	cr_assert_str_eq(m.path, "/sys/kernel/tracing");
	cr_assert_eq(vb_guardian_parse("t", &m), 0);
	cr_assert_eq(m.kind, VB_GMSG_MOUNT_CLEAR);
	cr_assert_eq(vb_guardian_parse("done T", &m), 0);
	cr_assert_eq(m.kind, VB_GMSG_DONE_MOUNT);
	/* Relative, with a space, a control character, or too long: ignored. */
	cr_assert_eq(vb_guardian_parse("T sys/kernel/tracing", &m), -1);
	cr_assert_eq(vb_guardian_parse("T /a b", &m), -1);
	cr_assert_eq(vb_guardian_parse("T /a\x1b[2J", &m), -1);
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = 'T', long_path[1] = ' ', long_path[2] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	cr_assert_eq(vb_guardian_parse(long_path, &m), -1);
}

static bool mounted(const char *dir)
{
	char line[1024], want[600];
	FILE *f = fopen("/proc/mounts", "r");
	bool found = false;

	snprintf(want, sizeof(want), " %s ", dir);
	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, want) != NULL;
	if (f)
		fclose(f);
	return found;
}

/* What vbench mounts (tracefs for --trace) is unmounted when vbench ends, even
 * by SIGKILL; a tmpfs in a fresh folder stands in for it. */
Test(guardian, unmounts_what_vbench_mounted_after_a_kill)
{
	char *d = fx_tmpdir();
	pid_t owner;
	int pipefd[2];
	char ok;

	cr_assert_not_null(d);
	if (geteuid() != 0)
		cr_skip_test("mounting needs root");
	cr_assert_eq(pipe(pipefd), 0);
	owner = fork();
	if (owner == 0) {
		if (vb_guardian_start(err, sizeof(err)) < 0)
			_exit(2);
		vb_guardian_note_mount(d);
		if (mount("vbtest", d, "tmpfs", 0, NULL) < 0)
			_exit(3);
		if (write(pipefd[1], "m", 1) != 1)
			_exit(4);
		pause();
		_exit(0);
	}
	close(pipefd[1]);
	cr_assert_eq(read(pipefd[0], &ok, 1), 1, "the owner could not mount a tmpfs");
	cr_assert(mounted(d));
	kill(owner, SIGKILL);
	waitpid(owner, NULL, 0);
	for (int i = 0; i < 250 && mounted(d); i++) {
		struct timespec ms20 = { 0, 20000000 };

		nanosleep(&ms20, NULL);
	}
	cr_assert_not(mounted(d), "%s is still mounted", d);
	rmdir(d);
	free(d);
}

/* The guardian's mappings that hold a KVM file (a vCPU's kvm_run). */
static int kvm_maps(pid_t pid)
{
	char path[64], line[512];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "anon_inode:kvm") != NULL;
	fclose(f);
	return n;
}

/* A guardian forked while a VM runs (a replacement, mid-run) must hold no
 * vCPU mapping: it would keep the module in use, and the reload would be
 * refused (seen in the lab: npt left N after the guardian was killed). */
Test(guardian, holds_no_kvm_mapping_when_forked_mid_run, .timeout = 30)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm, vcpu, size;
	void *run;
	pid_t gp;

	if (kvm < 0)
		cr_skip_test("no usable /dev/kvm on this host");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	cr_assert_geq(vm, 0);
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	cr_assert_geq(vcpu, 0);
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	cr_assert_neq(run, MAP_FAILED);
	cr_assert_gt(kvm_maps(getpid()), 0, "the vCPU's kvm_run is not listed as anon_inode:kvm");
	cr_assert_eq(vb_guardian_start(err, sizeof(err)), 0, "%s", err);
	gp = guardian_pid();
	cr_assert_gt(gp, 0);
	for (int i = 0; i < 100 && kvm_maps(gp) > 0; i++) {
		struct timespec ms10 = { 0, 10000000 };

		nanosleep(&ms10, NULL);
	}
	cr_assert_eq(kvm_maps(gp), 0, "the guardian still maps a vCPU of vbench's");
	cr_assert_eq(vb_guardian_finish(), 0);
	munmap(run, (size_t)size);
	close(vcpu);
	close(vm);
	close(kvm);
}
