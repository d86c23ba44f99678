/* build.h: the build workload's job, run as its own process: vbench-guest's
 * hidden `__build-job` subcommand, so the job exists in every guest that has
 * vbench-guest. */
#ifndef VB_BUILD_H
#define VB_BUILD_H

/* The subcommand's word in vbench-guest's argv[1]. */
#define VB_BUILD_JOB_CMD "__build-job"

/* Run one job: argv is { VB_BUILD_JOB_CMD, HEAP_BYTES, PAGES, HUGETLB (0|1),
 * SEED, [verify] }. Maps the heap with that page size, writes it through,
 * does random read-modify-writes over it and unmaps it. With `verify`, prints
 * one line "pages SIZE BYTES_4K BYTES_2M BYTES_1G RSS" (or "error ERRNO
 * WHY") on stdout. Returns the process's exit status: 0, 2 for bad
 * arguments, 3 when the heap could not be had. */
int vb_build_job(int argc, char **argv);

#endif
