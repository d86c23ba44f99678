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

/* cr3switch: ARG0 array of N root GPAs (entry 0 is the tree the guest runs
 * on), ARG1 N, ARG2 switches, ARG3 a GVA that each space maps to its own
 * page; it is read after each switch. Space i runs on ASID i (its leaves are
 * not global), so no switch flushes the TLB: what a kernel with ASIDs does
 * on a context switch. */
kernel cr3switch
	ldr	x0, [x28, #MB_ARG0]
	ldr	x1, [x28, #MB_ARG1]
	ldr	x2, [x28, #MB_ARG2]
	ldr	x3, [x28, #MB_ARG3]
	mov	x8, #0
	cnt_store MB_TSC0
	mov	x9, #0
1:	ldr	x4, [x0, x9, lsl #3]
	orr	x4, x4, x9, lsl #VB_A64_ASID_SHIFT
	msr	ttbr0_el1, x4
	isb
	ldr	x5, [x3]
	add	x8, x8, x5
	add	x9, x9, #1
	cmp	x9, x1
	b.lo	2f
	mov	x9, #0
2:	subs	x2, x2, #1
	b.ne	1b
	ldr	x4, [x0]
	msr	ttbr0_el1, x4
	isb
	cnt_store MB_TSC1
	str	x8, [x28, #MB_SINK]
	b	done

/* ptewrite: ARG0 GVA of the first leaf entry, ARG1 entries, ARG2 GVA the
 * first entry maps, ARG3 page size, ARG4 iterations. Each step is what
 * munmap + a later fault do, with the barriers Linux's arm64 TLB code uses:
 * clear the entry, DSB, TLBI of that VA (ASID 0, inner shareable), DSB; set
 * it, DSB and ISB (the walker sees it before the load); touch the page. */
kernel ptewrite
	ldr	x0, [x28, #MB_ARG0]
	ldr	x1, [x28, #MB_ARG1]
	ldr	x2, [x28, #MB_ARG2]
	ldr	x3, [x28, #MB_ARG3]
	ldr	x4, [x28, #MB_ARG4]
	mov	x8, #0
	cnt_store MB_TSC0
1:	mov	x9, #0
	mov	x10, x2
2:	ldr	x5, [x0, x9, lsl #3]
	str	xzr, [x0, x9, lsl #3]
	dsb	ishst
	lsr	x6, x10, #12
	tlbi	vae1is, x6
	dsb	ish
	str	x5, [x0, x9, lsl #3]
	dsb	ishst
	isb
	ldr	x7, [x10]
	add	x8, x8, x7
	add	x10, x10, x3
	add	x9, x9, #1
	cmp	x9, x1
	b.lo	2b
	subs	x4, x4, #1
	b.ne	1b
	cnt_store MB_TSC1
	str	x8, [x28, #MB_SINK]
	b	done

/* Zero n (> 0) u64s from addr; clobbers x6 and x7. */
.macro zero addr, n
	mov	x6, \addr
	mov	x7, \n
9:	str	xzr, [x6], #8
	subs	x7, x7, #1
	b.ne	9b
.endm

/* ptbuild: build a tree in a pool of pages, run on it touching every leaf
 * page, switch back and zero it (fork, run, exit). ARG0 pool GVA (== GPA),
 * ARG1 leaves, ARG2 leaf level (1 4K, 2 2M, 3 1G), ARG3 value of leaf 0
 * (frame | attributes), ARG4 frame mask (leaf i maps frame i & mask), ARG5
 * bits of table entries. The new tree shares level-0 entry 0 (code, data)
 * with the current one and maps the leaves from VB_G_PRIV (level-0 entry 1)
 * on; it runs on ASID 1, whose TLB entries go with it (TLBI ASIDE1IS), as
 * an exiting process's do. */
kernel ptbuild
	mov	x8, #0
	cnt_store MB_TSC0
	ldr	x12, [x28, #MB_ARG0]
	zero	x12, #512
	mrs	x0, ttbr0_el1
	and	x0, x0, #VB_A64_ADDR
	ldr	x0, [x0]
	str	x0, [x12]
	ldr	x13, [x28, #MB_ARG2]
	ldr	x14, [x28, #MB_ARG1]
	add	x15, x12, #4096
	ldr	x3, [x28, #MB_ARG3]
	add	x4, x13, x13, lsl #3
	add	x4, x4, #3
	mov	x5, #1
	lsl	x5, x5, x4		/* bytes a leaf maps */
	mov	x21, x5
	ldr	x11, [x28, #MB_ARG4]
	/* One level per round, leaves first: entries of a level are one
	 * contiguous array over consecutive pool pages. */
3:	add	x10, x14, #511
	lsr	x10, x10, #9
	lsl	x7, x10, #9
	zero	x15, x7
	mov	x9, #0
1:	and	x0, x9, x11
	mul	x0, x0, x5
	add	x0, x0, x3
	str	x0, [x15, x9, lsl #3]
	add	x9, x9, #1
	cmp	x9, x14
	b.lo	1b
	ldr	x0, [x28, #MB_ARG5]
	orr	x3, x15, x0
	mov	x14, x10
	add	x15, x15, x10, lsl #12
	mov	x11, #-1
	mov	x5, #4096
	add	x13, x13, #1
	cmp	x13, #4
	b.lo	3b
	/* Level-0 entries 1, 2, ...: one per level-1 page, for a tree over 512G. */
	add	x6, x12, #8
4:	str	x3, [x6], #8
	add	x3, x3, #4096
	subs	x14, x14, #1
	b.ne	4b
	/* The walker reads the tables from memory: the stores first. */
	dsb	ishst
	mrs	x13, ttbr0_el1
	orr	x0, x12, #(1 << VB_A64_ASID_SHIFT)
	msr	ttbr0_el1, x0
	isb
	ldr	x1, [x28, #MB_ARG1]
	mov	x6, #VB_G_PRIV
2:	ldr	x0, [x6]
	add	x8, x8, x0
	add	x6, x6, x21
	subs	x1, x1, #1
	b.ne	2b
	msr	ttbr0_el1, x13
	isb
	sub	x7, x15, x12
	lsr	x7, x7, #3
	zero	x12, x7
	dsb	ishst
	mov	x0, #(1 << VB_A64_ASID_SHIFT)
	tlbi	aside1is, x0
	dsb	ish
	isb
	cnt_store MB_TSC1
	str	x8, [x28, #MB_SINK]
	b	done

/* mmufault: ARG0 pages, ARG1 GVA of the first, ARG2 bytes between them;
 * KVM forgot the data slot before the pass, so each first touch is a
 * stage-2 fault. */
kernel mmufault
	ldr	x1, [x28, #MB_ARG0]
	ldr	x2, [x28, #MB_ARG1]
	ldr	x3, [x28, #MB_ARG2]
	mov	x8, #0
	cnt_store MB_TSC0
1:	ldr	x0, [x2]
	add	x8, x8, x0
	add	x2, x2, x3
	subs	x1, x1, #1
	b.ne	1b
	cnt_store MB_TSC1
	str	x8, [x28, #MB_SINK]
	b	done

/* Exit costs, as kvm-unit-tests' arm/micro-bench.c has them: ARG0
 * operations of one instruction each. */

/* hypercall: HVC #0 with ARG1 as the SMCCC function (SMCCC_VERSION), which
 * KVM answers without leaving the kernel. */
kernel hypercall
	ldr	x8, [x28, #MB_ARG0]
	ldr	x9, [x28, #MB_ARG1]
	cnt_store MB_TSC0
1:	mov	x0, x9
	hvc	#0
	subs	x8, x8, #1
	b.ne	1b
	cnt_store MB_TSC1
	str	x0, [x28, #MB_SINK]
	b	done

/* mmio: a write to the exit page's resume address, each an exit to vbench
 * and a new KVM_RUN. */
kernel mmio
	ldr	x8, [x28, #MB_ARG0]
	mov32	x9, VB_G_MMIO_NOP
	cnt_store MB_TSC0
1:	str	xzr, [x9]
	subs	x8, x8, #1
	b.ne	1b
	cnt_store MB_TSC1
	b	done

/* tlbi: TLBI VAE1IS of ARG1's page (ASID 0) between DSBs, as ptewrite does
 * it, without the entry change. */
kernel tlbi
	ldr	x8, [x28, #MB_ARG0]
	ldr	x9, [x28, #MB_ARG1]
	lsr	x9, x9, #12
	cnt_store MB_TSC0
1:	dsb	ishst
	tlbi	vae1is, x9
	dsb	ish
	subs	x8, x8, #1
	b.ne	1b
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
