/* micro.h: one micro-guest row while it runs, as a kernel's host-side hooks
 * (guests/micro/kernels.h) see it: the VM, the mailbox, the page size asked
 * for, and what the hooks fill in for micro.c; and the guest's run_one. */
#ifndef VB_MICRO_MICRO_H
#define VB_MICRO_MICRO_H

#include <stdint.h>
#include <jansson.h>

#include "guests/micro/guest.h"
#include "guests/micro/kernels.h"
#include "guests/micro/pagetable.h"
#include "guests/micro/vm.h"
#include "harness/point.h"

#define VB_MICRO_WALK_ROOTS 512

struct vb_micro {
	const struct vb_point *pt;
	const struct vb_run_opts *opts;
	const struct vb_micro_kernel *k;
	enum vb_kvm_flavour flavour;		/* the host's KVM */
	struct vb_vm vm;
	uint64_t *mb;				/* the mailbox, host view (from prepare on) */
	enum vb_page_size gps;			/* guest leaf size */
	uint64_t gsz;				/* its bytes */
	/* Set by the kernel's size(), before the VM exists. */
	uint64_t data_len;			/* bytes of the data slot (not 0) */
	uint64_t pt_pages;			/* page-table pool pages the tables need */
	uint64_t walk_gva, walk_len;		/* the range pages.verified walks */
	/* Set by the kernel's prepare(). */
	uint64_t walk_root[VB_MICRO_WALK_ROOTS];/* trees that range is walked in */
	int n_walk;
	uint64_t ops, first_ops;		/* operations per timed pass, per first pass */
	uint64_t sub_ops;			/* finer operations per op, for the sub metric */
	char err[512];
};

/* The point's value of a parameter of the kernel's table. */
uint64_t vb_micro_param(const struct vb_micro *m, const char *name);
/* For a kernel's size(): a data slot of len bytes, mapped at VB_G_DATA by
 * vb_micro_map_data() and walked over all of it for pages.verified. */
void vb_micro_size_data(struct vb_micro *m, uint64_t len);
/* Map the data slot at VB_G_DATA (GVA == GPA) with guest leaves of m->gps in
 * the tree the guest starts on, and walk it for pages.verified. -1 with
 * m->err on failure. */
int vb_micro_map_data(struct vb_micro *m);

/* The one-instruction exit kernels (each architecture's exitcost.c): their
 * one parameter, ops; a data slot of one guest page; and a prepare that puts
 * ops in ARG0 and arg1 (what the instruction takes) in ARG1. */
extern const struct vb_param_def vb_micro_exit_params[];
int vb_micro_exit_size(struct vb_micro *m);
int vb_micro_exit_prepare(struct vb_micro *m, uint64_t arg1);

/* The micro guest's run_one (harness/guest.h): fills `row` (already holding
 * bench, mode, guest, pages.requested, params, started) with samples, stats,
 * pages.verified, counters, status and reason. Returns 0 whenever it wrote a
 * status (ok, skipped or failed); -1 only for errors that must stop the run. */
int vb_micro_run(const struct vb_point *pt, const struct vb_run_opts *opts, json_t *row);

#endif
