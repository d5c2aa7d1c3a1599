/*
 * t_thread.c - the thread (l4/kobj.h, L4_THREAD_*): configuration (task
 * binding, pager and exception selectors, the UTCB and what it costs,
 * priorities against the caller's maximum) and exchange of registers
 * (reading, setting, START and STOP of running and blocked threads), with
 * every bad argument, right, type and word count. Threads here run at the
 * testroot's priority 100 unless said otherwise, so they run only when it
 * yields. At the end the root factory's `used` is where it started.
 */
#include <stdint.h>

#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/ipc.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/sys.h>
#include <l4/task.h>
#include <l4/thread.h>

#include "area.h"
#include "tap.h"
#include "util.h"

#define SENTINEL 0x5e5e5e5eL
#define UTCB_A 0x100000UL               /* a free page in a new task (and in the testroot) */
#define KERNEL_HALF 0xffffffc000000000UL

extern char _start[];

/* A new thread of factory f (not configured, not started) in a fresh slot. */
static uint64_t fresh_from(uint64_t f)
{
	uint64_t sel = cap_get();

	if (l4_factory_create_thread(f, sel)) {
		cap_put(sel);
		return 0;
	}
	return sel;
}

static uint64_t fresh(void)
{
	return fresh_from(L4_CAP_FACTORY);
}

/* Destroy an object of the root factory (or below) and free its slot. */
static void drop(uint64_t sel)
{
	l4_factory_destroy(L4_CAP_FACTORY, sel);
	cap_put(sel);
}

/* A config call with every word given. */
static long cfg(uint64_t th, uint64_t which, uint64_t task, uint64_t pager, uint64_t exc, uint64_t utcb,
		uint64_t prio_word)
{
	struct l4_msg m = { .mr = { which, task, pager, exc, utcb, prio_word } };

	return l4_call(th, L4_THREAD_CONFIG, 6, &m);
}

static long bind(uint64_t th, uint64_t task)
{
	return cfg(th, L4_THREAD_CFG_TASK, task, 0, 0, 0, 0);
}

static long set_utcb(uint64_t th, uint64_t utcb)
{
	return cfg(th, L4_THREAD_CFG_UTCB, 0, 0, 0, utcb, 0);
}

static long set_prio(uint64_t th, unsigned prio, unsigned max)
{
	return cfg(th, L4_THREAD_CFG_PRIO, 0, 0, 0, 0, prio | (uint64_t)max << 8);
}

/* An exregs call; the previous values land in *x if x is given. */
static long exr(uint64_t th, uint64_t flags, uint64_t pc, uint64_t sp, uint64_t a0, struct l4_exregs *x)
{
	struct l4_msg m = { .mr = { flags, pc, sp, a0 } };
	long r = l4_call(th, L4_THREAD_EXREGS, 4, &m);

	if (r >= 0 && x) {
		x->pc = m.mr[0];
		x->sp = m.mr[1];
		x->state = (unsigned)m.mr[2];
		x->a0 = m.mr[3];
	}
	return r < 0 ? r : 0;
}

/* The thread has no task: START is refused for exactly that reason. */
static bool unbound(uint64_t th)
{
	return exr(th, L4_EXREGS_START, 0, 0, 0, NULL) == -L4_EINVAL && state_of(th) == L4_THREAD_INACTIVE;
}

static void test_config_task(void)
{
	uint64_t th = fresh(), empty = cap_get(), rtask = cap_get(), rth = cap_get(), other = cap_get();
	struct l4_msg m = { 0 };

	tap_note("thread: config, task binding");
	tap_ok(th != 0 && state_of(th) == L4_THREAD_INACTIVE, "a new thread is INACTIVE");
	tap_ok(unbound(th), "... and has no task (START: EINVAL)");
	tap_eq(bind(th, empty), -L4_EBADCAP, "bind to an empty slot: EBADCAP");
	tap_eq(bind(th, 0), -L4_EBADCAP, "bind to selector 0: EBADCAP");
	tap_eq(bind(th, 1UL << L4_ROOTTASK_CAPS_LOG2), -L4_EBADCAP, "bind to selector 4096: EBADCAP");
	tap_eq(bind(th, L4_CAP_FACTORY), -L4_ETYPE, "bind to a factory: ETYPE");
	tap_eq(bind(th, L4_CAP_THREAD), -L4_ETYPE, "bind to a thread: ETYPE");
	l4_task_cap_copy(L4_CAP_TASK, L4_CAP_TASK, rtask, L4_RIGHTS_ALL & ~L4_RIGHT_W, 0);
	tap_eq(bind(th, rtask), -L4_EPERM, "bind to a task capability without W: EPERM");
	tap_ok(unbound(th), "none of these bound it");
	tap_eq(bind(th, L4_CAP_TASK), 0, "bind to the own task");
	tap_eq(bind(th, L4_CAP_TASK), -L4_EBUSY, "bind again to the same task: EBUSY");
	tap_eq(l4_factory_create_task(L4_CAP_FACTORY, other, L4_TASK_CAPS_MIN_LOG2), 0, "another task");
	tap_eq(bind(th, other), -L4_EBUSY, "bind the bound thread to it: EBUSY");

	tap_note("thread: config, other checks");
	l4_task_cap_copy(L4_CAP_TASK, th, rth, L4_RIGHT_R, 0);
	tap_eq(cfg(rth, 0, 0, 0, 0, 0, 0), -L4_EPERM, "config through a thread capability without W: EPERM");
	tap_eq(cfg(L4_CAP_TASK, 0, 0, 0, 0, 0, 0), -L4_ETYPE, "config on a task: ETYPE");
	tap_eq(cfg(L4_CAP_FACTORY, 0, 0, 0, 0, 0, 0), -L4_ETYPE, "config on a factory: ETYPE");
	tap_eq(cfg(th, 0, 0, 0, 0, 0, 0), 0, "config with which = 0 changes nothing and works");
	m = (struct l4_msg){ 0 };
	tap_eq(l4_call(th, L4_THREAD_CONFIG, 5, &m), -L4_EINVAL, "config with 5 words (needs 6): EINVAL");
	m = (struct l4_msg){ 0 };
	tap_eq(l4_call(th, L4_THREAD_CONFIG, 0, &m), -L4_EINVAL, "config with 0 words: EINVAL");
	m = (struct l4_msg){ 0 };
	tap_eq(l4_call(th, L4_THREAD_HART + 1, 4, &m), -L4_ENOSYS,
	       "the label after THREAD_HART (no such thread operation): ENOSYS");
	unsigned was = 99;
	tap_eq(l4_thread_set_hart(th, L4_HART_QUERY, &was), 0, "THREAD_HART query works");
	tap_eq(was, 0, "a new thread is on its creator's hart (0, the boot hart)");
	tap_eq(l4_thread_set_hart(th, l4_kip()->nharts, NULL), -L4_EINVAL, "THREAD_HART to hart nharts: EINVAL");
	tap_eq(l4_thread_set_hart(th, 1UL << 40, NULL), -L4_EINVAL, "THREAD_HART to hart 2^40: EINVAL");
	tap_eq(l4_thread_set_hart(th, L4_HART_QUERY - 1, NULL), -L4_EINVAL, "THREAD_HART to hart ~0 - 1: EINVAL");
	m = (struct l4_msg){ 0 };
	tap_eq(l4_call(th, L4_THREAD_HART, 0, &m), -L4_EINVAL, "THREAD_HART with 0 words: EINVAL");
	tap_eq(l4_thread_set_hart(th, 0, &was), 0, "THREAD_HART to its own hart works");
	tap_eq(cfg(th, L4_THREAD_CFG_ALL + 1, 0, 0, 0, 0, 0), -L4_EINVAL, "config with which bit 0x20 (unknown): EINVAL");
	tap_eq(cfg(th, 1UL << 63, 0, 0, 0, 0, 0), -L4_EINVAL, "config with which bit 63: EINVAL");
	tap_eq(cfg(th, L4_THREAD_CFG_PAGER, 0, L4_SEL_MAX + 1, 0, 0, 0), -L4_EINVAL, "pager selector 2^20: EINVAL");
	tap_eq(cfg(th, L4_THREAD_CFG_PAGER, 0, ~0UL, 0, 0, 0), -L4_EINVAL, "pager selector 2^64-1: EINVAL");
	tap_eq(cfg(th, L4_THREAD_CFG_EXC, 0, 0, L4_SEL_MAX + 1, 0, 0), -L4_EINVAL,
	       "exception-handler selector 2^20: EINVAL");
	tap_eq(cfg(th, L4_THREAD_CFG_PAGER | L4_THREAD_CFG_EXC, 0, L4_SEL_MAX, L4_SEL_MAX, 0, 0), 0,
	       "pager and exception-handler selectors 2^20-1: ok (looked up only at a fault)");
	tap_eq(cfg(th, L4_THREAD_CFG_PAGER | L4_THREAD_CFG_EXC, 0, 0, 0, 0, 0), 0, "... and 0 (none): ok");
	tap_eq(cfg(th, L4_THREAD_CFG_EXC, ~0UL, ~0UL, 5, ~0UL, ~0UL), 0,
	       "words of fields not selected are ignored (only EXC, the rest 2^64-1): ok");
	drop(th);

	/* A failed config changes nothing, even the parts that were fine. */
	th = fresh();
	tap_eq(cfg(th, L4_THREAD_CFG_TASK | L4_THREAD_CFG_PAGER, L4_CAP_TASK, L4_SEL_MAX + 1, 0, 0, 0), -L4_EINVAL,
	       "bind with a bad pager in the same call: EINVAL");
	tap_ok(unbound(th), "... and the thread was not bound");
	tap_eq(cfg(th, L4_THREAD_CFG_TASK | L4_THREAD_CFG_PRIO, L4_CAP_TASK, 0, 0, 0, 1UL << 16), -L4_EINVAL,
	       "bind with a bad priority word in the same call: EINVAL");
	tap_ok(unbound(th), "... and the thread was not bound");
	drop(th);
	drop(other);
	cap_put(empty);
	cap_put(rtask);
	cap_put(rth);
}

static void test_config_utcb(void)
{
	uint64_t task = cap_get(), sub = cap_get(), tiny = cap_get();

	tap_note("thread: config, UTCB");
	uint64_t th = fresh();
	tap_eq(set_utcb(th, UTCB_A), -L4_EINVAL, "a UTCB for a thread without a task: EINVAL");
	drop(th);

	tap_ok(l4_factory_create_task(L4_CAP_FACTORY, task, L4_TASK_CAPS_MIN_LOG2) == 0 &&
	       l4_factory_create_factory(L4_CAP_FACTORY, sub, 65536) == 0,
	       "a new task and a sub-factory");
	uint64_t sub_empty = used_of(sub), u1 = fresh_from(sub), sub_used = used_of(sub);
	tap_eq(cfg(u1, L4_THREAD_CFG_TASK | L4_THREAD_CFG_UTCB, task, 0, 0, UTCB_A, 0), 0,
	       "bind a sub-factory's thread to the task with its UTCB at 0x100000 in one call");
	tap_ok(used_of(sub) == sub_used + L4_UTCB_SIZE, "the UTCB page (4096 bytes) is charged to the thread's factory (%lu)",
	       (unsigned long)(used_of(sub) - sub_used));
	tap_eq(set_utcb(u1, UTCB_A + 0x100000), -L4_EBUSY, "a second UTCB for it: EBUSY");
	tap_eq(set_utcb(u1, UTCB_A), -L4_EBUSY, "the same UTCB again: EBUSY");

	uint64_t u2 = fresh(), u3 = fresh();
	bind(u2, task);
	bind(u3, task);
	tap_eq(set_utcb(u2, UTCB_A), -L4_EINVAL, "another thread's UTCB at the same address (mapped): EINVAL");
	tap_eq(set_utcb(u2, UTCB_A + 0x800), -L4_EINVAL, "a UTCB at an unaligned address: EINVAL");
	tap_eq(set_utcb(u2, UTCB_A + 8), -L4_EINVAL, "a UTCB 8 bytes off a page: EINVAL");
	tap_eq(set_utcb(u2, 0), -L4_EINVAL, "a UTCB at address 0: EINVAL");
	tap_eq(set_utcb(u2, L4_USER_BASE - L4_PAGE_SIZE), -L4_EINVAL, "a UTCB just below L4_USER_BASE: EINVAL");
	tap_eq(set_utcb(u2, 0x8000), -L4_EINVAL, "a UTCB on the KIP's page: EINVAL");
	tap_eq(set_utcb(u2, L4_USER_END), -L4_EINVAL, "a UTCB at L4_USER_END: EINVAL");
	tap_eq(set_utcb(u2, 1UL << 46), -L4_EINVAL, "a UTCB at 2^46 (above user space, not canonical): EINVAL");
	tap_eq(set_utcb(u2, KERNEL_HALF), -L4_EINVAL, "a UTCB in the kernel half: EINVAL");
	tap_eq(set_utcb(u2, ~0UL & ~(L4_PAGE_SIZE - 1)), -L4_EINVAL, "a UTCB on the last page of the address space: EINVAL");
	tap_eq(set_utcb(u2, L4_USER_BASE), 0, "a UTCB at L4_USER_BASE (the lowest page allowed): ok");
	tap_eq(set_utcb(u3, L4_USER_END - L4_PAGE_SIZE), 0, "a UTCB on the last page below L4_USER_END: ok");

	uint64_t u4 = fresh();
	bind(u4, L4_CAP_TASK);
	uint64_t before = used_of(L4_CAP_FACTORY);
	tap_eq(set_utcb(u4, (uint64_t)_start), -L4_EINVAL, "a UTCB on the testroot's own text (0x400000): EINVAL");
	tap_eq(set_utcb(u4, L4_BOOT_UTCB), -L4_EINVAL, "a UTCB on the testroot's own UTCB: EINVAL");
	tap_eq(set_utcb(u4, L4_ROOTTASK_STACK_TOP - L4_PAGE_SIZE), -L4_EINVAL, "a UTCB on the testroot's stack: EINVAL");
	tap_ok(used_of(L4_CAP_FACTORY) == before && state_of(u4) == L4_THREAD_INACTIVE,
	       "... none of which allocated anything");
	drop(u4);

	tap_eq(l4_factory_destroy(sub, u1), 0, "destroy the first thread");
	tap_ok(used_of(sub) == sub_empty, "its UTCB page and the thread went back to the sub-factory (used %lu)",
	       (unsigned long)used_of(sub));
	cap_put(u1);
	uint64_t u5 = fresh();
	tap_eq(cfg(u5, L4_THREAD_CFG_TASK | L4_THREAD_CFG_UTCB, task, 0, 0, UTCB_A, 0), 0,
	       "its UTCB address is free again: a new thread gets it");

	/* The UTCB page must fit in the thread's factory: a failure binds nothing. */
	tap_eq(l4_factory_create_factory(L4_CAP_FACTORY, tiny, 2048), 0, "a sub-factory of 2 KiB");
	uint64_t u6 = fresh_from(tiny);
	tap_ok(u6 != 0, "... holds a thread");
	tap_eq(cfg(u6, L4_THREAD_CFG_TASK | L4_THREAD_CFG_UTCB, task, 0, 0, UTCB_A + 0x10000, 0), -L4_ENOMEM,
	       "but not its UTCB page: bind with a UTCB is ENOMEM");
	tap_ok(unbound(u6), "... and the thread was not bound");
	tap_eq(cfg(u6, L4_THREAD_CFG_TASK | L4_THREAD_CFG_UTCB, task, 0, 0, UTCB_A + 0x10000, 0), -L4_ENOMEM,
	       "... a retry fails the same way (not EINVAL: the address was not left mapped)");
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, task), 0, "destroy the task of threads with UTCBs");
	tap_ok(state_of(u2) == L4_THREAD_INACTIVE && state_of(u5) == L4_THREAD_INACTIVE && unbound(u3),
	       "its threads are unbound");
	tap_eq(bind(u2, L4_CAP_TASK), 0, "one can be bound again (to the testroot's task) ...");
	tap_eq(set_utcb(u2, UTCB_A), 0, "... and get a new UTCB there");
	drop(u2);
	drop(u3);
	drop(u5);
	drop(u6);
	drop(tiny);
	drop(sub);
	cap_put(task);
}

/* A worker at priority 50 (maximum 50) trying priorities on another thread. */
static uint64_t prio_target, prio_self;
static volatile long prio_res[6];
static volatile int prio_done;

static void prio_worker(void *arg)
{
	(void)arg;
	prio_res[0] = set_prio(prio_target, 60, 50);
	prio_res[1] = set_prio(prio_target, 50, 60);
	prio_res[2] = set_prio(prio_target, 50, 50);
	prio_res[3] = set_prio(prio_target, 10, 20);
	prio_res[4] = set_prio(prio_self, 60, 60);
	prio_res[5] = set_prio(prio_self, 50, 50);
	prio_done = 1;
}

static void test_config_prio(void)
{
	uint64_t th = fresh();

	tap_note("thread: config, priorities");
	tap_eq(set_prio(th, L4_PRIO_MAX, L4_PRIO_MAX), 0, "priority 255, maximum 255 (the testroot's maximum): ok");
	tap_eq(set_prio(th, 0, 0), 0, "priority 0, maximum 0: ok");
	tap_eq(cfg(th, L4_THREAD_CFG_PRIO, 0, 0, 0, 0, 1UL << 16), -L4_EINVAL, "priority word with bit 16: EINVAL");
	tap_eq(cfg(th, L4_THREAD_CFG_PRIO, 0, 0, 0, 0, 1UL << 63), -L4_EINVAL, "priority word with bit 63: EINVAL");
	tap_eq(cfg(th, 0, 0, 0, 0, 0, ~0UL), 0, "a bad priority word without the PRIO bit is ignored");

	prio_target = th;
	prio_done = 0;
	for (int i = 0; i < 6; i++)
		prio_res[i] = SENTINEL;
	prio_self = thread_spawn(prio_worker, 0, 50);
	yield_n(2);
	tap_ok(prio_self && prio_done == 0, "a thread at priority 50 (maximum 50) does not run beside the testroot");
	tap_eq(set_prio(L4_CAP_THREAD, 40, L4_PRIO_MAX), 0, "the testroot lowers itself to 40 (keeping maximum 255)");
	tap_ok(prio_done == 1, "... the priority-50 thread ran at once");
	tap_eq(set_prio(L4_CAP_THREAD, 100, L4_PRIO_MAX), 0, "the testroot raises itself back to 100");
	tap_eq(prio_res[0], -L4_EPERM, "the maximum-50 thread gives another priority 60: EPERM");
	tap_eq(prio_res[1], -L4_EPERM, "... or maximum 60: EPERM");
	tap_eq(prio_res[2], 0, "... priority 50, maximum 50: ok");
	tap_eq(prio_res[3], 0, "... priority 10, maximum 20: ok");
	tap_eq(prio_res[4], -L4_EPERM, "... raising itself to 60: EPERM");
	tap_eq(prio_res[5], 0, "... setting itself to its own maximum: ok");
	thread_del(prio_self);
	drop(th);
}

/* Counting threads: loop, count, yield. */
static volatile unsigned long count_a, count_b;

static void count_loop(void *arg)
{
	(void)arg;
	for (;;) {
		count_a++;
		l4_yield();
	}
}

static void other_loop(void)
{
	for (;;) {
		count_b++;
		l4_yield();
	}
}

static void test_exregs_args(void)
{
	uint64_t th = fresh(), rc = cap_get(), wc = cap_get(), empty = cap_get();
	struct l4_exregs x = { 0 };
	struct l4_msg m = { 0 };

	tap_note("thread: exregs, arguments");
	tap_ok(exr(th, 0, 0, 0, 0, &x) == 0 && x.state == L4_THREAD_INACTIVE,
	       "read an unstarted thread: INACTIVE (pc %#lx, sp %#lx, a0 %#lx)", (unsigned long)x.pc,
	       (unsigned long)x.sp, (unsigned long)x.a0);
	tap_eq(exr(th, L4_EXREGS_SET_PC | L4_EXREGS_SET_SP | L4_EXREGS_SET_A0, 0x400100, 0x500000, 0xabc, NULL), 0,
	       "set pc, sp and a0 of a thread without a task: ok");
	tap_ok(exr(th, 0, 0, 0, 0, &x) == 0 && x.pc == 0x400100 && x.sp == 0x500000 && x.a0 == 0xabc &&
	       x.state == L4_THREAD_INACTIVE,
	       "reading them back gives what was set, still INACTIVE");
	tap_ok(exr(th, L4_EXREGS_SET_A0, 0, 0, 0xdef, &x) == 0 && x.a0 == 0xabc && x.pc == 0x400100,
	       "a write returns the previous values");
	tap_eq(exr(th, L4_EXREGS_START, 0, 0, 0, NULL), -L4_EINVAL, "START without a task: EINVAL");
	bind(th, L4_CAP_TASK);
	tap_eq(exr(th, L4_EXREGS_START | L4_EXREGS_STOP, 0, 0, 0, NULL), -L4_EINVAL, "START and STOP together: EINVAL");
	tap_eq(exr(th, L4_EXREGS_SET_PC, L4_USER_END, 0, 0, NULL), -L4_EINVAL, "pc = L4_USER_END: EINVAL");
	tap_eq(exr(th, L4_EXREGS_SET_PC, KERNEL_HALF, 0, 0, NULL), -L4_EINVAL, "pc in the kernel half: EINVAL");
	tap_eq(exr(th, L4_EXREGS_SET_PC, L4_USER_END - 4, 0, 0, NULL), 0, "pc = L4_USER_END - 4: ok");
	tap_eq(exr(th, L4_EXREGS_SET_SP, 0, L4_USER_END + 1, 0, NULL), -L4_EINVAL, "sp = L4_USER_END + 1: EINVAL");
	tap_eq(exr(th, L4_EXREGS_SET_SP, 0, ~0UL, 0, NULL), -L4_EINVAL, "sp = 2^64-1: EINVAL");
	tap_eq(exr(th, L4_EXREGS_SET_SP, 0, L4_USER_END, 0, NULL), 0, "sp = L4_USER_END (an empty stack's top): ok");
	tap_eq(exr(th, L4_EXREGS_SET_A0, ~0UL, ~0UL, 1, NULL), 0, "pc and sp out of range but not set: ignored");
	tap_eq(exr(th, L4_EXREGS_ALL + 1, 0, 0, 0, NULL), -L4_EINVAL, "flag 0x20 (unknown): EINVAL");
	tap_eq(exr(th, 1UL << 63, 0, 0, 0, NULL), -L4_EINVAL, "flag bit 63: EINVAL");
	tap_eq(exr(th, L4_EXREGS_START | L4_EXREGS_SET_PC, L4_USER_END, 0, 0, NULL), -L4_EINVAL,
	       "START with a bad pc: EINVAL ...");
	tap_ok(state_of(th) == L4_THREAD_INACTIVE && exr(th, 0, 0, 0, 0, &x) == 0 && x.pc == L4_USER_END - 4 &&
	       x.sp == L4_USER_END && x.a0 == 1,
	       "... and neither started it nor changed a register");
	m = (struct l4_msg){ 0 };
	tap_eq(l4_call(th, L4_THREAD_EXREGS, 3, &m), -L4_EINVAL, "exregs with 3 words (needs 4): EINVAL");
	m = (struct l4_msg){ .mr = { L4_EXREGS_START } };
	tap_eq(l4_ipc(l4_ipc_word(L4_IPC_CALL, th, 0, 0), l4_tag(L4_THREAD_EXREGS, 4, 1), &m), -L4_EINVAL,
	       "exregs with a typed item: EINVAL");
	tap_eq(state_of(th), L4_THREAD_INACTIVE, "... which did not start it either");

	l4_task_cap_copy(L4_CAP_TASK, th, rc, L4_RIGHT_R, 0);
	l4_task_cap_copy(L4_CAP_TASK, th, wc, L4_RIGHT_W, 0);
	tap_ok(exr(rc, 0, 0, 0, 0, &x) == 0 && x.a0 == 1, "read through an R-only copy: ok");
	tap_eq(exr(rc, L4_EXREGS_SET_A0, 0, 0, 2, NULL), -L4_EPERM, "SET_A0 through the R-only copy: EPERM");
	tap_eq(exr(rc, L4_EXREGS_STOP, 0, 0, 0, NULL), -L4_EPERM, "STOP through the R-only copy: EPERM");
	tap_eq(exr(wc, 0, 0, 0, 0, &x), -L4_EPERM, "read through a W-only copy: EPERM");
	tap_eq(exr(wc, L4_EXREGS_SET_A0, 0, 0, 2, NULL), -L4_EPERM, "SET_A0 through the W-only copy (needs R too): EPERM");
	tap_ok(exr(th, 0, 0, 0, 0, &x) == 0 && x.a0 == 1, "... a0 was not changed");
	tap_eq(exr(L4_CAP_TASK, 0, 0, 0, 0, &x), -L4_ETYPE, "exregs on a task: ETYPE");
	tap_eq(exr(L4_CAP_FACTORY, 0, 0, 0, 0, &x), -L4_ETYPE, "exregs on a factory: ETYPE");
	tap_eq(exr(empty, 0, 0, 0, 0, &x), -L4_EBADCAP, "exregs on an empty slot: EBADCAP");

	/* On the calling thread itself: the state during the call. */
	tap_ok(exr(L4_CAP_THREAD, 0, 0, 0, 0, &x) == 0 && x.state == L4_THREAD_READY &&
	       x.a0 == l4_tag(L4_THREAD_EXREGS, 4, 0) && x.pc >= (uint64_t)_start && x.pc < L4_BOOTMOD_BASE,
	       "exregs on the own thread: READY, a0 = the call's tag, pc in the text (%#lx)", (unsigned long)x.pc);
	drop(th);
	cap_put(rc);
	cap_put(wc);
	cap_put(empty);
}

static void test_run_stop(void)
{
	struct l4_exregs x = { 0 };

	tap_note("thread: start and stop");
	/* A timer tick between the start and the check rotates the testroot out
	 * and lets the thread run (likelier on a loaded host without -icount):
	 * up to three tries with a fresh thread. A thread that always ran at
	 * once fails all three. */
	uint64_t th = 0;
	int fresh = 0;
	for (int tries = 0; tries < 3 && !fresh; tries++) {
		if (th)
			thread_del(th);
		count_a = count_b = 0;
		th = thread_spawn(count_loop, 0, 100);
		fresh = th && state_of(th) == L4_THREAD_READY && count_a == 0;
	}
	tap_ok(fresh, "a started thread of the testroot's priority is READY and has not run yet");
	yield_n(5);
	unsigned long c = count_a;
	tap_ok(c > 0, "after 5 yields it has counted (%lu)", c);
	tap_ok(exr(th, L4_EXREGS_STOP, 0, 0, 0, &x) == 0 && x.state == L4_THREAD_READY, "STOP it: previous state READY");
	tap_eq(state_of(th), L4_THREAD_INACTIVE, "... now it is INACTIVE");
	c = count_a;
	yield_n(5);
	tap_ok(count_a == c, "a stopped thread does not count across 5 yields (%lu)", count_a);
	tap_ok(exr(th, L4_EXREGS_STOP, 0, 0, 0, &x) == 0 && x.state == L4_THREAD_INACTIVE &&
	       state_of(th) == L4_THREAD_INACTIVE, "STOP on the stopped thread: ok, still INACTIVE");
	tap_ok(exr(th, L4_EXREGS_START, 0, 0, 0, &x) == 0 && x.state == L4_THREAD_INACTIVE &&
	       state_of(th) == L4_THREAD_READY, "START it again (registers unchanged): READY");
	YIELD_UNTIL(count_a > c);
	tap_ok(count_a > c, "it counts again from where it stopped (%lu -> %lu)", c, count_a);
	tap_ok(exr(th, L4_EXREGS_START, 0, 0, 0, &x) == 0 && x.state == L4_THREAD_READY && state_of(th) == L4_THREAD_READY,
	       "START on a running thread: ok, nothing changes");
	c = count_a;
	yield_n(4);
	tap_ok(count_a - c >= 1 && count_a - c <= 5, "... it still runs about once per yield, not twice (%lu in 4)",
	       count_a - c);

	tap_eq(exr(th, L4_EXREGS_STOP, 0, 0, 0, NULL), 0, "stop it");
	tap_ok(exr(th, L4_EXREGS_SET_PC, (uint64_t)(uintptr_t)other_loop, 0, 0, NULL) == 0 &&
	       exr(th, 0, 0, 0, 0, &x) == 0 && x.pc == (uint64_t)(uintptr_t)other_loop && x.state == L4_THREAD_INACTIVE,
	       "set its pc to another function: read back, still INACTIVE");
	c = count_a;
	tap_eq(exr(th, L4_EXREGS_START, 0, 0, 0, NULL), 0, "start it");
	YIELD_UNTIL(count_b > 0);
	tap_ok(count_b > 0 && count_a == c, "it runs the other function (%lu) and not the first (%lu)", count_b,
	       count_a - c);
	thread_del(th);
	c = count_b;
	yield_n(3);
	tap_ok(count_b == c, "a destroyed thread runs no more");
}

/* A thread that receives on an endpoint and records what its receive returned. */
struct rcv {
	uint64_t ep;
	volatile long result;
};

static void receiver(void *arg)
{
	struct rcv *r = arg;
	struct l4_msg m = { 0 };

	r->result = l4_receive(r->ep, &m);
}

static void test_blocked(void)
{
	static struct rcv r;
	struct l4_exregs x = { 0 };
	uint64_t ep = cap_get(), th;

	tap_note("thread: exregs on threads blocked in IPC");
	l4_factory_create_endpoint(L4_CAP_FACTORY, ep);
	r = (struct rcv){ .ep = ep, .result = SENTINEL };
	th = thread_spawn(receiver, &r, 100);
	YIELD_UNTIL(state_of(th) == L4_THREAD_BLOCKED);
	tap_ok(th && state_of(th) == L4_THREAD_BLOCKED && r.result == SENTINEL, "a thread blocks receiving on an endpoint");
	yield_n(2);
	tap_ok(state_of(th) == L4_THREAD_BLOCKED && r.result == SENTINEL, "reading its registers does not end its IPC");
	tap_ok(exr(th, L4_EXREGS_START, 0, 0, 0, &x) == 0 && x.state == L4_THREAD_BLOCKED, "START on it: ok ...");
	yield_n(2);
	tap_ok(state_of(th) == L4_THREAD_BLOCKED && r.result == SENTINEL, "... and it stays blocked");
	tap_ok(exr(th, L4_EXREGS_SET_A0, 0, 0, 0x1234, &x) == 0 && x.state == L4_THREAD_BLOCKED,
	       "SET_A0 = 0x1234 on it: previous state BLOCKED");
	/* (a timer tick between the two calls may let it run already: then
	 * its receive has returned, which says the same) */
	unsigned st = state_of(th);
	tap_ok(st == L4_THREAD_READY || r.result == 0x1234, "... now it is READY (state %u, result %#lx)", st,
	       (unsigned long)r.result);
	YIELD_UNTIL(r.result == 0x1234);
	tap_eq(r.result, 0x1234, "its receive returns the a0 exregs set");
	thread_del(th);

	r = (struct rcv){ .ep = ep, .result = SENTINEL };
	th = thread_spawn(receiver, &r, 100);
	YIELD_UNTIL(state_of(th) == L4_THREAD_BLOCKED);
	tap_ok(th && exr(th, 0, 0, 0, 0, &x) == 0 && x.state == L4_THREAD_BLOCKED, "another receiver blocks");
	tap_eq(exr(th, L4_EXREGS_SET_SP, 0, x.sp, 0, NULL), 0, "SET_SP (to the sp it has) on it");
	YIELD_UNTIL(r.result == -L4_ECANCELED);
	tap_eq(r.result, -L4_ECANCELED, "its receive returns ECANCELED");
	thread_del(th);

	r = (struct rcv){ .ep = ep, .result = SENTINEL };
	th = thread_spawn(receiver, &r, 100);
	YIELD_UNTIL(state_of(th) == L4_THREAD_BLOCKED);
	tap_ok(th && exr(th, L4_EXREGS_STOP, 0, 0, 0, &x) == 0 && x.state == L4_THREAD_BLOCKED &&
	       state_of(th) == L4_THREAD_INACTIVE, "STOP on a blocked receiver: previous BLOCKED, now INACTIVE");
	yield_n(3);
	tap_eq(r.result, SENTINEL, "... it does not return from its receive while stopped");
	tap_eq(exr(th, L4_EXREGS_START, 0, 0, 0, NULL), 0, "START it again");
	YIELD_UNTIL(r.result == -L4_ECANCELED);
	tap_eq(r.result, -L4_ECANCELED, "... its receive returns ECANCELED");
	thread_del(th);

	r = (struct rcv){ .ep = ep, .result = SENTINEL };
	th = thread_spawn(receiver, &r, 100);
	YIELD_UNTIL(state_of(th) == L4_THREAD_BLOCKED);
	tap_ok(th && state_of(th) == L4_THREAD_BLOCKED, "after all that the endpoint still takes a waiter");
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, ep), 0, "destroy the endpoint");
	YIELD_UNTIL(r.result == -L4_ECANCELED);
	tap_eq(r.result, -L4_ECANCELED, "... the waiter's receive returns ECANCELED");
	thread_del(th);
	cap_put(ep);
}

static void test_thread(void)
{
	uint64_t start = used_of(L4_CAP_FACTORY);

	tap_note("thread");
	test_config_task();
	test_config_utcb();
	test_config_prio();
	test_exregs_args();
	test_run_stop();
	test_blocked();
	tap_ok(used_of(L4_CAP_FACTORY) == start, "thread tests leaked no kernel memory (used %lu, at start %lu)",
	       (unsigned long)used_of(L4_CAP_FACTORY), (unsigned long)start);
}

TEST_AREA(thread, 60, test_thread);
