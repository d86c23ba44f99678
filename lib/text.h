/* text.h: small text helpers for reasons and logs: the last line of a
 * text, the last bytes of a file, the folder of the running binary. */
#ifndef VB_TEXT_H
#define VB_TEXT_H

#include <stdbool.h>

#include <stddef.h>

/* The last non-empty line of text (trailing newlines and blanks dropped),
 * into out; "" when there is none. Returns out. */
const char *vb_last_line(const char *text, char *out, size_t len);

/* The last max-1 bytes of a file, NUL-terminated; "" when unreadable. */
void vb_file_tail(const char *path, char *buf, size_t max);

/* The folder holding the running binary (vbench-guest, configs/ and the
 * Linux guest image are found next to it); "." when unknown. */
const char *vb_self_dir(void);

/* A value with 4 significant figures or so, "283.4", "0.0123", "12.35M",
 * "3.81u": SI prefixes, never e-notation. */
void vb_fmt_value(double v, char *buf, size_t len);

/* The value of the first "key : value" line of the file at path (NULL or
 * "": /proc/cpuinfo, the first CPU's) into out; false when absent. */
bool vb_text_field(const char *path, const char *key, char *out, size_t len);

/* word is one of the space-separated words of list. */
bool vb_word_in(const char *list, const char *word);

#endif
