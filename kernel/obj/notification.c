/*
 * notification.c - the notification object (notification.h): signal and
 * wait, the bound thread, teardown.
 */
#include <arch/trapframe.h>

#include <l4/errno.h>
#include <l4/ipc.h>
#include <l4/kobj.h>

#include "hart.h"
#include "ipc/internal.h"
#include "ipc/message.h"
#include "lib/captab.h"
#include "obj/invoke.h"
#include "obj/notification.h"
#include "obj/thread.h"


void notification_bind(struct notification *n, struct thread *th)
{
	/* The fast paths of the bound thread's hart read and take its bits. */
	if (!n->waiters.head)
		n->waiters.home = th->home;
	else if (n->waiters.home != th->home)
		n->waiters.home = NULL;
	n->bound = th;
	th->bound = n;
}

void notification_unbind(struct notification *n)
{
	n->bound->bound = NULL;
	n->bound = NULL;
}

void notification_deliver(struct thread *r, struct notification *n, uint64_t flags)
{
	for (unsigned i = 0; i < L4_MSG_REG_WORDS; i++)
		r->frame.regs[REG_A1 + i] = 0;
	r->frame.regs[REG_A0] = flags;
	r->frame.regs[REG_A7] = n->bits;
	n->bits = 0;
}

void notification_signal_bits(struct notification *n, uint64_t bits)
{
	n->bits |= bits;
	if (!n->bits)
		return;
	struct thread *w = n->waiters.head, *b = n->bound;
	if (w) {
		cancel(w);
		notification_deliver(w, n, 0);
		sched_make_ready(w);
	} else if (b && b->state == L4_THREAD_BLOCKED && b->ipc == IPC_RECV) {
		cancel(b);
		notification_deliver(b, n, L4_TAG_NOTIFY);
		sched_make_ready(b);
	}
}

void notification_signal(struct thread *th, struct notification *n, const struct cap *c)
{
	uint64_t tag = th->frame.regs[REG_A0], bits = c->badge;

	if (tag >> 48 || tag & L4_TAG_FLAGS_MASK || l4_tag_items(tag) || (!bits && l4_tag_words(tag) < 1)) {
		th->frame.regs[REG_A0] = (uint64_t)-L4_EINVAL;
		return;
	}
	if (!bits)
		bits = th->frame.regs[REG_A1];
	th->frame.regs[REG_A0] = 0;
	notification_signal_bits(n, bits);
}

long notification_source_arg(const struct thread *caller, uint64_t sel, uint64_t bits, struct notification **n)
{
	struct obj *o;
	long err = invoke_arg(caller, sel, L4_OBJ_NOTIFICATION, L4_RIGHT_W, &o);

	if (err)
		return err;
	if (bits == 0)
		return -L4_EINVAL;
	if (o->dying)
		return -L4_ECANCELED;
	*n = (struct notification *)o;
	return 0;
}

void notification_source_bind(struct notification_source *s, struct notification *n, uint64_t bits)
{
	notification_source_unbind(s);
	s->n = n;
	s->bits = bits;
	dlist_push(&n->sources, &s->link);
}

void notification_source_unbind(struct notification_source *s)
{
	if (!s->n)
		return;
	dlist_remove(&s->n->sources, &s->link);
	s->n = NULL;
}

void notification_wait(struct thread *th, struct notification *n, unsigned rcv_to)
{
	if (n->bits)
		notification_deliver(th, n, 0);
	else if (timeout_is_zero(rcv_to))
		th->frame.regs[REG_A0] = (uint64_t)-L4_ETIMEDOUT;
	else
		block(th, IPC_NOTIFY, &n->waiters, rcv_to);
}

void notification_wait_fast(struct thread *th, struct notification *n, unsigned rcv_to)
{
	block(th, IPC_NOTIFY, &n->waiters, rcv_to);
	schedule();
}

/* Waiters get -L4_ECANCELED (one at a time: preemptible), the bound thread is unbound. */
static bool notification_teardown(struct obj *o, bool (*stop)(void), struct mdb_cursor *mc)
{
	struct notification *n = (struct notification *)o;

	while (n->waiters.head) {
		ipc_wake(n->waiters.head, -L4_ECANCELED);
		if (n->waiters.head && stop && stop())
			return false;
	}
	if (n->bound)
		notification_unbind(n);
	for (struct notification_source *src; (src = dlist_first(&n->sources, struct notification_source, link));) {
		notification_source_unbind(src);
		src->unbound(src);
	}
	return true;
}

/* Its waiters' queue, and with it its bits, start on its creator's hart
 * (waitq.h: home). */
static long notification_init(struct obj *o, uint64_t arg)
{
	(void)arg;
	((struct notification *)o)->waiters.home = this_hart();
	return 0;
}

const struct obj_type notification_type = {
	.name = "notification",
	.size = sizeof(struct notification),
	.factory_made = true,
	.init = notification_init,
	.teardown = notification_teardown,
};
