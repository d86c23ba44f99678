/* guest.h: the contract between the VMM (C) and the guest code (guest.S):
 * guest-physical/virtual layout, mailbox offsets, kernel ids and ports. */
#ifndef VB_MICRO_GUEST_H
#define VB_MICRO_GUEST_H

/* System slot (slot 0) at GPA 0, identity mapped with 4K leaves. */
#define VB_G_MAILBOX		0x0000	/* parameters in, results out */
#define VB_G_GDT		0x1000
#define VB_G_IDT		0x2000
#define VB_G_TSS		0x3000
#define VB_G_TSS_LIMIT		(0x68 + 8192)	/* TSS + an I/O bitmap for every port */
#define VB_G_CODE		0x10000	/* guest.S blob is copied here */
#define VB_G_CODE_MAX		0x10000
#define VB_G_USTACK_TOP		0x30000	/* CPL3 stack */
#define VB_G_KSTACK_TOP		0x40000	/* CPL0 stack, also TSS.RSP0 */
#define VB_G_PTPOOL		0x100000 /* page-table pages built by the VMM */

/* Data slot (slot 1): GVA == GPA, 1G aligned so that 1G guest leaves fit. */
#define VB_G_DATA		0x100000000
/* Private region, PML4 entry 1: per-address-space pages (cr3switch), the
 * remapped pages (ptewrite) and the trees the guest builds (ptbuild). */
#define VB_G_PRIV		0x8000000000

#define VB_G_SEL_KCODE		0x08
#define VB_G_SEL_KDATA		0x10
#define VB_G_SEL_UCODE		0x1b	/* 0x18 | RPL 3 */
#define VB_G_SEL_UDATA		0x23	/* 0x20 | RPL 3 */
#define VB_G_SEL_TSS		0x28	/* 16-byte system descriptor */

/* Ports: a write to DONE ends one pass; EXC reports a guest exception; NOP
 * is an exit to the VMM that resumes the guest (portio's exit). */
#define VB_G_PORT_DONE		0xe0
#define VB_G_PORT_EXC		0xe1
#define VB_G_PORT_NOP		0xe2

/* Mailbox: u64 fields at these offsets from VB_G_MAILBOX. */
#define MB_KERNEL		0x00	/* GVA of the kernel's function */
#define MB_ARG0			0x08
#define MB_ARG1			0x10
#define MB_ARG2			0x18
#define MB_ARG3			0x20
#define MB_ARG4			0x28
#define MB_ARG5			0x30
#define MB_TSC0			0x80	/* rdtsc at the start of the timed region */
#define MB_TSC1			0x88	/* and at its end */
#define MB_SINK			0x90	/* a value the kernel computed (chase end) */
#define MB_EXC_VEC		0xa0
#define MB_EXC_ERR		0xa8
#define MB_EXC_RIP		0xb0
#define MB_EXC_CR2		0xb8

#ifndef __ASSEMBLER__
#include <stdint.h>

/* The blob from guest.S, to be copied to VB_G_CODE. */
extern const unsigned char vb_guest_code_start[], vb_guest_code_end[];
/* Offsets within the blob of the entry point and the 32 exception entry points. */
extern const uint64_t vb_guest_entry_off;
extern const uint64_t vb_guest_vector_off[32];
/* A kernel's function in guest.S, for its row's .entry: guest.S defines it
 * with `kernel NAME`. */
#define VB_GUEST_KERNEL(name) extern const unsigned char vb_gk_##name[]
#endif

#endif
