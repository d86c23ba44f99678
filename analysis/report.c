/* report.c: the report of a run for people reading it without vbench at hand,
 * written once through a small emitter as Markdown or as one self-contained
 * HTML page; every field read from run.json is type-checked and escaped. */
#include "analysis/report.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/claims.h"
#include "analysis/compare.h"
#include "analysis/ratio.h"
#include "analysis/costmodel.h"
#include "analysis/findings.h"
#include "analysis/runfile.h"
#include "analysis/summary.h"
#include "analysis/walk.h"
#include "analysis/why.h"
#include "lib/atomicfile.h"
#include "lib/error.h"
#include "lib/escape.h"

/* The emitter: the same calls write Markdown or HTML. */
struct out {
	FILE *f;
	bool html;
	int cols;		/* columns of the open table */
};

/* Text from the run, made safe for the format (lib/escape.h). */
static void text(struct out *o, const char *s)
{
	vb_fputs_markup(o->f, s, o->html ? VB_MARKUP_HTML : VB_MARKUP_MD);
}

static void h2(struct out *o, const char *title, const char *id)
{
	if (o->html)
		fprintf(o->f, "<h2 id=\"%s\">%s</h2>\n", id, title);
	else
		fprintf(o->f, "## %s\n\n", title);
}

static void para(struct out *o, const char *s)
{
	fputs(o->html ? "<p>" : "", o->f);
	text(o, s);
	fputs(o->html ? "</p>\n" : "\n\n", o->f);
}

/* A paragraph of our own words (no escaping needed, no markup used). */
static void note(struct out *o, const char *s)
{
	fprintf(o->f, o->html ? "<p class=\"note\">%s</p>\n" : "%s\n\n", s);
}

static void table_begin(struct out *o, const char *cls, int cols, const char *const *head,
			const bool *right)
{
	o->cols = cols;
	if (o->html) {
		fprintf(o->f, "<table class=\"%s\"><thead><tr>", cls);
		for (int c = 0; c < cols; c++) {
			fprintf(o->f, "<th%s>", right && right[c] ? " class=\"r\"" : "");
			text(o, head[c]);
			fputs("</th>", o->f);
		}
		fputs("</tr></thead><tbody>\n", o->f);
		return;
	}
	fputc('|', o->f);
	for (int c = 0; c < cols; c++) {
		fputc(' ', o->f);
		text(o, head[c]);
		fputs(" |", o->f);
	}
	fputs("\n|", o->f);
	for (int c = 0; c < cols; c++)
		fputs(right && right[c] ? " ---: |" : " --- |", o->f);
	fputc('\n', o->f);
}

static void row_begin(struct out *o, const char *cls)
{
	if (o->html)
		fprintf(o->f, "<tr%s%s%s>", cls ? " class=\"" : "", cls ? cls : "",
			cls ? "\"" : "");
	else
		fputc('|', o->f);
}

static void cell(struct out *o, const char *s, bool right)
{
	if (o->html) {
		fprintf(o->f, "<td%s>", right ? " class=\"r\"" : "");
		text(o, s);
		fputs("</td>", o->f);
	} else {
		fputc(' ', o->f);
		text(o, s);
		fputs(" |", o->f);
	}
}

static void row_end(struct out *o)
{
	fputs(o->html ? "</tr>\n" : "\n", o->f);
}

static void table_end(struct out *o)
{
	fputs(o->html ? "</tbody></table>\n" : "\n", o->f);
}

/* A two-column row of label and text. */
static void kv(struct out *o, const char *label, const char *value)
{
	row_begin(o, NULL);
	cell(o, label, false);
	cell(o, value, false);
	row_end(o);
}

/* A JSON value in a few words: scalars as they are, arrays comma-joined,
 * objects "k=v, ..." two levels deep. Plain text, malloc'd. */
static void value_into(FILE *m, json_t *v, int depth)
{
	const char *k;
	json_t *x;
	size_t i = 0;

	switch (json_typeof(v)) {
	case JSON_STRING: fputs(json_string_value(v), m); break;
	case JSON_INTEGER: fprintf(m, "%lld", (long long)json_integer_value(v)); break;
	case JSON_REAL: fprintf(m, "%g", json_real_value(v)); break;
	case JSON_TRUE: fputs("yes", m); break;
	case JSON_FALSE: fputs("no", m); break;
	case JSON_NULL: fputs("-", m); break;
	case JSON_ARRAY:
		json_array_foreach(v, i, x) {
			fputs(i ? ", " : "", m);
			if (depth < 2)
				value_into(m, x, depth + 1);
		}
		break;
	case JSON_OBJECT:
		fputs(depth ? "{" : "", m);
		json_object_foreach(v, k, x) {
			fprintf(m, "%s%s=", i++ ? ", " : "", k);
			if (depth < 2)
				value_into(m, x, depth + 1);
			else
				fputs("...", m);
		}
		fputs(depth ? "}" : "", m);
		break;
	}
}

static char *value_text(json_t *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return NULL;
	if (v)
		value_into(m, v, 0);
	fclose(m);
	return buf;
}

static void kv_json(struct out *o, const char *label, json_t *v)
{
	char *t;

	if (!v)
		return;
	t = value_text(v);
	kv(o, label, t ? t : "?");
	free(t);
}

static const char *const kv_head[] = { "", "" };

static void write_can(struct out *o, json_t *can)
{
	static const char *const kinds[] = { "modes", "pages" };

	for (size_t k = 0; k < 2 && json_is_object(can); k++) {
		json_t *set = json_object_get(can, kinds[k]), *v;
		const char *name;
		char line[1024] = "", label[64];
		size_t n = 0;

		if (!json_is_object(set)) {
			kv_json(o, kinds[k], set);
			continue;
		}
		json_object_foreach(set, name, v)
			if (json_is_true(json_object_get(v, "ok")))
				n += (size_t)snprintf(line + n,
						      n < sizeof(line) ? sizeof(line) - n : 0,
						      "%s%s", n ? ", " : "", name);
		snprintf(label, sizeof(label), "%s it can run", kinds[k]);
		kv(o, label, n ? line : "none");
		json_object_foreach(set, name, v) {
			const char *why = json_string_value(json_object_get(v, "reason"));

			if (json_is_true(json_object_get(v, "ok")))
				continue;
			snprintf(label, sizeof(label), "cannot: %.50s", name);
			kv(o, label, why ? why : "(no reason recorded)");
		}
	}
}

static void write_host(struct out *o, json_t *host)
{
	json_t *cpu = json_object_get(host, "cpu");

	h2(o, "Host", "host");
	if (!json_is_object(host)) {
		note(o, "No host record in this run.");
		return;
	}
	table_begin(o, "kv", 2, kv_head, NULL);
	kv_json(o, "hostname", json_object_get(host, "hostname"));
	kv_json(o, "kernel", json_object_get(host, "kernel"));
	if (json_is_object(cpu)) {
		kv_json(o, "CPU", json_object_get(cpu, "model_name"));
		kv_json(o, "vendor", json_object_get(cpu, "vendor"));
		kv_json(o, "microcode", json_object_get(cpu, "microcode"));
		kv_json(o, "CPU flags of interest", json_object_get(cpu, "flags_of_interest"));
	}
	kv_json(o, "hypervisor (we are a guest of)", json_object_get(host, "hypervisor"));
	kv_json(o, "KVM", json_object_get(host, "kvm"));
	kv_json(o, "THP", json_object_get(host, "thp"));
	kv_json(o, "hugepages", json_object_get(host, "hugepages"));
	kv_json(o, "PMU", json_object_get(host, "pmu"));
	kv_json(o, "topology", json_object_get(host, "topology"));
	kv_json(o, "test settings", json_object_get(host, "test_settings"));
	write_can(o, json_object_get(host, "can"));
	table_end(o);
}

static void write_plan(struct out *o, json_t *run)
{
	json_t *plan = json_object_get(run, "plan"), *cmd = json_object_get(run, "command"), *a;
	size_t i;

	h2(o, "Plan and command", "plan");
	if (json_is_array(cmd)) {
		/* Each argument escaped: nothing in them can end the block or be markup. */
		fputs(o->html ? "<pre class=\"cmd\">" : "Command: `` ", o->f);
		json_array_foreach(cmd, i, a)
			if (json_is_string(a)) {
				fputs(i ? " " : "", o->f);
				if (o->html) {
					text(o, json_string_value(a));
				} else {
					char clean[1024];

					vb_escape_ctrl(json_string_value(a), clean, sizeof(clean));
					for (char *p = clean; *p; p++)
						fputc(*p == '`' ? '\'' : *p, o->f);
				}
			}
		fputs(o->html ? "</pre>\n" : " ``\n\n", o->f);
	}
	if (!json_is_object(plan)) {
		note(o, "No plan record in this run.");
		return;
	}
	table_begin(o, "kv", 2, kv_head, NULL);
	kv_json(o, "source", json_object_get(plan, "source"));
	kv_json(o, "points", json_object_get(plan, "points"));
	kv_json(o, "modes", json_object_get(plan, "modes"));
	kv_json(o, "pages", json_object_get(plan, "pages"));
	kv_json(o, "guest", json_object_get(plan, "guest"));
	kv_json(o, "repeat", json_object_get(plan, "repeat"));
	kv_json(o, "benches", json_object_get(plan, "benches"));
	table_end(o);
}

static void fmt_ratio(json_t *e, const char *k, char *buf, size_t len)
{
	json_t *v = json_object_get(e, k);

	if (json_is_number(v))
		snprintf(buf, len, "%.3f", json_number_value(v));
	else
		snprintf(buf, len, "-");
}

static void fmt_ci(json_t *e, char *buf, size_t len)
{
	char lo[32], hi[32];

	fmt_ratio(e, "ci95_low", lo, sizeof(lo));
	fmt_ratio(e, "ci95_high", hi, sizeof(hi));
	if (strcmp(lo, "-"))
		snprintf(buf, len, "%s .. %s", lo, hi);
	else
		snprintf(buf, len, "-");
}

static void write_ratios(struct out *o, json_t *view)
{
	static const char *const head[] = {"kind",  "bench",  "params", "first / second",
					   "ratio", "95% CI", "note"};
	static const bool right[] = { false, false, false, false, true, true, false };
	json_t *e;
	size_t i;

	h2(o, "Mode ratios", "ratios");
	note(o,
	     "Ratio of the medians of two rows that did the same work (same bench, parameters and "
	     "operations; for mmapchurn and pagefault also the same guest page size), with a "
	     "percentile "
	     "bootstrap 95% confidence interval of the ratio. For a time per operation a ratio "
	     "above 1 "
	     "means the first row is slower; for a rate (a unit in /s) below 1 does. SLAT is ept, "
	     "npt "
	     "or tdp, whichever ran. The ratios this run could not measure are under Findings, "
	     "grouped by cause.");
	if (!json_array_size(view)) {
		note(o,
		     "No ratio: the run has no two modes or page mixes of one bench to compare.");
		return;
	}
	table_begin(o, "ratios", 7, head, right);
	json_array_foreach(view, i, e) {
		const char *miss = json_string_value(json_object_get(e, "missing"));
		const char *n = json_string_value(json_object_get(e, "note"));
		char pair[256], r[32], ci[96];

		if (miss)	/* grouped by cause under Findings */
			continue;
		vb_ratio_pair_text(e, pair, sizeof(pair));
		fmt_ratio(e, "ratio", r, sizeof(r));
		fmt_ci(e, ci, sizeof(ci));
		row_begin(o, miss ? "missing" : NULL);
		cell(o, json_string_value(json_object_get(e, "kind")), false);
		cell(o, json_string_value(json_object_get(e, "bench")), false);
		cell(o, json_string_value(json_object_get(e, "params_text")), false);
		cell(o, miss ? "missing" : pair, false);
		cell(o, r, true);
		cell(o, ci, true);
		cell(o, miss ? miss : n ? n : "", false);
		row_end(o);
	}
	table_end(o);
}

static void write_claims(struct out *o, json_t *claims)
{
	static const char *const head[] = {
		"#",	 "claim",  "the papers", "vbench ratio that tests it",
		"ratio", "95% CI", "verdict",	 "why"};
	static const bool right[] = { true, false, false, false, true, true, false, false };
	json_t *c;
	size_t i;

	h2(o, "The papers' claims", "claims");
	note(o,
	     "The claims of VMware's RVI (2008) and EPT (2009) evaluations as docs/reproducing.md "
	     "states "
	     "them, each tested by the ratio it names. A claim holds only when the CI of its ratio "
	     "lies on "
	     "the claim's side; the papers' own figures are shown for scale, not as targets.");
	table_begin(o, "claims", 8, head, right);
	json_array_foreach(claims, i, c) {
		const char *v = json_string_value(json_object_get(c, "verdict"));
		char id[16], r[32], ci[96];

		snprintf(id, sizeof(id), "%lld",
			 (long long)json_integer_value(json_object_get(c, "id")));
		fmt_ratio(c, "ratio", r, sizeof(r));
		fmt_ci(c, ci, sizeof(ci));
		row_begin(o, !strcmp(v, "holds")	  ? "holds"
			     : !strcmp(v, "not measured") ? "unmeasured"
							  : "fails");
		cell(o, id, true);
		cell(o, json_string_value(json_object_get(c, "claim")), false);
		cell(o, json_string_value(json_object_get(c, "paper")), false);
		cell(o, json_string_value(json_object_get(c, "test")), false);
		cell(o, r, true);
		cell(o, ci, true);
		cell(o, v, false);
		cell(o, json_string_value(json_object_get(c, "why")), false);
		row_end(o);
	}
	table_end(o);
}

static void write_table(struct out *o, const char *cls, json_t *t)
{
	json_t *head = json_object_get(t, "head"), *right = json_object_get(t, "right"), *r, *c;
	size_t n = json_array_size(head), i, j;
	const char **h = calloc(n ? n : 1, sizeof(*h));
	bool *rt = calloc(n ? n : 1, sizeof(*rt));

	if (!h || !rt)
		goto out;
	for (i = 0; i < n; i++) {
		h[i] = json_string_value(json_array_get(head, i));
		rt[i] = json_is_true(json_array_get(right, i));
	}
	table_begin(o, cls, (int)n, h, rt);
	json_array_foreach(json_object_get(t, "rows"), i, r) {
		row_begin(o, NULL);
		json_array_foreach(r, j, c)
			cell(o, json_string_value(c), j < n && rt[j]);
		row_end(o);
	}
	table_end(o);
out:
	free(h);
	free(rt);
}

static void write_results(struct out *o, json_t *results)
{
	json_t *t = vb_summary_table(results), *n;
	size_t i;

	h2(o, "Every row", "rows");
	if (!json_array_size(json_object_get(t, "rows"))) {
		note(o, "No results.");
		json_decref(t);
		return;
	}
	write_table(o, "rows", t);
	json_array_foreach(json_object_get(t, "notes"), i, n)
		para(o, json_string_value(n));
	note(o,
	     "median over the samples of each row; ci95: the 95% confidence interval of the median "
	     "(percentile bootstrap) as a half-width relative to the median.");
	json_decref(t);
}

/* An SVG gnuplot wrote, inlined from its <svg element on: no prolog, no
 * DOCTYPE, nothing the page would fetch. */
static void inline_svg(struct out *o, const char *dir, const char *name)
{
	char path[4200], *buf = NULL, *start;
	size_t len = 0;
	FILE *f, *m;
	int c;

	snprintf(path, sizeof(path), "%s/%s.svg", dir, name);
	f = fopen(path, "re");
	if (!f)
		return;
	m = open_memstream(&buf, &len);
	while (m && (c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(f);
	if (m)
		fclose(m);
	start = buf ? strstr(buf, "<svg") : NULL;
	if (start)
		fputs(start, o->f);
	free(buf);
}

static void write_figures(struct out *o, const struct vb_report_opts *opt)
{
	json_t *v;
	size_t i;

	h2(o, "Figures", "figures");
	if (!json_array_size(opt->figures)) {
		note(o, opt->no_figures ? opt->no_figures : "No figures.");
		return;
	}
	json_array_foreach(opt->figures, i, v) {
		const char *name = json_string_value(v);
		char cap[512];

		if (o->html) {
			fprintf(o->f, "<figure id=\"fig-%s\">", name);
			inline_svg(o, opt->figdir, name);
			vb_figure_caption(name, cap, sizeof(cap));
			fprintf(o->f, "<figcaption>");
			text(o, cap);
			fputs("</figcaption></figure>\n", o->f);
		} else {
			vb_figure_caption(name, cap, sizeof(cap));
			fprintf(o->f, "![%s](%s.png) ([SVG](%s.svg))\n\n", name, name, name);
			text(o, cap);
			fputs("\n\n", o->f);
		}
	}
}

/* Counters of the PMU the rows have, and why others had none. */
/* Which mode wins, and why (analysis/costmodel.h): its Markdown as is, or
 * as preformatted text in the page. */
static void write_costmodel(struct out *o, json_t *results)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return;
	vb_costmodel_print_md(m, results);
	if (fclose(m) != 0 || !len) {
		free(buf);
		return;
	}
	if (o->html) {
		const char *title = "\n## Which mode wins, and why\n\n", *body = buf;

		if (!strncmp(body, title, strlen(title)))
			body += strlen(title);
		h2(o, "Which mode wins, and why", "costmodel");
		fputs("<pre class=\"costmodel\">", o->f);
		text(o, body);
		fputs("</pre>\n", o->f);
	} else {
		fputs(buf, o->f);
		fputc('\n', o->f);
	}
	free(buf);
}

static void write_walk_metrics(struct out *o, json_t *model)
{
	json_t *wm = json_object_get(model, "walk_metrics"), *rows = json_object_get(wm, "rows");
	json_t *names = json_object_get(wm, "names"), *reasons = json_object_get(wm, "unavailable"),
	       *r, *v;
	size_t i, j, n = json_array_size(names);
	const char *k;

	h2(o, "Walk metrics (PMU)", "pmu");
	if (json_array_size(rows)) {
		const char **h = calloc(n + 4, sizeof(*h));
		bool *rt = calloc(n + 4, sizeof(*rt));

		if (h && rt) {
			h[0] = "bench";
			h[1] = "params";
			h[2] = "mode";
			h[3] = "pages";
			for (j = 0; j < n; j++) {
				h[j + 4] = json_string_value(json_array_get(names, j));
				rt[j + 4] = true;
			}
			table_begin(o, "pmu", (int)n + 4, h, rt);
			json_array_foreach(rows, i, r) {
				row_begin(o, NULL);
				for (j = 0; j < 4; j++)
					cell(o,
					     json_string_value(
						     json_array_get(json_object_get(r, "id"), j)),
					     false);
				for (j = 0; j < n; j++) {
					char num[32] = "-";

					v = json_object_get(
						json_object_get(r, "values"),
						json_string_value(json_array_get(names, j)));
					if (json_is_number(v))
						vb_fmt_value(json_number_value(v), num,
							     sizeof(num));
					cell(o, num, true);
				}
				row_end(o);
			}
			table_end(o);
		}
		free(h);
		free(rt);
	} else {
		note(o, "No row has PMU counters.");
	}
	if (json_object_size(reasons)) {
		/* Each row counts once per event it could not count, and once for a PMU error. */
		static const char *const head[] = {"events not counted, over all rows",
						   "why the PMU counters were unavailable"};
		static const bool right[] = { true, false };

		table_begin(o, "reasons", 2, head, right);
		json_object_foreach(reasons, k, v) {
			char cnt[16];

			snprintf(cnt, sizeof(cnt), "%lld", (long long)json_integer_value(v));
			row_begin(o, NULL);
			cell(o, cnt, true);
			cell(o, k, false);
			row_end(o);
		}
		table_end(o);
	}
}

static void write_kvm(struct out *o, json_t *results)
{
	json_t *t = vb_summary_kvm_table(results);

	h2(o, "KVM statistics", "kvm");
	if (!json_array_size(json_object_get(t, "rows"))) {
		note(o,
		     "No row has KVM statistics (native rows, or a guest whose host gives none).");
	} else {
		note(o,
		     "Deltas over the timed samples (pages_*: in use at the end). Without a PMU "
		     "these are "
		     "the evidence of mechanism: exits, faults fixed and shadow-MMU work tell "
		     "shadow paging "
		     "from SLAT.");
		write_table(o, "kvm", t);
	}
	json_decref(t);
}

/* Why shadow costs what it costs (analysis/why.h); takes t. */
static void write_why(struct out *o, json_t *t)
{
	json_t *n;
	size_t i;

	if (json_array_size(json_object_get(json_object_get(t, "rows"), "rows")) ||
	    json_array_size(json_object_get(t, "notes"))) {
		h2(o, "Why: exits and the shadow MMU", "why");
		write_table(o, "why", json_object_get(t, "rows"));
		if (json_array_size(json_object_get(json_object_get(t, "pairs"), "rows")))
			write_table(o, "why", json_object_get(t, "pairs"));
		json_array_foreach(json_object_get(t, "notes"), i, n)
			note(o, json_string_value(n));
	}
	json_decref(t);
}

static void write_not_ok(struct out *o, json_t *model)
{
	static const char *const head[] = { "status", "rows", "reason", "which rows" };
	static const bool right[] = { false, true, false, false };
	json_t *groups = json_object_get(model, "not_ok"), *g, *r;
	size_t i, j;

	h2(o, "Skipped and failed", "notok");
	if (!json_array_size(groups)) {
		note(o, "Every row ran.");
		return;
	}
	table_begin(o, "notok", 4, head, right);
	json_array_foreach(groups, i, g) {
		char cnt[16], which[1024] = "";
		size_t n = 0;

		snprintf(cnt, sizeof(cnt), "%lld",
			 (long long)json_integer_value(json_object_get(g, "count")));
		json_array_foreach(json_object_get(g, "rows"), j, r)
			if (n < sizeof(which))
				n += (size_t)snprintf(which + n, sizeof(which) - n, "%s%s",
						      j ? ", " : "", json_string_value(r));
		row_begin(o, NULL);
		cell(o, json_string_value(json_object_get(g, "status")), false);
		cell(o, cnt, true);
		cell(o, json_string_value(json_object_get(g, "reason")), false);
		cell(o, which, false);
		row_end(o);
	}
	table_end(o);
}

/* One compared row of the table: medians, change, its CI, p, test, verdict. */
static void compare_row(struct out *o, json_t *r)
{
	char b[32] = "-", n[32] = "-", ch[32] = "-", p[32] = "-", pt[200] = "";
	char ci[48] = "-";
	json_t *cr = json_object_get(r, "change_ci95");

	if (json_is_number(json_object_get(json_object_get(r, "baseline"), "median")))
		vb_fmt_value(json_number_value(json_object_get(
				     json_object_get(r, "baseline"), "median")),
			     b, sizeof(b));
	if (json_is_number(json_object_get(json_object_get(r, "new"), "median")))
		vb_fmt_value(json_number_value(
				     json_object_get(json_object_get(r, "new"), "median")),
			     n, sizeof(n));
	if (json_is_number(json_object_get(r, "change")))
		snprintf(ch, sizeof(ch), "%+.1f%%",
			 json_number_value(json_object_get(r, "change")) * 100);
	if (json_array_size(cr) == 2)
		snprintf(ci, sizeof(ci), "%+.1f%% .. %+.1f%%",
			 json_number_value(json_array_get(cr, 0)) * 100,
			 json_number_value(json_array_get(cr, 1)) * 100);
	if (json_is_number(json_object_get(r, "p_value")))
		snprintf(p, sizeof(p), "%.3g",
			 json_number_value(json_object_get(r, "p_value")));
	if (json_is_object(json_object_get(r, "params")))
		vb_row_params_text(r, NULL, pt, sizeof(pt));
	row_begin(o, json_string_value(json_object_get(r, "verdict")));
	cell(o, json_string_value(json_object_get(r, "bench")), false);
	cell(o, pt, false);
	cell(o, json_string_value(json_object_get(r, "mode")), false);
	cell(o, json_string_value(json_object_get(r, "pages")), false);
	cell(o, b, true);
	cell(o, n, true);
	cell(o, ch, true);
	cell(o, ci, true);
	cell(o, p, true);
	cell(o, json_string_value(json_object_get(r, "test")), false);
	cell(o, json_string_value(json_object_get(r, "verdict")), false);
	row_end(o);
}

static void write_compare(struct out *o, json_t *model)
{
	static const char *const head[] = { "bench", "params", "mode", "pages", "baseline",
					    "new", "change", "95% CI of the change", "p", "test",
					    "verdict" };
	static const bool right[] = { false, false, false, false, true, true,
				      true, true, true, false, false };
	json_t *cmp = json_object_get(model, "compare"), *r, *v;
	const char *k;
	size_t i;
	char line[512];

	if (!cmp)
		return;
	h2(o, "Against another run", "compare");
	/* The test is the comparison's own word for it, row by row (its `test`). */
	snprintf(line, sizeof(line),
		 "Baseline %s, this run %s: a change counts when beyond %.0f%% and "
		 "significant at alpha %.2g. The test: %s.",
		 json_string_value(json_object_get(cmp, "baseline")),
		 json_string_value(json_object_get(cmp, "new")),
		 json_number_value(json_object_get(cmp, "threshold")) * 100,
		 json_number_value(json_object_get(cmp, "alpha")),
		 json_string_value(json_object_get(cmp, "method")) ?: "?");
	para(o, line);
	table_begin(o, "compare", 11, head, right);
	json_array_foreach(json_object_get(cmp, "rows"), i, r)
		compare_row(o, r);
	table_end(o);
	line[0] = '\0';
	json_object_foreach(json_object_get(cmp, "counts"), k, v) {
		size_t n = strlen(line);

		snprintf(line + n, sizeof(line) - n, "%s%s: %lld", n ? ", " : "", k,
			 (long long)json_integer_value(v));
	}
	para(o, line);
	if (json_array_size(json_object_get(cmp, "only_baseline")) ||
	    json_array_size(json_object_get(cmp, "only_new"))) {
		snprintf(line, sizeof(line),
			 "Rows only in the baseline: %zu; only in this run: %zu.",
			 json_array_size(json_object_get(cmp, "only_baseline")),
			 json_array_size(json_object_get(cmp, "only_new")));
		para(o, line);
	}
}

static void write_notes(struct out *o, json_t *run)
{
	h2(o, "Notes", "notes");
	if (!json_is_true(json_object_get(run, "complete")))
		note(o, "This run is incomplete (interrupted, or some points were never reached).");
	if (json_is_string(json_object_get(run, "rebuilt_from")))
		note(o,
		     "run.json was missing or behind: the results were rebuilt from "
		     "results.jsonl.");
	note(o, "Pages shown as requested->verified; '!' marks a request the run could not "
		"honour.");
}

/* One line naming a row: "ptrchase footprint=64M shadow/micro 4k:4k". */
static void row_ident(json_t *row, char *buf, size_t len)
{
	const char *guest = vb_row_str(row, "guest"), *pages = vb_row_pages(row, "requested");
	char params[256];

	vb_row_params_text(row, NULL, params, sizeof(params));
	snprintf(buf, len, "%s%s%s %s%s%s %s", vb_row_str(row, "bench"), params[0] ? " " : "",
		 params, vb_row_str(row, "mode"), guest && strcmp(guest, "none") ? "/" : "",
		 guest && strcmp(guest, "none") ? guest : "", pages ? pages : "?");
}

static json_t *not_ok_groups(json_t *results)
{
	json_t *groups = json_array(), *index = json_object(), *row;
	size_t i;

	json_array_foreach(results, i, row) {
		const char *st = vb_row_str(row, "status"), *why = vb_row_str(row, "reason");
		char key[1200], id[400];
		json_t *g;

		if (!strcmp(st, "ok"))
			continue;
		snprintf(key, sizeof(key), "%s\x1f%s", st,
			 why && *why ? why : "(no reason recorded)");
		g = json_object_get(index, key);
		if (!g) {
			g = json_pack("{s:s, s:s, s:i, s:[]}", "status", st, "reason",
				      why && *why ? why : "(no reason recorded)", "count", 0,
				      "rows");
			json_array_append_new(groups, g);
			json_object_set(index, key, g);
		}
		row_ident(row, id, sizeof(id));
		json_object_set_new(
			g, "count",
			json_integer(json_integer_value(json_object_get(g, "count")) + 1));
		json_array_append_new(json_object_get(g, "rows"), json_string(id));
	}
	json_decref(index);
	return groups;
}

/* Numbers of v under prefix, flattened two levels deep ("guest.walk_cycles"),
 * into vals, each new name appended to names. */
static void flatten(json_t *v, const char *prefix, int depth, json_t *vals, json_t *names,
		    json_t *seen)
{
	const char *k;
	json_t *x;

	json_object_foreach(v, k, x) {
		char name[160];

		snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "", k);
		if (json_is_object(x) && depth < 2) {
			flatten(x, name, depth + 1, vals, names, seen);
			continue;
		}
		if (!json_is_number(x))
			continue;
		json_object_set(vals, name, x);
		if (!json_object_get(seen, name)) {
			json_object_set_new(seen, name, json_true());
			json_array_append_new(names, json_string(name));
		}
	}
}

static void count_reason(json_t *reasons, const char *why)
{
	if (why && *why)
		json_object_set_new(
			reasons, why,
			json_integer(json_integer_value(json_object_get(reasons, why)) + 1));
}

/*
 * The PMU counts of each row (counters.pmu: side -> metric -> count, or a
 * flat metric -> count) and the walk metrics derived from them (the row's
 * `walk`: side -> metric, docs/result-schema.md), and the reasons counts
 * were unavailable (counters.unavailable[].reason, counters.errors.pmu).
 */
static json_t *walk_metrics(json_t *results)
{
	json_t *rows = json_array(), *names = json_array(), *seen = json_object();
	json_t *reasons = json_object(), *row, *u;
	size_t i, j;

	json_array_foreach(results, i, row) {
		json_t *c = vb_row_counters(row), *vals = json_object();

		flatten(vb_row_pmu_sides(row), "", 0, vals, names, seen);
		flatten(vb_row_walk(row), "walk", 0, vals, names, seen);
		if (json_object_size(vals)) {
			char params[256], mode[96];
			const char *g = vb_row_str(row, "guest"),
				   *p = vb_row_pages(row, "requested");

			vb_row_params_text(row, NULL, params, sizeof(params));
			snprintf(mode, sizeof(mode), "%s%s%s", vb_row_str(row, "mode"),
				 g && strcmp(g, "none") ? "/" : "",
				 g && strcmp(g, "none") ? g : "");
			json_array_append_new(rows, json_pack("{s:[s,s,s,s], s:o}", "id",
							      vb_row_str(row, "bench"), params,
							      mode, p ? p : "?", "values", vals));
		} else {
			json_decref(vals);
		}
		count_reason(reasons, json_string_value(json_object_get(
					      json_object_get(c, "errors"), "pmu")));
		json_array_foreach(vb_row_counter_unavailable(row), j, u)
			count_reason(reasons, json_string_value(json_object_get(u, "reason")));
	}
	json_decref(seen);
	return json_pack("{s:o, s:o, s:o}", "names", names, "rows", rows, "unavailable", reasons);
}

static size_t emulated_rows(json_t *results)
{
	size_t n = 0, i;
	json_t *row;

	json_array_foreach(results, i, row)
		n += vb_row_is_ok(row) && vb_row_emulated(row);
	return n;
}

/* Said once, at the top: how many rows were timed under emulation, by what. */
static void write_emulated(struct out *o, json_t *model, json_t *results)
{
	size_t n = 0, tcg = 0, i;
	char line[600];
	json_t *row;

	json_array_foreach(results, i, row)
		if (vb_row_is_ok(row) && vb_row_emulated(row)) {
			n++;
			tcg += !strcmp(vb_row_emulated_by(row), "tcg");
		}
	if (json_is_true(json_object_get(model, "emulated_host"))) {
		note(o, "This host is emulated (QEMU TCG): its timings are not hardware figures. "
			"They show the mechanism, not what the hardware costs: ratios drawn from "
			"them are marked emulated, and no claim holds or fails on them; KVM's "
			"statistics are real.");
		return;
	}
	if (!n)
		return;
	snprintf(line, sizeof(line),
		 "%zu of the ok rows (marked ok*) were timed under emulation (%zu under QEMU TCG, "
		 "%zu with a guest kernel at CPL0 under PVM): their timings show the mechanism, "
		 "not what the hardware costs. Ratios drawn from them are marked emulated, and no "
		 "claim holds or fails on them; KVM's statistics are real.",
		 n, tcg, n - tcg);
	note(o, line);
}

json_t *vb_report_model(json_t *run, const struct vb_report_opts *o)
{
	json_t *results = vb_run_results(run), *view = vb_ratio_view(results);
	json_t *m = json_pack("{s:s, s:O?, s:o, s:o, s:o, s:o}", "schema", "vbench.report/1", "id",
			      json_object_get(run, "id"), "ratios", view, "claims",
			      vb_claims_check(results, view), "not_ok", not_ok_groups(results),
			      "walk_metrics", walk_metrics(results));

	/* The lab's host: TCG fills the CPUID hypervisor signature with "TCGTCGTCGTCG". */
	if (strstr(json_string_value(json_object_get(json_object_get(run, "host"), "hypervisor"))
			   ?: "",
		   "TCG"))
		json_object_set_new(m, "emulated_host", json_true());
	json_object_set_new(m, "emulated_rows", json_integer((json_int_t)emulated_rows(results)));
	if (o && o->against) {
		struct vb_compare_opts co = { VB_COMPARE_THRESHOLD, VB_COMPARE_ALPHA };

		json_object_set_new(m, "compare", vb_compare_runs(o->against, run, &co));
	}
	return m;
}

static const char css[] =
	"body{font-family:sans-serif;max-width:1200px;margin:1em auto;padding:0 1em;color:#222}"
	"table{border-collapse:collapse;margin:0.5em 0 1.2em;font-size:0.9em}"
	"th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
	"th{background:#f0f0f0}td.r,th.r{text-align:right;font-variant-numeric:tabular-nums}"
	"tr.holds td{background:#e8f5e9}tr.fails td{background:#fdecea}tr.unmeasured td{color:#666}"
	"tr.missing td{color:#666}tr.regression td{background:#fdecea}tr.improvement "
	"td{background:#e8f5e9}"
	"p.note{color:#444}pre.cmd{background:#f6f6f6;padding:0.5em;white-space:pre-wrap}"
	"figure{margin:1em 0}figure "
	"svg{width:100%;height:auto}figcaption{font-size:0.9em;color:#444}"
	"nav a{margin-right:1em}";

void vb_report_write(FILE *f, json_t *run, enum vb_report_format fmt,
		     const struct vb_report_opts *opt)
{
	static const struct vb_report_opts none = { 0 };
	struct out o = { .f = f, .html = fmt == VB_REPORT_HTML_PAGE };
	const char *id = json_string_value(json_object_get(run, "id"));
	json_t *model;
	char line[512];

	if (!opt)
		opt = &none;
	model = vb_report_model(run, opt);
	if (o.html) {
		/* Self-contained: the style is here, figures are inline SVG, and the
		 * policy forbids the page any request of its own. */
		fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		      "style-src 'unsafe-inline'; img-src data:\">\n<title>vbench report: ", f);
		text(&o, id ? id : "run");
		fprintf(f, "</title>\n<style>%s</style></head><body>\n<h1>vbench report: ", css);
		text(&o, id ? id : "run");
		fputs("</h1>\n<nav><a href=\"#findings\">findings</a><a "
			"href=\"#ratios\">ratios</a><a href=\"#claims\">claims</a>"
		      "<a href=\"#rows\">rows</a><a href=\"#figures\">figures</a><a "
		      "href=\"#kvm\">KVM</a>"
		      "<a href=\"#notok\">skipped</a><a href=\"#host\">host</a></nav>\n",
		      f);
	} else {
		fputs("# vbench report: ", f);
		text(&o, id ? id : "run");
		fputs("\n\n", f);
	}
	snprintf(line, sizeof(line), "Started %s, finished %s (%s), vbench %s.",
		 json_string_value(json_object_get(run, "started")) ?: "?",
		 json_string_value(json_object_get(run, "finished")) ?: "?",
		 json_is_true(json_object_get(run, "complete")) ? "complete" : "incomplete",
		 json_string_value(json_object_get(run, "vbench_version")) ?: "?");
	para(&o, line);
	write_emulated(&o, model, vb_run_results(run));
	/* The answer first (analysis/findings.c); the details follow. */
	vb_findings_write(f, run, o.html ? VB_FINDINGS_HTML : VB_FINDINGS_MD);
	write_ratios(&o, json_object_get(model, "ratios"));
	write_claims(&o, json_object_get(model, "claims"));
	write_compare(&o, model);
	write_results(&o, vb_run_results(run));
	write_figures(&o, opt);
	write_costmodel(&o, vb_run_results(run));
	write_walk_metrics(&o, model);
	write_kvm(&o, vb_run_results(run));
	write_why(&o, vb_why_tables(vb_run_results(run)));
	write_not_ok(&o, model);
	write_host(&o, json_object_get(run, "host"));
	write_plan(&o, run);
	write_notes(&o, run);
	if (o.html)
		fputs("</body></html>\n", f);
	json_decref(model);
}

int vb_report_save(json_t *run, const char *dir, enum vb_report_format fmt,
		   const struct vb_report_opts *o, char *err, size_t errlen)
{
	const char *name = fmt == VB_REPORT_HTML_PAGE ? VB_REPORT_HTML : VB_REPORT_FILE;
	struct vb_atomic a;
	char why[512];
	int dfd = vb_dir_open(dir, err, errlen);

	if (dfd < 0)
		return -1;
	if (vb_atomic_open(&a, dfd, name, why, sizeof(why)) < 0) {
		close(dfd);
		return vb_errf(err, errlen, "%s/%s", dir, why);
	}
	vb_report_write(a.f, run, fmt, o);
	if (vb_atomic_commit(&a, why, sizeof(why)) < 0) {
		close(dfd);
		return vb_errf(err, errlen, "%s/%s", dir, why);
	}
	close(dfd);
	return 0;
}
