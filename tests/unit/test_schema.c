/* test_schema.c: schema/vbench.schema.json, lib/row.c's table of row keys and
 * docs/result-schema.md say the same, and every key a consumer reads is one
 * the schema defines and a producer writes (the fixtures vbench made). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "lib/row.h"

#define SCHEMA "schema/vbench.schema.json"
#define DOC "docs/result-schema.md"
#define FIXTURES "tests/fixtures/runs"

static json_t *schema(void)
{
	json_error_t e;
	json_t *s = json_load_file(SCHEMA, 0, &e);

	cr_assert_not_null(s, "%s: %s (tests run from the repository's top folder)", SCHEMA, e.text);
	return s;
}

/* The definition a node stands for, following one "$ref": "#/$defs/x". */
static json_t *deref(json_t *sch, json_t *node)
{
	const char *ref = json_string_value(json_object_get(node, "$ref"));

	if (ref && !strncmp(ref, "#/$defs/", 8))
		return json_object_get(json_object_get(sch, "$defs"), ref + 8);
	return node;
}

/* The schema node of a dotted row path ("counters.pmu.*.*": "*" for any name). */
static json_t *node_at(json_t *sch, const char *path)
{
	json_t *n = json_object_get(json_object_get(sch, "$defs"), "row");
	char buf[160], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && n; k = strtok_r(NULL, ".", &save)) {
		json_t *props = json_object_get(n, "properties"), *next;

		next = strcmp(k, "*") ? json_object_get(props, k) : NULL;
		if (!next) {
			next = json_object_get(n, "additionalProperties");
			if (!json_is_object(next))
				return NULL;
		}
		n = deref(sch, next);
	}
	return n;
}

Test(schema, row_keys_in_c_are_the_schemas)
{
	json_t *sch = schema(), *props;
	const char *k;
	json_t *v;
	size_t in_c = 0;

	for (const struct vb_row_key *e = vb_row_keys; e->key; e++) {
		cr_assert_not_null(node_at(sch, e->key), "%s is in lib/row.c's vb_row_keys but not in %s",
				   e->key, SCHEMA);
		in_c += !strchr(e->key, '.');
	}
	props = json_object_get(json_object_get(json_object_get(sch, "$defs"), "row"), "properties");
	json_object_foreach(props, k, v) {
		const struct vb_row_key *e = vb_row_keys;

		while (e->key && strcmp(e->key, k))
			e++;
		cr_assert_not_null(e->key, "%s is a row key of %s but not in lib/row.c's vb_row_keys",
				   k, SCHEMA);
	}
	cr_assert_eq(in_c, json_object_size(props));
	json_decref(sch);
}

Test(schema, the_docs_row_table_is_the_schemas)
{
	json_t *sch = schema(), *props, *doc = json_object();
	FILE *f = fopen(DOC, "r");
	char line[8192], key[128];
	bool in_rows = false;
	const char *k;
	json_t *v;

	cr_assert_not_null(f, "%s", DOC);
	props = json_object_get(json_object_get(json_object_get(sch, "$defs"), "row"), "properties");
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "## ", 3))
			in_rows = !strncmp(line, "## A result row", 15);
		if (in_rows && sscanf(line, "| `%127[a-z_0-9]` |", key) == 1) {
			cr_assert_not_null(json_object_get(props, key),
					   "%s documents row key %s, which the schema does not define", DOC, key);
			json_object_set_new(doc, key, json_true());
		}
	}
	fclose(f);
	json_object_foreach(props, k, v)
		cr_assert_not_null(json_object_get(doc, k), "row key %s is not in %s's table", k, DOC);
	json_decref(doc);
	json_decref(sch);
}
