/* guestenv.h: what a guest can see of the machine it runs on, printed by
 * `vbench-guest env`: the hypervisor's CPUID signature, DMI vendor and
 * product, kernel, page sizes and whether a (virtual) PMU counts. */
#ifndef VB_GUESTENV_H
#define VB_GUESTENV_H

#include <jansson.h>

/* A new object {"type":"env", "hypervisor", "dmi_vendor", "dmi_product",
 * "kernel", "cpu", "page_sizes", "thp", "vpmu", "vpmu_reason"}; strings the
 * machine does not give are null. Never NULL except out of memory. */
json_t *vb_guestenv_read(void);

#endif
