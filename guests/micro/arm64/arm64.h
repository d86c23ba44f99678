/* arm64.h: what the arm64 micro guest adds to guest.h's layout and mailbox:
 * the exit page, the stage-1 descriptor bits (4K granule) and the system
 * register values the VMM sets (arm64/vcpu.c) and the guest (arm64/guest.S)
 * relies on. */
#ifndef VB_MICRO_ARM64_H
#define VB_MICRO_ARM64_H

/* Exits: a write to this page, which no memory slot backs, is a stage-2
 * fault that KVM hands to the VMM as KVM_EXIT_MMIO. Just under 1G, so that
 * its table sits beside the system slot's; the slot must end below it. */
#define VB_G_MMIO		0x3ffff000
#define VB_G_MMIO_DONE		(VB_G_MMIO + 0x00)	/* a pass ended */
#define VB_G_MMIO_EXC		(VB_G_MMIO + 0x08)	/* an exception, in the mailbox */
#define VB_G_MMIO_NOP		(VB_G_MMIO + 0x10)	/* an exit for its own sake */

/* Stage-1 descriptors, 4K granule, 48-bit VA: levels 0-3 index 9 bits each,
 * as x86's PML4, PDPT, PD and PT. */
#define VB_A64_VALID		0x001ULL
#define VB_A64_TABLE		0x002ULL	/* levels 0-2: a table; level 3: a page */
#define VB_A64_ATTR(i)		((unsigned long long)(i) << 2)	/* MAIR_EL1 index */
#define VB_A64_AP_EL0		0x040ULL	/* AP[1]: EL0 may access */
#define VB_A64_AP_RO		0x080ULL	/* AP[2]: read-only */
#define VB_A64_SH_INNER		0x300ULL
#define VB_A64_AF		0x400ULL	/* access flag: clear would fault */
#define VB_A64_NG		0x800ULL	/* not global: tagged with the ASID */
#define VB_A64_ADDR		0x0000fffffffff000ULL

/* MAIR_EL1: index 0 normal write-back memory, 1 Device-nGnRE. */
#define VB_A64_MAIR		0x04ffULL
/* TCR_EL1: T0SZ 16 (48-bit VA), TTBR0 walks write-back cacheable inner
 * shareable, 4K granule, TTBR1 walks off (EPD1), IPS 40-bit (KVM's default
 * IPA size); the ASID from TTBR0 (A1 clear). VB_A64_TCR_AS16: 16-bit ASIDs,
 * set where ID_AA64MMFR0_EL1 offers them. */
#define VB_A64_TCR		(16ULL | (1ULL << 8) | (1ULL << 10) | (3ULL << 12) | \
				 (1ULL << 23) | (2ULL << 32))
#define VB_A64_TCR_AS16		(1ULL << 36)
#define VB_A64_ASID_SHIFT	48	/* TTBR0_EL1's ASID field */
/* SCTLR_EL1 bits the VMM sets over the reset value: M (MMU), C, I (caches). */
#define VB_A64_SCTLR_ON		((1ULL << 0) | (1ULL << 2) | (1ULL << 12))
/* PSTATE: EL1 on SP_EL1, D, A, I and F masked. */
#define VB_A64_PSTATE_EL1H	0x3c5ULL

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Offset in the blob of the exception vector table (VBAR_EL1, 2K aligned). */
extern const uint64_t vb_guest_vbar_off;
#endif

#endif
