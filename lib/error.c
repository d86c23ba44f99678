/* error.c: die/error/warn with the "vbench: <what>: <why>" shape. */
#include "lib/error.h"
#include "lib/escape.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static const char *progname = "vbench";

void vb_set_progname(const char *name) { progname = name; }
const char *vb_progname(void) { return progname; }

/* A message often quotes a guest, a run file or QEMU: its control
 * characters are escaped, so the message stays one line on the terminal. */
static void vreport(const char *prefix, const char *fmt, va_list ap)
{
	char *msg = NULL;

	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	fprintf(stderr, "%s: %s", progname, prefix);
	vb_fputs_escaped(stderr, msg ? msg : fmt);
	fputc('\n', stderr);
	free(msg);
}

void vb_die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
	exit(code);
}

int vb_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
	return -1;
}

void vb_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

int vb_errf(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!errbuf || !errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
	return -1;
}
