/* clock.h: the one monotonic clock vbench reads outside timed regions
 * (deadlines, timeouts, elapsed time of a row). */
#ifndef VB_CLOCK_H
#define VB_CLOCK_H

/* Seconds of CLOCK_MONOTONIC. */
double vb_now_s(void);

#endif
