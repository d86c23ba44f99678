/* cmd_list_events.c: `vbench list events`: every PMU metric vbench reports,
 * the libpfm4 event it resolves to on this CPU's PMU (or the one named with
 * --pmu), or why it does not. */
#include "harness/cmdutil.h"
#include "harness/cmds.h"
#include "harness/pmu.h"
#include "lib/error.h"
#include "microbench/metrics.h"

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
"usage: vbench list events [--pmu NAME] [--json]\n"
"\n"
"Lists every PMU metric vbench counts, the libpfm4 event it resolves to and\n"
"its encoding, or why not (\"not on <pmu>\").\n"
"\n";

struct events_flags {
	const char *pmu;
	bool json;
};

static const struct vb_opt events_options[] = {
	{ "pmu", 'p', "NAME", VB_OPT_STR, offsetof(struct events_flags, pmu), NULL, false,
	  "resolve on libpfm4's PMU NAME instead of this CPU's (as\n"
	  "LIBPFM_FORCE_PMU=NAME does), e.g. skl, spr, amd64_fam19h_zen3" },
	{ "json", 'j', NULL, VB_OPT_BOOL, offsetof(struct events_flags, json), NULL, false,
	  "print JSON" },
	{ "help", 'h', NULL, VB_OPT_HELP, 0, NULL, false, "this text" },
	{ NULL, 0, NULL, 0, 0, NULL, false, NULL },
};

static const struct vb_opt_cmd events_cmd = { "list events", usage, events_options, NULL };

static void print_text(const char *pmu, bool forced, json_t *arr)
{
	size_t i;
	json_t *m;

	const char *table = vb_metrics_table(pmu);

	printf("PMU metrics on %s (vbench table %s%s)\n", pmu ? pmu : "no PMU libpfm4 knows",
	       table ? table : "none", forced ? ", forced with --pmu" : "");
	printf("  %-22s %-7s %s\n", "metric", "default", "event (type, config) or why not");
	json_array_foreach(arr, i, m) {
		const char *metric = json_string_value(json_object_get(m, "metric"));
		const char *dflt = json_is_true(json_object_get(m, "default")) ? "yes" : "-";
		json_t *ev = json_object_get(m, "event");

		long long type = json_integer_value(json_object_get(m, "type"));
		unsigned long long config = (unsigned long long)json_integer_value(
			json_object_get(m, "config"));

		if (ev)
			printf("  %-22s %-7s %s (type %lld, config %#llx)\n", metric, dflt,
			       json_string_value(ev), type, config);
		else
			printf("  %-22s %-7s %s\n", metric, dflt,
			       json_string_value(json_object_get(m, "why")));
	}
}

int cmd_list_events(int argc, char **argv)
{
	struct events_flags f = { NULL, false };
	const char *pmu;
	bool as_json;
	char err[1024];
	json_t *arr;
	int n = vb_opt_parse(&events_cmd, argc, argv, &f);

	if (n <= 0)
		return n ? VB_EXIT_USAGE : VB_EXIT_OK;
	pmu = f.pmu;
	as_json = f.json;
	if (optind < argc) {
		vb_error("list events: unexpected argument '%s': see 'vbench list events --help'",
			 argv[optind]);
		return VB_EXIT_USAGE;
	}
	if (pmu && vb_metrics_force_pmu(pmu, err, sizeof(err)) < 0) {
		vb_error("list events: %s", err);
		return VB_EXIT_USAGE;
	}
	if (!pmu && vb_pmu_init(err, sizeof(err)) < 0) {
		vb_error("list events: %s", err);
		return VB_EXIT_INTERNAL;
	}
	arr = vb_pmu_metrics_json();
	if (as_json) {
		json_t *doc = json_pack("{s:s?,s:s?,s:b,s:o}", "pmu", vb_pmu_name(),
					"table", vb_metrics_table(vb_pmu_name()),
					"forced", pmu != NULL, "metrics", arr);

		vb_cmd_print_json("list_events", doc, JSON_INDENT(2));
		json_decref(doc);
		return 0;
	}
	print_text(vb_pmu_name(), pmu != NULL, arr);
	json_decref(arr);
	return 0;
}
