/* fds.h: file descriptors vbench inherited must not reach the programs it
 * starts (gnuplot, QEMU, benches, modprobe). */
#ifndef VB_FDS_H
#define VB_FDS_H

/* Mark every descriptor from `from` upwards close-on-exec: close_range's
 * CLOSE_RANGE_CLOEXEC, else each fd listed in /proc/self/fd. Returns 0, or
 * -1 when neither way worked (nothing else is changed). */
int vb_fds_cloexec_from(int from);

#endif
