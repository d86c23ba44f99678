/* param.c: the one parser for bench parameters and numbers with suffixes. */
#include "lib/param.h"
#include "lib/error.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int vb_param_count(const struct vb_param_def *defs)
{
	int n = 0;

	while (defs && defs[n].name)
		n++;
	return n;
}

int vb_param_index(const struct vb_param_def *defs, const char *name)
{
	for (int i = 0; defs && defs[i].name; i++)
		if (!strcmp(defs[i].name, name))
			return i;
	return -1;
}

void vb_param_defaults(struct vb_param_values *pv, const struct vb_param_def *defs)
{
	memset(pv, 0, sizeof(*pv));
	pv->defs = defs;
	for (int i = 0; defs && defs[i].name && i < VB_PARAMS_MAX; i++)
		pv->v[i] = defs[i].def;
}

/* Digits then an optional suffix; the suffix multiplies. */
static int parse_scaled(const char *s, uint64_t *out, bool binary)
{
	char *end;
	unsigned long long n;
	uint64_t mul = 1;

	if (!s || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno)
		return -1;
	if (*end) {
		char c = (char)tolower((unsigned char)*end);
		uint64_t k = binary ? 1024 : 1000;

		if (c == 'k')
			mul = k;
		else if (c == 'm')
			mul = k * k;
		else if (c == 'g')
			mul = k * k * k;
		else if (c == 't' && binary)
			mul = k * k * k * k;
		else
			return -1;
		end++;
		/* Accept "512MB"/"512MiB" style for sizes. */
		if (binary && (!strcasecmp(end, "b") || !strcasecmp(end, "ib")))
			end += strlen(end);
		if (*end)
			return -1;
	}
	if (n > UINT64_MAX / mul)
		return -1;
	*out = (uint64_t)n * mul;
	return 0;
}

int vb_parse_size(const char *s, uint64_t *out) { return parse_scaled(s, out, true); }

int vb_parse_u64(const char *s, uint64_t *out) { return parse_scaled(s, out, false); }

int vb_parse_double(const char *s, double *out)
{
	char *end;
	double d;

	if (!s || !*s || isspace((unsigned char)s[0]))
		return -1;
	errno = 0;
	d = strtod(s, &end);
	if (errno || end == s || !isfinite(d))
		return -1;
	if (*end == '%') {
		d /= 100.0;
		end++;
	}
	if (*end)
		return -1;
	*out = d;
	return 0;
}

int vb_parse_seconds(const char *s, double *out)
{
	char *end;
	double d;

	if (!s || !*s || isspace((unsigned char)s[0]) || s[0] == '-')
		return -1;
	errno = 0;
	d = strtod(s, &end);
	if (errno || end == s || !isfinite(d) || d < 0)
		return -1;
	if (!strcmp(end, "ms"))
		d /= 1000.0;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		d *= 60.0;
	else if (*end && strcmp(end, "s"))
		return -1;
	*out = d;
	return 0;
}

int vb_choice_index(const char *choices, const char *word)
{
	int idx = 0;
	size_t wl = strlen(word);

	for (const char *p = choices; p && *p; idx++) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len == wl && !strncmp(p, word, len))
			return idx;
		if (!comma)
			break;
		p = comma + 1;
	}
	return -1;
}

/* The idx-th word of a "a,b,c" list into buf. */
static void choice_word(const char *choices, uint64_t idx, char *buf, size_t len)
{
	const char *p = choices;

	for (uint64_t i = 0; p && i < idx; i++) {
		p = strchr(p, ',');
		if (p)
			p++;
	}
	if (!p) {
		snprintf(buf, len, "?");
		return;
	}
	size_t wl = strcspn(p, ",");
	snprintf(buf, len, "%.*s", (int)wl, p);
}

void vb_param_format(const struct vb_param_def *def, uint64_t v, char *buf, size_t len)
{
	static const char suffix[] = "KMGT";

	switch (def->type) {
	case VB_PARAM_CHOICE:
		choice_word(def->choices, v, buf, len);
		return;
	case VB_PARAM_BOOL:
		snprintf(buf, len, "%s", v ? "1" : "0");
		return;
	case VB_PARAM_SIZE:
		for (int i = 3; i >= 0; i--) {
			uint64_t unit = 1ULL << (10 * (i + 1));

			if (v && v % unit == 0) {
				snprintf(buf, len, "%" PRIu64 "%c", v / unit, suffix[i]);
				return;
			}
		}
		/* fall through */
	case VB_PARAM_U64:
		snprintf(buf, len, "%" PRIu64, v);
		return;
	}
}

int vb_param_parse_value(const struct vb_param_def *def, const char *text, uint64_t *out,
			 char *err, size_t errlen)
{
	uint64_t v;
	char lo[32], hi[32];

	switch (def->type) {
	case VB_PARAM_CHOICE: {
		int idx = vb_choice_index(def->choices, text);

		if (idx < 0)
			return vb_errf(err, errlen, "bad value '%s' for %s: choose one of %s",
				       text, def->name, def->choices);
		*out = (uint64_t)idx;
		return 0;
	}
	case VB_PARAM_BOOL:
		if (!strcmp(text, "1") || !strcasecmp(text, "yes") || !strcasecmp(text, "true"))
			*out = 1;
		else if (!strcmp(text, "0") || !strcasecmp(text, "no") ||
			 !strcasecmp(text, "false"))
			*out = 0;
		else
			return vb_errf(err, errlen, "bad value '%s' for %s: use 0 or 1", text,
				       def->name);
		return 0;
	case VB_PARAM_SIZE:
		if (vb_parse_size(text, &v) < 0)
			return vb_errf(err, errlen,
				       "bad size '%s' for %s: use a byte count with an optional K, "
				       "M, G suffix (e.g. 512M)",
				       text, def->name);
		break;
	case VB_PARAM_U64:
	default:
		if (vb_parse_u64(text, &v) < 0)
			return vb_errf(err, errlen,
				       "bad number '%s' for %s: use a non-negative whole number",
				       text, def->name);
		break;
	}
	if (v < def->min || v > def->max) {
		vb_param_format(def, def->min, lo, sizeof(lo));
		vb_param_format(def, def->max, hi, sizeof(hi));
		return vb_errf(err, errlen, "%s=%s is out of range: use %s to %s%s%s", def->name,
			       text, lo, hi, def->unit ? " " : "", def->unit ? def->unit : "");
	}
	if (def->step > 1 && v % def->step) {
		vb_errf(err, errlen, "%s=%s is not a multiple of %llu%s%s", def->name, text,
			(unsigned long long)def->step, def->unit ? " " : "",
			def->unit ? def->unit : "");
		return -1;
	}
	*out = v;
	return 0;
}

int vb_param_set(struct vb_param_values *pv, const char *assignment, char *err, size_t errlen)
{
	char name[64];
	const char *eq = strchr(assignment, '=');
	size_t nl = eq ? (size_t)(eq - assignment) : 0;
	int idx;

	if (!eq || nl == 0 || nl >= sizeof(name))
		return vb_errf(err, errlen, "bad parameter '%s': expected name=value", assignment);
	memcpy(name, assignment, nl);
	name[nl] = '\0';
	idx = vb_param_index(pv->defs, name);
	if (idx < 0) {
		char known[256] = "";

		for (int i = 0; pv->defs && pv->defs[i].name; i++) {
			if (i)
				strncat(known, ", ", sizeof(known) - strlen(known) - 1);
			strncat(known, pv->defs[i].name, sizeof(known) - strlen(known) - 1);
		}
		return vb_errf(err, errlen, "unknown parameter '%s': this bench takes %s", name,
			       known[0] ? known : "no parameters");
	}
	if (vb_param_parse_value(&pv->defs[idx], eq + 1, &pv->v[idx], err, errlen) < 0)
		return -1;
	pv->set[idx] = true;
	return 0;
}

uint64_t vb_param_get(const struct vb_param_values *pv, const char *name)
{
	int idx = vb_param_index(pv->defs, name);

	if (idx < 0) {
		fprintf(stderr, "%s: internal: unknown parameter '%s'\n", vb_progname(), name);
		abort();
	}
	return pv->v[idx];
}

bool vb_param_mem_bytes(const struct vb_param_values *pv, uint64_t page_bytes, uint64_t *out)
{
	for (int i = 0; pv->defs && pv->defs[i].name; i++) {
		if (pv->defs[i].mem == VB_MEM_BYTES) {
			*out = pv->v[i];
			return true;
		}
		if (pv->defs[i].mem == VB_MEM_PAGES) {
			*out = pv->v[i] * page_bytes;
			return true;
		}
	}
	return false;
}
