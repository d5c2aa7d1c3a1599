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

struct waitq {
	struct thread *head, *tail;
};
