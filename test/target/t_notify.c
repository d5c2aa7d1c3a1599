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
	t0 = now_us();
	r = wait_to(n, l4_timeout_us(20000), &b);
	dt = now_us() - t0;
	tap_ok(th && r == 0 && b == 0x100,
	       "wait with a 20 ms timeout, a signal comes in time: its bits (%#lx after %lu us)", (unsigned long)b,
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

static void test_notify(void)
{
	uint64_t start = used_of(L4_CAP_FACTORY);
	uint64_t wd = wd_start();

	tap_note("notify");
	test_signal_wait();
	test_bind();
	test_reply_wait_notification();
	wd_stop(wd);
	tap_ok(used_of(L4_CAP_FACTORY) == start, "notification tests leaked no kernel memory (used %lu, at start %lu)",
	       (unsigned long)used_of(L4_CAP_FACTORY), (unsigned long)start);
}

TEST_AREA(notify, 90, test_notify);
