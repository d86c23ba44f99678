/* db.c: SQLite and PostgreSQL behind one small interface: statements with
 * text parameters, rows as JSON arrays of strings, serialised write transactions. */
#include "analysis/db.h"

#include <errno.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/error.h"

/* Key of the advisory lock every PostgreSQL writer takes ("vbhi"). */
#define PG_LOCK_KEY 0x76626869

struct vb_db {
	sqlite3 *lite;
	PGconn *pg;
	char where[256];	/* what to name in messages: the file, or the server */
	const char *url;	/* while connecting: the URL, to scrub libpq's messages */
};

/* libpq messages span lines ("connection to server ... failed: \n ..."):
 * fold them into one. */
static void one_line(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; in && *in && n + 1 < len; in++) {
		char c = *in == '\n' || *in == '\t' ? ' ' : *in;

		if ((unsigned char)c < 0x20)
			continue;
		if (c == ' ' && (n == 0 || out[n - 1] == ' '))
			continue;
		out[n++] = c;
	}
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

static int lite_err(struct vb_db *db, char *err, size_t errlen)
{
	int code = sqlite3_errcode(db->lite);

	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		return vb_errf(err, errlen, "%s: the database is locked: another writer held it "
			       "for more than %d s; retry when it is done", db->where,
			       VB_DB_BUSY_MS / 1000);
	if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
		return vb_errf(err, errlen, "%s: %s: it is not a usable vbench history; move it "
			       "aside and add the runs again with 'vbench history add'",
			       db->where, sqlite3_errmsg(db->lite));
	return vb_errf(err, errlen, "%s: %s", db->where, sqlite3_errmsg(db->lite));
}

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
static void scrub(const char *url, char *msg)
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

static int pg_err(struct vb_db *db, const char *msg, char *err, size_t errlen)
{
	char line[512];

	one_line(msg, line, sizeof(line));
	if (db->url)
		scrub(db->url, line);
	return vb_errf(err, errlen, "%s: %s", db->where, line);
}

static struct vb_db *open_pg(struct vb_db *db, const char *url, int access, char *err,
			     size_t errlen)
{
	/* A server that does not answer must not hang CI: 10 s unless the URL
	 * says (a later keyword overrides an earlier one, the URL's included). */
	const char *keys[] = { "connect_timeout", "dbname", NULL };
	const char *vals[] = { "10", url, NULL };
	PGresult *r;

	vb_db_url_name(url, db->where, sizeof(db->where));
	scrub(url, db->where);	/* the password's text, wherever else the URL holds it */
	db->url = url;
	db->pg = PQconnectdbParams(keys, vals, 1);
	if (!db->pg || PQstatus(db->pg) != CONNECTION_OK) {
		pg_err(db, db->pg ? PQerrorMessage(db->pg) : "out of memory", err, errlen);
		vb_db_close(db);
		return NULL;
	}
	db->url = NULL;	/* the caller's string: not kept */
	/* Notices (e.g. "relation already exists, skipping") are not for users. */
	r = PQexec(db->pg, "SET client_min_messages = warning");
	PQclear(r);
	/* A reader writes nothing, whatever database the URL names. */
	if (access == VB_DB_READ) {
		r = PQexec(db->pg, "SET default_transaction_read_only = on");
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			pg_err(db, PQresultErrorMessage(r), err, errlen);
			PQclear(r);
			vb_db_close(db);
			return NULL;
		}
		PQclear(r);
	}
	return db;
}

static struct vb_db *open_lite(struct vb_db *db, const char *path, int access,
			       char *err, size_t errlen)
{
	struct stat st;
	bool create = access == VB_DB_CREATE;
	int flags = access == VB_DB_READ ? SQLITE_OPEN_READONLY :
		    SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);

	snprintf(db->where, sizeof(db->where), "%s", path);
	if (!create && stat(path, &st)) {
		vb_errf(err, errlen, "%s: no history store there: add runs with 'vbench history "
			"add RUN', or name another with --db or VBENCH_DB", path);
		free(db);
		return NULL;
	}
	if (sqlite3_open_v2(path, &db->lite, flags | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		lite_err(db, err, errlen);
		vb_db_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db->lite, VB_DB_BUSY_MS);
	sqlite3_exec(db->lite, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	return db;
}

struct vb_db *vb_db_open(const char *url, int access, char *err, size_t errlen)
{
	struct vb_db *db;

	if (!url || !*url) {
		vb_errf(err, errlen, "no history store named");
		return NULL;
	}
	db = calloc(1, sizeof(*db));
	if (!db) {
		vb_errf(err, errlen, "out of memory");
		return NULL;
	}
	if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11))
		return open_pg(db, url, access, err, errlen);
	if (!strncmp(url, "sqlite:", 7))
		url += 7;
	return open_lite(db, url, access, err, errlen);
}

void vb_db_close(struct vb_db *db)
{
	if (!db)
		return;
	if (db->lite)
		sqlite3_close(db->lite);
	if (db->pg)
		PQfinish(db->pg);
	free(db);
}

const char *vb_db_name(const struct vb_db *db)
{
	return db->where;
}

const char *vb_db_kind(const struct vb_db *db)
{
	return db->pg ? "postgresql" : "sqlite";
}

static int exec_lite(struct vb_db *db, const char *sql, int n, const char *const *params,
		     json_t **rows, long *changes, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db->lite, sql, -1, &st, NULL) != SQLITE_OK)
		return lite_err(db, err, errlen);
	/* The SQL names parameters $1..$n, as PostgreSQL does. */
	for (int i = 0; i < n; i++) {
		char name[16];
		int at;

		snprintf(name, sizeof(name), "$%d", i + 1);
		at = sqlite3_bind_parameter_index(st, name);
		if (!at)
			continue;
		if (params[i])
			sqlite3_bind_text(st, at, params[i], -1, SQLITE_TRANSIENT);
		else
			sqlite3_bind_null(st, at);
	}
	if (rows)
		*rows = json_array();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *row = json_array();

		for (int c = 0; c < sqlite3_column_count(st); c++) {
			const unsigned char *v = sqlite3_column_text(st, c);

			json_array_append_new(row, v ? json_string((const char *)v) : json_null());
		}
		if (rows)
			json_array_append_new(*rows, row);
		else
			json_decref(row);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		if (rows) {
			json_decref(*rows);
			*rows = NULL;
		}
		return lite_err(db, err, errlen);
	}
	if (changes)
		*changes = sqlite3_changes(db->lite);
	return 0;
}

static int exec_pg(struct vb_db *db, const char *sql, int n, const char *const *params,
		   json_t **rows, long *changes, char *err, size_t errlen)
{
	PGresult *r = PQexecParams(db->pg, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType s = PQresultStatus(r);

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		pg_err(db, r ? PQresultErrorMessage(r) : PQerrorMessage(db->pg), err, errlen);
		PQclear(r);
		return -1;
	}
	if (rows) {
		*rows = json_array();
		for (int i = 0; i < PQntuples(r); i++) {
			json_t *row = json_array();

			for (int c = 0; c < PQnfields(r); c++)
				json_array_append_new(row, PQgetisnull(r, i, c) ? json_null() :
						      json_string(PQgetvalue(r, i, c)));
			json_array_append_new(*rows, row);
		}
	}
	if (changes)
		*changes = atol(PQcmdTuples(r));
	PQclear(r);
	return 0;
}

int vb_db_exec(struct vb_db *db, const char *sql, int n, const char *const *params,
	       json_t **rows, long *changes, char *err, size_t errlen)
{
	if (db->pg)
		return exec_pg(db, sql, n, params, rows, changes, err, errlen);
	return exec_lite(db, sql, n, params, rows, changes, err, errlen);
}

int vb_db_begin(struct vb_db *db, char *err, size_t errlen)
{
	char lock[64];

	if (db->lite)
		return vb_db_exec(db, "BEGIN IMMEDIATE", 0, NULL, NULL, NULL, err, errlen);
	if (vb_db_exec(db, "BEGIN", 0, NULL, NULL, NULL, err, errlen))
		return -1;
	snprintf(lock, sizeof(lock), "SELECT pg_advisory_xact_lock(%d)", PG_LOCK_KEY);
	if (vb_db_exec(db, lock, 0, NULL, NULL, NULL, err, errlen)) {
		vb_db_exec(db, "ROLLBACK", 0, NULL, NULL, NULL, NULL, 0);
		return -1;
	}
	return 0;
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
	const char *sql = db->pg ?
		"SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() "
		"AND table_name = $1" :
		"SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1";
	json_t *rows;
	int has;

	if (vb_db_exec(db, sql, 1, &table, &rows, NULL, err, errlen))
		return -1;
	has = json_array_size(rows) > 0;
	json_decref(rows);
	return has;
}
