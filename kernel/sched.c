/* sched.c - per-hart scheduling, the tick and the idle loop (sched.h). */
#include <arch/cpu.h>
#include <arch/fpu.h>
#include <arch/irq.h>
#include "hart.h"
#include <arch/timer.h>

#include <l4/kobj.h>

#include "console.h"
#include "ipc/ipc.h"
#include "lib/kassert.h"
#include "obj/irq.h"
#include "obj/task.h"
#include "obj/thread.h"
#include "sched.h"
#include "smp.h"

uint64_t sched_timeslice;
uint64_t sched_timebase;

void sched_init(uint64_t timebase_hz)
{
	struct hart *h = this_hart();

	sched_timebase = timebase_hz ? timebase_hz : 10000000;
	sched_timeslice = sched_timebase / 100;
	runq_init(&h->rq);
	h->tick_deadline = UINT64_MAX;
}

void sched_timer_program(struct hart *h)
{
	uint64_t d = h->tick_deadline, first = ipc_first_deadline(h);

	if (first < d)
		d = first;
	if (d != h->timer_armed)
		timer_set(d);
}

/*
 * The thread made READY first during one entry into the kernel waits in
 * hart->woken, not in the run queue: when it is the one to run (an
 * interrupt's handler, a partner of a higher priority) schedule() switches
 * to it without queueing and unqueueing it. Any second wake-up before that
 * queues it first, so that threads of one priority keep their order.
 */
static inline __attribute__((always_inline)) void make_ready(struct hart *h, struct thread *th)
{
	struct thread *w = h->woken;

	th->state = L4_THREAD_READY;
	if (th == h->current)
		return;
	if (!w) {
		h->woken = th;
		return;
	}
	runq_enqueue(&h->rq, &w->rq, w->prio);
	h->woken = NULL;
	if (th->prio > w->prio)
		h->woken = th;
	else
		runq_enqueue(&h->rq, &th->rq, th->prio);
}

void sched_make_ready(struct thread *th)
{
	struct hart *h = th->home;

	make_ready(h, th);
	if (__builtin_expect(h != this_hart(), 0))
		smp_kick(h);            /* another hart's: it schedules at the IPI (a tail call) */
}

void sched_remove(struct thread *th)
{
	if (th->home->woken == th)
		th->home->woken = NULL;
	if (runq_linked(&th->rq))
		runq_remove(&th->home->rq, &th->rq, th->prio);
}

void sched_set_prio(struct thread *th, unsigned prio)
{
	if (runq_linked(&th->rq)) {
		runq_remove(&th->home->rq, &th->rq, th->prio);
		th->prio = (uint8_t)prio;
		runq_enqueue(&th->home->rq, &th->rq, th->prio);
	} else {
		th->prio = (uint8_t)prio;
	}
}

void sched_yield(void)
{
	struct hart *h = this_hart();
	struct thread *cur = h->current;

	if (cur && cur->state == L4_THREAD_READY) {
		runq_enqueue(&h->rq, &cur->rq, cur->prio);
		h->current = NULL;
	}
}

void sched_tick(void)
{
	struct hart *h = this_hart();
	uint64_t now = timer_now();

	ipc_expire(h, now);
	if (now >= h->tick_deadline) {
		if (h->current && h->current == h->slice_owner)
			sched_yield();
		h->slice_owner = h->current;
		h->tick_deadline = now + sched_timeslice;
	}
	sched_timer_program(h);
}

void sched_fpu_save_owner(struct hart *h)
{
	struct thread *fo = h->fpu_owner;

	if (fo && fpu_dirty(&fo->frame)) {
		fpu_save(&fo->fpu);
		fpu_set_clean(&fo->frame);
	}
}

/* Make `to` the running thread (its address space) and return to it. */
static inline __attribute__((always_inline, noreturn)) void run_common(struct hart *h, struct thread *to)
{
	mmu_switch(to->task->satp);
	h->current = to;
	h->arch.frame = &to->frame;
	trap_return_to_user(&to->frame);
}

/* run()'s rare cases: FP registers to save or load, the tick to resume. */
static __attribute__((noinline, noreturn)) void run_cold(struct hart *h, struct thread *to)
{
	struct thread *fo = h->fpu_owner;

	/* Lazy FP: save the owner's registers only if it changed them. */
	if (fo != to)
		sched_fpu_save_owner(h);
	if (to->fpu_used && fo != to) {
		fpu_restore(&to->fpu);
		h->fpu_owner = to;
		fpu_set_clean(&to->frame);
	}
	if (h->tick_deadline == UINT64_MAX) {
		h->tick_deadline = timer_now() + sched_timeslice;  /* leaving idle: the tick resumes */
		sched_timer_program(h);
	}
	run_common(h, to);
}

/* Make `to` the running thread, its address space and FP state, and return
 * to it. The common case (no FP state to move, the tick running) calls
 * nothing it comes back from, so that the callers keep no frame for it. */
static inline __attribute__((always_inline, noreturn)) void run(struct hart *h, struct thread *to)
{
	struct thread *fo = h->fpu_owner;

	if (__builtin_expect((fo != to && ((fo && fpu_dirty(&fo->frame)) || to->fpu_used)) ||
			     h->tick_deadline == UINT64_MAX, 0))
		run_cold(h, to);
	run_common(h, to);
}

/* schedule(): w, just woken, preempts cur, which keeps its place at the head. */
static __attribute__((noreturn, noinline)) void preempt_by_woken(struct hart *h, struct thread *cur, struct thread *w)
{
	h->woken = NULL;
	runq_enqueue_head(&h->rq, &cur->rq, cur->prio);
	h->current = NULL;
	run(h, w);
}

/* schedule(): the current thread blocked (or there is none); w runs. */
static __attribute__((noreturn, noinline)) void switch_to_woken(struct hart *h, struct thread *w)
{
	h->woken = NULL;
	h->current = NULL;
	run(h, w);
}

/*
 * The current thread has blocked and `to`, blocked until now and in no
 * queue, becomes READY: what sched_make_ready(to) and then schedule() do,
 * but when schedule() would run `to` at once (it is the first thread woken
 * in this entry, on this hart, nothing deferred, and it outranks the run
 * queue) it runs without passing through hart->woken and the decision.
 */
void sched_handoff(struct thread *to)
{
	struct hart *h = this_hart();

	if (to->home == h && !h->woken && !h->deferred.head && !console_log_fresh && (int)to->prio > h->rq.top) {
		to->state = L4_THREAD_READY;
		run(h, to);
	}
	sched_make_ready(to);
	schedule();
}

/* schedule(): the head of the highest priority runs; cur, if still READY,
 * was preempted and keeps its place at the head of its own. */
static __attribute__((noreturn, noinline)) void switch_to_queued(struct hart *h, struct thread *cur)
{
	unsigned prio;
	struct runq_link *best = runq_highest(&h->rq, &prio);
	struct thread *next = (struct thread *)((char *)best - __builtin_offsetof(struct thread, rq));

	runq_remove(&h->rq, best, prio);
	if (cur)
		runq_enqueue_head(&h->rq, &cur->rq, cur->prio);
	h->current = NULL;
	run(h, next);
}

/* schedule(): w, just woken, does not outrank what is READY: it is queued,
 * and cur (READY, or NULL) goes on unless a queued thread outranks it. */
static __attribute__((noreturn, noinline)) void queue_woken(struct hart *h, struct thread *cur, struct thread *w)
{
	h->woken = NULL;
	runq_enqueue(&h->rq, &w->rq, w->prio);
	if (cur && (int)cur->prio >= h->rq.top) {
		kassert(h->arch.frame == &cur->frame);
		trap_return_to_user(&cur->frame);
	}
	switch_to_queued(h, cur);
}

/*
 * The decision, when no deferred work waits: the thread woken in this
 * entry (hart->woken) runs if it outranks everything else (the current
 * thread if that is still READY, and the run queue); otherwise it is
 * queued, and the current thread goes on unless a queued one outranks it.
 * Returns only if nothing is READY. Every path that switches is a call of
 * its own, so schedule() itself keeps no frame.
 */
static inline __attribute__((always_inline)) void pick(struct hart *h)
{
	struct thread *cur = h->current, *w = h->woken;
	bool cur_ready = cur && cur->state == L4_THREAD_READY;

	if (w) {
		if ((int)w->prio > h->rq.top && (!cur_ready || w->prio > cur->prio)) {
			if (cur_ready)
				preempt_by_woken(h, cur, w);
			switch_to_woken(h, w);
		}
		queue_woken(h, cur_ready ? cur : NULL, w);
	}
	if (cur_ready && (int)cur->prio >= h->rq.top) {
		kassert(h->arch.frame == &cur->frame);
		trap_return_to_user(&cur->frame);
	}
	if (h->rq.top >= 0)
		switch_to_queued(h, cur_ready ? cur : NULL);
	h->current = NULL;
}

/* schedule()'s other cases: deferred work and fresh log bytes first (they
 * may make threads READY), and the idle loop. */
static __attribute__((noreturn, noinline)) void schedule_slow(struct hart *h)
{
	for (;;) {
		if (h->deferred.head)
			ipc_run_deferred(h, IPC_DEFER_BUDGET);
		console_log_kick();
		if (h->deferred.head)
			continue;               /* more than one budget's worth: threads woken so far wait */
		pick(h);
		/* Idle: nothing is READY. Sleep until the timer (IPC timeouts)
		 * or a device interrupt, take it, and look again. */
		if (console_log_kick_pending())
			continue;
		if (!h->idle_reported) {
			/* (only the boot hart: the others start idle) */
			kprintf("l4rv: no thread left to run on hart %lu; idle\n", h->hartid);
			h->idle_reported = true;
		}
		h->tick_deadline = UINT64_MAX;
		sched_timer_program(h);
		for (;;) {
			/* Device interrupts reach the boot hart only (smp.h). An
			 * IPI: a thread of this hart became READY, or a request. */
			bool tick = timer_pending() && h->timer_armed != UINT64_MAX;
			bool dev = h->index == 0 && irqc_pending(), ipi = smp_on && smp_ipi_pending();
			if (ipi)
				smp_ipi();
			if (tick)
				sched_tick();
			if (dev)
				irq_dispatch();
			if (tick || dev || ipi)
				break;
			smp_idle_wait();
			if (smp_on)
				break;  /* others ran meanwhile: look again (a kick's SSIP may be spent) */
		}
	}
}

void schedule(void)
{
	struct hart *h = this_hart();

	if (__builtin_expect(!h->deferred.head && !console_log_fresh, 1))
		pick(h);
	schedule_slow(h);
}

/* sched_yield_call: the peer runs, as schedule() would switch to it. */
static __attribute__((noreturn, noinline)) void yield_to(struct hart *h, struct thread *next)
{
	h->current = NULL;
	run(h, next);
}

void sched_yield_call(void)
{
	struct hart *h = this_hart();
	struct thread *cur = h->current;

	/* The common case, a peer of the same priority ready and nothing else
	 * pending: cur takes its place as the tail and it runs, without the
	 * queue's enqueue, pick and removal. */
	if (cur && cur->state == L4_THREAD_READY && h->rq.top == (int)cur->prio && !h->woken &&
	    !h->deferred.head && !console_log_fresh) {
		struct runq_link *n = runq_swap_head(&h->rq, &cur->rq, cur->prio);
		yield_to(h, (struct thread *)((char *)n - __builtin_offsetof(struct thread, rq)));
	}
	sched_yield();
}
