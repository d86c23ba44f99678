/* escape.h: text from runs, guests and QEMU made safe to print: control
 * characters shown as escapes, so nothing untrusted moves a terminal's cursor,
 * starts a new line in run.log or breaks a Markdown table row. */
#ifndef VB_ESCAPE_H
#define VB_ESCAPE_H

#include <stdio.h>
#include <stddef.h>

/*
 * Copy in to out (always NUL-terminated when len > 0) with every control
 * character written as an escape: "\n", "\r", "\t", "\e" and "\xHH" for the
 * other C0 bytes and DEL, "\u0080".."\u009f" for the UTF-8 C1 controls, and
 * "\xHH" for bytes that are not valid UTF-8. Everything else is kept as it
 * is. Text that does not fit is cut at a whole escape and ends in "...".
 * Returns out.
 */
char *vb_escape_ctrl(const char *in, char *out, size_t len);

/* The same escaping, written to f without a length limit. */
void vb_fputs_escaped(FILE *f, const char *s);

/* What text of a run is written into. */
enum vb_markup {
	VB_MARKUP_NONE,		/* plain text: vb_fputs_escaped */
	VB_MARKUP_MD,		/* Markdown: \`*_[]<>|# behind a backslash */
	VB_MARKUP_HTML,		/* HTML: &<>"' as &amp; &lt; &gt; &quot; &#39; */
	VB_MARKUP_XML,		/* XML: the same, with &apos; */
};

/* s written to f escaped as vb_fputs_escaped does (XML 1.0 admits no control
 * character but tab and newlines), then what the markup would read as markup
 * made literal: the one escaper of the report, the findings and JUnit. */
void vb_fputs_markup(FILE *f, const char *s, enum vb_markup m);

/* True when s holds nothing vb_escape_ctrl would change. */
int vb_text_is_clean(const char *s);

/* Labels (`--label KEY=VALUE`, docs/tracking.md): a key of 1 to
 * VB_LABEL_KEY_MAX characters of [A-Za-z0-9_.-], a value of 1 to
 * VB_LABEL_VALUE_MAX bytes that vb_text_is_clean passes. */
#define VB_LABEL_KEY_MAX 64
#define VB_LABEL_VALUE_MAX 256

/* Check one KEY=VALUE. 0 when it is a label, else -1 with why filled with one
 * line that says what is wrong and quotes the text escaped and cut short, so
 * nothing hostile or long is echoed whole. */
int vb_label_check(const char *label, char *why, size_t len);

#endif
