/* trace.h: KVM's tracepoints counted on the threads that run a guest, around
 * its timed region: exits by reason (kvm:kvm_exit), the time from each exit
 * to the next entry on the same vCPU (kvm:kvm_entry), and the shadow MMU's
 * work (kvmmmu:*, kvm:kvm_page_fault, kvm:kvm_cr, ...). The *why* beside a
 * row's time: docs/methodology.md, "Exits and the shadow MMU". */
#ifndef VB_TRACE_H
#define VB_TRACE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "harness/modes.h"

/* --trace: how deep. */
enum vb_trace_depth {
	VB_TRACE_NONE,		/* nothing */
	VB_TRACE_COUNTS,	/* counting tracepoints: exits by reason, shadow-MMU events */
	VB_TRACE_WALKS,		/* + kvmmmu:kvm_mmu_pagetable_walk, the frequent one */
	VB_TRACE_LATENCY,	/* + sampled kvm_exit/kvm_entry records: time per reason */
	VB_TRACE_DEPTH_COUNT
};

/* The depth `vbench run` uses without --trace (docs/methodology.md says why). */
#define VB_TRACE_DEFAULT VB_TRACE_COUNTS

const char *vb_trace_depth_name(enum vb_trace_depth d);
/* 0 and *out set, or -1 for an unknown word. */
int vb_trace_depth_parse(const char *word, enum vb_trace_depth *out);
/* The depth of an --trace word, NULL or unknown meaning the default. */
enum vb_trace_depth vb_trace_depth_of(const char *word);

/* Once per run, before any thread starts: when depth asks for tracepoints
 * and tracefs is not mounted, mount it at /sys/kernel/tracing, having told
 * the restore guardian to unmount it when vbench ends. Returns 0, or -1
 * with why filled (not root, mount refused): the rows then say it. */
int vb_trace_host_prepare(enum vb_trace_depth d, char *why, size_t len);

struct vb_trace;

/* A new set for depth d on a host of KVM flavour f (which picks the VMX or
 * SVM table of exit reasons); NULL for VB_TRACE_NONE or out of memory.
 * VB_TRACE_DOUBLE=FILE replaces the kernel with recorded records
 * (docs/methodology.md). Never fails otherwise: what cannot be traced is
 * kept as the reason the row will carry. */
struct vb_trace *vb_trace_new(enum vb_trace_depth d, enum vb_kvm_flavour f);
/* Count on thread tid too (a vCPU thread): rows sum over the threads. */
void vb_trace_add_thread(struct vb_trace *t, pid_t tid);
/* Right before and right after a timed region: counts add up across regions. */
void vb_trace_start(struct vb_trace *t);
void vb_trace_stop(struct vb_trace *t);
/* Forget the counts so far (one Linux guest boot serves several rows). */
void vb_trace_reset(struct vb_trace *t);
/* Set the row's `exits` and `shadow_mmu` blocks; ops (0: unknown) gives
 * the per-operation figures. Does nothing for a NULL t. */
void vb_trace_json(const struct vb_trace *t, uint64_t ops, json_t *row);
void vb_trace_free(struct vb_trace *t);

/* One row of several invocations: add one's `exits` and `shadow_mmu` counts
 * into acc's (reasons matched by name, mean latencies reweighted), the
 * per-operation figures taken again from acc's counters.ops, which must
 * already hold both invocations' operations. */
void vb_trace_merge_json(json_t *acc, json_t *one);

#endif
