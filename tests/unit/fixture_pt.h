/* fixture_pt.h: 8 MiB of zero-checked guest memory with a table-page pool in
 * it and an empty root table, for the page-table builders' tests (x86's and
 * arm64's); header-only, each test binary is one file. The including test
 * names its suite: TestSuite(NAME, .init = fx_pt_setup, .fini = fx_pt_teardown). */
#ifndef VB_FIXTURE_PT_H
#define VB_FIXTURE_PT_H

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "guests/micro/pagetable.h"

#define MEM_SIZE	(8UL << 20)
#define POOL		(1UL << 20)
#define G		(1ULL << 30)
#define M2		(2ULL << 20)

static uint8_t *mem;
static struct vb_pt pt;
static uint64_t root;
static char err[256];

static void fx_pt_setup(void)
{
	mem = aligned_alloc(4096, MEM_SIZE);
	cr_assert_not_null(mem);
	memset(mem, 0xaa, MEM_SIZE);	/* the builder must zero what it allocates */
	vb_pt_init(&pt, mem, 0, MEM_SIZE, POOL, MEM_SIZE);
	cr_assert_eq(vb_pt_alloc(&pt, &root), 0);
}

static void fx_pt_teardown(void)
{
	free(mem);
}

#endif
