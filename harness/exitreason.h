/* exitreason.h: KVM's exit reasons by name, as kvm:kvm_exit reports them:
 * the VMX table (isa 1, basic exit reason) and the SVM table (isa 2, the
 * VMCB exit code), with the reasons vbench counts one by one and the kind
 * each belongs to (a shadow paging cost, a SLAT cost, or other). */
#ifndef VB_EXITREASON_H
#define VB_EXITREASON_H

#include <stddef.h>
#include <stdint.h>

/* kvm_exit's isa field: KVM_ISA_VMX 1, KVM_ISA_SVM 2. */
enum vb_exit_isa { VB_ISA_NONE = 0, VB_ISA_VMX = 1, VB_ISA_SVM = 2 };

enum vb_exit_kind {
	VB_EXIT_KIND_SHADOW,	/* what shadow paging traps: #PF, CR3 writes, INVLPG */
	VB_EXIT_KIND_SLAT,	/* what SLAT traps: EPT violations/misconfigs, NPF */
	VB_EXIT_KIND_OTHER,
	VB_EXIT_KIND_COUNT
};

/* "vmx", "svm" or "none". */
const char *vb_exit_isa_name(enum vb_exit_isa isa);

/* The name KVM prints for code under isa ("EPT_VIOLATION", "npf", "PF excp"),
 * or "vmx_<n>" / "svm_0x<n>" for one outside the table, written into buf. */
const char *vb_exit_reason_name(enum vb_exit_isa isa, uint32_t code, char *buf, size_t len);

/* "shadow", "slat" or "other". */
const char *vb_exit_kind_name(enum vb_exit_kind k);
enum vb_exit_kind vb_exit_reason_kind(enum vb_exit_isa isa, uint32_t code);

/* The reasons counted one by one (each through a filtered counter) under
 * isa; *n gets their number. The rest of kvm_exit's count is "other". */
const uint32_t *vb_exit_reasons_tracked(enum vb_exit_isa isa, int *n);

#endif
