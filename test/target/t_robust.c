/*
 * t_robust.c - the robustness test: a hostile task issues S0TEST_ROUNDS
 * system calls with random register contents, then S0TEST_EXT_ROUNDS more
 * with helper threads running calls steered deeper (s0test.c, seeded and
 * reproducible; the seed is printed) while a canary thread of the testroot
 * (another task) keeps checking its memory. The hostile thread runs in
 * sigma0's task (the test image's s0test), with that task's capabilities
 * plus a small sub-factory of its own, so it can create, configure, start
 * and destroy objects at random. Afterwards: the kernel is alive, the
 * canary ran throughout and its memory is untouched, every result was a
 * known error code or a success, destroying the sub-factory gives all
 * kernel memory back but for page tables in sigma0's space, and sigma0
 * still serves.
 *
 * Meanwhile HOSTILES copies of the hostile program (hostile.c), each a task
 * of its own started by the loader with its own seed, run random calls on
 * objects they make and the attacks the kernel was hardened against (fault
 * chains, recycled threads, rights revoked under queued messages); each
 * must end by itself with no unknown result and no failed scenario. In all,
 * over a million system calls per boot.
 *
 * Sigma0 shares its task with the hostile, so the test keeps it serving:
 * for the run its thread capability in its own table is read-only (the
 * hostile cannot stop, move or reconfigure it) and its priority is the
 * hostile's (should it spin on a lost endpoint capability, the others still
 * run); the hostile itself keeps sigma0's task and endpoint capabilities
 * (s0test.c, keep()) and leaves the table as it found it.
 */
#include <stdint.h>

#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/mem.h>
#include <l4/sigma0.h>
#include <l4/sys.h>
#include <l4/task.h>
#include <l4/thread.h>

#include "loader/loader.h"
#include "s0test.h"
#include "area.h"
#include "tap.h"
#include "util.h"

#define CANARY_WORDS 8192
#define CANARY_CHUNK 256
#define SRC_WIN 0x3c00000000UL          /* where the testroot zeroes SRC */
#define WAIT_US (90 * 1000000UL)        /* for the hostile (a few seconds; -smp 4 under load, ~15) */
#define S0_TIMEOUT_US 2000000UL         /* for sigma0's answers after the run */
#define UTCB ((struct l4_utcb *)L4_BOOT_UTCB)
#define HOSTILES 3
#define HOSTILE_ROUNDS 50000UL

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

/* A sigma0 request with timeouts (a sigma0 that no longer serves fails the
 * check instead of hanging the boot): 0 or -L4_Exxx; m gets the results. */
static long s0_call(uint64_t label, unsigned n, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t win,
		    struct l4_msg *m)
{
	unsigned to = l4_timeout_us(S0_TIMEOUT_US);

	*m = (struct l4_msg){ { a0, a1, a2, 0, 0, 0 }, 0 };
	UTCB->rcv_mem = win;
	long tag = l4_ipc(l4_ipc_word(L4_IPC_CALL, L4_CAP_SIGMA0, to, to), l4_tag(label, n, 0), m);
	UTCB->rcv_mem = 0;
	return tag < 0 ? tag : -(long)l4_tag_label((uint64_t)tag);
}

/* Whether sigma0's table holds in slot s what it held before (type, rights). */
static int slot_is(uint64_t s, unsigned type, unsigned rights)
{
	unsigned t = 99, r = 99;

	return l4_task_cap_info(L4_CAP_SIGMA0_TASK, s, &t, &r) == 0 && t == type && (t == L4_OBJ_NONE || r == rights);
}

static void test_robust(void)
{
	const struct l4_kip *k = l4_kip();
	uint64_t limit = 0, used_before = 0, used_after = 1;
	const unsigned prio = 100;
	struct l4_msg m;

	tap_note("robustness: hostile task, %lu random syscalls, then %lu with helper threads, seed %#llx",
		 S0TEST_ROUNDS, S0TEST_EXT_ROUNDS, (unsigned long long)S0TEST_SEED);
	for (unsigned i = 0; i < CANARY_WORDS; i++)
		canary_mem[i] = pattern(i);
	l4_factory_info(L4_CAP_FACTORY, &limit, &used_before);

	/* SRC: reserved for the run, zeroed, mapped only in sigma0's task.
	 * Here and below each call is a check of its own, so that a failure
	 * names the call that failed. */
	uint64_t src = s0test_src(k);
	long r = src ? s0_call(L4_SIGMA0_PHYS, 3, src, 21, L4_FP_R | L4_FP_W, l4_fpage(SRC_WIN, 21, 0), &m) : -L4_ENOMEM;
	tap_ok(r == 0, "the hostile's 2 MiB of RAM (%#lx) reserved from sigma0 (%ld)", (unsigned long)src, r);
	long u = -L4_ENOMEM;
	if (r == 0) {
		for (uint64_t a = SRC_WIN; a < SRC_WIN + (2UL << 20); a += 8)
			*(volatile uint64_t *)a = 0;
		u = l4_task_unmap(L4_CAP_TASK, l4_fpage(SRC_WIN, 21, L4_FP_RWX), L4_UNMAP_SELF);
	}
	tap_ok(u == 0, "the hostile's 2 MiB zeroed and unmapped from the testroot (%ld)", u);

	/* Sigma0 for the run: its thread read-only in its own table, at the
	 * hostile's priority. What its table holds, to compare afterwards. */
	unsigned t1 = 0, r1 = 0, t2 = 0, r2 = 0, t4 = 0, r4 = 0;
	struct l4_thread_config s0c = { .which = L4_THREAD_CFG_PRIO, .prio = prio, .max_prio = 200 };
	tap_eq(l4_task_cap_info(L4_CAP_SIGMA0_TASK, L4_CAP_TASK, &t1, &r1), 0,
	       "sigma0's table before the run: slot 1 (its task) read");
	tap_eq(l4_task_cap_info(L4_CAP_SIGMA0_TASK, L4_CAP_THREAD, &t2, &r2), 0,
	       "sigma0's table before the run: slot 2 (its thread) read");
	tap_eq(l4_task_cap_info(L4_CAP_SIGMA0_TASK, L4_CAP_SIGMA0, &t4, &r4), 0,
	       "sigma0's table before the run: slot 4 (its endpoint) read");
	tap_eq(l4_task_cap_delete(L4_CAP_SIGMA0_TASK, L4_CAP_THREAD), 0,
	       "sigma0's thread capability deleted from its table for the run");
	tap_eq(l4_task_cap_copy(L4_CAP_SIGMA0_TASK, L4_CAP_SIGMA0_THREAD, L4_CAP_THREAD, L4_RIGHT_R, 0), 0,
	       "sigma0's thread is read-only in its table for the run (copied back with R)");
	r = l4_thread_config(L4_CAP_SIGMA0_THREAD, &s0c);
	tap_ok(r == 0, "sigma0's thread at priority %u for the run (%ld)", prio, r);
	r = l4_task_cap_copy(L4_CAP_SIGMA0_TASK, L4_CAP_DEBUG, S0TEST_DEBUG_CTL, L4_RIGHT_R | L4_RIGHT_D, 0);
	tap_ok(r == 0, "the hostile may switch the fast path (the debug object, R|D, in slot %u) (%ld)",
	       S0TEST_DEBUG_CTL, r);

	/* The hostile's own factory, in slot 3 of sigma0's table. */
	uint64_t sub = cap_get(), hostile = cap_get();
	tap_eq(l4_factory_create_factory(L4_CAP_FACTORY, sub, 256 * 1024), 0, "the hostile's 256 KiB sub-factory made");
	tap_eq(l4_task_cap_copy(L4_CAP_SIGMA0_TASK, sub, 3, L4_RIGHT_R | L4_RIGHT_W, 0), 0,
	       "hostile gets the sub-factory in slot 3 of sigma0's table (without the destroy right on it)");

	/* A thread of sigma0's task, at s0test's entry, on the lower half of its stack. */
	uint64_t entry = *(const uint64_t *)(k->module[0].uaddr + 24);
	struct l4_thread_config hc = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PRIO,
				       .task = L4_CAP_SIGMA0_TASK, .prio = prio, .max_prio = prio };
	struct l4_exregs hx = { .flags = L4_EXREGS_SET_PC | L4_EXREGS_SET_SP | L4_EXREGS_SET_A0 | L4_EXREGS_START,
				.pc = entry, .sp = L4_ROOTTASK_STACK_TOP - L4_ROOTTASK_STACK_SIZE / 2,
				.a0 = S0TEST_HOSTILE };
	/* The hostile programs, started first: they run beside it. */
	struct ldr_child *hp[HOSTILES] = { 0 };
	for (unsigned i = 0; i < HOSTILES; i++) {
		struct ldr_args a = { .module = "hostile", .prio = prio, .kmem = 1UL << 20,
				      .arg = { S0TEST_SEED + 1 + i, HOSTILE_ROUNDS } };
		r = ldr_spawn(&a, &hp[i]);
		tap_ok(r == 0, "hostile program %u started beside it, %lu calls, seed %#llx (%ld)", i,
		       HOSTILE_ROUNDS, (unsigned long long)(S0TEST_SEED + 1 + i), r);
	}
	uint64_t can = thread_spawn(canary, 0, prio);
	uint64_t t0 = now_us();
	tap_ok(can != 0, "canary thread running");
	tap_eq(l4_factory_create_thread(L4_CAP_FACTORY, hostile), 0, "hostile thread made");
	tap_eq(l4_thread_config(hostile, &hc), 0, "hostile thread configured into sigma0's task");
	tap_eq(l4_thread_exregs(hostile, &hx), 0, "hostile thread started in sigma0's task");

	/* Share the hart until the hostile stops itself (ebreak); end any IPC
	 * it blocks in (a receive on an endpoint it made, say). */
	unsigned long unblocks = 0, canary_seen = 0;
	struct l4_exregs st = { 0 };
	for (;;) {
		l4_yield();
		st.flags = 0;
		if (l4_thread_exregs(hostile, &st) != 0 || st.state == L4_THREAD_INACTIVE || now_us() - t0 > WAIT_US)
			break;
		if (st.state == L4_THREAD_BLOCKED) {
			struct l4_exregs wake = { .flags = L4_EXREGS_SET_A0, .a0 = (uint64_t)-L4_ECANCELED };
			l4_thread_exregs(hostile, &wake);
			unblocks++;
		}
		if (canary_rounds)
			canary_seen++;
	}
	uint64_t ms = (now_us() - t0) / 1000;
	uint64_t rounds = st.a0 & 0xffffffff, unknown = st.a0 >> 32;
	tap_ok(st.state == L4_THREAD_INACTIVE && rounds == S0TEST_ROUNDS + S0TEST_EXT_ROUNDS,
	       "hostile made %lu of %lu calls in %lu ms and stopped at its ebreak (%lu IPCs it blocked in were ended)",
	       (unsigned long)rounds, S0TEST_ROUNDS + S0TEST_EXT_ROUNDS, (unsigned long)ms, unblocks);
	tap_ok(unknown == 0, "every result was a success or a known error code (%lu unknown)", (unsigned long)unknown);
	tap_ok(canary_rounds > 1 && canary_seen > 0 && canary_bad == 0,
	       "canary kept running (%lu rounds over %lu KiB) and its memory is untouched", canary_rounds,
	       (unsigned long)(sizeof(canary_mem) >> 10));

	/* The hostile programs end by themselves, with 0 (no unknown result,
	 * no failed scenario). */
	for (unsigned i = 0; i < HOSTILES; i++) {
		if (!hp[i])
			continue;       /* (its failed start is a check already) */
		long w = ldr_wait(hp[i], WAIT_US);
		tap_ok(w == 0 && hp[i]->state == LDR_EXITED && hp[i]->exit_code == 0,
		       "hostile program %u ended by itself, every result known, every attack refused "
		       "(wait %ld, state %d, exit %ld)", i, w, hp[i]->state, hp[i]->exit_code);
		ldr_reap(hp[i]);
	}

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

	/* Sigma0's table as before the run (slot 3 emptied with the factory),
	 * then its thread capability and priority back. */
	int same = tap_ok(slot_is(L4_CAP_TASK, t1, r1),
			  "the hostile left slot 1 of sigma0's table as it found it: its task");
	same &= tap_ok(slot_is(L4_CAP_SIGMA0, t4, r4),
		       "the hostile left slot 4 of sigma0's table as it found it: its endpoint");
	same &= tap_ok(slot_is(L4_CAP_DEBUG, L4_OBJ_DEBUG, L4_RIGHT_W),
		       "the hostile left slot 7 of sigma0's table as it found it: the debug object (W)");
	unsigned full = 0;
	uint64_t first = 0;
	for (uint64_t s = 3; s < 64; s++)
		if (s != L4_CAP_SIGMA0 && s != L4_CAP_DEBUG && !slot_is(s, L4_OBJ_NONE, 0) && !full++)
			first = s;
	same &= tap_ok(full == 0, "the hostile left slots 3..63 of sigma0's table empty but for 4 and 7 (%u others "
		       "in use)", full);
	if (full)
		tap_note("the first of them: slot %lu", (unsigned long)first);
	struct l4_thread_config s0back = { .which = L4_THREAD_CFG_PRIO, .prio = 200, .max_prio = 200 };
	if (same) {     /* (sigma0 at 200 without its endpoint would spin, and hang the boot) */
		l4_task_cap_delete(L4_CAP_SIGMA0_TASK, L4_CAP_THREAD);
		l4_task_cap_copy(L4_CAP_SIGMA0_TASK, L4_CAP_SIGMA0_THREAD, L4_CAP_THREAD, r2, 0);
		l4_thread_config(L4_CAP_SIGMA0_THREAD, &s0back);
	}

	/* Sigma0 still serves: STATS, and FREE of SRC (which unmaps with its
	 * task capability) gives its pages back. */
	tap_eq(s0_call(L4_SIGMA0_STATS, 0, 0, 0, 0, 0, &m), 0, "sigma0 still serves: STATS");
	uint64_t free1 = m.mr[1];
	tap_eq(src ? s0_call(L4_SIGMA0_FREE, 2, src, 21, 0, 0, &m) : 0, 0, "sigma0 still serves: FREE of the 2 MiB");
	tap_eq(s0_call(L4_SIGMA0_STATS, 0, 0, 0, 0, 0, &m), 0, "sigma0 still serves: STATS after the FREE");
	tap_ok(m.mr[1] == free1 + (src ? 512 : 0), "sigma0 has the 2 MiB back: %lu -> %lu pages free",
	       (unsigned long)free1, (unsigned long)m.mr[1]);

	/* Page tables made in sigma0's space stay (s0test.h), and one for the
	 * window on SRC in the testroot's if that range had none: whole
	 * tables of 8 KiB (4 KiB of PTEs and the kernel's 4 KiB beside them). */
	l4_factory_info(L4_CAP_FACTORY, &limit, &used_after);
	uint64_t table = 2 * L4_PAGE_SIZE, more = used_after - used_before;
	tap_ok(used_after >= used_before && more % table == 0 && more <= (S0TEST_TABLES_MAX + 1) * table,
	       "kernel memory used is back where it started but for %lu page tables (%lu bytes; at most %lu)",
	       (unsigned long)(more / table), (unsigned long)used_after, S0TEST_TABLES_MAX + 1);
}

TEST_AREA(robust, 150, test_robust);
