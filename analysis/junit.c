/* junit.c: JUnit XML for CI systems: one suite of test cases, passed,
 * failed or skipped, escaped for XML and written whole or not at all. */
#include "analysis/junit.h"
#include "lib/error.h"
#include "lib/escape.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Text as an XML attribute value or element text (lib/escape.h). */
static void xml(FILE *f, const char *s)
{
	vb_fputs_markup(f, s, VB_MARKUP_XML);
}

static void one_case(FILE *f, const struct vb_junit_case *c)
{
	fputs("    <testcase classname=\"", f);
	xml(f, c->classname);
	fputs("\" name=\"", f);
	xml(f, c->name);
	fputs("\" time=\"0\"", f);
	if (!c->failure && !c->skipped && !c->detail) {
		fputs("/>\n", f);
		return;
	}
	fputs(">\n", f);
	if (c->failure) {
		fputs("      <failure type=\"regression\" message=\"", f);
		xml(f, c->failure);
		fputs("\">", f);
		xml(f, c->detail ? c->detail : c->failure);
		fputs("</failure>\n", f);
	} else if (c->skipped) {
		fputs("      <skipped message=\"", f);
		xml(f, c->skipped);
		fputs("\"/>\n", f);
	}
	if (c->detail && !c->failure) {
		fputs("      <system-out>", f);
		xml(f, c->detail);
		fputs("</system-out>\n", f);
	}
	fputs("    </testcase>\n", f);
}

int vb_junit_write(const char *path, const char *suite, const struct vb_junit_case *cases,
		   size_t n, char *err, size_t errlen)
{
	char tmp[4200];
	size_t failures = 0, skipped = 0;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	f = fopen(tmp, "w");
	if (!f)
		return vb_errf(err, errlen, "%s: %s", path, strerror(errno));
	for (size_t i = 0; i < n; i++) {
		failures += cases[i].failure != NULL;
		skipped += !cases[i].failure && cases[i].skipped;
	}
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fprintf(f, "<testsuites tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n", n,
		failures, skipped);
	fputs("  <testsuite name=\"", f);
	xml(f, suite);
	fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"0\">\n",
			n,
		failures, skipped);
	for (size_t i = 0; i < n; i++)
		one_case(f, &cases[i]);
	fputs("  </testsuite>\n</testsuites>\n", f);
	if (fflush(f) || ferror(f) || fsync(fileno(f))) {
		fclose(f);
		unlink(tmp);
		return vb_errf(err, errlen, "%s: write failed", path);
	}
	fclose(f);
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return vb_errf(err, errlen, "%s: %s", path, strerror(errno));
	}
	return 0;
}
