/* notification.c - the notification object (notification.h). */
#include <l4/kobj.h>

#include "obj/notification.h"

struct notification *notification_create(struct factory *f)
{
	return obj_create(f, L4_OBJ_NOTIFICATION, sizeof(struct notification));
}

void notification_teardown(struct notification *n)
{
	(void)n;        /* nobody can wait on one yet */
}
