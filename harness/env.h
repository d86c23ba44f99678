/* env.h: what this host is (CPU, KVM, THP, hugepages, PMU, topology) and
 * what it can run now, as the `host` record of run.json and `vbench env`. */
#ifndef VB_ENV_H
#define VB_ENV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The host record of docs/result-schema.md. /sys and /dev are read under
 * vb_sysfs_root(), so tests can use fake trees. Caller owns the reference;
 * NULL only when out of memory. */
json_t *vb_env_capture(void);

/* The test settings set now (VBENCH_SYSFS_ROOT, VBENCH_KMOD_DIR,
 * VBENCH_MODPROBE, VBENCH_GUEST, VBENCH_CPUINFO): an object name -> value, or with
 * names_only an array of their names; NULL when none is set. Caller owns it. */
json_t *vb_env_test_settings(bool names_only);

/* The bracketed choice of a sysfs choice file: "always [madvise] never" ->
 * "madvise". Returns -1 when there is none. */
int vb_env_bracketed(const char *line, char *out, size_t len);

/* The host record as aligned "key: value" lines, by section. */
void vb_env_print(FILE *f, const json_t *host);

#endif
