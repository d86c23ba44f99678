/* findings.c: the answer of a run in a few lines: the mode ratios it
 * measured (shadow / SLAT, guest / native) with their CI and what each means,
 * then what it could not measure here, one line per cause with its count and
 * the command that would measure it. The end of `vbench run` and the first
 * screen of the report; the details follow them. */
#include "analysis/findings.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/ratio.h"
#include "analysis/runfile.h"
#include "analysis/summary.h"
#include "lib/escape.h"

/* At most this many causes; more are counted in the last one. */
#define CAUSES_MAX 16
/* Page-mix ratios shown when the run measured no mode ratio. */
#define PAGES_SHOWN 6

static const char *host_str(json_t *run, const char *obj, const char *key)
{
	json_t *host = json_object_get(run, "host");
	json_t *v = obj ? json_object_get(json_object_get(host, obj), key) : json_object_get(host,
			key);

	return json_string_value(v);
}

/* "2.12x [0.98, 3.48]" with values as summary.c writes them (no e-notation). */
static void ratio_text(double r, double lo, double hi, char *buf, size_t len)
{
	char a[24], b[24], c[24];

	vb_fmt_value(r, a, sizeof(a));
	if (!isfinite(lo) || !isfinite(hi)) {
		snprintf(buf, len, "%sx (no CI)", a);
		return;
	}
	vb_fmt_value(lo, b, sizeof(b));
	vb_fmt_value(hi, c, sizeof(c));
	snprintf(buf, len, "%sx [%s, %s]", a, b, c);
}

/* What a cost ratio (> 1: the first side is slower) says, in words. */
static void meaning(json_t *e, double c, double lo, double hi, char *buf, size_t len)
{
	enum vb_ratio_kind kind = vb_ratio_kind_of(e);
	const char *what = kind == VB_RATIO_SHADOW_SLAT	   ? "shadow paging against SLAT"
			   : kind == VB_RATIO_GUEST_NATIVE ? "the guest against native"
							   : "the larger pages against 4k";

	if (!isfinite(lo) || !isfinite(hi))
		snprintf(buf, len, "%s: %.2fx, without a CI (no samples)", what, c);
	else if (lo > 1)
		snprintf(buf, len, "%s: %.0f%% more time per operation (the CI excludes 1)", what,
			 100 * (c - 1));
	else if (hi < 1)
		snprintf(buf, len, "%s: %.0f%% less time per operation (the CI excludes 1)", what,
			 100 * (1 - c));
	else
		snprintf(buf, len, "%s: cannot tell apart at this run's noise (the CI holds 1)",
			what);
}

static json_t *measured_entry(json_t *e)
{
	double c, lo, hi;
	char pair[256], rt[128], mean[256];
	const char *note = json_string_value(json_object_get(e, "note"));
	json_t *m;

	if (!vb_ratio_cost(e, &c, &lo, &hi))
		return NULL;
	vb_ratio_pair_text(e, pair, sizeof(pair));
	ratio_text(json_number_value(json_object_get(e, "ratio")),
		   json_number_value(json_object_get(e, "ci95_low")),
		   json_number_value(json_object_get(e, "ci95_high")), rt, sizeof(rt));
	meaning(e, c, lo, hi, mean, sizeof(mean));
	m = json_pack("{s:O, s:O, s:s, s:O, s:s, s:s}", "kind", json_object_get(e, "kind"), "bench",
		      json_object_get(e, "bench"), "params_text",
		      json_string_value(json_object_get(e, "params_text")) ?: "", "ratio",
		      json_object_get(e, "ratio"), "pair", pair, "meaning", mean);
	json_object_set_new(m, "text", json_string(rt));
	json_object_set(m, "ci95_low", json_object_get(e, "ci95_low"));
	json_object_set(m, "ci95_high", json_object_get(e, "ci95_high"));
	if (note)
		json_object_set_new(m, "note", json_string(note));
	return m;
}

/* One cause of the unmeasured, keyed by its text: a count and the benches. */
static void cause_add(json_t *causes, const char *cause, const char *bench, const char *command,
		      const char *unit)
{
	json_t *c = NULL, *v;
	size_t i;

	json_array_foreach(causes, i, v)
		if (!strcmp(json_string_value(json_object_get(v, "cause")), cause))
			c = v;
	if (!c && json_array_size(causes) >= CAUSES_MAX)
		c = json_array_get(causes, CAUSES_MAX - 1);
	if (!c) {
		c = json_pack("{s:s, s:i, s:s, s:o, s:s}", "cause", cause, "count", 0, "unit", unit,
			      "bench_set", json_object(), "command", command);
		json_array_append_new(causes, c);
	}
	json_object_set_new(c, "count", json_integer(json_integer_value(json_object_get(c,
			"count")) + 1));
	json_object_set_new(json_object_get(c, "bench_set"), bench ? bench : "?", json_true());
}

/* The command that measures shadow against SLAT, as this host allows. */
static void slat_cause(json_t *run, const char *why, char *cause, size_t clen, char *cmd,
		size_t len)
{
	const char *flav = host_str(run, "kvm", "flavour");
	bool no_slat = !strncmp(why, "no SLAT", 7);

	/* A remote target's mode is its hypervisor's: nothing here switches it. */
	if (strstr(why, "a remote guest runs in its hypervisor's mode")) {
		snprintf(cause, clen, "shadow / SLAT: the remote targets ran in one mode only");
		snprintf(cmd, len, "vbench run --guest remote --target HOST --mode M, once on a "
			 "target whose hypervisor runs shadow paging and once on one "
			 "running SLAT");
	} else if (!no_slat) {
		snprintf(cause, clen, "shadow / SLAT: no shadow row (KVM runs %s here; shadow "
			"needs a "
			 "module reload)", host_str(run, "kvm", "paging") ?: "SLAT");
		snprintf(cmd, len, "vbench run --mode native,kvm,shadow --switch-mode (root)");
	} else if (flav && (!strcmp(flav, "kvm_intel") || !strcmp(flav, "kvm_amd"))) {
		snprintf(cause, clen, "shadow / SLAT: no SLAT row in this run");
		snprintf(cmd, len, "vbench run --mode native,%s,shadow --switch-mode (root)",
			 !strcmp(flav, "kvm_amd") ? "npt" : "ept");
	} else {
		snprintf(cause, clen, "shadow / SLAT: this host has no SLAT (KVM: %s, shadow "
			"paging "
			 "only)", flav ? flav : "none");
		snprintf(cmd, len, "on a VMX or SVM host: vbench run --mode native,ept,shadow "
			 "--switch-mode (npt on AMD); functionally, here: make lab-run "
			 "ARGS='run --mode "
			 "npt,shadow --switch-mode'");
	}
}

/* A skip reason as a cause: the bench's own name at its start made general,
 * so that one cause covers every bench it stops; and the command after it. */
static void skip_cause(json_t *row, char *cause, size_t clen, char *cmd, size_t len)
{
	const char *why = vb_row_str(row, "reason") ?: "no reason given";
	const char *bench = vb_row_str(row, "bench") ?: "";
	size_t bl = strlen(bench);

	if (bl && !strncmp(why, bench, bl) && why[bl] == ' ')
		snprintf(cause, clen, "the bench%s", why + bl);
	else
		snprintf(cause, clen, "%s", why);
	if (strstr(why, "runs only in a guest"))
		snprintf(cmd, len, "none natively: compare its shadow and SLAT rows");
	else if (strstr(why, "needs kvm_intel or kvm_amd") || strstr(why, "PVM"))
		snprintf(cmd, len, "on a VMX or SVM host: vbench run --mode native,kvm --bench "
			"...");
	else if (strstr(why, "hugepages"))
		snprintf(cmd, len, "as root: vbench run --reserve-hugepages ...");
	else
		snprintf(cmd, len, "the remedy in the reason, then the same vbench run");
}

static void unmeasured_rows(json_t *run, json_t *results, json_t *causes)
{
	json_t *row;
	size_t i;

	json_array_foreach(results, i, row) {
		char cause[512], cmd[256];

		if (vb_row_is_ok(row))
			continue;
		skip_cause(row, cause, sizeof(cause), cmd, sizeof(cmd));
		cause_add(causes, cause, vb_row_str(row, "bench"), cmd, "skipped row");
	}
	(void)run;
}

/* A command ending in "--bench ..." gets the benches of its cause. */
static void bench_arg(json_t *c, const char *benches)
{
	const char *cmd = json_string_value(json_object_get(c, "command"));
	size_t n = strlen(cmd);
	char buf[768], list[512];
	size_t k = 0;

	if (n < 4 || strcmp(cmd + n - 3, "..."))
		return;
	for (const char *p = benches; *p && k + 1 < sizeof(list); p++)
		if (*p != ' ')
			list[k++] = *p;
	list[k] = '\0';
	snprintf(buf, sizeof(buf), "%.*s%s", (int)(n - 3), cmd, list);
	json_object_set_new(c, "command", json_string(buf));
}

/* "cr3switch, ptbuild": the benches a cause stopped; bench_set goes. */
static void causes_finish(json_t *causes)
{
	json_t *c;
	size_t i;

	json_array_foreach(causes, i, c) {
		const char *b;
		json_t *v;
		char buf[512];
		size_t used = 0;

		buf[0] = '\0';
		json_object_foreach(json_object_get(c, "bench_set"), b, v)
			used += (size_t)snprintf(buf + used,
				used < sizeof(buf) ? sizeof(buf) - used : 0,
						 "%s%s", used ? ", " : "", b);
		json_object_set_new(c, "benches", json_string(buf));
		json_object_del(c, "bench_set");
		bench_arg(c, buf);
	}
}

json_t *vb_findings(json_t *run)
{
	json_t *results = vb_run_results(run), *view = vb_ratio_view(results);
	json_t *measured = json_array(), *causes = json_array(), *pages = json_array(), *e;
	size_t i;

	json_array_foreach(view, i, e) {
		enum vb_ratio_kind kind = vb_ratio_kind_of(e);
		const char *why = json_string_value(json_object_get(e, "missing"));
		char cause[512], cmd[256];

		if (kind == VB_RATIO_COUNT)
			continue;
		if (kind == VB_RATIO_PAGES) {
			json_t *m = why ? NULL : measured_entry(e);

			if (m && json_array_size(pages) < PAGES_SHOWN)
				json_array_append(pages, m);
			json_decref(m);
			continue;
		}
		if (!why) {
			json_t *m = measured_entry(e);

			if (m)
				json_array_append_new(measured, m);
		} else if (kind == VB_RATIO_SHADOW_SLAT) {
			slat_cause(run, why, cause, sizeof(cause), cmd, sizeof(cmd));
			cause_add(causes, cause, json_string_value(json_object_get(e, "bench")),
				cmd,
				  "ratio");
		}
		/* A missing guest / native comes from skipped rows: counted below. */
	}
	unmeasured_rows(run, results, causes);
	causes_finish(causes);
	json_decref(view);
	return json_pack("{s:o, s:o, s:o}", "measured", measured, "unmeasured", causes,
			 "pages", pages);
}

/* Text of the run made safe for the format (lib/escape.h). */
static void put(FILE *f, enum vb_findings_format fmt, const char *s)
{
	static const enum vb_markup markup[] = {
		[VB_FINDINGS_TEXT] = VB_MARKUP_NONE,
		[VB_FINDINGS_MD] = VB_MARKUP_MD,
		[VB_FINDINGS_HTML] = VB_MARKUP_HTML,
	};

	vb_fputs_markup(f, s, markup[fmt]);
}

static const char *const mark[3][6] = {
	/* title, item start, item end, list start, list end, strong */
	[VB_FINDINGS_TEXT] = { "findings", "  ", "\n", "", "", "" },
	[VB_FINDINGS_MD] = { "## Findings\n\n", "- ", "\n", "", "\n", "**" },
	[VB_FINDINGS_HTML] = { "<section class=\"findings\"><h2 id=\"findings\">Findings</h2>\n",
			       "<li>", "</li>\n", "<ul>\n", "</ul>\n", "" },
};

static void write_measured(FILE *f, enum vb_findings_format fmt, json_t *measured)
{
	const char *const *mk = mark[fmt];
	json_t *m;
	size_t i;

	fputs(mk[3], f);
	json_array_foreach(measured, i, m) {
		const char *params = json_string_value(json_object_get(m, "params_text"));
		const char *note = json_string_value(json_object_get(m, "note"));

		fputs(mk[1], f);
		put(f, fmt, json_string_value(json_object_get(m, "bench")));
		if (params && *params) {
			fputc(' ', f);
			put(f, fmt, params);
		}
		fputs(": ", f);
		put(f, fmt, json_string_value(json_object_get(m, "pair")));
		fprintf(f, fmt == VB_FINDINGS_HTML ? " <b>" : " %s", mk[5]);
		put(f, fmt, json_string_value(json_object_get(m, "text")));
		fprintf(f, fmt == VB_FINDINGS_HTML ? "</b>: " : "%s: ", mk[5]);
		put(f, fmt, json_string_value(json_object_get(m, "meaning")));
		if (note) {
			fputs(" (", f);
			put(f, fmt, note);
			fputc(')', f);
		}
		fputs(mk[2], f);
	}
	fputs(mk[4], f);
}

static void write_unmeasured(FILE *f, enum vb_findings_format fmt, json_t *causes)
{
	const char *const *mk = mark[fmt];
	json_t *c;
	size_t i;

	fputs(mk[3], f);
	json_array_foreach(causes, i, c) {
		long long n = json_integer_value(json_object_get(c, "count"));

		fputs(mk[1], f);
		fprintf(f, "%lld %s%s (", n, json_string_value(json_object_get(c, "unit")),
			n == 1 ? "" : "s");
		put(f, fmt, json_string_value(json_object_get(c, "benches")));
		fputs("): ", f);
		put(f, fmt, json_string_value(json_object_get(c, "cause")));
		const char *cmd = json_string_value(json_object_get(c, "command"));
		const char *at = strstr(cmd, "vbench ");

		at = at ? at : strstr(cmd, "make ");
		fputs(fmt == VB_FINDINGS_TEXT ? "\n      to measure: " : ". To measure: ", f);
		/* "on a VMX or SVM host: " in words, the command as code. */
		if (at && at > cmd) {
			char where[256];

			snprintf(where, sizeof(where), "%.*s", (int)(at - cmd), cmd);
			put(f, fmt, where);
			cmd = at;
		}
		/* Words without a command ("none natively: ...") stay words. */
		if (!at) {
			put(f, fmt, cmd);
			fputs(mk[2], f);
			continue;
		}
		fputs(fmt == VB_FINDINGS_HTML ? "<code>" : fmt == VB_FINDINGS_MD ? "`" : "", f);
		/* Inside code, Markdown takes the text as it is. */
		put(f, fmt == VB_FINDINGS_MD ? VB_FINDINGS_TEXT : fmt, cmd);
		fputs(fmt == VB_FINDINGS_HTML ? "</code>" : fmt == VB_FINDINGS_MD ? "`" : "", f);
		fputs(mk[2], f);
	}
	fputs(mk[4], f);
}

/* "On this host (Intel Xeon ..., KVM pvm, paging shadow):" */
static void write_lead(FILE *f, enum vb_findings_format fmt, json_t *run, size_t n_measured,
		       size_t n_pages)
{
	char lead[512];

	snprintf(lead, sizeof(lead), "%s on this host (%s; KVM %s, paging %s)%s",
		 n_measured ? "Measured" : "No shadow / SLAT or guest / native ratio measured",
		 host_str(run, "cpu", "model_name") ?: "CPU unknown",
		 host_str(run, "kvm", "flavour") ?: "none",
		 host_str(run, "kvm", "paging") ?: "none",
		 n_measured ? ":" : n_pages ? "; page mixes measured:" : ".");
	fputs(fmt == VB_FINDINGS_HTML ? "<p>" : fmt == VB_FINDINGS_TEXT ? "\n" : "", f);
	put(f, fmt, lead);
	fputs(fmt == VB_FINDINGS_HTML ? "</p>\n" : "\n", f);
	if (fmt == VB_FINDINGS_MD)
		fputc('\n', f);
}

void vb_findings_write(FILE *f, json_t *run, enum vb_findings_format fmt)
{
	json_t *fd = vb_findings(run);
	json_t *measured = json_object_get(fd, "measured"), *causes = json_object_get(fd,
			"unmeasured");
	json_t *pages = json_object_get(fd, "pages");

	if (fmt != VB_FINDINGS_TEXT)
		fputs(mark[fmt][0], f);
	write_lead(f, fmt, run, json_array_size(measured), json_array_size(pages));
	write_measured(f, fmt, json_array_size(measured) ? measured : pages);
	if (json_array_size(causes)) {
		fputs(fmt == VB_FINDINGS_HTML ? "<p>" : "", f);
		fputs("Not measured here, by cause:", f);
		fputs(fmt == VB_FINDINGS_HTML ? "</p>\n" : fmt == VB_FINDINGS_MD ? "\n\n" : "\n",
			f);
		write_unmeasured(f, fmt, causes);
	}
	if (fmt == VB_FINDINGS_HTML)
		fputs("</section>\n", f);
	json_decref(fd);
}

void vb_figure_caption(const char *name, char *buf, size_t len)
{
	static const struct {
		const char *prefix, *says;
	} caps[] = {
		{ "bar-", "the median of each mode and page mix (guest:host pages) of one bench "
			"and "
			  "parameter set, with its 95% CI: for a time, lower is faster" },
		{ "sweep-", "the median against the memory footprint, one line per mode and page "
			    "mix, with its 95% CI: where the TLB stops covering the footprint" },
		{ "heatmap-", "the median for each guest page size (rows) and host backing "
			      "(columns): what large pages in either dimension save" },
		{ "ratio-", "each ratio of medians with its bootstrap 95% CI, one bar a bench; "
			    "1 means no difference" },
		{ "compare", "the change of each row against the baseline run (new / baseline - "
			"1); "
			     "red: a significant regression" },
	};

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (!strncmp(name, caps[i].prefix, strlen(caps[i].prefix))) {
			snprintf(buf, len, "%s: %s", name + strlen(caps[i].prefix), caps[i].says);
			return;
		}
	snprintf(buf, len, "%s", name);
}
