/* guardian.h: one process, forked before a run changes anything on the host,
 * that puts back what the run changed (the KVM vendor module's ept=/npt=,
 * hugetlb pools grown by --reserve-hugepages, tracefs mounted for --trace)
 * whenever and however vbench ends:
 * a normal exit, vb_die, a signal, SIGKILL or the OOM killer. vbench watches
 * it in turn: a guardian that dies or stops during the run is replaced at once
 * and told again all that is pending, and one that stops while restoring is
 * killed and vbench restores in its place, so it can neither be disarmed nor
 * hold vbench's exit.
 *
 * The messages, one line each, on a socket. vbench to the guardian, each sent
 * before the change it announces (write-ahead), in absolute figures:
 *   M FLAVOUR ORIG    the vendor module of FLAVOUR (enum vb_kvm_flavour: 1 kvm_intel,
 *                     2 kvm_amd) was found with its paging parameter at ORIG (0 or 1)
 *   m                 the module is back as found: nothing to do for it
 *   P BYTES ADDED     the pool of BYTES-byte hugepages holds ADDED pages this run added
 *   T PATH            vbench mounts a filesystem (tracefs) at the absolute PATH
 *   t                 that mount is undone: nothing to unmount
 * The guardian to vbench, once vbench has closed its side, as each item is handled
 * (put back or reported as failed):
 *   done M            the module
 *   done P BYTES      the pool of BYTES-byte pages
 *   done T            the mount
 * A new kind of host change takes a new leading word and a `done` reply of
 * the same word; a line that does not parse is ignored (vb_guardian_parse). */
#ifndef VB_GUARDIAN_H
#define VB_GUARDIAN_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/modes.h"

/* The most vbench's side waits for a guardian that neither ends nor stops
 * while restoring (module users draining, then a modprobe -r and a modprobe
 * of at most 60 s each): then it kills the guardian and restores itself. */
#define VB_GUARDIAN_FINISH_S 150

enum vb_guardian_kind {
	VB_GMSG_MODULE,		/* M FLAVOUR ORIG */
	VB_GMSG_MODULE_CLEAR,	/* m */
	VB_GMSG_POOL,		/* P BYTES ADDED */
	VB_GMSG_DONE_MODULE,	/* done M */
	VB_GMSG_DONE_POOL,	/* done P BYTES */
	VB_GMSG_MOUNT,		/* T PATH */
	VB_GMSG_MOUNT_CLEAR,	/* t */
	VB_GMSG_DONE_MOUNT,	/* done T */
	VB_GMSG_COUNT
};

struct vb_guardian_msg {
	enum vb_guardian_kind kind;
	enum vb_kvm_flavour flavour;	/* VB_GMSG_MODULE */
	char orig[2];			/* VB_GMSG_MODULE: "0" or "1" */
	size_t page_bytes;		/* VB_GMSG_POOL, VB_GMSG_DONE_POOL */
	long added;			/* VB_GMSG_POOL: 0 to 2^40 */
	char path[96];			/* VB_GMSG_MOUNT: absolute, printable, no spaces */
};

/* Parse one message line (without its newline) into m. 0 when it is one of
 * the messages above with every field in range, -1 otherwise (m undefined). */
int vb_guardian_parse(const char *line, struct vb_guardian_msg *m);

/* Fork the guardian. Call it before the first change to the host. It sits in
 * its own session (Ctrl-C and a hangup do not reach it) and waits on a
 * socket; when the socket closes (vbench ended, by any means) it restores
 * what it was told, then exits. A thread of vbench watches it from then on
 * and forks a new one if it dies or stops (glibc's fork resets the malloc and
 * stdio locks the guardian uses). 0 on success (also when already started),
 * -1 with err filled. */
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

/* End of the run: close vbench's side and wait for the guardian to restore
 * what is still pending, at most VB_GUARDIAN_FINISH_S seconds and not at all
 * once it is stopped (then vbench restores itself). Returns 0 when everything
 * was restored (or nothing was pending), -1 when something could not be: one
 * line per item on stderr said what the host is left with and the command
 * that puts it back. Also run from atexit: there a failure ends the process
 * with VB_EXIT_RESTORE instead of the status it was exiting with. */
int vb_guardian_finish(void);

#endif
