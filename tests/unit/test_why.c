/* test_why.c: the why view on rows whose exits and shadow_mmu blocks the
 * producer itself (harness/trace.c, fed by the trace double) wrote: the
 * reasons that make a shadow/SLAT difference, their share of it, the absent
 * tracepoints said once, the summary's lines and the report's tables. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/why.h"
#include "harness/trace.h"
#include "tests/unit/fixture_run.h"

static char path[64];

/* The traced fixture's cr3switch row (the micro guest, made by vbench) as a
 * row of mode at median ns per switch over 100 switches, its tracepoint
 * blocks from the double text. */
static json_t *row(const char *mode, double median, const char *text, enum vb_kvm_flavour f)
{
	json_t *r = fx_producer_row("traced", "cr3switch", "shadow", "ok");
	const double x[] = { median, median, median };
	struct vb_trace *t;
	FILE *fp;
	int fd;

	cr_assert_not_null(r, "%s/traced (scripts/make-fixtures.sh makes it)", FX_RUNS);
	vb_row_set_str(r, "mode", mode);
	vb_row_set_str(r, "mode_verified", mode);
	vb_row_set_measured(r, x, 3, 1);
	vb_row_set_ops(r, 100);
	snprintf(path, sizeof(path), "/tmp/vb-why-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	fp = fdopen(fd, "w");
	fputs(text, fp);
	fclose(fp);
	setenv("VB_TRACE_DOUBLE", path, 1);
	t = vb_trace_new(VB_TRACE_LATENCY, f);
	vb_trace_start(t);
	vb_trace_stop(t);
	vb_trace_json(t, 100, r);
	vb_trace_free(t);
	unlink(path);
	unsetenv("VB_TRACE_DOUBLE");
	return r;
}

/* Shadow: 100 CR3 writes of 600 ns and 20 #PF of 1000 ns per 100 switches
 * (800 ns/switch in exits); NPT: 10 NPFs of 500 ns (50 ns/switch). */
static json_t *pair_run(double shadow_median, double npt_median)
{
	char s[4096] = "isa svm\n", n[1024] = "isa svm\n";

	for (int i = 0; i < 100; i++)
		strcat(s, "exit 19 600\n");
	for (int i = 0; i < 20; i++)
		strcat(s, "exit 78 1000\n");
	strcat(s, "event kvm_mmu_pagetable_walk 300\n");
	for (int i = 0; i < 10; i++)
		strcat(n, "exit 1024 500\n");
	/* The I/O exit that ends each pass: counted, never timed. */
	strcat(s, "exit 123 -\n");
	strcat(n, "exit 123 -\n");
	return json_pack("[o,o]", row("shadow", shadow_median, s, VB_KVM_AMD),
			 row("npt", npt_median, n, VB_KVM_AMD));
}

Test(why, pair_reasons_and_the_share_they_explain)
{
	json_t *res = pair_run(1000, 200), *v = vb_why_view(res), *p, *r;

	cr_assert_eq(json_array_size(json_object_get(v, "rows")), 2);
	cr_assert_eq(json_array_size(json_object_get(v, "pairs")), 1);
	p = json_array_get(json_object_get(v, "pairs"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(p, "slat")), "npt");
	cr_assert_float_eq(json_number_value(json_object_get(p, "diff_ns")), 800, 1e-9);
	r = json_array_get(json_object_get(p, "reasons"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(r, "reason")), "write_cr3");
	cr_assert_float_eq(json_number_value(json_object_get(r, "delta_ns_per_op")), 600, 1e-9);
	r = json_array_get(json_object_get(p, "reasons"), 2);
	cr_assert_str_eq(json_string_value(json_object_get(r, "reason")), "npf");
	cr_assert_float_eq(json_number_value(json_object_get(r, "delta_ns_per_op")), -50, 1e-9);
	/* (600 + 200 - 50) / 800 */
	cr_assert_float_eq(json_number_value(json_object_get(p, "explained")), 750.0 / 800, 1e-9);
	json_decref(v);
	json_decref(res);
}

Test(why, summary_lines_and_report_tables)
{
	json_t *res = pair_run(1000, 200), *t;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	vb_why_print(f, res);
	fclose(f);
	cr_assert_not_null(
		strstr(buf, "cr3switch shadow 4k:4k: exits/op 1.210 (write_cr3 1.000 (600.0 ns)"),
		"%s", buf);
	cr_assert_not_null(
		strstr(buf, "shadow vs npt, cr3switch 4k:4k: +800.0 ns/op; write_cr3 +1.000/op"),
		"%s", buf);
	cr_assert_not_null(strstr(buf, "the exits explain 94% of the difference (untimed: io)"),
			   "%s", buf);
	cr_assert_not_null(strstr(buf, "pagetable_walk 3.000"), "%s", buf);
	free(buf);
	t = vb_why_tables(res);
	cr_assert_eq(json_array_size(json_object_get(json_object_get(t, "rows"), "rows")), 2);
	cr_assert_eq(json_array_size(json_object_get(json_object_get(t, "pairs"), "rows")), 1);
	json_decref(t);
	json_decref(res);
}

Test(why, absent_said_once)
{
	const char *pvm = "event kvm_mmu_pagetable_walk 5\n";
	json_t *res = json_pack("[o,o]", row("shadow", 10, pvm, VB_KVM_PVM),
				row("shadow", 20, pvm, VB_KVM_PVM)), *v;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	v = vb_why_view(res);
	cr_assert_eq(json_array_size(json_object_get(v, "absent")), 1);
	vb_why_print(f, res);
	fclose(f);
	cr_assert_not_null(
		strstr(buf, "exits: not counted on 2 of 2 rows: kvm:kvm_exit did not fire"), "%s",
		buf);
	cr_assert_not_null(strstr(buf, "exits/op -; shadow MMU/op: pagetable_walk 0.050"), "%s",
			   buf);
	free(buf);
	json_decref(v);
	json_decref(res);
}

Test(why, untraced_runs_print_nothing)
{
	json_t *res = json_pack("[o]", fx_producer_row("native", "ptrchase", "native", "ok"));
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	vb_why_print(f, res);
	fclose(f);
	cr_assert_eq(len, 0);
	free(buf);
	json_decref(res);
}
