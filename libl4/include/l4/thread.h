/*
 * l4/thread.h - calls on a thread (protocol in l4/kobj.h). Each returns 0
 * or -L4_Exxx.
 */
#pragma once

#include <stdint.h>

#include <l4/sys.h>
#include <l4/kobj.h>

struct l4_thread_config {
	unsigned which;                 /* L4_THREAD_CFG_* */
	uint64_t task;                  /* selector of a task (caller's table) */
	uint64_t pager, exc_handler;    /* selectors in the thread's task */
	uint64_t utcb;                  /* address in the thread's task */
	unsigned prio, max_prio;
};

static inline long l4_thread_config(uint64_t thread, const struct l4_thread_config *c)
{
	struct l4_msg m = { .mr = { c->which, c->task, c->pager, c->exc_handler, c->utcb,
				    (uint64_t)c->prio | (uint64_t)c->max_prio << 8 } };
	long r = l4_call(thread, L4_THREAD_CONFIG, 6, &m);
	return r < 0 ? r : 0;
}

struct l4_exregs {
	unsigned flags;                 /* L4_EXREGS_* */
	uint64_t pc, sp, a0;            /* in: new values (if flagged); out: the previous ones */
	unsigned state;                 /* out: previous l4_thread_state */
};

static inline long l4_thread_exregs(uint64_t thread, struct l4_exregs *x)
{
	struct l4_msg m = { .mr = { x->flags, x->pc, x->sp, x->a0 } };
	long r = l4_call(thread, L4_THREAD_EXREGS, 4, &m);
	if (r < 0)
		return r;
	x->pc = m.mr[0];
	x->sp = m.mr[1];
	x->state = (unsigned)m.mr[2];
	x->a0 = m.mr[3];
	return 0;
}

/* Start `thread` at pc with sp and a0 = arg (it must be bound to a task). */
static inline long l4_thread_start(uint64_t thread, uint64_t pc, uint64_t sp, uint64_t arg)
{
	struct l4_exregs x = { .flags = L4_EXREGS_SET_PC | L4_EXREGS_SET_SP | L4_EXREGS_SET_A0 | L4_EXREGS_START,
			       .pc = pc, .sp = sp, .a0 = arg };
	return l4_thread_exregs(thread, &x);
}

static inline long l4_thread_stop(uint64_t thread)
{
	struct l4_exregs x = { .flags = L4_EXREGS_STOP };
	return l4_thread_exregs(thread, &x);
}

/*
 * Start `thread` (bound to the caller's own task) running fn(arg) on the
 * given stack; when fn returns the thread stops itself. The thread is named
 * by `thread` in the caller's table, which the new thread uses to stop.
 */
long l4_thread_run(uint64_t thread, void (*fn)(void *), void *arg, void *stack, unsigned long size);
/* Stop the calling thread, whose own selector is `self`. Never returns. */
__attribute__((noreturn)) void l4_thread_exit(uint64_t self);

/*
 * For programs the loader starts (l4/env.h): make a thread of this task
 * and start it running fn(arg). Made from L4_ENV_CAP_FACTORY; its pager
 * and exception handler are selectors in this task (L4_ENV_CAP_RM: the
 * region mapper pages it; L4_ENV_CAP_PARENT: an exception ends the whole
 * program; an endpoint of your own: you handle them); prio at most the
 * caller's maximum (the loader starts programs at 100). It gets the next
 * UTCB page from L4_ENV_UTCB_FREE up and a stack of L4_THREAD_STACK bytes
 * from malloc, written before it starts, so that it does not fault on
 * its stack (a thread serving the region mapper that pages it must not).
 * *thread gets its selector. Returns 0 or -L4_Exxx (-L4_ENOSYS outside a
 * loaded program; nothing is left behind). Call it from the main thread,
 * as malloc; stacks and UTCB pages are not reused.
 */
#define L4_THREAD_STACK 16384UL
long l4_thread_spawn(uint64_t *thread, void (*fn)(void *), void *arg, uint64_t pager, uint64_t exc_handler,
		     unsigned prio);

/* Move `thread` to hart `hart` (L4_HART_QUERY: stay); *was = its hart before (may be NULL). */
static inline long l4_thread_set_hart(uint64_t thread, uint64_t hart, unsigned *was)
{
	struct l4_msg m = { .mr = { hart } };
	long r = l4_call(thread, L4_THREAD_HART, 1, &m);
	if (r < 0)
		return r;
	if (was)
		*was = (unsigned)m.mr[0];
	return 0;
}
