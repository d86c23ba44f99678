/* Unit tests of the guest table: every bench has a guest that runs it, and
 * no guest claims a bench that what it runs (vbench-guest, or the micro
 * guest's kernels) does not have. */
#include <criterion/criterion.h>
#include <string.h>

#include "guests/micro/kernels.h"
#include "harness/guest.h"
#include "microbench/bench.h"

/* The guest that runs the bench in mode native, and the first guest-mode one. */
static void who_runs(const char *bench, const struct vb_guest **native,
		     const struct vb_guest **guest)
{
	struct vb_catalog_entry e;

	*native = *guest = NULL;
	for (int g = 0; vb_guests[g]; g++) {
		if (!vb_guest_bench(vb_guests[g], bench, &e))
			continue;
		if (vb_guests[g]->native && !*native)
			*native = vb_guests[g];
		if (!vb_guests[g]->native && !*guest)
			*guest = vb_guests[g];
	}
}

Test(guest, every_bench_runs_natively_and_in_a_guest_mode)
{
	const struct vb_guest *n, *g;

	for (int i = 0; vb_benches[i]; i++) {
		who_runs(vb_benches[i]->name, &n, &g);
		cr_assert_not_null(n, "%s has no guest for mode native", vb_benches[i]->name);
		cr_assert_not_null(g, "%s has no guest for the guest modes", vb_benches[i]->name);
		cr_assert(g->auto_pick, "%s: --guest auto would never find it",
			  vb_benches[i]->name);
	}
	for (int i = 0; vb_micro_kernels[i]; i++) {
		who_runs(vb_micro_kernels[i]->name, &n, &g);
		cr_assert_eq(g, &vb_guest_micro, "%s", vb_micro_kernels[i]->name);
	}
}

Test(guest, no_guest_claims_a_bench_it_cannot_run)
{
	struct vb_catalog_entry e;

	for (int g = 0; vb_guests[g]; g++) {
		const struct vb_guest *gu = vb_guests[g];

		for (int i = 0; gu->bench_at(i, &e); i++) {
			/* The micro guest runs its kernels; every other guest runs vbench-guest. */
			if (gu == &vb_guest_micro) {
				const struct vb_micro_kernel *k = vb_micro_kernel_find(e.name);

				cr_assert_not_null(k, "micro claims %s, which has no kernel",
						   e.name);
				cr_assert_eq(e.params, k->params,
					     "%s: not the kernel's own parameters", e.name);
			} else {
				const struct vb_bench *b = vb_bench_find(e.name);

				cr_assert_not_null(b, "%s claims %s, which vbench-guest lacks",
						   gu->name, e.name);
				cr_assert_eq(e.params, b->params,
					     "%s: not the bench's own parameters", e.name);
			}
		}
	}
}

Test(guest, entries_are_complete_and_names_unique)
{
	for (int g = 0; vb_guests[g]; g++) {
		const struct vb_guest *gu = vb_guests[g];

		cr_assert(gu->name && gu->where && gu->summary && gu->bench_at &&
				  (gu->run || gu->run_one),
			  "%s", gu->name);
		cr_assert(!(gu->run_one && gu->shares), "%s: a guest that shares runs batches",
			  gu->name);
		cr_assert_eq(vb_guest_find(gu->name), gu);
		cr_assert(!gu->per_target || gu->target_check, "%s takes targets but checks none",
			  gu->name);
		cr_assert(!(gu->native && gu->kvm_mode), "native rows have no KVM mode");
	}
	cr_assert_eq(vb_guest_for_native(), &vb_guest_none);
	cr_assert_null(vb_guest_find("auto"), "auto is a choice among guests, not one");
}
