/* slat.h: the host's second-level address translation features, as the
 * `slat` object of run.json's host and `vbench env`: the CPU's VMX or SVM
 * feature flags (/proc/cpuinfo), the vendor module's parameters, EPT's
 * capabilities from IA32_VMX_EPT_VPID_CAP (the msr driver) and GMET from
 * CPUID 0x8000000A, each with why when it cannot be read. */
#ifndef VB_SLAT_H
#define VB_SLAT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "harness/point.h"
#include "harness/modes.h"

/* The slat object for a host of flavour st: {isa, flags [..] | null,
 * module {name, params {..}}, kvm_params {..}, ept_vpid_cap {value, ept_2m,
 * ept_1gb, ept_ad, ept_5level} | {why}, gmet true|false|null, ept_1gb
 * true|false|null}. /proc/cpuinfo is $VBENCH_CPUINFO when set (tests), /sys
 * and /dev are under vb_sysfs_root(). A new reference. */
json_t *vb_slat_capture(const struct vb_kvm_state *st);

/* The planner's question: can this host give point pt what it asks? A 1G
 * host page under EPT needs ept_1gb. false with why filled when it cannot;
 * true when it can, the host does not say, or st is NULL. */
bool vb_slat_point_ok(const struct vb_point *pt, const struct vb_kvm_state *st, char *why,
		      size_t len);

#endif
