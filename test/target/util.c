/* util.c - shared helpers of the on-target tests (util.h). */
#include <l4/capalloc.h>
#include <l4/factory.h>
#include <l4/kobj.h>
#include <l4/sys.h>
#include <l4/task.h>
#include <l4/thread.h>

#include "util.h"

#define STACKS 8
#define STACK_SIZE 16384

static uint8_t stacks[STACKS][STACK_SIZE] __attribute__((aligned(16)));
static uint64_t stack_owner[STACKS];
static int inited;

uint64_t cap_get(void)
{
	if (!inited) {
		l4_capalloc_init(L4_CAP_FIRST_FREE, (1UL << L4_ROOTTASK_CAPS_LOG2) - L4_CAP_FIRST_FREE);
		inited = 1;
	}
	return l4_cap_alloc();
}

void cap_put(uint64_t sel)
{
	l4_task_cap_delete(L4_CAP_TASK, sel);
	l4_cap_free(sel);
}

uint64_t thread_new(unsigned prio)
{
	uint64_t sel = cap_get();
	struct l4_thread_config c = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PRIO,
				      .task = L4_CAP_TASK, .prio = prio, .max_prio = prio };

	if (!sel)
		return 0;
	if (l4_factory_create_thread(L4_CAP_FACTORY, sel) || l4_thread_config(sel, &c)) {
		l4_factory_destroy(L4_CAP_FACTORY, sel);
		cap_put(sel);
		return 0;
	}
	return sel;
}

uint64_t thread_spawn(void (*fn)(void *), void *arg, unsigned prio)
{
	int s;

	for (s = 0; s < STACKS && stack_owner[s]; s++)
		;
	if (s == STACKS)
		return 0;
	uint64_t sel = thread_new(prio);
	if (!sel)
		return 0;
	if (l4_thread_run(sel, fn, arg, stacks[s], STACK_SIZE)) {
		thread_del(sel);
		return 0;
	}
	stack_owner[s] = sel;
	return sel;
}

void thread_del(uint64_t sel)
{
	l4_factory_destroy(L4_CAP_FACTORY, sel);
	for (int s = 0; s < STACKS; s++)
		if (stack_owner[s] == sel)
			stack_owner[s] = 0;
	cap_put(sel);
}

void yield_n(unsigned n)
{
	while (n--)
		l4_yield();
}

uint64_t used_of(uint64_t f)
{
	uint64_t limit = 0, used = 0;

	if (l4_factory_info(f, &limit, &used))
		return ~0UL;
	return used;
}

unsigned state_of(uint64_t th)
{
	struct l4_exregs x = { 0 };

	return l4_thread_exregs(th, &x) ? 99 : x.state;
}
