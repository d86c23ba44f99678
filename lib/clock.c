/* clock.c: CLOCK_MONOTONIC as seconds, for deadlines and elapsed times. */
#include "lib/clock.h"

#include <time.h>

double vb_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
