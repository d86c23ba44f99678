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

static int pg_err(struct vb_db *db, const char *msg, char *err, size_t errlen)
{
	char line[512];

	one_line(msg, line, sizeof(line));
	return vb_errf(err, errlen, "%s: %s", db->where, line);
}

/* "postgresql://user:secret@host/db" is named without its password. */
static void name_url(const char *url, char *out, size_t len)
{
	const char *at = strchr(url, '@'), *scheme = strstr(url, "://");

	if (at && scheme && at > scheme)
		snprintf(out, len, "%.*s://...%s", (int)(scheme - url), url, at);
	else
		snprintf(out, len, "%s", url);
}

static struct vb_db *open_pg(struct vb_db *db, const char *url, char *err, size_t errlen)
{
	/* A server that does not answer must not hang CI: 10 s unless the URL says. */
	const char *keys[] = { "dbname", "connect_timeout", NULL };
	const char *vals[] = { url, "10", NULL };
	PGresult *r;

	name_url(url, db->where, sizeof(db->where));
	db->pg = PQconnectdbParams(keys, vals, 1);
	if (!db->pg || PQstatus(db->pg) != CONNECTION_OK) {
		pg_err(db, db->pg ? PQerrorMessage(db->pg) : "out of memory", err, errlen);
		vb_db_close(db);
		return NULL;
	}
	/* Notices (e.g. "relation already exists, skipping") are not for users. */
	r = PQexec(db->pg, "SET client_min_messages = warning");
	PQclear(r);
	return db;
}

static struct vb_db *open_lite(struct vb_db *db, const char *path, bool create,
			       char *err, size_t errlen)
{
	struct stat st;
	int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);

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

struct vb_db *vb_db_open(const char *url, bool create, char *err, size_t errlen)
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
		return open_pg(db, url, err, errlen);
	if (!strncmp(url, "sqlite:", 7))
		url += 7;
	return open_lite(db, url, create, err, errlen);
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
