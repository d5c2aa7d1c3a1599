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
	return true;
}

const struct obj_type notification_type = {
	.name = "notification",
	.size = sizeof(struct notification),
	.factory_made = true,
	.teardown = notification_teardown,
};
