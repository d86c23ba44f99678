/* pages.h: the page-size vocabulary, parsed in one place: "G[:H]", "all", lists. */
#ifndef VB_PAGES_H
#define VB_PAGES_H

#include <stdbool.h>
#include <stddef.h>

/* One page size in one translation dimension. VB_PS_NONE is "not given". */
enum vb_page_size {
	VB_PS_NONE = 0,
	VB_PS_4K,
	VB_PS_2M,
	VB_PS_1G,
	VB_PS_THP,	/* transparent huge pages: 2M where the kernel could, 4K elsewhere */
};

/* A pages request: guest page size, then host backing page size.
 * Natively only .guest is meaningful and .host is VB_PS_NONE. */
struct vb_pages {
	enum vb_page_size guest;
	enum vb_page_size host;
};

#define VB_PAGES_MAX 16

/* "4k", "2m", "1g", "thp" -> size; VB_PS_NONE when unknown. */
enum vb_page_size vb_page_size_parse(const char *s);
/* size -> "4k", "2m", "1g", "thp" ("none" for VB_PS_NONE). */
const char *vb_page_size_name(enum vb_page_size ps);
/* Bytes of one page of that size (THP: 2M). 0 for VB_PS_NONE. */
size_t vb_page_size_bytes(enum vb_page_size ps);
/* The size of the pages that honour a request for ps, as smaps reports them:
 * THP's are 2M pages; every other size is its own (VB_PS_NONE stays). */
enum vb_page_size vb_page_size_honoured_by(enum vb_page_size ps);

/* One item: "2m" means 2m:2m, "4k:thp", ... Errors name the bad token. */
int vb_pages_parse(const char *s, struct vb_pages *out, char *err, size_t errlen);
/* A comma list of items, or "all" (the 3x3 matrix of 4k/2m/1g). Returns count. */
int vb_pages_list_parse(const char *s, struct vb_pages *out, int max, char *err, size_t errlen);
/* Canonical text: "2m:2m", "4k:thp"; with host VB_PS_NONE just "2m". */
void vb_pages_format(const struct vb_pages *p, char *buf, size_t len);
bool vb_pages_equal(const struct vb_pages *a, const struct vb_pages *b);

#endif
