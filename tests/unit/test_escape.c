/* test_escape.c: control characters of untrusted text become visible escapes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/escape.h"

Test(escape, control_characters)
{
	char out[128];

	cr_assert_str_eq(vb_escape_ctrl("a\nb\rc\td", out, sizeof(out)), "a\\nb\\rc\\td");
	cr_assert_str_eq(vb_escape_ctrl("\x1b[2Jx", out, sizeof(out)), "\\e[2Jx");
	cr_assert_str_eq(vb_escape_ctrl("\x07\x7f", out, sizeof(out)), "\\x07\\x7f");
	/* C1 CSI in UTF-8, and a byte that is not UTF-8. */
	cr_assert_str_eq(vb_escape_ctrl("\xc2\x9b" "1m\xff", out, sizeof(out)), "\\u009b1m\\xff");
	/* Printable UTF-8 stays. */
	cr_assert_str_eq(vb_escape_ctrl("±5% é", out, sizeof(out)), "±5% é");
	cr_assert(vb_text_is_clean("ptrchase 4k:2m ±1%"));
	cr_assert(!vb_text_is_clean("x\ny"));
}

Test(escape, cut_at_a_whole_escape)
{
	char out[8];

	/* "ab\n..." does not fit in 8: the escape is not split. */
	cr_assert_str_eq(vb_escape_ctrl("abcd\nefgh", out, sizeof(out)), "abcd...");
	cr_assert_str_eq(vb_escape_ctrl("abcdefg", out, sizeof(out)), "abcdefg");
	cr_assert_str_eq(vb_escape_ctrl("ab\ncdefg", out, sizeof(out)), "ab\\n...");
	cr_assert_str_eq(vb_escape_ctrl("", out, sizeof(out)), "");
}

Test(escape, to_a_stream)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	vb_fputs_escaped(f, "row\n\x1b]0;title\x07");
	fclose(f);
	cr_assert_str_eq(buf, "row\\n\\e]0;title\\x07");
	free(buf);
}

static char *markup(const char *s, enum vb_markup m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	vb_fputs_markup(f, s, m);
	fclose(f);
	return buf;
}

/* One escaper for the report, the findings and JUnit: control characters
 * first, then the markup's own characters, the escapes' backslashes too. */
Test(escape, into_markup)
{
	static const struct {
		enum vb_markup m;
		const char *want;
	} cases[] = {
		{ VB_MARKUP_NONE, "a<b>&\"c\" 'd' *e*|\\n" },
		{ VB_MARKUP_MD, "a\\<b\\>&\"c\" 'd' \\*e\\*\\|\\\\n" },
		{ VB_MARKUP_HTML, "a&lt;b&gt;&amp;&quot;c&quot; &#39;d&#39; *e*|\\n" },
		{ VB_MARKUP_XML, "a&lt;b&gt;&amp;&quot;c&quot; &apos;d&apos; *e*|\\n" },
	};

	char *got;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = markup("a<b>&\"c\" 'd' *e*|\n", cases[i].m);

		cr_assert_str_eq(got, cases[i].want, "markup %d", (int)cases[i].m);
		free(got);
	}
	got = markup(NULL, VB_MARKUP_HTML);
	cr_assert_str_eq(got, "");
	free(got);
}

Test(label, checks_and_quotes_escaped)
{
	char why[256], long_value[400];

	cr_assert_eq(vb_label_check("kernel=6.12", why, sizeof(why)), 0);
	cr_assert_eq(vb_label_check("kernel", why, sizeof(why)), -1);
	cr_assert(strstr(why, "expected KEY=VALUE"), "%s", why);
	cr_assert_eq(vb_label_check("ke y=1", why, sizeof(why)), -1);
	cr_assert(strstr(why, "a key is letters"), "%s", why);
	snprintf(long_value, sizeof(long_value), "k=%0300d", 0);
	cr_assert_eq(vb_label_check(long_value, why, sizeof(why)), -1);
	cr_assert(strstr(why, "the value is 300 bytes long, at most 256"), "%s", why);
	cr_assert_lt(strlen(why), 150);
	cr_assert_eq(vb_label_check("k=a\033]0;x\a", why, sizeof(why)), -1);
	cr_assert(strstr(why, "'k=a\\e]0;x\\x07': control characters"), "%s", why);
}
