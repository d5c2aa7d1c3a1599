/* util.c - shared helpers of the on-target tests (util.h). */
#include <l4/capalloc.h>
#include <l4/factory.h>
#include <l4/kip.h>
#include <l4/kobj.h>
#include <l4/sys.h>
#include <l4/task.h>
#include <l4/thread.h>

#include "util.h"

#define STACKS 16
#define STACK_SIZE 16384

static uint8_t stacks[STACKS][STACK_SIZE] __attribute__((aligned(16)));
static uint64_t stack_owner[STACKS];
static int inited;

uint64_t cap_get(void)
{
	if (!inited) {
		l4_capalloc_init(L4_CAP_FIRST_FREE, UTIL_CAPS_END - L4_CAP_FIRST_FREE);
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
	return thread_spawn_pg(fn, arg, prio, 0, 0, 0);
}

void thread_del(uint64_t sel)
{
	l4_factory_destroy(L4_CAP_FACTORY, sel);
	for (int s = 0; s < STACKS; s++)
		if (stack_owner[s] == sel)
			stack_owner[s] = 0;
	cap_put(sel);
}

void raw_syscall(uint64_t a[8], uint64_t t[8])
{
	/* No call between setting the register variables and the asm (they would not survive it). */
	register uint64_t a0 __asm__("a0") = a[0], a1 __asm__("a1") = a[1], a2 __asm__("a2") = a[2],
		a3 __asm__("a3") = a[3], a4 __asm__("a4") = a[4], a5 __asm__("a5") = a[5], a6 __asm__("a6") = a[6],
		a7 __asm__("a7") = a[7];

	__asm__ volatile("li ra, -1\n li t0, -1\n li t1, -1\n li t2, -1\n li t3, -1\n li t4, -1\n li t5, -1\n"
			 "li t6, -1\n ecall\n"
			 "sd ra, 0(%8)\n sd t0, 8(%8)\n sd t1, 16(%8)\n sd t2, 24(%8)\n sd t3, 32(%8)\n"
			 "sd t4, 40(%8)\n sd t5, 48(%8)\n sd t6, 56(%8)"
			 : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a6), "+r"(a7)
			 : "r"(t)
			 : "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "memory");
	a[0] = a0;
	a[1] = a1;
	a[2] = a2;
	a[3] = a3;
	a[4] = a4;
	a[5] = a5;
	a[6] = a6;
	a[7] = a7;
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

uint64_t thread_spawn_cfg(void (*fn)(void *), void *arg, unsigned prio, uint64_t utcb, uint64_t exc)
{
	return thread_spawn_pg(fn, arg, prio, utcb, exc, 0);
}

uint64_t now_us(void)
{
	return l4_now_us();
}

/*
 * The watchdog's state. Only the main thread writes wd_deadline and wd_gen
 * (each arm and disarm is a new generation); the watchdog only reads them.
 * Deciding to end the main thread's IPC and doing it must not be split by
 * the main thread running: if a timer woke it in between, it would go on,
 * block in its next IPC, and the late exregs would end that one (seen once
 * under heavy host load: a 50 ms receive ended with WD_A0, then the stale
 * watchdog's "deadline = 0" cancelled the next arm and the boot hung). So
 * the watchdog raises itself above the main thread (WD_PRIO_HIGH) and
 * checks the generation again before the exregs.
 */
#define WD_PRIO_HIGH 250
static volatile uint64_t wd_deadline, wd_gen;
static uint64_t wd_self;

static void wd_prio(unsigned prio)
{
	struct l4_thread_config c = { .which = L4_THREAD_CFG_PRIO, .prio = prio, .max_prio = WD_PRIO_HIGH };

	l4_thread_config(wd_self, &c);
}

static void wd_loop(void *arg)
{
	uint64_t fired = ~0UL;

	(void)arg;
	for (;;) {
		uint64_t g = wd_gen, d = wd_deadline;

		if (d && g != fired && now_us() > d) {
			struct l4_exregs x = { .flags = L4_EXREGS_SET_A0, .a0 = (uint64_t)WD_A0 };

			wd_prio(WD_PRIO_HIGH);          /* the main thread cannot run from here ... */
			if (wd_gen == g && state_of(L4_CAP_THREAD) == L4_THREAD_BLOCKED)
				l4_thread_exregs(L4_CAP_THREAD, &x);
			fired = g;
			wd_prio(1);                     /* ... to here */
		}
		l4_yield();
	}
}

uint64_t wd_start(void)
{
	struct l4_thread_config c = { .which = L4_THREAD_CFG_PRIO, .prio = 1, .max_prio = WD_PRIO_HIGH };

	wd_deadline = 0;
	wd_gen++;
	wd_self = thread_spawn(wd_loop, 0, 1);
	if (wd_self && l4_thread_config(wd_self, &c)) {
		thread_del(wd_self);
		wd_self = 0;
	}
	return wd_self;
}

void wd_stop(uint64_t wd)
{
	wd_deadline = 0;
	wd_gen++;
	if (wd)
		thread_del(wd);
	wd_self = 0;
}

void wd_arm(uint64_t us)
{
	wd_gen++;
	wd_deadline = now_us() + us;
}

void wd_disarm(void)
{
	wd_gen++;
	wd_deadline = 0;
}

uint64_t obj_new(unsigned type)
{
	uint64_t s = cap_get();

	if (l4_factory_create(L4_CAP_FACTORY, type, s, 0)) {
		cap_put(s);
		return 0;
	}
	return s;
}

void obj_del(uint64_t s)
{
	l4_factory_destroy(L4_CAP_FACTORY, s);
	cap_put(s);
}

uint64_t copy_of(uint64_t src, unsigned mask, uint64_t badge)
{
	uint64_t d = cap_get();

	if (l4_task_cap_copy(L4_CAP_TASK, src, d, mask, badge)) {
		cap_put(d);
		return 0;
	}
	return d;
}

uint64_t thread_spawn_pg(void (*fn)(void *), void *arg, unsigned prio, uint64_t utcb, uint64_t exc, uint64_t pager)
{
	return thread_spawn_on(fn, arg, prio, utcb, exc, pager, L4_HART_QUERY);
}

uint64_t thread_spawn_on(void (*fn)(void *), void *arg, unsigned prio, uint64_t utcb, uint64_t exc, uint64_t pager,
			 uint64_t hart)
{
	struct l4_thread_config c = { .which = (utcb ? L4_THREAD_CFG_UTCB : 0) | (exc ? L4_THREAD_CFG_EXC : 0) |
					       (pager ? L4_THREAD_CFG_PAGER : 0),
				      .utcb = utcb, .exc_handler = exc, .pager = pager };
	int s;

	for (s = 0; s < STACKS && stack_owner[s]; s++)
		;
	if (s == STACKS)
		return 0;
	uint64_t sel = thread_new(prio);
	if (!sel)
		return 0;
	if ((c.which && l4_thread_config(sel, &c)) || l4_thread_set_hart(sel, hart, 0) ||
	    l4_thread_run(sel, fn, arg, stacks[s], STACK_SIZE)) {
		thread_del(sel);
		return 0;
	}
	stack_owner[s] = sel;
	return sel;
}
