/* kmod.h: the KVM vendor module (kvm_intel, kvm_amd) loaded with a paging
 * setting, unloaded, and put back as found. Below --switch-mode
 * (modeswitch.h) and the restore guardian (guardian.h), which both use it. */
#ifndef VB_KMOD_H
#define VB_KMOD_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/modes.h"

/* "kvm_intel" or "kvm_amd", and its paging parameter, "ept" or "npt". */
const char *vb_kmod_name(enum vb_kvm_flavour f);
const char *vb_kmod_param(enum vb_kvm_flavour f);

/* What holds KVM (VMs by process), for a refusal's message, into buf. */
void vb_kmod_holders(char *buf, size_t len);

/* $VBENCH_MODPROBE, the test double that stands in for every module
 * operation, or NULL. */
const char *vb_kmod_double(void);

/* Unload the module of flavour f (refused while something holds it), or load
 * it with its paging parameter at value ("0" or "1"), by modprobe, from
 * $VBENCH_KMOD_DIR, or through the double. 0, or -1 with err filled. */
int vb_kmod_unload(enum vb_kvm_flavour f, char *err, size_t errlen);
int vb_kmod_load(enum vb_kvm_flavour f, const char *value, char *err, size_t errlen);

/* The restore guardian's half: once the module of flavour f has no users
 * (waiting up to 10 s; still in use then, it is left alone: -1),
 * reload it with its paging parameter at orig ("0" or
 * "1") unless it already has that value. 0 on success, -1 with err filled. */
int vb_kmod_put_back(enum vb_kvm_flavour f, const char *orig, char *err, size_t errlen);

/* After a failed put-back: what the host is left with and the command that
 * puts the module of flavour f back with its paging parameter at orig, as
 * "the host is left with kvm_amd npt=N: put it back with: ..." in buf. */
void vb_kmod_left(enum vb_kvm_flavour f, const char *orig, char *buf, size_t len);

/* Holders of the vendor module (open /dev/kvm, VMs): its refcnt under root
 * (NULL: vb_sysfs_root()), or -1 when unreadable. */
int vb_kvm_module_users(const char *root, enum vb_kvm_flavour f);

#endif
