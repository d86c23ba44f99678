/* modes.h: the memory virtualization modes, and which one the host's KVM is
 * in, read from /sys/module (never guessed). The root is overridable so tests
 * can point it at fake trees. */
#ifndef VB_MODES_H
#define VB_MODES_H

#include <stdbool.h>
#include <stddef.h>

/* VB_MODE_STAGE2: arm64's SLAT (KVM/arm64 always translates in two stages). */
enum vb_mode {
	VB_MODE_NATIVE,
	VB_MODE_SHADOW,
	VB_MODE_EPT,
	VB_MODE_NPT,
	VB_MODE_TDP,
	VB_MODE_STAGE2,
	VB_MODE_COUNT
};

/* VB_KVM_ARM: KVM/arm64, built into the kernel (no vendor module). */
enum vb_kvm_flavour { VB_KVM_NONE, VB_KVM_INTEL, VB_KVM_AMD, VB_KVM_PVM, VB_KVM_ARM };

struct vb_kvm_state {
	bool arm64;			/* the host is arm64: SLAT is stage2, there is no shadow */
	bool dev_kvm;			/* <root>/dev/kvm exists */
	enum vb_kvm_flavour flavour;
	/* VB_MODE_EPT, VB_MODE_NPT, VB_MODE_SHADOW or VB_MODE_STAGE2; NATIVE when no KVM */
	enum vb_mode paging;
	/* Module parameters as read ("Y", "N", "1", ...); "" when absent. */
	char ept[8], npt[8], tdp_mmu[8], nx_huge_pages[8];
	char reason[256];		/* why there is no usable KVM, when flavour is NONE */
};

/* Root of the tree read: $VBENCH_SYSFS_ROOT, else "" (the real /). */
const char *vb_sysfs_root(void);

/* The machine KVM runs on, as uname says ("x86_64", "aarch64"), or what
 * $VBENCH_MACHINE says (a test setting: tests of the arm64 path on x86). */
const char *vb_host_machine(void);

int vb_mode_parse(const char *s, enum vb_mode *out);
const char *vb_mode_name(enum vb_mode m);
/* "kvm_intel", "kvm_amd", "pvm", "kvm_arm", "none" */
const char *vb_kvm_flavour_name(enum vb_kvm_flavour f);
/* Comma list of modes; error names the bad word and the known ones. Returns count. */
int vb_mode_list_parse(const char *s, enum vb_mode *out, int max, char *err, size_t errlen);

/* Read the KVM flavour and its paging mode under root ("" for the real host). */
int vb_kvm_detect(const char *root, struct vb_kvm_state *out);
/* Can the host, as detected, run this mode now? If not, reason says why and
 * what would change it (e.g. "kvm_intel has ept=N: reload with ept=1 or use --switch-mode"). */
bool vb_mode_available(const struct vb_kvm_state *st, enum vb_mode m, char *reason, size_t len);
/* Available now, or reachable by reloading kvm_intel/kvm_amd when switch_mode
 * (--switch-mode) allows it: what planning asks. reason as above when not. */
bool vb_mode_reachable(const struct vb_kvm_state *st, enum vb_mode m, bool switch_mode,
		       char *reason, size_t len);

/* A KVM statistic that is a level (pages_*, max_*, mmu_unsync, ...), not a
 * count: by KVM's names, for when no descriptor says. */
bool vb_kvm_stat_is_level(const char *name);

#endif
