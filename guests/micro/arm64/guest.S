/* guest.S: the arm64 micro guest's code, copied by the VMM to VB_G_CODE and
 * run at EL1 with the MMU on the VMM's tables. As the x86 guest.S: one pass
 * of the kernel whose function the mailbox names per KVM_RUN, each pass
 * ending with a write to the exit page (arm64.h), which KVM hands to the VMM
 * as KVM_EXIT_MMIO. A kernel is one function opened with `kernel NAME`, timed
 * between two cnt_store, ending in `b done`, and one row (kernels.h).
 * x28 holds the mailbox's address throughout. */
#include "guests/micro/guest.h"
#include "guests/micro/arm64/arm64.h"

/* A 32-bit address into a register. */
.macro mov32 reg, imm
	movz	\reg, #((\imm) >> 16), lsl #16
	movk	\reg, #((\imm) & 0xffff)
.endm

/* The virtual counter into a mailbox field. The DSB waits for the loads
 * before it (the end of a chase) and the ISBs keep the read between the
 * instructions around it. */
.macro cnt_store field
	dsb	ld
	isb
	mrs	x16, cntvct_el0
	isb
	str	x16, [x28, #\field]
.endm

/* A kernel's function: vb_gk_NAME, which its row names as .entry. */
.macro kernel name
	.globl	vb_gk_\name
vb_gk_\name:
.endm

	.section .rodata.vb_guest, "a"
	.p2align 12
	.globl	vb_guest_code_start
vb_guest_code_start:
entry:
	mov	x28, #VB_G_MAILBOX
	ldr	x17, [x28, #MB_KERNEL]
	cbz	x17, 1f
	br	x17
1:	udf	#0			/* no kernel named */

done:
	mov32	x16, VB_G_MMIO_DONE
	str	xzr, [x16]
	b	entry

/* ptrchase: ARG0 first element, ARG1 loads. Dependent loads only. The end
 * of the chase is where the next pass starts. */
kernel ptrchase
	ldr	x0, [x28, #MB_ARG0]
	ldr	x1, [x28, #MB_ARG1]
	cnt_store MB_TSC0
1:	ldr	x0, [x0]
	subs	x1, x1, #1
	b.ne	1b
	cnt_store MB_TSC1
	str	x0, [x28, #MB_SINK]
	str	x0, [x28, #MB_ARG0]
	b	done

/* gups: ARG0 table, ARG1 words, ARG2 updates, ARG3 generator state, carried
 * over to the next pass. As the native bench: xorshift64 (13, 7, 17), index
 * by multiply-shift onto [0, words) (the high half of x * words), t[i] ^= x. */
kernel gups
	ldr	x0, [x28, #MB_ARG0]
	ldr	x1, [x28, #MB_ARG1]
	ldr	x2, [x28, #MB_ARG2]
	ldr	x3, [x28, #MB_ARG3]
	cnt_store MB_TSC0
1:	eor	x3, x3, x3, lsl #13
	eor	x3, x3, x3, lsr #7
	eor	x3, x3, x3, lsl #17
	umulh	x4, x3, x1
	ldr	x5, [x0, x4, lsl #3]
	eor	x5, x5, x3
	str	x5, [x0, x4, lsl #3]
	subs	x2, x2, #1
	b.ne	1b
	str	x3, [x28, #MB_ARG3]
	cnt_store MB_TSC1
	b	done

/* Exceptions: VBAR_EL1 points here. Each of the 16 vectors records its
 * number, ESR_EL1, ELR_EL1 and FAR_EL1 in the mailbox and writes to the
 * exception exit; the VMM fails the row with them and never resumes. */
	.p2align 11
vectors:
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	.p2align 7
	mov	x9, #\n
	b	exception
	.endr
exception:
	mov	x28, #VB_G_MAILBOX
	str	x9, [x28, #MB_EXC_VEC]
	mrs	x10, esr_el1
	str	x10, [x28, #MB_EXC_ERR]
	mrs	x10, elr_el1
	str	x10, [x28, #MB_EXC_RIP]
	mrs	x10, far_el1
	str	x10, [x28, #MB_EXC_CR2]
	mov32	x16, VB_G_MMIO_EXC
	str	xzr, [x16]
1:	wfi
	b	1b

	.globl	vb_guest_code_end
vb_guest_code_end:

	.p2align 3
	.globl	vb_guest_entry_off
vb_guest_entry_off:
	.quad	entry - vb_guest_code_start
	.globl	vb_guest_vbar_off
vb_guest_vbar_off:
	.quad	vectors - vb_guest_code_start

	.section .note.GNU-stack, "", %progbits
