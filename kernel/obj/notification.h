/*
 * notification.h - the notification object: a word of signal bits. A
 * signal ORs bits in; a wait takes and clears them, blocking while there are
 * none. It can be bound to one thread, whose endpoint receive then also ends
 * on a signal.
 */
#pragma once

#include <stdint.h>

#include "ipc/waitq.h"
#include "lib/dlist.h"
#include "obj/object.h"

struct cap;
struct factory;
struct thread;

struct notification {
	struct obj o;
	uint64_t bits;                  /* signalled, not yet taken */
	struct waitq waiters;           /* threads blocked waiting on it */
	struct thread *bound;           /* the bound thread, or NULL */
	struct dlist sources;           /* kernel sources signalling it (struct notification_source) */
};

/*
 * A source of signals inside the kernel (an IRQ object, the kernel log):
 * bound to one notification at a time, it signals its bits there.
 * Destroying the notification unbinds its sources, telling each through
 * `unbound` (called with the source already unbound).
 */
struct notification_source {
	struct notification *n;         /* NULL: unbound */
	uint64_t bits;
	struct dlist_node link;         /* in n->sources */
	void (*unbound)(struct notification_source *s);
};

/* The arguments of a bind of a source (an IRQ object, the kernel log): a
 * notification capability `sel` (W) of the caller and non-zero `bits`. 0
 * and *n, or invoke_arg's errors, -L4_EINVAL (bits 0), -L4_ECANCELED (the
 * notification is being destroyed). */
long notification_source_arg(const struct thread *caller, uint64_t sel, uint64_t bits, struct notification **n);
/* Bind s (unbound) to n with `bits` / undo it (an unbound s: nothing). */
void notification_source_bind(struct notification_source *s, struct notification *n, uint64_t bits);
void notification_source_unbind(struct notification_source *s);
/* bits into n: a waiter takes them, else the bound thread if it receives. */
void notification_signal_bits(struct notification *n, uint64_t bits);
/* s's bits into its notification (an unbound s: nothing). */
static inline void notification_source_signal(struct notification_source *s)
{
	if (s->n)
		notification_signal_bits(s->n, s->bits);
}

/* The IPC phases on a notification (ipc/ipc.c calls them last, its
 * checks done; the result goes to th's a0 as every phase's: 0 or an
 * error). th signals n through the capability c: its badge, else MR0,
 * are the bits; th waits on n until the timeout rcv_to. */
void notification_signal(struct thread *th, struct notification *n, const struct cap *c);
void notification_wait(struct thread *th, struct notification *n, unsigned rcv_to);
/* fastpath.S's wait that blocks with a timeout, or with nothing else ready
 * (C, on the kernel stack, its checks done): th (current, its a0..a7 and
 * sstatus in its frame) waits on n, which has no bits, until rcv_to (never,
 * or not zero), then schedule() as after notification_wait. */
__attribute__((noreturn)) void notification_wait_fast(struct thread *th, struct notification *n, unsigned rcv_to);
/* r takes n's bits (a7, a0 = flags: L4_TAG_NOTIFY when r was receiving
 * from an endpoint, the words zero). */
void notification_deliver(struct thread *r, struct notification *n, uint64_t flags);
/* Bind n and th (both unbound) / undo it. */
void notification_bind(struct notification *n, struct thread *th);
void notification_unbind(struct notification *n);
extern const struct obj_type notification_type;
