/* endpoint.c - the endpoint object (endpoint.h). */
#include <l4/errno.h>
#include <l4/kobj.h>

#include "lib/kassert.h"
#include "obj/endpoint.h"
#include "obj/thread.h"
#include "sched.h"

struct endpoint *endpoint_create(struct factory *f)
{
	return obj_create(f, L4_OBJ_ENDPOINT, sizeof(struct endpoint));
}

void endpoint_wait(struct endpoint *ep, struct thread *th)
{
	kassert(th->state == L4_THREAD_READY && !th->wait_on);
	sched_remove(th);
	th->state = L4_THREAD_BLOCKED;
	th->wait_on = ep;
	th->wait_next = NULL;
	th->wait_prev = ep->tail;
	if (ep->tail)
		ep->tail->wait_next = th;
	else
		ep->head = th;
	ep->tail = th;
}

void endpoint_dequeue(struct thread *th)
{
	struct endpoint *ep = th->wait_on;

	kassert(ep);
	if (th->wait_prev)
		th->wait_prev->wait_next = th->wait_next;
	else
		ep->head = th->wait_next;
	if (th->wait_next)
		th->wait_next->wait_prev = th->wait_prev;
	else
		ep->tail = th->wait_prev;
	th->wait_on = NULL;
	th->wait_next = th->wait_prev = NULL;
}

void endpoint_teardown(struct endpoint *ep)
{
	while (ep->head)
		thread_wake(ep->head, -L4_ECANCELED);
}
