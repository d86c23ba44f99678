/* tmpdir.h: temporary folders that say whose they are, so that the ones a
 * killed run left behind can be found and removed by the next one. */
#ifndef VB_TMPDIR_H
#define VB_TMPDIR_H

#include <stddef.h>

/* Make /tmp/<prefix>.<pid>.XXXXXX (mode 0700) and put its path in buf.
 * 0 on success, -1 with err filled. */
int vb_tmpdir_make(const char *prefix, char *buf, size_t len, char *err, size_t errlen);

/* Remove, with everything in them, the /tmp/<prefix>.<pid>.XXXXXX folders
 * of this user whose <pid> no longer runs. Folders of live processes, of
 * other users, symlinks and names of any other shape are left alone.
 * Returns how many were removed. */
int vb_tmpdir_sweep(const char *prefix);

#endif
