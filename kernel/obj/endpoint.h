/*
 * endpoint.h - the endpoint object: the rendezvous of synchronous IPC.
 * So far it holds the queue of threads blocked receiving on it (FIFO);
 * senders, calls and replies arrive with the IPC issue.
 */
#pragma once

#include "obj/object.h"

struct factory;
struct thread;

struct endpoint {
	struct obj o;
	struct thread *head, *tail;     /* receivers waiting, oldest first */
};

struct endpoint *endpoint_create(struct factory *f);
/* Block the current thread th receiving on ep (state BLOCKED). */
void endpoint_wait(struct endpoint *ep, struct thread *th);
/* Take th off the queue it waits in. */
void endpoint_dequeue(struct thread *th);
/* Every waiter's IPC ends with -L4_ECANCELED. */
void endpoint_teardown(struct endpoint *ep);
