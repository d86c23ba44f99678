/* modeswitch.c: --switch-mode: reload kvm_intel/kvm_amd with ept=/npt=
 * flipped, and put the original back. vb_modeswitch_restore does it at the end
 * of a run; for every other end (vb_die, a signal, SIGKILL, the OOM killer)
 * the restore guardian (guardian.c), told before the first reload, does it. */
#include "harness/modeswitch.h"
#include "harness/kmod.h"
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

static int reload(enum vb_kvm_flavour f, const char *value, char *err, size_t errlen)
{
	struct timespec ms10 = { 0, 10000000 };

	if (vb_kmod_unload(f, err, errlen) < 0 || vb_kmod_load(f, value, err, errlen) < 0)
		return -1;
	snprintf(sw.now, sizeof(sw.now), "%s", value);
	/* The double loads no module: no /dev/kvm to wait for. */
	for (int i = 0; i < 300 && !vb_kmod_double() && access("/dev/kvm", F_OK) != 0; i++)
		nanosleep(&ms10, NULL);
	return 0;
}

static int restore_now(char *err, size_t errlen)
{
	if (!sw.switched || !strcmp(sw.now, sw.orig))
		return 0;
	return reload(sw.flavour, sw.orig, err, errlen);
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
		return vb_errf(err, errlen, "reloading %s needs root", vb_kmod_name(st->flavour));
	users = vb_kvm_module_users(NULL, st->flavour);
	if (users != 0) {
		vb_kmod_holders(holders, sizeof(holders));
		if (users < 0)
			return vb_errf(
				err, errlen,
				"cannot read /sys/module/%s/refcnt: refusing to reload blind",
				vb_kmod_name(st->flavour));
		return vb_errf(err, errlen,
			       "%s is in use (refcnt %d%s%s): another VM or /dev/kvm user is "
			       "running; stop it first",
			       vb_kmod_name(st->flavour), users, holders[0] ? ": " : "", holders);
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
			vb_kmod_load(st->flavour, sw.orig, again, sizeof(again));
		return -1;
	}
	vb_kvm_detect(NULL, st);
	if (m == VB_MODE_SHADOW ? st->paging != VB_MODE_SHADOW : st->paging == VB_MODE_SHADOW)
		return vb_errf(
			err, errlen,
			"reloaded %s with %s=%s, but it runs %s paging (does the CPU have %s?)",
			vb_kmod_name(st->flavour), vb_kmod_param(st->flavour), want,
			vb_mode_name(st->paging), vb_kmod_param(st->flavour));
	return 0;
}
