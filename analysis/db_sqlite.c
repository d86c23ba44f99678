/* db_sqlite.c: the SQLite history store backend: a file, opened with
 * sqlite3_open_v2, writers serialised by BEGIN IMMEDIATE. */
#include "analysis/db.h"
#include "analysis/db_be.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/error.h"

static int lite_err(struct vb_db *db, char *err, size_t errlen)
{
	sqlite3 *lite = db->conn;
	int code = sqlite3_errcode(lite);

	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		return vb_errf(err, errlen, "%s: the database is locked: another writer held it "
			       "for more than %d s; retry when it is done", db->where,
			       VB_DB_BUSY_MS / 1000);
	if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
		return vb_errf(err, errlen, "%s: %s: it is not a usable vbench history; move it "
			       "aside and add the runs again with 'vbench history add'",
			       db->where, sqlite3_errmsg(lite));
	return vb_errf(err, errlen, "%s: %s", db->where, sqlite3_errmsg(lite));
}

/* Anything that is not another backend's URL is a file ("sqlite:" optional). */
static bool lite_claims(const char *url)
{
	(void)url;
	return true;
}

static int lite_open(struct vb_db *db, const char *path, int access, char *err, size_t errlen)
{
	struct stat st;
	sqlite3 *lite = NULL;
	bool create = access == VB_DB_CREATE;
	int flags = access == VB_DB_READ ? SQLITE_OPEN_READONLY :
		    SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);

	if (!strncmp(path, "sqlite:", 7))
		path += 7;
	snprintf(db->where, sizeof(db->where), "%s", path);
	if (!create && stat(path, &st))
		return vb_errf(err, errlen, "%s: no history store there: add runs with 'vbench "
			       "history add RUN', or name another with --db or VBENCH_DB", path);
	if (sqlite3_open_v2(path, &lite, flags | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
		db->conn = lite;
		return lite_err(db, err, errlen);
	}
	db->conn = lite;
	sqlite3_busy_timeout(lite, VB_DB_BUSY_MS);
	sqlite3_exec(lite, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	return 0;
}

static void lite_close(struct vb_db *db)
{
	if (db->conn)
		sqlite3_close(db->conn);
}

static void bind_params(sqlite3_stmt *st, int n, const char *const *params)
{
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
}

static int lite_exec(struct vb_db *db, const char *sql, int n, const char *const *params,
		     json_t **rows, long *changes, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db->conn, sql, -1, &st, NULL) != SQLITE_OK)
		return lite_err(db, err, errlen);
	bind_params(st, n, params);
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
		*changes = sqlite3_changes(db->conn);
	return 0;
}

static int lite_begin(struct vb_db *db, char *err, size_t errlen)
{
	return lite_exec(db, "BEGIN IMMEDIATE", 0, NULL, NULL, NULL, err, errlen);
}

const struct vb_db_be vb_db_be_sqlite = {
	.kind = "sqlite",
	.claims = lite_claims,
	.open = lite_open,
	.close = lite_close,
	.exec = lite_exec,
	.begin = lite_begin,
	.has_table_sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1",
};
