/* modeswitch.c: --switch-mode: reload kvm_intel/kvm_amd with ept=/npt=
 * flipped, and put the original back. vb_modeswitch_restore does it at the end
 * of a run; for every other end (vb_die, a signal, SIGKILL, the OOM killer)
 * the restore guardian (guardian.c), told before the first reload, does it. */
#include "harness/modeswitch.h"
#include "harness/guardian.h"
#include "harness/spawn.h"
#include "lib/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MODULE_INIT_COMPRESSED_FILE
#define MODULE_INIT_COMPRESSED_FILE 4
#endif

/* What the first switch found: the one piece of process state this needs. */
static struct {
	bool switched;
	enum vb_kvm_flavour flavour;
	char orig[8];			/* "1" or "0": the parameter as found */
	char now[8];			/* as currently loaded by us */
} sw;

static const char *module_name(enum vb_kvm_flavour f)
{
	return f == VB_KVM_INTEL ? "kvm_intel" : "kvm_amd";
}

static const char *param_name(enum vb_kvm_flavour f)
{
	return f == VB_KVM_INTEL ? "ept" : "npt";
}

int vb_kvm_module_users(const char *root, enum vb_kvm_flavour f)
{
	char path[512];
	FILE *fp;
	int n = -1;

	snprintf(path, sizeof(path), "%s/sys/module/%s/refcnt", root ? root : vb_sysfs_root(),
		 module_name(f));
	fp = fopen(path, "r");
	if (!fp)
		return -1;
	if (fscanf(fp, "%d", &n) != 1)
		n = -1;
	fclose(fp);
	return n;
}

/* "pid 123, pid 456" of the VMs KVM lists in debugfs, for the refusal message. */
static void vm_holders(char *buf, size_t len)
{
	DIR *d = opendir("/sys/kernel/debug/kvm");
	struct dirent *e;
	size_t used = 0;

	buf[0] = '\0';
	if (!d)
		return;
	while ((e = readdir(d)) && used < len) {
		int pid;

		if (sscanf(e->d_name, "%d-", &pid) == 1)
			used += (size_t)snprintf(buf + used, len - used, "%spid %d",
						 used ? ", " : "", pid);
	}
	closedir(d);
}

/* The module file under dir (searched recursively): kvm-amd.ko, kvm_amd.ko,
 * optionally compressed. */
static bool find_ko(const char *dir, const char *mod, char *out, size_t len, int depth)
{
	static const char *const suffix[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz" };
	char dash[32], path[PATH_MAX];
	DIR *d;
	struct dirent *e;
	bool found = false;

	snprintf(dash, sizeof(dash), "%s", mod);
	for (char *p = dash; *p; p++)
		if (*p == '_')
			*p = '-';
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		struct stat st;

		for (int v = 0; v < 2; v++) {
			snprintf(path, sizeof(path), "%s/%s%s", dir, v ? mod : dash, suffix[i]);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				snprintf(out, len, "%s", path);
				return true;
			}
		}
	}
	if (depth > 8 || !(d = opendir(dir)))
		return false;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.' || e->d_type != DT_DIR)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		found = find_ko(path, mod, out, len, depth + 1);
	}
	closedir(d);
	return found;
}

/* $VBENCH_MODPROBE, a test double that stands in for every module operation:
 * "CMD -r kvm_amd" unloads, "CMD kvm_amd npt=0" loads. NULL when unset. */
static const char *modprobe_double(void)
{
	const char *cmd = getenv("VBENCH_MODPROBE");

	return cmd && cmd[0] ? cmd : NULL;
}

static int run_modprobe(const char *cmd, const char *a1, const char *a2, char *err, size_t errlen)
{
	char *argv[] = { (char *)cmd, (char *)a1, (char *)a2, NULL };
	struct vb_spawn_opts o = { .timeout_s = 60, .stderr_to_stdout = true };
	struct vb_spawn_result res;

	if (vb_spawn_run(argv, &o, &res) < 0)
		return vb_errf(err, errlen, "%s: %s", cmd, res.err);
	if (!res.exited || res.exit_code != 0) {
		char how[128];

		vb_spawn_describe(&res, o.timeout_s, how, sizeof(how));
		return vb_errf(err, errlen, "%s %s %s: %s: %s", cmd, a1, a2, how, res.tail);
	}
	return 0;
}

static int unload(enum vb_kvm_flavour f, char *err, size_t errlen)
{
	int users = vb_kvm_module_users(NULL, f);

	/* Never under a VM or an open /dev/kvm, the double's fake refcnt included. */
	if (users > 0)
		return vb_errf(err, errlen, "%s is in use (refcnt %d): not unloading it under a "
			       "VM or an open /dev/kvm", module_name(f), users);
	if (modprobe_double())
		return run_modprobe(modprobe_double(), "-r", module_name(f), err, errlen);
	/* O_NONBLOCK: fail at once (EWOULDBLOCK) rather than wait while in use. */
	if (syscall(SYS_delete_module, module_name(f), O_NONBLOCK) < 0 && errno != ENOENT)
		return vb_errf(err, errlen, "removing %s: %s", module_name(f), strerror(errno));
	return 0;
}

static int load(enum vb_kvm_flavour f, const char *value, char *err, size_t errlen)
{
	const char *dir = getenv("VBENCH_KMOD_DIR");
	char arg[32];

	snprintf(arg, sizeof(arg), "%s=%s", param_name(f), value);
	if (modprobe_double())
		return run_modprobe(modprobe_double(), module_name(f), arg, err, errlen);
	if (dir && dir[0]) {
		char ko[PATH_MAX];
		int fd, flags = 0;
		long r;

		if (!find_ko(dir, module_name(f), ko, sizeof(ko), 0))
			return vb_errf(err, errlen,
				       "no %s.ko (or kvm-%s.ko) under VBENCH_KMOD_DIR=%s",
				       module_name(f), f == VB_KVM_INTEL ? "intel" : "amd", dir);
		fd = open(ko, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return vb_errf(err, errlen, "%s: %s", ko, strerror(errno));
		if (strstr(ko, ".ko."))
			flags |= MODULE_INIT_COMPRESSED_FILE;
		r = syscall(SYS_finit_module, fd, arg, flags);
		close(fd);
		if (r < 0)
			return vb_errf(err, errlen, "loading %s %s: %s", ko, arg, strerror(errno));
		return 0;
	}
	return run_modprobe("modprobe", module_name(f), arg, err, errlen);
}

/* Unload and load with value; /dev/kvm comes back from devtmpfs shortly after. */
static int reload(enum vb_kvm_flavour f, const char *value, char *err, size_t errlen)
{
	struct timespec ms10 = { 0, 10000000 };

	if (unload(f, err, errlen) < 0 || load(f, value, err, errlen) < 0)
		return -1;
	snprintf(sw.now, sizeof(sw.now), "%s", value);
	/* The double loads no module: no /dev/kvm to wait for. */
	for (int i = 0; i < 300 && !modprobe_double() && access("/dev/kvm", F_OK) != 0; i++)
		nanosleep(&ms10, NULL);
	return 0;
}

static int restore_now(char *err, size_t errlen)
{
	if (!sw.switched || !strcmp(sw.now, sw.orig))
		return 0;
	return reload(sw.flavour, sw.orig, err, errlen);
}

int vb_modeswitch_put_back(enum vb_kvm_flavour f, const char *orig, char *err, size_t errlen)
{
	struct timespec ms100 = { 0, 100000000 };
	struct vb_kvm_state st;
	const char *now;

	/* vbench's VMs die with it (PR_SET_PDEATHSIG), but not at once. */
	for (int i = 0; i < 100 && vb_kvm_module_users(NULL, f) > 0; i++)
		nanosleep(&ms100, NULL);
	vb_kvm_detect(NULL, &st);
	now = f == VB_KVM_INTEL ? st.ept : st.npt;
	if (st.flavour == f &&
	    (now[0] == 'Y' || now[0] == 'y' || now[0] == '1') == (orig[0] == '1'))
		return 0;
	if (unload(f, err, errlen) < 0)
		return -1;
	return load(f, orig, err, errlen);
}

void vb_modeswitch_left(enum vb_kvm_flavour f, const char *orig, char *buf, size_t len)
{
	struct vb_kvm_state st;
	const char *now, *mod = module_name(f), *par = param_name(f);

	vb_kvm_detect(NULL, &st);
	now = f == VB_KVM_INTEL ? st.ept : st.npt;
	if (st.flavour != f)
		snprintf(buf, len, "the host is left without %s: put it back with: "
			 "modprobe %s %s=%s", mod, mod, par, orig);
	else
		snprintf(buf, len, "the host is left with %s %s=%s: put it back with: "
			 "modprobe -r %s && modprobe %s %s=%s", mod, par, now[0] ? now : "?",
			 mod, mod, par, orig);
}

int vb_modeswitch_restore(char *err, size_t errlen)
{
	int r = restore_now(err, errlen);

	if (r == 0 && sw.switched) {
		/* Back as found: the guardian has nothing left to do for the module. */
		vb_guardian_clear_module();
		sw.switched = false;
	}
	return r;
}

int vb_modeswitch_to(struct vb_kvm_state *st, enum vb_mode m, char *err, size_t errlen)
{
	const char *want;
	int users;
	char holders[256];

	if (st->flavour != VB_KVM_INTEL && st->flavour != VB_KVM_AMD)
		return vb_errf(err, errlen,
			       "KVM here is %s: only kvm_intel and kvm_amd can switch between SLAT "
			       "and shadow paging",
			       vb_kvm_flavour_name(st->flavour));
	if ((m == VB_MODE_EPT && st->flavour != VB_KVM_INTEL) ||
	    (m == VB_MODE_NPT && st->flavour != VB_KVM_AMD))
		return vb_errf(err, errlen, "%s cannot give mode %s",
			       vb_kvm_flavour_name(st->flavour), vb_mode_name(m));
	if (m != VB_MODE_SHADOW && m != VB_MODE_EPT && m != VB_MODE_NPT && m != VB_MODE_TDP)
		return vb_errf(err, errlen, "mode %s is not a KVM paging mode", vb_mode_name(m));
	if (geteuid() != 0)
		return vb_errf(err, errlen, "reloading %s needs root", module_name(st->flavour));
	users = vb_kvm_module_users(NULL, st->flavour);
	if (users != 0) {
		vm_holders(holders, sizeof(holders));
		if (users < 0)
			return vb_errf(
				err, errlen,
				"cannot read /sys/module/%s/refcnt: refusing to reload blind",
				module_name(st->flavour));
		return vb_errf(err, errlen,
			       "%s is in use (refcnt %d%s%s): another VM or /dev/kvm user is "
			       "running; stop it first",
			       module_name(st->flavour), users, holders[0] ? ": " : "", holders);
	}
	want = m == VB_MODE_SHADOW ? "0" : "1";
	if (!sw.switched) {
		sw.flavour = st->flavour;
		snprintf(sw.orig, sizeof(sw.orig), "%s", st->paging == VB_MODE_SHADOW ? "0" : "1");
		snprintf(sw.now, sizeof(sw.now), "%s", sw.orig);
		/* Normally started by `vbench run` before anything changed. */
		if (vb_guardian_start(err, errlen) < 0)
			return -1;
		vb_guardian_note_module(sw.flavour, sw.orig);
		sw.switched = true;
	}
	if (reload(st->flavour, want, err, errlen) < 0) {
		char again[256];

		/* Whatever failed, do not leave the host without its module. */
		if (restore_now(again, sizeof(again)) < 0 || access("/dev/kvm", F_OK) != 0)
			load(st->flavour, sw.orig, again, sizeof(again));
		return -1;
	}
	vb_kvm_detect(NULL, st);
	if (m == VB_MODE_SHADOW ? st->paging != VB_MODE_SHADOW : st->paging == VB_MODE_SHADOW)
		return vb_errf(
			err, errlen,
			"reloaded %s with %s=%s, but it runs %s paging (does the CPU have %s?)",
			module_name(st->flavour), param_name(st->flavour), want,
			vb_mode_name(st->paging), param_name(st->flavour));
	return 0;
}
