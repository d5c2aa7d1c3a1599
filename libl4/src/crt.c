/*
 * crt.c - C start-up and exit of a task (l4/crt.h). The same entry serves
 * the boot tasks (a0 = the kernel's entry instret for the roottask) and
 * programs started by the loader (a0 = L4_ENV_ADDR for the main thread,
 * L4_ENV_ADDR | L4_ENV_ROLE_RM for the region mapper's thread: l4/env.h).
 */
#include <l4/capalloc.h>
#include <l4/crt.h>
#include <l4/env.h>
#include <l4/stdio.h>
#include <l4/sys.h>
#include <l4/thread.h>

unsigned long l4_boot_instret_kernel;
unsigned long l4_boot_instret_first;

static const struct l4_env *env_ptr;

/* The region mapper thread's code: pager/rm/rm_thread.c, linked into
 * programs built to be loaded (the build's loadable_prog). */
__attribute__((weak, noreturn)) void l4_rm_thread_main(const struct l4_env *env);

__attribute__((noreturn)) void l4_crt_start(unsigned long arg, unsigned long instret_first);

const struct l4_env *l4_env(void)
{
	return env_ptr;
}

const struct l4_env_res *l4_env_res(unsigned kind, unsigned index)
{
	for (unsigned i = 0; env_ptr && i < env_ptr->nres && i < L4_ENV_MAX_RES; i++)
		if (env_ptr->res[i].kind == kind && index-- == 0)
			return &env_ptr->res[i];
	return 0;
}

int l4_env_has_cap(unsigned slot)
{
	return env_ptr && slot < 64 && (env_ptr->caps >> slot & 1);
}

void l4_crt_start(unsigned long arg, unsigned long instret_first)
{
	const struct l4_env *e = (const struct l4_env *)L4_ENV_ADDR;

	if ((arg & ~L4_ENV_ROLE_RM) == L4_ENV_ADDR && e->magic == L4_ENV_MAGIC) {
		if (arg & L4_ENV_ROLE_RM) {
			if (l4_rm_thread_main)
				l4_rm_thread_main(e);
			l4_log("%s: started as a region mapper, but has none linked in\n", e->name);
			for (;;)
				l4_thread_stop(L4_ENV_CAP_RM_THREAD);
		}
		env_ptr = e;
		l4_debug_cap = L4_ENV_CAP_DEBUG;
		l4_capalloc_init(L4_ENV_CAP_FIRST_FREE, L4_ENV_RM_CAP_FIRST - L4_ENV_CAP_FIRST_FREE);
	} else {
		l4_boot_instret_kernel = arg;
	}
	l4_boot_instret_first = instret_first;
	l4_exit(main());
}

void l4_exit(int code)
{
	l4_flush();
	if (!env_ptr)
		l4_debug_shutdown(code);
	struct l4_msg m = { { (uint64_t)code, 0, 0, 0, 0, 0 }, 0 };
	l4_call(L4_ENV_CAP_PARENT, L4_PARENT_EXIT, 1, &m);
	for (;;)
		l4_thread_stop(L4_ENV_CAP_THREAD);
}
