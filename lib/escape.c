/* escape.c: control characters of untrusted text written as visible escapes,
 * one helper for the terminal, run.log, Markdown and HTML output. */
#include "lib/escape.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define LABEL_KEY_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"

/* Length of the valid UTF-8 sequence at s (1..4), 0 when it is not one.
 * Overlong forms and surrogates are not valid. */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))
			return 0;
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/*
 * The escape for the character at s into esc (NUL-terminated), or "" when it
 * is printed as it is; *step is how many bytes of s it covers.
 */
static void one(const unsigned char *s, char esc[8], size_t *step)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = utf8_len(s);

	esc[0] = '\0';
	*step = n ? n : 1;
	if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0) {
		/* U+0080..U+009F: C1 controls (CSI is one of them). */
		memcpy(esc, "\\u00", 4);
		esc[4] = hex[s[1] >> 4];
		esc[5] = hex[s[1] & 15];
		esc[6] = '\0';
		return;
	}
	if (n > 1 || (n == 1 && s[0] >= 0x20 && s[0] != 0x7f))
		return;
	switch (s[0]) {
	case '\n':
		strcpy(esc, "\\n");
		return;
	case '\r':
		strcpy(esc, "\\r");
		return;
	case '\t':
		strcpy(esc, "\\t");
		return;
	case 0x1b:
		strcpy(esc, "\\e");
		return;
	}
	esc[0] = '\\';
	esc[1] = 'x';
	esc[2] = hex[s[0] >> 4];
	esc[3] = hex[s[0] & 15];
	esc[4] = '\0';
}

char *vb_escape_ctrl(const char *in, char *out, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t n = 0;

	bool fits = true;

	if (!len)
		return out;
	if (s) {
		/* Does it fit whole? Else room for "..." is kept while copying. */
		size_t total = 0;

		for (const unsigned char *t = s; *t;) {
			char esc[8];
			size_t step;

			one(t, esc, &step);
			total += esc[0] ? strlen(esc) : step;
			t += step;
		}
		fits = total + 1 <= len;
	}
	while (s && *s) {
		char esc[8];
		size_t step, add;

		one(s, esc, &step);
		add = esc[0] ? strlen(esc) : step;
		if (!fits && n + add + 4 > len) {
			if (n + 4 <= len) {
				memcpy(out + n, "...", 3);
				n += 3;
			}
			break;
		}
		memcpy(out + n, esc[0] ? esc : (const char *)s, add);
		n += add;
		s += step;
	}
	out[n] = '\0';
	return out;
}

/* One byte of escaped text, made literal for the markup. */
static void put_markup(FILE *f, char c, enum vb_markup m)
{
	if ((m == VB_MARKUP_HTML || m == VB_MARKUP_XML) && c && strchr("&<>\"'", c)) {
		switch (c) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputs(m == VB_MARKUP_XML ? "&apos;" : "&#39;", f);
		}
	} else if (m == VB_MARKUP_MD && c && strchr("\\`*_[]<>|#", c)) {
		fputc('\\', f);
		fputc(c, f);
	} else {
		fputc(c, f);
	}
}

void vb_fputs_markup(FILE *f, const char *in, enum vb_markup m)
{
	const unsigned char *s = (const unsigned char *)in;

	while (s && *s) {
		char esc[8];
		size_t step, n;
		const char *p;

		one(s, esc, &step);
		p = esc[0] ? esc : (const char *)s;
		n = esc[0] ? strlen(esc) : step;
		if (m == VB_MARKUP_NONE)
			fwrite(p, 1, n, f);
		else
			for (size_t i = 0; i < n; i++)
				put_markup(f, p[i], m);
		s += step;
	}
}

void vb_fputs_escaped(FILE *f, const char *s)
{
	vb_fputs_markup(f, s, VB_MARKUP_NONE);
}

int vb_text_is_clean(const char *in)
{
	const unsigned char *s = (const unsigned char *)in;

	while (s && *s) {
		char esc[8];
		size_t step;

		one(s, esc, &step);
		if (esc[0])
			return 0;
		s += step;
	}
	return 1;
}

int vb_label_check(const char *label, char *why, size_t len)
{
	const char *eq = strchr(label, '=');
	char shown[72];
	size_t klen, vlen;

	vb_escape_ctrl(label, shown, sizeof(shown));
	if (!eq || eq == label || !eq[1]) {
		snprintf(why, len, "'%s': expected KEY=VALUE, e.g. kernel=6.12", shown);
		return -1;
	}
	klen = (size_t)(eq - label);
	vlen = strlen(eq + 1);
	if (klen > VB_LABEL_KEY_MAX) {
		snprintf(why, len, "'%s': the key is %zu characters long, at most %d", shown, klen,
			 VB_LABEL_KEY_MAX);
		return -1;
	}
	for (const char *c = label; c < eq; c++)
		if (!strchr(LABEL_KEY_CHARS, *c)) {
			snprintf(why, len, "'%s': a key is letters, digits, '_', '.' or '-'",
				 shown);
			return -1;
		}
	if (vlen > VB_LABEL_VALUE_MAX) {
		snprintf(why, len, "'%s': the value is %zu bytes long, at most %d", shown, vlen,
			 VB_LABEL_VALUE_MAX);
		return -1;
	}
	/* Labels reach argv, the run log and the history. */
	if (!vb_text_is_clean(eq + 1)) {
		snprintf(why, len, "'%s': control characters in the value", shown);
		return -1;
	}
	return 0;
}
