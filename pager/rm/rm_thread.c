/*
 * rm_thread.c - the region mapper thread of a program started by the
 * loader (l4/env.h): crt.c calls l4_rm_thread_main in the thread the loader
 * started with a0 = L4_ENV_ADDR | L4_ENV_ROLE_RM. Its own pages (this code,
 * its data, its stack) are paged by the loader (L4_ENV_CAP_RM_PAGER); it
 * pages the program's other threads.
 */
#include <l4/env.h>
#include <l4/thread.h>

#include "rm.h"

void l4_rm_thread_main(const struct l4_env *e);

static struct rm the_rm;

void l4_rm_thread_main(const struct l4_env *e)
{
	struct rm_config c = {
		.ep = L4_ENV_CAP_RM, .task = L4_ENV_CAP_TASK, .utcb = (struct l4_utcb *)L4_ENV_UTCB_RM,
		.slot_lo = L4_ENV_RM_CAP_FIRST, .slot_hi = 1UL << L4_ENV_CAPS_LOG2,
		.search_lo = L4_ENV_FREE_LO, .search_hi = L4_ENV_FREE_HI,
		.timeout_us = e->rm_timeout_us, .name = e->name,
	};

	rm_init(&the_rm, &c);
	rm_reserve(&the_rm, L4_ENV_UTCB_LO, L4_USER_END - L4_ENV_UTCB_LO, 0);
	rm_serve(&the_rm);
	/* The endpoint is gone (the program is being destroyed): stop. */
	for (;;)
		l4_thread_stop(L4_ENV_CAP_RM_THREAD);
}
