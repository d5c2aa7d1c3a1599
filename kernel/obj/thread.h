/*
 * thread.h - the thread object: registers, UTCB, priority, pager and
 * exception-handler selectors, FP state (l4/kobj.h, L4_THREAD_*).
 *
 * States (l4_thread_state):
 *
 *   INACTIVE --start--> READY --receive--> BLOCKED --cancel/message--> READY
 *      ^                  |                   |
 *      +------stop--------+-------stop--------+   (stop cancels the IPC)
 *
 * A READY thread is either its hart's current thread or on that hart's run
 * queue, never both (the current thread is not queued).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <arch/fpu.h>
#include <arch/trapframe.h>

#include "lib/runq.h"
#include "obj/object.h"

struct endpoint;
struct factory;
struct hart;
struct l4_utcb;
struct task;

struct thread {
	struct obj o;
	struct trapframe frame;         /* user registers while not on a hart */
	struct runq_link rq;            /* on home->rq while READY and not current */
	struct task *task;              /* NULL until bound */
	struct thread *task_next, *task_prev;   /* in task->threads */
	struct endpoint *wait_on;       /* while BLOCKED */
	struct thread *wait_next, *wait_prev;   /* in wait_on's queue */
	struct hart *home;              /* the hart whose run queue it uses */
	uint64_t pager_sel, exc_sel;    /* selectors in task's table */
	uintptr_t utcb_uaddr;
	struct l4_utcb *utcb;           /* kernel address of the UTCB page, or NULL */
	uint8_t state;                  /* enum l4_thread_state */
	uint8_t prio, max_prio;
	bool fpu_used;                  /* has F/D state (frame.sstatus.FS != 0) */
	struct fpu_state fpu;           /* saved when FS was dirty at a switch */
};

/* A new INACTIVE thread with priority 0 and maximum priority 0; NULL if out of quota. */
struct thread *thread_create(struct factory *f);
/* Bind to t (the thread has no task). */
void thread_bind(struct thread *th, struct task *t);
/* Stop it, unmap and free its UTCB, leave its task. */
void thread_unbind(struct thread *th);
/* Map a fresh UTCB page at uaddr of its task: 0 or -L4_ENOMEM. */
long thread_set_utcb(struct thread *th, uintptr_t uaddr);
/* INACTIVE -> READY (needs a task). */
void thread_start(struct thread *th);
/* -> INACTIVE, cancelling an IPC it is blocked in. */
void thread_stop(struct thread *th);
/* End a blocked IPC with `err` in a0 and make it READY. */
void thread_wake(struct thread *th, long err);

long thread_invoke(struct thread *caller, struct cap *c, uint64_t label, struct trapframe *f);
void thread_teardown(struct thread *th);

/* A user exception the thread has no handler for: report it and stop the thread. */
void thread_fault(struct thread *th);
