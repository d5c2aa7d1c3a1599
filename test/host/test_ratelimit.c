/*
 * test_ratelimit.c - host tests of kernel/lib/ratelimit.c, the token bucket
 * that limits the console lines user tasks can cause. Directed tests pin the
 * burst, the refill of one token per period (the rest of a period carried
 * over), the cap after a long quiet time and the count of refused lines;
 * a randomized test checks, over long random event sequences, that no line
 * is lost from the count, that no window of time lets more than the burst
 * plus one line per period through, and that events at least a period apart
 * all go out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib/ratelimit.h"
#include "../lib/xorshift.h"

#define EVERY 1000

/* Take at now; returns the missed count reported, or -1 if refused. */
static long take(struct ratelimit *r, uint64_t now)
{
	unsigned long missed = 12345;

	if (!ratelimit_take(r, now, EVERY, &missed)) {
		assert_int_equal(missed, 12345);        /* untouched when refused */
		return -1;
	}
	return (long)missed;
}

static void test_burst_then_refused(void **state)
{
	(void)state;
	struct ratelimit r = RATELIMIT_INIT(5);

	for (int i = 0; i < 5; i++)
		assert_int_equal(take(&r, 0), 0);       /* the first burst at time 0 */
	for (int i = 0; i < 3; i++)
		assert_int_equal(take(&r, EVERY - 1), -1);
	assert_int_equal(r.missed, 3);
	assert_int_equal(take(&r, EVERY), 3);         /* one token: the count goes with it */
	assert_int_equal(r.missed, 0);
	assert_int_equal(take(&r, EVERY), -1);
	assert_int_equal(take(&r, 2 * EVERY), 1);
}

static void test_rest_of_period_carried(void **state)
{
	(void)state;
	struct ratelimit r = RATELIMIT_INIT(3);

	for (int i = 0; i < 3; i++)
		assert_int_equal(take(&r, 100), 0);
	/* at 1.5 periods one token; the half period left counts on, so the
	 * next is due at 2 periods after 100, not 2.5 */
	assert_int_equal(take(&r, 100 + EVERY + EVERY / 2), 0);
	assert_int_equal(take(&r, 100 + 2 * EVERY - 1), -1);
	assert_int_equal(take(&r, 100 + 2 * EVERY), 1);
	/* a full bucket does not fill further: from full at 100 + 3 periods,
	 * 4 periods later it still holds 3 */
	assert_int_equal(take(&r, 100 + 7 * EVERY), 0);
	assert_int_equal(take(&r, 100 + 7 * EVERY), 0);
	assert_int_equal(take(&r, 100 + 7 * EVERY), 0);
	assert_int_equal(take(&r, 100 + 7 * EVERY), -1);
}

static void test_capped_after_quiet(void **state)
{
	(void)state;
	struct ratelimit r = RATELIMIT_INIT(4);

	for (int i = 0; i < 4; i++)
		take(&r, 0);
	uint64_t t = 1000000 * (uint64_t)EVERY;         /* long quiet: still only 4 */
	for (int i = 0; i < 4; i++)
		assert_int_equal(take(&r, t), 0);
	assert_int_equal(take(&r, t), -1);
	assert_int_equal(take(&r, UINT64_MAX), 1);   /* no overflow at the end of time */
}

static void test_clock_behind(void **state)
{
	(void)state;
	struct ratelimit r = RATELIMIT_INIT(1);

	assert_int_equal(take(&r, 10 * EVERY), 0);
	assert_int_equal(take(&r, 5 * EVERY), -1);      /* an earlier time (another hart's clock): no refill */
	assert_int_equal(take(&r, 11 * EVERY), 1);
}

/* Random events: conservation, the rate bound over every window, and no
 * loss when events come at most once a period. */
static void test_random(void **state)
{
	(void)state;
	uint64_t seed = getenv("RATELIMIT_SEED") ? strtoull(getenv("RATELIMIT_SEED"), NULL, 0) : 0x5eed1234ULL;
	printf("# seed %#llx\n", (unsigned long long)seed);

	for (int run = 0; run < 200; run++) {
		unsigned burst = 1 + (unsigned)(xorshift64s(&seed) % 30);
		struct ratelimit r = RATELIMIT_INIT(burst);
		enum { N = 4000 };
		static uint64_t out[N];         /* times of the lines that went out */
		unsigned nout = 0;
		unsigned long reported = 0;
		uint64_t now = xorshift64s(&seed) % (100 * EVERY);
		int sparse = run % 4 == 0;      /* events at least a period apart */

		for (unsigned i = 0; i < N; i++) {
			uint64_t v = xorshift64s(&seed);
			now += sparse ? EVERY + v % (3 * EVERY) : (v % 8 ? v % (EVERY / 4) : v % (20 * EVERY));
			long m = take(&r, now);
			if (sparse)
				assert_true(m == 0);    /* nothing refused, nothing owed */
			if (m >= 0) {
				reported += (unsigned long)m;
				out[nout++] = now;
			}
		}
		assert_int_equal(nout + reported + r.missed, N);
		/* Any window [out[i], out[j]] holds at most burst + its periods + 1 lines. */
		for (unsigned i = 0; i < nout; i++)
			for (unsigned j = i; j < nout && j < i + 200; j++)
				assert_true(j - i + 1 <= burst + (out[j] - out[i]) / EVERY + 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_refused),
		cmocka_unit_test(test_rest_of_period_carried),
		cmocka_unit_test(test_capped_after_quiet),
		cmocka_unit_test(test_clock_behind),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
