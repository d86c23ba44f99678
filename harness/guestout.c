/* guestout.c: validate vbench-guest's "@vbench {json}" lines field by field
 * and copy only what passed into the result row. */
#include "harness/guestout.h"
#include "lib/stats.h"
#include "lib/error.h"
#include "lib/pages.h"
#include "lib/row.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEYS 64

static bool str_ok(json_t *s)
{
	return json_is_string(s) && json_string_length(s) <= VB_GUEST_STRING_MAX;
}

/* A word of the vocabulary we print: letters, digits, _ . - : / */
static bool key_ok(const char *p)
{
	size_t n = strlen(p);

	if (n == 0 || n > 64)
		return false;
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("_.-:/", *p)))
			return false;
	return true;
}

static bool word_ok(json_t *s)
{
	/* A string with a NUL inside is not a word, whatever precedes the NUL. */
	return json_is_string(s) && strlen(json_string_value(s)) == json_string_length(s) &&
	       key_ok(json_string_value(s));
}

static bool num_ok(json_t *v)
{
	return json_is_number(v) && isfinite(json_number_value(v));
}

/* A counter's name: libpfm4 event names carry modifiers ("EV:UMASK:c=1"),
 * so printable ASCII without quotes or backslashes, up to 255 bytes. */
static bool counter_key_ok(const char *p)
{
	size_t n = strlen(p);

	if (n == 0 || n > 255)
		return false;
	for (; *p; p++)
		if (*p < 0x21 || *p > 0x7e || *p == '"' || *p == '\\' || *p == '\'')
			return false;
	return true;
}

/* An object of name -> finite number, at most MAX_KEYS entries. */
static json_t *copy_numbers(json_t *obj, const char *what, bool counter_names, char *err,
			    size_t errlen)
{
	const char *k;
	json_t *v, *out;

	if (!json_is_object(obj) || json_object_size(obj) > MAX_KEYS) {
		vb_errf(err, errlen, "%s is not an object of at most %d numbers", what, MAX_KEYS);
		return NULL;
	}
	out = json_object();
	json_object_foreach(obj, k, v) {
		if (!(counter_names ? counter_key_ok(k) : key_ok(k)) || !num_ok(v)) {
			json_decref(out);
			vb_errf(err, errlen, "%s has a bad entry '%.40s'", what, k);
			return NULL;
		}
		json_object_set_new(out, k, json_real(json_number_value(v)));
	}
	return out;
}

static int take_samples(json_t *g, json_t *row, char *err, size_t errlen)
{
	json_t *arr = json_object_get(g, "samples"), *v;
	size_t i, n;
	double *x;

	if (!arr)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > VB_GUEST_SAMPLES_MAX)
		return vb_errf(err, errlen, "samples is not an array of at most %d numbers",
			       VB_GUEST_SAMPLES_MAX);
	n = json_array_size(arr);
	x = calloc(n ? n : 1, sizeof(*x));
	if (!x)
		return vb_errf(err, errlen, "out of memory");
	json_array_foreach(arr, i, v) {
		if (!num_ok(v) || json_number_value(v) < 0) {
			free(x);
			return vb_errf(err, errlen,
				       "sample %zu is not a finite non-negative number", i);
		}
		x[i] = json_number_value(v);
	}
	/* Never trust the guest's arithmetic: the statistics are ours. */
	vb_row_set_measured(row, x, n, 1);
	free(x);
	return 0;
}

/* "2m:thp" asked and "2m:2m" found agree: THP's pages are 2M ones. */
static bool pages_match(const char *requested, const char *verified)
{
	struct vb_pages r, v;

	if (vb_pages_parse(requested, &r, NULL, 0) < 0 || vb_pages_parse(verified, &v, NULL, 0) < 0)
		return false;
	r.guest = vb_page_size_honoured_by(r.guest);
	r.host = vb_page_size_honoured_by(r.host);
	v.guest = vb_page_size_honoured_by(v.guest);
	v.host = vb_page_size_honoured_by(v.host);
	/* A guest reports its own dimension only ("2m"): the host's is checked
	 * by whoever ran the guest. */
	if (!strchr(verified, ':'))
		return r.guest == v.guest;
	return vb_pages_equal(&r, &v);
}

static int take_pages(json_t *g, json_t *row, char *err, size_t errlen)
{
	json_t *p = json_object_get(g, "pages"), *dst, *v;
	static const char *const words[] = { "verified", "source", "backing" };
	static const char *const byte_sets[] = { "guest_bytes", "host_bytes" };

	if (!p)
		return 0;
	if (!json_is_object(p))
		return vb_errf(err, errlen, "pages is not an object");
	dst = json_object_get(row, "pages");
	if (!json_is_object(dst)) {
		dst = json_object();
		json_object_set_new(row, "pages", dst);
	}
	for (size_t i = 0; i < 3; i++) {
		v = json_object_get(p, words[i]);
		if (!v || json_is_null(v))	/* null: the bench allocates nothing to verify */
			continue;
		if (!word_ok(v))
			return vb_errf(err, errlen, "pages.%s is not a word", words[i]);
		json_object_set(dst, words[i], v);
	}
	v = json_object_get(p, "honoured");
	if (v && !json_is_boolean(v))
		return vb_errf(err, errlen, "pages.honoured is not a boolean");
	/* Whether the request was honoured is ours to say, from the two texts;
	 * the guest's word counts only when it had nothing to verify. */
	if (json_is_string(json_object_get(dst, "verified")) &&
	    json_is_string(json_object_get(dst, "requested")))
		json_object_set_new(dst, "honoured", json_boolean(pages_match(
			json_string_value(json_object_get(dst, "requested")),
			json_string_value(json_object_get(dst, "verified")))));
	else if (v)
		json_object_set(dst, "honoured", v);
	for (size_t i = 0; i < 2; i++) {
		json_t *c;

		v = json_object_get(p, byte_sets[i]);
		if (!v)
			continue;
		c = copy_numbers(v, byte_sets[i], false, err, errlen);
		if (!c)
			return -1;
		json_object_set_new(dst, byte_sets[i], c);
	}
	return 0;
}

/* Printable ASCII without quotes or backslashes, 1 to max bytes. */
static bool word_printable(json_t *s, size_t max)
{
	const char *p = json_string_value(s);

	if (!p || json_string_length(s) != strlen(p) || !*p || strlen(p) > max)
		return false;
	for (; *p; p++)
		if (*p < 0x21 || *p > 0x7e || *p == '"' || *p == '\\' || *p == '\'')
			return false;
	return true;
}

/* counters.pmu: {side: {metric or event: count or null ("not counted")}}. */
static json_t *copy_pmu(json_t *v, char *err, size_t errlen)
{
	json_t *out, *side, *c;
	const char *k, *name;

	if (!json_is_object(v)) {
		vb_errf(err, errlen, "counters.pmu is not an object of sides");
		return NULL;
	}
	/* A vbench-guest older than its harness (a stale Linux guest image)
	 * prints one flat object of counts: that is the side "all". */
	json_object_foreach(v, k, side)
		if (!json_is_object(side)) {
			json_t *wrapped = json_pack("{s:O}", "all", v);

			out = wrapped ? copy_pmu(wrapped, err, errlen) : NULL;
			json_decref(wrapped);
			return out;
		}
	if (json_object_size(v) > 3) {
		vb_errf(err, errlen, "counters.pmu is not an object of sides");
		return NULL;
	}
	out = json_object();
	json_object_foreach(v, k, side) {
		json_t *copy = json_object();

		json_object_set_new(out, k, copy);
		if (!key_ok(k) || !json_is_object(side) || json_object_size(side) > MAX_KEYS)
			goto bad;
		json_object_foreach(side, name, c) {
			if (!counter_key_ok(name) ||
			    !(json_is_null(c) || (num_ok(c) && json_number_value(c) >= 0)))
				goto bad;
			json_object_set(copy, name, c);
		}
	}
	return out;
bad:
	json_decref(out);
	vb_errf(err, errlen, "counters.pmu has a bad entry");
	return NULL;
}

/* An array of at most max objects whose keys are all in keys[] with the
 * types given: 's' word, 'n' counter name, 'e' libpfm4's fully qualified
 * name (printable, at most 1000 bytes), 't' text, 'i' number, 'b' boolean,
 * 'v' number or null. */
static json_t *copy_records(json_t *v, const char *what, size_t max, const char *const *keys,
			    const char *types, char *err, size_t errlen)
{
	json_t *out, *rec, *f;
	size_t i;
	const char *k;

	if (!json_is_array(v) || json_array_size(v) > max) {
		vb_errf(err, errlen, "counters.%s is not an array of at most %zu", what, max);
		return NULL;
	}
	out = json_array();
	json_array_foreach(v, i, rec) {
		if (!json_is_object(rec))
			goto bad;
		json_object_foreach(rec, k, f) {
			size_t j;
			bool ok = false;

			for (j = 0; keys[j] && strcmp(keys[j], k); j++)
				;
			if (!keys[j])
				goto bad;
			switch (types[j]) {
			case 's': ok = word_ok(f); break;
			case 'n':
				ok = json_is_string(f) && counter_key_ok(json_string_value(f));
				break;
			case 'e': ok = word_printable(f, 1000); break;
			case 't': ok = str_ok(f); break;
			case 'i': ok = num_ok(f); break;
			case 'b': ok = json_is_boolean(f); break;
			case 'v': ok = json_is_null(f) || num_ok(f); break;
			}
			if (!ok)
				goto bad;
		}
		json_array_append(out, rec);
	}
	return out;
bad:
	json_decref(out);
	vb_errf(err, errlen, "counters.%s has a bad entry", what);
	return NULL;
}

/* What counters.c adds beyond numbers (docs/result-schema.md); 1 when k
 * was one of those, 0 when not, -1 when it was bad. */
static int take_counter_detail(const char *k, json_t *v, json_t *out, char *err, size_t errlen)
{
	static const char *const ev_keys[] = { "side", "name", "event", "group", "leader", "value",
					       "time_enabled", "time_running", "scale", NULL };
	static const char *const un_keys[] = { "metric", "side", "cause", "reason", NULL };
	json_t *copy = NULL;

	if (!strcmp(k, "set") || !strcmp(k, "software_source")) {
		if (!word_ok(v))
			return vb_errf(err, errlen, "counters.%s is not a word", k);
		copy = json_incref(v);
	} else if (!strcmp(k, "vpmu")) {
		if (!json_is_boolean(v))
			return vb_errf(err, errlen, "counters.vpmu is not a boolean");
		copy = json_incref(v);
	} else if (!strcmp(k, "pmu")) {
		copy = copy_pmu(v, err, errlen);
	} else if (!strcmp(k, "events")) {
		copy = copy_records(v, k, 256, ev_keys, "sneibviii", err, errlen);
	} else if (!strcmp(k, "unavailable")) {
		copy = copy_records(v, k, 256, un_keys, "nsst", err, errlen);
	} else if (!strcmp(k, "fallbacks")) {
		size_t i;
		json_t *f;

		if (!json_is_array(v) || json_array_size(v) > 8)
			return vb_errf(err, errlen,
				       "counters.fallbacks is not an array of at most 8");
		json_array_foreach(v, i, f)
			if (!str_ok(f))
				return vb_errf(err, errlen, "counters.fallbacks has a bad entry");
		copy = json_incref(v);
	} else {
		return 0;
	}
	if (!copy)
		return -1;
	json_object_set_new(out, k, copy);
	return 1;
}

/* A workload's latency percentiles: exactly `unit` ("us"), `n`, `p50`, `p99`
 * and `max`, finite, in order. */
static int take_latency(json_t *g, json_t *row, char *err, size_t errlen)
{
	static const char *const nums[] = { "n", "p50", "p99", "max" };
	json_t *l = json_object_get(g, "latency"), *u;
	double v[4];

	if (!l)
		return 0;
	if (!json_is_object(l) || json_object_size(l) != 5)
		return vb_errf(err, errlen,
			       "latency is not an object of unit, n, p50, p99 and max");
	u = json_object_get(l, "unit");
	if (!json_is_string(u) || strcmp(json_string_value(u), "us"))
		return vb_errf(err, errlen, "latency.unit is not \"us\"");
	for (int i = 0; i < 4; i++) {
		json_t *x = json_object_get(l, nums[i]);

		if (!num_ok(x) || json_number_value(x) < 0)
			return vb_errf(err, errlen,
				       "latency.%s is not a finite non-negative number", nums[i]);
		v[i] = json_number_value(x);
	}
	if (v[0] < 1 || v[0] != floor(v[0]) || v[0] > 9e15)
		return vb_errf(err, errlen, "latency.n is not a count of at least 1");
	if (!(v[1] <= v[2] && v[2] <= v[3]))
		return vb_errf(err, errlen,
			       "latency percentiles are out of order (p50 <= p99 <= max)");
	vb_row_set_latency(row, (uint64_t)v[0], v[1], v[2], v[3]);
	return 0;
}

static int take_counters(json_t *g, json_t *row, char *err, size_t errlen)
{
	json_t *c = json_object_get(g, "counters"), *out, *v;
	const char *k;

	if (!c)
		return 0;
	if (!json_is_object(c) || json_object_size(c) > 16)
		return vb_errf(err, errlen, "counters is not an object");
	out = json_object_get(row, "counters");
	if (!json_is_object(out)) {
		out = json_object();
		json_object_set_new(row, "counters", out);
	}
	json_object_foreach(c, k, v) {
		json_t *copy;
		int detail = take_counter_detail(k, v, out, err, errlen);

		if (detail < 0)
			return -1;
		if (detail)
			continue;
		if (!strcmp(k, "ops")) {
			if (!num_ok(v) || json_number_value(v) < 0)
				return vb_errf(err, errlen, "counters.ops is not a count");
			json_object_set(out, "ops", v);
		} else if (!strcmp(k, "errors")) {
			const char *src;
			json_t *why;

			if (!json_is_object(v) || json_object_size(v) > 16)
				return vb_errf(err, errlen, "counters.errors is not an object");
			copy = json_object();
			json_object_foreach(v, src, why) {
				if (!key_ok(src) || !str_ok(why)) {
					json_decref(copy);
					return vb_errf(err, errlen,
						       "counters.errors has a bad entry");
				}
				json_object_set(copy, src, why);
			}
			json_object_set_new(out, "errors", copy);
		} else {
			if (!key_ok(k))
				return vb_errf(err, errlen, "counters has a bad source name");
			copy = copy_numbers(v, "counters source", true, err, errlen);
			if (!copy)
				return -1;
			json_object_set_new(out, k, copy);
		}
	}
	return 0;
}

static int take_result(json_t *g, json_t *row, char *err, size_t errlen)
{
	json_t *v;
	const char *status;

	v = json_object_get(g, "bench");
	if (!word_ok(v))
		return vb_errf(err, errlen, "result has no valid bench name");
	if (json_is_string(json_object_get(row, "bench")) &&
	    strcmp(json_string_value(v), json_string_value(json_object_get(row, "bench"))))
		return vb_errf(err, errlen, "result is for bench '%s', not '%s'",
			       json_string_value(v),
			       json_string_value(json_object_get(row, "bench")));
	v = json_object_get(g, "status");
	if (!json_is_string(v))
		return vb_errf(err, errlen, "result has no status");
	status = json_string_value(v);
	if (strcmp(status, "ok") && strcmp(status, "skipped") && strcmp(status, "failed"))
		return vb_errf(err, errlen, "result has an unknown status");
	v = json_object_get(g, "reason");
	if (v && !str_ok(v))
		return vb_errf(err, errlen, "reason is not a string of at most %d bytes",
			       VB_GUEST_STRING_MAX);
	v = json_object_get(g, "unit");
	if (v && !word_ok(v))
		return vb_errf(err, errlen, "unit is not a word");
	if (take_samples(g, row, err, errlen) < 0 || take_pages(g, row, err, errlen) < 0 ||
	    take_counters(g, row, err, errlen) < 0 || take_latency(g, row, err, errlen) < 0)
		return -1;
	if (!strcmp(status, "ok") && json_array_size(json_object_get(row, "samples")) == 0)
		return vb_errf(err, errlen, "result says ok but has no samples");
	v = json_object_get(g, "extra");
	if (v) {
		json_t *c = copy_numbers(v, "extra", false, err, errlen);

		if (!c)
			return -1;
		json_object_set_new(row, "extra", c);
	}
	v = json_object_get(g, "params");
	if (v) {
		/* Only the names the row already has (the plan's), so a guest cannot add keys. */
		const char *k;
		json_t *pv, *mine = json_object_get(row, "params");

		if (!json_is_object(v))
			return vb_errf(err, errlen, "params is not an object");
		json_object_foreach(v, k, pv) {
			if (json_is_object(mine) && !json_object_get(mine, k))
				return vb_errf(err, errlen,
					       "result has an unexpected parameter '%.40s'", k);
			if (!num_ok(pv) && !word_ok(pv))
				return vb_errf(err, errlen, "parameter '%.40s' has a bad value", k);
		}
	}
	if (json_object_get(g, "unit"))
		json_object_set(row, "unit", json_object_get(g, "unit"));
	json_object_set(row, "status", json_object_get(g, "status"));
	if (json_object_get(g, "reason"))
		json_object_set(row, "reason", json_object_get(g, "reason"));
	v = json_object_get(g, "emulated_cpl0");
	if (json_is_boolean(v))
		json_object_set(row, "emulated_cpl0", v);
	return 1;
}

int vb_guest_line_accept(const char *line, json_t *row, char *msg, size_t msglen,
			 char *err, size_t errlen)
{
	const char *p = strstr(line, VB_GUEST_PREFIX);
	json_error_t jerr;
	json_t *g, *type;
	int ret;

	/* A serial console may put noise before the prefix on the same line. */
	if (!p)
		return 0;
	p += strlen(VB_GUEST_PREFIX);
	if (strlen(p) > VB_GUEST_LINE_MAX)
		return vb_errf(err, errlen, "output line longer than %d bytes", VB_GUEST_LINE_MAX);
	g = json_loads(p, JSON_REJECT_DUPLICATES, &jerr);
	if (!g)
		return vb_errf(err, errlen, "unparsable output line: %s", jerr.text);
	if (!json_is_object(g)) {
		json_decref(g);
		return vb_errf(err, errlen, "output line is not a JSON object");
	}
	type = json_object_get(g, "type");
	if (json_is_string(type) && !strcmp(json_string_value(type), "log")) {
		json_t *m = json_object_get(g, "msg");

		ret = 2;
		if (!str_ok(m))
			ret = vb_errf(err, errlen, "log line without a valid msg");
		else if (msg && msglen)
			snprintf(msg, msglen, "%s", json_string_value(m));
	} else if (json_is_string(type) && !strcmp(json_string_value(type), "result")) {
		/* Merge only a fully valid result: a bad field leaves row untouched. */
		json_t *copy = json_deep_copy(row);

		ret = take_result(g, copy, err, errlen);
		if (ret == 1)
			json_object_update(row, copy);
		json_decref(copy);
	} else {
		ret = vb_errf(err, errlen, "output line of unknown type");
	}
	json_decref(g);
	return ret;
}

/* A string of at most 256 printable bytes, or null. */
static bool env_str_ok(json_t *v)
{
	if (json_is_null(v))
		return true;
	if (!json_is_string(v) || json_string_length(v) > 256)
		return false;
	for (const char *p = json_string_value(v); *p; p++)
		if ((unsigned char)*p < ' ' || (unsigned char)*p > '~')
			return false;
	return true;
}

int vb_guest_env_accept(const char *line, json_t **env, char *err, size_t errlen)
{
	static const char *const strs[] = { "hypervisor", "dmi_vendor", "dmi_product", "kernel",
					    "cpu",	  "thp",	"vpmu_reason" };
	const char *p = strstr(line, VB_GUEST_PREFIX);
	json_t *g, *out = NULL, *sizes, *v;
	json_error_t jerr;
	size_t i;

	if (!p)
		return 0;
	p += strlen(VB_GUEST_PREFIX);
	if (strlen(p) > 65536)
		return vb_errf(err, errlen, "env line longer than 64 KiB");
	g = json_loads(p, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(g) || !json_is_string(json_object_get(g, "type")) ||
	    strcmp(json_string_value(json_object_get(g, "type")), "env")) {
		json_decref(g);
		return vb_errf(err, errlen, "not an env line");
	}
	out = json_object();
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		v = json_object_get(g, strs[i]);
		if (!env_str_ok(v))
			goto bad;
		json_object_set_new(out, strs[i], v ? json_incref(v) : json_null());
	}
	v = json_object_get(g, "vpmu");
	if (!json_is_boolean(v))
		goto bad;
	json_object_set(out, "vpmu", v);
	sizes = json_object_get(g, "page_sizes");
	if (!json_is_array(sizes) || json_array_size(sizes) > 3)
		goto bad;
	json_array_foreach(sizes, i, v)
		if (!json_is_string(v) || vb_page_size_parse(json_string_value(v)) == VB_PS_NONE)
			goto bad;
	json_object_set(out, "page_sizes", sizes);
	if (json_object_size(g) != sizeof(strs) / sizeof(strs[0]) + 3)
		goto bad;
	json_decref(g);
	*env = out;
	return 1;
bad:
	json_decref(g);
	json_decref(out);
	return vb_errf(err, errlen, "env line with a missing, unknown or malformed field");
}

int vb_guest_result_accept(const char *line, json_t *row, char *err, size_t errlen)
{
	int r = vb_guest_line_accept(line, row, NULL, 0, err, errlen);

	return r == 2 ? 0 : r;
}
