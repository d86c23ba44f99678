/* kmod.c: the KVM vendor module (kvm_intel, kvm_amd) loaded with a paging
 * setting, unloaded, and put back as found: the operations that both
 * --switch-mode (modeswitch.c) and the restore guardian (guardian.c) use. */
#include "harness/kmod.h"
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

const char *vb_kmod_name(enum vb_kvm_flavour f)
{
	return f == VB_KVM_INTEL ? "kvm_intel" : "kvm_amd";
}

const char *vb_kmod_param(enum vb_kvm_flavour f)
{
	return f == VB_KVM_INTEL ? "ept" : "npt";
}

int vb_kvm_module_users(const char *root, enum vb_kvm_flavour f)
{
	char path[512];
	FILE *fp;
	int n = -1;

	snprintf(path, sizeof(path), "%s/sys/module/%s/refcnt", root ? root : vb_sysfs_root(),
		 vb_kmod_name(f));
	fp = fopen(path, "r");
	if (!fp)
		return -1;
	if (fscanf(fp, "%d", &n) != 1)
		n = -1;
	fclose(fp);
	return n;
}

/* "pid 123, pid 456" of the VMs KVM lists in debugfs, for the refusal message. */
void vb_kmod_holders(char *buf, size_t len)
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
const char *vb_kmod_double(void)
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

int vb_kmod_unload(enum vb_kvm_flavour f, char *err, size_t errlen)
{
	int users = vb_kvm_module_users(NULL, f);

	/* Never under a VM or an open /dev/kvm, the double's fake refcnt included. */
	if (users > 0)
		return vb_errf(err, errlen, "%s is in use (refcnt %d): not unloading it under a "
			       "VM or an open /dev/kvm", vb_kmod_name(f), users);
	if (vb_kmod_double())
		return run_modprobe(vb_kmod_double(), "-r", vb_kmod_name(f), err, errlen);
	/* O_NONBLOCK: fail at once (EWOULDBLOCK) rather than wait while in use. */
	if (syscall(SYS_delete_module, vb_kmod_name(f), O_NONBLOCK) < 0 && errno != ENOENT)
		return vb_errf(err, errlen, "removing %s: %s", vb_kmod_name(f), strerror(errno));
	return 0;
}

int vb_kmod_load(enum vb_kvm_flavour f, const char *value, char *err, size_t errlen)
{
	const char *dir = getenv("VBENCH_KMOD_DIR");
	char arg[32];

	snprintf(arg, sizeof(arg), "%s=%s", vb_kmod_param(f), value);
	if (vb_kmod_double())
		return run_modprobe(vb_kmod_double(), vb_kmod_name(f), arg, err, errlen);
	if (dir && dir[0]) {
		char ko[PATH_MAX];
		int fd, flags = 0;
		long r;

		if (!find_ko(dir, vb_kmod_name(f), ko, sizeof(ko), 0))
			return vb_errf(err, errlen,
				       "no %s.ko (or kvm-%s.ko) under VBENCH_KMOD_DIR=%s",
				       vb_kmod_name(f), f == VB_KVM_INTEL ? "intel" : "amd", dir);
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
	return run_modprobe("modprobe", vb_kmod_name(f), arg, err, errlen);
}

/* Unload and load with value; /dev/kvm comes back from devtmpfs shortly after. */
int vb_kmod_put_back(enum vb_kvm_flavour f, const char *orig, char *err, size_t errlen)
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
	if (vb_kmod_unload(f, err, errlen) < 0)
		return -1;
	return vb_kmod_load(f, orig, err, errlen);
}

void vb_kmod_left(enum vb_kvm_flavour f, const char *orig, char *buf, size_t len)
{
	struct vb_kvm_state st;
	const char *now, *mod = vb_kmod_name(f), *par = vb_kmod_param(f);

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
