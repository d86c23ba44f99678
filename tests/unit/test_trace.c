/* test_trace.c: KVM's tracepoints from the trace double (VB_TRACE_DOUBLE,
 * docs/methodology.md) into a row's exits and shadow_mmu: reasons named by
 * the SVM and VMX tables, latencies, absent tracepoints with their reason,
 * invocations adding up; and the --trace words. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/exitreason.h"
#include "harness/trace.h"
#include "lib/row.h"

static char path[64];

static void double_of(const char *text)
{
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/vb-trace-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	setenv("VB_TRACE_DOUBLE", path, 1);
}

static void drop(void)
{
	unlink(path);
	unsetenv("VB_TRACE_DOUBLE");
}

TestSuite(trace, .fini = drop);

/* Two timed passes of one recorded pass each, 10 operations in all. */
static json_t *row_of(enum vb_trace_depth d, enum vb_kvm_flavour f)
{
	struct vb_trace *t = vb_trace_new(d, f);
	json_t *row = json_object();

	cr_assert_not_null(t);
	vb_trace_add_thread(t, getpid());
	for (int i = 0; i < 2; i++) {
		vb_trace_start(t);
		vb_trace_stop(t);
	}
	vb_trace_json(t, 10, row);
	vb_trace_free(t);
	return row;
}

static json_t *reason(json_t *row, const char *name)
{
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(row, "exits"), "reasons"), i, r)
		if (!strcmp(json_string_value(json_object_get(r, "reason")), name))
			return r;
	return NULL;
}

Test(trace, depth_words)
{
	enum vb_trace_depth d;

	cr_assert_eq(vb_trace_depth_parse("latency", &d), 0);
	cr_assert_eq(d, VB_TRACE_LATENCY);
	cr_assert_eq(vb_trace_depth_parse("lots", &d), -1);
	cr_assert_eq(vb_trace_depth_of(NULL), VB_TRACE_DEFAULT);
	cr_assert_null(vb_trace_new(VB_TRACE_NONE, VB_KVM_AMD));
}

Test(trace, reason_tables_by_isa)
{
	char b[32];

	cr_assert_str_eq(vb_exit_reason_name(VB_ISA_SVM, 0x400, b, sizeof(b)), "npf");
	cr_assert_str_eq(vb_exit_reason_name(VB_ISA_SVM, 0x4e, b, sizeof(b)), "PF excp");
	cr_assert_str_eq(vb_exit_reason_name(VB_ISA_VMX, 48, b, sizeof(b)), "EPT_VIOLATION");
	cr_assert_str_eq(vb_exit_reason_name(VB_ISA_VMX, 0x80000021, b, sizeof(b)),
			 "vmx_2147483681");
	cr_assert_str_eq(vb_exit_reason_name(VB_ISA_SVM, 0x99, b, sizeof(b)), "svm_0x99");
	cr_assert_eq(vb_exit_reason_kind(VB_ISA_SVM, 0x13), VB_EXIT_KIND_SHADOW);
	cr_assert_eq(vb_exit_reason_kind(VB_ISA_VMX, 49), VB_EXIT_KIND_SLAT);
}

Test(trace, counts_and_latencies_from_the_double)
{
	json_t *row, *e, *r;

	double_of("isa svm\nexit 78 2000\nexit 78 1000\nexit 19 900\nexit 153 400\n"
		  "event kvm_mmu_pagetable_walk 40\nevent kvm_mmu_get_page 2\n");
	row = row_of(VB_TRACE_LATENCY, VB_KVM_AMD);
	e = json_object_get(row, "exits");
	cr_assert_str_eq(json_string_value(json_object_get(e, "isa")), "svm");
	cr_assert_str_eq(json_string_value(json_object_get(e, "source")), "double");
	cr_assert_eq(json_integer_value(json_object_get(e, "total")), 8);
	cr_assert_float_eq(json_number_value(json_object_get(e, "per_op")), 0.8, 1e-9);
	r = reason(row, "PF excp");
	cr_assert_not_null(r);
	cr_assert_eq(json_integer_value(json_object_get(r, "count")), 4);
	cr_assert_str_eq(json_string_value(json_object_get(r, "kind")), "shadow");
	cr_assert_float_eq(json_number_value(json_object_get(r, "mean_ns")), 1500, 1e-9);
	cr_assert_float_eq(json_number_value(json_object_get(r, "time_ns")), 6000, 1e-9);
	/* A reason outside the tracked ones is "other", never dropped. */
	r = reason(row, "other");
	cr_assert_not_null(r);
	cr_assert_eq(json_integer_value(json_object_get(r, "count")), 2);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_object_get(row,
		     "shadow_mmu"), "events"), "pagetable_walk")), 80);
	json_decref(row);
}

Test(trace, counts_depth_has_no_latency)
{
	json_t *row, *r;

	double_of("isa vmx\nexit 48 3000\nexit 28 800\n");
	row = row_of(VB_TRACE_COUNTS, VB_KVM_INTEL);
	r = reason(row, "EPT_VIOLATION");
	cr_assert_not_null(r);
	cr_assert_eq(json_integer_value(json_object_get(r, "count")), 2);
	cr_assert(json_is_null(json_object_get(r, "mean_ns")));
	cr_assert_null(json_object_get(json_object_get(row, "exits"), "records"));
	json_decref(row);
}

/* kvm_mmu_pagetable_walk fires on every guest walk: only the walks depth
 * and deeper count it, and a row of the counts depth leaves it out. */
Test(trace, pagetable_walk_from_the_walks_depth_on)
{
	const char *dbl = "isa svm\nexit 78 2000\nevent kvm_mmu_pagetable_walk 40\n"
			  "event kvm_mmu_get_page 2\n";
	enum vb_trace_depth ds[] = { VB_TRACE_COUNTS, VB_TRACE_WALKS, VB_TRACE_LATENCY };

	for (size_t i = 0; i < sizeof(ds) / sizeof(ds[0]); i++) {
		json_t *row, *mmu, *ev;

		double_of(dbl);
		row = row_of(ds[i], VB_KVM_AMD);
		mmu = json_object_get(row, "shadow_mmu");
		ev = json_object_get(mmu, "events");
		cr_assert_eq(json_integer_value(json_object_get(ev, "get_page")), 4);
		if (ds[i] == VB_TRACE_COUNTS)
			cr_assert_null(json_object_get(ev, "pagetable_walk"));
		else
			cr_assert_eq(json_integer_value(json_object_get(ev, "pagetable_walk")), 80);
		cr_assert_eq(json_array_size(json_object_get(mmu, "unavailable")), 0);
		cr_assert_str_eq(json_string_value(json_object_get(json_object_get(row, "exits"),
								   "depth")),
				 vb_trace_depth_name(ds[i]));
		json_decref(row);
		drop();
	}
}

Test(trace, absent_is_said_not_zero)
{
	json_t *row, *e, *u;

	double_of("absent kvm_exit not-fired kvm:kvm_exit did not fire\n"
		  "absent kvm_mmu_sync_page no-tracepoint this kernel has no "
		  "kvmmmu:kvm_mmu_sync_page\n");
	row = row_of(VB_TRACE_COUNTS, VB_KVM_AMD);
	e = json_object_get(row, "exits");
	cr_assert_str_eq(
		json_string_value(json_object_get(json_object_get(e, "unavailable"), "cause")),
		"not-fired");
	cr_assert_null(json_object_get(e, "total"));
	u = json_array_get(json_object_get(json_object_get(row, "shadow_mmu"), "unavailable"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(u, "event")), "sync_page");
	cr_assert_null(json_object_get(
		json_object_get(json_object_get(row, "shadow_mmu"), "events"), "sync_page"));
	json_decref(row);
}

/* Under PVM, a kvm_exit count of zero is exits nobody could see. */
Test(trace, pvm_zero_exits_are_not_fired)
{
	json_t *row;

	double_of("event kvm_mmu_pagetable_walk 5\n");
	row = row_of(VB_TRACE_COUNTS, VB_KVM_PVM);
	cr_assert_str_eq(
		json_string_value(json_object_get(
			json_object_get(json_object_get(row, "exits"), "unavailable"), "cause")),
		"not-fired");
	json_decref(row);
}

Test(trace, invocations_add_up)
{
	json_t *a, *b, *r;

	double_of("isa svm\nexit 1024 1000\nexit 1024 3000\nevent kvm_mmu_pagetable_walk 1\n");
	a = row_of(VB_TRACE_LATENCY, VB_KVM_AMD);
	b = row_of(VB_TRACE_LATENCY, VB_KVM_AMD);
	vb_row_set_counters(a, vb_row_counters_json(20));
	vb_trace_merge_json(a, b);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(a, "exits"), "total")), 8);
	r = reason(a, "npf");
	cr_assert_eq(json_integer_value(json_object_get(r, "count")), 8);
	cr_assert_float_eq(json_number_value(json_object_get(r, "mean_ns")), 2000, 1e-9);
	cr_assert_float_eq(json_number_value(json_object_get(r, "per_op")), 0.4, 1e-9);
	cr_assert_float_eq(json_number_value(json_object_get(json_object_get(json_object_get(a,
			   "shadow_mmu"), "per_op"), "pagetable_walk")), 0.2, 1e-9);
	json_decref(a);
	json_decref(b);
}
