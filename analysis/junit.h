/* junit.h: JUnit XML, the test report format CI systems (GitLab, GitHub
 * Actions, Jenkins) read, for `history check --junit` and `compare --junit`. */
#ifndef VB_JUNIT_H
#define VB_JUNIT_H

#include <stddef.h>

/* One test case: passed, failed (failure set) or skipped (skipped set). */
struct vb_junit_case {
	const char *classname;	/* e.g. "vbench.history.ptrchase" */
	const char *name;	/* the series or the row, in words */
	const char *failure;	/* the failure message, or NULL */
	const char *skipped;	/* why it was not judged, or NULL */
	const char *detail;	/* text for the failure's body or system-out, or NULL */
};

/*
 * Write path as one <testsuites> holding one <testsuite name="suite"> with
 * tests, failures, skipped and errors counted, each case a <testcase> with
 * <failure message=...> or <skipped message=...>. Text is escaped for XML
 * (control characters as lib/escape.h writes them). Written to a temporary
 * file and renamed. -1 with err set when it cannot be written.
 */
int vb_junit_write(const char *path, const char *suite, const struct vb_junit_case *cases,
		   size_t n, char *err, size_t errlen);

#endif
