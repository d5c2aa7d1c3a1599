/* notification.c - the notification object (notification.h). */
#include <l4/errno.h>
#include <l4/kobj.h>

#include "obj/notification.h"
#include "obj/thread.h"

struct notification *notification_create(struct factory *f)
{
	return obj_create(f, L4_OBJ_NOTIFICATION, sizeof(struct notification));
}

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

void notification_teardown(struct notification *n)
{
	while (n->waiters.head)
		ipc_wake(n->waiters.head, -L4_ECANCELED);
	if (n->bound)
		notification_unbind(n);
}
