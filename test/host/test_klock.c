/*
 * test_klock - the kernel lock's protocol (kernel/lib/klock.h) on threads,
 * built with ThreadSanitizer: CPUs that take the lock and change every
 * CPU's data, and lock-free "fast paths" that change only their own CPU's,
 * as the kernel's general and fast paths do. The model checks:
 *  - no fast path runs while a holder is in (a counter each side checks),
 *    and ThreadSanitizer finds no race on the data;
 *  - every operation happened once (the data's sum);
 *  - no wake-up is lost: a sleep that lasts 5 s fails the test (the sleep
 *    waits for its IPI flag, as wfi does; it may also return early).
 * Seeded (the seed is printed); the IPIs are flags, as sip.SSIP is.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "lib/klock.h"

#define NCPU 4
#define ROUNDS 60000

static struct klock lock;
static struct kl_cpu cpus[NCPU];
static int ipi_flag[NCPU];
static __thread unsigned me;
static long data[NCPU];                 /* plain: the lock and the protocol order it */
static int holders, fasts;              /* who is in (atomics) */
static int bad, lost;

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void m_ipi_clear(void) { __atomic_store_n(&ipi_flag[me], 0, __ATOMIC_SEQ_CST); }
static bool m_ipi_pending(void) { return __atomic_load_n(&ipi_flag[me], __ATOMIC_SEQ_CST); }
static void m_ipi(struct kl_cpu *c) { __atomic_store_n(&ipi_flag[c - cpus], 1, __ATOMIC_SEQ_CST); }
static struct kl_cpu *m_cpu(unsigned i) { return &cpus[i]; }
static void m_serve(void) { }

/* wfi: until the flag is set (a lost wake-up hangs: 5 s is a failure). */
static void m_sleep(void)
{
	uint64_t until = now_ns() + 5000000000ull;
	while (!__atomic_load_n(&ipi_flag[me], __ATOMIC_SEQ_CST)) {
		if (now_ns() > until) {
			__atomic_add_fetch(&lost, 1, __ATOMIC_SEQ_CST);
			return;
		}
		sched_yield();
	}
}

static const struct kl_ops ops = {
	.ipi_clear = m_ipi_clear, .ipi_pending = m_ipi_pending, .sleep = m_sleep,
	.ipi = m_ipi, .cpu = m_cpu, .serve = m_serve,
};

struct arg {
	unsigned cpu;
	uint64_t seed;
	long slow, fast, gave_up;
};

static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void *cpu_main(void *p)
{
	struct arg *a = p;
	struct kl_cpu *c = &cpus[a->cpu];

	me = a->cpu;
	for (unsigned r = 0; r < ROUNDS; r++) {
		uint64_t x = next(&a->seed);
		if (x % 4 == 0) {
			/* the general path: the lock, then any CPU's data */
			kl_lock(&lock, &ops, c, NCPU);
			__atomic_add_fetch(&holders, 1, __ATOMIC_SEQ_CST);
			if (__atomic_load_n(&fasts, __ATOMIC_SEQ_CST) || __atomic_load_n(&holders, __ATOMIC_SEQ_CST) != 1)
				__atomic_add_fetch(&bad, 1, __ATOMIC_SEQ_CST);
			for (unsigned k = 0; k < NCPU; k++)       /* every CPU's, as a run queue */
				data[(k + x) % NCPU]++;
			__atomic_sub_fetch(&holders, 1, __ATOMIC_SEQ_CST);
			kl_unlock(&lock, &ops, c);
			a->slow++;
		} else if (kl_fast_enter(&lock, c)) {
			/* a fast path: this CPU's data only */
			__atomic_add_fetch(&fasts, 1, __ATOMIC_SEQ_CST);
			if (__atomic_load_n(&holders, __ATOMIC_SEQ_CST))
				__atomic_add_fetch(&bad, 1, __ATOMIC_SEQ_CST);
			long v = data[a->cpu];
			for (unsigned k = 0; k < 16; k++)         /* a while: overlaps show */
				data[a->cpu] = v + 1 + (k & 0);
			if (__atomic_load_n(&holders, __ATOMIC_SEQ_CST))
				__atomic_add_fetch(&bad, 1, __ATOMIC_SEQ_CST);
			__atomic_sub_fetch(&fasts, 1, __ATOMIC_SEQ_CST);
			kl_fast_leave(&lock, &ops, c);
			a->fast++;
		} else {
			/* it gave up: in_fast ends, then the lock (as syscall_lock does) */
			kl_fast_leave(&lock, &ops, c);
			kl_lock(&lock, &ops, c, NCPU);
			data[a->cpu]++;
			kl_unlock(&lock, &ops, c);
			a->gave_up++;
		}
	}
	return NULL;
}

static void test_protocol(void **state)
{
	(void)state;
	uint64_t seed = (uint64_t)time(NULL) | 1;
	pthread_t t[NCPU];
	struct arg a[NCPU];
	long slow = 0, fast = 0, gave_up = 0, sum = 0;

	printf("# test_klock: seed %#llx, %d CPUs, %d rounds each\n", (unsigned long long)seed, NCPU, ROUNDS);
	for (unsigned i = 0; i < NCPU; i++)
		cpus[i].index = i;
	for (unsigned i = 0; i < NCPU; i++) {
		a[i] = (struct arg){ .cpu = i, .seed = seed * (i + 1) * 0x9e3779b97f4a7c15ull | 1 };
		assert_int_equal(pthread_create(&t[i], NULL, cpu_main, &a[i]), 0);
	}
	for (unsigned i = 0; i < NCPU; i++)
		pthread_join(t[i], NULL);
	for (unsigned i = 0; i < NCPU; i++) {
		slow += a[i].slow;
		fast += a[i].fast;
		gave_up += a[i].gave_up;
		sum += data[i];
	}
	printf("# test_klock: %ld under the lock, %ld fast, %ld fast paths gave up\n", slow, fast, gave_up);
	assert_int_equal(bad, 0);
	assert_int_equal(lost, 0);
	assert_int_equal(sum, slow * NCPU + fast + gave_up);
	assert_true(fast > 0 && slow > 0);
	assert_int_equal(lock.word, 0);
	assert_int_equal(lock.waiters, 0);     /* every announcement taken or withdrawn */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_protocol),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
