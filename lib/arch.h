/* arch.h: what differs between the CPU architectures vbench runs on, one file
 * each (lib/arch-x86_64.c, lib/arch-arm64.c): the Makefile builds the one of
 * ARCH, so no other file asks which CPU it is compiled for. */
#ifndef VB_ARCH_H
#define VB_ARCH_H

#include <stdbool.h>

/* The CPU's own identification. On x86 from CPUID; on arm64 from MIDR_EL1 as
 * the kernel shows it in sysfs. Fields unknown here are "" or -1. */
struct vb_arch_cpu {
	char vendor[64];	/* "GenuineIntel", "AuthenticAMD"; arm64: the implementer ("ARM") */
	char model_name[128];	/* the brand string; arm64: the core ("Neoverse-N1") */
	int family;		/* CPUID's family; arm64: -1 */
	int model;		/* CPUID's model; arm64: MIDR_EL1's part number */
	int stepping;		/* CPUID's stepping; arm64: MIDR_EL1's revision */
};

/* "x86_64" or "arm64": the architecture this binary was built for. */
const char *vb_arch_name(void);

/* Fills c. root prefixes the sysfs paths read (tests point it at a fake
 * tree; "" is the real one). Never fails: what cannot be read stays unknown. */
void vb_arch_cpu(const char *root, struct vb_arch_cpu *c);

/* Whether the CPU says a hypervisor runs under us; sig gets its signature
 * ("KVMKVMKVM", "Microsoft Hv", ...), "" when none or when the architecture
 * has no such signature (arm64: returns false). */
bool vb_arch_hypervisor(char sig[13]);

/* What 1G hugetlb pages need on this architecture, for a reason that says
 * why the kernel offers none: "the pdpe1gb CPU flag", "the 4K granule ...". */
const char *vb_arch_gigantic_need(void);

/* The core PMU's device as perf names it on this architecture, for a reason
 * that says it is missing: x86 "/sys/bus/event_source/devices/cpu"; arm64
 * armv8_pmuv3_0 or a core type's (lib/pmudev.h finds it on either). */
const char *vb_arch_core_pmu_what(void);

#endif
