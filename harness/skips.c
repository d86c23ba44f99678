/* skips.c: skipped points counted by their reason and printed once a reason,
 * for `run --dry-run` (cmd_run.c) and the end of a run (runloop.c). */
#include "harness/skips.h"

#include "lib/escape.h"

void vb_skips_init(struct vb_skips *s)
{
	s->count = json_object();
	s->order = json_array();
}

void vb_skips_add(struct vb_skips *s, const char *why)
{
	json_t *c;

	why = why ? why : "no reason given";
	c = json_object_get(s->count, why);
	if (!c) {
		json_object_set_new(s->count, why, json_integer(0));
		json_array_append_new(s->order, json_string(why));
		c = json_object_get(s->count, why);
	}
	json_integer_set(c, json_integer_value(c) + 1);
}

void vb_skips_print(const struct vb_skips *s, FILE *f)
{
	json_t *v;
	size_t k;

	json_array_foreach(s->order, k, v) {
		json_int_t n = json_integer_value(json_object_get(s->count, json_string_value(v)));

		fprintf(f, "skipped, %lld point%s: ", (long long)n, n == 1 ? "" : "s");
		vb_fputs_escaped(f, json_string_value(v));
		fputc('\n', f);
	}
}

void vb_skips_free(struct vb_skips *s)
{
	json_decref(s->count);
	json_decref(s->order);
	s->count = s->order = NULL;
}
