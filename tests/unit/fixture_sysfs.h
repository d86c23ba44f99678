/* fixture_sysfs.h: files of a fake /sys, /proc or /dev tree under a test's
 * temporary root (VBENCH_SYSFS_ROOT), for the tests of the host probes.
 * Header-only. */
#ifndef VB_FIXTURE_SYSFS_H
#define VB_FIXTURE_SYSFS_H

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Write text to <root>/<path> ("sys/..." or "/sys/..."), making the folders
 * on the way; with text NULL, make <root>/<path> a folder. */
static inline void fx_put(const char *root, const char *path, const char *text)
{
	char full[512];
	FILE *f;

	snprintf(full, sizeof(full), "%s/%s", root, path + (*path == '/'));
	for (char *p = full + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(full, 0755);
		*p = '/';
	}
	if (!text) {
		mkdir(full, 0755);
		return;
	}
	f = fopen(full, "w");
	cr_assert_not_null(f, "cannot create %s: %s", full, strerror(errno));
	fputs(text, f);
	fclose(f);
}

#endif
