/* boot.h: one boot of the Linux guest, shared by the files that run it:
 * linux.c (orchestration), protocol.c (the report channel's state machine)
 * and console.c (what is kept when a boot fails). Not for outside guests/linux/. */
#ifndef VB_LINUX_BOOT_H
#define VB_LINUX_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#include "guests/linux/qemu.h"
#include "guests/linux/qmp.h"
#include "harness/point.h"
#include "harness/pmu.h"

#define BETWEEN_TIMEOUT_S 60.0		/* from one bench's end to the next one's start */
#define POWEROFF_TIMEOUT_S 30.0
#define GARBAGE_MAX (1 << 20)		/* bytes of non-protocol output before we give up */
#define REPORT_TAIL_LINES 40
#define EXIT_GRACE_S 5.0 /* a QEMU that closed its report channel has to end by itself */

enum stage { ST_BOOT, ST_BETWEEN, ST_ITEM, ST_DONE };

extern const char *const vb_linux_stage_names[];

struct item {
	int results;
	bool finished;
	char bad[512];		/* first malformed line */
	json_t *stats_before;
};

struct boot {
	const struct vb_point *const *pts;
	json_t *const *rows;
	size_t n;
	const struct vb_run_opts *o;
	struct item *items;
	enum vb_accel accel;
	uint64_t ram_bytes;
	pid_t pid;
	int to_guest;			/* QEMU's stdin: the report channel's way back
					 * to the guest's init (a socket), or -1 */
	enum stage stage;
	size_t cur;
	double deadline;
	size_t garbage;
	char fail[512];			/* why the boot ended early */
	size_t decided;			/* rows with an outcome; the rest were never reached */
	struct vb_qmp qmp;
	bool qmp_ok;
	char kvm_err[256];		/* why there are no KVM stats */
	json_t *kvm_types;		/* KVM stat name -> type, from QEMU; NULL: by name */
	bool kvm_types_tried;
	bool interrupted;		/* Ctrl-C: QEMU killed, the point not finished */
	char *report[REPORT_TAIL_LINES];	/* last lines of the report channel */
	int report_next;
	struct vb_counters vcpu;	/* PMU counters on QEMU's vCPU threads */
	bool vcpu_open;
	struct vb_trace *tr;		/* KVM's tracepoints on the vCPU threads, or NULL */
};

/* The guest's 1G pool for a batch, reserved on the kernel command line: the
 * largest any point needs. */
long vb_linux_boot_pool_1g(const struct vb_point *const *pts, size_t n);

/* The boot's first failure, kept (later ones are consequences). */
__attribute__((format(printf, 2, 3)))
void vb_linux_boot_fail(struct boot *b, const char *fmt, ...);

/* Read the report channel fd until QEMU exits, a stage's deadline passes or
 * the run is interrupted; rows get their results as items end. */
void vb_linux_boot_loop(struct boot *b, int fd, double boot_timeout);

/* Ctrl-C (or SIGTERM) seen by the run command. */
bool vb_linux_stop_asked(const struct boot *b);

/* <run_dir>/console/<bench>-<mode>-<pages>.log with QEMU's stderr, the last
 * report lines and the console's last 64 KiB; name gets its path within the
 * run folder ("" when none was written). */
void vb_linux_save_console(struct boot *b, size_t idx, const char *console, const char *qemu_err,
			   char *name, size_t namelen);

/* "exit 3", "killed by signal 9": a wait status in words. */
void vb_linux_describe_exit(int status, char *buf, size_t len);

#endif
