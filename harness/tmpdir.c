/* tmpdir.c: temporary folders named after their owner's pid, and the sweep
 * that removes those of dead owners (a SIGKILL runs no cleanup). */
#include "harness/tmpdir.h"
#include "lib/error.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMP "/tmp"

int vb_tmpdir_make(const char *prefix, char *buf, size_t len, char *err, size_t errlen)
{
	if ((size_t)snprintf(buf, len, TMP "/%s.%ld.XXXXXX", prefix, (long)getpid()) >= len)
		return vb_errf(err, errlen, "temporary folder name too long");
	if (!mkdtemp(buf))
		return vb_errf(err, errlen, "cannot make a temporary folder %s: %s", buf,
			       strerror(errno));
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path) < 0 ? -1 : 0;
	return unlink(path) < 0 ? -1 : 0;
}

/* <pid> of "<prefix>.<pid>.XXXXXX", or 0 when the name has another shape. */
static long owner_pid(const char *name, const char *prefix)
{
	size_t plen = strlen(prefix);
	char *end;
	long pid;

	if (strncmp(name, prefix, plen) || name[plen] != '.')
		return 0;
	errno = 0;
	pid = strtol(name + plen + 1, &end, 10);
	if (errno || pid <= 0 || end == name + plen + 1 || *end != '.' || strlen(end + 1) != 6)
		return 0;
	return pid;
}

int vb_tmpdir_sweep(const char *prefix)
{
	DIR *d = opendir(TMP);
	struct dirent *e;
	int removed = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[512];
		struct stat st;
		long pid = owner_pid(e->d_name, prefix);

		if (!pid || pid == (long)getpid())
			continue;
		/* Alive, or not ours to judge (EPERM means it runs as someone else). */
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), TMP "/%s", e->d_name);
		if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
			continue;
		/* FTW_PHYS: symlinks inside are removed, never followed. */
		if (nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}
