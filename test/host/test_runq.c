/*
 * test_runq.c - host tests of kernel/lib/runq.c. Directed tests pin down the
 * order the scheduler relies on (FIFO within a priority, highest priority
 * first, enqueue_head and rotate) at the edges of the bitmap words; a
 * randomized test runs thousands of operations against a trivially correct
 * model (256 arrays used as FIFOs) and checks runq_check() and runq_highest()
 * after every step. The seed is printed; set RUNQ_SEED to replay a run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/runq.h"
#include "../lib/xorshift.h"

#define NTHREADS 64

/* A stand-in for the thread: the link is embedded, not first, as it will be. */
struct thread {
	unsigned id;
	struct runq_link link;
};

static struct runq q;
static struct thread th[NTHREADS];

static int setup(void **state)
{
	runq_init(&q);
	for (unsigned i = 0; i < NTHREADS; i++) {
		th[i].id = i;
		th[i].link.next = th[i].link.prev = NULL;
	}
	return 0;
}

static struct thread *thread_of(struct runq_link *l)
{
	return (struct thread *)((char *)l - offsetof(struct thread, link));
}

/* The id of the highest thread, asserting its priority; -1 if empty. */
static int highest(unsigned want_prio)
{
	unsigned prio = 12345;
	struct runq_link *l = runq_highest(&q, &prio);

	assert_true(runq_check(&q));
	if (!l) {
		assert_int_equal(prio, 12345);  /* untouched */
		return -1;
	}
	assert_int_equal(prio, want_prio);
	return (int)thread_of(l)->id;
}

/* Assert prio's list holds exactly ids[0..n) in order, walking both ways. */
static void expect_list(unsigned prio, const unsigned *ids, unsigned n)
{
	struct runq_link *h = q.head[prio], *l;

	assert_true(runq_check(&q));
	if (n == 0) {
		assert_null(h);
		return;
	}
	assert_non_null(h);
	l = h;
	for (unsigned i = 0; i < n; i++, l = l->next)
		assert_int_equal(thread_of(l)->id, ids[i]);
	assert_ptr_equal(l, h);
	l = h->prev;
	for (unsigned i = n; i-- > 0; l = l->prev)
		assert_int_equal(thread_of(l)->id, ids[i]);
	assert_ptr_equal(l->next, h);
}

static void test_empty(void **state)
{
	unsigned prio = 7;

	assert_true(runq_check(&q));
	assert_null(runq_highest(&q, &prio));
	assert_int_equal(prio, 7);
	assert_int_equal(q.count, 0);
	assert_false(runq_linked(&th[0].link));
	/* Rotating an empty priority is harmless. */
	runq_rotate(&q, 0);
	runq_rotate(&q, 255);
	assert_true(runq_check(&q));
}

static void test_fifo(void **state)
{
	static const unsigned all[] = { 3, 1, 4, 5, 9 };

	for (unsigned i = 0; i < 5; i++) {
		runq_enqueue(&q, &th[all[i]].link, 10);
		assert_true(runq_linked(&th[all[i]].link));
	}
	expect_list(10, all, 5);
	assert_int_equal(q.count, 5);
	/* Taking the head each time yields enqueue order. */
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(highest(10), all[i]);
		runq_remove(&q, &th[all[i]].link, 10);
		assert_false(runq_linked(&th[all[i]].link));
		assert_null(th[all[i]].link.next);
		assert_null(th[all[i]].link.prev);
	}
	assert_int_equal(highest(0), -1);
	assert_int_equal(q.bitmap[0], 0);
}

static void test_highest_wins(void **state)
{
	runq_enqueue(&q, &th[0].link, 5);
	assert_int_equal(highest(5), 0);
	runq_enqueue(&q, &th[1].link, 3);
	assert_int_equal(highest(5), 0);
	runq_enqueue(&q, &th[2].link, 200);
	assert_int_equal(highest(200), 2);
	runq_enqueue(&q, &th[3].link, 100);
	assert_int_equal(highest(200), 2);
	runq_remove(&q, &th[2].link, 200);
	assert_int_equal(highest(100), 3);
	runq_remove(&q, &th[3].link, 100);
	assert_int_equal(highest(5), 0);
	runq_remove(&q, &th[0].link, 5);
	assert_int_equal(highest(3), 1);
	runq_remove(&q, &th[1].link, 3);
	assert_int_equal(highest(0), -1);
}

/* Priorities on either side of each bitmap word boundary, and the extremes. */
static void test_boundaries(void **state)
{
	static const unsigned prios[] = { 0, 1, 62, 63, 64, 65, 126, 127, 128, 129,
					  190, 191, 192, 193, 254, 255 };
	const unsigned n = sizeof(prios) / sizeof(prios[0]);

	/* Each alone: found, in the right word and bit. */
	for (unsigned i = 0; i < n; i++) {
		unsigned p = prios[i];

		runq_enqueue(&q, &th[i].link, p);
		assert_int_equal(highest(p), i);
		for (unsigned w = 0; w < RUNQ_WORDS; w++)
			assert_int_equal(q.bitmap[w], w == p / 64 ? (uint64_t)1 << (p % 64) : 0);
		runq_remove(&q, &th[i].link, p);
		assert_int_equal(highest(0), -1);
	}
	/* All at once, ascending: the newest is always the highest. */
	for (unsigned i = 0; i < n; i++) {
		runq_enqueue(&q, &th[i].link, prios[i]);
		assert_int_equal(highest(prios[i]), i);
	}
	/* Removed from the top, the next lower one (maybe in the word below) wins. */
	for (unsigned i = n; i-- > 0;) {
		assert_int_equal(highest(prios[i]), i);
		runq_remove(&q, &th[i].link, prios[i]);
	}
	assert_int_equal(highest(0), -1);
	/* All at once, descending, removed from the bottom: the top stays. */
	for (unsigned i = n; i-- > 0;)
		runq_enqueue(&q, &th[i].link, prios[i]);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(highest(255), n - 1);
		if (i < n - 1)
			runq_remove(&q, &th[i].link, prios[i]);
	}
	runq_remove(&q, &th[n - 1].link, 255);
	assert_int_equal(highest(0), -1);
}

static void test_remove_positions(void **state)
{
	static const unsigned r1[] = { 1, 2, 3, 4 }, r2[] = { 1, 3, 4 }, r3[] = { 1, 3 },
			      r4[] = { 3 }, r5[] = { 3, 5 };

	for (unsigned i = 0; i < 5; i++)
		runq_enqueue(&q, &th[i].link, 64);
	runq_remove(&q, &th[0].link, 64);               /* head */
	expect_list(64, r1, 4);
	assert_int_equal(highest(64), 1);
	runq_remove(&q, &th[2].link, 64);               /* middle */
	expect_list(64, r2, 3);
	runq_remove(&q, &th[4].link, 64);               /* tail */
	expect_list(64, r3, 2);
	runq_remove(&q, &th[1].link, 64);               /* head of two */
	expect_list(64, r4, 1);
	assert_ptr_equal(th[3].link.next, &th[3].link);
	assert_ptr_equal(th[3].link.prev, &th[3].link);
	/* A removed link can be enqueued again. */
	runq_enqueue(&q, &th[5].link, 64);
	expect_list(64, r5, 2);
	runq_remove(&q, &th[5].link, 64);               /* tail of two */
	runq_remove(&q, &th[3].link, 64);               /* the last one */
	expect_list(64, NULL, 0);
	assert_int_equal(q.bitmap[1], 0);
	assert_int_equal(q.count, 0);
}

static void test_rotate(void **state)
{
	static const unsigned a[] = { 0, 1, 2 }, b[] = { 1, 2, 0 }, c[] = { 2, 0, 1 },
			      one[] = { 7 };

	/* One entry: rotating keeps it, self-linked. */
	runq_enqueue(&q, &th[7].link, 127);
	runq_rotate(&q, 127);
	expect_list(127, one, 1);
	assert_int_equal(highest(127), 7);
	runq_remove(&q, &th[7].link, 127);

	/* Several: round robin, back to the start after n rotations. */
	for (unsigned i = 0; i < 3; i++)
		runq_enqueue(&q, &th[i].link, 128);
	runq_rotate(&q, 128);
	expect_list(128, b, 3);
	assert_int_equal(highest(128), 1);
	runq_rotate(&q, 128);
	expect_list(128, c, 3);
	runq_rotate(&q, 128);
	expect_list(128, a, 3);
	/* Rotating another priority leaves this one alone. */
	runq_enqueue(&q, &th[9].link, 191);
	runq_enqueue(&q, &th[10].link, 191);
	runq_rotate(&q, 191);
	expect_list(128, a, 3);
	assert_int_equal(highest(191), 10);
	assert_int_equal(q.count, 5);
}

static void test_enqueue_head(void **state)
{
	static const unsigned a[] = { 5 }, b[] = { 6, 5 }, c[] = { 6, 5, 7 },
			      d[] = { 8, 6, 5, 7 }, e[] = { 6, 5, 7, 8 };

	runq_enqueue_head(&q, &th[5].link, 192);        /* into an empty list */
	expect_list(192, a, 1);
	assert_int_equal(highest(192), 5);
	runq_enqueue_head(&q, &th[6].link, 192);
	expect_list(192, b, 2);
	runq_enqueue(&q, &th[7].link, 192);
	expect_list(192, c, 3);
	/* A preempted thread goes back in front of its peers... */
	runq_enqueue_head(&q, &th[8].link, 192);
	expect_list(192, d, 4);
	assert_int_equal(highest(192), 8);
	/* ...and to the back once its timeslice ends. */
	runq_rotate(&q, 192);
	expect_list(192, e, 4);
	assert_int_equal(q.count, 4);
}

/* The model: a FIFO of thread ids per priority, and where each thread is. */
static struct model {
	unsigned len[RUNQ_PRIOS];
	unsigned ids[RUNQ_PRIOS][NTHREADS];
	int prio_of[NTHREADS];                  /* -1: not queued */
} m;

static void model_remove_at(unsigned p, unsigned i)
{
	memmove(&m.ids[p][i], &m.ids[p][i + 1], (m.len[p] - i - 1) * sizeof(m.ids[p][0]));
	m.len[p]--;
}

/* Compare everything observable: highest, every list, linked flags, count. */
static void model_compare(void)
{
	unsigned total = 0, prio = 0;
	int top = -1;
	struct runq_link *l;

	assert_true(runq_check(&q));
	for (int p = RUNQ_PRIOS - 1; p >= 0; p--)
		if (m.len[p]) {
			top = p;
			break;
		}
	l = runq_highest(&q, &prio);
	if (top < 0) {
		assert_null(l);
	} else {
		assert_non_null(l);
		assert_int_equal(prio, top);
		assert_int_equal(thread_of(l)->id, m.ids[top][0]);
	}
	for (unsigned p = 0; p < RUNQ_PRIOS; p++) {
		expect_list(p, m.ids[p], m.len[p]);
		total += m.len[p];
	}
	assert_int_equal(q.count, total);
	for (unsigned t = 0; t < NTHREADS; t++)
		assert_int_equal(runq_linked(&th[t].link), m.prio_of[t] >= 0);
}

static uint64_t rng;

static uint64_t rnd(void)
{
	return xorshift64s(&rng);
}

/* Priorities cluster on a few values (so lists get long) and word edges. */
static unsigned rnd_prio(void)
{
	static const unsigned hot[] = { 0, 63, 64, 127, 128, 191, 192, 255 };

	switch (rnd() % 4) {
	case 0:
		return hot[rnd() % 8];
	case 1:
		return 100 + (unsigned)(rnd() % 4);
	default:
		return (unsigned)(rnd() % RUNQ_PRIOS);
	}
}

static void test_random(void **state)
{
	const char *env = getenv("RUNQ_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 0x5eed0f1a4c0ffeeull;
	unsigned steps = 0, ops[5] = { 0 };

	printf("test_random: seed 0x%llx\n", (unsigned long long)seed);
	rng = seed ? seed : 1;
	memset(&m, 0, sizeof(m));
	for (unsigned t = 0; t < NTHREADS; t++)
		m.prio_of[t] = -1;

	for (steps = 0; steps < 20000; steps++) {
		unsigned t = (unsigned)(rnd() % NTHREADS);
		unsigned op = (unsigned)(rnd() % 5), top;

		if ((op <= 1 || op == 4) && m.prio_of[t] >= 0)
			op = 2;                 /* queued: remove instead */
		else if (op == 2 && m.prio_of[t] < 0)
			op = (unsigned)(rnd() % 2);
		if (op == 4 && !runq_highest(&q, &top))
			op = 0;                 /* nothing to swap with: enqueue */
		ops[op]++;
		switch (op) {
		case 0: {                               /* enqueue at the tail */
			unsigned p = rnd_prio();

			runq_enqueue(&q, &th[t].link, p);
			m.ids[p][m.len[p]++] = t;
			m.prio_of[t] = (int)p;
			break;
		}
		case 1: {                               /* enqueue at the head */
			unsigned p = rnd_prio();

			runq_enqueue_head(&q, &th[t].link, p);
			memmove(&m.ids[p][1], &m.ids[p][0], m.len[p] * sizeof(m.ids[p][0]));
			m.ids[p][0] = t;
			m.len[p]++;
			m.prio_of[t] = (int)p;
			break;
		}
		case 2: {                               /* remove */
			unsigned p = (unsigned)m.prio_of[t], i = 0;

			while (m.ids[p][i] != t)
				i++;
			runq_remove(&q, &th[t].link, p);
			model_remove_at(p, i);
			m.prio_of[t] = -1;
			break;
		}
		case 4: {                               /* swap with the head of the top (a yield) */
			struct runq_link *n = runq_swap_head(&q, &th[t].link, top);
			unsigned h = m.ids[top][0];

			assert_ptr_equal(n, &th[h].link);
			model_remove_at(top, 0);
			m.ids[top][m.len[top]++] = t;
			m.prio_of[t] = (int)top;
			m.prio_of[h] = -1;
			break;
		}
		default: {                              /* rotate: the top, or any */
			unsigned p = 0;

			if (rnd() % 2 == 0 || !runq_highest(&q, &p))
				p = rnd_prio();
			runq_rotate(&q, p);
			if (m.len[p]) {
				unsigned h = m.ids[p][0];

				model_remove_at(p, 0);
				m.ids[p][m.len[p]++] = h;
			}
			break;
		}
		}
		model_compare();
	}
	printf("test_random: %u steps: %u enqueue, %u enqueue_head, %u remove, %u rotate, %u swap_head\n",
	       steps, ops[0], ops[1], ops[2], ops[3], ops[4]);
	/* The mix must have exercised everything, with a well-filled queue. */
	for (unsigned i = 0; i < 5; i++)
		assert_true(ops[i] > steps / 20);
}

/* runq_check() must notice corruption, or the random test proves little. */
static void test_check_detects(void **state)
{
	runq_enqueue(&q, &th[0].link, 64);
	runq_enqueue(&q, &th[1].link, 64);
	runq_enqueue(&q, &th[2].link, 200);
	assert_true(runq_check(&q));

	q.bitmap[1] &= ~1ull;                           /* bit cleared, list not empty */
	assert_false(runq_check(&q));
	q.bitmap[1] |= 1ull;
	q.bitmap[0] |= 1ull << 5;                       /* bit set, list empty */
	assert_false(runq_check(&q));
	q.bitmap[0] = 0;
	q.count++;                                      /* count too high */
	assert_false(runq_check(&q));
	q.count -= 2;                                   /* count too low */
	assert_false(runq_check(&q));
	q.count++;
	th[1].link.prev = &th[1].link;                  /* next->prev != self */
	assert_false(runq_check(&q));
	th[1].link.prev = &th[0].link;
	assert_true(runq_check(&q));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_empty, setup),
		cmocka_unit_test_setup(test_fifo, setup),
		cmocka_unit_test_setup(test_highest_wins, setup),
		cmocka_unit_test_setup(test_boundaries, setup),
		cmocka_unit_test_setup(test_remove_positions, setup),
		cmocka_unit_test_setup(test_rotate, setup),
		cmocka_unit_test_setup(test_enqueue_head, setup),
		cmocka_unit_test_setup(test_random, setup),
		cmocka_unit_test_setup(test_check_detects, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
