/* walk.c: the summary's walk block and its line about the PMU, from the
 * `walk` and `counters.unavailable` keys of a run's rows. */
#include "analysis/walk.h"
#include "analysis/runfile.h"
#include "analysis/summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void cell(json_t *o, const char *k, double mul, const char *fmt, char *buf, size_t len)
{
	json_t *v = json_object_get(o, k);

	if (!json_is_number(v)) {
		snprintf(buf, len, "-");
		return;
	}
	if (!strcmp(fmt, "v"))
		vb_fmt_value(json_number_value(v) * mul, buf, len);
	else
		snprintf(buf, len, fmt, json_number_value(v) * mul);
}

void vb_walk_print(FILE *f, json_t *results)
{
	static const char *const head[] = { "walk cyc/op", "cyc/load", "share", "walks/kop",
					    "4k/2m/1g %", "ept %" };
	size_t i, n = 0;
	json_t *row;

	json_array_foreach(results, i, row)
		n += vb_row_walk(row) != NULL;
	if (!n)
		return;
	fprintf(f, "\nPage walks, from the PMU over the timed samples "
		"(guest/host: the vCPU's two sides)\n");
	fprintf(f, "%-40s %-5s", "", "side");
	for (size_t k = 0; k < sizeof(head) / sizeof(head[0]); k++)
		fprintf(f, "  %11s", head[k]);
	fputc('\n', f);
	json_array_foreach(results, i, row) {
		json_t *walk = vb_row_walk(row), *side;
		const char *name;
		char label[128];

		if (!json_is_object(walk))
			continue;
		snprintf(label, sizeof(label), "%s %s %s", vb_row_str(row, "bench"),
			 vb_row_str(row, "mode"),
			 vb_row_pages(row, "requested"));
		json_object_foreach(walk, name, side) {
			json_t *mix = json_object_get(side, "walk_mix");
			char c[6][48], a[12], b[12], d[12];

			cell(side, "walk_cycles_per_op", 1, "v", c[0], sizeof(c[0]));
			cell(side, "walk_cycles_per_load", 1, "v", c[1], sizeof(c[1]));
			cell(side, "walk_cycle_share", 100, "%.1f%%", c[2], sizeof(c[2]));
			cell(side, "walks_per_kop", 1, "v", c[3], sizeof(c[3]));
			cell(mix, "4k", 100, "%.0f", a, sizeof(a));
			cell(mix, "2m", 100, "%.0f", b, sizeof(b));
			cell(mix, "1g", 100, "%.0f", d, sizeof(d));
			snprintf(c[4], sizeof(c[4]), "%s/%s/%s", a, b, d);
			cell(side, "ept_share", 100, "%.1f", c[5], sizeof(c[5]));
			fprintf(f, "%-40.40s %-5s", label, name);
			for (int k = 0; k < 6; k++)
				fprintf(f, "  %11s", c[k]);
			fputc('\n', f);
		}
	}
}

/* What would make a cause go away. */
static const struct {
	const char *cause, *remedy;
} remedies[] = {
	{ "no-pmu",
	  "run on a host with a hardware PMU, or give the VM a vPMU (QEMU -cpu host,pmu=on)" },
	{ "permission", "allow it: sysctl kernel.perf_event_paranoid=1, or run as root" },
	{ "not-on-pmu", "this microarchitecture has no event for them (vbench list events)" },
	{ "not-counted", "count fewer events at once: --counters default and fewer --events" },
	{ "libpfm4", "check the names with vbench list events" },
	{ "open-failed", "see counters.unavailable in run.json" },
};
#define N_CAUSES (sizeof(remedies) / sizeof(remedies[0]))

void vb_walk_print_pmu_line(FILE *f, json_t *results)
{
	size_t count[N_CAUSES] = { 0 }, rows = 0, counting = 0, i, j, k;
	const char *example[N_CAUSES] = { NULL };
	const char *fallback = NULL;
	bool first = true;
	json_t *row, *u;

	json_array_foreach(results, i, row) {
		json_t *un = vb_row_counter_unavailable(row);
		json_t *fb = vb_row_counter_fallbacks(row);

		if (!vb_row_counter_set(row) || !strcmp(vb_row_counter_set(row), "none"))
			continue;
		counting++;
		rows += json_array_size(un) > 0;
		if (json_array_size(fb) && json_is_string(json_array_get(fb, 0)))
			fallback = json_string_value(json_array_get(fb, 0));
		json_array_foreach(un, j, u) {
			const char *cause = json_string_value(json_object_get(u, "cause"));

			for (k = 0; k < N_CAUSES; k++)
				if (!strcmp(cause, remedies[k].cause))
					break;
			if (k == N_CAUSES)
				k = N_CAUSES - 1;
			count[k]++;
			if (!example[k] && json_is_string(json_object_get(u, "reason")))
				example[k] = json_string_value(json_object_get(u, "reason"));
		}
	}
	if (!counting)
		return;
	if (!rows) {
		fprintf(f, "\npmu: every metric asked for was counted%s%s\n", fallback ? "; " : "",
			fallback ? fallback : "");
		return;
	}
	fprintf(f, "\npmu: not counted on %zu of %zu rows:", rows, counting);
	for (k = 0; k < N_CAUSES; k++) {
		if (!count[k])
			continue;
		fprintf(f, "%s %s (%zu): %s", first ? "" : ";",
			example[k] ? example[k] : remedies[k].cause, count[k], remedies[k].remedy);
		first = false;
	}
	if (fallback)
		fprintf(f, "; %s", fallback);
	fputc('\n', f);
}

void vb_walk_print_md(FILE *f, json_t *results)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return;
	vb_walk_print(m, results);
	vb_walk_print_pmu_line(m, results);
	fclose(m);
	if (buf && len) {
		for (char *p = buf; *p; p++)
			if (*p == '`')
				*p = '\'';
		fprintf(f, "## Page walks\n\n```%s```\n\n", buf);
	}
	free(buf);
}
