/* Unit tests of the page-size vocabulary: G[:H], lists, 'all', bad input. */
#include <criterion/criterion.h>
#include <string.h>

#include "lib/pages.h"

static char err[256];

Test(pages, single_means_both_dimensions)
{
	struct vb_pages p;

	cr_assert_eq(vb_pages_parse("2m", &p, err, sizeof(err)), 0);
	cr_assert_eq(p.guest, VB_PS_2M);
	cr_assert_eq(p.host, VB_PS_2M);
}

Test(pages, guest_and_host)
{
	struct vb_pages p;
	char buf[32];

	cr_assert_eq(vb_pages_parse("4k:thp", &p, err, sizeof(err)), 0);
	cr_assert_eq(p.guest, VB_PS_4K);
	cr_assert_eq(p.host, VB_PS_THP);
	vb_pages_format(&p, buf, sizeof(buf));
	cr_assert_str_eq(buf, "4k:thp");
	cr_assert_eq(vb_pages_parse("1G:2M", &p, err, sizeof(err)), 0, "case-insensitive");
	cr_assert_eq(p.guest, VB_PS_1G);
}

Test(pages, bad_items_name_the_problem)
{
	struct vb_pages p;

	cr_assert_lt(vb_pages_parse("3m", &p, err, sizeof(err)), 0);
	cr_assert(strstr(err, "unknown page size '3m'"), "%s", err);
	cr_assert_lt(vb_pages_parse("2m:", &p, err, sizeof(err)), 0);
	cr_assert(strstr(err, "missing host page size"), "%s", err);
	cr_assert_lt(vb_pages_parse(":2m", &p, err, sizeof(err)), 0);
	cr_assert_lt(vb_pages_parse("2m:5g", &p, err, sizeof(err)), 0);
	cr_assert(strstr(err, "unknown host page size '5g'"), "%s", err);
	cr_assert_lt(vb_pages_parse("2m:2m:2m", &p, err, sizeof(err)), 0);
}

Test(pages, all_is_the_3x3_matrix)
{
	struct vb_pages p[VB_PAGES_MAX];
	int n = vb_pages_list_parse("all", p, VB_PAGES_MAX, err, sizeof(err));

	cr_assert_eq(n, 9);
	cr_assert_eq(p[0].guest, VB_PS_4K);
	cr_assert_eq(p[0].host, VB_PS_4K);
	cr_assert_eq(p[5].guest, VB_PS_2M);
	cr_assert_eq(p[5].host, VB_PS_1G);
	cr_assert_eq(p[8].guest, VB_PS_1G);
	cr_assert_eq(p[8].host, VB_PS_1G);
}

Test(pages, lists)
{
	struct vb_pages p[VB_PAGES_MAX];

	cr_assert_eq(vb_pages_list_parse("4k,2m,2m:4k", p, VB_PAGES_MAX, err, sizeof(err)), 3);
	cr_assert_eq(p[2].guest, VB_PS_2M);
	cr_assert_eq(p[2].host, VB_PS_4K);
	cr_assert_lt(vb_pages_list_parse("4k,,2m", p, VB_PAGES_MAX, err, sizeof(err)), 0);
	cr_assert_lt(vb_pages_list_parse("4k,", p, VB_PAGES_MAX, err, sizeof(err)), 0);
	cr_assert_lt(vb_pages_list_parse("", p, VB_PAGES_MAX, err, sizeof(err)), 0);
	cr_assert_lt(vb_pages_list_parse("4k,2m", p, 1, err, sizeof(err)), 0, "respects max");
}

Test(pages, sizes_in_bytes)
{
	cr_assert_eq(vb_page_size_bytes(VB_PS_4K), 4096);
	cr_assert_eq(vb_page_size_bytes(VB_PS_2M), 2u << 20);
	cr_assert_eq(vb_page_size_bytes(VB_PS_1G), 1u << 30);
	cr_assert_eq(vb_page_size_bytes(VB_PS_NONE), 0);
}

Test(pages, thp_is_honoured_by_2m_pages)
{
	cr_assert_eq(vb_page_size_honoured_by(VB_PS_THP), VB_PS_2M);
	cr_assert_eq(vb_page_size_honoured_by(VB_PS_4K), VB_PS_4K);
	cr_assert_eq(vb_page_size_honoured_by(VB_PS_2M), VB_PS_2M);
	cr_assert_eq(vb_page_size_honoured_by(VB_PS_1G), VB_PS_1G);
	cr_assert_eq(vb_page_size_honoured_by(VB_PS_NONE), VB_PS_NONE);
}
