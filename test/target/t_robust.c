/*
 * t_robust.c - the robustness test: a hostile task issues S0TEST_ROUNDS
 * system calls with random register contents (s0test.c, seeded and
 * reproducible; the seed is printed) while a canary thread of the testroot
 * (another task) keeps checking its memory. The hostile thread runs in
 * sigma0's task (the test image's s0test), with that task's capabilities
 * plus a small sub-factory of its own, so it can create, configure, start
 * and destroy objects at random. Afterwards: the kernel is alive, the
 * canary ran throughout and its memory is untouched, every result was a
 * known error code or a success, and destroying the sub-factory gives all
 * kernel memory back.
 */
#include <stdint.h>

#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/kip.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/sys.h>
#include <l4/task.h>
#include <l4/thread.h>

#include "s0test.h"
#include "tap.h"
#include "tests.h"
#include "util.h"

#define CANARY_WORDS 8192
#define CANARY_CHUNK 256

static volatile uint64_t canary_mem[CANARY_WORDS];
static volatile unsigned long canary_rounds, canary_bad;

static uint64_t pattern(unsigned i)
{
	return 0x9e3779b97f4a7c15ULL * (i + 1);
}

/* Check a chunk of the memory per turn and yield: the hostile yields often,
 * and each of its yields should not cost a whole timeslice of the canary. */
static void canary(void *arg)
{
	(void)arg;
	for (unsigned next = 0;; next = (next + CANARY_CHUNK) % CANARY_WORDS) {
		for (unsigned i = next; i < next + CANARY_CHUNK; i++)
			if (canary_mem[i] != pattern(i))
				canary_bad++;
		canary_rounds++;
		l4_yield();
	}
}

void test_robust(void)
{
	const struct l4_kip *k = l4_kip();
	uint64_t limit = 0, used_before = 0, used_after = 1;
	const unsigned prio = 100;

	tap_note("robustness: hostile task, %lu random syscalls, seed %#llx", S0TEST_ROUNDS,
		 (unsigned long long)S0TEST_SEED);
	for (unsigned i = 0; i < CANARY_WORDS; i++)
		canary_mem[i] = pattern(i);
	l4_factory_info(L4_CAP_FACTORY, &limit, &used_before);

	/* The hostile's own factory, in slot 3 of sigma0's table. */
	uint64_t sub = cap_get(), hostile = cap_get();
	tap_ok(l4_factory_create_factory(L4_CAP_FACTORY, sub, 256 * 1024) == 0 &&
	       l4_task_cap_copy(L4_CAP_SIGMA0_TASK, sub, 3, L4_RIGHT_R | L4_RIGHT_W, 0) == 0,
	       "hostile gets a 256 KiB sub-factory (without the destroy right on it)");

	/* A thread of sigma0's task, at s0test's entry, on the lower half of its stack. */
	uint64_t entry = *(const uint64_t *)(k->module[0].uaddr + 24);
	struct l4_thread_config hc = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PRIO,
				       .task = L4_CAP_SIGMA0_TASK, .prio = prio, .max_prio = prio };
	struct l4_exregs hx = { .flags = L4_EXREGS_SET_PC | L4_EXREGS_SET_SP | L4_EXREGS_SET_A0 | L4_EXREGS_START,
				.pc = entry, .sp = L4_ROOTTASK_STACK_TOP - L4_ROOTTASK_STACK_SIZE / 2,
				.a0 = S0TEST_HOSTILE };
	uint64_t can = thread_spawn(canary, 0, prio);
	tap_ok(l4_factory_create_thread(L4_CAP_FACTORY, hostile) == 0 && l4_thread_config(hostile, &hc) == 0 &&
	       can && l4_thread_exregs(hostile, &hx) == 0, "hostile thread started in sigma0's task, canary running");

	/* Share the hart until the hostile stops itself (ebreak); end any IPC
	 * it blocks in (a receive on an endpoint it made, say). */
	unsigned long unblocks = 0, canary_seen = 0, turns = 0;
	struct l4_exregs st = { 0 };
	for (;;) {
		l4_yield();
		turns++;
		st.flags = 0;
		if (l4_thread_exregs(hostile, &st) != 0 || st.state == L4_THREAD_INACTIVE || turns > 2000000)
			break;
		if (st.state == L4_THREAD_BLOCKED) {
			struct l4_exregs wake = { .flags = L4_EXREGS_SET_A0, .a0 = (uint64_t)-L4_ECANCELED };
			l4_thread_exregs(hostile, &wake);
			unblocks++;
		}
		if (canary_rounds)
			canary_seen++;
	}
	uint64_t rounds = st.a0 & 0xffffffff, unknown = st.a0 >> 32;
	tap_ok(st.state == L4_THREAD_INACTIVE && rounds == S0TEST_ROUNDS,
	       "hostile made %lu of %lu calls and stopped at its ebreak (%lu IPCs it blocked in were ended)",
	       (unsigned long)rounds, S0TEST_ROUNDS, unblocks);
	tap_ok(unknown == 0, "every result was a success or a known error code (%lu unknown)", (unsigned long)unknown);
	tap_ok(canary_rounds > 1 && canary_seen > 0 && canary_bad == 0,
	       "canary kept running (%lu rounds over %lu KiB) and its memory is untouched", canary_rounds,
	       (unsigned long)(sizeof(canary_mem) >> 10));

	l4_thread_stop(can);
	unsigned bad = 0;
	for (unsigned i = 0; i < CANARY_WORDS; i++)
		bad += canary_mem[i] != pattern(i);
	tap_ok(bad == 0, "the testroot's memory is intact after the run");
	thread_del(can);
	l4_factory_destroy(L4_CAP_FACTORY, hostile);
	cap_put(hostile);
	tap_ok(l4_factory_destroy(L4_CAP_FACTORY, sub) == 0, "destroying the hostile's factory destroys all it made");
	cap_put(sub);
	l4_factory_info(L4_CAP_FACTORY, &limit, &used_after);
	tap_ok(used_after == used_before, "kernel memory used is back where it started (%lu bytes)",
	       (unsigned long)used_after);
}
