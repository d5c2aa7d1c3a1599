/*
 * notification.h - the notification object: a word of signal bits. A
 * signal ORs bits in; a wait takes and clears them, blocking while there are
 * none. It can be bound to one thread, whose endpoint receive then also ends
 * on a signal (ipc.c does the IPC side; this file the object).
 */
#pragma once

#include <stdint.h>

#include "ipc.h"
#include "obj/object.h"

struct factory;
struct thread;

struct notification {
	struct obj o;
	uint64_t bits;                  /* signalled, not yet taken */
	struct waitq waiters;           /* threads blocked waiting on it */
	struct thread *bound;           /* the bound thread, or NULL */
};

/* Bind n and th (both unbound) / undo it. */
void notification_bind(struct notification *n, struct thread *th);
void notification_unbind(struct notification *n);
extern const struct obj_type notification_type;
