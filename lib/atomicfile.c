/* atomicfile.c: files written by temporary name + rename through openat, so
 * a symbolic link planted in a run folder is refused, never written through. */
#include "lib/atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/error.h"

int vb_dir_open(const char *dir, char *err, size_t errlen)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return vb_errf(err, errlen, "%s: %s", dir, strerror(errno));
	return fd;
}

int vb_dir_make(const char *dir, char *err, size_t errlen)
{
	char path[4096];
	struct stat st;
	size_t len = strlen(dir);

	if (!len || len >= sizeof(path))
		return vb_errf(err, errlen, "'%.64s': not a folder name", dir);
	memcpy(path, dir, len + 1);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	/* Each missing parent in turn, then the folder itself. */
	for (char *p = path + 1;; p++) {
		bool last = *p == '\0';

		if (!last && *p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return vb_errf(err, errlen, "%s: %s", path, strerror(errno));
		if (last)
			break;
		*p = '/';
	}
	if (lstat(path, &st) < 0)
		return vb_errf(err, errlen, "%s: %s", path, strerror(errno));
	if (S_ISLNK(st.st_mode))
		return vb_errf(err, errlen, "%s is a symbolic link: refusing to write through it "
			       "(name the folder it points to)", path);
	if (!S_ISDIR(st.st_mode))
		return vb_errf(err, errlen, "%s exists and is not a folder", path);
	if (access(path, W_OK) < 0)
		return vb_errf(err, errlen, "%s: not writable", path);
	return 0;
}

int vb_atomic_check_name(int dirfd, const char *name, char *err, size_t errlen)
{
	struct stat st;

	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return vb_errf(err, errlen, "'%s' is not a plain file name", name);
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : vb_errf(err, errlen, "%s: %s", name, strerror(errno));
	if (S_ISLNK(st.st_mode))
		return vb_errf(err, errlen, "%s is a symbolic link: refusing to write through it "
			       "(remove it, or write elsewhere with --out)", name);
	if (!S_ISREG(st.st_mode))
		return vb_errf(err, errlen, "%s exists and is not a regular file: remove it", name);
	return 0;
}

int vb_atomic_open(struct vb_atomic *a, int dirfd, const char *name, char *err, size_t errlen)
{
	static unsigned seq;
	int fd = -1, tries;

	memset(a, 0, sizeof(*a));
	a->dirfd = dirfd;
	if (strlen(name) >= sizeof(a->name))
		return vb_errf(err, errlen, "%s: name too long", name);
	if (vb_atomic_check_name(dirfd, name, err, errlen))
		return -1;
	snprintf(a->name, sizeof(a->name), "%s", name);
	/* A name taken by a dead run's leftover (or a planted link) is skipped, never opened. */
	for (tries = 0; tries < 100 && fd < 0; tries++) {
		snprintf(a->tmp, sizeof(a->tmp), ".%s.tmp.%d.%u", name, (int)getpid(), seq++);
		fd = openat(dirfd, a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0644);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0)
		return vb_errf(err, errlen, "cannot create %s: %s", a->tmp, strerror(errno));
	a->f = fdopen(fd, "w");
	if (!a->f) {
		int e = errno;

		close(fd);
		unlinkat(dirfd, a->tmp, 0);
		return vb_errf(err, errlen, "%s: %s", a->tmp, strerror(e));
	}
	return 0;
}

void vb_atomic_abort(struct vb_atomic *a)
{
	if (!a->f)
		return;
	fclose(a->f);
	unlinkat(a->dirfd, a->tmp, 0);
	a->f = NULL;
}

int vb_atomic_commit(struct vb_atomic *a, char *err, size_t errlen)
{
	int bad = ferror(a->f) | fflush(a->f) | fsync(fileno(a->f)), e = errno;

	if (fclose(a->f) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	a->f = NULL;
	if (bad) {
		unlinkat(a->dirfd, a->tmp, 0);
		return vb_errf(err, errlen, "cannot write %s: %s", a->name, strerror(e));
	}
	/* Checked again: a link may have appeared while we wrote. rename
	 * replaces a link rather than following it, so this is for the message. */
	if (vb_atomic_check_name(a->dirfd, a->name, err, errlen)) {
		unlinkat(a->dirfd, a->tmp, 0);
		return -1;
	}
	if (renameat(a->dirfd, a->tmp, a->dirfd, a->name) < 0) {
		e = errno;
		unlinkat(a->dirfd, a->tmp, 0);
		return vb_errf(err, errlen, "cannot rename %s to %s: %s", a->tmp, a->name,
			       strerror(e));
	}
	/* The rename itself must reach the disk. */
	fsync(a->dirfd);
	return 0;
}

int vb_atomic_move(int from_dirfd, const char *name, int to_dirfd, char *err, size_t errlen)
{
	if (vb_atomic_check_name(to_dirfd, name, err, errlen))
		return -1;
	if (renameat(from_dirfd, name, to_dirfd, name) < 0)
		return vb_errf(err, errlen, "cannot move %s into place: %s", name, strerror(errno));
	return 0;
}
