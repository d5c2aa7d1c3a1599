/* endpoint.c - the endpoint object (endpoint.h). */
#include <l4/errno.h>
#include <l4/kobj.h>

#include "ipc/ipc.h"
#include "obj/endpoint.h"
#include "hart.h"

struct endpoint *endpoint_create(struct factory *f)
{
	struct obj *o;

	return obj_new(f, L4_OBJ_ENDPOINT, 0, &o) ? NULL : (struct endpoint *)o;
}

/* Every waiter's IPC ends with -L4_ECANCELED (one at a time: preemptible). */
static bool endpoint_teardown(struct obj *o, bool (*stop)(void), struct mdb_cursor *mc)
{
	struct endpoint *ep = (struct endpoint *)o;

	for (struct thread *w; (w = ep->senders.head ? ep->senders.head : ep->receivers.head);) {
		ipc_wake(w, -L4_ECANCELED);
		if ((ep->senders.head || ep->receivers.head) && stop && stop())
			return false;
	}
	return true;
}

/* Its receivers' queue starts on its creator's hart (waitq.h: home). */
static long endpoint_init(struct obj *o, uint64_t arg)
{
	(void)arg;
	((struct endpoint *)o)->receivers.home = this_hart();
	return 0;
}

const struct obj_type endpoint_type = {
	.name = "endpoint",
	.size = sizeof(struct endpoint),
	.factory_made = true,
	.init = endpoint_init,
	.teardown = endpoint_teardown,
};
