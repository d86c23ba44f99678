/* db_pg.c: the PostgreSQL history store backend: a libpq connection, writers
 * serialised by a transaction-scoped advisory lock. */
#include "analysis/db.h"
#include "analysis/db_be.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"

/* Key of the advisory lock every PostgreSQL writer takes ("vbhi"). */
#define PG_LOCK_KEY 0x76626869

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

static int pg_err(struct vb_db *db, const char *msg, char *err, size_t errlen)
{
	char line[512];

	one_line(msg, line, sizeof(line));
	if (db->url)
		vb_db_scrub(db->url, line);
	return vb_errf(err, errlen, "%s: %s", db->where, line);
}

/* "postgresql://..." or "postgres://...": any libpq URI. */
static bool pg_claims(const char *url)
{
	return !strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11);
}

static int pg_open(struct vb_db *db, const char *url, int access, char *err, size_t errlen)
{
	/* A server that does not answer must not hang CI: 10 s unless the URL
	 * says (a later keyword overrides an earlier one, the URL's included). */
	const char *keys[] = { "connect_timeout", "dbname", NULL };
	const char *vals[] = { "10", url, NULL };
	PGconn *pg;
	PGresult *r;

	vb_db_url_name(url, db->where, sizeof(db->where));
	vb_db_scrub(url, db->where);	/* the password's text, wherever else the URL holds it */
	db->url = url;
	db->conn = pg = PQconnectdbParams(keys, vals, 1);
	if (!pg || PQstatus(pg) != CONNECTION_OK)
		return pg_err(db, pg ? PQerrorMessage(pg) : "out of memory", err, errlen);
	db->url = NULL;	/* the caller's string: not kept */
	/* Notices (e.g. "relation already exists, skipping") are not for users. */
	r = PQexec(pg, "SET client_min_messages = warning");
	PQclear(r);
	/* A reader writes nothing, whatever database the URL names. */
	if (access == VB_DB_READ) {
		r = PQexec(pg, "SET default_transaction_read_only = on");
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			pg_err(db, PQresultErrorMessage(r), err, errlen);
			PQclear(r);
			return -1;
		}
		PQclear(r);
	}
	return 0;
}

static void pg_close(struct vb_db *db)
{
	if (db->conn)
		PQfinish(db->conn);
}

static int pg_exec(struct vb_db *db, const char *sql, int n, const char *const *params,
		   json_t **rows, long *changes, char *err, size_t errlen)
{
	PGresult *r = PQexecParams(db->conn, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType s = PQresultStatus(r);

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		pg_err(db, r ? PQresultErrorMessage(r) : PQerrorMessage(db->conn), err, errlen);
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

static int pg_begin(struct vb_db *db, char *err, size_t errlen)
{
	char lock[64];

	if (pg_exec(db, "BEGIN", 0, NULL, NULL, NULL, err, errlen))
		return -1;
	snprintf(lock, sizeof(lock), "SELECT pg_advisory_xact_lock(%d)", PG_LOCK_KEY);
	if (pg_exec(db, lock, 0, NULL, NULL, NULL, err, errlen)) {
		pg_exec(db, "ROLLBACK", 0, NULL, NULL, NULL, NULL, 0);
		return -1;
	}
	return 0;
}

const struct vb_db_be vb_db_be_pg = {
	.kind = "postgresql",
	.claims = pg_claims,
	.open = pg_open,
	.close = pg_close,
	.exec = pg_exec,
	.begin = pg_begin,
	.has_table_sql = "SELECT 1 FROM information_schema.tables "
			 "WHERE table_schema = current_schema() AND table_name = $1",
};
