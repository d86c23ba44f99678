/* guest.S: the micro guest's code, copied by the VMM to VB_G_CODE. One pass
 * of the kernel whose function the mailbox names per KVM_RUN; each pass ends
 * with an OUT. A kernel is one function opened with `kernel NAME`, timed
 * between two tsc_store, ending in `jmp done`, and one row (kernels.h). */
#include "guests/micro/guest.h"

#define MB(f)	(VB_G_MAILBOX + f)

/* Timestamp into a mailbox field; the fences keep the timed loads inside. */
.macro tsc_store field
	lfence
	rdtsc
	lfence
	shlq	$32, %rdx
	orq	%rdx, %rax
	movq	%rax, MB(\field)
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
	movq	MB(MB_KERNEL), %rax
	testq	%rax, %rax
	jz	1f
	jmp	*%rax
1:	ud2			/* no kernel named */

done:
	movw	$VB_G_PORT_DONE, %dx
	outb	%al, %dx
	jmp	entry

/* ptrchase: ARG0 first element, ARG1 loads. Dependent loads only. The end
 * of the chase is where the next pass starts. */
kernel ptrchase
	movq	MB(MB_ARG0), %rsi
	movq	MB(MB_ARG1), %rcx
	tsc_store MB_TSC0
	movq	%rsi, %rax
1:	movq	(%rax), %rax
	decq	%rcx
	jnz	1b
	movq	%rax, %rsi
	tsc_store MB_TSC1
	movq	%rsi, MB(MB_SINK)
	movq	%rsi, MB(MB_ARG0)
	jmp	done

/* gups: ARG0 table, ARG1 words, ARG2 updates, ARG3 generator state, carried
 * over to the next pass. As the native bench: xorshift64 (13, 7, 17), index
 * by multiply-shift onto [0, words), t[i] ^= x. */
kernel gups
	movq	MB(MB_ARG0), %rdi
	movq	MB(MB_ARG1), %rsi
	movq	MB(MB_ARG2), %rcx
	movq	MB(MB_ARG3), %r8
	tsc_store MB_TSC0
1:	movq	%r8, %rax
	shlq	$13, %rax
	xorq	%rax, %r8
	movq	%r8, %rax
	shrq	$7, %rax
	xorq	%rax, %r8
	movq	%r8, %rax
	shlq	$17, %rax
	xorq	%rax, %r8
	movq	%r8, %rax
	mulq	%rsi
	xorq	%r8, (%rdi, %rdx, 8)
	decq	%rcx
	jnz	1b
	movq	%r8, MB(MB_ARG3)
	tsc_store MB_TSC1
	jmp	done

/* cr3switch (CPL0): ARG0 array of N root GPAs (entry 0 is the tree the guest
 * runs on), ARG1 N, ARG2 switches, ARG3 a GVA that each space maps to its own
 * page; it is read after each switch. */
kernel cr3switch
	movq	MB(MB_ARG0), %rsi
	movq	MB(MB_ARG1), %rbx
	movq	MB(MB_ARG2), %rcx
	movq	MB(MB_ARG3), %rdi
	xorl	%r8d, %r8d
	tsc_store MB_TSC0
	xorl	%r9d, %r9d
1:	movq	(%rsi, %r9, 8), %rax
	movq	%rax, %cr3
	addq	(%rdi), %r8
	incq	%r9
	cmpq	%rbx, %r9
	jb	2f
	xorl	%r9d, %r9d
2:	decq	%rcx
	jnz	1b
	movq	(%rsi), %rax
	movq	%rax, %cr3
	tsc_store MB_TSC1
	movq	%r8, MB(MB_SINK)
	jmp	done

/* ptewrite (CPL0): ARG0 GVA of the first leaf entry, ARG1 entries, ARG2 GVA
 * the first entry maps, ARG3 page size, ARG4 iterations. Each step is what
 * munmap + a later fault do: clear the entry, INVLPG, set it, touch the page. */
kernel ptewrite
	movq	MB(MB_ARG0), %rsi
	movq	MB(MB_ARG1), %rbx
	movq	MB(MB_ARG2), %rdi
	movq	MB(MB_ARG3), %r11
	movq	MB(MB_ARG4), %rcx
	xorl	%r8d, %r8d
	tsc_store MB_TSC0
1:	xorl	%r9d, %r9d
	movq	%rdi, %r10
2:	movq	(%rsi, %r9, 8), %rax
	movq	$0, (%rsi, %r9, 8)
	invlpg	(%r10)
	movq	%rax, (%rsi, %r9, 8)
	addq	(%r10), %r8
	addq	%r11, %r10
	incq	%r9
	cmpq	%rbx, %r9
	jb	2b
	decq	%rcx
	jnz	1b
	tsc_store MB_TSC1
	movq	%r8, MB(MB_SINK)
	jmp	done

/* ptbuild (CPL0): build a tree in a pool of pages, run on it touching every
 * leaf page, switch back and zero it (fork, run, exit). ARG0 pool GVA (== GPA),
 * ARG1 leaves, ARG2 leaf level (1 4K, 2 2M, 3 1G), ARG3 value of leaf 0
 * (frame | flags), ARG4 frame mask (leaf i maps frame i & mask), ARG5 flags
 * of table entries. The new tree shares PML4 entry 0 (code, data) with the
 * current one and maps the leaves from VB_G_PRIV (PML4 entry 1) on. */
kernel ptbuild
	xorl	%r8d, %r8d
	tsc_store MB_TSC0
	movq	MB(MB_ARG0), %r12
	movq	%r12, %rdi
	movl	$512, %ecx
	xorl	%eax, %eax
	rep stosq
	movq	%cr3, %rax
	andq	$-4096, %rax
	movq	(%rax), %rax
	movq	%rax, (%r12)
	movq	MB(MB_ARG2), %r13
	movq	MB(MB_ARG1), %r14
	leaq	4096(%r12), %r15
	movq	MB(MB_ARG3), %rbx
	leaq	(%r13, %r13, 8), %rcx
	addq	$3, %rcx
	movl	$1, %ebp
	shlq	%cl, %rbp
	movq	%rbp, %rdx
	movq	MB(MB_ARG4), %r11
	/* One level per round, leaves first: entries of a level are one
	 * contiguous array over consecutive pool pages. */
3:	leaq	511(%r14), %r10
	shrq	$9, %r10
	movq	%r15, %rdi
	movq	%r10, %rcx
	shlq	$9, %rcx
	xorl	%eax, %eax
	rep stosq
	xorl	%r9d, %r9d
1:	movq	%r9, %rax
	andq	%r11, %rax
	imulq	%rbp, %rax
	addq	%rbx, %rax
	movq	%rax, (%r15, %r9, 8)
	incq	%r9
	cmpq	%r14, %r9
	jb	1b
	movq	%r15, %rbx
	orq	MB(MB_ARG5), %rbx
	movq	%r10, %r14
	shlq	$12, %r10
	addq	%r10, %r15
	movq	$-1, %r11
	movl	$4096, %ebp
	incq	%r13
	cmpq	$4, %r13
	jb	3b
	/* PML4 entries 1, 2, ...: one per PDPT page, for a tree over 512G. */
	leaq	8(%r12), %rdi
4:	movq	%rbx, (%rdi)
	addq	$8, %rdi
	addq	$4096, %rbx
	decq	%r14
	jnz	4b
	movq	%cr3, %r13
	movq	%r12, %cr3
	movq	MB(MB_ARG1), %rcx
	movabsq	$VB_G_PRIV, %rsi
2:	addq	(%rsi), %r8
	addq	%rdx, %rsi
	decq	%rcx
	jnz	2b
	movq	%r13, %cr3
	movq	%r12, %rdi
	movq	%r15, %rcx
	subq	%r12, %rcx
	shrq	$3, %rcx
	xorl	%eax, %eax
	rep stosq
	tsc_store MB_TSC1
	movq	%r8, MB(MB_SINK)
	jmp	done

/* Exit costs, as kvm-unit-tests' x86/vmexit.c has them: ARG0 operations of
 * one instruction each, which the hypervisor intercepts where its mode does.
 * CPL0, to be allowed them all. */

/* cpuid: leaf 0. Every mode intercepts CPUID. */
kernel cpuid
	movq	MB(MB_ARG0), %r8
	tsc_store MB_TSC0
1:	xorl	%eax, %eax
	xorl	%ecx, %ecx
	cpuid
	decq	%r8
	jnz	1b
	tsc_store MB_TSC1
	jmp	done

/* hypercall: KVM_HC_VAPIC_POLL_IRQ (1), which does nothing; ARG1 picks the
 * vendor's instruction, 0 VMCALL (Intel), 1 VMMCALL (AMD): the other one
 * would be a #UD that KVM patches. */
kernel hypercall
	movq	MB(MB_ARG0), %r8
	movq	MB(MB_ARG1), %r9
	tsc_store MB_TSC0
	testq	%r9, %r9
	jnz	2f
1:	movl	$1, %eax
	vmcall
	decq	%r8
	jnz	1b
	jmp	3f
2:	movl	$1, %eax
	vmmcall
	decq	%r8
	jnz	2b
3:	tsc_store MB_TSC1
	jmp	done

/* portio: OUT to a port no device claims: an exit to the VMM and back. */
kernel portio
	movq	MB(MB_ARG0), %r8
	tsc_store MB_TSC0
	movl	$VB_G_PORT_NOP, %edx
1:	outb	%al, %dx
	decq	%r8
	jnz	1b
	tsc_store MB_TSC1
	jmp	done

/* rdmsr: ARG1 the MSR, one KVM emulates in the kernel. */
kernel rdmsr
	movq	MB(MB_ARG0), %r8
	movq	MB(MB_ARG1), %r9
	tsc_store MB_TSC0
1:	movl	%r9d, %ecx
	rdmsr
	decq	%r8
	jnz	1b
	tsc_store MB_TSC1
	jmp	done

/* cr3write: load CR3 with the tree it holds, CR4.PCIDE clear: each write
 * flushes the TLB's non-global entries. */
kernel cr3write
	movq	MB(MB_ARG0), %r8
	movq	%cr3, %r9
	tsc_store MB_TSC0
1:	movq	%r9, %cr3
	decq	%r8
	jnz	1b
	tsc_store MB_TSC1
	jmp	done

/* cr3pcid: with CR4.PCIDE set (untimed), load CR3 with the same tree under
 * PCID 1 and 2 in turn, bit 63 set: no flush. Back to PCID 0 and PCIDE
 * clear after the timed loop. */
kernel cr3pcid
	movq	MB(MB_ARG0), %r8
	movq	%cr3, %r9
	movq	%cr4, %rax
	orq	$(1 << 17), %rax
	movq	%rax, %cr4
	movabsq	$0x8000000000000000, %r10
	orq	%r9, %r10
	leaq	1(%r10), %r11
	addq	$2, %r10
	tsc_store MB_TSC0
1:	movq	%r11, %cr3
	xchgq	%r10, %r11
	decq	%r8
	jnz	1b
	tsc_store MB_TSC1
	movq	%r9, %cr3
	movq	%cr4, %rax
	andq	$~(1 << 17), %rax
	movq	%rax, %cr4
	jmp	done

/* invlpg: INVLPG of ARG1, a mapped data page. */
kernel invlpg
	movq	MB(MB_ARG0), %r8
	movq	MB(MB_ARG1), %rdi
	tsc_store MB_TSC0
1:	invlpg	(%rdi)
	decq	%r8
	jnz	1b
	tsc_store MB_TSC1
	jmp	done

/* mmufault: read one word of each of ARG0 guest pages from ARG1 on, ARG2
 * bytes apart, pages the host made KVM forget before the pass: each first
 * touch is a shadow page fault (shadow) or a nested one (EPT/NPT). */
kernel mmufault
	movq	MB(MB_ARG0), %rcx
	movq	MB(MB_ARG1), %rsi
	movq	MB(MB_ARG2), %r9
	xorl	%r8d, %r8d
	tsc_store MB_TSC0
1:	addq	(%rsi), %r8
	addq	%r9, %rsi
	decq	%rcx
	jnz	1b
	tsc_store MB_TSC1
	movq	%r8, MB(MB_SINK)
	jmp	done

/* Exceptions: report vector, error code, RIP and CR2, then stay stopped. */
.macro vector_entry n
vector_\n:
	.if !(\n == 8 || (\n >= 10 && \n <= 14) || \n == 17 || \n == 21 || \n == 29 || \n == 30)
	pushq	$0
	.endif
	pushq	$\n
	jmp	exc_common
.endm
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	vector_entry \n
	.endr
	.irp n, 16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	vector_entry \n
	.endr

exc_common:
	popq	%rax
	movq	%rax, MB(MB_EXC_VEC)
	popq	%rax
	movq	%rax, MB(MB_EXC_ERR)
	movq	(%rsp), %rax
	movq	%rax, MB(MB_EXC_RIP)
	movq	%cr2, %rax
	movq	%rax, MB(MB_EXC_CR2)
	movw	$VB_G_PORT_EXC, %dx
1:	outb	%al, %dx
	jmp	1b

	.globl	vb_guest_code_end
vb_guest_code_end:

	.section .rodata, "a"
	.p2align 3
	.globl	vb_guest_entry_off
vb_guest_entry_off:
	.quad	entry - vb_guest_code_start
	.globl	vb_guest_vector_off
vb_guest_vector_off:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	.quad	vector_\n - vb_guest_code_start
	.endr
	.irp n, 16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad	vector_\n - vb_guest_code_start
	.endr

	.section .note.GNU-stack, "", @progbits
