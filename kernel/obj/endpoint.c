/* endpoint.c - the endpoint object (endpoint.h). */
#include <l4/errno.h>
#include <l4/kobj.h>

#include "obj/endpoint.h"

struct endpoint *endpoint_create(struct factory *f)
{
	struct obj *o;

	return obj_new(f, L4_OBJ_ENDPOINT, 0, &o) ? NULL : (struct endpoint *)o;
}

/* Every waiter's IPC ends with -L4_ECANCELED. */
static void endpoint_teardown(struct obj *o)
{
	struct endpoint *ep = (struct endpoint *)o;

	while (ep->senders.head)
		ipc_wake(ep->senders.head, -L4_ECANCELED);
	while (ep->receivers.head)
		ipc_wake(ep->receivers.head, -L4_ECANCELED);
}

const struct obj_type endpoint_type = {
	.name = "endpoint",
	.size = sizeof(struct endpoint),
	.factory_made = true,
	.teardown = endpoint_teardown,
};
