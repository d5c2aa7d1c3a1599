/*
 * trap.S - trap entry and exit.
 *
 * Entry from user mode: sscratch = this hart's struct hart; the registers go
 * to hart->frame (the current thread's frame), then C runs on the hart's
 * kernel stack (one stack per hart: the kernel never blocks inside a call, a
 * thread's state is its frame).
 *  - An ecall saves only what the ABI keeps across a system call (sp, gp,
 *    tp, s0..s11; ra and t0..t6 come back zero, a0..a7 are the call's) and
 *    pc + 4 and sstatus, then calls syscall_entry(a0..a7) with the user's
 *    a0..a7 as its arguments: the IPC fast path (fastpath.c) or, through
 *    it, the general path. The fast path leaves through fastpath_exit.
 *  - Any other trap saves all 31 registers and the CSRs and calls
 *    trap_from_user(frame). Both leave through trap_return_to_user, or
 *    fastpath_exit.
 * Entry from kernel mode: sscratch = 0. The frame goes on the current kernel
 * stack and trap_from_kernel(frame) returns to the interrupted code.
 */
#include <arch/hart.h>
#include <arch/trapframe.h>

/* Store or load x1 and x3, x5..x31 (not sp, tp) relative to \base. */
.macro regs op, base
	\op	x1, TF_REG(1)(\base)
	\op	x3, TF_REG(3)(\base)
	.irp n, 5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	\op	x\n, TF_REG(\n)(\base)
	.endr
.endm

/* What a system call keeps: gp, s0..s11 (sp and tp are handled apart). */
.macro kept op, base
	\op	gp, TF_REG(3)(\base)
	.irp n, 8,9,18,19,20,21,22,23,24,25,26,27
	\op	x\n, TF_REG(\n)(\base)
	.endr
.endm

/* Store sepc, sstatus, scause, stval into the frame at \base (clobbers t0). */
.macro save_csrs base
	csrr	t0, sepc
	sd	t0, TF_PC(\base)
	csrr	t0, sstatus
	sd	t0, TF_SSTATUS(\base)
	csrr	t0, scause
	sd	t0, TF_SCAUSE(\base)
	csrr	t0, stval
	sd	t0, TF_STVAL(\base)
.endm

	.section .text
	.balign 4
	.globl trap_entry
trap_entry:
	csrrw	tp, sscratch, tp
	beqz	tp, from_kernel

	/* From user: tp = struct hart *, sscratch = user tp. */
	sd	sp, HART_SCRATCH(tp)
	ld	sp, HART_FRAME(tp)
	sd	t0, TF_REG(5)(sp)
	csrr	t0, scause
	sd	t0, TF_SCAUSE(sp)       /* tells trap_return_to_user what was saved */
	addi	t0, t0, -8              /* EXC_ECALL_U */
	bnez	t0, user_trap

	/* A system call. */
	kept	sd, sp
	ld	t0, HART_SCRATCH(tp)
	sd	t0, TF_REG(2)(sp)
	csrr	t0, sscratch
	sd	t0, TF_REG(4)(sp)
	csrw	sscratch, zero
	csrr	t0, sepc
	addi	t0, t0, 4
	sd	t0, TF_PC(sp)
	csrr	t0, sstatus
	sd	t0, TF_SSTATUS(sp)
	ld	sp, HART_KSTACK(tp)
	call	syscall_entry
	/* syscall_entry does not return. */
1:	j	1b

user_trap:
	/* t0 is saved already and now holds scause - 8. */
	sd	x1, TF_REG(1)(sp)
	sd	x3, TF_REG(3)(sp)
	.irp n, 6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	sd	x\n, TF_REG(\n)(sp)
	.endr
	ld	t0, HART_SCRATCH(tp)
	sd	t0, TF_REG(2)(sp)
	csrr	t0, sscratch
	sd	t0, TF_REG(4)(sp)
	csrw	sscratch, zero
	save_csrs sp
	mv	a0, sp
	ld	sp, HART_KSTACK(tp)
	mv	fp, zero
	call	trap_from_user
	/* trap_from_user does not return. */
2:	j	2b

from_kernel:
	/* tp = 0, sscratch = kernel tp: swap back. */
	csrrw	tp, sscratch, tp
	addi	sp, sp, -TF_SIZE
	regs	sd, sp
	addi	t0, sp, TF_SIZE
	sd	t0, TF_REG(2)(sp)
	sd	tp, TF_REG(4)(sp)
	save_csrs sp
	mv	a0, sp
	call	trap_from_kernel
	ld	t0, TF_PC(sp)
	csrw	sepc, t0
	ld	t0, TF_SSTATUS(sp)
	csrw	sstatus, t0
	regs	ld, sp
	addi	sp, sp, TF_SIZE
	sret

/*
 * trap_return_to_user(frame): a0 = the frame to restore, tp = struct hart.
 * frame->sstatus must have SPP = 0 (the callers make sure of it). A frame
 * saved at an ecall (scause 8) holds the kept registers and a0..a7 only:
 * ra and t0..t6 return as 0. Any other frame is restored whole.
 */
	.globl trap_return_to_user
trap_return_to_user:
	csrw	sscratch, tp
	ld	t0, TF_PC(a0)
	csrw	sepc, t0
	ld	t0, TF_SSTATUS(a0)
	csrw	sstatus, t0
	ld	sp, TF_REG(2)(a0)
	ld	tp, TF_REG(4)(a0)
	ld	t0, TF_SCAUSE(a0)
	addi	t0, t0, -8
	bnez	t0, 1f
	kept	ld, a0
	.irp n, 11,12,13,14,15,16,17
	ld	x\n, TF_REG(\n)(a0)
	.endr
	ld	a0, TF_REG(10)(a0)
	mv	ra, zero
	mv	t1, zero
	mv	t2, zero
	mv	t3, zero
	mv	t4, zero
	mv	t5, zero
	mv	t6, zero
	sret
1:	mv	t6, a0
	regs	ld, t6          /* t6 (x31) is loaded last, from t6 itself */
	sret

/*
 * fastpath_exit(a0 = tag, a1..a6 = message words, a7 = badge): return to
 * the thread whose frame hart->frame is, with these a0..a7, its kept
 * registers from the frame and ra, t0..t6 zero (fastpath.c).
 */
	.globl fastpath_exit
fastpath_exit:
	ld	t0, HART_FRAME(tp)
	ld	t1, TF_SSTATUS(t0)
	csrw	sstatus, t1
	ld	t1, TF_PC(t0)
	csrw	sepc, t1
	csrw	sscratch, tp
	kept	ld, t0
	ld	sp, TF_REG(2)(t0)
	ld	tp, TF_REG(4)(t0)
	mv	ra, zero
	mv	t1, zero
	mv	t2, zero
	mv	t3, zero
	mv	t4, zero
	mv	t5, zero
	mv	t6, zero
	mv	t0, zero
	sret
