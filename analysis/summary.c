/* summary.c: the summary table printed at the end of `vbench run` and in
 * report.md; the point is native, shadow and SLAT rows of one bench side by side. */
#include "analysis/summary.h"
#include "analysis/why.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/ratio.h"
#include "analysis/runfile.h"
#include "lib/escape.h"

enum col {
	C_BENCH,
	C_PARAMS,
	C_MODE,
	C_PAGES,
	C_MEDIAN,
	C_UNIT,
	C_CI,
	C_N,
	C_RATIO,
	C_STATUS,
	C_COUNT
};

static const char *const col_head[C_COUNT] = {
	"bench", "params", "mode", "pages", "median", "unit", "ci95", "n", "vs base", "status",
};
/* Numbers read best right-aligned. */
static const bool col_right[C_COUNT] = {
	[C_MEDIAN] = true, [C_CI] = true, [C_N] = true, [C_RATIO] = true,
};

#define CELL 160
#define REASON_MAX 60

struct srow {
	json_t *row;
	char cell[C_COUNT][CELL];
	size_t group;
	bool emulated;
};

#define CAUSES_MAX 64

/* A reason rows were skipped or failed for, said once under the table. */
struct cause {
	const char *status, *reason;
	size_t rows;
};

struct table {
	struct srow *rows;
	size_t n;
	struct cause causes[CAUSES_MAX];
	size_t n_causes;
	bool have_ratio;	/* some group has two ok rows to compare */
	bool have_emulated;
	bool have_unhonoured;
};

/* A reason as one cell: line breaks become spaces, and it is cut where it
 * stops being a table cell (report.md lists the full reasons). */
static void short_reason(const char *why, char *buf, size_t len)
{
	size_t cap = len - 1 < REASON_MAX ? len - 1 : REASON_MAX, n = 0;

	for (; *why && n < cap; why++) {
		char c = (*why == '\n' || *why == '\r' || *why == '\t') ? ' ' : *why;

		if (c == ' ' && (n == 0 || buf[n - 1] == ' '))
			continue;
		buf[n++] = c;
	}
	buf[n] = '\0';
	if (*why && cap > 3)
		strcpy(buf + cap - 3, "...");
}

#define EMULATED_NOTE "ok*: timed under emulation (TCG, or a guest kernel at CPL0 under PVM): " \
	"the mechanism, not a hardware figure"

static void fmt_status(json_t *row, char *buf, size_t len)
{
	const char *st = vb_row_str(row, "status"), *why = vb_row_str(row, "reason");
	char r[REASON_MAX + 1];

	if (strcmp(st, "ok") == 0) {
		snprintf(buf, len, "ok%s", vb_row_emulated(row) ? "*" : "");
		return;
	}
	if (!why || !*why) {
		snprintf(buf, len, "%s", st);
		return;
	}
	short_reason(why, r, sizeof(r));
	snprintf(buf, len, "%s: %s", st, r);
}

static void fmt_pages(json_t *row, char *buf, size_t len)
{
	const char *req = vb_row_pages(row, "requested"), *ver = vb_row_pages(row, "verified");

	if (!req)
		req = "?";
	if (!ver)
		snprintf(buf, len, "%s", req);
	else
		snprintf(buf, len, "%s->%s%s", req, ver, vb_row_honoured(row) ? "" : " !");
}

static void fmt_mode(json_t *row, char *buf, size_t len)
{
	const char *guest = vb_row_str(row, "guest"), *mode = vb_row_str(row, "mode");
	const char *seen = vb_row_str(row, "mode_verified");
	char m[64];

	/* Show what the host really ran when it differs from the request (tcg). */
	if (seen && strcmp(seen, mode) && vb_row_is_ok(row))
		snprintf(m, sizeof(m), "%s(%s)", mode, seen);
	else
		snprintf(m, sizeof(m), "%s", mode);
	if (guest && *guest && strcmp(guest, "none") != 0)
		snprintf(buf, len, "%s/%s", m, guest);
	else
		snprintf(buf, len, "%s", m);
	/* A remote row names its target: two targets' rows must not look alike. */
	if (vb_row_str(row, "target")) {
		size_t n = strlen(buf);

		snprintf(buf + n, len - n, "@%s", vb_row_str(row, "target"));
	}
}

static bool is_native_4k(json_t *row)
{
	const char *req = vb_row_pages(row, "requested");

	return strcmp(vb_row_str(row, "mode"), "native") == 0 && req &&
	       (strcmp(req, "4k") == 0 || strcmp(req, "4k:4k") == 0);
}

static void fill_raw(struct srow *r, json_t *pick)
{
	json_t *row = r->row;
	const char *unit = vb_row_str(row, "unit");
	double med, rel, lo, hi, n;

	snprintf(r->cell[C_BENCH], CELL, "%s", vb_row_str(row, "bench"));
	vb_row_params_text(row, pick, r->cell[C_PARAMS], CELL);
	fmt_mode(row, r->cell[C_MODE], CELL);
	fmt_pages(row, r->cell[C_PAGES], CELL);
	fmt_status(row, r->cell[C_STATUS], CELL);
	snprintf(r->cell[C_MEDIAN], CELL, "-");
	snprintf(r->cell[C_UNIT], CELL, "%s", unit ? unit : "");
	snprintf(r->cell[C_CI], CELL, "-");
	snprintf(r->cell[C_N], CELL, "-");
	snprintf(r->cell[C_RATIO], CELL, "-");
	if (!vb_row_is_ok(row))
		return;
	vb_row_stat(row, "median", &med);
	vb_fmt_value(med, r->cell[C_MEDIAN], CELL);
	if (!vb_row_stat(row, "ci_halfwidth_rel", &rel)) {
		rel = NAN;
		if (vb_row_stat(row, "ci95_low", &lo) && vb_row_stat(row, "ci95_high", &hi) &&
		    med != 0)
			rel = (hi - lo) / 2 / fabs(med);
	}
	if (isfinite(rel))
		snprintf(r->cell[C_CI], CELL, rel * 100 < 0.1 ? "±%.2f%%" : "±%.1f%%", rel * 100);
	if (vb_row_stat(row, "n", &n))
		snprintf(r->cell[C_N], CELL, "%.0f", n);
	else
		snprintf(r->cell[C_N], CELL, "%zu", vb_row_samples_count(row));
}

/* Skipped and failed rows point at their cause, "skipped [2]", so that a
 * reason shared by many rows is said once, in full, under the table. */
static void number_cause(struct table *t, struct srow *r)
{
	const char *st = vb_row_str(r->row, "status"), *why = vb_row_str(r->row, "reason");
	size_t k;

	if (vb_row_is_ok(r->row) || !st || !why || !*why)
		return;
	for (k = 0; k < t->n_causes; k++)
		if (!strcmp(t->causes[k].status, st) && !strcmp(t->causes[k].reason, why))
			break;
	if (k == t->n_causes) {
		if (k == CAUSES_MAX)
			return;		/* the cell keeps its short reason */
		t->causes[t->n_causes++] = (struct cause){ st, why, 0 };
	}
	t->causes[k].rows++;
	snprintf(r->cell[C_STATUS], CELL, "%s [%zu]", st, k + 1);
}

/* Every cell holds text from the run: its control characters become
 * escapes, so a newline in a name cannot break a line of the table. */
static void fill_cells(struct srow *r, json_t *pick)
{
	char clean[CELL];
	int c;

	fill_raw(r, pick);
	for (c = 0; c < C_COUNT; c++) {
		vb_escape_ctrl(r->cell[c], clean, sizeof(clean));
		memcpy(r->cell[c], clean, sizeof(clean));
	}
}

/* Each result's group (gid[i]): the index of its bench+params key in keys,
 * new keys appended in order of first appearance. picks gets each bench's
 * parameters worth a column. Returns the number of groups. */
static size_t group_rows(json_t *results, char **keys, size_t *gid, json_t *picks)
{
	size_t i, j, ngroups = 0;
	json_t *row;

	json_array_foreach(results, i, row) {
		const char *bench = vb_row_str(row, "bench");
		char *pk = vb_row_params_key(row);
		size_t klen = strlen(bench) + strlen(pk ? pk : "") + 2;
		char *key = malloc(klen);

		if (key)
			snprintf(key, klen, "%s\x1f%s", bench, pk ? pk : "");
		free(pk);
		for (j = 0; j < ngroups; j++)
			if (key && keys[j] && strcmp(keys[j], key) == 0)
				break;
		if (j == ngroups)
			keys[ngroups++] = key;
		else
			free(key);
		gid[i] = j;
		if (!json_object_get(picks, bench))
			json_object_set_new(picks, bench, vb_params_key_names(results, bench));
	}
	return ngroups;
}

/* The ratio column of one group's rows [first, end): each ok row's median
 * over the base row's, when both did the same work. */
static void ratio_cells(struct srow *first, struct srow *end, const struct srow *base)
{
	for (struct srow *r = first; r < end; r++) {
		char why[512];
		double m, b;

		if (!vb_row_is_ok(r->row))
			continue;
		vb_row_stat(r->row, "median", &m);
		vb_row_stat(base->row, "median", &b);
		if (r == base)
			snprintf(r->cell[C_RATIO], CELL, "base");
		else if (!vb_ratio_same_work(r->row, base->row, why, sizeof(why)))
			snprintf(r->cell[C_RATIO], CELL, "n/a");
		else if (b != 0)
			snprintf(r->cell[C_RATIO], CELL, "%.2fx", m / b);
	}
}

/* Rows of one bench+params group become adjacent, groups in order of first
 * appearance, so the plan's order still reads top to bottom. */
static int build(json_t *results, struct table *t)
{
	size_t nrows = json_array_size(results), i, j, ngroups = 0;
	char **keys;
	size_t *gid;
	json_t *picks = json_object(), *row;

	memset(t, 0, sizeof(*t));
	t->rows = calloc(nrows ? nrows : 1, sizeof(*t->rows));
	keys = calloc(nrows ? nrows : 1, sizeof(*keys));
	gid = calloc(nrows ? nrows : 1, sizeof(*gid));
	if (!t->rows || !keys || !gid) {
		free(t->rows);
		free(keys);
		free(gid);
		json_decref(picks);
		return -1;
	}
	ngroups = group_rows(results, keys, gid, picks);
	for (j = 0; j < ngroups; j++) {
		struct srow *base = NULL, *first = t->rows + t->n;
		size_t ok = 0;

		json_array_foreach(results, i, row) {
			struct srow *r;

			if (gid[i] != j)
				continue;
			r = &t->rows[t->n++];
			r->row = row;
			r->group = j;
			r->emulated = vb_row_emulated(row);
			fill_cells(r, json_object_get(picks, vb_row_str(row, "bench")));
			number_cause(t, r);
			t->have_emulated |= r->emulated && vb_row_is_ok(row);
			t->have_unhonoured |= !vb_row_honoured(row);
			if (vb_row_is_ok(row)) {
				ok++;
				if (!base || (is_native_4k(row) && !is_native_4k(base->row)))
					base = r;
			}
		}
		if (ok < 2)
			continue;
		t->have_ratio = true;
		ratio_cells(first, t->rows + t->n, base);
	}
	for (j = 0; j < ngroups; j++)
		free(keys[j]);
	free(keys);
	free(gid);
	json_decref(picks);
	return 0;
}

/* Display width: the "±" is two bytes but one column. */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static bool col_shown(const struct table *t, enum col c)
{
	size_t i;

	if (c == C_RATIO)
		return t->have_ratio;
	if (c == C_PARAMS) {
		for (i = 0; i < t->n; i++)
			if (t->rows[i].cell[C_PARAMS][0])
				return true;
		return false;
	}
	return true;
}

static void print_notes(FILE *f, const struct table *t, const char *lead)
{
	if (t->have_ratio)
		fprintf(f,
			"%svs base: median / median of the native 4k row of the same bench and "
			"params "
			"(else its first ok row); n/a: not the same work (see the ratios below)\n",
			lead);
	if (t->have_unhonoured)
		fprintf(f, "%s!: the pages requested were not what the run verified\n", lead);
	if (t->have_emulated)
		fprintf(f, "%s%s\n", lead, EMULATED_NOTE);
	for (size_t k = 0; k < t->n_causes; k++) {
		char raw[1024], why[2048];

		/* One line, whatever the reason held: breaks become blanks, other
		 * control characters escapes. */
		snprintf(raw, sizeof(raw), "%s", t->causes[k].reason);
		for (char *c = raw; *c; c++)
			if (*c == '\n' || *c == '\r' || *c == '\t')
				*c = ' ';
		vb_escape_ctrl(raw, why, sizeof(why));
		fprintf(f, "%s[%zu] %s, %zu row%s: ", lead, k + 1, t->causes[k].status,
			t->causes[k].rows, t->causes[k].rows == 1 ? "" : "s");
		for (const char *c = why; *c; c++) {
			/* Markdown (lead "- ") would read these as markup. */
			if (lead[0] && strchr("|*_<\\`", *c))
				fputc('\\', f);
			fputc(*c, f);
		}
		fputc('\n', f);
	}
}

void vb_summary_print(FILE *f, json_t *results)
{
	json_t *view;
	struct table t;
	size_t w[C_COUNT] = { 0 }, i;
	int c;

	if (!json_is_array(results) || json_array_size(results) == 0) {
		fprintf(f, "no results\n");
		return;
	}
	if (build(results, &t))
		return;
	for (c = 0; c < C_COUNT; c++) {
		w[c] = width(col_head[c]);
		for (i = 0; i < t.n; i++)
			if (width(t.rows[i].cell[c]) > w[c])
				w[c] = width(t.rows[i].cell[c]);
	}
	for (i = 0; i <= t.n; i++) {
		const struct srow *r = i ? &t.rows[i - 1] : NULL;
		bool sep = false;

		/* A blank line between benches keeps groups apart without rules. */
		if (i > 1 && strcmp(r->cell[C_BENCH], t.rows[i - 2].cell[C_BENCH]) != 0)
			fputc('\n', f);
		for (c = 0; c < C_COUNT; c++) {
			const char *s = r ? r->cell[c] : col_head[c];
			size_t pad = w[c] - width(s);

			if (!col_shown(&t, c))
				continue;
			if (sep)
				fputs("  ", f);
			sep = true;
			if (c == C_STATUS) {
				fputs(s, f);
				break;
			}
			if (col_right[c])
				fprintf(f, "%*s%s", (int)pad, "", s);
			else
				fprintf(f, "%s%*s", s, (int)pad, "");
		}
		fputc('\n', f);
	}
	print_notes(f, &t, "");
	free(t.rows);
	view = vb_ratio_view(results);
	vb_ratio_print(f, view);
	json_decref(view);
	vb_why_print(f, results);
}

static void md_cell(FILE *f, const char *s)
{
	fputc(' ', f);
	for (; *s; s++) {
		if (strchr("|*_<\\`", *s))
			fputc('\\', f);
		fputc(*s, f);
	}
	fputs(" |", f);
}

void vb_summary_print_md(FILE *f, json_t *results)
{
	struct table t;
	size_t i;
	int c;

	if (!json_is_array(results) || json_array_size(results) == 0) {
		fprintf(f, "No results.\n");
		return;
	}
	if (build(results, &t))
		return;
	fputc('|', f);
	for (c = 0; c < C_COUNT; c++)
		if (col_shown(&t, c))
			md_cell(f, col_head[c]);
	fputs("\n|", f);
	for (c = 0; c < C_COUNT; c++)
		if (col_shown(&t, c))
			fputs(col_right[c] ? " ---: |" : " --- |", f);
	fputc('\n', f);
	for (i = 0; i < t.n; i++) {
		fputc('|', f);
		for (c = 0; c < C_COUNT; c++)
			if (col_shown(&t, c))
				md_cell(f, t.rows[i].cell[c]);
		fputc('\n', f);
	}
	fputc('\n', f);
	print_notes(f, &t, "- ");
	free(t.rows);
}

void vb_summary_row_line(FILE *f, json_t *row)
{
	struct srow r = { .row = row };

	if (!json_is_object(row) || !vb_row_str(row, "bench") || !vb_row_str(row, "mode") ||
	    !vb_row_str(row, "status")) {
		fprintf(f, "(malformed row)\n");
		return;
	}
	fill_cells(&r, NULL);
	fprintf(f, "%s", r.cell[C_BENCH]);
	if (r.cell[C_PARAMS][0])
		fprintf(f, " %s", r.cell[C_PARAMS]);
	fprintf(f, " %s %s", r.cell[C_MODE], r.cell[C_PAGES]);
	if (vb_row_is_ok(row))
		fprintf(f, " %s %s %s n=%s", r.cell[C_MEDIAN], r.cell[C_UNIT], r.cell[C_CI],
			r.cell[C_N]);
	fprintf(f, " %s\n", r.cell[C_STATUS]);
}

/* The KVM statistics worth a column, in reading order: exits and faults,
 * then the shadow MMU's own work, then the host page sizes in use. */
static const char *const kvm_cols[] = {
	"exits",	  "pf_fixed",	   "pf_taken",		"pf_emulate",  "invlpg",
	"tlb_flush",	  "mmu_pte_write", "mmu_shadow_zapped", "mmu_flooded", "mmu_unsync",
	"mmu_cache_miss", "pages_4k",	   "pages_2m",		"pages_1g",
};
#define N_KVM_COLS (sizeof(kvm_cols) / sizeof(kvm_cols[0]))

/* The rows with KVM statistics; a column is shown when some row has it at non-zero. */
static size_t kvm_shown(json_t *results, bool shown[N_KVM_COLS])
{
	json_t *row;
	size_t i, k, n = 0;
	double v;

	json_array_foreach(results, i, row) {
		json_t *kvm = vb_row_kvm_stats(row);

		if (!json_is_object(kvm) || !json_object_size(kvm))
			continue;
		n++;
		for (k = 0; k < N_KVM_COLS; k++)
			shown[k] |= vb_row_kvm(row, kvm_cols[k], &v) && v != 0;
	}
	return n;
}

/* "ptrchase footprint=64M shadow 4k:4k->4k:4k": the params tell apart rows
 * that differ by them alone (the 64M and the 512M row). */
static void kvm_label(json_t *row, const char *pages, char *buf, size_t len)
{
	struct srow sr = { .row = row };
	char raw[512];

	fill_cells(&sr, NULL);
	snprintf(raw, sizeof(raw), "%s%s%s %s %s", vb_row_str(row, "bench"),
		 sr.cell[C_PARAMS][0] ? " " : "", sr.cell[C_PARAMS], vb_row_str(row, "mode"),
		 pages);
	vb_escape_ctrl(raw, buf, len);
}

void vb_summary_print_kvm(FILE *f, json_t *results)
{
	bool shown[N_KVM_COLS] = { false };
	size_t w[N_KVM_COLS + 1], i, k, n = 0;
	char label[256], num[32];
	json_t *row;

	n = kvm_shown(results, shown);
	if (!n)
		return;
	w[0] = 0;
	json_array_foreach(results, i, row) {
		if (!json_object_size(vb_row_kvm_stats(row)))
			continue;
		fmt_pages(row, num, sizeof(num));
		kvm_label(row, num, label, sizeof(label));
		if (width(label) > w[0])
			w[0] = width(label);
	}
	for (k = 0; k < N_KVM_COLS; k++)
		w[k + 1] = strlen(kvm_cols[k]) > 8 ? strlen(kvm_cols[k]) : 8;
	fprintf(f,
		"\nKVM statistics, deltas over the timed samples (pages_*: in use at the "
		"end)\n%-*s",
		(int)w[0], "");
	for (k = 0; k < N_KVM_COLS; k++)
		if (shown[k])
			fprintf(f, "  %*s", (int)w[k + 1], kvm_cols[k]);
	fputc('\n', f);
	json_array_foreach(results, i, row) {
		json_t *kvm = vb_row_kvm_stats(row);

		if (!json_object_size(kvm))
			continue;
		fmt_pages(row, num, sizeof(num));
		kvm_label(row, num, label, sizeof(label));
		fprintf(f, "%s%*s", label, (int)(w[0] - width(label)), "");
		for (k = 0; k < N_KVM_COLS; k++) {
			if (!shown[k])
				continue;
			double v = 0;

			vb_row_kvm(row, kvm_cols[k], &v);
			/* Counts: whole numbers up to a million, then vb_fmt_value's suffixes. */
			if (fabs(v) < 1e6)
				snprintf(num, sizeof(num), "%.0f", v);
			else
				vb_fmt_value(v, num, sizeof(num));
			fprintf(f, "  %*s", (int)w[k + 1], num);
		}
		fputc('\n', f);
	}
}

json_t *vb_summary_table(json_t *results)
{
	json_t *out = json_object(), *head = json_array(), *right = json_array(),
	       *rows = json_array();
	json_t *notes = json_array();
	struct table t;
	size_t i;
	int c;

	json_object_set_new(out, "head", head);
	json_object_set_new(out, "right", right);
	json_object_set_new(out, "rows", rows);
	json_object_set_new(out, "notes", notes);
	if (!json_is_array(results) || !json_array_size(results) || build(results, &t))
		return out;
	for (c = 0; c < C_COUNT; c++)
		if (col_shown(&t, c)) {
			json_array_append_new(head, json_string(col_head[c]));
			json_array_append_new(right, json_boolean(col_right[c]));
		}
	for (i = 0; i < t.n; i++) {
		json_t *r = json_array();

		for (c = 0; c < C_COUNT; c++)
			if (col_shown(&t, c))
				json_array_append_new(r, json_string(t.rows[i].cell[c]));
		json_array_append_new(rows, r);
	}
	if (t.have_ratio)
		json_array_append_new(
			notes,
			json_string(
				"vs base: median / median of the native 4k row of the "
				"same bench and params (else its first ok row); n/a: not the same "
				"work"));
	if (t.have_unhonoured)
		json_array_append_new(
			notes,
			json_string("!: the pages requested were not what the run verified"));
	if (t.have_emulated)
		json_array_append_new(
			notes, json_string(EMULATED_NOTE));
	free(t.rows);
	return out;
}

json_t *vb_summary_kvm_table(json_t *results)
{
	json_t *out = json_object(), *head = json_array(), *rows = json_array(), *row;
	bool shown[N_KVM_COLS] = { false };
	size_t i, k, n = 0;

	json_object_set_new(out, "head", head);
	json_object_set_new(out, "rows", rows);
	n = kvm_shown(results, shown);
	if (!n)
		return out;
	for (k = 0; k < 4; k++)
		json_array_append_new(head, json_string((const char *const[]){"bench", "params",
									      "mode", "pages"}[k]));
	for (k = 0; k < N_KVM_COLS; k++)
		if (shown[k])
			json_array_append_new(head, json_string(kvm_cols[k]));
	json_array_foreach(results, i, row) {
		json_t *kvm = vb_row_kvm_stats(row), *r;
		struct srow sr = { .row = row };

		if (!json_is_object(kvm) || !json_object_size(kvm))
			continue;
		fill_cells(&sr, NULL);
		r = json_pack("[s,s,s,s]", sr.cell[C_BENCH], sr.cell[C_PARAMS], sr.cell[C_MODE],
			      sr.cell[C_PAGES]);
		for (k = 0; k < N_KVM_COLS; k++) {
			char num[32];
			double v = 0;

			vb_row_kvm(row, kvm_cols[k], &v);
			if (!shown[k])
				continue;
			if (fabs(v) < 1e6)
				snprintf(num, sizeof(num), "%.0f", v);
			else
				vb_fmt_value(v, num, sizeof(num));
			json_array_append_new(r, json_string(num));
		}
		json_array_append_new(rows, r);
	}
	return out;
}
