/* db.c: the history store's one small interface (statements with text
 * parameters, rows as JSON arrays of strings, serialised write transactions),
 * served by a backend table picked at open: db_sqlite.c or db_pg.c. Also the
 * store URL's password handling every backend shares. */
#include "analysis/db.h"
#include "analysis/db_be.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"

/* The backends, tried in order when a store is opened: the first whose
 * claims() takes the URL serves it; SQLite, last, takes any path. */
static const struct vb_db_be *const backends[] = { &vb_db_be_pg, &vb_db_be_sqlite };

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

void vb_db_url_name(const char *url, char *out, size_t len)
{
	const char *scheme = strstr(url, "://"), *auth, *q, *at = NULL, *colon;
	size_t o = 0, n;

	if (!len)
		return;
	out[0] = '\0';
	if (!scheme) {
		put(out, len, &o, url, strlen(url));
		return;
	}
	auth = scheme + 3;
	q = auth + strcspn(auth, "?");
	/* The user information ends at the last '@' before the query: a password
	 * with an unencoded '@' or '/' is still cut off whole. */
	for (const char *p = auth; p < q; p++)
		if (*p == '@')
			at = p;
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
	const char *scheme = strstr(url, "://"), *auth, *q, *at = NULL, *colon;
	char secret[256];

	if (!scheme)
		return;
	auth = scheme + 3;
	q = auth + strcspn(auth, "?");
	for (const char *p = auth; p < q; p++)
		if (*p == '@')
			at = p;
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

struct vb_db *vb_db_open(const char *url, int access, char *err, size_t errlen)
{
	struct vb_db *db;
	size_t i = 0;

	if (!url || !*url) {
		vb_errf(err, errlen, "no history store named");
		return NULL;
	}
	db = calloc(1, sizeof(*db));
	if (!db) {
		vb_errf(err, errlen, "out of memory");
		return NULL;
	}
	while (i + 1 < sizeof(backends) / sizeof(backends[0]) && !backends[i]->claims(url))
		i++;
	db->be = backends[i];
	if (db->be->open(db, url, access, err, errlen)) {
		vb_db_close(db);
		return NULL;
	}
	return db;
}

void vb_db_close(struct vb_db *db)
{
	if (!db)
		return;
	db->be->close(db);
	free(db);
}

const char *vb_db_name(const struct vb_db *db)
{
	return db->where;
}

const char *vb_db_kind(const struct vb_db *db)
{
	return db->be->kind;
}

int vb_db_exec(struct vb_db *db, const char *sql, int n, const char *const *params,
	       json_t **rows, long *changes, char *err, size_t errlen)
{
	return db->be->exec(db, sql, n, params, rows, changes, err, errlen);
}

int vb_db_begin(struct vb_db *db, char *err, size_t errlen)
{
	return db->be->begin(db, err, errlen);
}

int vb_db_end(struct vb_db *db, bool ok, char *err, size_t errlen)
{
	if (ok)
		return vb_db_exec(db, "COMMIT", 0, NULL, NULL, NULL, err, errlen);
	vb_db_exec(db, "ROLLBACK", 0, NULL, NULL, NULL, NULL, 0);
	return 0;
}

int vb_db_has_table(struct vb_db *db, const char *table, char *err, size_t errlen)
{
	json_t *rows;
	int has;

	if (vb_db_exec(db, db->be->has_table_sql, 1, &table, &rows, NULL, err, errlen))
		return -1;
	has = json_array_size(rows) > 0;
	json_decref(rows);
	return has;
}
