/* baseline.c: named baselines under results/baselines/NAME/, each an ordinary
 * run folder written aside and renamed into place, so a baseline is whole or absent. */
#include "analysis/baseline.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/runfile.h"
#include "lib/error.h"
#include "lib/escape.h"

#define NAME_MAX_LEN 64

int vb_baseline_path(const char *dir, const char *name, char *buf, size_t len,
		     char *err, size_t errlen)
{
	size_t n = strlen(name);
	char shown[96];
	int w;

	if (n == 0 || n > NAME_MAX_LEN || name[0] == '.' ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n)
		return vb_errf(err, errlen, "bad baseline name '%s': use 1 to %d letters, "
			       "digits, '.', '_' or '-', not starting with '.'",
			       vb_escape_ctrl(name, shown, sizeof(shown)), NAME_MAX_LEN);
	w = snprintf(buf, len, "%s/%s", dir, name);
	if (w < 0 || (size_t)w >= len)
		return vb_errf(err, errlen, "%s: path too long", dir);
	return 0;
}

/* mkdir -p, for the baselines folder and its parents. */
static int mkdir_p(const char *path, char *err, size_t errlen)
{
	char tmp[4096];
	size_t n = strlen(path);

	if (n >= sizeof(tmp))
		return vb_errf(err, errlen, "%s: path too long", path);
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return vb_errf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		return vb_errf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int rm_tree(const char *path)
{
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write run as tmp/run.json, durably: the rename that publishes the folder
 * must not publish an empty file after a crash. */
static int write_run(json_t *run, const char *tmp, char *err, size_t errlen)
{
	char path[4400];
	int fd;

	snprintf(path, sizeof(path), "%s/run.json", tmp);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return vb_errf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	if (json_dumpfd(run, fd, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) ||
	    write(fd, "\n", 1) != 1 || fsync(fd)) {
		int e = errno;

		close(fd);
		return vb_errf(err, errlen, "cannot write %s: %s", path, strerror(e));
	}
	close(fd);
	return 0;
}

int vb_baseline_save(const char *run_path, const char *dir, const char *name, bool force,
		     char *err, size_t errlen)
{
	char dest[4096], tmp[4200], old[4200], why[1024];
	json_t *run;
	struct stat st;
	int rc = -1;

	if (vb_baseline_path(dir, name, dest, sizeof(dest), err, errlen))
		return -1;
	run = vb_run_load(run_path, why, sizeof(why));
	if (!run)
		return vb_errf(err, errlen, "%s", why);
	if (lstat(dest, &st) == 0 && !force) {
		vb_errf(err, errlen, "baseline '%s' exists (%s): remove it with 'vbench baseline "
			"rm %s' or replace it with --force", name, dest, name);
		goto out;
	}
	if (mkdir_p(dir, err, errlen))
		goto out;
	snprintf(tmp, sizeof(tmp), "%s/.%s.new.%d", dir, name, (int)getpid());
	snprintf(old, sizeof(old), "%s/.%s.old.%d", dir, name, (int)getpid());
	if (mkdir(tmp, 0755)) {
		vb_errf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (write_run(run, tmp, err, errlen))
		goto drop;
	if (lstat(dest, &st) == 0 && rename(dest, old)) {
		vb_errf(err, errlen, "cannot move the old %s aside: %s", dest, strerror(errno));
		goto drop;
	}
	if (rename(tmp, dest)) {
		vb_errf(err, errlen, "cannot rename %s to %s: %s", tmp, dest, strerror(errno));
		rename(old, dest);
		goto drop;
	}
	rm_tree(old);
	rc = 0;
	goto out;
drop:
	rm_tree(tmp);
out:
	json_decref(run);
	return rc;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "name")),
		      json_string_value(json_object_get(*(json_t *const *)b, "name")));
}

static json_t *describe(const char *dir, const char *name)
{
	char path[4400], err[512];
	json_t *o = json_pack("{s:s}", "name", name), *run;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	run = vb_run_load(path, err, sizeof(err));
	if (!run) {
		json_object_set_new(o, "error", json_string(err));
		return o;
	}
	json_object_set(o, "id", json_object_get(run, "id"));
	json_object_set(o, "started", json_object_get(run, "started"));
	json_object_set(o, "hostname", json_object_get(json_object_get(run, "host"), "hostname"));
	json_object_set_new(o, "rows",
			    json_integer((json_int_t)json_array_size(vb_run_results(run))));
	json_decref(run);
	return o;
}

json_t *vb_baseline_list(const char *dir, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	json_t *list = json_array();

	if (!d) {
		if (errno == ENOENT)
			return list;
		vb_errf(err, errlen, "cannot read %s: %s", dir, strerror(errno));
		json_decref(list);
		return NULL;
	}
	while ((e = readdir(d))) {
		struct stat st;

		/* Hidden entries are saves in progress (or left by a crash). */
		if (e->d_name[0] == '.' ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISDIR(st.st_mode))
			continue;
		json_array_append_new(list, describe(dir, e->d_name));
	}
	closedir(d);
	vb_json_array_sort(list, cmp_name);
	return list;
}

int vb_baseline_rm(const char *dir, const char *name, char *err, size_t errlen)
{
	char dest[4096];
	struct stat st;

	if (vb_baseline_path(dir, name, dest, sizeof(dest), err, errlen))
		return -1;
	if (lstat(dest, &st) || !S_ISDIR(st.st_mode))
		return vb_errf(err, errlen, "no baseline '%s' in %s: see 'vbench baseline list'",
			       name, dir);
	if (rm_tree(dest))
		return vb_errf(err, errlen, "cannot remove %s: %s", dest, strerror(errno));
	return 0;
}
