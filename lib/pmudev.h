/* pmudev.h: the core PMU's device in sysfs, found the way perf finds it. */
#ifndef VB_PMUDEV_H
#define VB_PMUDEV_H

#include <stdbool.h>
#include <stddef.h>

/* The core PMU among <root>/sys/bus/event_source/devices ("" is the real
 * tree), by perf's rule for a core PMU: "cpu" (x86, most others), else
 * "cpu_core" (hybrid Intel), else the first device by name with a "cpus"
 * file, which the kernel gives each core-type PMU of arm64 (armv8_pmuv3_0,
 * armv8_cortex_a72, armv8_neoverse_n1, ...) and no uncore PMU. name gets the
 * device's name; type (may be NULL) its "type" file, the perf_event_attr
 * type of events on that device itself, or -1 when unreadable. False when
 * there is none. */
bool vb_core_pmu_find(const char *root, char *name, size_t len, int *type);

#endif
