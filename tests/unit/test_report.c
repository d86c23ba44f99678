/* test_report.c: the report as Markdown and HTML: its sections, rows grouped
 * by skip reason, and text from the run escaped for each format. */
#include <criterion/criterion.h>

#include "analysis/report.h"
#include "analysis/runfile.h"
#include "tests/unit/fixture_run.h"

static char *report_of(json_t *run, enum vb_report_format fmt, json_t *against)
{
	struct vb_report_opts o = { .against = against };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	vb_report_write(f, run, fmt, &o);
	fclose(f);
	return buf;
}

static json_t *run_of(void)
{
	json_t *rows = json_array(), *r;

	json_array_append_new(rows, fx_row("ptrchase", "shadow", "4k:4k", "ns/load", 100, 0.01, 7));
	json_array_append_new(rows, fx_row("ptrchase", "ept", "4k:4k", "ns/load", 150, 0.01, 7));
	for (int i = 0; i < 3; i++)
		json_array_append_new(
			rows, fx_skipped("ptrchase", "ept", i ? "2m:2m" : "1g:1g", "no 1G pages"));
	json_array_append_new(rows, fx_skipped("gups", "ept", "4k:4k", "no <b>PMU</b> & more"));
	r = fx_row("evil<script>alert(1)</script>\n|x", "native", "4k", "ns/load", 1, 0.01, 3);
	vb_row_set_kvm(r, "exits", 5);
	json_array_append_new(rows, r);
	return fx_run("R<1>", rows);
}

Test(report, markdown_sections_and_groups)
{
	json_t *run = run_of();
	char *md = report_of(run, VB_REPORT_MD, NULL);

	cr_assert(strstr(md, "## Mode ratios"), "%s", md);
	cr_assert(strstr(md, "| shadow/slat | ptrchase | footprint=512M | shadow/micro 4k:4k / "
			     "ept/micro 4k:4k | 0.667 |"),
		  "%s", md);
	cr_assert(strstr(md, "## The papers' claims"));
	cr_assert(strstr(md, "## Every row"));
	cr_assert(strstr(md, "## KVM statistics"));
	/* Three skips of one reason are one line with their count. */
	cr_assert(strstr(md, "| skipped | 3 | no 1G pages |"), "%s", md);
	/* The newline in the name cannot break a table row. */
	cr_assert(strstr(md, "evil\\<script\\>alert(1)\\</script\\>\\\\n\\|x"), "%s", md);
	free(md);
	json_decref(run);
}

Test(report, html_is_escaped_and_self_contained)
{
	json_t *run = run_of();
	char *html = report_of(run, VB_REPORT_HTML_PAGE, NULL);

	cr_assert(strstr(html, "<!DOCTYPE html>"));
	cr_assert(strstr(html, "default-src 'none'"), "the page may fetch nothing");
	cr_assert(!strstr(html, "<script"), "%s", html);
	cr_assert(!strstr(html, "<b>PMU"), "%s", html);
	cr_assert(strstr(html, "evil&lt;script&gt;alert(1)&lt;/script&gt;\\n|x"), "%s", html);
	cr_assert(strstr(html, "no &lt;b&gt;PMU&lt;/b&gt; &amp; more"));
	cr_assert(!strstr(html, "src=") && !strstr(html, "href=\"http"), "no external reference");
	cr_assert(strstr(html, "<title>vbench report: R&lt;1&gt;</title>"));
	free(html);
	json_decref(run);
}

Test(report, against_another_run)
{
	json_t *run = run_of(), *base = run_of();
	char *md;

	json_array_set_new(vb_run_results(base), 0,
			   fx_row("ptrchase", "shadow", "4k:4k", "ns/load", 50, 0.01, 7));
	md = report_of(run, VB_REPORT_MD, base);
	cr_assert(strstr(md, "## Against another run"), "%s", md);
	cr_assert(strstr(md, "| ptrchase | footprint=512M layout=page loads=1M | shadow | 4k:4k |"),
		  "%s", md);
	free(md);
	json_decref(run);
	json_decref(base);
}

Test(report, an_emulated_host_is_said_so)
{
	json_t *run = run_of();
	char *md;

	json_object_set_new(json_object_get(run, "host"), "hypervisor",
			    json_string("TCGTCGTCGTCG"));
	md = report_of(run, VB_REPORT_MD, NULL);
	cr_assert(strstr(md,
			 "This host is emulated (QEMU TCG): its timings are not hardware figures."),
		  "%s", md);
	free(md);
	json_decref(run);
}

/* Rows with invocations are compared by Welch's t on the invocation medians
 * (the fixture vbench made has 2 per point): the report names that test, not
 * Mann-Whitney, and gives the change's CI (issue 15, finding 6). */
Test(report, the_comparison_names_its_test_and_the_change_ci)
{
	char err[256], *md;
	json_t *run = vb_run_load("tests/fixtures/runs/native", err, sizeof(err)), *base;

	cr_assert_not_null(run, "%s", err);
	base = json_deep_copy(run);
	md = report_of(run, VB_REPORT_MD, base);
	cr_assert(strstr(md, "The test: Welch's t on invocation medians"), "%s", md);
	cr_assert_null(strstr(md, "(Mann-Whitney U, alpha"), "%s", md);
	cr_assert(strstr(md, "| 95% CI of the change |"), "%s", md);
	cr_assert(strstr(md, "% .. +"), "a change's CI, as -x% .. +y%: %s", md);
	cr_assert(strstr(md, "| welch-invocations |"), "%s", md);
	free(md);
	json_decref(run);
	json_decref(base);
}
