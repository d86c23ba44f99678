/* modeswitch.h: reach a paging mode by reloading kvm_intel/kvm_amd with
 * ept=/npt= flipped (--switch-mode), and put the original setting back
 * afterwards, at exit and on SIGINT/SIGTERM too. */
#ifndef VB_MODESWITCH_H
#define VB_MODESWITCH_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/modes.h"

/* Reload the vendor module of st so that the host runs mode m (shadow, ept,
 * npt or tdp). Refuses (-1, err says why) when not root, on PVM or without
 * KVM, or while something else holds KVM (another VM). The first switch
 * records the original setting and installs the restore hooks. The module is
 * loaded with modprobe, or with finit_module from $VBENCH_KMOD_DIR (a folder
 * holding kvm-intel.ko / kvm-amd.ko, possibly compressed) when that is set.
 * $VBENCH_MODPROBE (tests) names a command that stands in for every module
 * operation: "CMD -r kvm_amd" to unload, "CMD kvm_amd npt=0" to load.
 * On success *st is detected afresh. */
int vb_modeswitch_to(struct vb_kvm_state *st, enum vb_mode m, char *err, size_t errlen);

/* Reload with the original setting if a switch happened; 0 when nothing to do. */
int vb_modeswitch_restore(char *err, size_t errlen);

#endif
