/*
 * t_notify.c - notifications (l4/ipc.h, l4/kobj.h): signal ORs bits in,
 * wait and poll take and clear them, the bits are the capability's badge or
 * MR0 of an unbadged one; waiters blocked until a signal or a timeout;
 * rights; L4_THREAD_BIND, which lets a signal end an endpoint receive of
 * the bound thread; destroying a notification. Threads mostly at 101 (they
 * run as soon as they can); the watchdog (util.h) guards the testroot's
 * blocking calls. At the end the root factory's `used` is where it started.
 */
#include <stdint.h>

#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/ipc.h>
#include <l4/kobj.h>
#include <l4/sys.h>
#include <l4/task.h>
#include <l4/thread.h>

#include "area.h"
#include "tap.h"
#include "util.h"

#define SENT 0x5e5e5e5eL
#define JUNK 0xdeadbeefdeadbeefUL

/* L4_THREAD_BIND th to notification n (0: unbind). */
static long bind(uint64_t th, uint64_t n)
{
	struct l4_msg m = { { n }, 0 };
	long r = l4_call(th, L4_THREAD_BIND, 1, &m);

	return r < 0 ? r : 0;
}

/* Wait under the watchdog; *bits = JUNK first so a check of them can fail. */
static long wait_to(uint64_t n, unsigned rto, uint64_t *bits)
{
	*bits = JUNK;
	wd_arm(WD_US);
	long r = l4_wait_timeout(n, rto, bits);
	wd_disarm();
	return r;
}

/* Poll: 0 and the bits, or the error. */
static uint64_t poll_bits(uint64_t n)
{
	uint64_t b = JUNK;

	return l4_poll(n, &b) == 0 ? b : JUNK;
}

/* A waiter thread: one wait, recorded. */
struct waiter {
	uint64_t n;
	unsigned rto;
	volatile long r;
	volatile uint64_t bits;
	volatile int done;
};

static void waiter_fn(void *arg)
{
	struct waiter *w = arg;
	uint64_t b = JUNK;

	w->r = l4_wait_timeout(w->n, w->rto, &b);
	w->bits = b;
	w->done = 1;
}

static uint64_t waiter_start(struct waiter *w, uint64_t n, unsigned prio)
{
	*w = (struct waiter){ .n = n, .rto = L4_TIMEOUT_NEVER, .r = SENT, .bits = JUNK };
	return thread_spawn(waiter_fn, w, prio);
}

/* A signaller below the testroot's priority: runs once the testroot blocks. */
struct sig {
	uint64_t n, bits;
};

static void signaller(void *arg)
{
	struct sig *s = arg;

	l4_signal(s->n, s->bits);
}

static void test_signal_wait(void)
{
	uint64_t n = obj_new(L4_OBJ_NOTIFICATION), bn = copy_of(n, L4_RIGHTS_ALL, 0x100);
	uint64_t no_w = copy_of(n, L4_RIGHTS_ALL & ~L4_RIGHT_W, 0), no_r = copy_of(n, L4_RIGHTS_ALL & ~L4_RIGHT_R, 0);
	uint64_t empty = cap_get(), b = JUNK;

	tap_note("notify: signal, wait, poll");
	tap_ok(n && bn && no_w && no_r, "a notification and copies (badge 0x100, no W, no R)");
	tap_ok(l4_poll(n, &b) == 0 && b == 0, "poll with nothing pending: 0, no bits");
	tap_eq(l4_wait_timeout(n, L4_TIMEOUT_ZERO, &b), -L4_ETIMEDOUT, "... (the kernel's answer is ETIMEDOUT)");
	tap_eq(l4_signal(n, 0x5), 0, "signal 0x5 through the unbadged capability: 0");
	tap_eq(l4_signal(n, 0x30), 0, "signal 0x30: 0");
	tap_eq((long)poll_bits(n), 0x35, "poll: the bits OR-ed, 0x35");
	tap_eq((long)poll_bits(n), 0, "poll again: taken and cleared, 0");
	tap_eq(l4_signal(bn, 0x1), 0, "signal through the capability with badge 0x100 (MR0 = 0x1)");
	tap_eq((long)poll_bits(n), 0x100, "poll: the badge's bits, 0x100 (not MR0)");
	l4_signal(bn, 0x6);
	l4_signal(n, 0x2);
	tap_eq((long)poll_bits(bn), 0x102, "badged and unbadged signals OR together (poll through the badged copy)");
	l4_signal(n, 0);
	tap_eq((long)poll_bits(n), 0, "a signal of 0 bits leaves nothing pending");
	l4_signal(n, 0x8);
	tap_ok(wait_to(n, L4_TIMEOUT_NEVER, &b) == 0 && b == 0x8, "wait with bits pending returns them at once (%#lx)",
	       (unsigned long)b);
	tap_eq((long)poll_bits(n), 0, "... and clears them");
	l4_signal(n, 1UL << 63 | 1);
	tap_eq((long)poll_bits(n), (long)(1UL << 63 | 1), "bit 63 travels like any other");

	tap_eq(l4_signal(no_w, 1), -L4_EPERM, "signal through a capability without W: EPERM");
	tap_eq(l4_poll(no_r, &b), -L4_EPERM, "poll through a capability without R: EPERM");
	tap_eq(wait_to(no_r, L4_TIMEOUT_NEVER, &b), -L4_EPERM, "wait through a capability without R: EPERM");
	tap_eq((long)poll_bits(n), 0, "... the failed signal set nothing");
	tap_eq(l4_signal(no_r, 0x10), 0, "signal through the capability without R: ok");
	tap_eq((long)poll_bits(no_w), 0x10, "poll through the one without W: 0x10");
	tap_eq(l4_signal(empty, 1), -L4_EBADCAP, "signal an empty slot: EBADCAP");
	tap_eq(l4_poll(empty, &b), -L4_EBADCAP, "poll an empty slot: EBADCAP");

	/* Blocked waiters. */
	static struct waiter w;
	uint64_t th = waiter_start(&w, n, 101);
	tap_ok(th && state_of(th) == L4_THREAD_BLOCKED && !w.done, "a waiter (101) blocks on the notification");
	tap_eq(l4_signal(n, 0x40), 0, "signal 0x40");
	tap_ok(w.done && w.r == 0 && w.bits == 0x40, "... the waiter returns 0 with bits 0x40 (%ld, %#lx)", w.r,
	       (unsigned long)w.bits);
	tap_eq((long)poll_bits(n), 0, "... it took them: nothing pending");
	thread_del(th);

	/* Two waiters: one per signal, in the order they came. */
	static struct waiter wa, wb;
	uint64_t ta = waiter_start(&wa, n, 101), tb = waiter_start(&wb, n, 101);
	tap_eq(l4_signal(n, 0x1), 0, "two waiters block; signal 0x1");
	tap_ok(ta && tb && wa.done && wa.bits == 0x1 && !wb.done && state_of(tb) == L4_THREAD_BLOCKED,
	       "... the first waiter gets it, the second still waits");
	tap_eq(l4_signal(n, 0x2), 0, "signal 0x2");
	tap_ok(wb.done && wb.r == 0 && wb.bits == 0x2, "... the second waiter gets that (%#lx)", (unsigned long)wb.bits);
	thread_del(ta);
	thread_del(tb);

	/* Timeouts. */
	uint64_t t0 = now_us();
	long r = wait_to(n, l4_timeout_us(20000), &b);
	uint64_t dt = now_us() - t0;
	tap_ok(r == -L4_ETIMEDOUT && b == 0 && dt >= 19990 && dt < SLOW_HOST_US,
	       "wait with a 20 ms timeout, no signal: ETIMEDOUT after %lu us", (unsigned long)dt);
	static struct sig sg;
	sg = (struct sig){ .n = bn, .bits = 0 };
	th = thread_spawn(signaller, &sg, 99);
	/* The signaller runs as soon as the wait blocks; the timeout is the
	 * slow-host bound, not 20 ms: a host that stops QEMU for longer than
	 * the timeout between the block and the signaller's ecall lets the
	 * timer win (seen once with two test runs on two cores). */
	t0 = now_us();
	r = wait_to(n, l4_timeout_us(SLOW_HOST_US), &b);
	dt = now_us() - t0;
	tap_ok(th && r == 0 && b == 0x100,
	       "wait with a 1 s timeout, a signal comes in time: its bits (%#lx after %lu us)", (unsigned long)b,
	       (unsigned long)dt);
	thread_del(th);

	/* Destroying a notification wakes its waiters. */
	static struct waiter w1, w2;
	uint64_t n2 = obj_new(L4_OBJ_NOTIFICATION);
	uint64_t t1 = waiter_start(&w1, n2, 101), t2 = waiter_start(&w2, n2, 101);
	tap_ok(t1 && t2 && state_of(t1) == L4_THREAD_BLOCKED && state_of(t2) == L4_THREAD_BLOCKED,
	       "two waiters block on another notification");
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, n2), 0, "destroy it");
	tap_ok(w1.done && w1.r == -L4_ECANCELED && w2.done && w2.r == -L4_ECANCELED,
	       "... both waits return ECANCELED (%ld, %ld)", w1.r, w2.r);
	thread_del(t1);
	thread_del(t2);
	cap_put(n2);

	obj_del(n);
	cap_put(bn);
	cap_put(no_w);
	cap_put(no_r);
	cap_put(empty);
}

/* A thread receiving on an endpoint in a loop, recording what ended each
 * receive (it goes on after ECANCELED, stops at any other error). */
struct brx {
	uint64_t ep;
	volatile int n;
	volatile long tag;
	volatile uint64_t badge, mr0, notify_or, words_or;
};

static void brx_loop(void *arg)
{
	struct brx *x = arg;

	for (;;) {
		struct l4_msg m = { { JUNK, JUNK, JUNK, JUNK, JUNK, JUNK }, JUNK };
		long r = l4_receive(x->ep, &m);
		x->badge = m.badge;
		x->mr0 = m.mr[0];
		x->words_or = m.mr[0] | m.mr[1] | m.mr[2] | m.mr[3] | m.mr[4] | m.mr[5];
		if (r >= 0 && (r & L4_TAG_NOTIFY))
			x->notify_or |= m.badge;
		x->tag = r;
		x->n++;
		if (r < 0 && r != -L4_ECANCELED)
			return;
	}
}

static void test_bind(void)
{
	uint64_t n = obj_new(L4_OBJ_NOTIFICATION), n2 = obj_new(L4_OBJ_NOTIFICATION), ep = obj_new(L4_OBJ_ENDPOINT);
	uint64_t n2_no_r = copy_of(n2, L4_RIGHTS_ALL & ~L4_RIGHT_R, 0), empty = cap_get();
	static struct brx x;

	tap_note("notify: binding to a thread");
	x = (struct brx){ .ep = ep, .tag = SENT };
	uint64_t th = thread_spawn(brx_loop, &x, 100);
	uint64_t other = thread_new(100), other_r = copy_of(other, L4_RIGHT_R, 0);
	tap_eq(bind(th, n), 0, "bind a notification to a thread (not yet run)");
	YIELD_UNTIL(state_of(th) == L4_THREAD_BLOCKED);
	tap_ok(th && state_of(th) == L4_THREAD_BLOCKED && x.n == 0, "the bound thread blocks receiving on an endpoint");
	tap_eq(l4_signal(n, 0x40), 0, "signal the notification 0x40");
	YIELD_UNTIL(x.n == 1 && state_of(th) == L4_THREAD_BLOCKED);
	tap_ok(x.n == 1 && x.tag >= 0 && (x.tag & L4_TAG_NOTIFY) && l4_tag_words((uint64_t)x.tag) == 0 &&
	       l4_tag_items((uint64_t)x.tag) == 0 && x.badge == 0x40,
	       "... its receive ends: tag with L4_TAG_NOTIFY and no words, bits 0x40 in a7 (tag %#lx, a7 %#lx)",
	       (unsigned long)x.tag, (unsigned long)x.badge);
	tap_eq((long)x.words_or, 0, "... a1..a6 are 0 (no words)");
	tap_eq((long)poll_bits(n), 0, "... the bits were taken and cleared");
	tap_ok(state_of(th) == L4_THREAD_BLOCKED, "... it receives again");
	struct l4_msg m = { { 0x77 }, 0 };
	wd_arm(WD_US);
	long r = l4_ipc(l4_ipc_word(L4_IPC_SEND, ep, L4_TIMEOUT_ZERO, 0), l4_tag(3, 1, 0), &m);
	wd_disarm();
	YIELD_UNTIL(x.n == 2);
	tap_ok(r >= 0 && x.n == 2 && x.tag == (long)l4_tag(3, 1, 0) && x.mr0 == 0x77 && x.badge == 0,
	       "a message on the endpoint still reaches it, without the NOTIFY flag");
	x.notify_or = 0;
	l4_signal(n, 0x4);
	l4_signal(n, 0x8);
	YIELD_UNTIL(x.notify_or == 0xc && state_of(th) == L4_THREAD_BLOCKED);
	tap_ok(x.notify_or == 0xc && poll_bits(n) == 0 && state_of(th) == L4_THREAD_BLOCKED,
	       "two signals in a row: it got 0x4 and 0x8 (%#lx, %d receives), nothing is left pending",
	       (unsigned long)x.notify_or, x.n);

	tap_eq(bind(th, n2), -L4_EBUSY, "bind a second notification to the bound thread: EBUSY");
	tap_eq(bind(other, n), -L4_EBUSY, "bind the bound notification to another thread: EBUSY");
	tap_eq(bind(other, ep), -L4_ETYPE, "bind an endpoint: ETYPE");
	tap_eq(bind(other, empty), -L4_EBADCAP, "bind an empty slot: EBADCAP");
	tap_eq(bind(other, n2_no_r), -L4_EPERM, "bind through a notification capability without R: EPERM");
	tap_eq(bind(other_r, n2), -L4_EPERM, "bind through a thread capability without W: EPERM");
	struct l4_msg m0 = { { n2 }, 0 };
	tap_eq(l4_call(other, L4_THREAD_BIND, 0, &m0), -L4_EINVAL, "bind with 0 words: EINVAL");
	tap_eq(bind(L4_CAP_TASK, n2), -L4_ETYPE, "L4_THREAD_BIND on a task: ETYPE");

	int before = x.n;
	tap_eq(bind(th, 0), 0, "unbind the thread (selector 0)");
	tap_eq(bind(other, n), 0, "... the notification can now be bound to another thread");
	l4_signal(n, 0x1);
	yield_n(2);
	tap_ok(x.n == before && state_of(th) == L4_THREAD_BLOCKED, "a signal no longer ends the unbound thread's receive");
	tap_eq((long)poll_bits(n), 0x1, "... the bits stay pending (its new thread is not receiving): poll gets 0x1");
	tap_eq(bind(other, 0), 0, "unbind the other thread");
	tap_eq(bind(th, n2), 0, "the first thread binds a second notification");

	/* Destroying a bound notification leaves the thread unbound. */
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, n2), 0, "destroy the bound notification");
	yield_n(2);
	tap_note("the bound thread after that: state %u, %d receives, last %ld", state_of(th), x.n - before, x.tag);
	tap_eq(bind(th, n), 0, "... the thread can bind another one (the binding went with it)");
	l4_signal(n, 0x2);
	YIELD_UNTIL(x.badge == 0x2 && (x.tag & L4_TAG_NOTIFY) && x.tag >= 0);
	tap_ok(x.badge == 0x2 && (x.tag & L4_TAG_NOTIFY) && x.tag >= 0, "... and is woken by that one");
	tap_eq(bind(th, 0), 0, "unbind");
	thread_del(th);
	thread_del(other);
	cap_put(n2);
	cap_put(other_r);
	cap_put(n2_no_r);
	cap_put(empty);
	obj_del(n);
	obj_del(ep);
}

/* Answer one call on ep, then wait on notification n in the same reply-and-wait. */
struct rwn {
	uint64_t ep, n;
	volatile long r;
	volatile uint64_t bits;
	volatile int done;
};

static void rwn_fn(void *arg)
{
	struct rwn *w = arg;
	struct l4_msg m = { 0 };

	l4_receive(w->ep, &m);
	m.mr[0] = 0xabc;
	w->r = l4_ipc(l4_ipc_word(L4_IPC_REPLY_WAIT, w->n, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER), l4_tag(0, 1, 0), &m);
	w->bits = m.badge;
	w->done = 1;
}

static void test_reply_wait_notification(void)
{
	static struct rwn w;
	uint64_t ep = obj_new(L4_OBJ_ENDPOINT), n = obj_new(L4_OBJ_NOTIFICATION);

	tap_note("notify: reply-and-wait on a notification");
	w = (struct rwn){ .ep = ep, .n = n, .r = SENT };
	uint64_t th = thread_spawn(rwn_fn, &w, 101);
	struct l4_msg m = { { 1 }, 0 };
	wd_arm(WD_US);
	long r = l4_call(ep, 1, 1, &m);
	wd_disarm();
	tap_ok(th && r == (long)l4_tag(0, 1, 0) && m.mr[0] == 0xabc,
	       "a server answers a call with reply-and-wait on a notification: the caller has the reply");
	tap_ok(!w.done && state_of(th) == L4_THREAD_BLOCKED, "... the server waits on the notification");
	l4_signal(n, 0x9);
	tap_ok(w.done && w.r >= 0 && w.bits == 0x9, "... a signal ends its wait with the bits (%ld, %#lx)", w.r,
	       (unsigned long)w.bits);
	thread_del(th);
	obj_del(ep);
	obj_del(n);
}

/* ---- the fast path (arch/riscv/fastpath.S) against the general path ---- */

#define KEPT 0xa7a7a7a7UL

/* What one system call left in the registers: a0..a7, and ra, t0..t6
 * (raw_syscall, util.h: they must come back 0). */
struct raw {
	uint64_t a[8], t[8];
};

static void raw_ecall(uint64_t word, uint64_t tag, uint64_t mr0, struct raw *o)
{
	o->a[0] = tag;
	o->a[1] = mr0;
	for (unsigned i = 2; i < 7; i++)
		o->a[i] = JUNK + i;
	o->a[7] = word;
	raw_syscall(o->a, o->t);
	if (o->a[7] == word)
		o->a[7] = KEPT;         /* the selector may differ between runs */
}

/* raw_ecall, counting what the general path took of notification operations meanwhile. */
static long fgen_now;

static void rcall(uint64_t word, uint64_t tag, uint64_t mr0, struct raw *o)
{
	long g0 = l4_debug_pfstats(3);

	raw_ecall(word, tag, mr0, o);
	fgen_now += l4_debug_pfstats(3) - g0;
}

/* The order in which the threads of a case did things. */
static volatile char fev[24];
static volatile unsigned nfev;

static void fmark(char c)
{
	if (nfev < sizeof(fev) - 1)
		fev[nfev++] = c;
}

/* A helper of a case: waits on n (or signals it), recording. */
struct fhelp {
	uint64_t n;
	uint64_t bits;                  /* to signal */
	uint64_t gate;                  /* a notification to wait on (fh_wait) or signal (fh_signal) first, or 0 */
	uint64_t fin;                   /* fh_signal: a notification to signal at the end, or 0 */
	volatile long gen;              /* ... and L4_DEBUG_PFSTATS 3 just before that */
	unsigned rto;                   /* its wait's timeout */
	int fpu;                        /* dirty FP state before it waits */
	volatile long r;
	volatile uint64_t got;
	volatile int done;
};

/* The testroot waits 1 ms on a notification nobody signals: threads below it run. */
static uint64_t fidle;
static unsigned fblocks;

static void block_a_while(void)
{
	uint64_t b;

	fblocks++;
	wd_arm(WD_US);
	l4_wait_timeout(fidle, l4_timeout_us(1000), &b);
	wd_disarm();
}

/* The testroot's FP state: dirty, in the FP registers. */
static void fp_touch(void)
{
	__asm__ volatile(".option push\n.option arch, +d\nfmv.d.x f7, zero\n.option pop");
}

static void fh_wait(void *arg)
{
	struct fhelp *h = arg;
	uint64_t b = JUNK;

	if (h->gate)
		l4_wait(h->gate, &b);
	if (h->fpu)
		__asm__ volatile(".option push\n.option arch, +d\nfmv.d.x f7, %0\n.option pop" :: "r"(h->n + 0x1234));
	fmark('w');
	h->r = l4_wait_timeout(h->n, h->rto, &b);
	h->got = b;
	fmark('W');
	if (h->fpu) {
		uint64_t v;
		__asm__ volatile(".option push\n.option arch, +d\nfmv.x.d %0, f7\n.option pop" : "=r"(v));
		if (v != h->n + 0x1234)
			h->got = JUNK;  /* its FP register did not survive */
	}
	h->done = 1;
}

/* A send of one word (h->bits) on the endpoint h->n, no timeout. */
static void fh_send(void *arg)
{
	struct fhelp *h = arg;
	struct l4_msg m = { { h->bits }, 0 };

	fmark('s');
	h->r = l4_ipc(l4_ipc_word(L4_IPC_SEND, h->n, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER), l4_tag(0x3, 1, 0), &m);
	fmark('S');
	h->done = 1;
}

/* A receive on the endpoint h->n (the thread may have a notification bound). */
static void fh_recv(void *arg)
{
	struct fhelp *h = arg;
	struct l4_msg m = { { JUNK, JUNK, JUNK, JUNK, JUNK, JUNK }, JUNK };

	fmark('r');
	h->r = l4_ipc(l4_ipc_word(L4_IPC_RECV, h->n, L4_TIMEOUT_NEVER, h->rto), 0, &m);
	h->got = m.badge ^ (m.mr[0] | m.mr[1] | m.mr[2] | m.mr[3] | m.mr[4] | m.mr[5]);
	fmark('R');
	h->done = 1;
}

static void fh_signal(void *arg)
{
	struct fhelp *h = arg;

	if (h->fpu)
		__asm__ volatile(".option push\n.option arch, +d\nfmv.d.x f7, %0\n.option pop" :: "r"(h->n + 0x4321));
	if (h->gate)
		l4_signal(h->gate, 1);
	fmark('s');
	h->r = l4_signal(h->n, h->bits);
	fmark('S');
	h->got = 0;
	if (h->fpu) {
		uint64_t v;
		__asm__ volatile(".option push\n.option arch, +d\nfmv.x.d %0, f7\n.option pop" : "=r"(v));
		if (v != h->n + 0x4321)
			h->got = JUNK;  /* its FP register did not survive */
	}
	if (h->fin) {
		h->gen = l4_debug_pfstats(3);
		l4_signal(h->fin, 1);
	}
	h->done = 1;
}

/* Everything a case observes, compared word by word between the paths. */
struct fres {
	struct raw r;
	uint64_t pending;               /* the notification's bits afterwards (poll) */
	long hr;                        /* the helper's result, bits, whether it ended */
	uint64_t hgot;
	int hdone;
	uint64_t extra;                 /* what else the case looked at */
	char ev[24];
};

enum { FC_CASES = 50 };
static struct fres fres[2][FC_CASES];
static long fgen[2][FC_CASES];          /* notification operations the general path took */
static const char *fname[FC_CASES];

#define NEVER_ L4_TIMEOUT_NEVER
#define W_SIG(sel) l4_ipc_word(L4_IPC_SEND, (sel), NEVER_, NEVER_)
#define W_WAIT(sel) l4_ipc_word(L4_IPC_RECV, (sel), NEVER_, NEVER_)

/*
 * Case k, on the path now set; returns 0 past the last case. The helper
 * threads run at 99, 100 or 101 around the testroot's 100. `fast`: the
 * case is one the fast path takes (no notification operation of the
 * testroot on the general path when it is on).
 */
static int fcase(unsigned k, struct fres *o, int *fast)
{
	static struct fhelp h, h2;
	static struct brx bx;
	uint64_t n2 = 0, th2 = 0, ep_nor = 0;
	uint64_t n = obj_new(L4_OBJ_NOTIFICATION), bn = copy_of(n, L4_RIGHTS_ALL, 0x100);
	uint64_t no_w = copy_of(n, L4_RIGHTS_ALL & ~L4_RIGHT_W, 0), no_r = copy_of(n, L4_RIGHTS_ALL & ~L4_RIGHT_R, 0);
	uint64_t ep = obj_new(L4_OBJ_ENDPOINT), empty = cap_get(), th = 0;
	int more = 1;

	nfev = 0;
	for (unsigned i = 0; i < sizeof(fev); i++)
		fev[i] = 0;
	h = (struct fhelp){ .n = n, .bits = 0x7, .rto = NEVER_, .r = SENT, .got = JUNK };
	*fast = 0;
	switch (k) {
	/* signal, nobody waiting */
	case 0: fname[k] = "signal, unbadged, MR0 0x5"; *fast = 1;
		rcall(W_SIG(n), l4_tag(0, 1, 0), 0x5, &o->r); break;
	case 1: fname[k] = "signal, badge 0x100, no words"; *fast = 1;
		rcall(W_SIG(bn), l4_tag(0, 0, 0), 0x5, &o->r); break;
	case 2: fname[k] = "signal, label and 6 words"; *fast = 1;
		rcall(W_SIG(n), l4_tag(0x55, 6, 0), 0x9, &o->r); break;
	case 3: fname[k] = "signal of 0 bits"; *fast = 1;
		rcall(W_SIG(n), l4_tag(0, 1, 0), 0, &o->r); break;
	case 4: fname[k] = "signal with bits pending"; *fast = 1;
		l4_signal(n, 0x10);
		rcall(W_SIG(n), l4_tag(0, 1, 0), 0x3, &o->r); break;
	case 5: fname[k] = "signal, unbadged, no words: EINVAL";
		rcall(W_SIG(n), l4_tag(0, 0, 0), 0x5, &o->r); break;
	case 6: fname[k] = "signal with an item: EINVAL";
		rcall(W_SIG(n), l4_tag(0, 2, 1), 0x5, &o->r); break;
	case 7: fname[k] = "signal with a tag flag: EINVAL";
		rcall(W_SIG(n), l4_tag(0, 1, 0) | L4_TAG_NOTIFY, 0x5, &o->r); break;
	case 8: fname[k] = "signal with tag bit 48: EINVAL";
		rcall(W_SIG(n), l4_tag(0, 1, 0) | 1UL << 48, 0x5, &o->r); break;
	case 9: fname[k] = "signal with 7 words";
		rcall(W_SIG(n), l4_tag(0, 7, 0), 0x5, &o->r); break;
	case 10: fname[k] = "signal without W: EPERM";
		rcall(W_SIG(no_w), l4_tag(0, 1, 0), 0x5, &o->r); break;
	case 11: fname[k] = "signal an empty slot: EBADCAP";
		rcall(W_SIG(empty), l4_tag(0, 1, 0), 0x5, &o->r); break;
	case 12: fname[k] = "signal a slot beyond the table: EBADCAP";
		rcall(W_SIG(L4_SEL_MAX), l4_tag(0, 1, 0), 0x5, &o->r); break;
	case 13: fname[k] = "signal (send) an endpoint, timeout 0: ETIMEDOUT";
		rcall(l4_ipc_word(L4_IPC_SEND, ep, L4_TIMEOUT_ZERO, NEVER_), l4_tag(0, 1, 0), 0x5, &o->r); break;
	case 14: fname[k] = "signal (send) a task: ETYPE";
		rcall(W_SIG(L4_CAP_TASK), l4_tag(0, 1, 0), 0x5, &o->r); break;
	case 15: fname[k] = "signal with a send timeout";
		rcall(l4_ipc_word(L4_IPC_SEND, n, l4_timeout_us(100), NEVER_), l4_tag(0, 1, 0), 0x5, &o->r); break;
	case 16: fname[k] = "signal with timeout bit 15: EINVAL";
		rcall(l4_ipc_word(L4_IPC_SEND, n, NEVER_, 0x8000), l4_tag(0, 1, 0), 0x5, &o->r); break;
	/* wait */
	case 17: fname[k] = "wait with bits pending"; *fast = 1;
		l4_signal(n, 0x30);
		rcall(W_WAIT(n), JUNK, JUNK, &o->r); break;
	case 18: fname[k] = "wait without R: EPERM";
		l4_signal(n, 0x30);
		rcall(W_WAIT(no_r), 0, 0, &o->r); break;
	case 19: fname[k] = "wait on an empty slot: EBADCAP";
		rcall(W_WAIT(empty), 0, 0, &o->r); break;
	case 20: fname[k] = "wait on a slot beyond the table: EBADCAP";
		rcall(W_WAIT(L4_SEL_MAX), 0, 0, &o->r); break;
	case 21: fname[k] = "receive on an endpoint, timeout 0: ETIMEDOUT";
		rcall(l4_ipc_word(L4_IPC_RECV, ep, NEVER_, L4_TIMEOUT_ZERO), 0, 0, &o->r); break;
	case 22: fname[k] = "wait (receive) on a task: ETYPE";
		rcall(W_WAIT(L4_CAP_TASK), 0, 0, &o->r); break;
	case 23: fname[k] = "poll, nothing pending: ETIMEDOUT";
		rcall(l4_ipc_word(L4_IPC_RECV, n, NEVER_, L4_TIMEOUT_ZERO), 0, 0, &o->r); break;
	case 24: fname[k] = "poll with bits pending";
		l4_signal(bn, 1);
		rcall(l4_ipc_word(L4_IPC_RECV, n, NEVER_, L4_TIMEOUT_ZERO), 0, 0, &o->r); break;
	case 25: fname[k] = "wait through the badged copy";
		l4_signal(n, 0x44);
		rcall(W_WAIT(bn), 0, 0, &o->r); *fast = 1; break;
	/* a signal that wakes a waiter */
	case 26: case 27: case 28:
		fname[k] = k == 26 ? "signal wakes a waiter of lower priority (queued)"
			 : k == 27 ? "signal wakes a waiter of the same priority (queued)"
				   : "signal wakes a waiter of higher priority (runs at once)";
		*fast = 1;
		th = thread_spawn(fh_wait, &h, k == 26 ? 99 : k == 27 ? 100 : 101);
		for (unsigned i = 0; i < 100 && state_of(th) != L4_THREAD_BLOCKED; i++)
			k == 26 ? block_a_while() : l4_yield();
		fmark('1');
		rcall(W_SIG(n), l4_tag(0, 1, 0), 0x21, &o->r);
		fmark('2');
		break;
	case 29: fname[k] = "signal wakes a waiter with a timeout";
		*fast = 1;
		h.rto = l4_timeout_us(2000000);
		th = thread_spawn(fh_wait, &h, 101);
		fmark('1');
		rcall(W_SIG(n), l4_tag(0, 1, 0), 0x21, &o->r);
		fmark('2');
		break;
	case 30: case 36:
		fname[k] = k == 30 ? "signal wakes a waiter of higher priority whose FP state is in the FP registers"
				   : "wait blocks, the next thread's FP state is in the FP registers";
		*fast = 1;
		{
			/* The waiter (101) waits behind a gate, which a signaller at
			 * 99 opens while the testroot waits (no timeout: the
			 * signaller ends it): no other thread with FP state runs in
			 * between. 30: the waiter uses FP after the gate, and the
			 * signal wakes it; 36: the signaller uses FP first, and the
			 * waiter's wait blocks, back to it. What the general path
			 * took is counted up to the signaller's last signal (which
			 * switches to the testroot, whose FP state is not in the FP
			 * registers then). */
			long g0 = l4_debug_pfstats(3);
			uint64_t fin = obj_new(L4_OBJ_NOTIFICATION), b;
			n2 = obj_new(L4_OBJ_NOTIFICATION);
			h.fpu = k == 30;
			h.gate = n2;
			h2 = (struct fhelp){ .n = n, .bits = 0x21, .gate = n2, .fin = fin, .fpu = k == 36, .r = SENT,
					     .got = JUNK };
			th = thread_spawn(fh_wait, &h, 101);
			th2 = thread_spawn(fh_signal, &h2, 99);
			fmark('1');
			wd_arm(WD_US);
			l4_wait(fin, &b);
			wd_disarm();
			fmark('2');
			fgen_now += h2.gen - g0;
			obj_del(fin);
		}
		break;
	case 31: fname[k] = "signal wakes a waiter with FP state, another thread's in the FP registers";
		h.fpu = 1;
		th = thread_spawn(fh_wait, &h, 101);
		fp_touch();
		fmark('1');
		rcall(W_SIG(n), l4_tag(0, 1, 0), 0x21, &o->r);
		fmark('2');
		break;
	/* a wait that blocks: the next thread runs */
	case 32: case 33: case 35:
		fname[k] = k == 32 ? "wait blocks, a signaller of lower priority runs (the last of its priority)"
			 : k == 33 ? "wait blocks, a signaller of the same priority runs"
				   : "wait with a receive timeout, a signaller of lower priority runs";
		/* (a wait that blocks with a timeout needs the kernel lock with several harts) */
		*fast = k != 35 || !smp_running();
		th = thread_spawn(fh_signal, &h, k == 33 ? 100 : 99);
		fmark('1');
		wd_arm(WD_US);
		rcall(k == 35 ? l4_ipc_word(L4_IPC_RECV, n, NEVER_, l4_timeout_us(2000000)) : W_WAIT(n), 0, 0, &o->r);
		wd_disarm();
		fmark('2');
		break;
	case 34: fname[k] = "wait blocks, a signaller of lower priority runs, a second one queued at its priority";
		*fast = 1;
		h2 = (struct fhelp){ .n = n, .bits = 0x8, .rto = NEVER_, .r = SENT, .got = JUNK };
		th = thread_spawn(fh_signal, &h, 99);
		th2 = thread_spawn(fh_signal, &h2, 99);
		fmark('1');
		wd_arm(WD_US);
		rcall(W_WAIT(n), 0, 0, &o->r);
		wd_disarm();
		fmark('2');
		break;
	case 37: fname[k] = "signal a notification bound to a thread that receives";
		*fast = 1;
		bx = (struct brx){ .ep = ep, .tag = SENT };
		th2 = thread_spawn(brx_loop, &bx, 101);
		bind(th2, n);
		fmark('1');
		rcall(W_SIG(n), l4_tag(0, 1, 0), 0x21, &o->r);
		fmark('2');
		o->extra = bx.badge ^ (uint64_t)bx.n << 32 ^ (uint64_t)bx.tag << 40;
		bind(th2, 0);
		break;
	case 38: fname[k] = "signal a notification bound to a thread that does not receive";
		*fast = 1;
		th2 = thread_new(100);
		bind(th2, n);
		rcall(W_SIG(n), l4_tag(0, 1, 0), 0x21, &o->r);
		bind(th2, 0);
		break;
	case 39: case 40: case 41: case 42:
		fname[k] = k == 39 ? "signal wakes the bound thread (99) receiving (queued)"
			 : k == 40 ? "signal wakes the bound thread (101) receiving behind another receiver"
			 : k == 41 ? "signal wakes the bound thread (101) receiving with a timeout"
				   : "signal wakes the bound thread (101) receiving before another receiver";
		*fast = 1;
		h = (struct fhelp){ .n = ep, .rto = k == 41 ? l4_timeout_us(2000000) : NEVER_, .r = SENT, .got = JUNK };
		h2 = (struct fhelp){ .n = ep, .rto = NEVER_, .r = SENT, .got = JUNK };
		if (k == 40)
			th2 = thread_spawn(fh_recv, &h2, 101);
		th = thread_spawn(fh_recv, &h, k == 39 ? 99 : 101);
		bind(th, n);            /* while it receives (101), or before it runs (99) */
		if (k == 42)
			th2 = thread_spawn(fh_recv, &h2, 101);
		for (unsigned i = 0; i < 100 && state_of(th) != L4_THREAD_BLOCKED; i++)
			block_a_while();
		fmark('1');
		rcall(W_SIG(n), l4_tag(0, 1, 0), 0x21, &o->r);
		fmark('2');
		break;
	/* a receive on an endpoint (the same entry as a wait) */
	case 43: fname[k] = "receive on an endpoint without R: EPERM";
		ep_nor = copy_of(ep, L4_RIGHTS_ALL & ~L4_RIGHT_R, 0);
		rcall(W_WAIT(ep_nor), 0, 0, &o->r);
		break;
	case 44: fname[k] = "receive on an endpoint, a sender queued (general path)";
		h = (struct fhelp){ .n = ep, .bits = 0x77, .r = SENT, .got = JUNK };
		th = thread_spawn(fh_send, &h, 101);
		fmark('1');
		rcall(W_WAIT(ep), 0, 0, &o->r);
		fmark('2');
		break;
	case 45: fname[k] = "receive on an endpoint, bits in the bound notification";
		bind(L4_CAP_THREAD, n);
		l4_signal(n, 0x12);
		rcall(W_WAIT(ep), 0, 0, &o->r);
		bind(L4_CAP_THREAD, 0);
		break;
	case 46: case 47:
		fname[k] = k == 46 ? "receive on an endpoint blocks, a sender of lower priority runs"
				   : "receive on an endpoint blocks (bound notification, no bits), a sender of lower priority runs";
		/* the fast path takes the receive (the counter of L4_DEBUG_PFSTATS 3
		 * sees notifications only: the comparison of both paths is the check) */
		h = (struct fhelp){ .n = ep, .bits = 0x66, .r = SENT, .got = JUNK };
		if (k == 47)
			bind(L4_CAP_THREAD, n);
		th = thread_spawn(fh_send, &h, 99);
		fmark('1');
		wd_arm(WD_US);
		rcall(W_WAIT(ep), 0, 0, &o->r);
		wd_disarm();
		fmark('2');
		if (k == 47)
			bind(L4_CAP_THREAD, 0);
		break;
	case 48: fname[k] = "signal wakes a waiter of lower priority with a timeout (queued)";
		*fast = 1;
		h.rto = l4_timeout_us(2000000);
		th = thread_spawn(fh_wait, &h, 99);
		for (unsigned i = 0; i < 100 && state_of(th) != L4_THREAD_BLOCKED; i++)
			block_a_while();
		fmark('1');
		rcall(W_SIG(n), l4_tag(0, 1, 0), 0x21, &o->r);
		fmark('2');
		break;
	case 49: fname[k] = "signal wakes a waiter with a timeout, another thread's earlier timeout stays armed";
		*fast = 1;
		/* h2 (50 ms, first on the list) waits on n2, h (2 s, after it) on
		 * n: the signal takes h off the list; h2's timeout still ends its wait. */
		n2 = obj_new(L4_OBJ_NOTIFICATION);
		h2 = (struct fhelp){ .n = n2, .rto = l4_timeout_us(50000), .r = SENT, .got = JUNK };
		h.rto = l4_timeout_us(2000000);
		th2 = thread_spawn(fh_wait, &h2, 101);
		th = thread_spawn(fh_wait, &h, 101);
		fmark('1');
		rcall(W_SIG(n), l4_tag(0, 1, 0), 0x21, &o->r);
		fmark('2');
		break;
	default:
		more = 0;
		break;
	}
	if (th) {
		for (unsigned i = 0; i < 100 && !h.done; i++)
			block_a_while();        /* helpers at 99 run only while the testroot waits */
		o->hr = h.r;
		o->hgot = h.got;
		o->hdone = h.done;
		thread_del(th);
	}
	if (th2) {
		if (k == 30 || k == 34 || k == 36 || k == 49) { /* the second helper's end */
			for (unsigned i = 0; i < 100 && !h2.done; i++)
				block_a_while();
			o->extra = h2.got ^ (uint64_t)h2.r;
		}
		thread_del(th2);
	}
	if (n2)
		obj_del(n2);
	if (ep_nor)
		cap_put(ep_nor);
	o->pending = poll_bits(n);
	for (unsigned i = 0; i < sizeof(o->ev); i++)
		o->ev[i] = fev[i];
	obj_del(n);
	obj_del(ep);
	cap_put(bn);
	cap_put(no_w);
	cap_put(no_r);
	cap_put(empty);
	return more;
}

static void test_fastpath(void)
{
	int wrong = 0, diff = 0, slow = 0, fast;
	unsigned ncases = 0;

	tap_note("notify: the fast path against the general path");
	fidle = obj_new(L4_OBJ_NOTIFICATION);
	long was = l4_debug_fastpath(1);
	for (int path = 1; path >= 0; path--) {
		l4_debug_fastpath(path);
		for (unsigned k = 0; k < FC_CASES; k++) {
			fgen_now = 0;
			if (!fcase(k, &fres[path][k], &fast))
				break;
			fgen[path][k] = fgen_now;
			if (path)
				ncases = k + 1;
			const struct fres *o = &fres[path][k];
			for (unsigned i = 0; i < 8; i++)
				if (o->r.t[i] && !wrong++)
					tap_note("case %u (%s), fast path %s: ra/t%u not 0 (%#lx)", k, fname[k],
						 path ? "on" : "off", i, (unsigned long)o->r.t[i]);
			/* the testroot's own operation of a fast case is not counted when the fast path is on */
			if (path && fast && fgen[1][k] && !slow++)
				tap_note("case %u (%s): the general path took %ld operations", k, fname[k], fgen[1][k]);
			if (!path && fast && !fgen[0][k] && !slow++)
				tap_note("case %u (%s): the general path took none with the fast path off", k, fname[k]);
		}
	}
	l4_debug_fastpath(was == 0 ? 0 : 1);
	obj_del(fidle);
	for (unsigned k = 0; k < ncases; k++) {
		const uint64_t *a = (const uint64_t *)&fres[0][k], *b = (const uint64_t *)&fres[1][k];
		for (unsigned i = 0; i < sizeof(struct fres) / 8; i++)
			if (a[i] != b[i] && !diff++)
				tap_note("first difference: case %u (%s), word %u: %#lx (off) vs %#lx (on)", k, fname[k], i,
					 (unsigned long)a[i], (unsigned long)b[i]);
	}
	tap_ok(ncases == 50, "%u cases of signal and wait, each with the fast path on and off", ncases);
	tap_ok(wrong == 0, "ra and t0..t6 come back 0 from each (%d not)", wrong);
	tap_ok(diff == 0, "the two paths give the same results word by word: registers, bits, helpers, order (%d differ)",
	       diff);
	tap_eq(slow, 0, "the general path took none of the fast path's cases with it on, and each with it off");

	/* What the results must be (the fast path's run; the other is the same). */
	const struct fres *f = fres[1];
	tap_ok(f[0].r.a[0] == 0 && f[0].r.a[1] == 0x5 && f[0].r.a[2] == JUNK + 2 && f[0].r.a[7] == KEPT &&
	       f[0].pending == 0x5, "signal: 0, a1..a7 as they were, bits 0x5 pending");
	tap_ok(f[1].r.a[0] == 0 && f[1].pending == 0x100, "signal through the badged copy: the badge's bits");
	tap_ok(f[2].r.a[0] == 0 && f[2].pending == 0x9, "signal with a label and 6 words: MR0's bits");
	tap_ok(f[3].r.a[0] == 0 && f[3].pending == 0, "signal of 0 bits: 0, nothing pending");
	tap_ok(f[4].r.a[0] == 0 && f[4].pending == 0x13, "signal with bits pending: OR-ed (%#lx)",
	       (unsigned long)f[4].pending);
	tap_ok((long)f[5].r.a[0] == -L4_EINVAL && (long)f[6].r.a[0] == -L4_EINVAL && (long)f[7].r.a[0] == -L4_EINVAL &&
	       (long)f[8].r.a[0] == -L4_EINVAL && !(f[5].pending | f[6].pending | f[7].pending | f[8].pending),
	       "no words unbadged, an item, a tag flag, tag bit 48: EINVAL, nothing signalled");
	tap_ok(f[9].r.a[0] == 0 && f[9].pending == 0x5, "7 words: signalled");
	tap_ok((long)f[10].r.a[0] == -L4_EPERM && (long)f[11].r.a[0] == -L4_EBADCAP &&
	       (long)f[12].r.a[0] == -L4_EBADCAP && (long)f[13].r.a[0] == -L4_ETIMEDOUT &&
	       (long)f[14].r.a[0] == -L4_ETYPE && f[15].r.a[0] == 0 && (long)f[16].r.a[0] == -L4_EINVAL &&
	       f[15].pending == 0x5 && !(f[10].pending | f[16].pending),
	       "signal: EPERM, EBADCAP (empty, beyond the table), ETIMEDOUT (an endpoint), ETYPE (a task), 0 with a "
	       "send timeout, EINVAL (timeout bit 15)");
	tap_ok(f[10].r.a[1] == 0x5 && f[10].r.a[2] == JUNK + 2 && f[10].r.a[6] == JUNK + 6 && f[10].r.a[7] == KEPT,
	       "... an error leaves a1..a7 as they were");
	tap_ok(f[17].r.a[0] == 0 && f[17].r.a[7] == 0x30 &&
	       !(f[17].r.a[1] | f[17].r.a[2] | f[17].r.a[3] | f[17].r.a[4] | f[17].r.a[5] | f[17].r.a[6]) &&
	       f[17].pending == 0, "wait with bits pending: tag 0, a1..a6 0, the bits in a7, taken");
	tap_ok((long)f[18].r.a[0] == -L4_EPERM && f[18].pending == 0x30 && (long)f[19].r.a[0] == -L4_EBADCAP &&
	       (long)f[20].r.a[0] == -L4_EBADCAP && (long)f[21].r.a[0] == -L4_ETIMEDOUT &&
	       (long)f[22].r.a[0] == -L4_ETYPE && (long)f[23].r.a[0] == -L4_ETIMEDOUT,
	       "wait: EPERM (the bits stay), EBADCAP (empty, beyond the table), ETIMEDOUT (an endpoint; a poll), "
	       "ETYPE (a task)");
	tap_ok(f[24].r.a[0] == 0 && f[24].r.a[7] == 0x100 && f[25].r.a[0] == 0 && f[25].r.a[7] == 0x44,
	       "poll with bits pending, wait through the badged copy: the bits");
	static const char *const order[] = { "w12W", "w12W", "w1W2", "w1W2", "1wsWS2", "w1W2",
					     "1s2S", "1sS2", "1s2SsS", "1s2S", "1wsWS2" };
	for (unsigned k = 26; k <= 36; k++) {
		const char *e = order[k - 26], *g = f[k].ev;
		int same = 1;
		for (unsigned i = 0; e[i] || g[i]; i++)
			same = same && e[i] == g[i];
		if (k <= 31 || k == 36)
			tap_ok(f[k].r.a[0] == 0 && f[k].hr == 0 && f[k].hgot == 0x21 && f[k].hdone && f[k].pending == 0 &&
			       same, "%s: 0, the waiter has the bits (%ld, %#lx), order %s (%s)", fname[k], f[k].hr,
			       (unsigned long)f[k].hgot, g, e);
		else
			tap_ok(f[k].r.a[0] == 0 && f[k].r.a[7] == 0x7 && f[k].hr == 0 && same,
			       "%s: the bits in a7 (%#lx), order %s (%s)", fname[k], (unsigned long)f[k].r.a[7], g, e);
	}
	tap_ok(f[34].extra == 0 && f[34].pending == 0x8, "... the second signaller ran later: its bits wait (%#lx)",
	       (unsigned long)f[34].pending);
	tap_ok(f[30].extra == 0 && f[36].extra == 0,
	       "... (the FP cases) the signallers' signals returned 0, the FP registers of each survived");
	tap_ok(f[37].r.a[0] == 0 && f[37].extra == (0x21 | 1UL << 32 | (uint64_t)l4_tag(0, 0, 0) << 40 |
						     (uint64_t)L4_TAG_NOTIFY << 40) && f[37].pending == 0,
	       "signal ends the receive of the bound thread (%#lx)", (unsigned long)f[37].extra);
	tap_ok(f[38].r.a[0] == 0 && f[38].pending == 0x21, "a bound thread that does not receive: the bits wait");
	tap_ok(f[48].r.a[0] == 0 && f[48].hr == 0 && f[48].hgot == 0x21 && f[48].hdone && f[48].pending == 0,
	       "%s: the waiter has the bits (%ld, %#lx)", fname[48], f[48].hr, (unsigned long)f[48].hgot);
	tap_ok(f[49].r.a[0] == 0 && f[49].hr == 0 && f[49].hgot == 0x21 && f[49].hdone &&
	       f[49].extra == (uint64_t)-L4_ETIMEDOUT,
	       "%s: the waiter has the bits, the other's wait timed out (%#lx)", fname[49], (unsigned long)f[49].extra);
	tap_ok((long)f[43].r.a[0] == -L4_EPERM && f[43].r.a[7] == KEPT, "receive on an endpoint without R: EPERM");
	tap_ok(f[44].r.a[0] == l4_tag(0x3, 1, 0) && f[44].r.a[1] == 0x77 && f[44].r.a[7] == 0 && f[44].hr == 0,
	       "receive with a sender queued: its message (tag %#lx, MR0 %#lx, badge %#lx)", (unsigned long)f[44].r.a[0],
	       (unsigned long)f[44].r.a[1], (unsigned long)f[44].r.a[7]);
	tap_ok(f[45].r.a[0] == L4_TAG_NOTIFY && f[45].r.a[7] == 0x12 && f[45].r.a[1] == 0 && f[45].pending == 0,
	       "receive with bits in the bound notification: L4_TAG_NOTIFY and the bits at once");
	for (unsigned k = 46; k <= 47; k++)
		tap_ok(f[k].r.a[0] == l4_tag(0x3, 1, 0) && f[k].r.a[1] == 0x66 && f[k].r.a[2] == 0 && f[k].r.a[7] == 0 &&
		       f[k].hr == 0 && f[k].ev[0] == '1' && f[k].ev[1] == 's' && f[k].ev[2] == '2' && f[k].ev[3] == 'S',
		       "%s: the message (tag %#lx), order %s", fname[k], (unsigned long)f[k].r.a[0], f[k].ev);
	static const char *const order3[] = { "r12R", "rr1R2", "r1R2", "rr1R2" };
	for (unsigned k = 39; k <= 42; k++) {
		const char *e = order3[k - 39], *g = f[k].ev;
		int same = 1;
		for (unsigned i = 0; e[i] || g[i]; i++)
			same = same && e[i] == g[i];
		tap_ok(f[k].r.a[0] == 0 && f[k].hr == L4_TAG_NOTIFY && f[k].hgot == 0x21 && f[k].pending == 0 && same,
		       "%s: its receive ends with L4_TAG_NOTIFY (%#lx), the bits in a7, a1..a6 zero (%#lx), order %s (%s)",
		       fname[k], (unsigned long)f[k].hr, (unsigned long)f[k].hgot, g, e);
	}
}

static void test_notify(void)
{
	uint64_t start = used_of(L4_CAP_FACTORY);
	uint64_t wd = wd_start();

	tap_note("notify");
	long fp = l4_debug_fastpath(1);
	for (int path = 1; path >= 0; path--) {
		l4_debug_fastpath(path);
		tap_note("notify: the fast path %s", path ? "on" : "off");
		test_signal_wait();
		test_bind();
		test_reply_wait_notification();
	}
	l4_debug_fastpath(fp == 0 ? 0 : 1);
	test_fastpath();
	wd_stop(wd);
	tap_ok(used_of(L4_CAP_FACTORY) == start, "notification tests leaked no kernel memory (used %lu, at start %lu)",
	       (unsigned long)used_of(L4_CAP_FACTORY), (unsigned long)start);
}

TEST_AREA(notify, 90, test_notify);
