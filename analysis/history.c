/* history.c: the history store (schema, migrations, adding runs whole or not
 * at all) and the series read back from it with their change points. */
#include "analysis/history.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/runfile.h"
#include "lib/stats.h"
#include "lib/error.h"
#include "lib/param.h"

#define LABEL_KEY_MAX 64
#define LABEL_VALUE_MAX 256
#define RUN_ID_MAX 128
#define LABEL_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"

/*
 * Migrations: step[v] takes a store from version v to v + 1. Never edit a
 * released step; add one. Types are the ones SQLite and PostgreSQL share.
 * Version 1 is the first schema; version 2 adds what runs with invocations
 * carry and a labels table for --by.
 */
static const char *const schema_v1[] = {
	"CREATE TABLE vbench_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
	"CREATE TABLE runs (id TEXT PRIMARY KEY, started TEXT NOT NULL, hostname TEXT NOT NULL,"
	" host TEXT NOT NULL, labels TEXT NOT NULL, vbench_version TEXT, added TEXT NOT NULL)",
	"CREATE TABLE results (run_id TEXT NOT NULL REFERENCES runs (id), idx INTEGER NOT NULL,"
	" bench TEXT NOT NULL, mode TEXT NOT NULL, guest TEXT NOT NULL, pages TEXT NOT NULL,"
	" params TEXT NOT NULL, unit TEXT NOT NULL, status TEXT NOT NULL, reason TEXT,"
	" median DOUBLE PRECISION, ci_low DOUBLE PRECISION, ci_high DOUBLE PRECISION,"
	" n INTEGER, samples TEXT, counters TEXT, PRIMARY KEY (run_id, idx))",
	"INSERT INTO vbench_meta (key, value) VALUES ('schema_version', '1')",
	NULL,
};

static const char *const schema_v2[] = {
	"ALTER TABLE results ADD COLUMN invocations TEXT",
	"ALTER TABLE results ADD COLUMN var_between DOUBLE PRECISION",
	"ALTER TABLE results ADD COLUMN var_within DOUBLE PRECISION",
	"CREATE TABLE run_labels (run_id TEXT NOT NULL REFERENCES runs (id), key TEXT NOT NULL,"
	" value TEXT NOT NULL, PRIMARY KEY (run_id, key))",
	"CREATE INDEX results_series ON results (bench, mode, guest, pages)",
	NULL,
};

static int fill_labels(struct vb_db *db, char *err, size_t errlen);

#define INSERT_LABEL "INSERT INTO run_labels (run_id, key, value) VALUES ($1, $2, $3)"

static const struct {
	const char *const *sql;
	int (*after)(struct vb_db *db, char *err, size_t errlen);
} steps[] = {
	{ schema_v1, NULL },
	{ schema_v2, fill_labels },
};
_Static_assert(sizeof(steps) / sizeof(steps[0]) == VB_HISTORY_SCHEMA, "a step per version");

const char *vb_history_default_db(void)
{
	const char *e = getenv("VBENCH_DB");

	return e && *e ? e : VB_HISTORY_DB;
}

static int exec0(struct vb_db *db, const char *sql, char *err, size_t errlen)
{
	return vb_db_exec(db, sql, 0, NULL, NULL, NULL, err, errlen);
}

int vb_history_version(struct vb_db *db, int *version, char *err, size_t errlen)
{
	static const char *const key[] = { "schema_version" };
	json_t *rows;
	int has = vb_db_has_table(db, "vbench_meta", err, errlen);

	*version = 0;
	if (has <= 0)
		return has;
	if (vb_db_exec(db, "SELECT value FROM vbench_meta WHERE key = $1", 1, key, &rows, NULL,
		       err, errlen))
		return -1;
	if (json_array_size(rows))
		*version = atoi(json_string_value(json_array_get(json_array_get(rows, 0), 0))
				?: "0");
	json_decref(rows);
	return 0;
}

/* Version 2's labels table, from the labels each run kept as JSON. */
static int fill_labels(struct vb_db *db, char *err, size_t errlen)
{
	json_t *rows, *r;
	size_t i;
	int rc = 0;

	if (vb_db_exec(db, "SELECT id, labels FROM runs", 0, NULL, &rows, NULL, err, errlen))
		return -1;
	json_array_foreach(rows, i, r) {
		const char *text = json_string_value(json_array_get(r, 1)), *k;
		json_t *labels = json_loads(text ? text : "{}", 0, NULL), *v;

		json_object_foreach(labels, k, v) {
			const char *p[3] = { json_string_value(json_array_get(r, 0)), k,
					     json_string_value(v) };

			if (p[2] && vb_db_exec(db, INSERT_LABEL, 3, p, NULL, NULL, err, errlen))
				rc = -1;
		}
		json_decref(labels);
		if (rc)
			break;
	}
	json_decref(rows);
	return rc;
}

int vb_history_migrate(struct vb_db *db, int target, char *err, size_t errlen)
{
	int now;

	/* Readers of an up-to-date store take no write lock (and need no write access). */
	if (vb_history_version(db, &now, err, errlen))
		return -1;
	if (now >= target && now <= VB_HISTORY_SCHEMA)
		return 0;
	for (;;) {
		int v, rc = 0;
		char ver[16];
		const char *p[1] = { ver };

		if (vb_db_begin(db, err, errlen))
			return -1;
		/* Read under the lock: another vbench may have just migrated. */
		if (vb_history_version(db, &v, err, errlen)) {
			vb_db_end(db, false, NULL, 0);
			return -1;
		}
		if (v > VB_HISTORY_SCHEMA) {
			vb_db_end(db, false, NULL, 0);
			return vb_errf(err, errlen, "the store has schema version %d, newer than "
				       "this vbench knows (%d): use a newer vbench", v,
				       VB_HISTORY_SCHEMA);
		}
		if (v >= target)
			return vb_db_end(db, true, err, errlen);
		for (size_t i = 0; !rc && steps[v].sql[i]; i++)
			rc = exec0(db, steps[v].sql[i], err, errlen);
		if (!rc && steps[v].after)
			rc = steps[v].after(db, err, errlen);
		snprintf(ver, sizeof(ver), "%d", v + 1);
		if (!rc && v > 0)
			rc = vb_db_exec(db, "UPDATE vbench_meta SET value = $1 "
					"WHERE key = 'schema_version'", 1, p, NULL, NULL,
					err, errlen);
		if (rc) {
			vb_db_end(db, false, NULL, 0);
			return -1;
		}
		if (vb_db_end(db, true, err, errlen))
			return -1;
	}
}

/* A reader's store, opened read-only: refused when it holds no vbench
 * history (another application's database, an empty file), reopened to
 * write only to migrate vbench's own older schema. */
static struct vb_db *open_reader(const char *url, char *err, size_t errlen)
{
	struct vb_db *db = vb_db_open(url, VB_DB_READ, err, errlen);
	int v;

	if (!db)
		return NULL;
	if (vb_history_version(db, &v, err, errlen)) {
		vb_db_close(db);
		return NULL;
	}
	if (v == 0) {
		vb_errf(err, errlen, "%s: not a vbench history store (it has no vbench_meta "
			"table): name vbench's store with --db or VBENCH_DB, or add runs with "
			"'vbench history add RUN'", vb_db_name(db));
		vb_db_close(db);
		return NULL;
	}
	if (v > VB_HISTORY_SCHEMA) {
		vb_errf(err, errlen, "%s: the store has schema version %d, newer than this vbench "
			"knows (%d): use a newer vbench", vb_db_name(db), v, VB_HISTORY_SCHEMA);
		vb_db_close(db);
		return NULL;
	}
	if (v == VB_HISTORY_SCHEMA)
		return db;
	vb_db_close(db);
	db = vb_db_open(url, VB_DB_WRITE, err, errlen);
	if (db && vb_history_migrate(db, VB_HISTORY_SCHEMA, err, errlen)) {
		vb_db_close(db);
		return NULL;
	}
	return db;
}

struct vb_db *vb_history_open(const char *url, bool create, char *err, size_t errlen)
{
	struct vb_db *db;

	if (!create)
		return open_reader(url, err, errlen);
	db = vb_db_open(url, VB_DB_CREATE, err, errlen);
	if (db && vb_history_migrate(db, VB_HISTORY_SCHEMA, err, errlen)) {
		vb_db_close(db);
		return NULL;
	}
	return db;
}

static bool printable(const char *s, size_t max)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || n >= max)
			return false;
	return true;
}

/* run.json's `labels`: an object of strings, keys [A-Za-z0-9_.-]. */
static int check_labels(json_t *labels, char *err, size_t errlen)
{
	const char *k;
	json_t *v;

	if (!labels)
		return 0;
	if (!json_is_object(labels))
		return vb_errf(err, errlen, "labels is not an object of strings");
	json_object_foreach(labels, k, v) {
		size_t n = strlen(k);

		if (!n || n > LABEL_KEY_MAX ||
		    strspn(k, LABEL_CHARS) != n)
			return vb_errf(err, errlen, "bad label name '%.64s': use 1 to %d letters, "
				       "digits, '_', '.' or '-'", k, LABEL_KEY_MAX);
		if (!json_is_string(v) || !printable(json_string_value(v), LABEL_VALUE_MAX))
			return vb_errf(err, errlen, "label '%s' is not a string of up to %d "
				       "printable characters", k, LABEL_VALUE_MAX);
	}
	return 0;
}

/*
 * What the history prints back to a terminal (names, params, host, times)
 * must be plain text: a run carrying control characters there is refused
 * rather than stored, so no later `vbench history` replays them.
 */
static int check_row_printable(json_t *row, size_t i, char *err, size_t errlen)
{
	static const char *const keys[] = { "bench", "mode", "guest", "unit", "status" };
	const char *s, *k;
	json_t *v;

	for (size_t j = 0; j < sizeof(keys) / sizeof(keys[0]); j++) {
		s = vb_row_str(row, keys[j]);
		if (s && !printable(s, 256))
			return vb_errf(err, errlen, "results[%zu]: %s holds control characters",
				       i, keys[j]);
	}
	s = vb_row_pages(row, "requested");
	if (s && !printable(s, 64))
		return vb_errf(err, errlen, "results[%zu]: pages holds control characters", i);
	json_object_foreach(vb_row_params(row), k, v) {
		s = json_string_value(v);
		if (!printable(k, 64) || (s && !printable(s, 256)))
			return vb_errf(err, errlen, "results[%zu]: params hold control characters",
				       i);
	}
	return 0;
}

static int check_printable(json_t *run, char *err, size_t errlen)
{
	json_t *row;
	const char *s;
	size_t i;

	s = json_string_value(json_object_get(json_object_get(run, "host"), "hostname"));
	if (s && !printable(s, 256))
		return vb_errf(err, errlen, "host.hostname holds control characters");
	s = json_string_value(json_object_get(run, "started"));
	if (s && !printable(s, 64))
		return vb_errf(err, errlen, "started holds control characters");
	json_array_foreach(vb_run_results(run), i, row)
		if (check_row_printable(row, i, err, errlen))
			return -1;
	return 0;
}

static char *num(json_t *row, const char *key, char *buf, size_t len)
{
	double v;

	if (!vb_row_stat(row, key, &v))
		return NULL;
	snprintf(buf, len, "%.17g", v);
	return buf;
}

static char *dump(json_t *v)
{
	return v && !json_is_null(v) ? json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
}

/* Both levels' variance of a row with invocations, for the store. */
static void row_vars(json_t *row, char *vb, char *vw, size_t len, bool *have)
{
	size_t *l, k;
	double *x = vb_row_invocations(row, &l, &k);
	struct vb_hier_stats h;

	*have = false;
	if (x && vb_stats_hier(x, l, k, 1, &h) == 0) {
		snprintf(vb, len, "%.17g", h.var_between);
		snprintf(vw, len, "%.17g", h.var_within);
		*have = true;
	}
	free(x);
	free(l);
}

static int add_row(struct vb_db *db, const char *id, size_t idx, json_t *row,
		   char *err, size_t errlen)
{
	static const char sql[] =
		"INSERT INTO results (run_id, idx, bench, mode, guest, pages, params, unit, status,"
		" reason, median, ci_low, ci_high, n, samples, counters, invocations, var_between,"
		" var_within) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,"
		" $15, $16, $17, $18, $19)";
	char sidx[32], med[32], lo[32], hi[32], n[32], vb[32], vw[32];
	char *params = vb_row_params_key(row);
	char *samples = dump(vb_row_samples_json(row));
	char *counters = dump(vb_row_counters(row));
	char *inv = dump(vb_row_invocations_json(row));
	const char *p[19];
	bool vars;
	int rc;

	snprintf(sidx, sizeof(sidx), "%zu", idx);
	row_vars(row, vb, vw, sizeof(vb), &vars);
	p[0] = id;
	p[1] = sidx;
	p[2] = vb_row_str(row, "bench");
	p[3] = vb_row_str(row, "mode");
	p[4] = vb_row_str(row, "guest") ?: "none";
	p[5] = vb_row_pages(row, "requested") ?: "";
	p[6] = params ? params : "{}";
	p[7] = vb_row_str(row, "unit") ?: "";
	p[8] = vb_row_str(row, "status");
	p[9] = vb_row_str(row, "reason");
	p[10] = num(row, "median", med, sizeof(med));
	p[11] = num(row, "ci95_low", lo, sizeof(lo));
	p[12] = num(row, "ci95_high", hi, sizeof(hi));
	p[13] = num(row, "n", n, sizeof(n));
	if (p[13])
		snprintf(n, sizeof(n), "%lld", (long long)atof(n));
	p[14] = samples;
	p[15] = counters;
	p[16] = inv;
	p[17] = vars ? vb : NULL;
	p[18] = vars ? vw : NULL;
	rc = vb_db_exec(db, sql, 19, p, NULL, NULL, err, errlen);
	free(params);
	free(samples);
	free(counters);
	free(inv);
	return rc;
}

static int add_run_rows(struct vb_db *db, json_t *run, const char *id, char *err, size_t errlen)
{
	json_t *labels = json_object_get(run, "labels"), *host = json_object_get(run, "host"), *v;
	char *host_s = dump(json_is_object(host) ? host : NULL), *labels_s = dump(labels);
	const char *k, *p[7];
	char now[32];
	time_t t = time(NULL);
	size_t i;
	int rc;

	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	p[0] = id;
	p[1] = json_string_value(json_object_get(run, "started")) ?: "";
	p[2] = json_string_value(json_object_get(host, "hostname")) ?: "";
	p[3] = host_s ? host_s : "{}";
	p[4] = labels_s ? labels_s : "{}";
	p[5] = json_string_value(json_object_get(run, "vbench_version"));
	p[6] = now;
	rc = vb_db_exec(db, "INSERT INTO runs (id, started, hostname, host, labels,"
			" vbench_version, added) VALUES ($1, $2, $3, $4, $5, $6, $7)",
			7, p, NULL, NULL, err, errlen);
	free(host_s);
	free(labels_s);
	json_object_foreach(labels, k, v) {
		const char *lp[3] = { id, k, json_string_value(v) };

		if (!rc)
			rc = vb_db_exec(db, INSERT_LABEL, 3, lp, NULL, NULL, err, errlen);
	}
	json_array_foreach(vb_run_results(run), i, v)
		if (!rc)
			rc = add_row(db, id, i, v, err, errlen);
	return rc;
}

int vb_history_add(struct vb_db *db, json_t *run, char *err, size_t errlen)
{
	const char *id = json_string_value(json_object_get(run, "id"));
	json_t *rows;
	int rc;

	if (!id || !*id || !printable(id, RUN_ID_MAX))
		return vb_errf(err, errlen, "the run has no usable id");
	if (check_labels(json_object_get(run, "labels"), err, errlen) ||
	    check_printable(run, err, errlen))
		return -1;
	/* From here on a failure is the store's (locked, read-only, gone): -2. */
	if (vb_db_begin(db, err, errlen))
		return -2;
	/* Under the writers' lock: a run added meanwhile by another writer is seen. */
	if (vb_db_exec(db, "SELECT 1 FROM runs WHERE id = $1", 1, &id, &rows, NULL, err, errlen)) {
		vb_db_end(db, false, NULL, 0);
		return -2;
	}
	rc = json_array_size(rows) ? 1 : 0;
	json_decref(rows);
	if (rc) {
		vb_db_end(db, false, NULL, 0);
		return 1;
	}
	if (add_run_rows(db, run, id, err, errlen)) {
		vb_db_end(db, false, NULL, 0);
		return -2;
	}
	return vb_db_end(db, true, err, errlen) ? -2 : 0;
}

int vb_history_add_run(const char *run_dir, const char *db_url, char *err, size_t errlen)
{
	char why[1024], dir[4096], path[4200];
	json_t *run = vb_run_load(run_dir, why, sizeof(why));
	struct vb_db *db;
	int rc;

	if (!run)
		return vb_errf(err, errlen, "%s", why);
	if (!db_url && getenv("VBENCH_DB") && *getenv("VBENCH_DB")) {
		db_url = getenv("VBENCH_DB");
	} else if (!db_url) {
		char *slash;

		if (vb_run_dir(run_dir, dir, sizeof(dir)) < 0) {
			json_decref(run);
			return vb_errf(err, errlen, "%s: path too long", run_dir);
		}
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		snprintf(path, sizeof(path), "%s/history.sqlite", slash ? dir : ".");
		db_url = path;
	}
	db = vb_history_open(db_url, true, err, errlen);
	if (!db) {
		json_decref(run);
		return -1;
	}
	rc = vb_history_add(db, run, err, errlen);
	vb_db_close(db);
	json_decref(run);
	return rc;
}

int vb_history_params_parse(const char *s, json_t **out)
{
	char *copy = strdup(s), *save = NULL, *tok;
	int rc = 0;

	*out = json_object();
	tok = copy ? strtok_r(copy, ",", &save) : NULL;
	for (; tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq || eq == tok || !eq[1]) {
			rc = -1;
			break;
		}
		*eq = '\0';
		json_object_set_new(*out, tok, json_string(eq + 1));
	}
	free(copy);
	if (!copy || !json_object_size(*out))
		rc = -1;
	return rc;
}

/* Column order of the series query. */
enum { C_ID, C_STARTED, C_HOST, C_LABELS, C_BENCH, C_MODE, C_GUEST, C_PAGES, C_PARAMS,
       C_UNIT, C_MEDIAN, C_LO, C_HI, C_N, C_SAMPLES, C_INV, C_BY, C_HOSTREC, C_X, C_COUNT };

static json_t *query(struct vb_db *db, const struct vb_history_filter *f, char *err, size_t errlen)
{
	char sql[1400];
	const char *p[5];
	int np = 0, n;
	json_t *rows;

	/* The by-label's and the x-label's values come from the labels table
	 * (NULL when the run has none); the host record holds the machine. */
	p[np++] = f->by ? f->by : "";
	p[np++] = f->x ? f->x : "";
	n = snprintf(sql, sizeof(sql),
		     "SELECT r.id, r.started, r.hostname, r.labels, x.bench, x.mode, x.guest,"
		     " x.pages, x.params, x.unit, x.median, x.ci_low, x.ci_high, x.n, x.samples,"
		     " x.invocations, l.value, r.host, lx.value FROM results x JOIN runs r"
		     " ON r.id = x.run_id"
		     " LEFT JOIN run_labels l ON l.run_id = r.id AND l.key = $1"
		     " LEFT JOIN run_labels lx ON lx.run_id = r.id AND lx.key = $2"
		     " WHERE x.status = 'ok' AND x.median IS NOT NULL");
	if (f->bench) {
		p[np++] = f->bench;
		n += snprintf(sql + n, sizeof(sql) - (size_t)n, " AND x.bench = $%d", np);
	}
	if (f->mode) {
		p[np++] = f->mode;
		n += snprintf(sql + n, sizeof(sql) - (size_t)n, " AND x.mode = $%d", np);
	}
	if (f->pages) {
		p[np++] = f->pages;
		n += snprintf(sql + n, sizeof(sql) - (size_t)n, " AND x.pages = $%d", np);
	}
	snprintf(sql + n, sizeof(sql) - (size_t)n, " ORDER BY r.started, r.added, r.id, x.idx");
	if (vb_db_exec(db, sql, np, p, &rows, NULL, err, errlen))
		return NULL;
	return rows;
}

static const char *col(json_t *r, int c)
{
	return json_string_value(json_array_get(r, (size_t)c));
}

/* Does a row's params (canonical JSON text) match every name=value of want? */
static bool params_match(json_t *params, json_t *want)
{
	const char *k;
	json_t *v;

	json_object_foreach(want, k, v) {
		json_t *have = json_object_get(params, k);
		char text[96];
		uint64_t size;

		if (!have)
			return false;
		vb_param_value_text(have, text, sizeof(text));
		if (!strcmp(text, json_string_value(v)))
			continue;
		/* "16777216", "16M" and "16384K" are one footprint. */
		if (json_is_integer(have) && vb_parse_size(json_string_value(v), &size) == 0 &&
		    (json_int_t)size == json_integer_value(have))
			continue;
		return false;
	}
	return true;
}

/* The machine a row measured: the run's host record's "machine" (a class
 * of like machines, or --machine), else its host name (runs recorded before
 * vbench named machines). */
static json_t *machine_of(json_t *r)
{
	json_t *host = json_loads(col(r, C_HOSTREC) ?: "{}", 0, NULL);
	const char *m = json_string_value(json_object_get(host, "machine"));
	json_t *out = json_string(m ? m : col(r, C_HOST) ?: "");

	json_decref(host);
	return out;
}

static json_t *series_key(json_t *r, json_t *params, const struct vb_history_filter *f)
{
	json_t *key = json_pack("{s:o, s:s, s:O, s:s, s:s, s:s}", "machine", machine_of(r),
				"bench", col(r, C_BENCH) ?: "", "params", params,
				"mode", col(r, C_MODE) ?: "", "guest", col(r, C_GUEST) ?: "",
				"pages", col(r, C_PAGES) ?: "");

	if (f->by)
		json_object_set_new(key, f->by,
				    col(r, C_BY) ? json_string(col(r, C_BY)) : json_null());
	return key;
}

/* A point's samples, by invocation when it has them, as a new row-like
 * object the runfile accessors read. */
static json_t *point_of(json_t *r, json_int_t index)
{
	json_t *labels = json_loads(col(r, C_LABELS) ?: "{}", 0, NULL);
	json_t *samples = col(r, C_SAMPLES) ? json_loads(col(r, C_SAMPLES), 0, NULL) : NULL;
	json_t *inv = col(r, C_INV) ? json_loads(col(r, C_INV), 0, NULL) : NULL;
	json_t *p = json_pack("{s:s, s:I, s:s, s:o, s:f, s:I}", "run", col(r, C_ID),
			      "index", index, "started", col(r, C_STARTED) ?: "",
			      "labels", json_is_object(labels) ? labels : json_object(),
			      "median", atof(col(r, C_MEDIAN)),
			      "n", (json_int_t)atoll(col(r, C_N) ?: "0"));

	if (!json_is_object(labels))
		json_decref(labels);
	json_object_set_new(p, "host", json_string(col(r, C_HOST) ?: ""));
	if (col(r, C_X))
		json_object_set_new(p, "x", json_string(col(r, C_X)));
	if (col(r, C_LO) && col(r, C_HI)) {
		json_object_set_new(p, "ci95_low", json_real(atof(col(r, C_LO))));
		json_object_set_new(p, "ci95_high", json_real(atof(col(r, C_HI))));
	}
	json_object_set_new(p, "samples", json_is_array(samples) ? samples : json_array());
	if (!json_is_array(samples))
		json_decref(samples);
	if (json_is_array(inv))
		json_object_set_new(p, "invocations", inv);
	else
		json_decref(inv);
	return p;
}

/* Group the query's rows into series; each run gets an index, oldest first. */
static json_t *group(json_t *rows, const struct vb_history_filter *f)
{
	json_t *by_key = json_object(), *run_index = json_object(), *r, *out = json_array(), *s;
	const char *k;
	size_t i;

	json_array_foreach(rows, i, r) {
		json_t *params = json_loads(col(r, C_PARAMS) ?: "{}", 0, NULL), *key, *ser, *idx;
		char *ks;

		if (!json_is_object(params) || (f->params && !params_match(params, f->params))) {
			json_decref(params);
			continue;
		}
		idx = json_object_get(run_index, col(r, C_ID));
		if (!idx) {
			idx = json_integer((json_int_t)json_object_size(run_index) + 1);
			json_object_set_new(run_index, col(r, C_ID), idx);
		}
		key = series_key(r, params, f);
		json_decref(params);
		json_object_set_new(key, "unit", json_string(col(r, C_UNIT) ?: ""));
		ks = json_dumps(key, JSON_SORT_KEYS | JSON_COMPACT);
		ser = json_object_get(by_key, ks);
		if (!ser) {
			ser = json_pack("{s:o, s:s, s:b, s:[]}", "key", key,
					"unit", col(r, C_UNIT) ?: "", "higher_is_better",
					vb_unit_higher_is_better(col(r, C_UNIT)), "points");
			json_object_set_new(by_key, ks, ser);
		} else {
			json_decref(key);
		}
		free(ks);
		/* A plan that lists a point twice: the run's first row stands for it. */
		s = json_array_get(json_object_get(ser, "points"),
				   json_array_size(json_object_get(ser, "points")) - 1);
		if (s && !strcmp(json_string_value(json_object_get(s, "run")), col(r, C_ID)))
			continue;
		json_array_append_new(json_object_get(ser, "points"),
				      point_of(r, json_integer_value(idx)));
	}
	json_object_foreach(by_key, k, s)
		json_array_append(out, s);
	json_decref(by_key);
	json_decref(run_index);
	return out;
}

/* The points' samples as the statistics want them; free with free_points. */
static struct vb_series_point *series_points(json_t *points, double ***xs, size_t ***lens)
{
	size_t m = json_array_size(points), i;
	struct vb_series_point *p = calloc(m ? m : 1, sizeof(*p));
	json_t *pt;

	*xs = calloc(m ? m : 1, sizeof(**xs));
	*lens = calloc(m ? m : 1, sizeof(**lens));
	if (!p || !*xs || !*lens)
		abort();
	json_array_foreach(points, i, pt) {
		size_t k = 0, n = 0;
		double *x = vb_row_invocations(pt, &(*lens)[i], &k);

		if (!x) {
			x = vb_row_samples(pt, &n);
			(*lens)[i] = malloc(sizeof(size_t));
			if (!(*lens)[i])
				abort();
			(*lens)[i][0] = n;
			k = 1;
		}
		(*xs)[i] = x;
		p[i] = (struct vb_series_point){ x, (*lens)[i], x ? k : 0 };
	}
	return p;
}

static void free_points(struct vb_series_point *p, double **xs, size_t **lens, size_t m)
{
	for (size_t i = 0; i < m; i++) {
		free(xs[i]);
		free(lens[i]);
	}
	free(xs);
	free(lens);
	free(p);
}

static const char *direction(double change, bool higher)
{
	return (change > 0) != higher ? "regression" : "improvement";
}

static void judge_series(json_t *s, double alpha, double min_change)
{
	json_t *points = json_object_get(s, "points"), *changes = json_array(), *pt;
	size_t m = json_array_size(points), n, i, start = 0;
	bool higher = json_is_true(json_object_get(s, "higher_is_better"));
	struct vb_change *c = calloc(m ? m : 1, sizeof(*c)), last;
	double **xs;
	size_t **lens;
	struct vb_series_point *p = series_points(points, &xs, &lens);
	json_t *newest;
	int rc;

	if (!c)
		abort();
	n = vb_changepoints(p, m, alpha, min_change, c, m);
	for (i = 0; i < n; i++) {
		pt = json_array_get(points, c[i].at);
		json_object_set_new(pt, "change_point", json_true());
		json_array_append_new(changes, json_pack("{s:O, s:O, s:f, s:f, s:f, s:s}",
			"run", json_object_get(pt, "run"), "index", json_object_get(pt, "index"),
			"change", c[i].change, "p_samples", c[i].p_samples, "p_runs", c[i].p_points,
			"direction", direction(c[i].change, higher)));
	}
	rc = vb_change_newest(p, m, alpha, min_change, &last, &start);
	pt = json_array_get(points, m - 1);
	newest = json_pack("{s:O}", "run", json_object_get(pt, "run"));
	if (rc < 0 || !isfinite(last.change)) {
		json_object_set_new(newest, "verdict", json_string("too few runs"));
	} else {
		json_object_set_new(newest, "change", json_real(last.change));
		json_object_set_new(newest, "p_samples", json_real(last.p_samples));
		json_object_set_new(newest, "p_runs", json_real(last.p_points));
		json_object_set_new(newest, "verdict",
				    json_string(rc ? direction(last.change, higher) : "none"));
	}
	/* `against`: how many runs the newest was judged against (its segment). */
	if (rc >= 0)
		json_object_set_new(newest, "against", json_integer((json_int_t)(m - 1 - start)));
	json_object_set_new(s, "changes", changes);
	json_object_set_new(s, "newest", newest);
	json_array_foreach(points, i, pt) {
		json_object_del(pt, "samples");
		json_object_del(pt, "invocations");
	}
	free(c);
	free_points(p, xs, lens, m);
}

/* --x: points in the order of their x label's value as versions sort
 * (6.9 before 6.12), points without it first, time breaking ties. */
struct xpoint {
	json_t *pt;
	size_t at;
};

static int by_x(const void *a, const void *b)
{
	const struct xpoint *p = a, *q = b;
	const char *x = json_string_value(json_object_get(p->pt, "x"));
	const char *y = json_string_value(json_object_get(q->pt, "x"));
	int c = (x != NULL) - (y != NULL);

	if (!c && x)
		c = strverscmp(x, y);
	return c ? c : (p->at > q->at) - (p->at < q->at);
}

static void order_by_x(json_t *s)
{
	json_t *points = json_object_get(s, "points"), *sorted = json_array();
	size_t n = json_array_size(points);
	struct xpoint *xp = calloc(n ? n : 1, sizeof(*xp));

	if (!xp)
		abort();
	for (size_t i = 0; i < n; i++)
		xp[i] = (struct xpoint){ json_array_get(points, i), i };
	qsort(xp, n, sizeof(*xp), by_x);
	for (size_t i = 0; i < n; i++)
		json_array_append(sorted, xp[i].pt);
	json_object_set_new(s, "points", sorted);
	free(xp);
}

json_t *vb_history_series(struct vb_db *db, const struct vb_history_filter *f, double alpha,
			  double min_change, char *err, size_t errlen)
{
	json_t *rows = query(db, f, err, errlen), *series, *s;
	size_t i;

	if (!rows)
		return NULL;
	series = group(rows, f);
	json_decref(rows);
	json_array_foreach(series, i, s) {
		if (f->x)
			order_by_x(s);
		judge_series(s, alpha, min_change);
	}
	return series;
}
