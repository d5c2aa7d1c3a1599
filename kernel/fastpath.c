/*
 * fastpath.c - the system-call entry and the IPC fast path.
 *
 * trap.S calls syscall_entry with the user's a0..a7 as arguments, having
 * saved only what the ABI keeps across a system call (and sstatus), when
 * its own fast path in assembly did not take the system call. That one
 * takes the same cases, only more conservatively (it also wants the
 * current thread without a timeout armed or an exception flag), so little
 * reaches this one; it stays as the reference the assembly follows. Two
 * cases run here entirely, with the message staying in registers:
 *
 *   call        on an endpoint (W) where a receiver waits, and
 *   reply-wait  to a caller waiting for this thread's reply, then waiting on
 *               an endpoint (R) where no sender waits,
 *
 * each with a register-only message (<= 6 words, no items, no flags), no
 * timeouts, a partner on this hart with at least the current priority (so
 * it is the right thread to run: nothing READY here has a higher priority
 * than the current thread), no timeout armed on the partner, and FP state
 * that needs no switch. They switch straight to the partner: no scheduler
 * pass, no run-queue operation, and no TLB flush where there are ASIDs.
 *
 * Everything else goes to the general path (ipc.c, syscall.c) with the
 * registers stored in the frame: both give the same results (the tests
 * run the same cases with the fast path on and off).
 */
#include <arch/csr.h>
#include <arch/hart.h>
#include <arch/mmu.h>
#include <arch/trapframe.h>

#include <l4/ipc.h>
#include <l4/kobj.h>

#include "ipc.h"
#include "obj/endpoint.h"
#include "obj/task.h"
#include "obj/thread.h"
#include "sched.h"
#include "syscall.h"

__attribute__((noreturn)) void syscall_entry(uint64_t tag, uint64_t w0, uint64_t w1, uint64_t w2,
					      uint64_t w3, uint64_t w4, uint64_t w5, uint64_t word);
__attribute__((noreturn)) void fastpath_exit(uint64_t tag, uint64_t w0, uint64_t w1, uint64_t w2,
					      uint64_t w3, uint64_t w4, uint64_t w5, uint64_t badge);

/* Syscall words the fast path takes: IPC, these flags, no timeouts (any selector). */
#define FAST_MASK (0xffffffff00000fffUL)
#define FAST_CALL (L4_SYS_IPC | L4_IPC_CALL)
#define FAST_REPLY_WAIT (L4_SYS_IPC | L4_IPC_REPLY_WAIT)

/* The system call's a0..a7 into frame f, next to the kept registers. */
static inline void store_args(struct trapframe *f, uint64_t tag, uint64_t w0, uint64_t w1, uint64_t w2,
			      uint64_t w3, uint64_t w4, uint64_t w5, uint64_t word)
{
	f->regs[REG_A0] = tag;
	f->regs[REG_A0 + 1] = w0;
	f->regs[REG_A0 + 2] = w1;
	f->regs[REG_A0 + 3] = w2;
	f->regs[REG_A0 + 4] = w3;
	f->regs[REG_A0 + 5] = w4;
	f->regs[REG_A0 + 6] = w5;
	f->regs[REG_A7] = word;
}

/* The general path: a0..a7 join the kept registers in the frame (whose
 * scause, 8, tells trap_return_to_user that ra and t0..t6 return as 0). */
__attribute__((noreturn, noinline)) static void slow(uint64_t tag, uint64_t w0, uint64_t w1, uint64_t w2,
						      uint64_t w3, uint64_t w4, uint64_t w5, uint64_t word)
{
	struct trapframe *f = this_hart()->frame;

	store_args(f, tag, w0, w1, w2, w3, w4, w5, word);
	syscall_dispatch(f);
	schedule();
}

/* Whether `to` can run with the FP registers as they are. */
static inline bool fpu_ready(const struct hart *h, const struct thread *to)
{
	return !to->fpu_used || h->fpu_owner == to;
}

void syscall_entry(uint64_t tag, uint64_t w0, uint64_t w1, uint64_t w2, uint64_t w3, uint64_t w4,
		   uint64_t w5, uint64_t word)
{
	struct hart *h = this_hart();
	struct thread *cur = h->current, *to;
	uint64_t kind = word & FAST_MASK, badge;

	if ((kind != FAST_CALL && kind != FAST_REPLY_WAIT) || (tag & ~0xffffffff0000UL) > L4_MSG_REG_WORDS ||
	    !ipc_fastpath_on)
		goto slow;

	const struct captab *ct = &cur->task->caps;
	uint64_t sel = word >> L4_SEL_SHIFT & L4_SEL_MAX;
	if (sel >= ct->nslots)
		goto slow;
	const struct cap *c = &ct->slot[sel];
	struct endpoint *ep = (struct endpoint *)cap_obj(c);
	if (!ep || ep->o.k.type != L4_OBJ_ENDPOINT)
		goto slow;

	if (kind == FAST_CALL) {
		to = ep->receivers.head;
		if (!(cap_rights(c) & L4_RIGHT_W) || !to || to->home != h || to->prio < cur->prio || to->timed ||
		    to->caller || !fpu_ready(h, to))
			goto slow;
		/* to leaves the head of the receivers and holds cur's reply right. */
		ep->receivers.head = to->wait_next;
		if (to->wait_next)
			to->wait_next->wait_prev = NULL;
		else
			ep->receivers.tail = NULL;
		to->wq = NULL;
		to->wait_next = NULL;
		to->caller = cur;
		cur->callee = to;
		cur->ipc = IPC_REPLY;
		badge = c->badge;
	} else {
		to = cur->caller;
		if (!(cap_rights(c) & L4_RIGHT_R) || !to || to->exc || to->home != h || to->prio < cur->prio ||
		    to->timed || !fpu_ready(h, to) || ep->senders.head || cur->bound)
			goto slow;
		/* to gets the reply; cur waits at the tail of the receivers. */
		to->callee = NULL;
		cur->caller = NULL;
		cur->ipc = IPC_RECV;
		cur->wq = &ep->receivers;
		cur->wait_next = NULL;
		cur->wait_prev = ep->receivers.tail;
		if (ep->receivers.tail)
			ep->receivers.tail->wait_next = cur;
		else
			ep->receivers.head = cur;
		ep->receivers.tail = cur;
		badge = 0;
	}
	to->ipc = IPC_NONE;
	to->state = L4_THREAD_READY;
	cur->state = L4_THREAD_BLOCKED;
	/* cur's registers as it made the call: what an error ending its wait
	 * leaves in a1..a7, and what exregs shows meanwhile. */
	store_args(&cur->frame, tag, w0, w1, w2, w3, w4, w5, word);

	/* Switch: the partner's address space (no flush with ASIDs) and frame. */
	if (to->task != cur->task) {
		csr_write(satp, to->task->satp);
		if (!to->task->space.asid)
			sfence_vma_all();
	}
	h->current = to;
	h->frame = &to->frame;
	h->slice_owner = NULL;

	/* Words beyond the message's count are zero: nothing of cur leaks. */
	switch (tag & L4_TAG_WORDS_MASK) {
	case 0: w0 = 0; /* fall through */
	case 1: w1 = 0; /* fall through */
	case 2: w2 = 0; /* fall through */
	case 3: w3 = 0; /* fall through */
	case 4: w4 = 0; /* fall through */
	case 5: w5 = 0; /* fall through */
	default: break;
	}
	fastpath_exit(tag, w0, w1, w2, w3, w4, w5, badge);
slow:
	slow(tag, w0, w1, w2, w3, w4, w5, word);
}
