/*
 * ipc/waitq.h - a FIFO of blocked threads (an endpoint's senders and
 * receivers, a notification's waiters, a hart's deferred work), linked
 * through thread.wait_next/wait_prev; thread.wq names the queue a thread is
 * in. The invariant the fast path (arch/riscv/fastpath.S) builds on: a
 * thread in no queue has wq, wait_next and wait_prev all NULL (a new thread
 * is zeroed; waitq_remove, ipc/wait.h, restores it).
 */
#pragma once

struct thread;

/*
 * home (several harts, smp.h): the hart whose fast paths may change this
 * queue without the kernel lock; every thread in it has that home, or home
 * is NULL (threads of several harts: only the general path). Only the
 * general path (holding the lock) sets it: an endpoint's or notification's
 * queue starts with its creator's hart, and a push onto an empty queue
 * gives it the pushed thread's.
 */
struct waitq {
	struct thread *head, *tail;
	struct hart *home;
};
