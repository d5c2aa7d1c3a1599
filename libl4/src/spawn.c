/*
 * spawn.c - l4_thread_spawn (l4/thread.h): a thread of a loaded program
 * with its slot, UTCB, stack, pager and exception handler, so that a
 * program (the pager tutorial's, for one) needs no set-up code of its own.
 */
#include <l4/capalloc.h>
#include <l4/env.h>
#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/malloc.h>
#include <l4/thread.h>

#include <common/string.h>

/* UTCB pages handed out: from L4_ENV_UTCB_FREE up to the region mapper's. */
static unsigned utcbs_used;

long l4_thread_spawn(uint64_t *thread, void (*fn)(void *), void *arg, uint64_t pager, uint64_t exc_handler,
		     unsigned prio)
{
	uint64_t utcb = L4_ENV_UTCB_FREE + utcbs_used * L4_UTCB_SIZE;

	if (!l4_env())
		return -L4_ENOSYS;
	if (utcb >= L4_ENV_UTCB_RM)
		return -L4_ENOMEM;
	uint64_t th = l4_cap_alloc();
	void *stack = malloc(L4_THREAD_STACK);
	long err = !th || !stack ? -L4_ENOMEM : l4_factory_create_thread(L4_ENV_CAP_FACTORY, th);
	if (err) {
		free(stack);
		if (th)
			l4_cap_free(th);
		return err;
	}
	struct l4_thread_config c = { .which = L4_THREAD_CFG_ALL, .task = L4_ENV_CAP_TASK, .pager = pager,
				      .exc_handler = exc_handler, .utcb = utcb, .prio = prio, .max_prio = prio };
	/* Once configured, the page is the thread's even if it fails later. */
	utcbs_used++;
	memset(stack, 0, L4_THREAD_STACK);
	err = l4_thread_config(th, &c);
	if (!err)
		err = l4_thread_run(th, fn, arg, stack, L4_THREAD_STACK);
	if (err) {
		l4_factory_destroy(L4_ENV_CAP_FACTORY, th);
		l4_cap_free(th);
		free(stack);
		return err;
	}
	*thread = th;
	return 0;
}
