/* notification.c - the notification object (notification.h). */
#include <l4/errno.h>
#include <l4/kobj.h>

#include "obj/notification.h"
#include "obj/thread.h"


void notification_bind(struct notification *n, struct thread *th)
{
	n->bound = th;
	th->bound = n;
}

void notification_unbind(struct notification *n)
{
	n->bound->bound = NULL;
	n->bound = NULL;
}

/* Waiters get -L4_ECANCELED, the bound thread is unbound. */
static void notification_teardown(struct obj *o)
{
	struct notification *n = (struct notification *)o;

	while (n->waiters.head)
		ipc_wake(n->waiters.head, -L4_ECANCELED);
	if (n->bound)
		notification_unbind(n);
}

const struct obj_type notification_type = {
	.name = "notification",
	.size = sizeof(struct notification),
	.factory_made = true,
	.teardown = notification_teardown,
};
