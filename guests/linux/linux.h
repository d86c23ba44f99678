/* linux.h: --guest linux: plan points run by vbench-guest inside a Debian
 * kernel under QEMU, several points per boot when they share a host backing. */
#ifndef VB_LINUX_H
#define VB_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "harness/point.h"

/* Where the image is: $VBENCH_LINUX_KERNEL / $VBENCH_LINUX_INITRD, else
 * <dir>/linux/vmlinuz and <dir>/linux/initramfs.cpio.gz next to vbench. */
int vb_linux_image(char *kernel, size_t klen, char *initrd, size_t ilen, char *err, size_t errlen);

/* Guest RAM for a point: the kernel's share plus its footprint in the
 * guest's page size (and the guest hugetlb pool it needs). */
unsigned long vb_linux_ram_mb(const struct vb_point *pt, bool hugetlb);

/* Points that can share one boot: same host backing (QEMU's RAM) and mode,
 * and all or none with 1G guest pages (that pool lasts the whole boot). */
bool vb_linux_batchable(const struct vb_point *a, const struct vb_point *b);

/* Run n points in one guest boot; rows[i] gets point i's result. Returns how
 * many leading rows got a status (n, unless the guest died in a bench: then
 * the points after it were never reached and want another boot), or -1 only
 * for errors that must stop the run. A boot that fails before any bench
 * fails every row, with the reason. When *opts->interrupted gets set, QEMU
 * is killed at once and the point under way fails as "interrupted". */
int vb_linux_run_batch(const struct vb_point *const *pts, json_t *const *rows, size_t n,
		       const struct vb_run_opts *opts);

/* The init's plan text for a batch, as the guest reads it from fw_cfg: per
 * point its 2M pool (0 to empty it), the 1G pool when it uses one (never
 * below the boot's reservation), then its "run" line. Arguments with blanks or control characters
 * are refused. Returns a malloc'd string or NULL with err. */
char *vb_linux_plan_text(const struct vb_point *const *pts, size_t n,
			 const struct vb_run_opts *opts, char *err, size_t errlen);

#endif
