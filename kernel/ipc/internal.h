/*
 * ipc/internal.h - what the files of ipc/ (and obj/notification.c) share:
 * how a thread blocks and stops blocking (wait queues, ipc/waitq.h; the
 * per-hart timeout lists, ipc/wait.c), the send phase (ipc/ipc.c) that
 * fault messages use too, and the reply to a fault message (ipc/fault.c).
 * Everyone else ends a wait through ipc/ipc.h (ipc_cancel, ipc_wake,
 * ipc_abandon).
 */
#pragma once

#include <stdbool.h>

#include <l4/ipc.h>
#include <l4/kobj.h>

#include "hart.h"
#include "ipc/ipc.h"
#include "lib/kassert.h"
#include "obj/thread.h"
#include "sched.h"

static inline void waitq_push(struct waitq *q, struct thread *th)
{
	if (!q->head)
		q->home = th->home;
	else if (q->home != th->home)
		q->home = NULL;
	th->wq = q;
	th->wait_next = NULL;
	th->wait_prev = q->tail;
	if (q->tail)
		q->tail->wait_next = th;
	else
		q->head = th;
	q->tail = th;
}

static inline void waitq_remove(struct thread *th)
{
	struct waitq *q = th->wq;

	if (th->wait_prev)
		th->wait_prev->wait_next = th->wait_next;
	else
		q->head = th->wait_next;
	if (th->wait_next)
		th->wait_next->wait_prev = th->wait_prev;
	else
		q->tail = th->wait_prev;
	th->wq = NULL;
	th->wait_next = th->wait_prev = NULL;
}

/* waitq_remove of the head of q. */
static inline struct thread *waitq_pop(struct waitq *q)
{
	struct thread *th = q->head, *next = th->wait_next;

	q->head = next;
	if (next)
		next->wait_prev = NULL;
	else
		q->tail = NULL;
	th->wq = NULL;
	th->wait_next = NULL;
	return th;
}

/* A timeout of zero: do not wait at all. */
static inline bool timeout_is_zero(unsigned to)
{
	return (to & 0x3ff) == 0 && to != L4_TIMEOUT_NEVER;
}

/* th's deadline: now + the timeout `to` (not L4_TIMEOUT_NEVER) / none. */
void timeout_arm(struct thread *th, unsigned to);
/* A timer programmed for a removed deadline only fires early: harmless. */
static inline void timeout_disarm(struct thread *th)
{
	dlist_remove(&th->home->timeouts, &th->to_link);
	th->timed = false;
}

/* th (current) blocks: `what` (enum ipc_wait), in q if not NULL, until the timeout `to`. */
static inline void block(struct thread *th, unsigned what, struct waitq *q, unsigned to)
{
	sched_remove(th);
	th->state = L4_THREAD_BLOCKED;
	th->ipc = (uint8_t)what;
	if (q)
		waitq_push(q, th);
	if (to != L4_TIMEOUT_NEVER)
		timeout_arm(th, to);
}

/* Out of its queue and off the timeout list; everything else stays. */
static inline void unqueue(struct thread *th)
{
	if (th->wq)
		waitq_remove(th);
	if (th->timed)
		timeout_disarm(th);
}

struct cap;
struct endpoint;

/* th sends its message (msg_tag) through the capability c to ep; call:
 * then waits for the reply. 0 when sent or queued, else an error. */
long ipc_send(struct thread *th, struct endpoint *ep, const struct cap *c, bool call, unsigned snd_to,
	      unsigned rcv_to);
/* th replies with `tag` to c, which waits for the reply to an exception or
 * page-fault message: 0, or an error (c keeps waiting). */
long fault_reply(struct thread *th, uint64_t tag, struct thread *c);

/* ipc_cancel (ipc.h), inline for the IPC paths. */
static inline void cancel(struct thread *th)
{
	unqueue(th);
	if (th->ipc == IPC_REPLY && th->callee) {
		th->callee->caller = NULL;
		th->callee = NULL;
	}
	th->ipc = IPC_NONE;
	th->exc = false;
	th->pf = 0;
}
