/*
 * thread.h - the thread object: registers, UTCB, priority, pager and
 * exception-handler selectors, FP state (l4/kobj.h, L4_THREAD_*).
 *
 * States (l4_thread_state):
 *
 *   INACTIVE --start--> READY ---IPC---> BLOCKED --message/timeout/cancel--> READY
 *      ^                  |                   |
 *      +------stop--------+-------stop--------+   (stop cancels the IPC)
 *
 * A READY thread is either its hart's current thread or on that hart's run
 * queue, never both (the current thread is not queued). A BLOCKED thread
 * waits for one thing (ipc.h, enum ipc_wait): in an endpoint's queue of
 * senders or receivers, in a notification's queue, or for a reply (on no
 * queue: the callee's `caller` names it); any of these may have a deadline
 * on its hart's timeout list.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <arch/fpu.h>
#include <arch/trapframe.h>

#include "lib/runq.h"
#include "mem/space.h"
#include "obj/object.h"

struct notification;
struct waitq;
struct factory;
struct hart;
struct l4_utcb;
struct task;

/*
 * A long kernel operation of the thread that a preemption point stopped
 * (lib/preempt.h): its call is restarted (the thread's pc is set back to
 * the ecall, so its next system call is that one), and goes on from here
 * when it is the same call (key). `armed` is set when it stopped and
 * cleared by the restart (resume_begin) and by exregs setting the pc, the
 * only way the thread could make another call first.
 */
struct thread_resume {
	bool armed;
	uint64_t key[4];                /* label, object, arguments */
	struct space_resume sr;         /* L4_TASK_UNMAP of memory: leaf and tree */
	uint64_t slot;                  /* L4_TASK_UNMAP of capabilities: the slot */
	struct mdb_cursor mc;           /* L4_FACTORY_DESTROY: in the tree being removed */
	struct obj *destroying;         /* the dying object it destroys (obj->destroyer == this) */
};

struct thread {
	struct obj o;
	struct trapframe frame;         /* user registers while not on a hart */
	struct runq_link rq;            /* on home->rq while READY and not current */
	struct task *task;              /* NULL until bound */
	struct dlist_node task_link;    /* in task->threads */
	struct waitq *wq;               /* the queue it is blocked in, or NULL */
	struct thread *wait_next, *wait_prev;   /* in wq */
	/* ipc and state are one 16-bit store for the fast path (fastpath.S). */
	uint8_t ipc;                    /* enum ipc_wait: what a BLOCKED thread waits for */
	uint8_t state;                  /* enum l4_thread_state */
	bool snd_call;                  /* queued sender: a call */
	uint16_t rcv_to;                /* queued caller: the reply phase's timeout */
	int32_t defer_err;              /* IPC_DEFER: 0, its pager went away (on to the exception
					   handler); < 0, its exception message failed with it (stop) */
	const struct cap *snd_cap;      /* queued sender: the slot it sent through (in its task's
					   table, which lives while it is bound), checked again when a
					   receiver takes the message: rights may have gone meanwhile */
	struct thread *caller;          /* the reply right: who waits for this thread's reply */
	struct thread *callee;          /* waiting for a reply: from whom */
	struct notification *bound;     /* bound notification (L4_THREAD_BIND) */
	uint64_t deadline;              /* timeout of the IPC phase (rdtime), on home's list */
	struct dlist_node to_link;      /* timed: in home->timeouts */
	/* The fast path (fastpath.S) reads these four bytes as one 32-bit word:
	 * timed | fpu_used << 8 | exc << 16 | prio << 24. */
	bool timed;                     /* on the timeout list */
	bool fpu_used;                  /* has F/D state (frame.sstatus.FS != 0) */
	bool exc;                       /* its IPC is a kernel-made message: an exception (ipc/fault.c) */
	uint8_t prio;
	uint8_t max_prio;
	uint8_t pf;                     /* ... which is a page fault (to its pager): 0, or the access
					   that faulted (L4_FP_R/W/X; implies exc) */
	uint64_t exc_reason;            /* the exception message's MR34 (l4/ipc.h, L4_EXC_R_*) */
	struct hart *home;              /* the hart whose run queue it uses */
	uint64_t pager_sel, exc_sel;    /* selectors in task's table */
	uintptr_t utcb_uaddr;
	struct l4_utcb *utcb;           /* kernel address of the UTCB page, or NULL */
	struct fpu_state fpu;           /* saved when FS was dirty at a switch */
	struct thread_resume resume;
};

/* A new INACTIVE thread with priority 0 and maximum priority 0; NULL if out of quota. */
struct thread *thread_create(struct factory *f);
/* th (in no task) becomes a thread of t. */
void thread_join_task(struct thread *th, struct task *t);
/* th leaves its task: stopped, its UTCB unmapped and freed, its state
 * forgotten (thread.c, forget). */
void thread_leave_task(struct thread *th);
/* Map a fresh UTCB page at uaddr of its task: 0 or -L4_ENOMEM. */
long thread_set_utcb(struct thread *th, uintptr_t uaddr);
/* INACTIVE -> READY (needs a task). */
void thread_start(struct thread *th);
/* -> INACTIVE, cancelling an IPC it is blocked in. */
void thread_stop(struct thread *th);

extern const struct obj_type thread_type;

/* A user exception the thread has no (usable) handler for: report it on the
 * console (rate-limited: thread.c) and stop the thread. */
void thread_fault(struct thread *th, const char *why);
