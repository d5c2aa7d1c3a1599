/*
 * memsrv - the memory server (l4/memsrv.h, docs/pagers.md), a boot module
 * the roottask starts with the loader's boot mode (pager/loader/): its
 * image is backed by the loader's memory, its memory provider
 * (L4_ENV_CAP_MEM) is sigma0 and L4_ENV_CAP_SERVER its endpoint.
 */
#include <l4/env.h>
#include <l4/stdio.h>
#include <l4/strerror.h>

#include "memsrv.h"

int main(void)
{
	const struct l4_env *e = l4_env();

	if (!e) {
		l4_puts("memsrv: not started by the loader (no environment)");
		return 1;
	}
	memsrv_init(L4_ENV_CAP_MEM, L4_ENV_CAP_SERVER, (struct l4_utcb *)L4_ENV_UTCB_MAIN);
	l4_log("memsrv: serving; memory from sigma0 in 2 MiB chunks\n");
	long err = memsrv_serve();
	l4_log("memsrv: cannot receive on its endpoint (%s): ends\n", l4_strerror(err));
	return 1;
}
