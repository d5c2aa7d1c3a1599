/*
 * trap.S - trap entry and exit.
 *
 * Entry from user mode: sscratch = this hart's struct hart; the registers go
 * to hart->frame (the current thread's frame), then C runs on the hart's
 * kernel stack (one stack per hart: the kernel never blocks inside a call, a
 * thread's state is its frame).
 *  - An ecall goes to syscall_trap (fastpath.S: the system-call entry and
 *    the IPC fast path, then syscall_entry in C).
 *  - Any other trap saves all 31 registers and the CSRs. A page fault of a
 *    cause the hart's table marks tries pagefault_fast (fastpath.S: the
 *    fault as a message to a pager waiting on this hart); everything else,
 *    and what that does not take, calls trap_from_user(frame) (trap.c).
 *    Both leave through trap_return_to_user (the fast paths through their
 *    own exits, or return_full).
 * Entry from kernel mode: sscratch = 0. The frame goes on the current kernel
 * stack and trap_from_kernel(frame) returns to the interrupted code.
 */
#include <arch/hart.h>
#include <arch/layout.h>
#include <arch/trapframe.h>

#include "asm-offsets.h"        /* generated from kernel/asm-offsets.c */
#include "entry.h"

	.section .text
	.option push
	.option norelax
	.balign 4
	.globl trap_entry
trap_entry:
	csrrw	tp, sscratch, tp
	beqz	tp, from_kernel

	/* From user: tp = struct hart *, sscratch = user tp. */
	sd	t0, HART_SCRATCH(tp)
	csrr	t0, scause
	addi	t0, t0, -EXC_ECALL_U
	beqz	t0, syscall_trap        /* fastpath.S */

user_trap:
	/* The user's t0 is in hart->scratch. All registers and the CSRs go to
	 * the frame (a2 = pc, t2 = scause, a1 = stval after this). */
	ld	t0, HART_FRAME(tp)
	sd	sp, TF_REG(2)(t0)
	mv	sp, t0
	ld	t0, HART_SCRATCH(tp)
	sd	t0, TF_REG(5)(sp)
	sd	x1, TF_REG(1)(sp)
	sd	x3, TF_REG(3)(sp)
	.irp n, 6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	sd	x\n, TF_REG(\n)(sp)
	.endr
	csrr	t0, sscratch
	sd	t0, TF_REG(4)(sp)
	csrr	a2, sepc
	sd	a2, TF_PC(sp)
	csrr	t0, sstatus
	sd	t0, TF_SSTATUS(sp)
	csrr	t2, scause
	sd	t2, TF_SCAUSE(sp)
	csrr	a1, stval
	sd	a1, TF_STVAL(sp)

	/* A page fault the fast path may take (s1 = the access; 0: not a
	 * page fault, or the fast path off): pagefault_fast (fastpath.S),
	 * which comes back to trap_slow if it does not take it. */
	sltiu	t0, t2, 16              /* interrupts are >= 2^63 */
	beqz	t0, trap_slow
	add	t0, tp, t2
	lbu	s1, HART_PFACCESS(t0)
	bnez	s1, pagefault_fast

trap_slow:
	csrw	sscratch, zero
	mv	a0, sp
	ld	sp, HART_KSTACK(tp)
	mv	fp, zero
	call	trap_from_user
	/* trap_from_user does not return. */
2:	j	2b

from_kernel:
	/* tp = 0, sscratch = kernel tp: swap back. */
	csrrw	tp, sscratch, tp
	/* A stack overflow: sp in the guard page below this hart's kernel
	 * stack or in the stack's lowest page (which tools/stackcheck.py shows
	 * no kernel path reaches): no frame can go there. */
	sd	t0, HART_SCRATCH(tp)
	ld	t0, HART_KGUARD(tp)
	sub	t0, sp, t0
	srli	t0, t0, KSTACK_RED_SHIFT
	beqz	t0, kstack_overflow
	ld	t0, HART_SCRATCH(tp)
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

kstack_overflow:
	/* The frame goes on the emergency stack, sp as it was; the report
	 * does not return. */
	mv	t0, sp
	lla	sp, emergency_stack_top
	addi	sp, sp, -TF_SIZE
	regs	sd, sp
	sd	t0, TF_REG(2)(sp)
	ld	t0, HART_SCRATCH(tp)
	sd	t0, TF_REG(5)(sp)
	sd	tp, TF_REG(4)(sp)
	save_csrs sp
	mv	a0, sp
	call	panic_stack_overflow
3:	j	3b

	.section .bss
	.balign 16
emergency_stack:
	.space	4096
emergency_stack_top:
	.section .text

/*
 * trap_return_to_user(frame): a0 = the frame to restore, tp = struct hart.
 * frame->sstatus must have SPP = 0 (the callers make sure of it). A frame
 * saved at an ecall (scause EXC_ECALL_U) holds the kept registers and a0..a7 only:
 * ra and t0..t6 return as 0. Any other frame is restored whole.
 */
	.globl trap_return_to_user
trap_return_to_user:
	lbu	t0, HART_SMP(tp)        /* several harts: the kernel lock goes first */
	bnez	t0, return_unlock
return_locked:
	csrw	sscratch, tp
	ld	t0, TF_PC(a0)
	csrw	sepc, t0
	ld	t0, TF_SSTATUS(a0)
	csrw	sstatus, t0
	ld	sp, TF_REG(2)(a0)
	ld	tp, TF_REG(4)(a0)
	ld	t0, TF_SCAUSE(a0)
	addi	t0, t0, -EXC_ECALL_U
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
1:	/* While the thread runs, its frame says "system call" (trap_entry
	 * saves no scause for an ecall). */
	li	t0, EXC_ECALL_U
	sd	t0, TF_SCAUSE(a0)
	mv	t6, a0
	regs	ld, t6          /* t6 (x31) is loaded last, from t6 itself */
	sret

return_unlock:
	lbu	t0, HART_INFAST(tp)     /* after a fast path: it holds no lock */
	bnez	t0, smp_fast_leave_return
	mv	s1, a0                  /* (s1 comes back from the frame) */
	call	smp_unlock_slow
	mv	a0, s1
	j	return_locked

/* trap_return_to_user for the page-fault fast path's map reply (fastpath.S): t6 = the frame of the
 * current thread, saved whole at a trap other than an ecall; tp = struct hart. */
return_full:
	csrw	sscratch, tp
	ld	t0, TF_PC(t6)
	csrw	sepc, t0
	ld	t0, TF_SSTATUS(t6)
	csrw	sstatus, t0
	ld	sp, TF_REG(2)(t6)
	ld	tp, TF_REG(4)(t6)
	li	t0, EXC_ECALL_U
	sd	t0, TF_SCAUSE(t6)
	regs	ld, t6
	sret

	.option pop

/*
 * The system-call entry and the fast paths (fastpath.S) are assembled into
 * this object: branches between the two files stay single instructions (a
 * branch to a label of another object becomes a branch and a jump).
 */
#include "fastpath.S"
