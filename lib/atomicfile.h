/* atomicfile.h: write a file into a folder without ever following a link
 * someone left there: a new temporary name created with O_EXCL|O_NOFOLLOW
 * through openat, then renamed over the final name. */
#ifndef VB_ATOMICFILE_H
#define VB_ATOMICFILE_H

#include <stdio.h>
#include <stddef.h>

struct vb_atomic {
	int dirfd;		/* the folder (not owned) */
	char name[256];		/* final name, one path component */
	char tmp[300];		/* ".<name>.tmp.<pid>.<n>" while open */
	FILE *f;		/* write here between open and commit */
};

/*
 * Open a folder for writing into: O_DIRECTORY|O_CLOEXEC, following the path
 * the user gave. Returns the fd or -1 with err set.
 */
int vb_dir_open(const char *dir, char *err, size_t errlen);

/*
 * Make the folder an --out names, with its missing parents (mode 0755), and
 * check it: a folder, writable, and not a symbolic link itself (writing goes
 * into the folder named, never through a link). 0 when it is ready, -1 with
 * err naming what is wrong.
 */
int vb_dir_make(const char *dir, char *err, size_t errlen);

/*
 * Start writing name (one path component, no '/') inside dirfd. Refuses a
 * name that exists as a symbolic link or as anything but a regular file, so a
 * crafted folder is reported instead of silently changed. The temporary file
 * is created with O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC, mode 0644 (umask
 * applies). Returns 0 with a->f open, or -1 with err set and nothing left.
 */
int vb_atomic_open(struct vb_atomic *a, int dirfd, const char *name, char *err, size_t errlen);

/* Flush, fsync and close a->f, then rename the temporary file over the final
 * name (a link there is replaced, never followed). Returns 0, or -1 with err
 * set and the temporary file removed. */
int vb_atomic_commit(struct vb_atomic *a, char *err, size_t errlen);

/* Close and remove the temporary file (after an error while writing). */
void vb_atomic_abort(struct vb_atomic *a);

/* 0 when name may be (re)placed in dirfd: absent, or a regular file; -1
 * with err naming the link or odd file otherwise. */
int vb_atomic_check_name(int dirfd, const char *name, char *err, size_t errlen);

/* Rename name from one folder to another under the same refusal rules. */
int vb_atomic_move(int from_dirfd, const char *name, int to_dirfd, char *err, size_t errlen);

#endif
