/* test_summary.c: the summary table: grouping, ratio to native 4k, flags and reasons. */
#include <criterion/criterion.h>

#include "analysis/summary.h"
#include "tests/unit/fixture_run.h"

static char *table_of(json_t *rows, bool md)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (md)
		vb_summary_print_md(f, rows);
	else
		vb_summary_print(f, rows);
	fclose(f);
	json_decref(rows);
	return buf;
}

/* The line of the table that contains all of the given words. */
static const char *line_with(const char *text, const char *a, const char *b)
{
	static char line[1024];
	const char *p = text;

	while (*p) {
		size_t n = strcspn(p, "\n");

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		if (strstr(line, a) && (!b || strstr(line, b)))
			return line;
		p += n + (p[n] == '\n');
	}
	return NULL;
}

static json_t *sample_rows(void)
{
	json_t *unhonoured = fx_row("ptrchase", "native", "1g", "ns/load", 140, 0.01, 5);

	vb_row_set_pages(unhonoured, "1g", "2m", false);
	return json_pack("[o,o,o,o,o]",
			 fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 5),
			 fx_row("ptrchase", "native", "2m", "ns/load", 150, 0.01, 5),
			 fx_skipped("ptrchase", "ept", "4k:4k",
				    "kvm_intel has ept=N: reload with ept=1 or use --switch-mode, "
				    "and this sentence goes on well beyond any table cell"),
			 fx_row("ptrchase", "shadow", "4k:4k", "ns/load", 420, 0.01, 5),
			 unhonoured);
}

Test(summary, ratio_vs_native_4k)
{
	char *t = table_of(sample_rows(), false);

	cr_assert(strstr(t, "vs base"), "%s", t);
	cr_assert(line_with(t, "4k->4k", "base"), "%s", t);
	cr_assert(line_with(t, "2m->2m", "0.54x"), "%s", t);		/* 150 / 280 */
	cr_assert(line_with(t, "shadow/micro", "1.50x"), "%s", t);	/* 420 / 280 */
	cr_assert(line_with(t, "footprint=512M", NULL), "%s", t);
	free(t);
}

Test(summary, skipped_reason_cut_and_flags)
{
	char *t = table_of(sample_rows(), false);
	const char *l = line_with(t, "ept/micro", "skipped [1]");

	/* The row points at its cause; the cause is said once, in full, under the table. */
	cr_assert(l, "%s", t);
	cr_assert(!strstr(l, "kvm_intel"), "%s", l);
	cr_assert(line_with(t, "[1] skipped, 1 row: kvm_intel has ept=N", "table cell"), "%s", t);
	cr_assert(line_with(t, "1g->2m !", NULL), "%s", t);
	cr_assert(strstr(t, "!: the pages requested"), "%s", t);
	free(t);
}

/* Display column of p in line: "±" is two bytes but one column. */
static size_t column(const char *line, const char *p)
{
	size_t c = 0;

	for (; line < p; line++)
		c += ((unsigned char)*line & 0xc0) != 0x80;
	return c;
}

Test(summary, columns_line_up)
{
	char *t = table_of(sample_rows(), false);
	char head[1024], row[1024];

	snprintf(head, sizeof(head), "%s", line_with(t, "bench", "status"));
	snprintf(row, sizeof(row), "%s", line_with(t, "2m->2m", NULL));
	/* Status is left-aligned, the ratio right-aligned under their headers. */
	cr_assert_eq(column(head, strstr(head, "status")), column(row, strstr(row, "  ok") + 2),
		     "%s\n%s", head, row);
	cr_assert_eq(column(head, strstr(head, "vs base") + 7),
		     column(row, strstr(row, "0.54x") + 5), "%s\n%s", head, row);
	free(t);
}

Test(summary, first_row_is_base_without_native)
{
	char *t = table_of(json_pack("[o,o]",
				     fx_row("ptrchase", "shadow", "4k:4k", "ns/load", 400, 0.01, 5),
				     fx_row("ptrchase", "ept", "4k:4k", "ns/load", 500, 0.01, 5)),
			   false);

	cr_assert(line_with(t, "shadow", "base"), "%s", t);
	cr_assert(line_with(t, "ept", "1.25x"), "%s", t);
	free(t);
}

Test(summary, groups_by_params)
{
	json_t *a = fx_row("ptrchase", "native", "4k", "ns/load", 100, 0.01, 5);
	json_t *b = fx_row("ptrchase", "native", "4k", "ns/load", 300, 0.01, 5);
	json_t *c = fx_row("ptrchase", "native", "2m", "ns/load", 50, 0.01, 5);
	char *t;

	vb_row_set_param(a, "footprint", json_integer(16 << 20));
	vb_row_set_param(c, "footprint", json_integer(16 << 20));
	/* The 16M 2m row sits after the 16M 4k row, not after the 512M one. */
	t = table_of(json_pack("[o,o,o]", a, b, c), false);
	cr_assert(line_with(t, "footprint=16M", "0.50x"), "%s", t);
	cr_assert(strstr(t, "footprint=16M") < strstr(t, "footprint=512M"), "%s", t);
	cr_assert(strstr(strstr(t, "2m->2m"), "footprint=512M"), "16M rows are adjacent: %s", t);
	free(t);
}

Test(summary, markdown_and_row_line)
{
	char *t = table_of(sample_rows(), true), *buf = NULL;
	size_t len = 0;
	FILE *f;
	json_t *row = fx_row("ptrchase", "native", "4k", "ns/load", 283.4, 0.01, 5);

	cr_assert(strstr(t, "| --- |"), "%s", t);
	cr_assert(strstr(t, "kvm\\_intel"), "markdown escapes: %s", t);
	free(t);
	f = open_memstream(&buf, &len);
	vb_summary_row_line(f, row);
	fclose(f);
	cr_assert(strstr(buf, "ptrchase footprint=512M layout=page loads=1M native 4k->4k"
			      " 283.4 ns/load"),
		  "%s", buf);
	cr_assert(strstr(buf, "n=5 ok"), "%s", buf);
	free(buf);
	json_decref(row);
}

Test(summary, kvm_table_shows_nonzero_statistics_only)
{
	json_t *shadow = fx_row("ptewrite", "shadow", "4k:4k", "ns/remap", 15000, 0.01, 5);
	json_t *native = fx_row("ptrchase", "native", "4k", "ns/load", 280, 0.01, 5);
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	vb_row_set_counters(shadow, vb_row_counters_json(0));
	vb_row_set_kvm(shadow, "exits", 6);
	vb_row_set_kvm(shadow, "mmu_pte_write", 393);
	vb_row_set_kvm(shadow, "invlpg", 192);
	vb_row_set_kvm(shadow, "pf_fixed", 0);
	json_t *rows = json_pack("[o,o]", native, shadow);

	f = open_memstream(&buf, &len);
	vb_summary_print_kvm(f, rows);
	fclose(f);
	cr_assert(strstr(buf, "KVM statistics"), "%s", buf);
	const char *l = line_with(buf, "ptewrite", NULL);

	cr_assert_not_null(l, "%s", buf);
	cr_assert(strstr(l, "393") && strstr(l, "192"), "%s", l);
	cr_assert_null(strstr(buf, "pf_fixed"), "all-zero column hidden: %s", buf);
	cr_assert_null(line_with(buf, "ptrchase", NULL), "rows without KVM stats are left out");
	free(buf);

	/* No row with KVM statistics: no table at all. */
	buf = NULL;
	f = open_memstream(&buf, &len);
	vb_summary_print_kvm(f, rows);
	json_array_remove(rows, 1);
	fclose(f);
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	vb_summary_print_kvm(f, rows);
	fclose(f);
	cr_assert_eq(len, 0);
	free(buf);
	json_decref(rows);
}

Test(summary, control_characters_escaped)
{
	json_t *rows = json_array();
	char *t, *md;

	json_array_append_new(rows, fx_row("a\x1b[2J\nb", "native", "4k", "ns/load", 10, 0.01, 5));
	json_array_append_new(rows, fx_skipped("ptrchase", "ept", "4k:4k", "no\x07 ept\nat all"));
	t = table_of(json_deep_copy(rows), false);
	md = table_of(rows, true);
	cr_assert(!strchr(t, '\x1b') && !strchr(t, '\x07'), "%s", t);
	cr_assert(strstr(t, "a\\e[2J\\nb"), "%s", t);
	cr_assert(strstr(t, "no\\x07 ept at all"), "%s", t);
	/* Header, rule, two rows and the notes: no row broken in two. */
	cr_assert(strstr(md, "a\\\\e[2J\\\\nb"), "%s", md);
	{
		size_t lines = 0;

		for (const char *p = md; *p; p++)
			lines += *p == '\n' && p[1] == '|';
		cr_assert_eq(lines, 3, "%s", md);
	}
	free(t);
	free(md);
}

Test(summary, vs_base_only_between_like_work)
{
	json_t *rows = json_array();
	char *t;

	/* mmapchurn's us_per_page at 2m times other memory than at 4k: no "20x". */
	json_array_append_new(rows, fx_row("mmapchurn", "native", "4k", "us/page", 2, 0.01, 5));
	json_array_append_new(rows, fx_row("mmapchurn", "native", "2m", "us/page", 40, 0.01, 5));
	json_array_append_new(rows, fx_row("ptrchase", "native", "4k", "ns/load", 100, 0.01, 5));
	json_array_append_new(rows, fx_row("ptrchase", "native", "2m", "ns/load", 50, 0.01, 5));
	t = table_of(rows, false);
	cr_assert(strstr(line_with(t, "mmapchurn", "2m"), " n/a "), "%s", t);
	cr_assert(!strstr(t, "20.00x"), "%s", t);
	cr_assert(strstr(line_with(t, "ptrchase", "2m"), "0.50x"), "%s", t);
	free(t);
}

/* Issue 18: numbers are plain digits or SI suffixes, never e-notation
 * (the why view printed "pagetable_walk 3.81e-06" per operation). */
Test(summary, values_never_in_e_notation)
{
	const double v[] = { 0, 3.81e-6, -2.5e-9, 7e-12, 1e-15, 4.2e-4, 0.0123, 283.4,
			     1.234e5, 1.235e7, 3e10, 5e13 };
	const char *want[] = { "0.000", "3.81u", "-2.5n", "7p", "0p", "0.00042", "0.012", "283.4",
			       "123.4k", "12.35M", "30G", "50T" };
	char buf[32];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		vb_fmt_value(v[i], buf, sizeof(buf));
		cr_assert_str_eq(buf, want[i], "%g: %s", v[i], buf);
		cr_assert_null(strchr(buf, 'e'), "%g printed as %s", v[i], buf);
	}
}
