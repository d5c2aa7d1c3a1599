/*
 * trap.S - trap entry and exit.
 *
 * Entry from user mode: sscratch = this hart's struct hart. All 31 registers
 * and sepc/sstatus/scause/stval go to hart->frame (the current thread's
 * frame), then trap_from_user(frame) runs on the hart's kernel stack (one
 * stack per hart: the kernel never blocks inside a call, a thread's state is
 * its frame). It leaves through trap_return_to_user.
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
	regs	sd, sp
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
1:	j	1b

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
 * frame->sstatus must have SPP = 0 (the callers make sure of it).
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
	mv	t6, a0
	regs	ld, t6          /* t6 (x31) is loaded last, from t6 itself */
	sret
