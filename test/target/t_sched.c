/*
 * t_sched.c - scheduling: a higher priority runs at once, a lower one not
 * while the testroot can run, yield alternates threads of one priority, the
 * timer tick shares the hart between threads that never yield, and an
 * inactive or blocked thread does not run.
 */
#include <stdint.h>

#include <l4/kobj.h>
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

static void test_sched(void)
{
	tap_note("scheduling");
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
	yield_n(4);
	tap_ok(a && b && norder == 8 && order[0] == 'A' && order[1] == 'B' && order[2] == 'A' && order[7] == 'B',
	       "yield round-robins threads of one priority in order (%u switches: %c%c%c%c...)", norder,
	       order[0], order[1], order[2], order[3]);
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
	counter[0] = 0;
	yield_n(2);
	tap_ok(counter[0] == 0, "a destroyed thread does not run");
}

TEST_AREA(sched, 70, test_sched);
