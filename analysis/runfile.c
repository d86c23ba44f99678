/* runfile.c: load a run folder or file written by `vbench run`, trusting
 * nothing in it, and the row accessors every analysis command shares. */
#include "analysis/runfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/error.h"

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

int vb_run_dir(const char *path_or_dir, char *buf, size_t len)
{
	char tmp[4096];
	int n;

	if (is_dir(path_or_dir)) {
		n = snprintf(buf, len, "%s", path_or_dir);
		if (n < 0 || (size_t)n >= len)
			return -1;
		/* "run/" and "run" name the same folder; printed paths stay clean. */
		while (n > 1 && buf[n - 1] == '/')
			buf[--n] = '\0';
		return 0;
	}
	n = snprintf(tmp, sizeof(tmp), "%s", path_or_dir);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -1;
	n = snprintf(buf, len, "%s", dirname(tmp));
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* A row is checked against lib/row.c's table of keys (the schema's `row`),
 * so consumers can use any field after one check here; the error names
 * the first offending key. */
static int check_row(json_t *row, size_t i, char *err, size_t errlen)
{
	char why[256];

	if (vb_row_check(row, why, sizeof(why)) < 0)
		return vb_errf(err, errlen, "results[%zu]: %s", i, why);
	return 0;
}

static int check_run(json_t *run, char *err, size_t errlen)
{
	json_t *schema, *results, *row;
	size_t i;

	if (!json_is_object(run))
		return vb_errf(err, errlen, "not a JSON object");
	schema = json_object_get(run, "schema");
	if (!json_is_string(schema))
		return vb_errf(err, errlen, "no schema field (not a vbench run)");
	if (strcmp(json_string_value(schema), VB_RUN_SCHEMA) != 0)
		return vb_errf(err, errlen, "schema is \"%s\", expected \"%s\"",
			       json_string_value(schema), VB_RUN_SCHEMA);
	results = json_object_get(run, "results");
	if (!json_is_array(results))
		return vb_errf(err, errlen, "results is missing or not an array");
	json_array_foreach(results, i, row)
		if (check_row(row, i, err, errlen))
			return -1;
	return 0;
}

#define RUNFILE_MAX ((size_t)VB_RUN_FILE_MAX_MIB << 20)

/* The whole file in a malloc'd, NUL-terminated buffer. */
static char *read_all(const char *path, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 1 << 16;
	char *buf = NULL;

	*len = 0;
	if (fd < 0) {
		vb_errf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		ssize_t n;

		if (!buf || *len + 1 >= cap) {
			char *grown;

			if (buf)
				cap *= 2;
			grown = cap <= RUNFILE_MAX ? realloc(buf, cap) : NULL;
			if (!grown) {
				vb_errf(err, errlen, "%s: larger than %zu MiB, or out of memory",
					path, RUNFILE_MAX >> 20);
				goto fail;
			}
			buf = grown;
		}
		n = read(fd, buf + *len, cap - 1 - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			vb_errf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		*len += (size_t)n;
	}
	close(fd);
	buf[*len] = '\0';
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}

/* ---- run.json, read row by row ---- */

static size_t skip_ws(const char *s, size_t i, size_t len)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* Where the JSON value starting at s[i] ends (one past it), or 0 when the
 * text ends first. Only strings and nesting are followed; jansson checks
 * the value itself. */
static size_t value_end(const char *s, size_t i, size_t len)
{
	size_t depth = 0;
	bool in_str = false;

	for (; i < len; i++) {
		char ch = s[i];

		if (in_str) {
			if (ch == '\\')
				i++;
			else if (ch == '"' && (in_str = false, !depth))
				return i + 1;
			continue;
		}
		if (ch == '"') {
			in_str = true;
		} else if (ch == '{' || ch == '[') {
			depth++;
		} else if (ch == '}' || ch == ']') {
			if (!depth)
				return i;
			if (!--depth)
				return i + 1;
		} else if (!depth && (ch == ',' || ch == ' ' || ch == '\t' || ch == '\n' ||
				      ch == '\r')) {
			return i;
		}
	}
	return depth || in_str ? 0 : i;
}

static json_t *load_value(const char *s, size_t *i, size_t len)
{
	size_t e = value_end(s, *i, len);
	json_t *v = e > *i ? json_loadb(s + *i, e - *i, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
					 NULL) : NULL;

	*i = skip_ws(s, e, len);
	return v;
}

/* The rows of "results", each checked as soon as it is read: a bad row or
 * one too many ends the reading there, before the rest is in memory.
 * Returns the array, or NULL (err set when the rows, not the syntax, are bad). */
static json_t *load_rows(const char *s, size_t *i, size_t len, char *err, size_t errlen)
{
	json_t *rows = json_array();

	*i = skip_ws(s, *i + 1, len);
	while (*i < len && s[*i] != ']') {
		size_t n = json_array_size(rows);
		json_t *row = load_value(s, i, len);

		if (!row || check_row(row, n, err, errlen) || n >= VB_RUN_ROWS_MAX) {
			if (row && n >= VB_RUN_ROWS_MAX)
				vb_errf(err, errlen, "more than %d rows: past what vbench reads",
					VB_RUN_ROWS_MAX);
			json_decref(row);
			json_decref(rows);
			return NULL;
		}
		json_array_append_new(rows, row);
		if (*i < len && s[*i] == ',')
			*i = skip_ws(s, *i + 1, len);
		else if (*i >= len || s[*i] != ']')
			break;
	}
	if (*i >= len || s[*i] != ']') {
		json_decref(rows);
		return NULL;
	}
	*i = skip_ws(s, *i + 1, len);
	return rows;
}

/*
 * A run.json document, its results array read row by row so that memory
 * stays a small multiple of the rows kept and a bad row is refused before
 * the rest is parsed. Malformed text falls back to one json_loadb of the
 * whole, for jansson's message with the line. NULL with err set.
 */
static json_t *load_document(const char *s, size_t len, const char *name, char *err,
			     size_t errlen)
{
	json_t *run = json_object(), *v, *key;
	json_error_t jerr;
	size_t i = skip_ws(s, 0, len);
	char why[512] = "";

	if (i >= len || s[i] != '{')
		goto syntax;
	i = skip_ws(s, i + 1, len);
	while (i < len && s[i] != '}') {
		const char *k;

		key = load_value(s, &i, len);
		k = json_string_value(key);
		if (!k || i >= len || s[i] != ':' || json_object_get(run, k)) {
			json_decref(key);
			goto syntax;
		}
		i = skip_ws(s, i + 1, len);
		v = !strcmp(k, "results") && i < len && s[i] == '[' ?
			load_rows(s, &i, len, why, sizeof(why)) : load_value(s, &i, len);
		if (!v) {
			json_decref(key);
			if (why[0])
				goto fail;
			goto syntax;
		}
		json_object_set_new(run, k, v);
		json_decref(key);
		if (i < len && s[i] == ',')
			i = skip_ws(s, i + 1, len);
		else if (i >= len || s[i] != '}')
			goto syntax;
	}
	if (i >= len || skip_ws(s, i + 1, len) != len)
		goto syntax;
	return run;
syntax:
	json_decref(run);
	run = json_loadb(s, len, JSON_REJECT_DUPLICATES, &jerr);
	if (run)
		return run;	/* what the scanner did not follow, jansson did: fine */
	vb_errf(err, errlen, "%s:%d: %s", name, jerr.line, jerr.text);
	return NULL;
fail:
	json_decref(run);
	vb_errf(err, errlen, "%s: %s", name, why);
	return NULL;
}

/*
 * Rebuild a run from results.jsonl text: one row per line. Line 1, when it
 * carries "schema", is the run's header (id, host, plan) and is merged in; a
 * "schema" on any other line is refused, so a row cannot rename the run. The writer
 * appends whole lines, so the only line that may be torn is a last line
 * without its newline (the writer was killed mid-append): it is left out.
 * Any other line that is not a JSON object means the file is not what the
 * writer produces, and so does a file with no complete line at all.
 */
static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

static json_t *parse_jsonl(const char *buf, size_t len, const char *name, char *err, size_t errlen)
{
	json_t *run = json_object(), *results = json_array();
	size_t off = 0, lineno = 0, whole = 0;

	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);
		size_t end = nl ? (size_t)(nl - buf) : len;
		json_t *v;

		lineno++;
		if (blank(buf + off, end - off)) {
			off = end + 1;
			continue;
		}
		v = json_loadb(buf + off, end - off, JSON_REJECT_DUPLICATES, NULL);
		if (!json_is_object(v)) {
			json_decref(v);
			if (!nl)
				break;	/* the torn last line */
			vb_errf(err, errlen, "%s:%zu: not a JSON object (not a results.jsonl line)",
				name, lineno);
			goto fail;
		}
		whole++;
		if (json_object_get(v, "schema")) {
			/* Only line 1 may be the header: a row must not rename the run. */
			if (lineno != 1) {
				json_decref(v);
				vb_errf(err, errlen, "%s:%zu: a header (a \"schema\" key) after "
					"line 1: not a results.jsonl line", name, lineno);
				goto fail;
			}
			json_object_update(run, v);
			json_decref(v);
		} else {
			/* Checked as read: ten million "{}" lines stop at the first. */
			char why[512];

			if (check_row(v, json_array_size(results), why, sizeof(why)) ||
			    json_array_size(results) >= VB_RUN_ROWS_MAX) {
				if (json_array_size(results) >= VB_RUN_ROWS_MAX)
					snprintf(why, sizeof(why), "more than %d rows: past what "
						 "vbench reads", VB_RUN_ROWS_MAX);
				vb_errf(err, errlen, "%s:%zu: %s", name, lineno, why);
				json_decref(v);
				goto fail;
			}
			json_array_append_new(results, v);
		}
		off = end + 1;
	}
	if (!whole) {
		vb_errf(err, errlen, "%s: %s", name, lineno ? "no complete line (only a torn one)" :
			"empty: no header and no result line");
		goto fail;
	}
	if (!json_object_get(run, "schema"))
		json_object_set_new(run, "schema", json_string(VB_RUN_SCHEMA));
	json_object_set_new(run, "results", results);
	json_object_set_new(run, "complete", json_false());
	json_object_set_new(run, "rebuilt_from", json_string("results.jsonl"));
	return run;
fail:
	json_decref(results);
	json_decref(run);
	return NULL;
}

static json_t *load_jsonl(const char *path, char *err, size_t errlen)
{
	size_t len;
	char *buf = read_all(path, &len, err, errlen);
	json_t *run;

	if (!buf)
		return NULL;
	if (strlen(buf) != len) {
		free(buf);
		vb_errf(err, errlen, "%s: holds a NUL byte: not a results.jsonl", path);
		return NULL;
	}
	run = parse_jsonl(buf, len, path, err, errlen);
	free(buf);
	if (run && !json_is_string(json_object_get(run, "id"))) {
		/* The folder is named after the run id. */
		char dir[4096];

		if (vb_run_dir(path, dir, sizeof(dir)) == 0)
			json_object_set_new(run, "id", json_string(basename(dir)));
	}
	return run;
}

/* An unfinished run's run.json holds the header and the rows up to its last
 * rewrite; results.jsonl beside it may hold more (the writer died between
 * the two). The rows of the jsonl win when there are more of them. */
static void merge_unfinished(json_t *run, const char *run_json)
{
	char dir[4096], path[4200], err[256];
	json_t *side;

	if (vb_run_dir(run_json, dir, sizeof(dir)) < 0)
		return;
	snprintf(path, sizeof(path), "%s/results.jsonl", dir);
	if (!exists(path))
		return;
	side = load_jsonl(path, err, sizeof(err));
	if (!side)
		return;
	if (json_array_size(vb_run_results(side)) > json_array_size(vb_run_results(run))) {
		json_object_set(run, "results", vb_run_results(side));
		json_object_set_new(run, "rebuilt_from", json_string("results.jsonl"));
	}
	json_decref(side);
}

json_t *vb_run_load(const char *path_or_dir, char *err, size_t errlen)
{
	char path[4096];
	json_t *run;
	bool jsonl = false;
	int n;

	if (!path_or_dir || !*path_or_dir) {
		vb_errf(err, errlen, "no run given");
		return NULL;
	}
	if (is_dir(path_or_dir)) {
		n = snprintf(path, sizeof(path), "%s/run.json", path_or_dir);
		if (n > 0 && (size_t)n < sizeof(path) && !exists(path)) {
			n = snprintf(path, sizeof(path), "%s/results.jsonl", path_or_dir);
			jsonl = true;
			if (n > 0 && (size_t)n < sizeof(path) && !exists(path)) {
				vb_errf(err, errlen,
					"%s: no run.json or results.jsonl in this folder",
					path_or_dir);
				return NULL;
			}
		}
	} else {
		n = snprintf(path, sizeof(path), "%s", path_or_dir);
		jsonl = ends_with(path_or_dir, ".jsonl");
	}
	if (n < 0 || (size_t)n >= sizeof(path)) {
		vb_errf(err, errlen, "%s: path too long", path_or_dir);
		return NULL;
	}
	if (!exists(path)) {
		vb_errf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (jsonl) {
		run = load_jsonl(path, err, errlen);
		if (!run)
			return NULL;
	} else {
		size_t len;
		char *buf = read_all(path, &len, err, errlen);

		if (!buf)
			return NULL;
		run = load_document(buf, len, path, err, errlen);
		free(buf);
		if (!run)
			return NULL;
	}
	if (!jsonl && json_is_false(json_object_get(run, "complete")))
		merge_unfinished(run, path);
	if (check_run(run, err, errlen)) {
		/* Prefix the file so the one line says which input was bad. */
		char why[512];

		snprintf(why, sizeof(why), "%s", err ? err : "");
		vb_errf(err, errlen, "%s: %s", path, why);
		json_decref(run);
		return NULL;
	}
	return run;
}

json_t *vb_run_results(json_t *run)
{
	return json_object_get(run, "results");
}

void vb_param_value_text(json_t *v, char *buf, size_t len)
{
	static const char sfx[] = "KMGTP";

	if (json_is_string(v)) {
		snprintf(buf, len, "%s", json_string_value(v));
	} else if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);
		int s = -1;

		/* Byte sizes are whole binary multiples; small counts stay as they are. */
		if (x >= 65536) {
			while (s < 4 && x % 1024 == 0) {
				x /= 1024;
				s++;
			}
		}
		if (s >= 0)
			snprintf(buf, len, "%lld%c", (long long)x, sfx[s]);
		else
			snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		snprintf(buf, len, "%g", json_real_value(v));
	} else if (json_is_boolean(v)) {
		snprintf(buf, len, "%s", json_is_true(v) ? "yes" : "no");
	} else {
		snprintf(buf, len, "?");
	}
}

/* Append "name=value" of the params chosen by pick (NULL: all). */
void vb_row_params_text(json_t *row, json_t *pick, char *buf, size_t len)
{
	json_t *params = vb_row_params(row), *v;
	const char *k;
	size_t used = 0;

	buf[0] = '\0';
	json_object_foreach(params, k, v) {
		char val[64];
		int n;

		if (pick && !json_object_get(pick, k))
			continue;
		vb_param_value_text(v, val, sizeof(val));
		n = snprintf(buf + used, len - used, "%s%s=%s", used ? " " : "", k, val);
		if (n < 0 || (size_t)n >= len - used) {
			/* Cut visibly rather than mid-value without a mark. */
			if (len > 4)
				strcpy(buf + len - 4, "...");
			return;
		}
		used += (size_t)n;
	}
}

/* The params worth a column for one bench: those whose value differs between
 * its rows (the swept ones), and footprints, which readers always want. */
json_t *vb_params_key_names(json_t *results, const char *bench)
{
	json_t *pick = json_object(), *first = NULL, *row, *v;
	const char *k;
	size_t i;

	json_array_foreach(results, i, row) {
		json_t *p = vb_row_params(row);

		/* Rows skipped before their params were expanded carry {}: they say nothing. */
		if (strcmp(vb_row_str(row, "bench"), bench) != 0 || !json_is_object(p) ||
		    !json_object_size(p))
			continue;
		if (!first) {
			first = p;
			continue;
		}
		json_object_foreach(p, k, v)
			if (!json_equal(v, json_object_get(first, k)))
				json_object_set_new(pick, k, json_true());
		json_object_foreach(first, k, v)
			if (!json_object_get(p, k))
				json_object_set_new(pick, k, json_true());
	}
	if (first)
		json_object_foreach(first, k, v)
			if (strstr(k, "footprint"))
				json_object_set_new(pick, k, json_true());
	return pick;
}

bool vb_unit_higher_is_better(const char *unit)
{
	return unit && ends_with(unit, "/s");
}

void vb_json_array_sort(json_t *arr, int (*cmp)(const void *, const void *))
{
	size_t n = json_array_size(arr);
	json_t **v = calloc(n ? n : 1, sizeof(*v));

	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof(*v), cmp);
	json_array_clear(arr);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, v[i]);
	free(v);
}

json_t *vb_run_parse(const char *buf, size_t len, bool jsonl, const char *name, char *err,
		     size_t errlen)
{
	json_t *run;

	if (jsonl)
		run = parse_jsonl(buf, len, name, err, errlen);
	else
		run = load_document(buf, len, name, err, errlen);
	if (run && check_run(run, err, errlen)) {
		json_decref(run);
		return NULL;
	}
	return run;
}
