/* Unit tests of the JUnit writer: counts, failure and skipped elements, and
 * text from runs escaped for XML. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/junit.h"
#include "tests/unit/fixture_tmp.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[8192];
	size_t n;

	cr_assert_not_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

Test(junit, counts_failures_and_skips_and_escapes_text)
{
	const struct vb_junit_case c[] = {
		{ .classname = "vbench.history.ptrchase", .name = "a <b> & \"c\" 'd'" },
		{ .classname = "vbench.history.forkwait",
		  .name = "f",
		  .failure = "regression: +30%" },
		{ .classname = "vbench.history.gups", .name = "g\x01h", .skipped = "too few runs" },
	};
	char path[512], err[256], *x, *dir = fx_tmpdir();

	cr_assert(dir);
	snprintf(path, sizeof(path), "%s/j.xml", dir);
	free(dir);
	cr_assert_eq(vb_junit_write(path, "suite", c, 3, err, sizeof(err)), 0, "%s", err);
	x = slurp(path);
	cr_assert(strstr(x, "<testsuite name=\"suite\" tests=\"3\" failures=\"1\" errors=\"0\" "
			    "skipped=\"1\""), "%s", x);
	cr_assert(strstr(x, "name=\"a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;\""), "%s", x);
	cr_assert(strstr(x, "<failure type=\"regression\" message=\"regression: +30%\">"), "%s", x);
	cr_assert(strstr(x, "<skipped message=\"too few runs\"/>"), "%s", x);
	/* XML 1.0 admits no C0 control: written as an escape. */
	cr_assert(strstr(x, "name=\"g\\x01h\""), "%s", x);
}

Test(junit, an_unwritable_path_is_an_error)
{
	char err[256];

	cr_assert_eq(vb_junit_write("/nonexistent/dir/j.xml", "s", NULL, 0, err, sizeof(err)), -1);
	cr_assert(strstr(err, "/nonexistent/dir/j.xml"), "%s", err);
}
