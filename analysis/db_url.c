/* db_url.c: a store URL as it may be shown: its passwords cut out
 * (vb_db_url_name) or blanked out of a message that quotes it (vb_db_scrub). */
#include "analysis/db.h"
#include "analysis/db_be.h"

#include <string.h>

/* One hex digit's value, or -1. */
static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The n bytes at s percent-decoded into out, as libpq decodes a URL's parts. */
static void decode(const char *s, size_t n, char *out, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < len; i++) {
		if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
}

static void put(char *out, size_t len, size_t *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n && *o + 1 < len; i++)
		out[(*o)++] = s[i];
	out[*o < len ? *o : len - 1] = '\0';
}

/* The query part without any "password" parameter (its name decoded). */
static void query_without_password(const char *q, char *out, size_t len, size_t *o)
{
	bool first = true;

	while (*q) {
		size_t n = strcspn(q, "&"), k = strcspn(q, "=");
		char key[32];

		decode(q, k < n ? k : n, key, sizeof(key));
		if (strcmp(key, "password") && n) {
			put(out, len, o, first ? "?" : "&", 1);
			put(out, len, o, q, n);
			first = false;
		}
		q += n + (q[n] == '&');
	}
}

/* Where the parts of a URL start: *auth after "://", *q at its query ('?',
 * or the end), and *at at the '@' that ends the user information, NULL
 * without one. That is the last '@' before the query: a password with an
 * unencoded '@' or '/' is still cut off whole. false when there is no "://". */
static bool url_parts(const char *url, const char **auth, const char **q, const char **at)
{
	const char *scheme = strstr(url, "://");

	if (!scheme)
		return false;
	*auth = scheme + 3;
	*q = *auth + strcspn(*auth, "?");
	*at = NULL;
	for (const char *p = *auth; p < *q; p++)
		if (*p == '@')
			*at = p;
	return true;
}

void vb_db_url_name(const char *url, char *out, size_t len)
{
	const char *auth, *q, *at, *colon;
	size_t o = 0, n;

	if (!len)
		return;
	out[0] = '\0';
	if (!url_parts(url, &auth, &q, &at)) {
		put(out, len, &o, url, strlen(url));
		return;
	}
	n = (size_t)(auth - url);
	put(out, len, &o, url, n);
	if (at) {
		colon = memchr(auth, ':', (size_t)(at - auth));
		put(out, len, &o, auth, (size_t)((colon ? colon : at) - auth));
		auth = at;
	}
	put(out, len, &o, auth, (size_t)(q - auth));
	if (*q == '?')
		query_without_password(q + 1, out, len, &o);
}

static void blank(char *msg, const char *secret)
{
	for (char *hit; secret[0] && (hit = strstr(msg, secret));)
		memset(hit, '*', strlen(secret));
}

/* Every password the URL holds, decoded, blanked out of msg in place: libpq
 * may quote a part of the URL in its message. */
void vb_db_scrub(const char *url, char *msg)
{
	const char *auth, *q, *at, *colon;
	char secret[256];

	if (!url_parts(url, &auth, &q, &at))
		return;
	colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (colon) {
		decode(colon + 1, (size_t)(at - colon - 1), secret, sizeof(secret));
		blank(msg, secret);
	}
	for (const char *p = *q ? q : NULL; p; p = strchr(p + 1, '&')) {
		size_t n = strcspn(p + 1, "&"), k = strcspn(p + 1, "=");
		char key[32];

		decode(p + 1, k < n ? k : n, key, sizeof(key));
		if (strcmp(key, "password") || k >= n)
			continue;
		decode(p + 2 + k, n - k - 1, secret, sizeof(secret));
		blank(msg, secret);
	}
}
