/* fuzz_history.c: libFuzzer harness of the history's text inputs: a store's
 * URL as shown (analysis/db.c vb_db_url_name, which must drop every
 * password) and the --params filter (analysis/history.c). The first byte
 * picks which. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/db.h"
#include "analysis/history.h"

static void must(int ok)
{
	if (!ok)
		abort();
}

/* No "user:password@" left, and no query parameter named password. */
static void url_case(const char *url)
{
	char out[600];
	const char *scheme, *q, *at;

	vb_db_url_name(url, out, sizeof(out));
	must(strlen(out) <= strlen(url));
	scheme = strstr(out, "://");
	if (!scheme || !strstr(url, "://"))
		return;
	q = scheme + 3 + strcspn(scheme + 3, "?");
	at = NULL;
	for (const char *p = scheme + 3; p < q; p++)
		if (*p == '@')
			at = p;
	if (at)
		must(!memchr(scheme + 3, ':', (size_t)(at - scheme - 3)));
	for (const char *p = q; *p; p = p + 1 + strcspn(p + 1, "&"))
		must(strncmp(p + 1, "password=", 9) != 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[512];
	json_t *params = NULL;

	if (size < 1 || size >= sizeof(text) || memchr(data, 0, size))
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (data[0] & 1) {
		url_case(text);
		return 0;
	}
	if (vb_history_params_parse(text, &params) == 0) {
		const char *k;
		json_t *v;

		must(json_object_size(params) > 0);
		json_object_foreach(params, k, v)
			must(k[0] && json_is_string(v) && json_string_value(v)[0]);
	}
	json_decref(params);
	return 0;
}
