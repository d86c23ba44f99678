/* pages.c: parse and print the page-size vocabulary of ARCHITECTURE.md. */
#include "lib/pages.h"
#include "lib/error.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	enum vb_page_size ps;
	size_t bytes;
	enum vb_page_size pages;	/* the size of the pages that honour it */
} sizes[] = {
	{ "4k", VB_PS_4K, 4096UL, VB_PS_4K },
	{ "2m", VB_PS_2M, 2UL << 20, VB_PS_2M },
	{ "1g", VB_PS_1G, 1UL << 30, VB_PS_1G },
	{ "thp", VB_PS_THP, 2UL << 20, VB_PS_2M },
};

#define N_SIZES (sizeof(sizes) / sizeof(sizes[0]))

enum vb_page_size vb_page_size_parse(const char *s)
{
	for (size_t i = 0; i < N_SIZES; i++)
		if (!strcasecmp(s, sizes[i].name))
			return sizes[i].ps;
	return VB_PS_NONE;
}

const char *vb_page_size_name(enum vb_page_size ps)
{
	for (size_t i = 0; i < N_SIZES; i++)
		if (sizes[i].ps == ps)
			return sizes[i].name;
	return "none";
}

size_t vb_page_size_bytes(enum vb_page_size ps)
{
	for (size_t i = 0; i < N_SIZES; i++)
		if (sizes[i].ps == ps)
			return sizes[i].bytes;
	return 0;
}

enum vb_page_size vb_page_size_honoured_by(enum vb_page_size ps)
{
	for (size_t i = 0; i < N_SIZES; i++)
		if (sizes[i].ps == ps)
			return sizes[i].pages;
	return VB_PS_NONE;
}

int vb_pages_parse(const char *s, struct vb_pages *out, char *err, size_t errlen)
{
	char buf[32];
	const char *colon = strchr(s, ':');
	size_t glen = colon ? (size_t)(colon - s) : strlen(s);

	if (glen == 0 || glen >= sizeof(buf))
		return vb_errf(err, errlen,
			       "bad pages '%s': expected G[:H] with G and H among 4k, 2m, 1g, thp",
			       s);
	memcpy(buf, s, glen);
	buf[glen] = '\0';
	out->guest = vb_page_size_parse(buf);
	if (out->guest == VB_PS_NONE)
		return vb_errf(err, errlen, "unknown page size '%s' in '%s': use 4k, 2m, 1g or thp",
			       buf, s);
	if (!colon) {
		/* "2m" alone means 2m:2m; THP has no guest-dimension meaning of its own. */
		out->host = out->guest;
		return 0;
	}
	if (colon[1] == '\0')
		return vb_errf(err, errlen,
			       "bad pages '%s': missing host page size after ':' (e.g. %s:4k)", s,
			       buf);
	out->host = vb_page_size_parse(colon + 1);
	if (out->host == VB_PS_NONE)
		return vb_errf(err, errlen,
			       "unknown host page size '%s' in '%s': use 4k, 2m, 1g or thp",
			       colon + 1, s);
	return 0;
}

int vb_pages_list_parse(const char *s, struct vb_pages *out, int max, char *err, size_t errlen)
{
	static const enum vb_page_size matrix[] = { VB_PS_4K, VB_PS_2M, VB_PS_1G };
	char item[64];
	int n = 0;

	if (!strcasecmp(s, "all")) {
		if (max < 9)
			return vb_errf(err, errlen, "too many page sizes");
		for (int g = 0; g < 3; g++)
			for (int h = 0; h < 3; h++)
				out[n++] = (struct vb_pages){ matrix[g], matrix[h] };
		return n;
	}
	for (const char *p = s;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len == 0)
			return vb_errf(err, errlen, "empty item in pages list '%s'", s);
		if (len >= sizeof(item))
			return vb_errf(err, errlen, "pages item too long in '%s'", s);
		if (n >= max)
			return vb_errf(err, errlen, "too many page sizes in '%s' (at most %d)", s,
				       max);
		memcpy(item, p, len);
		item[len] = '\0';
		if (vb_pages_parse(item, &out[n], err, errlen) < 0)
			return -1;
		n++;
		if (!comma)
			return n;
		p = comma + 1;
	}
}

void vb_pages_format(const struct vb_pages *p, char *buf, size_t len)
{
	if (p->host == VB_PS_NONE)
		snprintf(buf, len, "%s", vb_page_size_name(p->guest));
	else
		snprintf(buf, len, "%s:%s", vb_page_size_name(p->guest),
			 vb_page_size_name(p->host));
}

bool vb_pages_equal(const struct vb_pages *a, const struct vb_pages *b)
{
	return a->guest == b->guest && a->host == b->host;
}
