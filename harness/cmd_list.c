/* cmd_list.c: `vbench list`: benches with their parameters, modes, guests
 * and page sizes, and which of them this host can run now. */
#include "harness/catalog.h"
#include "harness/cmds.h"
#include "harness/cmdutil.h"
#include "harness/guest.h"
#include "harness/modes.h"
#include "harness/plan.h"
#include "harness/pmu.h"
#include "lib/backing.h"
#include "lib/error.h"

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const char list_usage[] =
"usage: vbench list [--json]\n"
"       vbench list events [--pmu NAME] [--json]\n"
"\n"
"Lists the benches (natively, in Linux and remote guests) and the micro guest's\n"
"kernels with their parameters, the modes and page sizes, the guests, and what\n"
"this host can run in each.\n"
"\n";

struct list_flags {
	bool json;
};

static const struct vb_opt list_options[] = {
	{ "json", 0, NULL, VB_OPT_BOOL, offsetof(struct list_flags, json), NULL, false,
	  "print the same as JSON" },
	{ "help", 0, NULL, VB_OPT_HELP, 0, NULL, false, "this text" },
	{ NULL, 0, NULL, 0, 0, NULL, false, NULL },
};

static const struct vb_opt_cmd list_cmd = { "list", list_usage, list_options, NULL };

static const char *type_name(enum vb_param_type t)
{
	switch (t) {
	case VB_PARAM_SIZE: return "size";
	case VB_PARAM_CHOICE: return "choice";
	case VB_PARAM_BOOL: return "bool";
	default: return "count";
	}
}

static json_t *param_json(const struct vb_param_def *d)
{
	char def[64], lo[64], hi[64];

	vb_param_format(d, d->def, def, sizeof(def));
	vb_param_format(d, d->min, lo, sizeof(lo));
	vb_param_format(d, d->max, hi, sizeof(hi));
	json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "name", d->name, "type", type_name(d->type),
			      "default", def, "help", d->help ? d->help : "");
	if (d->type == VB_PARAM_CHOICE)
		json_object_set_new(o, "choices", json_string(d->choices));
	else if (d->type != VB_PARAM_BOOL)
		json_object_set_new(o, "range", json_pack("[s,s]", lo, hi));
	if (d->unit)
		json_object_set_new(o, "unit", json_string(d->unit));
	return o;
}

static json_t *benches_json(bool (*bench_at)(int, struct vb_catalog_entry *))
{
	json_t *arr = json_array();
	struct vb_catalog_entry e;

	for (int i = 0; bench_at(i, &e); i++) {
		json_t *params = json_array();

		for (int k = 0; e.params && e.params[k].name; k++)
			json_array_append_new(params, param_json(&e.params[k]));
		json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:o,s:b}", "name", e.name,
						     "summary", e.summary, "unit", e.unit, "params",
						     params, "cpl0", e.cpl0));
	}
	return arr;
}

static json_t *modes_json(void)
{
	struct vb_kvm_state kvm;
	json_t *arr = json_array();

	vb_kvm_detect(NULL, &kvm);
	for (int m = 0; m < VB_MODE_COUNT; m++) {
		char reason[512] = "";
		bool ok = vb_mode_available(&kvm, (enum vb_mode)m, reason, sizeof(reason));
		json_t *o = json_pack("{s:s,s:b}", "name", vb_mode_name((enum vb_mode)m),
				      "available", ok);

		if (!ok)
			json_object_set_new(o, "reason", json_string(reason));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *pages_json(void)
{
	static const struct { const char *name, *how; size_t hugetlb; } sizes[] = {
		{ "4k", "anonymous memory with MADV_NOHUGEPAGE", 0 },
		{ "2m", "THP (MADV_HUGEPAGE); hugetlbfs 2M with --hugetlb", 2UL << 20 },
		{ "1g", "hugetlbfs 1G (MAP_HUGE_1GB)", 1UL << 30 },
		{ "thp", "host backing by transparent huge pages", 0 },
	};
	json_t *arr = json_array();

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		json_t *o = json_pack("{s:s,s:s}", "name", sizes[i].name, "backing", sizes[i].how);

		if (sizes[i].hugetlb)
			json_object_set_new(o, "hugetlb_free",
					    json_integer(vb_hugepages_free(sizes[i].hugetlb)));
		json_array_append_new(arr, o);
	}
	return arr;
}

/* The PMU metrics of this CPU's PMU (or LIBPFM_FORCE_PMU's): `vbench list events`. */
static json_t *pmu_json(void)
{
	char err[256], reason[512];
	json_t *o = json_object();

	if (vb_pmu_init(err, sizeof(err)) < 0) {
		json_object_set_new(o, "error", json_string(err));
		json_object_set_new(o, "walk_events", json_object());
		return o;
	}
	json_object_set_new(o, "name", vb_pmu_name() ? json_string(vb_pmu_name()) : json_null());
	json_object_set_new(o, "present", json_boolean(vb_pmu_present(reason, sizeof(reason))));
	if (!json_is_true(json_object_get(o, "present")))
		json_object_set_new(o, "reason", json_string(reason));
	json_object_set_new(o, "walk_events", vb_pmu_resolved_events());
	return o;
}

static void print_benches(json_t *arr, const char *title)
{
	size_t i, k;
	json_t *b, *p;

	printf("%s\n", title);
	json_array_foreach(arr, i, b) {
		printf("  %-11s %s [%s]%s\n", json_string_value(json_object_get(b, "name")),
		       json_string_value(json_object_get(b, "summary")),
		       json_string_value(json_object_get(b, "unit")),
		       json_is_true(json_object_get(b, "cpl0")) ? " (CPL0)" : "");
		json_array_foreach(json_object_get(b, "params"), k, p) {
			json_t *range = json_object_get(p, "range");
			char span[160] = "";

			if (range)
				snprintf(span, sizeof(span), ", %s..%s",
					 json_string_value(json_array_get(range, 0)),
					 json_string_value(json_array_get(range, 1)));
			else if (json_object_get(p, "choices"))
				snprintf(span, sizeof(span), ", one of %s",
					 json_string_value(json_object_get(p, "choices")));
			printf("      %-10s %s (default %s%s)\n",
			       json_string_value(json_object_get(p, "name")),
			       json_string_value(json_object_get(p, "help")),
			       json_string_value(json_object_get(p, "default")), span);
		}
	}
}

int cmd_list(int argc, char **argv)
{
	struct list_flags f = { false };
	bool as_json;
	int n;
	json_t *doc;
	size_t i;
	json_t *v;

	if (argc > 1 && !strcmp(argv[1], "events"))
		return cmd_list_events(argc - 1, argv + 1);
	if ((n = vb_opt_parse(&list_cmd, argc, argv, &f)) <= 0)
		return n ? VB_EXIT_USAGE : VB_EXIT_OK;
	if (n < argc) {
		vb_error("list: unexpected argument '%s': see 'vbench list --help'", argv[n]);
		return VB_EXIT_USAGE;
	}
	as_json = f.json;
	doc = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "benches", benches_json(vb_catalog_bench_at),
			"micro_kernels", benches_json(vb_guest_find("micro")->bench_at),
			"modes", modes_json(),
			"pages", pages_json(), "guests", vb_guests_json(), "pmu", pmu_json());
	if (as_json) {
		vb_cmd_print_json("list", doc, JSON_INDENT(2));
		json_decref(doc);
		return 0;
	}
	print_benches(json_object_get(doc, "benches"),
		      "benches (natively, in the Linux guest and in remote guests):");
	print_benches(json_object_get(doc, "micro_kernels"),
		      "\nmicro guest kernels (--guest micro):");
	printf("\nmodes (--mode):\n");
	json_array_foreach(json_object_get(doc, "modes"), i, v)
		printf("  %-7s %s%s\n", json_string_value(json_object_get(v, "name")),
		       json_is_true(json_object_get(v, "available")) ? "available on this host"
								     : "not here: ",
		       json_is_true(json_object_get(v, "available"))
			       ? ""
			       : json_string_value(json_object_get(v, "reason")));
	printf("\npages (--pages G[:H], guest then host page size; 'all' = 3x3 of 4k/2m/1g):\n");
	json_array_foreach(json_object_get(doc, "pages"), i, v) {
		json_t *free_pages = json_object_get(v, "hugetlb_free");

		printf("  %-4s %s", json_string_value(json_object_get(v, "name")),
		       json_string_value(json_object_get(v, "backing")));
		if (free_pages)
			printf(" (%lld free hugetlb pages)",
			       (long long)json_integer_value(free_pages));
		putchar('\n');
	}
	v = json_object_get(doc, "pmu");
	printf("\nPMU metrics (libpfm4 PMU %s%s%s): %zu resolve; vbench list events shows them\n",
	       json_string_value(json_object_get(v, "name"))
		       ? json_string_value(json_object_get(v, "name"))
		       : "unknown",
	       json_is_true(json_object_get(v, "present")) ? "" : ", not countable here: ",
	       json_is_true(json_object_get(v, "present"))
		       ? ""
		       : json_string_value(json_object_get(v, "reason")),
	       json_object_size(json_object_get(v, "walk_events")));
	putchar('\n');
	vb_guests_print(stdout, json_object_get(doc, "guests"));
	json_decref(doc);
	return 0;
}
