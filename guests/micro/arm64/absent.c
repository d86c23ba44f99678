/* absent.c: the micro guest's entry on arm64, where it does not run yet: its
 * VM setup (KVM_SET_SREGS, long mode) and kernels (guests/micro/guest.S) are
 * x86 code, and so is its kernel table (each row points at its kernel's code in
 * guest.S). The entry keeps the name and lists no benches: a plan that asks
 * for the micro guest is told why; --guest auto picks the Linux guest
 * instead. Built instead of guests/micro/ by ARCH=arm64. */
#include "harness/point.h"
#include "harness/guest.h"
#include "harness/guestrun.h"

#include <stdio.h>

static bool absent_usable(const struct vb_point *pt, const struct vb_kvm_state *kvm,
			  const struct vb_run_opts *o, char *why, size_t len)
{
	(void)pt, (void)kvm, (void)o;
	snprintf(why, len, "the micro guest is not on arm64 yet (its VM setup and kernels are x86 "
		 "code): use --guest linux, or run natively");
	return false;
}

static bool no_benches(int i, struct vb_catalog_entry *out)
{
	(void)i, (void)out;
	return false;
}

static int absent_run(const struct vb_point *pt, const struct vb_run_opts *o, json_t *row)
{
	char why[256];

	absent_usable(pt, NULL, o, why, sizeof(why));
	return vb_row_status(row, "skipped", "%s", why);
}

const struct vb_guest vb_guest_micro = {
	.name = "micro",
	.where = "in the micro guest",
	.summary = "vbench's own VM on /dev/kvm (x86 only: not on arm64 yet)",
	.no_thp_guest_pages = true,
	.bench_at = no_benches,
	.usable = absent_usable,
	.run_one = absent_run,
};
