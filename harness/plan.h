/* plan.h: the matrix of benches x modes x pages x parameters, read from a
 * plan file (docs/plan-format.md) or from flags, and expanded into points. */
#ifndef VB_PLAN_H
#define VB_PLAN_H

#include <stddef.h>

#include "harness/point.h"

#define VB_PLAN_BENCHES_MAX 64
#define VB_PLAN_VALUES_MAX 512
#define VB_SWEEP_MAX 64		/* values of one parameter sweep */
#define VB_INVOCATIONS_DEFAULT 3		/* per point, unless a plan or --invocations says */
#define VB_INVOCATIONS_MAX 100
#define VB_TARGETS_MAX 16		/* --target machines of one run */
#define VB_PLAN_POINTS_MAX 100000	/* default cap of an expanded plan (--max-points) */

struct vb_plan_bench {
	char name[32];
	int line;			/* where it came from, for errors; 0 for flags */
	int n_params;
	struct {
		char name[32];
		char values[VB_PLAN_VALUES_MAX];	/* "16M,64M,512M": a sweep */
	} p[VB_PARAMS_MAX];
};

struct vb_plan {
	char source[256];		/* file name, or "flags" */
	enum vb_mode modes[VB_MODE_COUNT];
	int n_modes;
	bool modes_set;			/* a mode line or --mode gave them */
	bool mode_kvm;			/* "kvm" was among them (vb_plan_resolve_kvm) */
	struct vb_pages pages[VB_PAGES_MAX];
	int n_pages;
	const struct vb_guest *guest;	/* for non-native modes; NULL: auto, per bench */
	bool guest_set;
	char targets[VB_TARGETS_MAX][256];	/* for a guest with one point per target */
	int n_targets;
	struct vb_stop_rule stop;
	unsigned warmup;
	unsigned invocations;		/* independent invocations per point, interleaved */
	double timeout_s;
	struct vb_plan_bench benches[VB_PLAN_BENCHES_MAX];
	int n_benches;
	size_t max_points;		/* cap on the expanded points; 0: VB_PLAN_POINTS_MAX */
};

/* A point that cannot run as planned carries the reason and becomes a
 * skipped row instead of running. */
struct vb_plan_point {
	struct vb_point pt;
	char skip[256];
};

void vb_plan_defaults(struct vb_plan *plan);
/* A mode list (a plan's mode line, --mode): the modes of vb_mode_list_parse,
 * and "kvm", the mode /dev/kvm gives now without --switch-mode, which
 * vb_plan_resolve_kvm turns into a mode once the host is read. */
int vb_plan_set_modes(struct vb_plan *plan, const char *list, char *err, size_t errlen);
/* The mode "kvm" stands for on this host: its KVM's paging mode (shadow, ept
 * or npt); shadow where there is no usable KVM, so that its rows say why. */
enum vb_mode vb_plan_kvm_mode(const struct vb_kvm_state *kvm);
/* Replace "kvm" by vb_plan_kvm_mode(kvm), after the other modes, once. */
void vb_plan_resolve_kvm(struct vb_plan *plan, const struct vb_kvm_state *kvm);
/* Strict: an unknown keyword, bench, parameter or value is an error
 * "<file>:<line>: <why>". */
int vb_plan_parse_file(const char *path, struct vb_plan *plan, char *err, size_t errlen);
int vb_plan_parse_text(const char *text, const char *name, struct vb_plan *plan, char *err,
		       size_t errlen);
/* Add a bench with default parameters (--bench). */
int vb_plan_add_bench(struct vb_plan *plan, const char *name, char *err, size_t errlen);
/* Set a parameter sweep on every bench that takes it (--footprint, --set);
 * an error when none does. */
int vb_plan_set_param(struct vb_plan *plan, const char *name, const char *values, char *err,
		      size_t errlen);
/* Keep only the named benches (comma list), adding those the plan lacks. */
int vb_plan_select_benches(struct vb_plan *plan, const char *list, char *err, size_t errlen);

/* --guest / the plan's guest line: "auto" (NULL: each bench in the first
 * guest of the table that runs it here) or the name of a guest of the table. */
int vb_plan_set_guest(struct vb_plan *plan, const char *name, char *err, size_t errlen);

/* Expand into points, in the order they run: mode, bench, parameters, pages
 * (and targets). Each point gets its guest; one this host cannot run (as the
 * guest's usable() says from kvm and opts) carries the reason as a planned
 * skip. *out is malloc'd. Refused (-1, err naming the count and how to raise
 * the cap) before anything is allocated when there would be more than
 * plan->max_points points. */
int vb_plan_expand(const struct vb_plan *plan, const struct vb_kvm_state *kvm,
		   const struct vb_run_opts *opts, struct vb_plan_point **out, size_t *n,
		   char *err, size_t errlen);

#endif
