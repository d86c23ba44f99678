/* guestout.h: reading what vbench-guest prints (natively or from a guest's
 * serial port). Its output is untrusted: every field is checked before use. */
#ifndef VB_GUESTOUT_H
#define VB_GUESTOUT_H

#include <stddef.h>
#include <jansson.h>

#define VB_GUEST_PREFIX "@vbench "
#define VB_GUEST_LINE_MAX (1 << 20)
#define VB_GUEST_SAMPLES_MAX 10000
#define VB_GUEST_STRING_MAX 4096

/* Parse one output line. Returns 1 when it is a result whose fields were
 * validated and merged into row (stats are recomputed from the samples),
 * 2 when it is a log line (its message is copied to msg), 0 when the line is
 * not ours (console noise), -1 with err when it is ours but malformed or hostile. */
int vb_guest_line_accept(const char *line, json_t *row, char *msg, size_t msglen,
			 char *err, size_t errlen);

/* Shorthand for guests that only care about results: 1 result merged,
 * 0 anything else that is harmless, -1 malformed. */
int vb_guest_result_accept(const char *line, json_t *row, char *err, size_t errlen);

/* Parse the line `vbench-guest env` prints: 1 with *env a new object of
 * checked fields (printable strings of at most 256 bytes or null, known page
 * sizes, vpmu a bool, no other key), 0 when the line is not ours, -1 with err
 * when malformed. */
int vb_guest_env_accept(const char *line, json_t **env, char *err, size_t errlen);

#endif
