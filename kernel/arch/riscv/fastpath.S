/*
 * fastpath.S - the system-call entry and the fast paths of IPC
 * (docs/architecture.md, "The IPC fast path" and "The page-fault fast path").
 *
 * Part of trap.S's object (it includes this file at its end, so that
 * branches between the two stay short). trap.S's trap_entry goes here:
 *  - syscall_trap, for every ecall from user mode. It saves what the ABI
 *    keeps across a system call (sp, gp, tp, s0..s11; ra and t0..t6 come
 *    back zero, a0..a7 are the call's) and pc + 4. Then the IPC fast path:
 *    a call or a reply-and-wait with a register-only message switches
 *    straight to the partner waiting on this hart and returns with sret; a
 *    pager's reply-and-wait mapping the page of a fault resumes the faulting
 *    thread (fast_map_reply). Anything else goes to ecall_slow: sstatus
 *    joins the frame and syscall_entry(a0..a7) (syscall.c) takes the
 *    general path.
 *  - pagefault_fast, for a page fault saved whole whose cause the hart's
 *    table marks: the fault becomes the call to the thread's pager, in
 *    registers, when a receiver waits on the pager endpoint on this hart.
 *    Anything else goes back to trap.S's trap_slow.
 * Every check that fails leaves before the commit: nothing is changed then.
 * The general path (syscall.c, ipc.c) gives the same results in every case
 * (the tests run them with the fast path on and off).
 *
 * Why assembly and not C (seL4's fastpath is C): measured, see
 * docs/benchmarks.md, "The fast path in C". In short: a C function needs
 * the kernel stack, a call, and a register-restoring exit of its own; this
 * code keeps the message in a0..a6 from entry to sret and zeroes the unused
 * words with a computed jump.
 *
 * The thread and queue layouts it relies on are checked at compile time
 * (kernel/asm-offsets.c). The wait-queue operations below keep the
 * invariant of kernel/ipc/wait.h: a thread in no queue has wq, wait_next
 * and wait_prev NULL.
 */
#include <arch/hart.h>
#include <arch/layout.h>
#include <arch/trapframe.h>

#include "asm-offsets.h"        /* generated from kernel/asm-offsets.c */
#include "entry.h"

/*
 * The parts. On entry to each: tp = hart, t6 = the current thread (its
 * frame at TH_FRAME), a0..a7 the system call's.
 */

/* The tag: no items, no flags, bits 48..63 zero, <= 6 words. t2 = words. */
.macro fast_check_tag fail=ecall_slow
	ld	t0, HART_TAGMASK(tp)
	and	t2, a0, t0
	sltiu	t0, t2, 7
	beqz	t0, \fail
.endm

/* Capability t1 (an index) of the task ra names an object of the type
 * whose bit (CAP_EP, CAP_NTF) is \type, with \right: t1 = its slot, t3 =
 * the object; otherwise \fail, or \other when the slot is in the table
 * (t1 = the slot, t3 = its objr). (A selector with a timeout above it is
 * out of range: one bound check covers both.) */
.macro fast_cap type, right, fail, other
	lwu	t0, TASK_NSLOTS(ra)
	bgeu	t1, t0, \fail
	ld	t0, TASK_SLOT(ra)
	slli	t1, t1, CAP_SHIFT
	add	t1, t1, t0
	ld	t3, 0(t1)               /* objr: object | CAP_EP or CAP_NTF | rights; 0 if empty */
	andi	t0, t3, \type | \right
	addi	t0, t0, -(\type | \right)
	.ifb \other
	bnez	t0, \fail
	.else
	bnez	t0, \other
	.endif
	andi	t3, t3, CAP_OBJ_MASK
.endm

.macro fast_cap_ep right, fail
	fast_cap CAP_EP, \right, \fail
.endm

/* The selector in a7 names an endpoint (notification: \type CAP_NTF) with
 * \right (fast_cap). ra = cur's task. */
.macro fast_lookup right, fail=ecall_slow, type=CAP_EP, other
	ld	ra, TH_TASK(t6)
	srli	t1, a7, SEL_SHIFT
	fast_cap \type, \right, \fail, \other
.endm

/* Nothing else outranks cur (t6): the run queue's top priority is at most
 * cur's, as schedule() wants to let cur go on. t0 = cur's priority, t2 =
 * the top (-1: the queue is empty). */
.macro fast_check_cur_goes_on
	lbu	t0, TH_PRIO(t6)
	lw	t2, HART_RQ_TOP(tp)
	blt	t0, t2, ecall_slow
.endm

/* Back to cur (t6) without a switch, a0..a7 as they are now: its kept
 * registers never left the hart, its tp waits in sscratch since the entry
 * (which gets the hart back), sstatus is the entry's. ra, t0..t6 zero. */
.macro fast_return_cur
	ld	t0, TH_FRAME + TF_PC(t6)
	csrw	sepc, t0
	csrrw	tp, sscratch, tp
	.irp r, ra, t0, t1, t2, t3, t4, t5, t6
	li	\r, 0
	.endr
	j	fast_sret
.endm

/* \th (READY, in no run queue) joins this hart's run queue at the tail of
 * priority \prio (a register; runq.h, runq_insert), or at its head with
 * head=1 (runq_enqueue_head). Scratch: ra, t0, t2, t3. */
.macro fast_runq_insert th, prio, head=0
	addi	t2, \th, TH_RQ          /* l */
	slli	t0, \prio, 3
	add	t0, t0, tp              /* + HART_RQ_HEAD: &head[prio] */
	lw	ra, HART_RQ_COUNT(tp)
	addiw	ra, ra, 1
	sw	ra, HART_RQ_COUNT(tp)
	ld	t3, HART_RQ_HEAD(t0)    /* h */
	beqz	t3, .Lfirst\@
	sd	t3, RQ_NEXT(t2)         /* l between h's tail and h */
	ld	ra, RQ_PREV(t3)
	sd	ra, RQ_PREV(t2)
	sd	t2, RQ_NEXT(ra)
	sd	t2, RQ_PREV(t3)
	.if \head
	sd	t2, HART_RQ_HEAD(t0)
	.endif
.Linserted\@:
	.subsection 1
.Lfirst\@:                              /* the priority's only thread */
	sd	t2, RQ_NEXT(t2)
	sd	t2, RQ_PREV(t2)
	sd	t2, HART_RQ_HEAD(t0)
	srli	t0, \prio, 6
	slli	t0, t0, 3
	add	t0, t0, tp              /* + HART_RQ_BITMAP: its bitmap word */
	ld	t3, HART_RQ_BITMAP(t0)
	li	ra, 1
	sll	ra, ra, \prio           /* bit prio % 64 */
	or	t3, t3, ra
	sd	t3, HART_RQ_BITMAP(t0)
	lw	t0, HART_RQ_TOP(tp)
	bge	t0, \prio, .Linserted\@
	sw	\prio, HART_RQ_TOP(tp)
	j	.Linserted\@
	.subsection 0
.endm

/* \th, the head of the wait queue at \qoff(\base), leaves it (t0 scratch). */
.macro fast_dequeue_head base, qoff, th
	ld	t0, TH_WAIT_NEXT(\th)
	sd	t0, \qoff + WQ_HEAD(\base)
	bnez	t0, .Lnext\@
	sd	zero, \qoff + WQ_TAIL(\base)
.Lunqueued\@:
	sd	zero, TH_WQ(\th)
	.subsection 1
.Lnext\@:                               /* t0 = the next thread, the new head */
	sd	zero, TH_WAIT_PREV(t0)
	sd	zero, TH_WAIT_NEXT(\th)
	j	.Lunqueued\@
	.subsection 0
.endm

/* \th, in no queue (its links are NULL), joins the tail of the wait queue
 * at \qoff(\base) (t0 scratch). */
.macro fast_enqueue_tail base, qoff, th
	addi	t0, \base, \qoff
	sd	t0, TH_WQ(\th)
	ld	t0, \qoff + WQ_TAIL(\base)
	bnez	t0, .Lbehind\@
	sd	\th, \qoff + WQ_HEAD(\base)
.Lqueued\@:
	sd	\th, \qoff + WQ_TAIL(\base)
	.subsection 1
.Lbehind\@:                             /* t0 = the old tail */
	sd	t0, TH_WAIT_PREV(\th)
	sd	\th, TH_WAIT_NEXT(t0)
	j	.Lqueued\@
	.subsection 0
.endm

/* The last check before the commit: the partner t4 is on this hart; it and
 * cur have no timeout armed and no exception message, and to's priority is
 * at least cur's: one word each (timed | fpu_used << 8 | exc << 16 |
 * prio << 24; a lower priority is checked again out of line, fast_fpu). With no FP state on either side sstatus is the same for
 * both and is neither saved nor restored; otherwise fast_fpu does that. */
.macro fast_check_partner fpu, fpu_lt, home=1
	.if \home
	ld	t0, TH_HOME(t4)
	bne	t0, tp, ecall_slow
	.endif
	lwu	t0, TH_FLAGS(t6)
	lwu	t5, TH_FLAGS(t4)
	bltu	t5, t0, \fpu_lt         /* a lower priority, or flags set */
	or	t0, t0, t5
	slli	t0, t0, 40              /* timed 40..47, fpu_used 48..55, exc 56..63 */
	bnez	t0, \fpu
.endm

/* Out of line, t0 and t5 as fast_check_partner left them (at \fpu_lt the
 * two words, at \fpu their or << 40). A partner of a lower priority than
 * cur's is fine too: cur waits from the commit on (for the reply, or for
 * the next call), so the partner runs if it outranks every queued thread,
 * as schedule() decides for a thread it woke (one of the same priority
 * queues behind them). exc and timed still go to the general path; FP
 * state is fine where the partner has none, or owns the FP registers.
 * cur's sstatus (FS) joins its frame, to's is loaded now (interrupts stay
 * off: SIE is 0 in a saved sstatus), then back to the commit. */
.macro fast_fpu fpu, fpu_lt, back
\fpu_lt:
	or	t0, t0, t5
	slli	t0, t0, 40
	bnez	t0, \fpu
	lbu	t5, TH_PRIO(t4)         /* no flags: the priority is lower than cur's */
	lw	t0, HART_RQ_TOP(tp)
	bge	t0, t5, ecall_slow
	j	\back
\fpu:
	srli	t5, t0, 56
	bnez	t5, ecall_slow
	slli	t5, t0, 16
	bnez	t5, ecall_slow
	lbu	t5, TH_PRIO(t4)         /* the words had flags: the priority against the queue alone */
	lw	t0, HART_RQ_TOP(tp)
	bge	t0, t5, ecall_slow
	lbu	t5, TH_FPU_USED(t4)
	beqz	t5, 1f
	ld	t5, HART_FPU_OWNER(tp)
	bne	t5, t4, 2f
1:	csrr	t5, sstatus
	sd	t5, TH_FRAME + TF_SSTATUS(t6)
3:	ld	t5, TH_FRAME + TF_SSTATUS(t4)
	csrw	sstatus, t5
	j	\back
	/* The partner's FP registers are not in the FPU: the owner's (t5, cur
	 * if it has FP state: a thread with FP state runs only as the owner)
	 * go out if dirty, the partner's come in, as switch_to does. fpu.S
	 * uses a0, t0 and ra; a0 (the tag) waits in cur's frame, where the
	 * commit stores it anyway. cur's sstatus joins its frame first: the
	 * routines turn FS on. */
2:	csrr	t0, sstatus
	sd	t0, TH_FRAME + TF_SSTATUS(t6)
	sd	a0, TH_FRAME + TF_REG(10)(t6)
	beqz	t5, 4f
	ld	t0, TH_FRAME + TF_SSTATUS(t5)
	srli	t0, t0, 13
	andi	t0, t0, 3
	addi	t0, t0, -3
	bnez	t0, 4f                  /* the owner's registers are saved already */
	addi	a0, t5, TH_FPU
	call	fpu_save
	fast_fs_clean t5
4:	addi	a0, t4, TH_FPU
	call	fpu_restore
	sd	t4, HART_FPU_OWNER(tp)
	fast_fs_clean t4
	ld	a0, TH_FRAME + TF_REG(10)(t6)
	j	3b
.endm

/* \th, the head of priority \prio's list in this hart's run queue, leaves
 * it (runq_remove). The last of its priority takes its bit from the bitmap,
 * and the top becomes the next lower priority queued (runq_top_below, C,
 * on the kernel stack: a0..a7 and s1..s3 must be free, sscratch 0 from
 * then on), or -1. Scratch: t0, t1, t5, a1, a2. */
.macro fast_runq_remove_head th, prio
	addi	t1, \th, TH_RQ          /* l */
	lw	t0, HART_RQ_COUNT(tp)
	addiw	t0, t0, -1
	sw	t0, HART_RQ_COUNT(tp)
	slli	t0, \prio, 3
	add	t0, t0, tp              /* + HART_RQ_HEAD: &head[prio] */
	ld	t5, RQ_NEXT(t1)
	beq	t5, t1, .Lalone\@
	sd	t5, HART_RQ_HEAD(t0)
	ld	t0, RQ_PREV(t1)
	sd	t5, RQ_NEXT(t0)
	sd	t0, RQ_PREV(t5)
.Lremoved\@:
	sd	zero, RQ_NEXT(t1)
	sd	zero, RQ_PREV(t1)
	.subsection 1
.Lalone\@:
	sd	zero, HART_RQ_HEAD(t0)
	srli	t0, \prio, 6
	slli	t0, t0, 3
	add	t0, t0, tp              /* + HART_RQ_BITMAP: its bitmap word */
	ld	t5, HART_RQ_BITMAP(t0)
	li	a1, 1
	sll	a1, a1, \prio
	xor	t5, t5, a1              /* the bit is set: clear it */
	sd	t5, HART_RQ_BITMAP(t0)
	lw	a1, HART_RQ_COUNT(tp)
	li	a2, -1
	beqz	a1, .Ltop\@             /* the queue is empty now */
	mv	s1, \th
	mv	s2, ra
	mv	s3, t1
	csrw	sscratch, zero          /* C runs: a trap now is the kernel's */
	ld	sp, HART_KSTACK(tp)
	addi	a0, tp, HART_RQ
	mv	a1, \prio
	call	runq_top_below
	mv	a2, a0
	mv	\th, s1
	mv	ra, s2
	mv	t1, s3
.Ltop\@:
	sw	a2, HART_RQ_TOP(tp)
	j	.Lremoved\@
	.subsection 0
.endm

/* cur (t6) blocks in the wait queue at \q(t3), its ipc and state \state,
 * and the head of the run queue's top priority runs (schedule():
 * switch_to_queued); the idle loop (nothing queued: to \idle, by default
 * the general path) and FP state not in the FP registers go to the general
 * path. \name: a prefix for labels. ra = cur's task. With ack=1
 * (L4_IPC_ACK), the IRQ object's ack comes first, once nothing else can
 * fail: irq_ack_utcb (C, on the kernel stack, s1..s5 keep what the commit
 * needs); an error goes to the general path, nothing changed (it repeats
 * the ack, which fails the same way). */
.macro fast_block_switch q, state, name, ack=0, idle=ecall_slow
	lw	t2, HART_RQ_TOP(tp)
	bltz	t2, \idle              /* nothing else ready: idle */
	slli	t0, t2, 3
	add	t0, t0, tp
	ld	t4, HART_RQ_HEAD(t0)
	addi	t4, t4, -TH_RQ          /* the next thread */
	fast_check_fpu t4, t1, t5, \name\()_fpu
\name\()_commit:
	/* Commit. cur waits at the tail of the queue, a0..a7 as it made the
	 * call in its frame... */
	fast_store_args
	.if \ack
	mv	s1, t6
	mv	s2, t3
	mv	s3, t4
	mv	s4, t2
	mv	s5, ra
	csrw	sscratch, zero          /* C runs: a trap now is the kernel's */
	ld	sp, HART_KSTACK(tp)
	mv	a0, t6
	call	irq_ack_utcb
	mv	t6, s1
	bnez	a0, \name\()_fail
	mv	t3, s2
	mv	t4, s3
	mv	t2, s4
	mv	ra, s5
	.endif
	li	t1, \state
	sh	t1, TH_IPCSTATE(t6)
	fast_enqueue_tail t3, \q, t6
	/* ...and the next thread leaves the run queue and runs. */
	fast_runq_remove_head t4, t2
	fast_become t4, ra, a0
	j	trap_return_to_user

	fast_switch_fpu t4, t1, \name\()_fpu, \name\()_commit, 0
	.if \ack
\name\()_fail:
	/* The ack failed: the general path, with the call's a0..a7. */
	.irp n, 10,11,12,13,14,15,16,17
	ld	x\n, TH_FRAME + TF_REG(\n)(t6)
	.endr
	j	ecall_slow
	.endif
.endm

/* th's saved sstatus.FS: Clean (its registers are in its struct fpu_state). */
.macro fast_fs_clean th
	ld	t0, TH_FRAME + TF_SSTATUS(\th)
	li	ra, ~(3 << 13)          /* ~SSTATUS_FS */
	and	t0, t0, ra
	li	ra, 2 << 13             /* SSTATUS_FS_CLEAN */
	or	t0, t0, ra
	sd	t0, TH_FRAME + TF_SSTATUS(\th)
.endm

/* cur's a0..a7 as it made the call, next to its kept registers: what an
 * error ending its wait leaves in a1..a7, and what exregs shows meanwhile. */
.macro fast_store_args
	.irp n, 10,11,12,13,14,15,16,17
	sd	x\n, TH_FRAME + TF_REG(\n)(t6)
	.endr
.endm

/* What a wait that takes a notification's bits returns: tag 0 (with
 * tag=a0: the tag in a0 already), a1..a6 zero (a7, the bits, is the
 * caller's). */
.macro fast_ntf_msg tag=none
	.irp r, a0, a1, a2, a3, a4, a5, a6
	.ifnc \r, \tag
	li	\r, 0
	.endif
	.endr
.endm

/* \th leaves the wait queue it is in, wherever in it (waitq_remove).
 * Scratch: t0, t2, ra. No subsections: it is used out of line. */
.macro fast_waitq_remove th
	ld	t0, TH_WQ(\th)
	ld	t2, TH_WAIT_PREV(\th)
	ld	ra, TH_WAIT_NEXT(\th)
	addi	t0, t0, WQ_HEAD         /* t0 = where prev's next is: the queue's head... */
	beqz	t2, 1f
	addi	t0, t2, TH_WAIT_NEXT    /* ...or prev->wait_next */
1:	sd	ra, 0(t0)
	ld	t0, TH_WQ(\th)
	addi	t0, t0, WQ_TAIL         /* where next's prev is: the queue's tail... */
	beqz	ra, 2f
	addi	t0, ra, TH_WAIT_PREV    /* ...or next->wait_prev */
2:	sd	t2, 0(t0)
	sd	zero, TH_WQ(\th)
	sd	zero, TH_WAIT_PREV(\th)
	sd	zero, TH_WAIT_NEXT(\th)
.endm

/* The thread t4 that a signal wakes leaves its queue: a waiter the head of
 * the notification t3's waiters (a0 = 0), the bound thread the receivers
 * of its endpoint (a0 = L4_TAG_NOTIFY). Scratch: t0, t2, ra. */
.macro fast_signal_unqueue
	bnez	a0, .Lsu_bound\@
	fast_dequeue_head t3, NTF_WAITERS, t4
.Lsu_done\@:
	lbu	t0, TH_FLAGS(t4)        /* timed */
	bnez	t0, .Lsu_timed\@
.Lsu_untimed\@:
	.subsection 1
.Lsu_bound\@:
	fast_waitq_remove t4
	j	.Lsu_done\@
.Lsu_timed\@:
	/* its timeout leaves this hart's list (timeout_disarm: the timer
	 * may fire early, which is harmless). Scratch: t0, ra. */
	ld	t0, TH_TO_NEXT(t4)
	ld	ra, TH_TO_PREV(t4)
	beqz	ra, 1f
	sd	t0, 0(ra)               /* prev->next */
	j	2f
1:	li	ra, HART_TIMEOUTS       /* the first: the list's head (an offset beyond 12 bits) */
	add	ra, ra, tp
	sd	t0, 0(ra)
	li	ra, 0
2:	beqz	t0, 3f
	sd	ra, 8(t0)               /* next->prev */
3:	sd	zero, TH_TO_NEXT(t4)
	sd	zero, TH_TO_PREV(t4)
	sb	zero, TH_FLAGS(t4)
	j	.Lsu_untimed\@
	.subsection 0
.endm

/* cur's result 0 and a1..a7 as it made the call, in its frame: it runs
 * again later, through trap_return_to_user. */
.macro fast_store_result0
	.irp n, 11,12,13,14,15,16,17
	sd	x\n, TH_FRAME + TF_REG(\n)(t6)
	.endr
	sd	zero, TH_FRAME + TF_REG(10)(t6)
.endm

/* Before a switch from cur (t6) to \to: with FP state on either side, out
 * of line to \fpu (fast_switch_fpu). \r1 = \to's fpu_used; \r2 scratch. */
.macro fast_check_fpu to, r1, r2, fpu
	lbu	\r1, TH_FPU_USED(\to)
	lbu	\r2, TH_FPU_USED(t6)
	or	\r2, \r2, \r1
	bnez	\r2, \fpu
.endm

/* Out of line, \r1 as fast_check_fpu left it: \to's FP state must be in
 * the FP registers if it has any (else the general path, nothing changed
 * yet); cur's sstatus (its FS) joins its frame, and with load=1 \to's is
 * loaded now (otherwise trap_return_to_user loads it with its frame). */
.macro fast_switch_fpu to, r1, fpu, back, load
\fpu:
	beqz	\r1, 1f
	ld	\r1, HART_FPU_OWNER(tp)
	bne	\r1, \to, ecall_slow
1:	csrr	\r1, sstatus
	sd	\r1, TH_FRAME + TF_SSTATUS(t6)
	.if \load
	ld	\r1, TH_FRAME + TF_SSTATUS(\to)
	csrw	sstatus, \r1
	.endif
	j	\back
.endm

/* Return to the thread t4 (current now): its pc and kept registers, ra and
 * t0..t6 zero except \zero, which is zero already. */
.macro fast_exit zero=none
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
	j	fast_sret
.endm

/* The hart runs `to` from now: its address space unless it is from_task's
 * (a flush only without ASIDs), hart->current, hart->frame (also left in
 * `frame`), a fresh slice. Scratch: t0, t5. */
.macro fast_become to, from_task, frame
	ld	t0, TH_TASK(\to)
	beq	t0, \from_task, .Lsame_as\@
	ld	t5, TASK_SATP(t0)
	csrw	satp, t5
	lhu	t5, TASK_ASID(t0)
	bnez	t5, .Lsame_as\@
	sfence.vma
.Lsame_as\@:
	sd	\to, HART_CURRENT(tp)
	addi	\frame, \to, TH_FRAME
	sd	\frame, HART_FRAME(tp)
.endm

/* to = t4 runs: its state, address space (flush only without ASIDs), the
 * hart's current thread, the words beyond the message's t2 zeroed, its kept
 * registers, ra and t0..t6 zero. */
.macro fast_switch_exit
	li	t0, IPCSTATE_RUN
	sh	t0, TH_IPCSTATE(t4)
	fast_become t4, ra, t0
	bnez	t2, 3f
	li	a1, 0
	li	a2, 0
	li	a3, 0
	li	a4, 0
	li	a5, 0
	li	a6, 0
	fast_exit t2    /* t2 = 0 already */
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
	fast_exit
.endm

	/* Assembled as part of trap.S (included at its end): the branches
	 * between the two reach. No linker relaxation in here: the word
	 * zeroing jumps by computed offsets. */
	.section .text
	.option push
	.option norelax
	.balign 4

	/* The parts the macros put out of line (subsection 1) follow all of
	 * this file's straight-line code; this label names them in
	 * tools/itrace.py's breakdown. */
	.subsection 1
fast_cold:
	.subsection 0

syscall_trap:
	/*
	 * An ecall (trap.S: tp = hart, the user's t0 in hart->scratch, sscratch
	 * = the user's tp): ra and t0..t6 are free (they return as 0). Save
	 * what the ABI keeps and pc + 4 in the frame (a0..a7: at the fast
	 * path's commit, or in C). Its scause is EXC_ECALL_U already
	 * (trap_return_to_user leaves every frame of a running thread so).
	 */
	ld	t6, HART_CURRENT(tp)    /* t6 = cur; its frame is hart->frame */
	sd	sp, TH_FRAME + TF_REG(2)(t6)
	kept	sd, t6, TH_FRAME
	csrr	t0, sscratch
	sd	t0, TH_FRAME + TF_REG(4)(t6)
	csrr	t0, sepc
	addi	t0, t0, 4
	sd	t0, TH_FRAME + TF_PC(t6)

	/*
	 * The IPC fast path: call, or reply-and-wait, with a register-only
	 * message, between two threads without FP state in the way. a0..a7
	 * stay untouched until the switch is certain.
	 */
	ld	t0, HART_SYSMASK(tp)    /* 0xfff, 0 with the fast path off */
	and	t0, t0, a7
	addi	t0, t0, -FAST_CALL
	bnez	t0, fast_not_call

	/* --- call --- */
fast_call:
	fast_check_tag
	fast_lookup RIGHT_W
	/* to = the first receiver, no caller yet; the receivers' queue is this
	 * hart's (waitq.h: home), so every thread in it is on this hart */
	ld	t0, EP_RECV_HOME(t3)
	bne	t0, tp, ecall_slow
	ld	t4, EP_RECV_HEAD(t3)
	beqz	t4, ecall_slow
	ld	t0, TH_CALLER(t4)
	bnez	t0, ecall_slow
	fast_check_partner fast_call_fpu, fast_call_fpu_lt, 0
fast_call_commit:
	fast_store_args
	/* Commit. to leaves the head of the receivers... */
	fast_dequeue_head t3, EP_RECV, t4
	/* ...holds cur's reply right; cur waits for the reply. */
	sd	t6, TH_CALLER(t4)
	sd	t4, TH_CALLEE(t6)
	li	t0, IPCSTATE_REPLY
	sh	t0, TH_IPCSTATE(t6)
	ld	a7, CAP_BADGE(t1)
	fast_switch_exit

	fast_fpu fast_call_fpu, fast_call_fpu_lt, fast_call_commit

fast_not_call:
	addi	t0, t0, FAST_CALL - FAST_REPLY_WAIT
	bnez	t0, fast_not_rw

	/* --- reply-and-wait --- */
fast_reply_wait:
	fast_check_tag fast_map_reply
	fast_lookup RIGHT_R
	/* cur waits in a receivers' queue of this hart (waitq.h: home) */
	ld	t0, EP_RECV_HOME(t3)
	bne	t0, tp, ecall_slow
	/* to = the caller: on this hart, not an exception message */
	ld	t4, TH_CALLER(t6)
	beqz	t4, ecall_slow
	/* no sender waits, no bound notification could end the wait */
	ld	t0, EP_SEND_HEAD(t3)
	bnez	t0, ecall_slow
	ld	t0, TH_BOUND(t6)
	bnez	t0, ecall_slow
	fast_check_partner fast_rw_fpu, fast_rw_fpu_lt
fast_rw_commit:
	fast_store_args
	/* Commit. to gets the reply... */
	sd	zero, TH_CALLEE(t4)
	sd	zero, TH_CALLER(t6)
	/* ...cur waits at the tail of the receivers. */
	li	t0, IPCSTATE_RECV
	sh	t0, TH_IPCSTATE(t6)
	fast_enqueue_tail t3, EP_RECV, t6
	li	a7, 0
	fast_switch_exit

	fast_fpu fast_rw_fpu, fast_rw_fpu_lt, fast_rw_commit

	/*
	 * --- reply-and-wait with one map item: a pager's reply to a page fault ---
	 * Taken when the caller waits for its pager's reply, the tag is exactly
	 * one item (label 0, no words) and the item maps (not grants) one 4 KiB
	 * page at the fault address; space_map_fast does the rest of the checks
	 * and the map (the rights must allow the faulting access, the
	 * destination's tables must be there and its slot free), or changes
	 * nothing. Then the faulting thread runs again, all its registers as
	 * they were, and cur waits on the endpoint. cur's a0..a7 go to its
	 * frame first (as at the commit of the other cases): from there on
	 * a0..a7 and s1..s11 (saved at the entry) are free, and fast_map_slow
	 * loads a0..a7 back.
	 * Registers: s1 = cur, s2 = c (the caller), s3 = the endpoint, s4 =
	 * cur's task (they survive the call), a0..a5 = space_map_fast's arguments.
	 */
fast_map_reply:
	li	t0, MAP1_TAG
	bne	a0, t0, ecall_slow
	lbu	t0, HART_SMP(tp)        /* several harts: the mapping database needs the lock */
	bnez	t0, ecall_slow
	fast_lookup RIGHT_R
	fast_store_args
	mv	s1, t6
	mv	s3, t3
	mv	s4, ra
	/* c: waiting for its pager's reply (a5 = the access), on this hart,
	 * priority at least cur's, FP state fine; no sender queued, no bound
	 * notification (cur will wait) */
	ld	s2, TH_CALLER(t6)
	beqz	s2, fast_map_slow
	lbu	a5, TH_PF(s2)
	beqz	a5, fast_map_slow
	ld	t0, EP_SEND_HEAD(t3)
	bnez	t0, fast_map_slow
	ld	t0, TH_BOUND(t6)
	bnez	t0, fast_map_slow
	ld	t0, TH_HOME(s2)
	bne	t0, tp, fast_map_slow
	lbu	t0, TH_PRIO(t6)
	lbu	t5, TH_PRIO(s2)
	bltu	t5, t0, fast_map_slow
	lbu	t0, TH_FPU_USED(s2)
	bnez	t0, fast_map_fpu
fast_map_item:
	/* word 0 (a1): a map item, bits 4..11 clear */
	addi	t0, a1, -ITEM_MEM
	slli	t0, t0, 52
	bnez	t0, fast_map_slow
	/* the flexpage (a2): a4 = its rights (W alone: space_map_fast refuses
	 * it), a2 = its base, below 2^38; the rest 4 KiB (bits 0..7 = 12), bit 11 clear */
	srli	a4, a2, 8
	andi	a4, a4, 7
	andi	t0, a2, -0x701          /* all but the rights */
	srli	a2, a2, 12
	slli	a2, a2, 12
	sub	t0, t0, a2
	addi	t0, t0, -12
	bnez	t0, fast_map_slow
	srli	t0, a2, 38
	bnez	t0, fast_map_slow
	/* where it lands (the window is all of user space): a3 = the hotspot
	 * mod 2^38, page-aligned; it must be the page of the fault address,
	 * and in user space */
	slli	a3, a1, 26
	srli	a3, a3, 38
	slli	a3, a3, 12
	ld	t0, TH_FRAME + TF_STVAL(s2)
	xor	t0, t0, a3
	srli	t0, t0, 12
	bnez	t0, fast_map_slow
	lui	t0, USER_BASE_HI
	bltu	a3, t0, fast_map_slow
	/* space_map_fast(cur's space, c's space, a2, a3, a4, a5) */
	addi	a0, ra, TASK_SPACE
	ld	a1, TH_TASK(s2)
	addi	a1, a1, TASK_SPACE
	csrw	sscratch, zero          /* C runs: a trap now is the kernel's */
	ld	sp, HART_KSTACK(tp)
	call	space_map_fast
	bnez	a0, fast_map_slow
	/* Commit. c has its reply: it runs again... */
	sd	zero, TH_CALLEE(s2)
	sd	zero, TH_CALLER(s1)
	li	t0, IPCSTATE_RUN
	sh	t0, TH_IPCSTATE(s2)
	sb	zero, TH_EXC(s2)
	sb	zero, TH_PF(s2)
	/* ...cur waits at the tail of the receivers (as at fast_rw_commit) */
	li	t0, IPCSTATE_RECV
	sh	t0, TH_IPCSTATE(s1)
	fast_enqueue_tail s3, EP_RECV, s1
	/* cur's sstatus (its FS) joins its frame; c's comes with its registers */
	csrr	t0, sstatus
	sd	t0, TH_FRAME + TF_SSTATUS(s1)
	/* c runs: its address space, the hart's current thread and frame, a
	 * fresh slice, then all its registers (its frame is a fault's) */
	fast_become s2, s4, t6
	j	return_full

fast_map_fpu:
	/* c has FP state: it must own the FP registers */
	ld	t0, HART_FPU_OWNER(tp)
	bne	t0, s2, fast_map_slow
	j	fast_map_item

fast_map_slow:
	/* Not the common case, nothing changed: the general path, with the call's a0..a7. */
	mv	t6, s1
	.irp n, 10,11,12,13,14,15,16,17
	ld	x\n, TH_FRAME + TF_REG(\n)(t6)
	.endr

ecall_slow:
	/* Not for the fast path: sstatus joins the frame, then C (syscall.c)
	 * with the call's a0..a7 as arguments. */
	csrr	t0, sstatus
	sd	t0, TH_FRAME + TF_SSTATUS(t6)
	csrw	sscratch, zero
	ld	sp, HART_KSTACK(tp)
	call	syscall_entry
	/* syscall_entry does not return. */
1:	j	1b

	/*
	 * --- a page fault to a pager waiting on this hart ---
	 * trap.S saved the frame whole (sp = it, a1 = stval) and found in the
	 * hart's table that the cause is a page fault it may take, s1 = the
	 * access (L4_FP_R/W/X). Same checks as the call above, the pager
	 * selector in place of a7. Anything else: trap_slow, nothing changed.
	 * t6 = cur, ra = its task, t1 = the capability slot, t3 = the
	 * endpoint, t4 = the receiver.
	 */
pagefault_fast:
	lbu	t0, HART_SMP(tp)
	bnez	t0, smp_pf_enter
pagefault_fast_go:
	addi	t6, sp, -TH_FRAME
	ld	ra, TH_TASK(t6)
	ld	t1, TH_PAGER_SEL(t6)
	fast_cap_ep RIGHT_W, trap_slow
	/* to = the first receiver (of this hart's queue: waitq.h, home), no
	 * caller yet, priority at least cur's, no timeout, FP state fine
	 * (none, or in the registers) */
	ld	t0, EP_RECV_HOME(t3)
	bne	t0, tp, trap_slow
	ld	t4, EP_RECV_HEAD(t3)
	beqz	t4, trap_slow
	ld	t0, TH_CALLER(t4)
	bnez	t0, trap_slow
	lbu	t0, TH_PRIO(t6)
	lbu	t5, TH_PRIO(t4)
	bltu	t5, t0, trap_slow
	lhu	t0, TH_FLAGS(t4)        /* timed | fpu_used << 8 */
	bnez	t0, fast_pf_flags
fast_pf_commit:
	/* Commit. to leaves the head of the receivers... */
	fast_dequeue_head t3, EP_RECV, t4
	/* ...holds cur's reply right; cur waits for the reply, its message a page fault */
	sd	t6, TH_CALLER(t4)
	sd	t4, TH_CALLEE(t6)
	li	t0, IPCSTATE_REPLY
	sh	t0, TH_IPCSTATE(t6)
	li	t0, 1
	sb	t0, TH_EXC(t6)
	sb	s1, TH_PF(t6)
	/* The message (ipc/message.c, msg_word): MR0 = fault address | access, MR1 = pc, the badge. */
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
	fast_become t4, ra, t0
	ld	t0, TH_FRAME + TF_SSTATUS(t4)
	csrw	sstatus, t0
	fast_exit

fast_pf_flags:
	/* t0 = timed | fpu_used << 8 of to */
	andi	t5, t0, 0xff
	bnez	t5, trap_slow
	ld	t5, HART_FPU_OWNER(tp)
	bne	t5, t4, trap_slow
	j	fast_pf_commit

	/*
	 * The notification and yield fast paths, after the page-fault one so
	 * that user_trap's branch to pagefault_fast stays a single
	 * instruction (+-4 KiB).
	 */
fast_not_rw:
	addi	t0, t0, FAST_REPLY_WAIT - FAST_SIGNAL
	beqz	t0, fast_signal
	addi	t0, t0, FAST_SIGNAL - FAST_WAIT
	beqz	t0, fast_wait
	addi	t0, t0, FAST_WAIT - FAST_YIELD
	beqz	t0, fast_yield
	addi	t0, t0, FAST_YIELD - FAST_ACK_RECV
	beqz	t0, fast_ack_recv
	lbu	t0, HART_SMP(tp)        /* several harts: the fast paths begin there */
	bnez	t0, smp_fast_enter
	j	ecall_slow

	/*
	 * --- signal (send on a notification) ---
	 * The bits (the capability's badge, else MR0) go into the notification
	 * (notification_signal). Taken: no waiter, and no bound thread that
	 * receives (cur goes on); or a first waiter, or else the bound thread
	 * receiving on its endpoint, on this hart without a timeout, which
	 * takes the bits (notification_deliver) and is queued behind its peers
	 * (its priority at most cur's: cur goes on) or, of a higher priority
	 * than cur, runs at once, cur keeping its place at the head of its
	 * priority (schedule(): queue_woken, preempt_by_woken). t6 = cur, t3 =
	 * the notification, t5 = its bits after the signal, t4 = the thread
	 * woken, t2 = its tag (0, or L4_TAG_NOTIFY for the bound thread; in
	 * a0 from the commit on: a0..a7 stay the call's until then).
	 */
fast_signal:
	fast_lookup RIGHT_W, ecall_slow, CAP_NTF
	ld	t0, NTF_HOME(t3)        /* its bits and waiters are this hart's (waitq.h) */
	bne	t0, tp, ecall_slow
	/* the tag: no items, no flags, bits 48..63 zero (t2 = words, <= 6) */
	ld	t0, HART_TAGMASK(tp)
	and	t2, a0, t0
	sltiu	t0, t2, 7
	beqz	t0, ecall_slow
	/* the bits: the badge, else MR0, which the tag must carry */
	ld	t5, CAP_BADGE(t1)
	bnez	t5, 1f
	beqz	t2, ecall_slow
	mv	t5, a1
1:	ld	t0, NTF_BITS(t3)
	or	t5, t5, t0
	fast_check_cur_goes_on          /* t0 = cur's priority */
	beqz	t5, fast_signal_set     /* no bits (0 | 0): nothing to take them */
	li	t2, 0
	ld	t4, NTF_WAITERS_HEAD(t3)
	bnez	t4, fast_signal_wake
	ld	t4, NTF_BOUND(t3)
	beqz	t4, fast_signal_set
	lhu	t1, TH_IPCSTATE(t4)
	li	t2, IPCSTATE_RECV
	bne	t1, t2, fast_signal_set /* the bound thread does not receive: the bits wait */
	li	t2, TAG_NOTIFY          /* it does: its receive ends */
fast_signal_wake:
	/* the thread t4: on this hart (no exception: it waits on a
	 * notification or receives; a timeout is disarmed at the commit,
	 * fast_signal_unqueue); t1 = its priority */
	ld	t1, TH_HOME(t4)
	bne	t1, tp, ecall_slow
	lbu	t1, TH_PRIO(t4)
	bltu	t0, t1, fast_signal_preempt
	/* Commit. The thread leaves its queue with the bits... */
	mv	a0, t2
	fast_signal_unqueue
	sd	zero, NTF_BITS(t3)
	li	t0, IPCSTATE_RUN
	sh	t0, TH_IPCSTATE(t4)
	sd	a0, TH_FRAME + TF_REG(10)(t4)
	.irp n, 11,12,13,14,15,16
	sd	zero, TH_FRAME + TF_REG(\n)(t4)
	.endr
	sd	t5, TH_FRAME + TF_REG(17)(t4)
	/* ...and waits for the hart behind its peers; cur goes on, a0 = 0. */
	fast_runq_insert t4, t1
	li	a0, 0
	fast_return_cur

fast_signal_set:
	/* Commit: the bits wait in the notification. */
	sd	t5, NTF_BITS(t3)
	li	a0, 0
	fast_return_cur

fast_signal_preempt:
	fast_check_fpu t4, t0, ra, fast_signal_fpu
fast_signal_switch:
	/* Commit. cur: its result 0, a1..a7 as they were, in its frame... */
	fast_store_result0
	mv	a0, t2
	/* ...the thread leaves its queue with the bits (in a7 from now)... */
	fast_signal_unqueue
	sd	zero, NTF_BITS(t3)
	mv	a7, t5
	li	t0, IPCSTATE_RUN
	sh	t0, TH_IPCSTATE(t4)
	/* ...cur keeps its place at the head of its priority, the thread runs:
	 * the tag a0, a1..a6 zero, a7 the bits */
	lbu	t1, TH_PRIO(t6)
	fast_runq_insert t6, t1, 1
	ld	ra, TH_TASK(t6)
	fast_become t4, ra, t0
	fast_ntf_msg a0
	fast_exit

	fast_switch_fpu t4, t0, fast_signal_fpu, fast_signal_switch, 1

	/*
	 * --- wait (receive on a notification), no timeout ---
	 * Bits pending: cur takes them and goes on (notification_deliver).
	 * None: cur waits at the tail of the waiters and the head of the run
	 * queue's top priority runs (schedule(): switch_to_queued), unless that
	 * is the idle loop (nothing queued) or needs its FP registers loaded.
	 * t6 = cur, t3 = the notification, t4 = the next thread, t2 = its
	 * priority.
	 */
fast_wait:
	fast_lookup RIGHT_R, fast_wait_to, CAP_NTF, fast_recv
	ld	t0, NTF_HOME(t3)        /* its bits and waiters are this hart's (waitq.h) */
	bne	t0, tp, ecall_slow
	ld	t5, NTF_BITS(t3)
	beqz	t5, fast_wait_block
fast_wait_bits:
	fast_check_cur_goes_on
	/* Commit: cur takes the bits: tag 0, a1..a6 zero, a7 the bits. */
	sd	zero, NTF_BITS(t3)
	mv	a7, t5
	fast_ntf_msg
	fast_return_cur

fast_wait_block:
	/* nothing else ready: the idle loop, from C (fast_wait_sleep) */
	fast_block_switch NTF_WAITERS, IPCSTATE_NOTIFY, fast_wait, 0, fast_wait_sleep

	/*
	 * --- wait with a receive timeout ---
	 * (The selector with a timeout above it was out of range.) No send
	 * timeout, a receive timeout that is neither zero (a poll) nor has bit
	 * 15 set: the lookup of the selector alone; bits pending are taken as
	 * above; none: cur blocks with its timeout (fast_wait_sleep).
	 */
fast_wait_to:
	srli	t0, a7, RCV_TO_SHIFT
	andi	t1, t0, 0x3ff
	beqz	t1, ecall_slow          /* never (the selector was out of range), or zero */
	srli	t1, t0, 15
	bnez	t1, ecall_slow          /* bit 15: EINVAL */
	slli	t1, a7, 64 - RCV_TO_SHIFT
	srli	t1, t1, 64 - RCV_TO_SHIFT + SEL_SHIFT
	srli	t0, t1, 20
	bnez	t0, ecall_slow          /* a send timeout */
	fast_cap CAP_NTF, RIGHT_R, ecall_slow
	ld	t0, NTF_HOME(t3)        /* its bits and waiters are this hart's (waitq.h) */
	bne	t0, tp, ecall_slow
	ld	t5, NTF_BITS(t3)
	bnez	t5, fast_wait_bits

	/*
	 * cur waits on the notification t3 (no bits) with the timeout in a7's
	 * top bits, or none: notification_wait_fast (C, on the kernel stack)
	 * blocks it and schedules, as the general path's notification_wait
	 * does after its decoding. a0..a7 and sstatus join cur's frame first.
	 */
fast_wait_sleep:
	lbu	t0, HART_SMP(tp)        /* several harts: blocking, timeouts and the idle loop */
	bnez	t0, ecall_slow          /* need the kernel lock (C) */
	fast_store_args
	csrr	t0, sstatus
	sd	t0, TH_FRAME + TF_SSTATUS(t6)
	csrw	sscratch, zero          /* C runs: a trap now is the kernel's */
	ld	sp, HART_KSTACK(tp)
	mv	a0, t6
	mv	a1, t3
	srli	a2, a7, RCV_TO_SHIFT
	call	notification_wait_fast  /* does not return */

	/*
	 * --- receive on an endpoint, no timeout, that blocks ---
	 * No sender queued and no bits in the bound notification: cur waits
	 * at the tail of the receivers (do_recv) and the next thread runs, as
	 * for a wait. t1 = the slot, t3 = its objr.
	 */
fast_recv:
	andi	t0, t3, CAP_EP | RIGHT_R
	addi	t0, t0, -(CAP_EP | RIGHT_R)
	bnez	t0, ecall_slow
	andi	t3, t3, CAP_OBJ_MASK
	ld	t0, EP_RECV_HOME(t3)    /* cur waits in a queue of this hart (waitq.h) */
	bne	t0, tp, ecall_slow
	ld	t0, EP_SEND_HEAD(t3)
	bnez	t0, ecall_slow
	ld	t4, TH_BOUND(t6)
	beqz	t4, fast_recv_block
	ld	t5, NTF_HOME(t4)        /* its bits are this hart's to take */
	bne	t5, tp, ecall_slow
	ld	t5, NTF_BITS(t4)
	bnez	t5, fast_recv_bits      /* the bound notification ends the receive at once */
fast_recv_block:
	fast_block_switch EP_RECV, IPCSTATE_RECV, fast_recv

	/*
	 * --- receive on an endpoint, bits in the bound notification t4 ---
	 * The receive ends at once with them (do_recv: notification_deliver,
	 * L4_TAG_NOTIFY) when nothing queued outranks cur.
	 */
fast_recv_bits:
	fast_check_cur_goes_on
	/* Commit: tag L4_TAG_NOTIFY, a1..a6 zero, a7 the bits. */
	sd	zero, NTF_BITS(t4)
	mv	a7, t5
	li	a0, TAG_NOTIFY
	fast_ntf_msg a0
	fast_return_cur

	/*
	 * --- receive on an endpoint with L4_IPC_ACK, that blocks ---
	 * A driver's wait for its next event: as fast_recv, and the IRQ
	 * object's ack at the commit (fast_block_switch, ack=1). Everything
	 * else with the flag (a notification, a sender queued, bound bits, a
	 * reply first, a timeout) takes the general path.
	 */
fast_ack_recv:
	lbu	t0, HART_SMP(tp)        /* several harts: an IRQ object is everyone's: */
	bnez	t0, ecall_slow          /* the kernel lock (C) */
	fast_lookup RIGHT_R, ecall_slow, CAP_EP
	ld	t0, EP_SEND_HEAD(t3)
	bnez	t0, ecall_slow
	ld	t0, TH_BOUND(t6)
	beqz	t0, fast_ack_recv_block
	ld	t0, NTF_BITS(t0)
	bnez	t0, ecall_slow
fast_ack_recv_block:
	fast_block_switch EP_RECV, IPCSTATE_RECV, fast_ack_recv_sw, 1

	/*
	 * --- yield ---
	 * a7 exactly L4_SYS_YIELD. A peer of cur's priority queued: cur takes
	 * its place as the tail and it runs (sched_yield_call); none, and
	 * nothing above: cur goes on with a fresh slice, as schedule() picks it
	 * again. cur's result is 0.
	 */
fast_yield:
	srli	t0, a7, 12
	bnez	t0, ecall_slow
	fast_check_cur_goes_on          /* t0 = cur's priority, t2 = the top */
	bne	t0, t2, fast_yield_alone
	slli	t1, t0, 3
	add	t1, t1, tp
	ld	t3, HART_RQ_HEAD(t1)    /* the peer's link */
	addi	t4, t3, -TH_RQ
	fast_check_fpu t4, t2, t5, fast_yield_fpu
fast_yield_commit:
	/* Commit. cur: result 0, a1..a7 in its frame... */
	fast_store_result0
	/* ...takes the peer's place in the ring and becomes the tail
	 * (runq_swap_head); the peer runs. */
	addi	t2, t6, TH_RQ           /* l */
	ld	t5, RQ_NEXT(t3)
	beq	t5, t3, 2f
	ld	t0, RQ_PREV(t3)
	sd	t5, RQ_NEXT(t2)
	sd	t0, RQ_PREV(t2)
	sd	t2, RQ_NEXT(t0)
	sd	t2, RQ_PREV(t5)
	sd	t5, HART_RQ_HEAD(t1)
3:	sd	zero, RQ_NEXT(t3)
	sd	zero, RQ_PREV(t3)
	ld	ra, TH_TASK(t6)
	fast_become t4, ra, a0
	j	trap_return_to_user
2:	sd	t2, RQ_NEXT(t2)         /* the peer was alone: so is cur */
	sd	t2, RQ_PREV(t2)
	sd	t2, HART_RQ_HEAD(t1)
	j	3b

	fast_switch_fpu t4, t2, fast_yield_fpu, fast_yield_commit, 0

fast_yield_alone:
	/* Commit: a fresh slice, a0 = 0. */
	sd	zero, HART_SLICE_OWNER(tp)
	li	a0, 0
	fast_return_cur

/*
 * Every fast path leaves through fast_sret, all user registers loaded and
 * sscratch = the hart. With one hart it is the sret; with several, smp.c
 * (smp_start) makes it a jump to smp_fast_sret first.
 */
	.balign 4
	.globl fast_sret
fast_sret:
	.option push
	.option norvc
	sret
	.option pop

/*
 * Several harts (docs/architecture.md, "Harts"): a fast path runs without
 * the kernel lock on objects of its own hart only (the homes above), and
 * excludes itself from the lock's holder: in_fast set, a full fence, then
 * the lock must be free (else the general path, which takes it); at the
 * exit in_fast goes, a full fence, and a holder that took the lock
 * meanwhile is woken (it waits for in_fast: smp.c, wait_fast_paths).
 * No atomic read-modify-write, no lock taken.
 */
	.subsection 1
smp_fast_enter:
	/* the ecall, not taken by the chain above (its mask is 0 with several harts) */
	lbu	t0, HART_SMPFAST(tp)
	beqz	t0, ecall_slow          /* switched off (L4_DEBUG_FASTPATH) */
	li	t0, 1
	sb	t0, HART_INFAST(tp)
	fence	rw, rw
	lw	t0, smp_klock
	bnez	t0, ecall_slow          /* held: C ends in_fast, then waits for it */
	fence	r, rw
	slli	t0, a7, 52
	srli	t0, t0, 52
	addi	t0, t0, -FAST_CALL
	beqz	t0, fast_call
	addi	t0, t0, FAST_CALL - FAST_REPLY_WAIT
	beqz	t0, fast_reply_wait
	addi	t0, t0, FAST_REPLY_WAIT - FAST_SIGNAL
	beqz	t0, fast_signal
	addi	t0, t0, FAST_SIGNAL - FAST_WAIT
	beqz	t0, fast_wait
	addi	t0, t0, FAST_WAIT - FAST_YIELD
	beqz	t0, fast_yield
	j	ecall_slow

smp_pf_enter:
	li	t0, 1
	sb	t0, HART_INFAST(tp)
	fence	rw, rw
	lw	t0, smp_klock
	bnez	t0, trap_slow
	fence	r, rw
	j	pagefault_fast_go

	.globl smp_fast_sret
smp_fast_sret:
	csrrw	tp, sscratch, tp        /* tp = the hart, sscratch = the user's tp */
	sd	t0, HART_FSAVE + 0(tp)
	sd	t1, HART_FSAVE + 8(tp)
	fence	rw, w
	sb	zero, HART_INFAST(tp)
	fence	rw, rw
	lw	t0, smp_klock
	beqz	t0, 2f
	ld	t1, smp_klock + KL_HOLDER       /* the holder's struct kl_cpu */
	beqz	t1, 2f
	addi	t0, tp, HART_KL
	beq	t1, t0, 2f
	addi	t1, t1, -HART_KL                /* its struct hart */
	/* wake the holder: a store to its ACLINT SSWI register, else an
	 * SBI IPI (a0, a1 come back changed) */
	ld	t0, HART_IPI_REG(t1)
	beqz	t0, 3f
	fence	w, o
	li	t1, 1
	sw	t1, 0(t0)
	j	2f
3:	sd	a0, HART_FSAVE + 16(tp)
	sd	a1, HART_FSAVE + 24(tp)
	sd	a6, HART_FSAVE + 32(tp)
	sd	a7, HART_FSAVE + 40(tp)
	li	a0, 1
	ld	a1, HART_HARTID(t1)
	li	a6, 0
	li	a7, SBI_EXT_IPI
	ecall
	ld	a0, HART_FSAVE + 16(tp)
	ld	a1, HART_FSAVE + 24(tp)
	ld	a6, HART_FSAVE + 32(tp)
	ld	a7, HART_FSAVE + 40(tp)
2:	ld	t0, HART_FSAVE + 0(tp)
	ld	t1, HART_FSAVE + 8(tp)
	csrrw	tp, sscratch, tp
	sret

	/* trap_return_to_user after a fast path (fast_block_switch): a0 = the
	 * frame, sp still the user's (no C): in_fast goes as above. */
	.globl smp_fast_leave_return
smp_fast_leave_return:
	fence	rw, w
	sb	zero, HART_INFAST(tp)
	fence	rw, rw
	lw	t0, smp_klock
	beqz	t0, return_locked
	ld	t1, smp_klock + KL_HOLDER
	beqz	t1, return_locked
	addi	t0, tp, HART_KL
	beq	t1, t0, return_locked
	addi	t1, t1, -HART_KL
	ld	t0, HART_IPI_REG(t1)
	beqz	t0, 3f
	fence	w, o
	li	t1, 1
	sw	t1, 0(t0)
	j	return_locked
3:	mv	t2, a0
	li	a0, 1
	ld	a1, HART_HARTID(t1)
	li	a6, 0
	li	a7, SBI_EXT_IPI
	ecall
	mv	a0, t2
	j	return_locked
	.subsection 0

	.option pop
