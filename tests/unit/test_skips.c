/* Unit tests of harness/skips.c: skipped points counted by reason, printed
 * once a reason in the order first seen, escaped. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/skips.h"

/* What vb_skips_print writes, as a string the caller frees. */
static char *printed(const struct vb_skips *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	vb_skips_print(s, f);
	fclose(f);
	return buf;
}

Test(skips, one_line_a_reason_first_seen_first)
{
	struct vb_skips s;
	char *out;

	vb_skips_init(&s);
	vb_skips_add(&s, "no 1G hugepages");
	vb_skips_add(&s, "no KVM");
	vb_skips_add(&s, "no 1G hugepages");
	vb_skips_add(&s, NULL);
	out = printed(&s);
	cr_assert_str_eq(out, "skipped, 2 points: no 1G hugepages\n"
			      "skipped, 1 point: no KVM\n"
			      "skipped, 1 point: no reason given\n");
	free(out);
	vb_skips_free(&s);
}

Test(skips, nothing_skipped_prints_nothing)
{
	struct vb_skips s;
	char *out;

	vb_skips_init(&s);
	out = printed(&s);
	cr_assert_str_eq(out, "");
	free(out);
	vb_skips_free(&s);
}

Test(skips, a_reason_from_outside_is_one_escaped_line)
{
	struct vb_skips s;
	char *out;

	vb_skips_init(&s);
	vb_skips_add(&s, "guest said\n\033[2Jbye");
	out = printed(&s);
	cr_assert_eq(strchr(out, '\n'), out + strlen(out) - 1, "%s", out);
	cr_assert_null(strchr(out, '\033'), "%s", out);
	free(out);
	vb_skips_free(&s);
}
