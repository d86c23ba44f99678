/* clock.h: the one monotonic clock vbench reads: in seconds for deadlines,
 * timeouts and a row's elapsed time, in nanoseconds for the runner's timed
 * samples and the workloads' latencies. */
#ifndef VB_CLOCK_H
#define VB_CLOCK_H

#include <stdint.h>

/* Seconds of CLOCK_MONOTONIC. */
double vb_now_s(void);

/* Nanoseconds of CLOCK_MONOTONIC. */
uint64_t vb_now_ns(void);

#endif
