/*
 * t_fpu.c - lazy FP state: threads that use F/D keep their own register
 * values across switches, and a thread's first FP use sees zeroed registers,
 * never another thread's values. Built with the D extension (build.mk).
 */
#include <stdint.h>

#include <l4/sys.h>

#include "area.h"
#include "tap.h"
#include "util.h"

static volatile uint64_t seen[3];
static volatile unsigned rounds[3];

static inline void set_f5(uint64_t v)
{
	__asm__ volatile("fmv.d.x f5, %0" :: "r"(v));
}

static inline uint64_t get_f5(void)
{
	uint64_t v;
	__asm__ volatile("fmv.x.d %0, f5" : "=r"(v));
	return v;
}

/* Keep a pattern in f5 across yields; record any value that differs. */
static void keeper(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;
	uint64_t pattern = 0x4000000000000000ULL + i * 0x0101010101ULL;

	set_f5(pattern);
	for (;;) {
		l4_yield();
		uint64_t v = get_f5();
		if (v != pattern)
			seen[i] = v;
		rounds[i]++;
		/* Dirty the registers again so every switch has to save them. */
		set_f5(pattern);
	}
}

static void first_use(void *arg)
{
	(void)arg;
	seen[2] = get_f5();
	rounds[2] = 1;
}

static void test_fpu(void)
{
	tap_note("floating point");
	uint64_t a = thread_spawn(keeper, (void *)0, 100);
	uint64_t b = thread_spawn(keeper, (void *)1, 100);
	YIELD_UNTIL(rounds[0] >= 19 && rounds[1] >= 19);
	tap_ok(a && b && rounds[0] >= 19 && rounds[1] >= 19 && !seen[0] && !seen[1],
	       "two threads keep their own f5 across %u and %u switches", rounds[0], rounds[1]);

	seen[2] = 0xdead;
	uint64_t c = thread_spawn(first_use, 0, 100);
	YIELD_UNTIL(rounds[2] == 1);
	tap_ok(c && rounds[2] == 1 && seen[2] == 0,
	       "a thread's first FP use sees zeroed registers, not another thread's (%#lx)", (unsigned long)seen[2]);
	thread_del(a);
	thread_del(b);
	thread_del(c);

	double x = 1.5;
	__asm__ volatile("" : "+m"(x));
	tap_ok(x * 4.0 == 6.0, "the testroot itself computes with doubles");
}

TEST_AREA(fpu, 120, test_fpu);
