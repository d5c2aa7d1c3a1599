/* endpoint.c - the endpoint object (endpoint.h). */
#include <l4/errno.h>
#include <l4/kobj.h>

#include "obj/endpoint.h"

struct endpoint *endpoint_create(struct factory *f)
{
	return obj_create(f, L4_OBJ_ENDPOINT, sizeof(struct endpoint));
}

void endpoint_teardown(struct endpoint *ep)
{
	while (ep->senders.head)
		ipc_wake(ep->senders.head, -L4_ECANCELED);
	while (ep->receivers.head)
		ipc_wake(ep->receivers.head, -L4_ECANCELED);
}
