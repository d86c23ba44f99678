/* machine.h: which machine a run measured, for the history's series: a
 * class of machines that should measure alike, not a host name that CI
 * runners throw away. */
#ifndef VB_MACHINE_H
#define VB_MACHINE_H

#include <stddef.h>
#include <jansson.h>

/* Longest --machine NAME. */
#define VB_MACHINE_NAME_MAX 64

/*
 * Add to a host record (vb_env_capture's) "machine_class": the text of what
 * makes machines measure alike (CPU model and microcode, memory in GiB, the
 * kernel, the hypervisor, the KVM flavour and its parameters, the vbench
 * version), and "machine": name when given (--machine), else "class-" and
 * 12 hex digits of a hash of that text. The history keys its series by
 * "machine".
 */
void vb_machine_record(json_t *host, const char *name);

/* A --machine NAME: 1 to VB_MACHINE_NAME_MAX of [A-Za-z0-9_.:-]. */
int vb_machine_name_check(const char *name, char *err, size_t errlen);

#endif
