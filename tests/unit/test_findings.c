/* Unit tests of the findings: measured mode ratios with their meaning, and
 * what was not measured grouped by cause, once each, with a command. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/findings.h"
#include "tests/unit/fixture_run.h"

static const char *pvm_only = "KVM here is PVM, which has shadow paging only: ept needs "
			      "kvm_intel or kvm_amd on hardware with VMX/SVM";

/* A run on a PVM host: ptrchase natively and in shadow, ept skipped for two benches. */
static json_t *pvm_run(void)
{
	json_t *rows = json_array(), *run;

	json_array_append_new(rows, fx_row("ptrchase", "native", "4k", "ns/load", 100, 0.01, 9));
	json_array_append_new(rows, fx_row("ptrchase", "shadow", "4k:4k", "ns/load", 200, 0.01, 9));
	json_array_append_new(rows, fx_skipped("ptrchase", "ept", "4k:4k", pvm_only));
	json_array_append_new(rows, fx_skipped("gups", "ept", "4k:4k", pvm_only));
	run = fx_run("r1", rows);
	json_object_set_new(json_object_get(run, "host"), "kvm",
			    json_pack("{s:s, s:s}", "flavour", "pvm", "paging", "shadow"));
	return run;
}

Test(findings, measured_ratio_with_its_meaning_and_causes_once)
{
	json_t *run = pvm_run(), *fd = vb_findings(run), *m, *u;

	m = json_object_get(fd, "measured");
	cr_assert_eq(json_array_size(m), 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(m, 0), "kind")),
			 "guest/native");
	cr_assert(strstr(json_string_value(json_object_get(json_array_get(m, 0), "meaning")),
			 "100% more time per operation"));
	u = json_object_get(fd, "unmeasured");
	/* shadow / SLAT for ptrchase, and one cause for both skipped rows. */
	cr_assert_eq(json_array_size(u), 2, "%s", json_dumps(u, 0));
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(u, 1), "count")), 2);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(u, 1), "benches")),
			 "ptrchase, gups");
	cr_assert(strstr(json_string_value(json_object_get(json_array_get(u, 0), "command")),
			 "--mode native,ept,shadow --switch-mode"));
	json_decref(fd);
	json_decref(run);
}

Test(findings, markdown_and_html_say_it_in_a_few_lines)
{
	json_t *run = pvm_run();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	vb_findings_write(f, run, VB_FINDINGS_MD);
	fclose(f);
	cr_assert(strstr(buf, "## Findings\n"), "%s", buf);
	cr_assert(strstr(buf, "**2.000x \\[1.980, 2.020\\]**"), "%s", buf);
	/* A blank line before each list, as Markdown wants. */
	cr_assert(strstr(buf, "by cause:\n\n- 1 ratio (ptrchase)"), "%s", buf);
	cr_assert(strstr(buf, "Not measured here, by cause:"), "%s", buf);
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	vb_findings_write(f, run, VB_FINDINGS_HTML);
	fclose(f);
	cr_assert(strstr(buf, "<section class=\"findings\">"), "%s", buf);
	cr_assert(strstr(buf, "<code>vbench run"), "%s", buf);
	free(buf);
	json_decref(run);
}

Test(findings, figure_captions_say_what_a_figure_shows)
{
	char cap[512];

	vb_figure_caption("bar-ptrchase-footprint_16M", cap, sizeof(cap));
	cr_assert(strstr(cap, "ptrchase-footprint_16M: the median of each mode"), "%s", cap);
	vb_figure_caption("ratio-shadow_slat", cap, sizeof(cap));
	cr_assert(strstr(cap, "1 means no difference"), "%s", cap);
	vb_figure_caption("unknown", cap, sizeof(cap));
	cr_assert_str_eq(cap, "unknown");
}
