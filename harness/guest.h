/* guest.h: the guest table. Each way of running plan points (natively, the
 * micro guest, a Linux guest under QEMU, a remote VM over ssh) is one entry;
 * the plan and `vbench run` know a guest only through its entry, the way
 * perf's and git's command tables work. */
#ifndef VB_GUEST_H
#define VB_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>

#include "harness/point.h"
#include "harness/catalog.h"
#include "harness/modes.h"

struct vb_guest {
	const char *name;		/* --guest and the row's `guest` ("none": natively) */
	const char *where;		/* "natively", "in the micro guest", ... for messages */
	const char *summary;		/* one line for `vbench list` */
	bool native;			/* runs mode native (only); the others, guest modes */
	bool per_target;		/* one point per --target (remote) */
	bool auto_pick;			/* --guest auto may choose it, in table order */
	bool mode_declared;		/* the row's mode is the user's word, not verified */
	bool no_thp_guest_pages;	/* builds its own page tables: thp is a host backing only */
	/* The host page size is not vbench's to set (natively, a remote
	 * hypervisor): pages are the guest's alone. */
	bool guest_pages_only;
	/* Entry i of the benches it runs, with their parameters; false past the end. */
	bool (*bench_at)(int i, struct vb_catalog_entry *out);
	/* Whether the host's KVM paging mode is the row's mode for these options:
	 * then the run checks the mode, and switches it with --switch-mode, before
	 * run(). NULL: never (native, TCG, a remote hypervisor). */
	bool (*kvm_mode)(const struct vb_run_opts *o);
	/* Whether this host can run the point at all, decided while planning from
	 * the host's KVM state: false with the reason and its remedy. NULL: always. */
	bool (*usable)(const struct vb_point *pt, const struct vb_kvm_state *kvm,
		       const struct vb_run_opts *o, char *why, size_t len);
	/* Host hugetlb memory the point maps, of page size *ps; 0 when none. */
	uint64_t (*hugetlb_bytes)(const struct vb_point *pt, bool hugetlb, enum vb_page_size *ps);
	/* With per_target: checks a --target word; -1 with why. */
	int (*target_check)(const char *target, char *why, size_t len);
	/* With per_target: what the target says of itself (`vbench env --target`):
	 * a new object, or NULL with why. */
	json_t *(*describe)(const char *target, const struct vb_run_opts *o, char *why, size_t len);
	/* Whether b may run in the same boot or connection as a. NULL: never. */
	bool (*shares)(const struct vb_point *a, const struct vb_point *b);
	/* Run n points that share (n is 1 without shares()); rows[i] gets point
	 * i's status. Returns how many leading rows got one (the rest were never
	 * reached and want another call), or -1 only for errors that must stop
	 * the run. */
	int (*run)(const struct vb_point *const *pts, json_t *const *rows, size_t n,
		   const struct vb_run_opts *o);
	/* Or, for a guest that runs one point at a time: run it into row, 0
	 * once the row has a status, -1 only for errors that stop the run. */
	int (*run_one)(const struct vb_point *pt, const struct vb_run_opts *o, json_t *row);
};

/* Run a batch through g's run(), or point by point through its run_one():
 * how many leading rows got a status, or -1. */
int vb_guest_run(const struct vb_guest *g, const struct vb_point *const *pts, json_t *const *rows,
		 size_t n, const struct vb_run_opts *o);

/* The table, NULL-terminated: none (natively) first, then in --guest auto's order. */
extern const struct vb_guest *const vb_guests[];

extern const struct vb_guest vb_guest_none, vb_guest_micro, vb_guest_linux, vb_guest_remote;

/* The entry of that name (natively: "none"), or NULL. */
const struct vb_guest *vb_guest_find(const char *name);
/* "micro, linux, remote": the names --guest takes (auto aside). */
void vb_guest_names(char *buf, size_t len);
/* The bench as that guest runs it; false when it has no such bench. */
bool vb_guest_bench(const struct vb_guest *g, const char *bench, struct vb_catalog_entry *out);
/* The guest that runs a native mode. */
const struct vb_guest *vb_guest_for_native(void);

/* Each guest: name, summary, benches, and per mode it runs whether this host
 * can run it there (with --switch-mode where that reaches it) or why not. */
json_t *vb_guests_json(void);
/* The same for people. */
void vb_guests_print(FILE *f, json_t *guests);

#endif
