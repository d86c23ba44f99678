/* fuzz_runfile.c: libFuzzer harness of the run loader (analysis/runfile.c):
 * run.json and results.jsonl text, then the row accessors and the summary
 * every analysis command uses on what loaded, and the report of it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/report.h"
#include "analysis/runfile.h"
#include "analysis/summary.h"

static void use_rows(json_t *run)
{
	json_t *results = vb_run_results(run), *row;
	FILE *null = fopen("/dev/null", "we");
	size_t i, n;
	char buf[256];

	json_array_foreach(results, i, row) {
		double *x = vb_row_samples(row, &n), m;
		char *pk = vb_row_params_key(row);
		json_t *pick = vb_params_key_names(results, vb_row_str(row, "bench"));

		vb_row_stat(row, "median", &m);
		vb_row_is_ok(row);
		vb_row_honoured(row);
		vb_row_params_text(row, pick, buf, sizeof(buf));
		json_decref(pick);
		free(pk);
		free(x);
	}
	if (null) {
		vb_summary_print(null, results);
		vb_summary_print_md(null, results);
		vb_summary_print_kvm(null, results);
		/* The report reads every field too: ratios, claims, groups, both formats. */
		vb_report_write(null, run, VB_REPORT_MD, NULL);
		vb_report_write(null, run, VB_REPORT_HTML_PAGE, NULL);
		fclose(null);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	json_t *run;

	/* The first byte picks the format, the rest is the file. */
	if (size < 1)
		return 0;
	err[0] = '\0';
	run = vb_run_parse((const char *)data + 1, size - 1, data[0] & 1, "fuzz", err, sizeof(err));
	if (!run && !err[0])
		abort();
	if (run)
		use_rows(run);
	json_decref(run);
	return 0;
}
