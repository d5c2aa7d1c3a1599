/*
 * trap.S - trap entry and exit.
 *
 * Entry from user mode: sscratch = this hart's struct hart; the registers go
 * to hart->frame (the current thread's frame), then C runs on the hart's
 * kernel stack (one stack per hart: the kernel never blocks inside a call, a
 * thread's state is its frame).
 *  - An ecall saves only what the ABI keeps across a system call (sp, gp,
 *    tp, s0..s11; ra and t0..t6 come back zero, a0..a7 are the call's) and
 *    pc + 4, then runs the IPC fast path below (call and reply-and-wait in
 *    registers, switching straight to the partner and returning with sret;
 *    and a pager's reply-and-wait mapping the page of a fault, fp_rw_map).
 *    Anything else saves sstatus too and calls syscall_entry(a0..a7) with
 *    the user's a0..a7 as its arguments (fastpath.c: on to the general
 *    path).
 *  - Any other trap saves all 31 registers and the CSRs; a page fault to a
 *    pager waiting on this hart becomes its message right there (the
 *    page-fault fast path); everything else calls trap_from_user(frame).
 *    Both leave through trap_return_to_user (the fast paths through their
 *    own exits).
 * Entry from kernel mode: sscratch = 0. The frame goes on the current kernel
 * stack and trap_from_kernel(frame) returns to the interrupted code.
 */
#include <arch/hart.h>
#include <arch/layout.h>
#include <arch/trapframe.h>

#include "asm-offsets.h"        /* generated from kernel/asm-offsets.c */

/* Store or load x1 and x3, x5..x31 (not sp, tp) relative to \base. */
.macro regs op, base
	\op	x1, TF_REG(1)(\base)
	\op	x3, TF_REG(3)(\base)
	.irp n, 5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	\op	x\n, TF_REG(\n)(\base)
	.endr
.endm

/* What a system call keeps: gp, s0..s11 (sp and tp are handled apart). */
.macro kept op, base, off=0
	\op	gp, \off + TF_REG(3)(\base)
	.irp n, 8,9,18,19,20,21,22,23,24,25,26,27
	\op	x\n, \off + TF_REG(\n)(\base)
	.endr
.endm

/*
 * The IPC fast path's parts (used in trap_entry). On entry to each: tp =
 * hart, t6 = the current thread's frame, a0..a7 the system call's. Any
 * check that fails goes to ecall_slow; before the commit nothing is changed.
 */

/* The tag: no items, no flags, bits 48..63 zero, <= 6 words. t2 = words. */
.macro fp_check_tag fail=ecall_slow
	ld	t0, HART_TAGMASK(tp)
	and	t2, a0, t0
	sltiu	t0, t2, 7
	beqz	t0, \fail
.endm

/* The selector (with the timeouts above it, which must be zero, so one
 * bound check covers both) names an endpoint with \right. ra = cur's task,
 * t1 = the capability slot, t3 = the endpoint. */
.macro fp_lookup right
	ld	ra, TH_TASK(t6)
	srli	t1, a7, SEL_SHIFT
	lwu	t0, TASK_NSLOTS(ra)
	bgeu	t1, t0, ecall_slow
	ld	t0, TASK_SLOT(ra)
	slli	t1, t1, 6
	add	t1, t1, t0
	ld	t3, 0(t1)               /* objr: object | CAP_EP | rights; 0 if empty */
	andi	t0, t3, CAP_EP | \right
	addi	t0, t0, -(CAP_EP | \right)
	bnez	t0, ecall_slow
	andi	t3, t3, -64
.endm

/* The last check before the commit: the partner t4 is on this hart; it and
 * cur have no timeout armed and no exception message, and to's priority is
 * at least cur's: one word each (timed | fpu_used << 8 | exc << 16 |
 * prio << 24). With no FP state on either side sstatus is the same for
 * both and is neither saved nor restored; otherwise fp_fpu does that. */
.macro fp_check_partner fpu, fpu_lt
	ld	t0, TH_HOME(t4)
	bne	t0, tp, ecall_slow
	lwu	t0, TH_FLAGS(t6)
	lwu	t5, TH_FLAGS(t4)
	bltu	t5, t0, \fpu_lt         /* a lower priority, or flags set */
	or	t0, t0, t5
	slli	t0, t0, 40              /* timed 40..47, fpu_used 48..55, exc 56..63 */
	bnez	t0, \fpu
.endm

/* Out of line, t0 and t5 as fp_check_partner left them (at \fpu_lt the
 * two words, at \fpu their or << 40): exc and timed still go to the
 * general path, the priorities are compared alone; FP state is fine where the
 * partner has none, or owns the FP registers. cur's sstatus (FS) joins its frame,
 * to's is loaded now (interrupts stay off: SIE is 0 in a saved sstatus),
 * then back to the commit. */
.macro fp_fpu fpu, fpu_lt, back
\fpu_lt:
	or	t0, t0, t5
	slli	t0, t0, 40
	beqz	t0, ecall_slow          /* no flags: the priority is lower */
\fpu:
	srli	t5, t0, 56
	bnez	t5, ecall_slow
	slli	t5, t0, 16
	bnez	t5, ecall_slow
	lbu	t0, TH_PRIO(t6)         /* the words had flags: compare the priorities alone */
	lbu	t5, TH_PRIO(t4)
	bltu	t5, t0, ecall_slow
	lbu	t5, TH_FPU_USED(t4)
	beqz	t5, 1f
	ld	t5, HART_FPU_OWNER(tp)
	bne	t5, t4, ecall_slow
1:	csrr	t5, sstatus
	sd	t5, TH_FRAME + TF_SSTATUS(t6)
	ld	t5, TH_FRAME + TF_SSTATUS(t4)
	csrw	sstatus, t5
	j	\back
.endm

/* cur's a0..a7 as it made the call, next to its kept registers: what an
 * error ending its wait leaves in a1..a7, and what exregs shows meanwhile. */
.macro fp_store_args
	.irp n, 10,11,12,13,14,15,16,17
	sd	x\n, TH_FRAME + TF_REG(\n)(t6)
	.endr
.endm

/* Return to the thread t4 (current now): its pc and kept registers, ra and
 * t0..t6 zero except \zero, which is zero already. */
.macro fp_exit zero=none
	ld	t0, TH_FRAME + TF_PC(t4)
	csrw	sepc, t0
	csrw	sscratch, tp
	ld	sp, TH_FRAME + TF_REG(2)(t4)
	kept	ld, t4, TH_FRAME
	ld	tp, TH_FRAME + TF_REG(4)(t4)
	.irp r, ra, t0, t1, t2, t3, t4, t5, t6
	.ifnc \r, \zero
	li	\r, 0
	.endif
	.endr
	sret
.endm

/* The hart runs `to` from now: its address space unless it is from_task's
 * (a flush only without ASIDs), hart->current, hart->frame (also left in
 * `frame`), a fresh slice. Scratch: t0, t5. */
.macro fp_become to, from_task, frame
	ld	t0, TH_TASK(\to)
	beq	t0, \from_task, .Lfp_same_as\@
	ld	t5, TASK_SATP(t0)
	csrw	satp, t5
	lhu	t5, TASK_ASID(t0)
	bnez	t5, .Lfp_same_as\@
	sfence.vma
.Lfp_same_as\@:
	sd	\to, HART_CURRENT(tp)
	addi	\frame, \to, TH_FRAME
	sd	\frame, HART_FRAME(tp)
	sd	zero, HART_SLICE_OWNER(tp)
.endm

/* to = t4 runs: its state, address space (flush only without ASIDs), the
 * hart's current thread, the words beyond the message's t2 zeroed, its kept
 * registers, ra and t0..t6 zero. */
.macro fp_switch_exit
	li	t0, IPCSTATE_RUN
	sh	t0, TH_IPCSTATE(t4)
	fp_become t4, ra, t0
	bnez	t2, 3f
	li	a1, 0
	li	a2, 0
	li	a3, 0
	li	a4, 0
	li	a5, 0
	li	a6, 0
	fp_exit t2      /* t2 = 0 already */
3:	.option push
	.option norvc                   /* 4 bytes each: the jump counts on it */
	auipc	t0, 0                   /* t2 = 1..6: skip t2 of the six */
	slli	t5, t2, 2
	add	t0, t0, t5
	jalr	zero, 16(t0)            /* 16: from the auipc to the first li */
	li	a1, 0
	li	a2, 0
	li	a3, 0
	li	a4, 0
	li	a5, 0
	li	a6, 0
	.option pop
	fp_exit
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
	/* No linker relaxation in here: the word zeroing jumps by computed offsets. */
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
	addi	t0, t0, -8              /* EXC_ECALL_U */
	bnez	t0, user_trap

	/*
	 * A system call: ra and t0..t6 are free (they return as 0). Save what
	 * the ABI keeps and pc + 4 in the frame (a0..a7: the fast path's commit,
	 * or C). Its scause is 8 already
	 * (trap_return_to_user leaves every frame of a running thread so).
	 */
	ld	t6, HART_CURRENT(tp)    /* its frame is hart->frame */
	sd	sp, TH_FRAME + TF_REG(2)(t6)
	kept	sd, t6, TH_FRAME
	csrr	t0, sscratch
	sd	t0, TH_FRAME + TF_REG(4)(t6)
	csrr	t0, sepc
	addi	t0, t0, 4
	sd	t0, TH_FRAME + TF_PC(t6)

	/*
	 * The IPC fast path (docs/architecture.md): call, or reply-and-wait,
	 * with a register-only message, between two threads without FP state.
	 * Everything it does not take goes to ecall_slow with nothing changed.
	 * Registers: tp = hart, t6 = the current thread's frame (its fields at
	 * TH_*), a0..a7 the call's (untouched until the switch is certain).
	 */
	ld	t0, HART_SYSMASK(tp)    /* 0xfff, 0 with the fast path off */
	and	t0, t0, a7
	addi	t0, t0, -FAST_CALL
	bnez	t0, fp_not_call

	/* --- call --- */
	fp_check_tag
	fp_lookup RIGHT_W
	/* to = the first receiver: on this hart, no caller yet */
	ld	t4, EP_RECV_HEAD(t3)
	beqz	t4, ecall_slow
	ld	t0, TH_CALLER(t4)
	bnez	t0, ecall_slow
	fp_check_partner fp_call_fpu, fp_call_fpu_lt
fp_call_commit:
	fp_store_args
	/* Commit. to leaves the head of the receivers... */
	ld	t0, TH_WAIT_NEXT(t4)
	sd	t0, EP_RECV_HEAD(t3)
	bnez	t0, fp_call_next
	sd	zero, EP_RECV_TAIL(t3)
fp_call_unqueued:
	sd	zero, TH_WQ(t4)
	/* ...holds cur's reply right; cur waits for the reply. */
	sd	t6, TH_CALLER(t4)
	sd	t4, TH_CALLEE(t6)
	li	t0, IPCSTATE_REPLY
	sh	t0, TH_IPCSTATE(t6)
	ld	a7, CAP_BADGE(t1)
	fp_switch_exit

	fp_fpu	fp_call_fpu, fp_call_fpu_lt, fp_call_commit

fp_call_next:
	/* t0 = the next receiver, the new head */
	sd	zero, TH_WAIT_PREV(t0)
	sd	zero, TH_WAIT_NEXT(t4)
	j	fp_call_unqueued

fp_not_call:
	addi	t0, t0, FAST_CALL - FAST_REPLY_WAIT
	bnez	t0, ecall_slow

	/* --- reply-and-wait --- */
	fp_check_tag fp_rw_map
	fp_lookup RIGHT_R
	/* to = the caller: on this hart, not an exception message */
	ld	t4, TH_CALLER(t6)
	beqz	t4, ecall_slow
	/* no sender waits, no bound notification could end the wait */
	ld	t0, EP_SEND_HEAD(t3)
	bnez	t0, ecall_slow
	ld	t0, TH_BOUND(t6)
	bnez	t0, ecall_slow
	fp_check_partner fp_rw_fpu, fp_rw_fpu_lt
fp_rw_commit:
	fp_store_args
	/* Commit. to gets the reply... */
	sd	zero, TH_CALLEE(t4)
	sd	zero, TH_CALLER(t6)
	/* ...cur waits at the tail of the receivers (not being in a queue,
	 * its wait_next and wait_prev are NULL already, ipc.c). */
	li	t0, IPCSTATE_RECV
	sh	t0, TH_IPCSTATE(t6)
	addi	t0, t3, EP_RECV
	sd	t0, TH_WQ(t6)
	ld	t0, EP_RECV_TAIL(t3)
	bnez	t0, fp_rw_behind
	sd	t6, EP_RECV_HEAD(t3)
fp_rw_queued:
	sd	t6, EP_RECV_TAIL(t3)
	li	a7, 0
	fp_switch_exit

	fp_fpu	fp_rw_fpu, fp_rw_fpu_lt, fp_rw_commit

fp_rw_behind:
	sd	t0, TH_WAIT_PREV(t6)
	sd	t6, TH_WAIT_NEXT(t0)
	j	fp_rw_queued

	/*
	 * --- reply-and-wait with one map item: a pager's reply to a page fault ---
	 * (docs/architecture.md, "The page-fault fast path"). Taken when the
	 * caller waits for its pager's reply, the tag is exactly one item (label
	 * 0, no words) and the item maps (not grants) one 4 KiB page at the
	 * fault address; space_map_fast does the rest of the checks and the map
	 * (the rights must allow the faulting access, the destination's tables
	 * must be there and its slot free), or changes nothing. Then the
	 * faulting thread runs again, all its registers as they were, and cur
	 * waits on the endpoint. cur's a0..a7 go to its frame first (as at the
	 * commit of the other cases): from there on a0..a7 and s1..s11 (saved
	 * at the entry) are free, and fp_map_slow loads a0..a7 back.
	 * Registers: s1 = cur, s2 = c (the caller), s3 = the endpoint, s4 =
	 * cur's task (they survive the call), a0..a5 = space_map_fast's arguments.
	 */
fp_rw_map:
	li	t0, MAP1_TAG
	bne	a0, t0, ecall_slow
	fp_lookup RIGHT_R
	fp_store_args
	mv	s1, t6
	mv	s3, t3
	mv	s4, ra
	/* c: waiting for its pager's reply (a5 = the access), on this hart,
	 * priority at least cur's, FP state fine; no sender queued, no bound
	 * notification (cur will wait) */
	ld	s2, TH_CALLER(t6)
	beqz	s2, fp_map_slow
	lbu	a5, TH_PF(s2)
	beqz	a5, fp_map_slow
	ld	t0, EP_SEND_HEAD(t3)
	bnez	t0, fp_map_slow
	ld	t0, TH_BOUND(t6)
	bnez	t0, fp_map_slow
	ld	t0, TH_HOME(s2)
	bne	t0, tp, fp_map_slow
	lbu	t0, TH_PRIO(t6)
	lbu	t5, TH_PRIO(s2)
	bltu	t5, t0, fp_map_slow
	lbu	t0, TH_FPU_USED(s2)
	bnez	t0, fp_map_fpu
fp_map_item:
	/* word 0 (a1): a map item, bits 4..11 clear */
	addi	t0, a1, -ITEM_MEM
	slli	t0, t0, 52
	bnez	t0, fp_map_slow
	/* the flexpage (a2): a4 = its rights (W alone: space_map_fast refuses
	 * it), a2 = its base, below 2^38; the rest 4 KiB (bits 0..7 = 12), bit 11 clear */
	srli	a4, a2, 8
	andi	a4, a4, 7
	andi	t0, a2, -0x701          /* all but the rights */
	srli	a2, a2, 12
	slli	a2, a2, 12
	sub	t0, t0, a2
	addi	t0, t0, -12
	bnez	t0, fp_map_slow
	srli	t0, a2, 38
	bnez	t0, fp_map_slow
	/* where it lands (the window is all of user space): a3 = the hotspot
	 * mod 2^38, page-aligned; it must be the page of the fault address,
	 * and in user space */
	slli	a3, a1, 26
	srli	a3, a3, 38
	slli	a3, a3, 12
	ld	t0, TH_FRAME + TF_STVAL(s2)
	xor	t0, t0, a3
	srli	t0, t0, 12
	bnez	t0, fp_map_slow
	lui	t0, USER_BASE_HI
	bltu	a3, t0, fp_map_slow
	/* space_map_fast(cur's space, c's space, a2, a3, a4, a5) */
	addi	a0, ra, TASK_SPACE
	ld	a1, TH_TASK(s2)
	addi	a1, a1, TASK_SPACE
	csrw	sscratch, zero          /* C runs: a trap now is the kernel's */
	ld	sp, HART_KSTACK(tp)
	call	space_map_fast
	bnez	a0, fp_map_slow
	/* Commit. c has its reply: it runs again... */
	sd	zero, TH_CALLEE(s2)
	sd	zero, TH_CALLER(s1)
	li	t0, IPCSTATE_RUN
	sh	t0, TH_IPCSTATE(s2)
	sb	zero, TH_EXC(s2)
	sb	zero, TH_PF(s2)
	/* ...cur waits at the tail of the receivers (as fp_rw_commit) */
	li	t0, IPCSTATE_RECV
	sh	t0, TH_IPCSTATE(s1)
	addi	t0, s3, EP_RECV
	sd	t0, TH_WQ(s1)
	ld	t0, EP_RECV_TAIL(s3)
	bnez	t0, fp_map_behind
	sd	s1, EP_RECV_HEAD(s3)
fp_map_queued:
	sd	s1, EP_RECV_TAIL(s3)
	/* cur's sstatus (its FS) joins its frame; c's comes with its registers */
	csrr	t0, sstatus
	sd	t0, TH_FRAME + TF_SSTATUS(s1)
	/* c runs: its address space, the hart's current thread and frame, a
	 * fresh slice, then all its registers (its frame is a fault's) */
	fp_become s2, s4, t6
	j	return_full

fp_map_fpu:
	/* c has FP state: it must own the FP registers */
	ld	t0, HART_FPU_OWNER(tp)
	bne	t0, s2, fp_map_slow
	j	fp_map_item

fp_map_behind:
	sd	t0, TH_WAIT_PREV(s1)
	sd	s1, TH_WAIT_NEXT(t0)
	j	fp_map_queued

fp_map_slow:
	/* Not the common case, nothing changed: the general path, with the call's a0..a7. */
	mv	t6, s1
	.irp n, 10,11,12,13,14,15,16,17
	ld	x\n, TH_FRAME + TF_REG(\n)(t6)
	.endr
	j	ecall_slow

/* Not for the fast path: sstatus joins the frame, then C as for any system call. */
ecall_slow:
	csrr	t0, sstatus
	sd	t0, TH_FRAME + TF_SSTATUS(t6)
	csrw	sscratch, zero
	ld	sp, HART_KSTACK(tp)
	call	syscall_entry
	/* syscall_entry does not return. */
1:	j	1b

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

	/*
	 * The page-fault fast path (docs/architecture.md): a page fault
	 * becomes the call to the thread's pager (ipc_fault) in registers when
	 * a receiver waits on the pager endpoint on this hart (the same checks
	 * as the IPC fast path's call). Anything else: trap_slow, nothing
	 * changed. t6 = cur, ra = its task, t1 = the capability slot, t3 = the
	 * endpoint, t4 = the receiver, s1 = the access.
	 */
	sltiu	t0, t2, 16              /* interrupts are >= 2^63 */
	beqz	t0, trap_slow
	add	t0, tp, t2
	lbu	s1, HART_PFACCESS(t0)   /* L4_FP_X, R or W; 0: not a page fault, or the fast path off */
	beqz	s1, trap_slow
	addi	t6, sp, -TH_FRAME
	/* the pager selector names an endpoint with W */
	ld	ra, TH_TASK(t6)
	ld	t1, TH_PAGER_SEL(t6)
	lwu	t0, TASK_NSLOTS(ra)
	bgeu	t1, t0, trap_slow
	ld	t0, TASK_SLOT(ra)
	slli	t1, t1, CAP_SHIFT
	add	t1, t1, t0
	ld	t3, 0(t1)
	andi	t0, t3, CAP_EP | RIGHT_W
	addi	t0, t0, -(CAP_EP | RIGHT_W)
	bnez	t0, trap_slow
	andi	t3, t3, -64
	/* to = the first receiver: on this hart, no caller yet, priority at
	 * least cur's, no timeout, FP state fine (none, or in the registers) */
	ld	t4, EP_RECV_HEAD(t3)
	beqz	t4, trap_slow
	ld	t0, TH_CALLER(t4)
	bnez	t0, trap_slow
	ld	t0, TH_HOME(t4)
	bne	t0, tp, trap_slow
	lbu	t0, TH_PRIO(t6)
	lbu	t5, TH_PRIO(t4)
	bltu	t5, t0, trap_slow
	lhu	t0, TH_FLAGS(t4)        /* timed | fpu_used << 8 */
	bnez	t0, pf_flags
pf_commit:
	/* Commit. to leaves the head of the receivers... */
	ld	t0, TH_WAIT_NEXT(t4)
	sd	t0, EP_RECV_HEAD(t3)
	bnez	t0, pf_next
	sd	zero, EP_RECV_TAIL(t3)
pf_unqueued:
	sd	zero, TH_WQ(t4)
	/* ...holds cur's reply right; cur waits for the reply, its message a page fault */
	sd	t6, TH_CALLER(t4)
	sd	t4, TH_CALLEE(t6)
	li	t0, IPCSTATE_REPLY
	sh	t0, TH_IPCSTATE(t6)
	li	t0, 1
	sb	t0, TH_EXC(t6)
	sb	s1, TH_PF(t6)
	/* The message (ipc.c, msg_word): MR0 = fault address | access, MR1 = pc, the badge. */
	ld	a0, HART_PFTAG(tp)
	andi	a1, a1, -8
	or	a1, a1, s1
	li	a3, 0
	li	a4, 0
	li	a5, 0
	li	a6, 0
	ld	a7, CAP_BADGE(t1)
	/* to runs: its state, address space, the hart's current thread and frame, a fresh slice, its sstatus */
	li	t0, IPCSTATE_RUN
	sh	t0, TH_IPCSTATE(t4)
	fp_become t4, ra, t0
	ld	t0, TH_FRAME + TF_SSTATUS(t4)
	csrw	sstatus, t0
	fp_exit

pf_flags:
	/* t0 = timed | fpu_used << 8 of to */
	andi	t5, t0, 0xff
	bnez	t5, trap_slow
	ld	t5, HART_FPU_OWNER(tp)
	bne	t5, t4, trap_slow
	j	pf_commit

pf_next:
	/* t0 = the next receiver, the new head */
	sd	zero, TH_WAIT_PREV(t0)
	sd	zero, TH_WAIT_NEXT(t4)
	j	pf_unqueued

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
1:	/* While the thread runs, its frame says "system call" (trap_entry
	 * saves no scause for an ecall). */
	li	t0, 8
	sd	t0, TF_SCAUSE(a0)
	mv	t6, a0
	regs	ld, t6          /* t6 (x31) is loaded last, from t6 itself */
	sret

/* trap_return_to_user for the page-fault fast path: t6 = the frame of the
 * current thread, saved whole at a trap other than an ecall; tp = struct hart. */
return_full:
	csrw	sscratch, tp
	ld	t0, TF_PC(t6)
	csrw	sepc, t0
	ld	t0, TF_SSTATUS(t6)
	csrw	sstatus, t0
	ld	sp, TF_REG(2)(t6)
	ld	tp, TF_REG(4)(t6)
	li	t0, 8
	sd	t0, TF_SCAUSE(t6)
	regs	ld, t6
	sret

	.option pop
