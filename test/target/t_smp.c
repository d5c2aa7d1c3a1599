/*
 * t_smp.c - several harts (docs/architecture.md, "Harts"): threads on every
 * hart, IPC across harts, migration (L4_THREAD_HART, of others and of
 * itself), the TLB shootdown of an unmap, and a seeded stress of all of it,
 * with tasks destroyed while their threads run or block on other harts, after
 * which no thread is lost or runs on and kernel memory is back. With one hart
 * the same checks run, every thread on hart 0 (hart numbers are taken modulo
 * kip->nharts).
 *
 * Waits are state-based (a bounded number of yields or a time bound), never
 * a fixed delay.
 */
#include <stdint.h>

#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/mem.h>
#include <l4/pager.h>
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
	volatile int stop, done;
};

static struct pair pairs[PAIRS];

static void stress_client(void *arg)
{
	struct pair *p = arg;

	for (uint64_t i = 0;; i++) {
		struct l4_msg m = { .mr = { i } };
		long r = l4_call(p->ep, 1, 1, &m);
		if (r < 0 || m.mr[0] != i + 1)
			p->bad++;
		p->calls++;
		if (p->stop)
			break;
	}
	p->done = 1;            /* one call at least, and its reply, after stop */
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
	p->stop = p->done = 0;
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

/*
 * A task of its own (its own address space) whose threads run tsk_code, the
 * testroot's text page mapped at the same address by their pager (the
 * testroot's main thread). Each thread has a slot in tsk_mem, mapped into
 * the task at TSK_DATA: it counts its rounds there and, if its slot has an
 * IPC word, calls a pair's endpoint (its copy in slot TSK_EP) each round with
 * the count, checking the echo's reply. Threads at TSK_PRIO, above the
 * pairs, so that each runs (two pairs ping-ponging on a hart may keep a
 * thread of their own priority from running), below the testroot.
 */
#define TSK_DATA 0x31000000UL
#define TSK_PAGER 5                     /* slots of the task's table */
#define TSK_EP 6
#define TSK_THREADS 3
#define TSK_PRIO 70

struct tsk_slot {
	uint64_t count, word, bad, err;  /* tsk_code knows these offsets */
};

static union {
	volatile struct tsk_slot slot[TSK_THREADS];
	uint8_t page[4096];
} tsk_mem __attribute__((aligned(4096)));

/* a0 = the thread's slot (at TSK_DATA). */
__attribute__((naked, aligned(4096), noinline)) static void tsk_code(void)
{
	__asm__ volatile("mv s0, a0\n"
			 "1: ld t0, 0(s0)\n addi t0, t0, 1\n sd t0, 0(s0)\n"
			 "ld a7, 8(s0)\n beqz a7, 1b\n"
			 "mv a1, t0\n li a0, 1\n ecall\n"    /* call: tag 1 word, MR0 the count */
			 "bltz a0, 2f\n"
			 "ld t0, 0(s0)\n addi t0, t0, 1\n beq a1, t0, 1b\n"
			 "ld t1, 16(s0)\n addi t1, t1, 1\n sd t1, 16(s0)\n j 1b\n"
			 "2: ld t1, 24(s0)\n addi t1, t1, 1\n sd t1, 24(s0)\n j 1b\n");
}

static struct {
	uint64_t task, th[TSK_THREADS];
	unsigned n;
	struct pair *pair;              /* whose endpoint the callers call */
	int pair_went;                  /* it was replaced meanwhile: their calls may fail */
	/* totals over the run */
	unsigned made, threads, callers, ran, far, blocked, stopped, still, strange;
	uint64_t bad, err;
} tsk;
static uint64_t tsk_pager;              /* the endpoint the threads' faults come to */

/*
 * Serve the task's faults until each of its threads has run (1) or 60 s
 * passed (0). It waits for a fault up to 3 timeslices at a time. (Woken
 * every 1 ms it once kept the tick from rotating two task threads spinning on
 * hart 0, and the second never ran: fixed, docs/architecture.md,
 * "Scheduling"; t_sched.c checks it.)
 */
static int tsk_serve(void)
{
	uint64_t code = (uint64_t)(uintptr_t)tsk_code;

	for (uint64_t until = now_us() + SECS(60); now_us() < until;) {
		unsigned ran = 0;
		for (unsigned i = 0; i < tsk.n; i++)
			ran += tsk_mem.slot[i].count != 0;
		if (ran == tsk.n)
			return 1;
		struct l4_msg m = { 0 };
		long t = l4_ipc(l4_ipc_word(L4_IPC_RECV, tsk_pager, L4_TIMEOUT_NEVER, l4_timeout_us(30000)), 0, &m);
		if (t < 0 || l4_tag_label((uint64_t)t) != L4_LABEL_PAGEFAULT)
			continue;
		uint64_t pg = m.mr[0] & ~0xfffUL;
		long r = pg == code       ? l4_pf_reply_map(m.mr[0], code, L4_FP_R | L4_FP_X)
			 : pg == TSK_DATA ? l4_pf_reply_map(m.mr[0], (uint64_t)(uintptr_t)&tsk_mem, L4_FP_R | L4_FP_W)
					  : -L4_EINVAL;
		if (r) {
			tap_note("task thread fault at %#lx: %ld", (unsigned long)m.mr[0], r);
			tsk.strange++;
			l4_pf_refuse(-L4_EINVAL);
		}
	}
	return 0;
}

/* A task with 1..TSK_THREADS threads on random harts, spinning or calling a pair's echo server. */
static void tsk_start(void)
{
	unsigned n = 1 + rnd(TSK_THREADS);

	tsk.pair = &pairs[rnd(PAIRS)];
	tsk.pair_went = 0;

	tsk.task = cap_get();
	for (unsigned i = 0; i < TSK_THREADS; i++)
		tsk_mem.slot[i].count = tsk_mem.slot[i].word = tsk_mem.slot[i].bad = tsk_mem.slot[i].err = 0;
	if (l4_factory_create_task(L4_CAP_FACTORY, tsk.task, 4) ||
	    l4_task_cap_copy(tsk.task, tsk_pager, TSK_PAGER, L4_RIGHT_W, 0) ||
	    l4_task_cap_copy(tsk.task, tsk.pair->ep, TSK_EP, L4_RIGHT_W, 0)) {
		tsk.strange++;
		n = 0;
	}
	for (tsk.n = 0; tsk.n < n; tsk.n++) {
		uint64_t th = cap_get();
		struct l4_thread_config c = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PAGER | L4_THREAD_CFG_PRIO,
					      .task = tsk.task, .pager = TSK_PAGER, .prio = TSK_PRIO,
					      .max_prio = TSK_PRIO };
		if (rnd(2)) {
			tsk_mem.slot[tsk.n].word = l4_ipc_word(L4_IPC_CALL, TSK_EP, 0, 0);
			tsk.callers++;
		}
		if (l4_factory_create_thread(L4_CAP_FACTORY, th) || l4_thread_config(th, &c) ||
		    l4_thread_set_hart(th, rnd(nh), 0) ||
		    l4_thread_start(th, (uint64_t)(uintptr_t)tsk_code, 0,
				    TSK_DATA + tsk.n * sizeof(struct tsk_slot))) {
			obj_del(th);
			tsk.strange++;
			break;
		}
		tsk.th[tsk.n] = th;
	}
	tsk.made++;
	tsk.threads += tsk.n;
	if (tsk_serve())
		tsk.ran++;
}

/* Destroy the task, its threads running or blocked wherever they are: they
 * must be stopped and run no more; then destroy the thread objects (they
 * outlive the task, unbound). */
static void tsk_end(void)
{
	uint64_t seen[TSK_THREADS];

	for (unsigned i = 0; i < tsk.n; i++) {
		tsk.far += hart_of(tsk.th[i]) != 0;
		tsk.blocked += state_of(tsk.th[i]) == L4_THREAD_BLOCKED;
	}
	obj_del(tsk.task);
	for (unsigned i = 0; i < tsk.n; i++) {
		seen[i] = tsk_mem.slot[i].count;
		tsk.stopped += state_of(tsk.th[i]) == L4_THREAD_INACTIVE;
	}
	sleep_us(2000);
	for (unsigned i = 0; i < tsk.n; i++) {
		tsk.still += tsk_mem.slot[i].count != seen[i];
		tsk.bad += tsk_mem.slot[i].bad;
		if (tsk.pair_went)
			tsk.err += tsk_mem.slot[i].err;
		else
			tsk.bad += tsk_mem.slot[i].err;
		obj_del(tsk.th[i]);
	}
	tsk.task = 0;
	tsk.n = 0;
}

static void test_stress(void)
{
	uint64_t start = used_of(L4_CAP_FACTORY), t0 = now_us();
	uint64_t seed = 0x5eed0000 + nh;
	unsigned ops[4] = { 0 };

	rng = seed;
	tsk = (typeof(tsk)){ 0 };
	tsk_pager = obj_new(L4_OBJ_ENDPOINT);
	for (unsigned i = 0; i < PAIRS; i++)
		pair_start(&pairs[i]);
	for (unsigned step = 0; step < 200; step++) {
		struct pair *p = &pairs[rnd(PAIRS)];
		switch (rnd(5)) {
		case 0:         /* move a client or a server or a task's thread, running or blocked */
			if (tsk.n && !rnd(3))
				l4_thread_set_hart(tsk.th[rnd(tsk.n)], rnd(nh), 0);
			else
				l4_thread_set_hart(rnd(2) ? p->cli : p->srv, rnd(nh), 0);
			ops[0]++;
			break;
		case 1:         /* end a pair wherever its threads run, start a new one */
			pair_end(p);
			pair_start(p);
			tsk.pair_went |= tsk.task && tsk.pair == p;
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
		case 3:         /* start a task, or destroy it with its threads running on */
			if (tsk.task)
				tsk_end();
			else
				tsk_start();
			break;
		default:
			sleep_us(1000 * (1 + rnd(4)));
			ops[3]++;
			break;
		}
	}
	if (tsk.task)
		tsk_end();
	/* The pairs make calls still: sleep (hart 0's pairs run) until then.
	 * (Two pairs ping-ponging on one hart at one priority share it only at
	 * ticks: docs/architecture.md, "Scheduling".) */
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
	/* No thread lost: each client, told to stop, makes one more call, gets
	 * its reply (its server runs) and says it is done. */
	unsigned done = 0;
	for (unsigned i = 0; i < PAIRS; i++)
		pairs[i].stop = 1;
	for (uint64_t until = now_us() + SECS(60); done < PAIRS && now_us() < until;) {
		sleep_us(10000);
		done = 0;
		for (unsigned i = 0; i < PAIRS; i++)
			done += pairs[i].done;
	}
	for (unsigned i = 0; i < PAIRS; i++)
		bad += pairs[i].bad;
	for (unsigned i = 0; i < PAIRS; i++)
		pair_end(&pairs[i]);
	obj_del(tsk_pager);
	tap_note("stress, seed %#lx: %u moves, %u pairs replaced, %u map+unmap, %u pauses, %u tasks destroyed "
		 "(%u threads, %u calling, %u on another hart, %u blocked); %lu calls, %lu ms",
		 (unsigned long)seed, ops[0], ops[1], ops[2], ops[3], tsk.made, tsk.threads, tsk.callers, tsk.far,
		 tsk.blocked, (unsigned long)calls, (unsigned long)((now_us() - t0) / 1000));
	tap_ok(bad == 0, "stress: every call of %u client/server pairs on random harts got its right reply", PAIRS);
	tap_ok(calls > c0, "... and the pairs still make calls at the end");
	tap_eq(done, PAIRS, "... no thread lost: each client, told to stop, made its last call and got its reply");
	tap_ok(tsk.made > 0 && tsk.ran == tsk.made && tsk.strange == 0,
	       "... %u tasks of their own made, each thread of each ran (%u of %u tasks; %u faults or calls went wrong)",
	       tsk.made, tsk.ran, tsk.made, tsk.strange);
	tap_ok(tsk.stopped == tsk.threads && tsk.still == 0,
	       "... each task destroyed while its threads ran or were blocked: all %u stopped (%u), none ran on (%u)",
	       tsk.threads, tsk.stopped, tsk.still);
	tap_ok(tsk.bad == 0, "... each call of theirs to a pair's server got its right reply (%lu errors: the pair went)",
	       (unsigned long)tsk.err);
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
