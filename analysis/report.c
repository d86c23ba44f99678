/* report.c: report.md of a run, for people reading a run without vbench at
 * hand; every field read from run.json is type-checked first. */
#include "analysis/report.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/costmodel.h"
#include "analysis/runfile.h"
#include "analysis/summary.h"
#include "lib/error.h"

/* Text from the run as Markdown inline text: one line, and the characters
 * that would start markup escaped. */
static void md_text(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\n' || *s == '\r' || *s == '\t')
			fputc(' ', f);
		else if (strchr("\\`*_[]<>|#", *s))
			fprintf(f, "\\%c", *s);
		else
			fputc(*s, f);
	}
}

/* A JSON value in a few words: scalars as they are, arrays comma-joined,
 * objects "k=v, ..." one level deep. */
static void md_value(FILE *f, json_t *v, int depth)
{
	const char *k;
	json_t *x;
	size_t i;
	char buf[64];

	switch (json_typeof(v)) {
	case JSON_STRING:
		md_text(f, json_string_value(v));
		break;
	case JSON_INTEGER:
		fprintf(f, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(buf, sizeof(buf), "%g", json_real_value(v));
		fputs(buf, f);
		break;
	case JSON_TRUE:
		fputs("yes", f);
		break;
	case JSON_FALSE:
		fputs("no", f);
		break;
	case JSON_NULL:
		fputs("-", f);
		break;
	case JSON_ARRAY:
		json_array_foreach(v, i, x) {
			fputs(i ? ", " : "", f);
			if (depth < 2)
				md_value(f, x, depth + 1);
		}
		break;
	case JSON_OBJECT:
		i = 0;
		if (depth)
			fputc('{', f);
		json_object_foreach(v, k, x) {
			fputs(i++ ? ", " : "", f);
			md_text(f, k);
			fputc('=', f);
			if (depth < 2)
				md_value(f, x, depth + 1);
			else
				fputs("...", f);
		}
		if (depth)
			fputc('}', f);
		break;
	}
}

static void host_line(FILE *f, const char *label, json_t *v)
{
	if (!v)
		return;
	fprintf(f, "| %s | ", label);
	md_value(f, v, 0);
	fputs(" |\n", f);
}

/* What the host can run: {"modes": {"ept": {"ok": false, "reason": ...}}, ...}
 * read as "can" and "cannot (why)" lines; other shapes are shown as they are. */
static void write_can(FILE *f, json_t *can)
{
	static const char *const kinds[] = { "modes", "pages" };
	size_t k;

	if (!json_is_object(can))
		return;
	for (k = 0; k < 2; k++) {
		json_t *set = json_object_get(can, kinds[k]), *v;
		const char *name;
		size_t n = 0;

		if (!json_is_object(set)) {
			if (set)
				host_line(f, kinds[k], set);
			continue;
		}
		fprintf(f, "| %s it can run | ", kinds[k]);
		json_object_foreach(set, name, v)
			if (json_is_true(json_object_get(v, "ok"))) {
				fputs(n++ ? ", " : "", f);
				md_text(f, name);
			}
		fprintf(f, "%s |\n", n ? "" : "none");
		json_object_foreach(set, name, v) {
			const char *why = json_string_value(json_object_get(v, "reason"));

			if (json_is_true(json_object_get(v, "ok")))
				continue;
			fputs("| cannot: ", f);
			md_text(f, name);
			fputs(" | ", f);
			md_text(f, why ? why : "(no reason recorded)");
			fputs(" |\n", f);
		}
	}
}

static void write_host(FILE *f, json_t *host)
{
	json_t *cpu = json_object_get(host, "cpu");

	fputs("## Host\n\n", f);
	if (!json_is_object(host)) {
		fputs("No host record in this run.\n\n", f);
		return;
	}
	fputs("| | |\n| --- | --- |\n", f);
	host_line(f, "hostname", json_object_get(host, "hostname"));
	host_line(f, "kernel", json_object_get(host, "kernel"));
	if (json_is_object(cpu)) {
		host_line(f, "CPU", json_object_get(cpu, "model_name"));
		host_line(f, "vendor", json_object_get(cpu, "vendor"));
		fputs("| family/model/stepping | ", f);
		md_value(f, json_object_get(cpu, "family") ? json_object_get(cpu, "family") : json_null(), 0);
		fputc('/', f);
		md_value(f, json_object_get(cpu, "model") ? json_object_get(cpu, "model") : json_null(), 0);
		fputc('/', f);
		md_value(f, json_object_get(cpu, "stepping") ? json_object_get(cpu, "stepping") : json_null(), 0);
		fputs(" |\n", f);
		host_line(f, "microcode", json_object_get(cpu, "microcode"));
		host_line(f, "CPU flags of interest", json_object_get(cpu, "flags_of_interest"));
	}
	host_line(f, "hypervisor (we are a guest of)", json_object_get(host, "hypervisor"));
	host_line(f, "KVM", json_object_get(host, "kvm"));
	host_line(f, "THP", json_object_get(host, "thp"));
	host_line(f, "hugepages", json_object_get(host, "hugepages"));
	host_line(f, "PMU", json_object_get(host, "pmu"));
	host_line(f, "topology", json_object_get(host, "topology"));
	write_can(f, json_object_get(host, "can"));
	fputc('\n', f);
}

static void write_plan(FILE *f, json_t *run)
{
	json_t *plan = json_object_get(run, "plan"), *cmd = json_object_get(run, "command");

	fputs("## Plan\n\n", f);
	if (json_is_array(cmd)) {
		json_t *a;
		size_t i;

		/* Arguments go in a code block so nothing in them is markup. */
		fputs("```\n", f);
		json_array_foreach(cmd, i, a)
			if (json_is_string(a))
				fprintf(f, "%s%s", i ? " " : "", json_string_value(a));
		fputs("\n```\n\n", f);
	}
	if (!json_is_object(plan)) {
		fputs("No plan record in this run.\n\n", f);
		return;
	}
	fputs("| | |\n| --- | --- |\n", f);
	host_line(f, "source", json_object_get(plan, "source"));
	host_line(f, "points", json_object_get(plan, "points"));
	host_line(f, "modes", json_object_get(plan, "modes"));
	host_line(f, "pages", json_object_get(plan, "pages"));
	host_line(f, "guest", json_object_get(plan, "guest"));
	host_line(f, "repeat", json_object_get(plan, "repeat"));
	fputc('\n', f);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Figures are whatever `vbench plot` left in the folder, sweeps first. */
static void write_figures(FILE *f, const char *dir)
{
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, i;

	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char **grown;

		if (len < 5 || strcmp(e->d_name + len - 4, ".png") != 0 || strpbrk(e->d_name, " ()[]<>"))
			continue;
		grown = realloc(names, (n + 1) * sizeof(*names));
		if (!grown)
			break;
		names = grown;
		names[n] = strdup(e->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	if (n) {
		fputs("## Figures\n\n", f);
		for (int pass = 0; pass < 2; pass++)
			for (i = 0; i < n; i++)
				if ((strncmp(names[i], "sweep-", 6) == 0) == (pass == 0))
					fprintf(f, "![%s](%s)\n\n", names[i], names[i]);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static void row_ident(FILE *f, json_t *row)
{
	const char *guest = vb_row_str(row, "guest"), *pages = vb_row_pages(row, "requested");
	char params[256];

	vb_row_params_text(row, NULL, params, sizeof(params));
	fputs("**", f);
	md_text(f, vb_row_str(row, "bench"));
	fputs("** ", f);
	if (params[0]) {
		md_text(f, params);
		fputc(' ', f);
	}
	md_text(f, vb_row_str(row, "mode"));
	if (guest && strcmp(guest, "none") != 0) {
		fputc('/', f);
		md_text(f, guest);
	}
	fputc(' ', f);
	md_text(f, pages ? pages : "?");
}

static void write_not_ok(FILE *f, json_t *results)
{
	json_t *row;
	size_t i, n = 0;

	json_array_foreach(results, i, row) {
		const char *why = vb_row_str(row, "reason");

		if (strcmp(vb_row_str(row, "status"), "ok") == 0)
			continue;
		if (!n++)
			fputs("## Skipped and failed\n\n", f);
		fputs("- ", f);
		row_ident(f, row);
		fputs(": ", f);
		md_text(f, vb_row_str(row, "status"));
		fputs(" — ", f);
		md_text(f, why && *why ? why : "(no reason recorded)");
		fputc('\n', f);
	}
	if (n)
		fputc('\n', f);
}

static void write_notes(FILE *f, json_t *run)
{
	json_t *results = vb_run_results(run), *row;
	size_t i;

	fputs("## Notes\n\n", f);
	if (!json_is_true(json_object_get(run, "complete")))
		fputs("- **This run is incomplete** (interrupted, or some points were never reached).\n", f);
	if (json_is_string(json_object_get(run, "rebuilt_from")))
		fputs("- run.json was missing: the results were rebuilt from results.jsonl.\n", f);
	json_array_foreach(results, i, row) {
		const char *ver = vb_row_pages(row, "verified");

		if (vb_row_emulated(row)) {
			fputs("- ", f);
			row_ident(f, row);
			fputs(": the guest kernel ran at CPL0 on an emulating host (emulated\\_cpl0): "
			      "**not a hardware figure**.\n", f);
		}
		if (!vb_row_honoured(row)) {
			fputs("- ", f);
			row_ident(f, row);
			fputs(": pages requested were not honoured; verified ", f);
			md_text(f, ver ? ver : "?");
			fputs(".\n", f);
		}
	}
	fputs("- Medians over the samples of each row; ci95 is the 95% confidence interval "
	      "of the median (percentile bootstrap), shown as a half-width relative to the median.\n\n", f);
}

void vb_report_write(FILE *f, json_t *run, const char *dir)
{
	const char *id = json_string_value(json_object_get(run, "id"));
	json_t *v;

	fputs("# vbench report: ", f);
	md_text(f, id ? id : "run");
	fputs("\n\n", f);
	if ((v = json_object_get(run, "started")) && json_is_string(v)) {
		fputs("Started ", f);
		md_text(f, json_string_value(v));
		if (json_is_string(json_object_get(run, "finished"))) {
			fputs(", finished ", f);
			md_text(f, json_string_value(json_object_get(run, "finished")));
		}
		fputs(json_is_true(json_object_get(run, "complete")) ? " (complete)" : " (incomplete)", f);
		if (json_is_string(json_object_get(run, "vbench_version"))) {
			fputs(", vbench ", f);
			md_text(f, json_string_value(json_object_get(run, "vbench_version")));
		}
		fputs(".\n\n", f);
	}
	write_host(f, json_object_get(run, "host"));
	write_plan(f, run);
	fputs("## Results\n\n", f);
	vb_summary_print_md(f, vb_run_results(run));
	vb_costmodel_print_md(f, vb_run_results(run));
	fputc('\n', f);
	write_figures(f, dir);
	write_not_ok(f, vb_run_results(run));
	write_notes(f, run);
}

int vb_report_save(json_t *run, const char *dir, char *err, size_t errlen)
{
	char tmp[4096], path[4096];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, VB_REPORT_FILE);
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, VB_REPORT_FILE) >= (int)sizeof(tmp))
		return vb_errf(err, errlen, "%s: path too long", dir);
	fd = mkstemp(tmp);
	if (fd < 0)
		return vb_errf(err, errlen, "%s: %s", tmp, strerror(errno));
	/* mkstemp makes 0600; a report is for everyone who can read the run. */
	fchmod(fd, 0644);
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return vb_errf(err, errlen, "%s: %s", tmp, strerror(errno));
	}
	vb_report_write(f, run, dir);
	if (ferror(f) | fflush(f) | fsync(fileno(f)) | fclose(f)) {
		unlink(tmp);
		return vb_errf(err, errlen, "%s: write failed: %s", tmp, strerror(errno));
	}
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		return vb_errf(err, errlen, "%s: %s", path, strerror(errno));
	}
	return 0;
}
