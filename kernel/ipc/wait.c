/*
 * ipc/wait.c - the end of a wait: timeouts (a sorted list per hart),
 * cancelling, waking, and handing threads whose message was a fault to the
 * deferred work (ipc/fault.c, ipc_run_deferred).
 */
#include "smp.h"
#include "hart.h"
#include <arch/timer.h>
#include <arch/trapframe.h>

#include <l4/errno.h>

#include "ipc/internal.h"

static uint64_t timeout_ticks(unsigned to)
{
	uint64_t us = (uint64_t)(to & 0x3ff) << (to >> 10 & 0x1f);     /* < 2^41 */

	/* No overflow for timebases below 2^32 Hz, and no 128-bit division. */
	return us / 1000000 * sched_timebase + us % 1000000 * sched_timebase / 1000000;
}

/* The thread with the earliest deadline on h, or NULL. */
static struct thread *first_timeout(const struct hart *h)
{
	return dlist_first(&h->timeouts, struct thread, to_link);
}

/* Sorted by deadline; among equal ones, first come first served. */
void timeout_arm(struct thread *th, unsigned to)
{
	struct hart *h = th->home;
	struct thread *prev = NULL, *t;

	th->deadline = timer_now() + timeout_ticks(to);
	dlist_for_each(t, &h->timeouts, to_link) {
		if (t->deadline > th->deadline)
			break;
		prev = t;
	}
	dlist_insert_after(&h->timeouts, prev ? &prev->to_link : NULL, &th->to_link);
	th->timed = true;
	if (!prev && th->deadline < h->timer_armed)
		timer_set(th->deadline);        /* the first deadline: the timer fires no later */
}

uint64_t ipc_first_deadline(const struct hart *h)
{
	struct thread *t = first_timeout(h);

	return t ? t->deadline : UINT64_MAX;
}

void ipc_expire(struct hart *h, uint64_t now)
{
	for (struct thread *t; (t = first_timeout(h)) && t->deadline <= now;)
		ipc_wake(t, -L4_ETIMEDOUT);
}

void ipc_cancel(struct thread *th)
{
	cancel(th);
}

void ipc_wake(struct thread *th, long err)
{
	kassert(th->state == L4_THREAD_BLOCKED);
	if (th->ipc == IPC_DEFER)
		return;         /* its IPC has ended already */
	if (th->exc) {
		/* A page fault goes on to the exception handler, a failed
		 * exception message stops the thread: later (ipc.h). */
		struct hart *h = th->home;
		bool pf = th->pf != 0;
		ipc_cancel(th);
		th->exc = true;         /* stopped meanwhile, it runs the instruction again */
		th->defer_err = pf ? 0 : (int32_t)err;
		th->ipc = IPC_DEFER;
		waitq_push(&h->deferred, th);
		smp_kick(h);    /* another hart's: it does the work at the IPI */
		return;
	}
	ipc_cancel(th);
	th->frame.regs[REG_A0] = (uint64_t)err;
	sched_make_ready(th);
}

void ipc_abandon(struct thread *th)
{
	kassert(th->state == L4_THREAD_BLOCKED);
	if (!th->exc) {
		ipc_wake(th, -L4_ECANCELED);
		return;
	}
	ipc_cancel(th);
	sched_make_ready(th);
}

void ipc_drop_caller(struct thread *th)
{
	if (th->caller)
		ipc_wake(th->caller, -L4_ECANCELED);
}
