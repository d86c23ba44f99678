/* error.h: one message shape for every failure, "vbench: <what>: <why>". */
#ifndef VB_ERROR_H
#define VB_ERROR_H

#include <stddef.h>

/* Exit codes, documented in docs/cli.md. */
enum vb_exit {
	VB_EXIT_OK = 0,
	VB_EXIT_FAIL = 1,	/* run finished with failed rows; compare found a regression */
	VB_EXIT_USAGE = 2,	/* bad input: flags, plan file, bench/mode/pages names */
	/* the host cannot do what was asked (no /dev/kvm, no hugepages, unwritable --out) */
	VB_EXIT_ENV = 3,
	VB_EXIT_INTERNAL = 4,	/* a bug or an unexpected system failure */
	VB_EXIT_RESTORE = 5,	/* the host could not be put back (the message says how) */
};

/* Program name used as the message prefix; "vbench" unless set. */
void vb_set_progname(const char *name);
const char *vb_progname(void);

/* Print "<prog>: <msg>\n" to stderr and exit with code. */
__attribute__((noreturn, format(printf, 2, 3)))
void vb_die(int code, const char *fmt, ...);

/* Print "<prog>: <msg>\n" to stderr; returns -1 so callers can `return vb_error(...)`. */
__attribute__((format(printf, 1, 2)))
int vb_error(const char *fmt, ...);

/* Print "<prog>: warning: <msg>\n" to stderr. */
__attribute__((format(printf, 1, 2)))
void vb_warn(const char *fmt, ...);

/* Fill a caller's error buffer (errbuf may be NULL); returns -1. */
__attribute__((format(printf, 3, 4)))
int vb_errf(char *errbuf, size_t errlen, const char *fmt, ...);

#endif
