/*
 * t_smp.c - several harts (docs/architecture.md, "Harts"): threads on every
 * hart, IPC across harts, migration (L4_THREAD_HART, of others and of
 * itself), the TLB shootdown of an unmap, and a seeded stress of all of it
 * whose kernel memory must come back. With one hart the same checks run,
 * every thread on hart 0 (hart numbers are taken modulo kip->nharts).
 *
 * Waits are state-based (a bounded number of yields or a time bound), never
 * a fixed delay.
 */
#include <stdint.h>

#include <l4/errno.h>
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/sys.h>
#include <l4/task.h>
#include <l4/thread.h>

#include <l4/sigma0.h>

#include "area.h"
#include "tap.h"
#include "util.h"

#define MAXH 8
#define SECS(n) ((n) * 1000000UL)

static unsigned nh;
static uint64_t nap;            /* a notification no one signals: sleep_us waits on it */

/* Block for `us`: threads below the testroot's priority on hart 0 run meanwhile. */
static void sleep_us(uint64_t us)
{
	uint64_t bits;
	l4_wait_timeout(nap, l4_timeout_us(us), &bits);
}

static unsigned hart_of(uint64_t th)
{
	unsigned w = 99;
	return l4_thread_set_hart(th, L4_HART_QUERY, &w) == 0 ? w : 99;
}

/* Until cond or `us` passed, yielding (the harts run in parallel meanwhile). */
#define WAIT_UNTIL(cond, us) \
	do { \
		uint64_t until_ = now_us() + (us); \
		while (!(cond) && now_us() < until_) \
			l4_yield(); \
	} while (0)

/* ---- every hart runs a thread ---- */

static volatile uint64_t spins[MAXH];

static void spinner(void *arg)
{
	for (;;)
		spins[(uintptr_t)arg]++;
}

static void test_every_hart(void)
{
	uint64_t th[MAXH] = { 0 };
	unsigned n = nh < MAXH ? nh : MAXH, moved = 0, ran = 0;

	for (unsigned h = 0; h < n; h++) {
		spins[h] = 0;
		/* below the testroot's priority: it runs only where it goes */
		th[h] = thread_spawn(spinner, (void *)(uintptr_t)h, 50);
		if (th[h] && l4_thread_set_hart(th[h], h, 0) == 0 && hart_of(th[h]) == h)
			moved++;
	}
	tap_ok(moved == n, "a spinning thread moved to each of the %u harts", n);
	for (unsigned h = 1; h < n; h++) {
		WAIT_UNTIL(spins[h] > 1000, SECS(60));
		ran += spins[h] > 1000;
	}
	tap_eq(ran, n - 1, "... and each one off the boot hart runs there, in parallel with the testroot");
	for (unsigned h = 0; h < n; h++)
		if (th[h])
			thread_del(th[h]);      /* running on another hart: taken off it first */
	uint64_t before[MAXH];
	for (unsigned h = 0; h < n; h++)
		before[h] = spins[h];
	yield_n(20);
	int still = 0;
	for (unsigned h = 1; h < n; h++)
		still += spins[h] != before[h];
	tap_eq(still, 0, "threads destroyed while running on other harts run no more");
}

/* ---- IPC across harts ---- */

struct echo {
	uint64_t ep, self;
	volatile unsigned where;        /* the hart it found itself on */
	volatile uint64_t served;
};

/* Reply w + 1 to each call, MR1 = its hart. */
static void echo_server(void *arg)
{
	struct echo *e = arg;
	struct l4_msg m = { 0 };
	long r = l4_receive(e->ep, &m);

	for (;;) {
		e->where = hart_of(e->self);
		e->served++;
		m.mr[0] = r < 0 ? (uint64_t)r : m.mr[0] + 1;
		m.mr[1] = e->where;
		r = l4_reply_wait(e->ep, 0, 2, &m);
	}
}

static void test_cross_ipc(void)
{
	struct echo e = { 0 };
	unsigned far = nh - 1, bad = 0, wrong_hart = 0;

	e.ep = obj_new(L4_OBJ_ENDPOINT);
	/* (e.self, the server's own capability, is set before it first asks) */
	uint64_t s = thread_spawn_on(echo_server, &e, 100, 0, 0, 0, far);
	e.self = s;
	tap_ok(e.ep && s, "a server thread made on hart %u", far);
	for (uint64_t i = 0; i < 500; i++) {
		struct l4_msg m = { .mr = { i * 7 } };
		long r = l4_call(e.ep, 1, 1, &m);
		if (r < 0 || m.mr[0] != i * 7 + 1)
			bad++;
		if (m.mr[1] != far)
			wrong_hart++;
	}
	tap_ok(bad == 0, "500 calls from hart 0 to a server on hart %u: each reply right", far);
	tap_ok(wrong_hart == 0, "... and the server ran on hart %u for each", far);
	/* a call with a send timeout of zero to a server that is not waiting:
	 * the same error as on one hart */
	l4_thread_stop(s);
	struct l4_msg m = { 0 };
	long r = l4_ipc(l4_ipc_word(L4_IPC_CALL, e.ep, L4_TIMEOUT_ZERO, L4_TIMEOUT_NEVER), l4_tag(1, 0, 0), &m);
	tap_eq(r, -L4_ETIMEDOUT, "a call with send timeout 0 to a stopped server on another hart: ETIMEDOUT");
	thread_del(s);
	obj_del(e.ep);
}

/* ---- migration ---- */

static volatile uint64_t mig_count;
static volatile unsigned self_where[MAXH * 2];
static volatile uint64_t self_sel;
static volatile unsigned self_done;

static void counter_fn(void *arg)
{
	(void)arg;
	for (;;)
		mig_count++;
}

/* Moves itself across every hart, noting where it finds itself each time. */
static void wanderer(void *arg)
{
	(void)arg;
	/* It runs on another hart before its creator has its selector. */
	while (!self_sel)
		l4_yield();
	for (unsigned i = 0; i < 2 * nh; i++) {
		unsigned was;
		l4_thread_set_hart(self_sel, (i + 1) % nh, &was);
		self_where[i] = hart_of(self_sel);
	}
	self_done = 1;
	for (;;)
		l4_yield();
}

static void test_migration(void)
{
	uint64_t c = thread_spawn(counter_fn, 0, 50);
	unsigned ok = 0, progress = 0;

	for (unsigned i = 0; i < 3 * nh; i++) {
		unsigned to = (i + 1) % nh;
		if (l4_thread_set_hart(c, to, 0) == 0 && hart_of(c) == to)
			ok++;
		uint64_t before = mig_count;
		if (to != 0)
			WAIT_UNTIL(mig_count > before + 100, SECS(60));
		else
			yield_n(2);     /* below the testroot: on hart 0 it waits */
		progress += to == 0 || mig_count > before + 100;
	}
	tap_ok(ok == 3 * nh, "a running thread moved %u times round the harts: each move took", 3 * nh);
	tap_eq(progress, 3 * nh, "... and it ran on on each hart it went to");
	thread_del(c);

	self_done = 0;
	self_sel = 0;
	self_sel = thread_spawn_on(wanderer, 0, 100, 0, 0, 0, 1 % nh);
	WAIT_UNTIL(self_done, SECS(60));
	unsigned right = 0;
	for (unsigned i = 0; i < 2 * nh; i++)
		right += self_where[i] == (i + 1) % nh;
	if (!self_done || right != 2 * nh)
		tap_note("wanderer %#lx: done %u, state %u, on hart %u; where %u %u %u %u %u %u %u %u",
			 (unsigned long)self_sel, self_done, state_of(self_sel), hart_of(self_sel), self_where[0],
			 self_where[1], self_where[2], self_where[3], self_where[4], self_where[5], self_where[6],
			 self_where[7]);
	tap_ok(self_done && right == 2 * nh, "a thread moved itself %u times; each time it was where it asked (%u)",
	       2 * nh, right);
	thread_del(self_sel);
}

/* ---- TLB shootdown ---- */

#define SHOOT_VA 0x2f000000UL

static volatile uint64_t reads;

static void reader(void *arg)
{
	(void)arg;
	for (;;) {
		(void)*(volatile uint64_t *)SHOOT_VA;
		reads++;
	}
}

static void test_shootdown(void)
{
	uint64_t where;
	long g = l4_sigma0_call(L4_CAP_SIGMA0, l4_utcb(), l4_fpage(SHOOT_VA, 12, 0), L4_SIGMA0_ALLOC, 2, 12, 0, 0,
				&where);
	tap_ok(g > 0, "a page from sigma0 at %#lx", SHOOT_VA);
	*(volatile uint64_t *)SHOOT_VA = 1;
	uint64_t pager = obj_new(L4_OBJ_ENDPOINT);
	uint64_t r = thread_spawn_pg(reader, 0, 50, 0, 0, pager);
	unsigned far = nh - 1;
	reads = 0;
	tap_ok(l4_thread_set_hart(r, far, 0) == 0, "a reader of the page goes to hart %u", far);
	WAIT_UNTIL(reads > 1000, SECS(60));
	tap_ok(far == 0 || reads > 1000, "... and reads it there in a loop (%lu reads)", (unsigned long)reads);
	tap_eq(l4_task_unmap(L4_CAP_TASK, l4_fpage(SHOOT_VA, 12, L4_FP_RWX), L4_UNMAP_SELF), 0,
	       "the testroot unmaps the page on hart 0");
	uint64_t at_unmap = reads;
	/* The reader's next load must fault: its fault comes to `pager`. */
	struct l4_msg m = { 0 };
	long t = l4_ipc(l4_ipc_word(L4_IPC_RECV, pager, L4_TIMEOUT_NEVER, l4_timeout_us(SECS(30))), 0, &m);
	uint64_t after = reads;
	tap_ok(t >= 0 && l4_tag_label((uint64_t)t) == L4_LABEL_PAGEFAULT && (m.mr[0] & ~0xfffUL) == SHOOT_VA,
	       "the reader's next load faults (tag %#lx, address %#lx)", (unsigned long)t, (unsigned long)m.mr[0]);
	tap_ok(after <= at_unmap + 1, "... with at most the load in flight done after the unmap returned (%lu more)",
	       (unsigned long)(after - at_unmap));
	thread_del(r);
	obj_del(pager);
}

/* ---- seeded stress ---- */

#define PAIRS 4

struct pair {
	uint64_t ep, srv, cli;
	struct echo e;
	volatile uint64_t calls, bad;
	volatile int stop;
};

static struct pair pairs[PAIRS];

static void stress_client(void *arg)
{
	struct pair *p = arg;

	for (uint64_t i = 0; !p->stop; i++) {
		struct l4_msg m = { .mr = { i } };
		long r = l4_call(p->ep, 1, 1, &m);
		if (r < 0 || m.mr[0] != i + 1)
			p->bad++;
		p->calls++;
	}
	for (;;)
		l4_yield();
}

static uint64_t rng = 1;

static unsigned rnd(unsigned n)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(rng >> 33) % n;
}

static void pair_start(struct pair *p)
{
	p->stop = 0;
	p->ep = obj_new(L4_OBJ_ENDPOINT);
	p->e.ep = p->ep;
	p->e.self = 0;
	p->srv = thread_spawn_on(echo_server, &p->e, 60, 0, 0, 0, rnd(nh));
	p->e.self = p->srv;
	p->cli = thread_spawn_on(stress_client, p, 60, 0, 0, 0, rnd(nh));
}

static void pair_end(struct pair *p)
{
	thread_del(p->cli);
	thread_del(p->srv);
	obj_del(p->ep);
}

static void test_stress(void)
{
	uint64_t start = used_of(L4_CAP_FACTORY);
	uint64_t seed = 0x5eed0000 + nh;
	unsigned ops[4] = { 0 };

	rng = seed;
	for (unsigned i = 0; i < PAIRS; i++)
		pair_start(&pairs[i]);
	for (unsigned step = 0; step < 200; step++) {
		struct pair *p = &pairs[rnd(PAIRS)];
		switch (rnd(4)) {
		case 0:         /* move a client or a server, running or blocked */
			l4_thread_set_hart(rnd(2) ? p->cli : p->srv, rnd(nh), 0);
			ops[0]++;
			break;
		case 1:         /* end a pair wherever its threads run, start a new one */
			pair_end(p);
			pair_start(p);
			ops[1]++;
			break;
		case 2: {       /* map and unmap a page while the pairs run */
			uint64_t w;
			long g = l4_sigma0_call(L4_CAP_SIGMA0, l4_utcb(), l4_fpage(SHOOT_VA, 12, 0), L4_SIGMA0_ALLOC, 2,
						12, 0, 0, &w);
			if (g > 0) {
				*(volatile uint64_t *)SHOOT_VA = step;
				l4_task_unmap(L4_CAP_TASK, l4_fpage(SHOOT_VA, 12, L4_FP_RWX), L4_UNMAP_SELF);
				ops[2]++;
			}
			break;
		}
		default:
			sleep_us(1000 * (1 + rnd(4)));
			ops[3]++;
			break;
		}
	}
	/* The pairs make calls still: sleep (hart 0's pairs run) until then.
	 * (Not every pair: two pairs ping-ponging on one hart at one priority
	 * may keep the other from running, as the scheduler's slice rule
	 * stands: docs/architecture.md, "Scheduling".) */
	uint64_t c0 = 0, calls = 0, bad = 0;
	for (unsigned i = 0; i < PAIRS; i++)
		c0 += pairs[i].calls;
	for (uint64_t until = now_us() + SECS(60); now_us() < until;) {
		sleep_us(10000);
		calls = 0;
		for (unsigned i = 0; i < PAIRS; i++)
			calls += pairs[i].calls;
		if (calls > c0)
			break;
	}
	for (unsigned i = 0; i < PAIRS; i++)
		bad += pairs[i].bad;
	for (unsigned i = 0; i < PAIRS; i++)
		pair_end(&pairs[i]);
	tap_note("stress, seed %#lx: %u moves, %u pairs replaced, %u map+unmap, %u pauses; %lu calls",
		 (unsigned long)seed, ops[0], ops[1], ops[2], ops[3], (unsigned long)calls);
	tap_ok(bad == 0, "stress: every call of %u client/server pairs on random harts got its right reply", PAIRS);
	tap_ok(calls > c0, "... and the pairs still make calls at the end");
	tap_eq(used_of(L4_CAP_FACTORY), start, "... kernel memory is back where it started");
}

static void test_smp(void)
{
	nh = l4_kip()->nharts;
	if (nh > MAXH)
		nh = MAXH;
	tap_note("smp: %u harts run threads%s", nh, l4_kip()->features & L4_KIP_F_SMP ? "" : " (one: no SMP)");
	nap = obj_new(L4_OBJ_NOTIFICATION);
	test_every_hart();
	test_cross_ipc();
	test_migration();
	test_shootdown();
	test_stress();
	obj_del(nap);
}

TEST_AREA(smp, 75, test_smp);
