/*
 * head.S - the first instructions: the RISC-V Linux-style Image header (so
 * U-Boot's `booti` accepts the image) and position-independent early boot.
 *
 * Entry (SBI boot protocol, from OpenSBI or U-Boot): S-mode, MMU off,
 * a0 = this hart's id, a1 = physical address of the device tree, loaded at
 * any 2 MiB-aligned physical address. Nothing here may use an absolute
 * address until the MMU maps the kernel at KERNEL_VBASE: only pc-relative
 * (lla) addressing.
 * Exit: kmain(hartid, dtb_pa, kernel_pa_base, instret_at_entry) at the
 * kernel's virtual address, on the boot stack, with stvec set.
 */
#include <arch/layout.h>

#include "asm-offsets.h"        /* generated from kernel/asm-offsets.c */

	.section .text.head, "ax"
	.option push
	.option norvc
	.globl _start
_start:
	/* Image header: Linux Documentation/arch/riscv/boot-image-header.rst */
	j	boot_entry              /* code0 (code1 below is the 2nd word) */
	.word	0                       /* code1 */
	.dword	0x200000                /* text_offset: where in RAM a loader should place us */
	.dword	_image_size             /* image_size: load address to end of bss */
	.dword	0                       /* flags: bit 0 = 0, little-endian */
	.word	0x2                     /* version 0.2 */
	.word	0                       /* res1 */
	.dword	0                       /* res2 */
	.ascii	"RISCV\0\0\0"           /* magic (deprecated) */
	.ascii	"RSC\x05"               /* magic2 */
	.word	0                       /* res3: no PE/COFF header */
	.option pop

boot_entry:
	csrr	s4, instret             /* for the boot-time measurement */
	/* Only one hart boots. OpenSBI 1.1 has been seen (once, -smp 4 under
	 * load) to send a hart the kernel started through HSM here, with the
	 * device tree, instead of to secondary_entry: it must not boot again
	 * (bss cleared under the running kernel). late_hart sends it on. */
	lla	t0, boot_claimed
	li	t1, 1
	amoswap.w t1, t1, (t0)
	bnez	t1, late_hart
	csrw	sie, zero
	csrw	sip, zero
	csrw	satp, zero
	csrw	sscratch, zero
	mv	s5, a0                  /* hart id */
	mv	s1, a1                  /* device tree */
	lla	s3, _start              /* our physical base */

	/* The kernel maps itself with 2 MiB pages: refuse other load addresses. */
	li	t0, MEGAPAGE_SIZE - 1
	and	t0, s3, t0
	bnez	t0, misaligned

	/* bss: 64 bytes a round while they fit (11 instructions, not 32), then 8 */
	lla	t0, __bss_start
	lla	t1, __bss_end
	addi	t2, t1, -64
1:	bgtu	t0, t2, 2f
	sd	zero, 0(t0)
	sd	zero, 8(t0)
	sd	zero, 16(t0)
	sd	zero, 24(t0)
	sd	zero, 32(t0)
	sd	zero, 40(t0)
	sd	zero, 48(t0)
	sd	zero, 56(t0)
	addi	t0, t0, 64
	j	1b
2:	bgeu	t0, t1, 3f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	2b
3:
	lla	sp, boot_stack_top
	mv	a0, s3
	mv	a1, s1
	call	early_pt_setup          /* returns the satp value */
	lla	t0, early_satp          /* for the other harts (secondary_entry) */
	sd	a0, 0(t0)
	sfence.vma
	csrw	satp, a0
	sfence.vma
	ld	t0, high_entry_addr     /* absolute address, read pc-relatively */
	jr	t0

	.balign 8
high_entry_addr:
	.dword	high_entry

high_entry:
	/* Now running at KERNEL_VBASE: lla yields virtual addresses. */
	lla	sp, boot_stack_top
	lla	t0, trap_entry
	csrw	stvec, t0
	mv	fp, zero                /* backtraces stop here */
	mv	a0, s5
	mv	a1, s1
	mv	a2, s3
	mv	a3, s4
	call	kmain
1:	wfi
	j	1b

/*
 * secondary_entry: where SBI HSM hart_start sends the other harts (smp.c):
 * S-mode, MMU off, a0 = the hart id, a1 = its index in the kernel's harts
 * (the opaque word). Through the boot page table (which maps this code at
 * its physical address too) to the kernel's address, then on the hart's own
 * kernel stack to smp_secondary(hartid, index), which never returns.
 */
	.globl secondary_entry
secondary_entry:
	csrw	sie, zero
	csrw	sscratch, zero
	mv	s5, a0
	mv	s6, a1
	ld	t0, early_satp
	sfence.vma
	csrw	satp, t0
	sfence.vma
	ld	t0, secondary_high_addr
	jr	t0

	.balign 8
secondary_high_addr:
	.dword	secondary_high

secondary_high:
	/* kstacks + (index + 1) * (guard + stack): the top of the hart's stack */
	lla	sp, kstacks
	li	t0, PAGE_SIZE + KSTACK_SIZE
	addi	t1, s6, 1
	mul	t0, t0, t1
	add	sp, sp, t0
	lla	t0, trap_entry
	csrw	stvec, t0
	mv	fp, zero
	mv	a0, s5
	mv	a1, s6
	call	smp_secondary
1:	wfi
	j	1b

/*
 * late_hart: a hart at _start after the boot hart (a0 = its id, MMU off).
 * If smp_start gave it an index, it goes on as secondary_entry would;
 * until then (or if it has none) it waits in wfi and looks again.
 */
late_hart:
	csrw	sie, zero
	mv	s5, a0
1:	lla	t0, smp_nharts
	lwu	t2, 0(t0)
	lla	t0, smp_harts
	li	t3, 1                   /* index 0 is the boot hart */
	li	t4, HART_SIZE
2:	bgeu	t3, t2, 3f
	mul	t5, t3, t4
	add	t5, t5, t0
	ld	t6, HART_HARTID(t5)
	beq	t6, s5, 4f
	addi	t3, t3, 1
	j	2b
3:	wfi
	j	1b
4:	mv	a0, s5
	mv	a1, t3
	j	secondary_entry

misaligned:
	lla	s2, misaligned_msg
1:	lbu	a0, 0(s2)
	beqz	a0, 2f
	li	a7, 1                   /* SBI legacy console_putchar */
	ecall
	addi	s2, s2, 1
	j	1b
2:	wfi
	j	2b

	.section .data
	.balign 8
boot_claimed:                           /* set by the hart that boots (boot_entry) */
	.word	0
	.balign 8
early_satp:                             /* the boot page table's satp (head.S, early_pt.c) */
	.dword	0

	.section .rodata
misaligned_msg:
	.asciz	"l4rv: load address is not 2 MiB aligned; cannot boot\r\n"

	/*
	 * The kernel stacks, one per hart, each above a guard page that
	 * mmu_init leaves unmapped (a store into it faults, and trap.S tells
	 * an overflow from other kernel traps by sp). Not zeroed with bss.
	 *   kstacks: [guard | stack of hart 0][guard | stack of hart 1] ...
	 */
	.section .kstack, "aw", @nobits
	.balign 4096
	.globl kstacks
kstacks:
	.space	(PAGE_SIZE + KSTACK_SIZE) * MAX_HARTS
	.globl kstacks_end
kstacks_end:
	.set	boot_stack_top, kstacks + PAGE_SIZE + KSTACK_SIZE
	.globl	boot_stack_top
