/* cr3switch.c: the micro guest's cr3switch kernel, host side: N trees that
 * share everything but PML4 entry 1, where each maps its own page. */
#include "guests/micro/micro.h"
#include "lib/error.h"

#include <stdio.h>

VB_GUEST_KERNEL(cr3switch);

/* CPL0 defaults are small: on PVM every CPL0 instruction is emulated (~6.5 us). */
static const struct vb_param_def params[] = {
	{ .name = "spaces", .type = VB_PARAM_U64, .def = 4, .min = 2, .max = VB_MICRO_WALK_ROOTS,
	  .unit = "address spaces", .help = "address spaces switched between round robin" },
	{ .name = "switches", .type = VB_PARAM_U64, .def = 1000, .min = 1, .max = 1UL << 32,
	  .unit = "switches",
	  .help = "CR3 writes per timed pass, each followed by a load in the new space" },
	{ 0 }
};

static int size(struct vb_micro *m)
{
	uint64_t n = vb_micro_param(m, "spaces");

	/* 1G leaves alias one frame: the spaces still differ in their tables. */
	m->data_len = (m->gps == VB_PS_1G ? 1 : n) * m->gsz;
	m->pt_pages = 4 * n + 2;
	m->walk_gva = VB_G_PRIV;
	m->walk_len = m->gsz;
	return 0;
}

static int prepare(struct vb_micro *m)
{
	uint64_t n = vb_micro_param(m, "spaces"), frames = m->data_len / m->gsz, array;
	struct vb_pt *pt = &m->vm.pt;
	uint64_t *roots;

	if (vb_pt_alloc(pt, &array) < 0)
		return vb_errf(m->err, sizeof(m->err), "page tables: pool exhausted");
	roots = vb_pt_ptr(pt, array);
	roots[0] = m->vm.root;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t frame = VB_G_DATA + (i % frames) * m->gsz;

		if (i > 0) {
			if (vb_pt_alloc(pt, &roots[i]) < 0)
				return vb_errf(m->err, sizeof(m->err),
					       "page tables: pool exhausted");
			/* Code, stacks and data are shared; only the private slot differs. */
			*vb_pt_ptr(pt, roots[i]) = *vb_pt_ptr(pt, m->vm.root);
		}
		if (vb_pt_map(pt, roots[i], VB_G_PRIV, frame, m->gsz, m->gps, VB_PTE_RW | VB_PTE_U,
			      m->err, sizeof(m->err)) < 0)
			return -1;
		*(uint64_t *)vb_vm_gpa(&m->vm, frame, 8) = i + 1;
		m->walk_root[i] = roots[i];
	}
	m->n_walk = (int)n;
	m->mb[MB_ARG0 / 8] = array;
	m->mb[MB_ARG1 / 8] = n;
	m->mb[MB_ARG2 / 8] = vb_micro_param(m, "switches");
	m->mb[MB_ARG3 / 8] = VB_G_PRIV;
	m->ops = m->first_ops = vb_micro_param(m, "switches");
	return 0;
}

/* arm64 tags each space's TLB entries with its own ASID (its index): no
 * more spaces than ASIDs. x86 writes CR3 without PCID, which flushes. */
static bool valid(const struct vb_micro *m, char *why, size_t len)
{
	uint64_t n = vb_micro_param(m, "spaces");

	if (m->vm.asid_bits && n > (1ULL << m->vm.asid_bits)) {
		snprintf(why, len, "%llu spaces need as many ASIDs; this CPU has %u-bit ASIDs",
			 (unsigned long long)n, m->vm.asid_bits);
		return false;
	}
	return true;
}

const struct vb_micro_kernel vb_mk_cr3switch = {
	.name = "cr3switch",
	.summary = "switch CR3 among N address spaces, touching a page in each (context switch), "
		   "at CPL0 (arm64: TTBR0 with an ASID per space, at EL1)",
	.unit = "ns/switch",
	.unit_kind = VB_UNIT_NS_PER_OP,
	.params = params,
	.cpl0 = true,
	.entry = vb_gk_cr3switch,
	.size = size,
	.prepare = prepare,
	.valid = valid,
};
