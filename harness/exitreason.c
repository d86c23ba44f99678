/* exitreason.c: the names of KVM's exit reasons, as in the kernel's
 * arch/x86/include/uapi/asm/vmx.h and svm.h (VMX_EXIT_REASONS,
 * SVM_EXIT_REASONS), for the reasons a memory benchmark meets. */
#include "harness/exitreason.h"

#include <stdio.h>

struct reason {
	uint32_t code;
	const char *name;
	enum vb_exit_kind kind;
};

#define SH VB_EXIT_KIND_SHADOW
#define SL VB_EXIT_KIND_SLAT
#define OT VB_EXIT_KIND_OTHER

static const struct reason vmx[] = {
	{ 0, "EXCEPTION_NMI", SH },
	{ 1, "EXTERNAL_INTERRUPT", OT },
	{ 7, "INTERRUPT_WINDOW", OT },
	{ 10, "CPUID", OT },
	{ 12, "HLT", OT },
	{ 14, "INVLPG", SH },
	{ 18, "VMCALL", OT },
	{ 28, "CR_ACCESS", SH },
	{ 30, "IO_INSTRUCTION", OT },
	{ 31, "MSR_READ", OT },
	{ 32, "MSR_WRITE", OT },
	{ 40, "PAUSE_INSTRUCTION", OT },
	{ 48, "EPT_VIOLATION", SL },
	{ 49, "EPT_MISCONFIG", SL },
	{ 52, "PREEMPTION_TIMER", OT },
	{ 58, "INVPCID", SH },
};

static const struct reason svm[] = {
	{ 0x003, "read_cr3", SH },  { 0x010, "write_cr0", OT },    { 0x013, "write_cr3", SH },
	{ 0x014, "write_cr4", OT }, { 0x040 + 14, "PF excp", SH }, { 0x060, "interrupt", OT },
	{ 0x061, "nmi", OT },       { 0x064, "vintr", OT },        { 0x072, "cpuid", OT },
	{ 0x077, "pause", OT },     { 0x078, "hlt", OT },          { 0x079, "invlpg", SH },
	{ 0x07a, "invlpga", SH },   { 0x07b, "io", OT },           { 0x07c, "msr", OT },
	{ 0x081, "hypercall", OT }, { 0x0a2, "invpcid", SH },      { 0x400, "npf", SL },
};

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *const kinds[VB_EXIT_KIND_COUNT] = { "shadow", "slat", "other" };
_Static_assert(sizeof(kinds) / sizeof(kinds[0]) == VB_EXIT_KIND_COUNT, "exit kind names");

static uint32_t vmx_codes[N(vmx)], svm_codes[N(svm)];

static const struct reason *table(enum vb_exit_isa isa, int *n)
{
	*n = isa == VB_ISA_VMX ? N(vmx) : isa == VB_ISA_SVM ? N(svm) : 0;
	return isa == VB_ISA_VMX ? vmx : isa == VB_ISA_SVM ? svm : NULL;
}

static const struct reason *find(enum vb_exit_isa isa, uint32_t code)
{
	int n;
	const struct reason *t = table(isa, &n);

	/* VMX: the basic exit reason is the low 16 bits (bit 31: failed entry). */
	if (isa == VB_ISA_VMX)
		code &= 0xffff;
	for (int i = 0; i < n; i++)
		if (t[i].code == code)
			return &t[i];
	return NULL;
}

const char *vb_exit_isa_name(enum vb_exit_isa isa)
{
	return isa == VB_ISA_VMX ? "vmx" : isa == VB_ISA_SVM ? "svm" : "none";
}

const char *vb_exit_reason_name(enum vb_exit_isa isa, uint32_t code, char *buf, size_t len)
{
	const struct reason *r = find(isa, code);

	if (r)
		snprintf(buf, len, "%s", r->name);
	else if (isa == VB_ISA_SVM)
		snprintf(buf, len, "svm_0x%x", code);
	else
		snprintf(buf, len, "vmx_%u", code);
	return buf;
}

const char *vb_exit_kind_name(enum vb_exit_kind k)
{
	return k < VB_EXIT_KIND_COUNT ? kinds[k] : "other";
}

enum vb_exit_kind vb_exit_reason_kind(enum vb_exit_isa isa, uint32_t code)
{
	const struct reason *r = find(isa, code);

	return r ? r->kind : VB_EXIT_KIND_OTHER;
}

const uint32_t *vb_exit_reasons_tracked(enum vb_exit_isa isa, int *n)
{
	const struct reason *t = table(isa, n);
	uint32_t *codes = isa == VB_ISA_VMX ? vmx_codes : svm_codes;

	if (!t)
		return NULL;
	/* A once-initialised table: the same codes every call. */
	for (int i = 0; i < *n; i++)
		codes[i] = t[i].code;
	return codes;
}
