/* guardian.h: one process, forked before a run changes anything on the host,
 * that puts back what the run changed (the KVM vendor module's ept=/npt=,
 * hugetlb pools grown by --reserve-hugepages, tracefs mounted for --trace) whenever and however vbench ends:
 * a normal exit, vb_die, a signal, SIGKILL or the OOM killer. */
#ifndef VB_GUARDIAN_H
#define VB_GUARDIAN_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/modes.h"

/* Fork the guardian. Call it before the first change to the host and before
 * any thread starts. It sits in its own session (Ctrl-C and a hangup do not
 * reach it) and waits on a pipe; when the pipe closes (vbench ended, by any
 * means) it restores what it was told, then exits. 0 on success (also when
 * already started), -1 with err filled. */
int vb_guardian_start(char *err, size_t errlen);

/* True once vb_guardian_start succeeded and vb_guardian_finish has not run. */
bool vb_guardian_active(void);

/* Tell the guardian, before reloading, that the module of flavour f was
 * found with its paging parameter at orig ("0" or "1"): after vbench ends, it
 * reloads the module with that value unless the module already has it. */
void vb_guardian_note_module(enum vb_kvm_flavour f, const char *orig);

/* Tell the guardian the module is back as found: nothing to restore. */
void vb_guardian_clear_module(void);

/* Tell the guardian, before mounting, that vbench mounts a filesystem at
 * path (tracefs, found absent): when vbench ends it unmounts path. NULL: the
 * mount did not happen or is undone, nothing to unmount. */
void vb_guardian_note_mount(const char *path);

/* Grow the pool of page_bytes pages until `need` are free, telling the
 * guardian beforehand how many pages this run adds, and afterwards how many
 * it did add. When vbench ends the guardian shrinks the pool by exactly that
 * many pages (a delta, so that concurrent runs do not undo each other), and
 * not below zero. Returns 0 when `need` pages are free, -1 with err filled. */
int vb_guardian_grow_pool(size_t page_bytes, long need, char *err, size_t errlen);

/* End of the run: close the pipe and wait for the guardian to restore what
 * is still pending. Returns 0 when it restored everything (or had nothing to
 * do), -1 when it reported a failure (it printed why on stderr). Also run
 * from atexit, so that vb_die and exit() restore before the exit status is seen. */
int vb_guardian_finish(void);

#endif
