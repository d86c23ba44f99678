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

/* The restore guardian's half: once the module of flavour f has no users
 * (waiting up to 10 s; still in use then, it is left alone: -1),
 * reload it with its paging parameter at orig ("0" or
 * "1") unless it already has that value. 0 on success, -1 with err filled. */
int vb_modeswitch_put_back(enum vb_kvm_flavour f, const char *orig, char *err, size_t errlen);

/* After a failed put-back: what the host is left with and the command that
 * puts the module of flavour f back with its paging parameter at orig, as
 * "the host is left with kvm_amd npt=N: put it back with: ..." in buf. */
void vb_modeswitch_left(enum vb_kvm_flavour f, const char *orig, char *buf, size_t len);

/* Holders of the vendor module (open /dev/kvm, VMs): its refcnt under root
 * (NULL: vb_sysfs_root()), or -1 when unreadable. */
int vb_kvm_module_users(const char *root, enum vb_kvm_flavour f);

#endif
