/* Unit tests of the shared parameter parser: sizes, counts, ranges, choices. */
#include <criterion/criterion.h>
#include <string.h>

#include "lib/param.h"

static const struct vb_param_def defs[] = {
	{ "footprint", VB_PARAM_SIZE, 64 << 20, 64 << 10, 64ULL << 30, "bytes", NULL, "memory",
	  VB_MEM_BYTES, 0 },
	{ "layout", VB_PARAM_CHOICE, 0, 0, 0, NULL, "page,line", "layout", VB_MEM_NONE, 0 },
	{ "children", VB_PARAM_U64, 8, 1, 4096, "children", NULL, "children", VB_MEM_NONE, 0 },
	{ "pin", VB_PARAM_BOOL, 1, 0, 1, NULL, NULL, "pin", VB_MEM_NONE, 0 },
	{ NULL, 0, 0, 0, 0, NULL, NULL, NULL, VB_MEM_NONE, 0 },
};

static char err[256];

Test(param, sizes_with_suffixes)
{
	uint64_t v;

	cr_assert_eq(vb_parse_size("512M", &v), 0);
	cr_assert_eq(v, 512ULL << 20);
	cr_assert_eq(vb_parse_size("16g", &v), 0);
	cr_assert_eq(v, 16ULL << 30);
	cr_assert_eq(vb_parse_size("64KiB", &v), 0);
	cr_assert_eq(v, 64ULL << 10);
	cr_assert_eq(vb_parse_size("4096", &v), 0);
	cr_assert_eq(v, 4096);
	cr_assert_lt(vb_parse_size("-5M", &v), 0);
	cr_assert_lt(vb_parse_size("5X", &v), 0);
	cr_assert_lt(vb_parse_size("", &v), 0);
	cr_assert_lt(vb_parse_size("99999999999999999999", &v), 0);
	cr_assert_lt(vb_parse_size("17179869184T", &v), 0, "overflow");
}

Test(param, counts_seconds_fractions)
{
	uint64_t v;
	double d;

	cr_assert_eq(vb_parse_u64("10k", &v), 0);
	cr_assert_eq(v, 10000);
	cr_assert_eq(vb_parse_double("1%", &d), 0);
	cr_assert_float_eq(d, 0.01, 1e-12);
	cr_assert_eq(vb_parse_seconds("500ms", &d), 0);
	cr_assert_float_eq(d, 0.5, 1e-12);
	cr_assert_eq(vb_parse_seconds("2m", &d), 0);
	cr_assert_float_eq(d, 120, 1e-12);
	cr_assert_lt(vb_parse_seconds("-1", &d), 0);
	cr_assert_lt(vb_parse_seconds("10h", &d), 0);
}

Test(param, ranges_are_enforced_with_a_clear_message)
{
	uint64_t v;

	cr_assert_lt(vb_param_parse_value(&defs[0], "900T", &v, err, sizeof(err)), 0);
	cr_assert(strstr(err, "footprint=900T is out of range: use 64K to 64G bytes"), "%s", err);
	cr_assert_lt(vb_param_parse_value(&defs[0], "1K", &v, err, sizeof(err)), 0);
	cr_assert_eq(vb_param_parse_value(&defs[0], "64G", &v, err, sizeof(err)), 0);
}

Test(param, choices_and_bools)
{
	struct vb_param_values pv;

	vb_param_defaults(&pv, defs);
	cr_assert_eq(vb_param_get(&pv, "layout"), 0);
	cr_assert_eq(vb_param_set(&pv, "layout=line", err, sizeof(err)), 0);
	cr_assert_eq(vb_param_get(&pv, "layout"), 1);
	cr_assert(pv.set[1]);
	cr_assert_lt(vb_param_set(&pv, "layout=dense", err, sizeof(err)), 0);
	cr_assert(strstr(err, "choose one of page,line"), "%s", err);
	cr_assert_eq(vb_param_set(&pv, "pin=no", err, sizeof(err)), 0);
	cr_assert_eq(vb_param_get(&pv, "pin"), 0);
}

Test(param, unknown_names_list_the_known)
{
	struct vb_param_values pv;

	vb_param_defaults(&pv, defs);
	cr_assert_lt(vb_param_set(&pv, "footprnt=1M", err, sizeof(err)), 0);
	cr_assert(strstr(err, "unknown parameter 'footprnt'"), "%s", err);
	cr_assert(strstr(err, "footprint, layout, children, pin"), "%s", err);
	cr_assert_lt(vb_param_set(&pv, "noequals", err, sizeof(err)), 0);
}

Test(param, format_round_trips)
{
	char buf[32];
	uint64_t v;

	vb_param_format(&defs[0], 512ULL << 20, buf, sizeof(buf));
	cr_assert_str_eq(buf, "512M");
	cr_assert_eq(vb_param_parse_value(&defs[0], buf, &v, err, sizeof(err)), 0);
	cr_assert_eq(v, 512ULL << 20);
	vb_param_format(&defs[0], 1536ULL << 20, buf, sizeof(buf));
	cr_assert_str_eq(buf, "1536M");
	vb_param_format(&defs[1], 1, buf, sizeof(buf));
	cr_assert_str_eq(buf, "line");
}

Test(param, memory_is_what_the_table_declares)
{
	static const struct vb_param_def pages[] = {
		{ .name = "pages", .type = VB_PARAM_U64, .def = 64, .min = 1, .max = 1000,
		  .mem = VB_MEM_PAGES },
		{ 0 },
	};
	struct vb_param_values pv;
	uint64_t bytes = 0;

	vb_param_defaults(&pv, defs);
	cr_assert(vb_param_mem_bytes(&pv, 4096, &bytes));
	cr_assert_eq(bytes, 64 << 20, "footprint is bytes whatever the page size");
	vb_param_defaults(&pv, pages);
	cr_assert(vb_param_mem_bytes(&pv, 2 << 20, &bytes));
	cr_assert_eq(bytes, 128 << 20, "64 pages of 2M");
	vb_param_defaults(&pv, defs + 1);
	cr_assert_not(vb_param_mem_bytes(&pv, 4096, &bytes), "no parameter sizes memory");
}
