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
