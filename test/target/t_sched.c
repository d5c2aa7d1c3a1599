/*
 * t_sched.c - scheduling: a higher priority runs at once, a lower one not
 * while the testroot can run, yield alternates threads of one priority, the
 * timer tick shares the hart between threads that never yield, and an
 * inactive or blocked thread does not run. All of it with the fast path
 * (fastpath.S: yield) on and off, and the registers a yield leaves.
 */
#include <stdint.h>

#include <l4/errno.h>
#include <l4/kobj.h>
#include <l4/syscall.h>
#include <l4/sys.h>
#include <l4/thread.h>

#include "area.h"
#include "tap.h"
#include "util.h"

static volatile unsigned long counter[3];
static volatile char order[16];
static volatile unsigned norder;

static void bump(void *arg)
{
	counter[(uintptr_t)arg]++;
}

static void yielder(void *arg)
{
	for (;;) {
		if (norder < sizeof(order))
			order[norder++] = (char)('A' + (uintptr_t)arg);
		l4_yield();
	}
}

static void spinner(void *arg)
{
	for (;;)
		counter[(uintptr_t)arg]++;
}

/* A yield as the ABI makes it: a0..a7 given, ra and t0..t6 set to -1
 * (they must come back 0); *gen = yields the general path took. */
struct yres {
	uint64_t a[8], t[8];
	long gen;
};

static void raw_yield(uint64_t word, struct yres *o)
{
	long g0 = l4_debug_pfstats(4);

	o->a[0] = 0xa0;
	for (unsigned i = 1; i < 7; i++)
		o->a[i] = 0xa0 + i;
	o->a[7] = word;
	raw_syscall(o->a, o->t);
	o->gen = l4_debug_pfstats(4) - g0;
}

/* a0 as expected, a1..a7 as given, ra and t0..t6 zero. */
static int yield_regs_ok(const struct yres *o, uint64_t word, long a0)
{
	int ok = (long)o->a[0] == a0 && o->a[7] == word;

	for (unsigned i = 1; i < 7; i++)
		ok = ok && o->a[i] == 0xa0 + i;
	for (unsigned i = 0; i < 8; i++)
		ok = ok && o->t[i] == 0;
	return ok;
}

static void test_yield_regs(int path)
{
	struct yres y;

	raw_yield(L4_SYS_YIELD, &y);
	tap_ok(yield_regs_ok(&y, L4_SYS_YIELD, 0) && y.gen == !path,
	       "yield with no peer: 0, a1..a7 kept, ra and t0..t6 zero (general path: %ld)", y.gen);
	counter[1] = 0;
	uint64_t lo = thread_spawn(bump, (void *)1, 99);
	raw_yield(L4_SYS_YIELD, &y);
	tap_ok(lo && yield_regs_ok(&y, L4_SYS_YIELD, 0) && y.gen == !path && counter[1] == 0,
	       "... with a thread of lower priority ready: the same, it does not run");
	thread_del(lo);
	raw_yield(L4_SYS_YIELD | 1UL << 4, &y);
	tap_ok(yield_regs_ok(&y, L4_SYS_YIELD | 1UL << 4, -L4_EINVAL) && y.gen == 0,
	       "yield with a flag bit: EINVAL, a1..a7 kept, ra and t0..t6 zero");
	raw_yield(L4_SYS_YIELD | 1UL << 12, &y);
	tap_ok(yield_regs_ok(&y, L4_SYS_YIELD | 1UL << 12, -L4_EINVAL) && y.gen == 0,
	       "yield with a selector: EINVAL");
	raw_yield(L4_SYS_YIELD | 1UL << 63, &y);
	tap_ok(yield_regs_ok(&y, L4_SYS_YIELD | 1UL << 63, -L4_EINVAL) && y.gen == 0, "yield with bit 63: EINVAL");
	counter[2] = 0;
	uint64_t peer = thread_spawn(bump, (void *)2, 100);
	raw_yield(L4_SYS_YIELD, &y);
	tap_ok(peer && yield_regs_ok(&y, L4_SYS_YIELD, 0) && y.gen == !path && counter[2] == 1,
	       "yield to a peer of the same priority: it ran, then 0, a1..a7 kept, ra and t0..t6 zero (general path: "
	       "%ld)", y.gen);
	thread_del(peer);
}

static void test_sched_paths(int path)
{
	counter[0] = 0;
	uint64_t hi = thread_spawn(bump, (void *)0, 101);
	tap_ok(hi && counter[0] == 1, "a thread of higher priority runs as soon as it starts");
	thread_del(hi);

	counter[1] = 0;
	uint64_t lo = thread_spawn(bump, (void *)1, 99);
	yield_n(5);
	tap_ok(lo && counter[1] == 0, "a thread of lower priority does not run while the testroot is ready");
	struct l4_exregs x = { 0 };
	tap_ok(l4_thread_exregs(lo, &x) == 0 && x.state == L4_THREAD_READY, "... but it is READY");
	thread_del(lo);

	norder = 0;
	uint64_t a = thread_spawn(yielder, (void *)0, 100);
	uint64_t b = thread_spawn(yielder, (void *)1, 100);
	long g0 = l4_debug_pfstats(4);
	yield_n(4);
	long g = l4_debug_pfstats(4) - g0;
	tap_ok(a && b && norder == 8 && order[0] == 'A' && order[1] == 'B' && order[2] == 'A' && order[7] == 'B',
	       "yield round-robins threads of one priority in order (%u switches: %c%c%c%c...)", norder,
	       order[0], order[1], order[2], order[3]);
	tap_ok(path ? g == 0 : g == 12, "... the general path took %ld of the 12 yields", g);
	l4_thread_stop(a);
	unsigned n = norder;
	yield_n(3);
	tap_ok(norder == n + 3 && order[n] == 'B', "a stopped thread no longer runs");
	thread_del(a);
	thread_del(b);

	counter[0] = counter[1] = 0;
	uint64_t s0 = thread_spawn(spinner, (void *)0, 100);
	uint64_t s1 = thread_spawn(spinner, (void *)1, 100);
	l4_yield();     /* comes back only after the tick preempted both spinners */
	tap_ok(s0 && s1 && counter[0] > 1000 && counter[1] > 1000,
	       "the timer tick shares the hart between threads that never yield (%lu and %lu rounds)",
	       counter[0], counter[1]);
	thread_del(s0);
	thread_del(s1);

	/* The testroot, above them, wakes every 1 ms: each wake-up switches to
	 * it and back, yet the tick must still share the hart between them. */
	uint64_t nap = obj_new(L4_OBJ_NOTIFICATION), bits;
	counter[0] = counter[1] = 0;
	s0 = thread_spawn(spinner, (void *)0, 99);
	s1 = thread_spawn(spinner, (void *)1, 99);
	for (uint64_t until = now_us() + WD_US; now_us() < until && (counter[0] < 1000 || counter[1] < 1000);)
		l4_wait_timeout(nap, l4_timeout_us(1000), &bits);
	obj_del(nap);
	tap_ok(s0 && s1 && counter[0] >= 1000 && counter[1] >= 1000,
	       "... also while a thread of higher priority wakes every 1 ms (%lu and %lu rounds)", counter[0],
	       counter[1]);
	thread_del(s0);
	thread_del(s1);
	counter[0] = 0;
	yield_n(2);
	tap_ok(counter[0] == 0, "a destroyed thread does not run");
	test_yield_regs(path);
}

static void test_sched(void)
{
	tap_note("scheduling");
	long fp = l4_debug_fastpath(1);
	for (int path = 1; path >= 0; path--) {
		l4_debug_fastpath(path);
		tap_note("scheduling with the fast path %s", path ? "on" : "off");
		test_sched_paths(path);
	}
	l4_debug_fastpath(fp == 0 ? 0 : 1);
}

TEST_AREA(sched, 70, test_sched);
