/* fixture_tmp.h: temporary folders for unit tests, /tmp/vbench-test.<pid>.XXXXXX,
 * removed when the test process exits (Criterion runs atexit handlers after
 * a passing, failing or skipped test); a test process that crashed leaves its
 * folder to the sweep the next fx_tmpdir() does. Header-only. */
#ifndef VB_FIXTURE_TMP_H
#define VB_FIXTURE_TMP_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/tmpdir.h"

#define FX_TMP_MAX 16

static char *fx_tmp_made[FX_TMP_MAX];
static int fx_tmp_n;

static inline int fx_tmp_rm(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static inline void fx_tmp_cleanup(void)
{
	for (int i = 0; i < fx_tmp_n; i++) {
		nftw(fx_tmp_made[i], fx_tmp_rm, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
		free(fx_tmp_made[i]);
	}
	fx_tmp_n = 0;
}

/* A fresh folder under /tmp, removed at exit; NULL on failure. The caller
 * owns (frees) the returned string. */
static inline char *fx_tmpdir(void)
{
	char buf[128], err[256];

	if (fx_tmp_n == 0) {
		vb_tmpdir_sweep("vbench-test");
		atexit(fx_tmp_cleanup);
	}
	if (fx_tmp_n >= FX_TMP_MAX ||
	    vb_tmpdir_make("vbench-test", buf, sizeof(buf), err, sizeof(err)) < 0)
		return NULL;
	fx_tmp_made[fx_tmp_n] = strdup(buf);
	if (!fx_tmp_made[fx_tmp_n])
		return NULL;
	fx_tmp_n++;
	return strdup(buf);
}

#endif
