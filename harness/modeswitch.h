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
 * On success *st is detected afresh. */
int vb_modeswitch_to(struct vb_kvm_state *st, enum vb_mode m, char *err, size_t errlen);

/* Reload with the original setting if a switch happened; 0 when nothing to do. */
int vb_modeswitch_restore(char *err, size_t errlen);

/* Holders of the vendor module (open /dev/kvm, VMs): its refcnt under root,
 * or -1 when unreadable. */
int vb_kvm_module_users(const char *root, enum vb_kvm_flavour f);

#endif
