/* db_be.h: a history store backend, one table of functions per kind of store
 * (git's ref_storage_be): db.c picks the row once, when the store is opened,
 * and every later call goes through it. Only db.c and the backends include it. */
#ifndef VB_DB_BE_H
#define VB_DB_BE_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct vb_db_be;

struct vb_db {
	const struct vb_db_be *be;
	void *conn;		/* the backend's handle: sqlite3 *, PGconn * */
	char where[256];	/* what to name in messages: the file, or the server */
	const char *url;	/* while connecting: the URL, to scrub libpq's messages */
};

struct vb_db_be {
	const char *kind;	/* vb_db_kind(): "sqlite", "postgresql" */
	/* Does a store URL name this kind? The last row takes anything. */
	bool (*claims)(const char *url);
	/* Connect db->conn and fill db->where; -1 with err set (db->conn may
	 * then be half made: close() frees it). */
	int (*open)(struct vb_db *db, const char *url, int access, char *err, size_t errlen);
	void (*close)(struct vb_db *db);
	int (*exec)(struct vb_db *db, const char *sql, int n, const char *const *params,
		    json_t **rows, long *changes, char *err, size_t errlen);
	/* Start a write transaction serialised against every other writer. */
	int (*begin)(struct vb_db *db, char *err, size_t errlen);
	/* One row, "1", when the table named $1 exists. */
	const char *has_table_sql;
};

extern const struct vb_db_be vb_db_be_sqlite;
extern const struct vb_db_be vb_db_be_pg;

/* Every password url holds blanked out of msg in place (db_url.c). */
void vb_db_scrub(const char *url, char *msg);

#endif
