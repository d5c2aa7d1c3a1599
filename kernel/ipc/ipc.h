/*
 * ipc/ipc.h - synchronous IPC through endpoints, replies, notifications,
 * timeouts, capability transfer and exception messages: the general path.
 * ipc/ipc.c has the system call and its phases, ipc/message.c the checks
 * and transfer of a message, ipc/wait.c blocking, waking and timeouts,
 * ipc/fault.c faults and exceptions as messages; the notification's signal
 * and wait are in obj/notification.c. The fast path
 * (arch/riscv/fastpath.S) handles the common call and reply-and-wait in
 * registers and hands everything else to ipc_sys.
 *
 * A BLOCKED thread waits for exactly one thing (thread.ipc):
 *   IPC_SEND    in an endpoint's senders, its message in its own frame/UTCB
 *   IPC_RECV    in an endpoint's receivers (its bound notification may end it)
 *   IPC_REPLY   for the reply of its callee (th->callee->caller == th)
 *   IPC_NOTIFY  in a notification's waiters
 *   IPC_DEFER   in its hart's list of deferred work (below), never seen by users
 * and may have a deadline on its hart's timeout list. ipc_cancel takes it
 * out of all of these; who calls it then decides its state and result.
 *
 * Deferred work: ending the IPC of a thread whose message was an exception
 * or a page fault is more than making it READY: its fault goes on to its
 * exception handler (a new IPC), or it is stopped, which ends the IPC of
 * the thread waiting for its reply, which may be a faulting thread too, and
 * so on: a chain as long as a task cares to build. So ipc_wake never does
 * that work itself: it puts such a thread on its hart's `deferred` list,
 * and ipc_run_deferred does it one thread at a time: schedule() a few before
 * it picks a thread (IPC_DEFER_BUDGET: the delay a long list adds to a
 * switch stays bounded), the idle loop the rest. No kernel stack depth
 * depends on user input.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "ipc/waitq.h"

struct hart;
struct thread;
struct trapframe;

enum ipc_wait { IPC_NONE, IPC_SEND, IPC_RECV, IPC_REPLY, IPC_NOTIFY, IPC_DEFER };

/* The IPC system call of th (its registers in f = &th->frame). */
void ipc_sys(struct thread *th, struct trapframe *f);
/* th (current) took a page or access fault wanting `access` (L4_FP_R/W/X;
 * access_error: not a page fault, arch/fault.h): a call to its pager, else
 * as ipc_exception. */
void ipc_fault(struct thread *th, unsigned access, bool access_error);
/* th took a synchronous exception: a call to its handler, or stopped;
 * reason: the message's MR34 (l4/ipc.h, L4_EXC_R_*: why a fault came here). */
void ipc_exception(struct thread *th, uint64_t reason);
/* Take the BLOCKED th out of whatever it waits in (its state stays BLOCKED). */
void ipc_cancel(struct thread *th);
/* End th's blocked IPC with err in a0 and make it READY. An exception or
 * page-fault message that fails is deferred instead (above): the fault goes
 * on to the exception handler, or the thread is stopped with a report. */
void ipc_wake(struct thread *th, long err);
/* End th's blocked IPC because its registers change (exregs): an ordinary
 * IPC returns -L4_ECANCELED, an exception or page-fault message is dropped
 * and th resumes with its registers as they are; either way th is READY. */
void ipc_abandon(struct thread *th);
/* Do up to `budget` threads' deferred work of hart h. */
void ipc_run_deferred(struct hart *h, unsigned budget);
#define IPC_DEFER_BUDGET 8
/* th will not reply: its caller, if any, gets -L4_ECANCELED. */
void ipc_drop_caller(struct thread *th);
/* The earliest IPC deadline of h's threads (UINT64_MAX: none). */
uint64_t ipc_first_deadline(const struct hart *h);
/* Wake, with -L4_ETIMEDOUT, every thread of h whose deadline is <= now. */
void ipc_expire(struct hart *h, uint64_t now);

/* L4_DEBUG_PFSTATS: page faults [0] and replies to page-fault messages [1]
 * that the general path handled (the fast path counts nothing). */
extern uint64_t ipc_pf_general[2];

/* L4_DEBUG_FASTPATH: whether the fast path is used (on at boot). */
extern bool ipc_fastpath_on;
/* Set every hart's fast-path masks (arch/hart.h) to match (main.c). */
void harts_set_fastpath(bool on);
