/* db.c: the history store's one small interface (statements with text
 * parameters, rows as JSON arrays of strings, serialised write transactions),
 * served by a backend table picked at open: db_sqlite.c or db_pg.c. */
#include "analysis/db.h"
#include "analysis/db_be.h"

#include <stdlib.h>

#include "lib/array.h"
#include "lib/error.h"

/* The backends, tried in order when a store is opened: the first whose
 * claims() takes the URL serves it; SQLite, last, takes any path. */
static const struct vb_db_be *const backends[] = { &vb_db_be_pg, &vb_db_be_sqlite };

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
	while (i + 1 < ARRAY_SIZE(backends) && !backends[i]->claims(url))
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
