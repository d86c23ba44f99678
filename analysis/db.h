/* db.h: the one SQL interface the history store uses, over SQLite (a file)
 * or PostgreSQL (libpq), so the schema and its queries are written once. */
#ifndef VB_DB_H
#define VB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct vb_db;

/* How long a writer waits for another writer's lock before giving up. */
#define VB_DB_BUSY_MS 5000

/* How a store is opened. */
enum vb_db_access {
	VB_DB_READ = 0,		/* read only: SQLite SQLITE_OPEN_READONLY, PostgreSQL
				 * default_transaction_read_only; never creates anything */
	VB_DB_CREATE = 1,	/* read and write, the SQLite file made when missing */
	VB_DB_WRITE = 2,	/* read and write an existing store */
};

/*
 * Open a store. "postgresql://..." or "postgres://..." (any libpq URI)
 * connects through libpq; anything else is an SQLite file path ("sqlite:"
 * prefix optional). A missing SQLite file is an error naming how to add runs,
 * unless access is VB_DB_CREATE. NULL with err set to one line on failure.
 */
struct vb_db *vb_db_open(const char *url, int access, char *err, size_t errlen);
void vb_db_close(struct vb_db *db);

/* The store as messages name it: the file, or the URL without its password. */
const char *vb_db_name(const struct vb_db *db);

/* url as it may be shown or stored: a "user:password@" loses its ":password"
 * (up to the last '@' before the query), and a "password" query parameter
 * (its name percent-decoded, as libpq reads it) is dropped. Anything that is
 * not a "scheme://" URL is copied as is. out is always NUL-terminated. */
void vb_db_url_name(const char *url, char *out, size_t len);

/* "sqlite" or "postgresql". */
const char *vb_db_kind(const struct vb_db *db);

/* Run one statement with text parameters $1..$n (NULL is SQL NULL). Rows come
 * back as a new JSON array of arrays of strings (or null) when rows is not
 * NULL; *changes gets the rows it inserted, updated or deleted when not NULL.
 * -1 with err set. */
int vb_db_exec(struct vb_db *db, const char *sql, int n, const char *const *params,
	       json_t **rows, long *changes, char *err, size_t errlen);

/* A write transaction, serialised against every other writer of the store:
 * SQLite's BEGIN IMMEDIATE, or a transaction-scoped advisory lock on
 * PostgreSQL. end: commit when ok, else roll back (never fails loudly). */
int vb_db_begin(struct vb_db *db, char *err, size_t errlen);
int vb_db_end(struct vb_db *db, bool ok, char *err, size_t errlen);

/* Does the table exist? -1 with err set when the store cannot say. */
int vb_db_has_table(struct vb_db *db, const char *table, char *err, size_t errlen);

#endif
