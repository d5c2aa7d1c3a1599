/*
 * sleep - a program that waits: `run sleep MS` at the shell ends after MS
 * milliseconds (1000 if 0), exiting with 0. Something for `run ... &`, ps
 * and kill to work on (docs/shell.md).
 */
#include <stdint.h>

#include <l4/capalloc.h>
#include <l4/env.h>
#include <l4/factory.h>
#include <l4/kip.h>
#include <l4/stdio.h>
#include <l4/strerror.h>
#include <l4/sys.h>


int main(void)
{
	uint64_t ms = l4_env()->arg[0] ? l4_env()->arg[0] : 1000, ntf = l4_cap_alloc(), bits;
	long r = ntf ? l4_factory_create_notification(L4_ENV_CAP_FACTORY, ntf) : -L4_ENOMEM;

	if (r) {
		l4_printf("sleep: no notification to wait on (%s)\n", l4_strerror(r));
		return (int)r;
	}
	/* Nothing signals it: each wait ends by its timeout (100 ms at most, so that MS is met closely). */
	for (uint64_t end = l4_now_us() + ms * 1000, t; (t = l4_now_us()) < end;)
		l4_wait_timeout(ntf, l4_timeout_us(end - t < 100000 ? end - t : 100000), &bits);
	return 0;
}
