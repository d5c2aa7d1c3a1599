/*
 * notification.h - the notification object: a word of signal bits. A
 * signal ORs bits in; a wait takes and clears them, blocking while there are
 * none. It can be bound to one thread, whose endpoint receive then also ends
 * on a signal.
 */
#pragma once

#include <stdint.h>

#include "ipc/waitq.h"
#include "obj/object.h"

struct cap;
struct factory;
struct thread;

struct notification {
	struct obj o;
	uint64_t bits;                  /* signalled, not yet taken */
	struct waitq waiters;           /* threads blocked waiting on it */
	struct thread *bound;           /* the bound thread, or NULL */
};

/* The IPC phases on a notification (ipc/ipc.c calls them last, its
 * checks done; the result goes to th's a0 as every phase's: 0 or an
 * error). th signals n through the capability c: its badge, else MR0,
 * are the bits; th waits on n until the timeout rcv_to. */
void notification_signal(struct thread *th, struct notification *n, const struct cap *c);
void notification_wait(struct thread *th, struct notification *n, unsigned rcv_to);
/* r takes n's bits (a7, a0 = flags: L4_TAG_NOTIFY when r was receiving
 * from an endpoint, the words zero). */
void notification_deliver(struct thread *r, struct notification *n, uint64_t flags);
/* Bind n and th (both unbound) / undo it. */
void notification_bind(struct notification *n, struct thread *th);
void notification_unbind(struct notification *n);
extern const struct obj_type notification_type;
