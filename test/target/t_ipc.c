/*
 * t_ipc.c - the IPC operation (l4/ipc.h) between threads of the testroot's
 * own task: send/receive, call/reply, reply-and-wait, badges, message sizes
 * (registers and UTCBs), rights, types, selectors, flags, tags, timeouts,
 * partners and endpoints destroyed mid-IPC, FIFO order of senders,
 * capability transfer with typed items (also from queued senders and in
 * replies), the registers every IPC leaves behind (also after an error
 * that ends a blocked IPC), reply rights of callers that die or stop, FP
 * registers across calls, calls into another address space (the sigma0
 * stand-in), and the fast path against the general path: the call/reply
 * sections run once with l4_debug_fastpath(1) and once with (0), and a
 * table of 42 register-only calls is compared word by word.
 *
 * Threads here mostly run at 101, above the testroot's 100, so they run as
 * soon as they can and are blocked again by the time the testroot goes on.
 * A watchdog (util.h) ends any IPC of the testroot that blocks too long, so
 * a kernel bug fails a check instead of hanging the boot. At the end the
 * root factory's `used` is where it started.
 */
#include <stdint.h>

#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/ipc.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/mem.h>
#include <l4/sys.h>
#include <l4/task.h>
#include <l4/thread.h>

#include "area.h"
#include "tap.h"
#include "util.h"

#define SENT 0x5e5e5e5eL
#define JUNK 0xdeadbeefdeadbeefUL
#define ZERO L4_TIMEOUT_ZERO
#define NEVER L4_TIMEOUT_NEVER
#define MAIN_UTCB ((struct l4_utcb *)L4_BOOT_UTCB)
/* UTCBs of this file's threads: pages in [0x180000, 0x1c0000) of the
 * testroot, below its image (0x400000), under a page table the KIP already
 * needs, so mapping them costs no page-table memory that outlives them. */
#define UTCB_FIRST 0x180000UL
#define UTCB_PAGES 64

static unsigned utcb_next;

static uint64_t utcb_addr(void)
{
	return UTCB_FIRST + (utcb_next++ % UTCB_PAGES) * L4_PAGE_SIZE;
}

static uint64_t ep_new(void)
{
	uint64_t s = cap_get();

	if (l4_factory_create_endpoint(L4_CAP_FACTORY, s)) {
		cap_put(s);
		return 0;
	}
	return s;
}

static unsigned type_of(uint64_t sel)
{
	unsigned t = 99, r = 0;

	l4_task_cap_info(L4_CAP_TASK, sel, &t, &r);
	return t;
}

static unsigned rights_of(uint64_t sel)
{
	unsigned t = 0, r = 99;

	l4_task_cap_info(L4_CAP_TASK, sel, &t, &r);
	return r;
}

/* One IPC of the testroot, under the watchdog. */
static long ipc(uint64_t flags, uint64_t sel, unsigned sto, unsigned rto, uint64_t tag, struct l4_msg *m)
{
	wd_arm(WD_US);
	long r = l4_ipc(l4_ipc_word(flags, sel, sto, rto), tag, m);
	wd_disarm();
	return r;
}

/* The same with a message of junk (for calls whose words do not matter). */
static long ipc0(uint64_t flags, uint64_t sel, unsigned sto, unsigned rto, uint64_t tag)
{
	struct l4_msg m = { { JUNK, JUNK, JUNK, JUNK, JUNK, JUNK }, JUNK };

	return ipc(flags, sel, sto, rto, tag, &m);
}

/* A word pattern: message word i of message `salt`. */
static uint64_t pat(unsigned salt, unsigned i)
{
	return 0x0101010101010101UL * (i + 1) ^ (uint64_t)salt << 40 ^ 0x8000000000000000UL;
}

/* ---- a receiver thread: receives in a loop and records the last message ---- */

struct rx {
	uint64_t ep;                    /* in: where to receive */
	unsigned rto;                   /* in: receive timeout */
	struct l4_utcb *u;              /* in: its UTCB (or NULL) */
	volatile int n;                 /* messages (and errors) received */
	volatile long r;                /* the last result */
	uint64_t badge;
	uint64_t w[L4_MSG_WORDS];       /* the last message's words (registers, then the UTCB) */
};

static void rx_loop(void *arg)
{
	struct rx *x = arg;

	for (;;) {
		struct l4_msg m = { { JUNK, JUNK, JUNK, JUNK, JUNK, JUNK }, JUNK };
		long r = l4_ipc(l4_ipc_word(L4_IPC_RECV, x->ep, NEVER, x->rto), 0, &m);

		x->badge = m.badge;
		for (unsigned i = 0; i < L4_MSG_REG_WORDS; i++)
			x->w[i] = m.mr[i];
		if (r >= 0 && x->u) {
			unsigned all = l4_tag_words((uint64_t)r) + L4_ITEM_WORDS * l4_tag_items((uint64_t)r);
			for (unsigned i = L4_MSG_REG_WORDS; i < all && i < L4_MSG_WORDS; i++)
				x->w[i] = x->u->mr[i];
		}
		x->r = r;
		x->n++;
		if (r < 0)
			return;
	}
}

/* Start a receiver at priority prio (with a UTCB if utcb), receive timeout rto. */
static uint64_t rx_start(struct rx *x, uint64_t ep, unsigned prio, int utcb, unsigned rto)
{
	uint64_t a = utcb ? utcb_addr() : 0;

	*x = (struct rx){ .ep = ep, .rto = rto, .u = (struct l4_utcb *)a, .r = SENT };
	return thread_spawn_cfg(rx_loop, x, prio, a, 0);
}

/* Words 0..n-1 of x are pat(salt, i), 0 beyond the count up to MR5. */
static bool rx_words(const struct rx *x, unsigned salt, unsigned n)
{
	for (unsigned i = 0; i < L4_MSG_WORDS; i++) {
		if (i < n && x->w[i] != pat(salt, i))
			return false;
		if (i >= n && i < L4_MSG_REG_WORDS && x->w[i] != 0)
			return false;
	}
	return true;
}

/* ---- a sender thread: one IPC with a given word and tag, recorded ---- */

struct tx {
	uint64_t word, tag;
	struct l4_utcb *u;
	unsigned salt;
	volatile long r;
	volatile int done;
	struct l4_msg m;
};

static void tx_once(void *arg)
{
	struct tx *t = arg;
	unsigned n = l4_tag_words(t->tag);

	for (unsigned i = 0; i < L4_MSG_REG_WORDS; i++)
		t->m.mr[i] = pat(t->salt, i);
	for (unsigned i = L4_MSG_REG_WORDS; t->u && i < n && i < L4_MSG_WORDS; i++)
		t->u->mr[i] = pat(t->salt, i);
	t->r = l4_ipc(t->word, t->tag, &t->m);
	t->done = 1;
}

static uint64_t tx_start(struct tx *t, uint64_t word, uint64_t tag, unsigned salt, unsigned prio, int utcb)
{
	uint64_t a = utcb ? utcb_addr() : 0;

	*t = (struct tx){ .word = word, .tag = tag, .u = (struct l4_utcb *)a, .salt = salt, .r = SENT };
	return thread_spawn_cfg(tx_once, t, prio, a, 0);
}

/* The testroot sends n words of pat(salt) (MR6.. from its UTCB). */
static long send_pat(uint64_t flags, uint64_t sel, unsigned sto, uint64_t label, unsigned n, unsigned items,
		     unsigned salt)
{
	struct l4_msg m;

	for (unsigned i = 0; i < L4_MSG_REG_WORDS; i++)
		m.mr[i] = pat(salt, i);
	for (unsigned i = L4_MSG_REG_WORDS; i < n && i < L4_MSG_WORDS; i++)
		MAIN_UTCB->mr[i] = pat(salt, i);
	return ipc(flags, sel, sto, NEVER, l4_tag(label, n, items), &m);
}

/* ---- send and receive ---- */

static void test_send_receive(void)
{
	static struct rx x, y;
	static struct tx t;
	uint64_t ep = ep_new(), ep2 = ep_new();

	tap_note("ipc: send and receive");
	uint64_t th = rx_start(&x, ep, 101, 1, NEVER);
	tap_ok(ep && th && state_of(th) == L4_THREAD_BLOCKED && x.n == 0,
	       "a receiver (priority 101, with a UTCB) blocks on a new endpoint");

	static const unsigned sizes[] = { 0, 1, 6, 7, 64 };
	for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		unsigned n = sizes[k], before = (unsigned)x.n;
		long r = send_pat(L4_IPC_SEND, ep, ZERO, 0x40 + n, n, 0, n);
		tap_eq(r, 0, n == 0 ? "send 0 words to the waiting receiver (zero timeout): tag 0" :
			     n == 1 ? "send 1 word: tag 0" : n == 6 ? "send 6 words: tag 0" :
			     n == 7 ? "send 7 words: tag 0" : "send 64 words: tag 0");
		tap_ok(x.n == (int)before + 1 && x.r == (long)l4_tag(0x40 + n, n, 0),
		       "... it received once, with tag label %#x, %u words (tag %#lx)", 0x40 + n, n, (unsigned long)x.r);
		tap_ok(rx_words(&x, n, n), "... the %u words arrived%s, MR%u..MR5 are 0", n,
		       n > 6 ? " (MR6.. through the UTCBs)" : "", n < 6 ? n : 6);
		tap_eq((long)x.badge, 0, "... a7 = 0 (the badge of an unbadged capability)");
	}

	/* Sizes that do not fit. */
	int before = x.n;
	tap_eq(send_pat(L4_IPC_SEND, ep, ZERO, 1, 65, 0, 1), -L4_EMSGSIZE, "send 65 words: EMSGSIZE");
	tap_eq(send_pat(L4_IPC_SEND, ep, ZERO, 1, 127, 0, 1), -L4_EMSGSIZE, "send 127 words: EMSGSIZE");
	MAIN_UTCB->mr[63] = l4_item_cap(L4_RIGHTS_ALL, 0);
	tap_eq(send_pat(L4_IPC_SEND, ep, ZERO, 1, 63, 1, 1), -L4_EMSGSIZE, "send 63 words + 1 item (65 words): EMSGSIZE");
	tap_eq(send_pat(L4_IPC_SEND, ep, ZERO, 1, 0, 33, 1), -L4_EMSGSIZE, "send 0 words + 33 items (66 words): EMSGSIZE");
	tap_ok(x.n == before && state_of(th) == L4_THREAD_BLOCKED, "... the receiver got none of them and still waits");

	uint64_t s = tx_start(&t, l4_ipc_word(L4_IPC_SEND, ep, ZERO, NEVER), l4_tag(1, 7, 0), 7, 101, 0);
	tap_ok(s && t.done && t.r == -L4_EMSGSIZE, "a sender without a UTCB sends 7 words: EMSGSIZE (%ld)", t.r);
	thread_del(s);
	s = tx_start(&t, l4_ipc_word(L4_IPC_SEND, ep, ZERO, NEVER), l4_tag(1, 6, 0), 6, 101, 0);
	tap_ok(s && t.done && t.r >= 0 && x.n == before + 1 && rx_words(&x, 6, 6),
	       "... 6 words from it arrive (%ld)", t.r);
	thread_del(s);

	before = x.n;
	uint64_t th2 = rx_start(&y, ep2, 101, 0, NEVER);
	tap_eq(send_pat(L4_IPC_SEND, ep2, ZERO, 1, 7, 0, 3), -L4_EMSGSIZE,
	       "send 7 words to a receiver without a UTCB: EMSGSIZE");
	tap_ok(y.n == 0 && state_of(th2) == L4_THREAD_BLOCKED, "... the receiver got nothing and still waits");
	tap_ok(send_pat(L4_IPC_SEND, ep2, ZERO, 2, 6, 0, 4) >= 0 && y.n == 1 && y.r == (long)l4_tag(2, 6, 0) &&
	       rx_words(&y, 4, 6), "... then 6 words reach it");
	thread_del(th2);
	thread_del(th);
	obj_del(ep);
	obj_del(ep2);
}

/* ---- errors of the syscall word, the tag, the selector, rights, types ---- */

static void test_errors(void)
{
	static struct rx x;
	uint64_t ep = ep_new(), empty = cap_get();
	uint64_t no_w = copy_of(ep, L4_RIGHTS_ALL & ~L4_RIGHT_W, 0), no_r = copy_of(ep, L4_RIGHTS_ALL & ~L4_RIGHT_R, 0);

	tap_note("ipc: errors");
	uint64_t th = rx_start(&x, ep, 101, 1, NEVER);
	tap_ok(th && no_w && no_r && state_of(th) == L4_THREAD_BLOCKED, "a receiver waits on an endpoint");

	tap_eq(ipc0(L4_IPC_SEND, no_w, ZERO, NEVER, 0), -L4_EPERM, "send through a capability without W: EPERM");
	tap_eq(ipc0(L4_IPC_CALL, no_w, ZERO, ZERO, 0), -L4_EPERM, "call through a capability without W: EPERM");
	tap_eq(ipc0(L4_IPC_RECV, no_r, NEVER, ZERO, 0), -L4_EPERM, "receive through a capability without R: EPERM");
	tap_eq(ipc0(L4_IPC_REPLY_WAIT, no_r, NEVER, ZERO, 0), -L4_EPERM,
	       "reply-and-wait (no caller) through a capability without R: EPERM");
	tap_ok(ipc0(L4_IPC_SEND, no_r, ZERO, NEVER, 0) >= 0 && x.n == 1, "send through the capability without R: ok");

	tap_eq(ipc0(L4_IPC_SEND, L4_CAP_TASK, ZERO, NEVER, 0), -L4_ETYPE, "send (not call) to a task: ETYPE");
	tap_eq(ipc0(L4_IPC_SEND, L4_CAP_FACTORY, ZERO, NEVER, 0), -L4_ETYPE, "send to a factory: ETYPE");
	tap_eq(ipc0(L4_IPC_SEND, L4_CAP_THREAD, ZERO, NEVER, 0), -L4_ETYPE, "send to a thread: ETYPE");
	tap_eq(ipc0(L4_IPC_RECV, L4_CAP_TASK, NEVER, ZERO, 0), -L4_ETYPE, "receive from a task: ETYPE");
	tap_eq(ipc0(L4_IPC_RECV, L4_CAP_FACTORY, NEVER, ZERO, 0), -L4_ETYPE, "receive from a factory: ETYPE");
	tap_eq(ipc0(L4_IPC_RECV, L4_CAP_THREAD, NEVER, ZERO, 0), -L4_ETYPE, "receive from a thread: ETYPE");
	tap_eq(ipc0(L4_IPC_REPLY_WAIT, L4_CAP_FACTORY, NEVER, ZERO, 0), -L4_ETYPE,
	       "reply-and-wait (no caller) on a factory: ETYPE");

	tap_eq(ipc0(L4_IPC_SEND, 0, ZERO, NEVER, 0), -L4_EBADCAP, "send to selector 0: EBADCAP");
	tap_eq(ipc0(L4_IPC_SEND, empty, ZERO, NEVER, 0), -L4_EBADCAP, "send to an empty slot: EBADCAP");
	tap_eq(ipc0(L4_IPC_SEND, 1UL << L4_ROOTTASK_CAPS_LOG2, ZERO, NEVER, 0), -L4_EBADCAP,
	       "send to selector 4096 (beyond the table): EBADCAP");
	tap_eq(ipc0(L4_IPC_SEND, L4_SEL_MAX, ZERO, NEVER, 0), -L4_EBADCAP, "send to selector 2^20-1: EBADCAP");
	tap_eq(ipc0(L4_IPC_CALL, empty, ZERO, ZERO, 0), -L4_EBADCAP, "call an empty slot: EBADCAP");
	tap_eq(ipc0(L4_IPC_RECV, empty, NEVER, ZERO, 0), -L4_EBADCAP, "receive from an empty slot: EBADCAP");
	tap_eq(ipc0(L4_IPC_RECV, L4_SEL_MAX, NEVER, ZERO, 0), -L4_EBADCAP, "receive from selector 2^20-1: EBADCAP");

	/* Bad syscall words: zero timeouts everywhere, so a kernel that takes
	 * them returns ETIMEDOUT or delivers rather than hangs. */
	tap_eq(ipc0(0, ep, ZERO, ZERO, 0), -L4_EINVAL, "IPC with no flags: EINVAL");
	tap_eq(ipc0(L4_IPC_REPLY | L4_IPC_SEND, ep, ZERO, ZERO, 0), -L4_EINVAL, "flags REPLY|SEND: EINVAL");
	tap_eq(ipc0(L4_IPC_REPLY | L4_IPC_CALL, ep, ZERO, ZERO, 0), -L4_EINVAL, "flags REPLY|SEND|RECV: EINVAL");
	tap_eq(ipc0(L4_IPC_SEND | 1UL << 7, ep, ZERO, ZERO, 0), -L4_EINVAL, "flags SEND | bit 7 (unknown): EINVAL");
	tap_eq(ipc0(L4_IPC_SEND | 1UL << 11, ep, ZERO, ZERO, 0), -L4_EINVAL, "flags SEND | bit 11 (unknown): EINVAL");
	tap_eq(ipc0(1UL << 7, ep, ZERO, ZERO, 0), -L4_EINVAL, "flags = bit 7 alone: EINVAL");
	tap_eq(ipc0(L4_IPC_SEND, ep, ZERO | 0x8000, ZERO, 0), -L4_EINVAL, "send timeout with bit 15: EINVAL");
	tap_eq(ipc0(L4_IPC_RECV, empty, NEVER, ZERO | 0x8000, 0), -L4_EINVAL,
	       "receive timeout with bit 15: EINVAL (before the selector)");
	tap_eq(ipc0(L4_IPC_CALL, ep, ZERO, 0x8000 | l4_timeout_us(1000), 0), -L4_EINVAL,
	       "call with bit 15 in the receive timeout: EINVAL");
	tap_eq(ipc0(L4_IPC_RECV, ep, 0x8000 | ZERO, ZERO, 0), -L4_EINVAL,
	       "receive with bit 15 in the (unused) send timeout: EINVAL");
	tap_eq(ipc0(L4_IPC_SEND, ep, ZERO, ZERO, 1UL << 48), -L4_EINVAL, "send a tag with bit 48: EINVAL");
	tap_eq(ipc0(L4_IPC_SEND, ep, ZERO, ZERO, 1UL << 63 | 1), -L4_EINVAL, "send a tag with bit 63: EINVAL");
	tap_eq(ipc0(L4_IPC_SEND, ep, ZERO, ZERO, L4_TAG_NOTIFY), -L4_EINVAL, "send a tag with flag NOTIFY: EINVAL");
	tap_eq(ipc0(L4_IPC_SEND, ep, ZERO, ZERO, 1UL << 15 | 2), -L4_EINVAL, "send a tag with flag bit 15: EINVAL");
	tap_ok(x.n == 1 && state_of(th) == L4_THREAD_BLOCKED, "... none of these reached the receiver (%d)", x.n);

	tap_eq(ipc0(L4_IPC_REPLY, 0, NEVER, NEVER, 0), -L4_EINVAL, "reply without a caller: EINVAL");
	tap_eq(ipc0(L4_IPC_REPLY, ep, NEVER, NEVER, l4_tag(0, 2, 0)), -L4_EINVAL,
	       "reply (selector ignored) without a caller: EINVAL");
	thread_del(th);

	/* reply-and-wait without a caller skips the reply and receives. */
	tap_eq(ipc0(L4_IPC_REPLY_WAIT, ep, NEVER, ZERO, l4_tag(3, 1, 0)), -L4_ETIMEDOUT,
	       "reply-and-wait without a caller, nobody sending, zero timeout: ETIMEDOUT (it received)");
	static struct tx t;
	uint64_t s = tx_start(&t, l4_ipc_word(L4_IPC_SEND, ep, NEVER, NEVER), l4_tag(9, 2, 0), 9, 101, 0);
	tap_ok(s && !t.done && state_of(s) == L4_THREAD_BLOCKED, "a sender blocks on the endpoint");
	struct l4_msg m = { { JUNK, JUNK, JUNK, JUNK, JUNK, JUNK }, JUNK };
	long r = ipc(L4_IPC_REPLY_WAIT, ep, NEVER, NEVER, l4_tag(3, 1, 0), &m);
	tap_ok(r == (long)l4_tag(9, 2, 0) && m.mr[0] == pat(9, 0) && m.mr[1] == pat(9, 1) && m.mr[2] == 0 &&
	       m.badge == 0, "reply-and-wait without a caller takes its message (tag %#lx)", (unsigned long)r);
	tap_ok(t.done && t.r >= 0, "... and the sender's send returned ok (%ld)", t.r);
	thread_del(s);
	obj_del(ep);
	cap_put(empty);
	cap_put(no_w);
	cap_put(no_r);
}

/* ---- call, reply, reply-and-wait: an echo server ---- */

struct echo {
	uint64_t ep;
	struct l4_utcb *u;
	volatile int n;
	volatile long tag;              /* last request's tag (or the error that ended the server) */
	uint64_t badge;
	uint64_t mr[L4_MSG_REG_WORDS];
};

#define ECHO_XOR 0x5a5a5a5a00000000UL

/* Replies label + 1, the same count of words XOR ECHO_XOR; junk beyond the count. */
static void echo_loop(void *arg)
{
	struct echo *e = arg;
	struct l4_msg m = { { JUNK, JUNK, JUNK, JUNK, JUNK, JUNK }, JUNK };
	long r = l4_ipc(l4_ipc_word(L4_IPC_REPLY_WAIT, e->ep, NEVER, NEVER), 0, &m);

	for (;;) {
		e->tag = r;
		if (r < 0)
			return;
		e->badge = m.badge;
		for (unsigned i = 0; i < L4_MSG_REG_WORDS; i++)
			e->mr[i] = m.mr[i];
		unsigned w = l4_tag_words((uint64_t)r);
		for (unsigned i = 0; i < L4_MSG_REG_WORDS; i++)
			m.mr[i] = i < w ? m.mr[i] ^ ECHO_XOR : JUNK;
		for (unsigned i = L4_MSG_REG_WORDS; e->u && i < w; i++)
			e->u->mr[i] ^= ECHO_XOR;
		e->n++;
		r = l4_ipc(l4_ipc_word(L4_IPC_REPLY_WAIT, e->ep, NEVER, NEVER), l4_tag(l4_tag_label((uint64_t)r) + 1, w, 0),
			   &m);
	}
}

static uint64_t echo_start(struct echo *e, uint64_t ep, unsigned prio, int utcb)
{
	uint64_t a = utcb ? utcb_addr() : 0;

	*e = (struct echo){ .ep = ep, .u = (struct l4_utcb *)a, .tag = SENT };
	return thread_spawn_cfg(echo_loop, e, prio, a, 0);
}

/* Call sel with n words of pat(salt); true if the reply is the echo. */
static bool echo_call(uint64_t sel, unsigned label, unsigned n, unsigned salt, long *tag, uint64_t *badge)
{
	struct l4_msg m;

	for (unsigned i = 0; i < L4_MSG_REG_WORDS; i++)
		m.mr[i] = pat(salt, i);
	for (unsigned i = L4_MSG_REG_WORDS; i < n; i++)
		MAIN_UTCB->mr[i] = pat(salt, i);
	m.badge = JUNK;
	long r = ipc(L4_IPC_CALL, sel, NEVER, NEVER, l4_tag(label, n, 0), &m);
	*tag = r;
	*badge = m.badge;
	if (r != (long)l4_tag(label + 1, n, 0) || m.badge != 0)
		return false;
	for (unsigned i = 0; i < L4_MSG_WORDS; i++) {
		uint64_t got = i < L4_MSG_REG_WORDS ? m.mr[i] : MAIN_UTCB->mr[i];
		if (i < n && got != (pat(salt, i) ^ ECHO_XOR))
			return false;
		if (i >= n && i < L4_MSG_REG_WORDS && got != 0)
			return false;
	}
	return true;
}

static void test_call(void)
{
	static struct echo e;
	uint64_t ep = ep_new(), bep = copy_of(ep, L4_RIGHTS_ALL, 0x4242);
	long tag;
	uint64_t badge;

	tap_note("ipc: call, reply, reply-and-wait");
	uint64_t th = echo_start(&e, ep, 101, 1);
	tap_ok(th && bep && state_of(th) == L4_THREAD_BLOCKED && e.n == 0,
	       "an echo server waits in reply-and-wait (no caller yet)");
	static const unsigned sizes[] = { 0, 1, 6, 7, 64 };
	for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		unsigned n = sizes[k];
		int before = e.n;
		bool ok = echo_call(ep, 0x100 + n, n, 20 + n, &tag, &badge);
		tap_ok(ok, "call with %u words: the reply has label + 1, %u words echoed, 0 beyond, a7 = 0 (tag %#lx)", n,
		       n, (unsigned long)tag);
		tap_ok(e.n == before + 1 && e.tag == (long)l4_tag(0x100 + n, n, 0) && e.badge == 0,
		       "... the server saw it once with the caller's tag and badge 0");
	}
	/* Every count (the general path copies the UTCB words n - 6 mod 16 one
	 * at a time and the rest sixteen a round): echoed, and the UTCB words
	 * beyond the count untouched on both sides. */
	unsigned bad = L4_MSG_WORDS + 1;
	for (unsigned n = 0; n <= L4_MSG_WORDS && bad > L4_MSG_WORDS; n++) {
		for (unsigned i = n; i < L4_MSG_WORDS; i++) {
			MAIN_UTCB->mr[i] = JUNK ^ i;
			e.u->mr[i] = ~(JUNK ^ i);
		}
		bool ok = echo_call(ep, 0x200, n, 60 + n, &tag, &badge);
		for (unsigned i = n > L4_MSG_REG_WORDS ? n : L4_MSG_REG_WORDS; i < L4_MSG_WORDS; i++)
			ok = ok && MAIN_UTCB->mr[i] == (JUNK ^ i) && e.u->mr[i] == ~(JUNK ^ i);
		if (!ok)
			bad = n;
	}
	tap_ok(bad > L4_MSG_WORDS, "calls with every count of words 0..64: echoed, the UTCB words beyond the count "
	       "untouched in the caller and the server (first wrong: %u)", bad);
	int before = e.n;
	tap_ok(echo_call(bep, 7, 2, 30, &tag, &badge), "call through a capability with badge 0x4242: echoed, a7 = 0");
	tap_ok(e.n == before + 1 && e.badge == 0x4242, "... the server saw a7 = 0x4242 (%#lx)", (unsigned long)e.badge);
	tap_ok(echo_call(ep, 8, 1, 31, &tag, &badge) && e.badge == 0, "... and 0 again through the unbadged one");

	/* A call whose receive timeout does not fire: the server replies at once. */
	struct l4_msg m = { { 1, 2 }, JUNK };
	long r = ipc(L4_IPC_CALL, ep, NEVER, l4_timeout_us(20000), l4_tag(5, 2, 0), &m);
	tap_ok(r == (long)l4_tag(6, 2, 0) && m.mr[0] == (1 ^ ECHO_XOR) && m.mr[1] == (2 ^ ECHO_XOR),
	       "a call with a 20 ms receive timeout answered at once: the reply");
	/* Zero send timeout of a call to a waiting server is fine too. */
	m = (struct l4_msg){ { 3 }, JUNK };
	r = ipc(L4_IPC_CALL, ep, ZERO, NEVER, l4_tag(5, 1, 0), &m);
	tap_ok(r == (long)l4_tag(6, 1, 0) && m.mr[0] == (3 ^ ECHO_XOR), "a call with a zero send timeout to a waiting server: the reply");

	/* Server at the same and at a lower priority. */
	thread_del(th);
	th = echo_start(&e, ep, 100, 1);
	YIELD_UNTIL(state_of(th) == L4_THREAD_BLOCKED);
	tap_ok(th && state_of(th) == L4_THREAD_BLOCKED, "an echo server at the testroot's priority waits");
	tap_ok(echo_call(ep, 3, 64, 40, &tag, &badge), "... a call with 64 words is echoed");
	thread_del(th);
	th = echo_start(&e, ep, 99, 1);
	tap_ok(th && echo_call(ep, 3, 5, 41, &tag, &badge) && e.n == 1,
	       "an echo server at priority 99 (starts only when the caller blocks) answers a call");
	thread_del(th);
	obj_del(ep);
	cap_put(bep);
}

/* ---- timeouts ---- */

struct slow {
	uint64_t ep;
	int reply_wait;                 /* reply with reply-and-wait (else REPLY, twice) */
	volatile int got, go, phase;
	volatile long rr, reply, reply2;
};

/* Receive one message, then spin (yielding) until told to reply. */
static void slow_server(void *arg)
{
	struct slow *s = arg;
	struct l4_msg m = { 0 };

	s->rr = l4_receive(s->ep, &m);
	s->got = 1;
	while (!s->go)
		l4_yield();
	m.mr[0] = 77;
	if (s->reply_wait) {
		s->phase = 2;
		s->reply = l4_reply_wait(s->ep, 0, 1, &m);
	} else {
		s->reply = l4_reply(0, 1, &m);
		s->reply2 = l4_reply(0, 1, &m);
	}
	s->phase = 1;
	for (;;)
		l4_yield();
}

/* Send one word to ep (run at a priority below the testroot: it sends
 * only once the testroot blocks). */
static void late_sender(void *arg)
{
	struct l4_msg m = { { 0x1a7e }, 0 };

	l4_send(*(uint64_t *)arg, 12, 1, &m);
}

/* Counts while it runs (below the testroot: only when the testroot blocks). */
static volatile unsigned long bumps;

static void bumper(void *arg)
{
	(void)arg;
	for (;;) {
		bumps++;
		l4_yield();
	}
}

static void test_timeouts(void)
{
	uint64_t ep = ep_new();
	static uint64_t ep_s;

	tap_note("ipc: timeouts");
	uint64_t t0 = now_us();
	tap_eq(ipc0(L4_IPC_SEND, ep, ZERO, NEVER, 0), -L4_ETIMEDOUT, "zero-timeout send, no receiver: ETIMEDOUT");
	tap_eq(ipc0(L4_IPC_RECV, ep, NEVER, ZERO, 0), -L4_ETIMEDOUT, "zero-timeout receive, no sender: ETIMEDOUT");
	tap_eq(ipc0(L4_IPC_CALL, ep, ZERO, NEVER, 0), -L4_ETIMEDOUT, "zero-timeout call, no receiver: ETIMEDOUT");
	tap_eq(ipc0(L4_IPC_SEND, ep, 0x0c00, NEVER, 0), -L4_ETIMEDOUT,
	       "send timeout with mantissa 0, exponent 3 (also zero): ETIMEDOUT");
	uint64_t dt = now_us() - t0;
	tap_ok(dt < SLOW_HOST_US, "... all four at once (%lu us; a blocked one would never return)", (unsigned long)dt);
	bumps = 0;
	uint64_t b = thread_spawn(bumper, 0, 99);
	long z1 = ipc0(L4_IPC_RECV, ep, NEVER, ZERO, 0), z2 = ipc0(L4_IPC_SEND, ep, 0x7c00, NEVER, 0);
	tap_ok(b && z1 == -L4_ETIMEDOUT && z2 == -L4_ETIMEDOUT && bumps == 0,
	       "zero timeouts do not block at all: a ready thread at 99 did not run meanwhile (%lu)", bumps);
	thread_del(b);

	t0 = now_us();
	long r = ipc0(L4_IPC_RECV, ep, NEVER, l4_timeout_us(20000), 0);
	dt = now_us() - t0;
	tap_eq(r, -L4_ETIMEDOUT, "a receive with a 20 ms timeout and no sender: ETIMEDOUT");
	tap_ok(dt >= 19990 && dt < SLOW_HOST_US, "... after about 20 ms (%lu us)", (unsigned long)dt);
	t0 = now_us();
	r = ipc0(L4_IPC_SEND, ep, l4_timeout_us(10000), NEVER, 0);
	dt = now_us() - t0;
	tap_ok(r == -L4_ETIMEDOUT && dt >= 9990 && dt < SLOW_HOST_US,
	       "a send with a 10 ms timeout and no receiver: ETIMEDOUT after %lu us", (unsigned long)dt);
	tap_eq(ipc0(L4_IPC_RECV, ep, NEVER, ZERO, 0), -L4_ETIMEDOUT, "... it left the queue: a receive finds no sender");
	r = ipc0(L4_IPC_RECV, ep, NEVER, l4_timeout_us(5000), 0);
	tap_ok(r == -L4_ETIMEDOUT && ipc0(L4_IPC_SEND, ep, ZERO, NEVER, 0) == -L4_ETIMEDOUT,
	       "a receive that timed out left the queue too: a zero-timeout send finds no receiver");
	t0 = now_us();
	r = ipc0(L4_IPC_RECV, ep, NEVER, 14U << 10 | 1, 0);
	dt = now_us() - t0;
	tap_ok(r == -L4_ETIMEDOUT && dt >= 16374 && dt < SLOW_HOST_US,
	       "a receive timeout of mantissa 1, exponent 14 (16384 us): ETIMEDOUT after %lu us", (unsigned long)dt);
	t0 = now_us();
	r = ipc0(L4_IPC_RECV, ep, NEVER, 0U << 10 | 1000, 0);
	dt = now_us() - t0;
	tap_ok(r == -L4_ETIMEDOUT && dt >= 990 && dt < SLOW_HOST_US,
	       "a receive timeout of mantissa 1000, exponent 0 (1 ms): ETIMEDOUT after %lu us", (unsigned long)dt);
	t0 = now_us();
	r = ipc0(L4_IPC_CALL, ep, l4_timeout_us(10000), NEVER, 0);
	dt = now_us() - t0;
	tap_ok(r == -L4_ETIMEDOUT && dt >= 9990 && dt < SLOW_HOST_US,
	       "a call with a 10 ms send timeout and no receiver: ETIMEDOUT after %lu us", (unsigned long)dt);

	ep_s = ep;
	uint64_t s = thread_spawn(late_sender, &ep_s, 99);
	struct l4_msg m = { { JUNK }, JUNK };
	t0 = now_us();
	r = ipc(L4_IPC_RECV, ep, NEVER, l4_timeout_us(20000), 0, &m);
	dt = now_us() - t0;
	tap_ok(s && r == (long)l4_tag(12, 1, 0) && m.mr[0] == 0x1a7e,
	       "a receive with a 20 ms timeout gets a sender that comes in time (%lu us)", (unsigned long)dt);
	t0 = now_us();
	r = ipc0(L4_IPC_RECV, ep, NEVER, l4_timeout_us(30000), 0);
	dt = now_us() - t0;
	tap_ok(r == -L4_ETIMEDOUT && dt >= 29990,
	       "... the timeout that did not fire does not cut the next 30 ms receive short (%lu us)", (unsigned long)dt);
	thread_del(s);

	/* A call whose server never replies. */
	static struct slow sl;
	sl = (struct slow){ .ep = ep, .rr = SENT, .reply = SENT };
	s = thread_spawn(slow_server, &sl, 100);
	YIELD_UNTIL(state_of(s) == L4_THREAD_BLOCKED);
	tap_ok(s && state_of(s) == L4_THREAD_BLOCKED, "a server at priority 100 waits");
	t0 = now_us();
	r = ipc0(L4_IPC_CALL, ep, NEVER, l4_timeout_us(20000), l4_tag(1, 1, 0));
	dt = now_us() - t0;
	tap_ok(sl.got && sl.rr == (long)l4_tag(1, 1, 0), "... it received the call");
	tap_eq(r, -L4_ETIMEDOUT, "the call's 20 ms receive timeout fires when the server does not reply");
	tap_ok(dt >= 19990 && dt < SLOW_HOST_US, "... after about 20 ms (%lu us)", (unsigned long)dt);
	sl.go = 1;
	YIELD_UNTIL(sl.phase == 1);
	tap_ok(sl.phase == 1 && sl.reply == -L4_EINVAL, "the server's late reply: EINVAL (no caller any more) (%ld)",
	       sl.reply);
	tap_eq(ipc0(L4_IPC_RECV, ep, NEVER, ZERO, 0), -L4_ETIMEDOUT, "... and nothing arrives for the testroot");
	thread_del(s);

	/* Threads blocked with a timeout that are destroyed, cancelled or stopped. */
	static struct rx x;
	uint64_t ep2 = ep_new();
	s = rx_start(&x, ep, 101, 0, l4_timeout_us(50000));
	tap_ok(s && state_of(s) == L4_THREAD_BLOCKED, "a receiver with a 50 ms timeout blocks");
	thread_del(s);
	r = ipc0(L4_IPC_RECV, ep, NEVER, l4_timeout_us(80000), 0);
	tap_eq(r, -L4_ETIMEDOUT, "it is destroyed; 80 ms later (its timeout long past) all is well");
	s = rx_start(&x, ep2, 101, 0, l4_timeout_us(50000));
	l4_factory_destroy(L4_CAP_FACTORY, ep2);
	tap_ok(s && x.n == 1 && x.r == -L4_ECANCELED, "another one's endpoint is destroyed: ECANCELED (%ld)", x.r);
	ipc0(L4_IPC_RECV, ep, NEVER, l4_timeout_us(80000), 0);
	tap_ok(x.n == 1 && x.r == -L4_ECANCELED, "... its timeout does not end anything later (%d, %ld)", x.n, x.r);
	thread_del(s);
	s = rx_start(&x, ep, 101, 0, l4_timeout_us(50000));
	l4_thread_stop(s);
	ipc0(L4_IPC_RECV, ep, NEVER, l4_timeout_us(80000), 0);
	tap_ok(s && x.n == 0 && state_of(s) == L4_THREAD_INACTIVE,
	       "a third one is stopped; 80 ms later (past its timeout) it is still stopped, its receive not returned");
	struct l4_exregs xr = { .flags = L4_EXREGS_START };
	l4_thread_exregs(s, &xr);
	YIELD_UNTIL(x.n == 1);
	tap_ok(x.n == 1 && x.r == -L4_ECANCELED, "... started again, its receive returns ECANCELED (%ld)", x.r);
	thread_del(s);
	cap_put(ep2);
	obj_del(ep);
}

/* ---- partners and endpoints destroyed mid-IPC ---- */

static void test_cancel(void)
{
	uint64_t ep = ep_new(), ep2 = ep_new(), ep3 = ep_new();
	static struct slow sl;
	static struct tx c, snd, cl;
	static struct rx x;

	tap_note("ipc: partners and endpoints destroyed mid-IPC");
	sl = (struct slow){ .ep = ep, .rr = SENT, .reply = SENT };
	uint64_t s = thread_spawn(slow_server, &sl, 100);
	yield_n(1);
	uint64_t ct = tx_start(&c, l4_ipc_word(L4_IPC_CALL, ep, NEVER, NEVER), l4_tag(1, 1, 0), 1, 101, 0);
	YIELD_UNTIL(sl.got && state_of(ct) == L4_THREAD_BLOCKED);
	tap_ok(s && ct && sl.got && !c.done && state_of(ct) == L4_THREAD_BLOCKED,
	       "a client (101) calls a server (100) that received and does not reply: the client waits");
	thread_del(s);
	tap_ok(c.done && c.r == -L4_ECANCELED, "destroying the server: the client's call returns ECANCELED (%ld)", c.r);
	thread_del(ct);

	uint64_t rt = rx_start(&x, ep2, 101, 0, NEVER);
	uint64_t st = tx_start(&snd, l4_ipc_word(L4_IPC_SEND, ep3, NEVER, NEVER), l4_tag(1, 1, 0), 2, 101, 0);
	ct = tx_start(&cl, l4_ipc_word(L4_IPC_CALL, ep3, NEVER, NEVER), l4_tag(1, 1, 0), 3, 101, 0);
	tap_ok(rt && st && ct && state_of(rt) == L4_THREAD_BLOCKED && state_of(st) == L4_THREAD_BLOCKED &&
	       state_of(ct) == L4_THREAD_BLOCKED, "a receiver, a sender and a caller block on endpoints");
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, ep2), 0, "destroy the receiver's endpoint");
	tap_ok(x.n == 1 && x.r == -L4_ECANCELED, "... its receive returns ECANCELED (%ld)", x.r);
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, ep3), 0, "destroy the endpoint of the sender and the caller");
	tap_ok(snd.done && snd.r == -L4_ECANCELED, "... the send returns ECANCELED (%ld)", snd.r);
	tap_ok(cl.done && cl.r == -L4_ECANCELED, "... the call returns ECANCELED (%ld)", cl.r);
	thread_del(rt);
	thread_del(st);
	thread_del(ct);
	cap_put(ep2);
	cap_put(ep3);
	obj_del(ep);
}

/* ---- FIFO order of blocked senders ---- */

static void test_fifo(void)
{
	uint64_t ep = ep_new();
	static struct tx t[3];
	uint64_t th[3];
	bool order = true, done = true;

	tap_note("ipc: senders queue in FIFO order");
	for (unsigned i = 0; i < 3; i++)
		th[i] = tx_start(&t[i], l4_ipc_word(i == 1 ? L4_IPC_CALL : L4_IPC_SEND, ep, NEVER, NEVER),
				 l4_tag(0x50 + i, 2, 0), 50 + i, 101, 0);
	tap_ok(th[0] && th[1] && th[2] && state_of(th[0]) == L4_THREAD_BLOCKED && state_of(th[1]) == L4_THREAD_BLOCKED &&
	       state_of(th[2]) == L4_THREAD_BLOCKED, "three senders (the second a caller) block on an endpoint");
	for (unsigned i = 0; i < 3; i++) {
		struct l4_msg m = { { JUNK }, JUNK };
		long r = ipc(L4_IPC_RECV, ep, NEVER, ZERO, 0, &m);
		if (r != (long)l4_tag(0x50 + i, 2, 0) || m.mr[0] != pat(50 + i, 0) || m.mr[1] != pat(50 + i, 1) ||
		    m.mr[2] != 0)
			order = false;
		if (i == 1) {
			m.mr[0] = 0xca11;
			tap_eq(ipc(L4_IPC_REPLY, 0, NEVER, NEVER, l4_tag(0, 1, 0), &m), 0, "reply to the caller: 0");
		}
	}
	for (unsigned i = 0; i < 3; i++)
		done = done && t[i].done && t[i].r >= 0;
	tap_ok(order, "a later receiver takes them in the order they came, each with its words");
	tap_ok(done, "... and each send returned ok");
	tap_ok(t[1].r == (long)l4_tag(0, 1, 0) && t[1].m.mr[0] == 0xca11 && t[1].m.badge == 0,
	       "... the caller got the reply (%#lx)", (unsigned long)t[1].r);
	tap_eq(ipc0(L4_IPC_RECV, ep, NEVER, ZERO, 0), -L4_ETIMEDOUT, "... the queue is empty then");
	for (unsigned i = 0; i < 3; i++)
		thread_del(th[i]);
	obj_del(ep);
}

/* ---- capability transfer ---- */

/* A server that answers a call with a capability item (MR0 = 1: delegate
 * the selector in MR1 with mask MR2) or with plain words, and when a reply
 * fails it records why and replies again without items. */
struct isrv {
	uint64_t ep;
	struct l4_utcb *u;
	volatile int n;
	volatile long tag, fail;
	uint64_t w[8];
};

static void isrv_loop(void *arg)
{
	struct isrv *s = arg;
	struct l4_msg m = { 0 };
	long r = l4_ipc(l4_ipc_word(L4_IPC_REPLY_WAIT, s->ep, NEVER, NEVER), 0, &m);

	for (;;) {
		s->tag = r;
		if (r < 0)
			return;
		s->n++;
		for (unsigned i = 0; i < L4_MSG_REG_WORDS; i++)
			s->w[i] = m.mr[i];
		uint64_t tag = l4_tag(0x77, 1, 0);
		if (m.mr[0] == 1) {
			uint64_t sel = m.mr[1], mask = m.mr[2];
			m.mr[0] = 0x17e;
			m.mr[1] = l4_item_cap((unsigned)mask, 0);
			m.mr[2] = sel;
			tag = l4_tag(0x77, 1, 1);
		} else {
			m.mr[0] = 0x5e7;
		}
		r = l4_ipc(l4_ipc_word(L4_IPC_REPLY, 0, NEVER, NEVER), tag, &m);
		if (r < 0) {
			s->fail = r;
			m.mr[0] = 0xbad;
			l4_ipc(l4_ipc_word(L4_IPC_REPLY, 0, NEVER, NEVER), l4_tag(0xbad, 1, 0), &m);
		}
		r = l4_ipc(l4_ipc_word(L4_IPC_RECV, s->ep, NEVER, NEVER), 0, &m);
	}
}

/* Send a message of `words` words of pat(salt) and the items (pairs of
 * words) through sel with a zero send timeout. */
static long send_items(uint64_t flags, uint64_t sel, unsigned words, unsigned items, const uint64_t *iw,
		       unsigned salt, struct l4_msg *out)
{
	struct l4_msg m;
	uint64_t all[L4_MSG_WORDS];

	for (unsigned i = 0; i < words; i++)
		all[i] = pat(salt, i);
	for (unsigned i = 0; i < 2 * items; i++)
		all[words + i] = iw[i];
	for (unsigned i = 0; i < L4_MSG_REG_WORDS; i++)
		m.mr[i] = i < words + 2 * items ? all[i] : JUNK;
	for (unsigned i = L4_MSG_REG_WORDS; i < words + 2 * items; i++)
		MAIN_UTCB->mr[i] = all[i];
	m.badge = JUNK;
	long r = ipc(flags, sel, ZERO, NEVER, l4_tag(0x17, words, items), &m);
	if (out)
		*out = m;
	return r;
}

static void test_items(void)
{
	static struct rx x;
	static struct isrv is;
	uint64_t ep = ep_new(), obj = ep_new(), base = cap_get(), base1 = cap_get(), base2 = cap_get();
	uint64_t no_g = copy_of(ep, L4_RIGHTS_ALL & ~L4_RIGHT_G, 0), empty = cap_get();
	uint64_t iw[4];

	tap_note("ipc: capability transfer");
	uint64_t th = rx_start(&x, ep, 101, 1, NEVER);
	tap_ok(th && no_g && base && base1 == base + 1 && base2 == base + 2 && state_of(th) == L4_THREAD_BLOCKED,
	       "a receiver with a UTCB waits; slots %lu.. are free for its window", (unsigned long)base);
	x.u->rcv_caps = l4_rcv_caps(base, 1);

	/* Delegate with reduced rights. */
	iw[0] = l4_item_cap(L4_RIGHT_R | L4_RIGHT_W, 0);
	iw[1] = obj;
	tap_ok(send_items(L4_IPC_SEND, ep, 1, 1, iw, 60, NULL) >= 0, "send 1 word + a delegate item (mask RW): ok");
	tap_ok(x.n == 1 && x.r == (long)l4_tag(0x17, 1, 1) && x.w[0] == pat(60, 0),
	       "... the receiver got 1 word and 1 item (tag %#lx)", (unsigned long)x.r);
	tap_ok(x.w[1] == (L4_ITEM_CAP | (uint64_t)(L4_RIGHT_R | L4_RIGHT_W) << L4_ITEM_RIGHTS_SHIFT) && x.w[2] == base,
	       "... the item rewritten: type CAP, rights RW received, slot %lu (%#lx, %lu)", (unsigned long)base,
	       (unsigned long)x.w[1], (unsigned long)x.w[2]);
	tap_ok(type_of(base) == L4_OBJ_ENDPOINT && rights_of(base) == (L4_RIGHT_R | L4_RIGHT_W),
	       "... the window's slot holds an endpoint capability with rights RW");
	tap_ok(type_of(obj) == L4_OBJ_ENDPOINT && rights_of(obj) == L4_RIGHTS_ALL, "... the sender's capability is unchanged");
	l4_task_cap_delete(L4_CAP_TASK, base);

	/* Rights received = source rights & mask. */
	uint64_t part = copy_of(obj, L4_RIGHT_R | L4_RIGHT_W | L4_RIGHT_G, 0);
	iw[0] = l4_item_cap(L4_RIGHT_W | L4_RIGHT_G | L4_RIGHT_D, 0);
	iw[1] = part;
	tap_ok(send_items(L4_IPC_SEND, ep, 0, 1, iw, 61, NULL) >= 0 && x.n == 2 &&
	       x.w[0] == (L4_ITEM_CAP | (uint64_t)(L4_RIGHT_W | L4_RIGHT_G) << L4_ITEM_RIGHTS_SHIFT) &&
	       rights_of(base) == (L4_RIGHT_W | L4_RIGHT_G),
	       "an RWG capability sent with mask WGD arrives with WG (item word %#lx)", (unsigned long)x.w[0]);
	l4_task_cap_delete(L4_CAP_TASK, base);

	/* Grant. */
	iw[0] = l4_item_cap(L4_RIGHTS_ALL, 1);
	iw[1] = part;
	tap_ok(send_items(L4_IPC_SEND, ep, 2, 1, iw, 62, NULL) >= 0 && x.n == 3 && x.r == (long)l4_tag(0x17, 2, 1) &&
	       x.w[2] == (L4_ITEM_CAP | L4_ITEM_GRANT | (uint64_t)(L4_RIGHT_R | L4_RIGHT_W | L4_RIGHT_G) << L4_ITEM_RIGHTS_SHIFT) &&
	       x.w[3] == base, "grant an RWG capability: the item says GRANT, rights RWG, slot %lu", (unsigned long)base);
	tap_ok(type_of(part) == L4_OBJ_NONE && type_of(base) == L4_OBJ_ENDPOINT &&
	       rights_of(base) == (L4_RIGHT_R | L4_RIGHT_W | L4_RIGHT_G), "... the source slot is empty, the window's slot holds it");
	l4_task_cap_delete(L4_CAP_TASK, base);

	/* Two items into a window of three; the badge of a badged capability is kept. */
	uint64_t bobj = copy_of(obj, L4_RIGHTS_ALL, 0x77);
	x.u->rcv_caps = l4_rcv_caps(base, 3);
	iw[0] = l4_item_cap(L4_RIGHT_W, 0);
	iw[1] = bobj;
	iw[2] = l4_item_cap(L4_RIGHT_R, 0);
	iw[3] = L4_CAP_FACTORY;
	tap_ok(send_items(L4_IPC_SEND, ep, 5, 2, iw, 63, NULL) >= 0 && x.n == 4 && x.r == (long)l4_tag(0x17, 5, 2) &&
	       x.w[4] == pat(63, 4) && x.w[6] == base && x.w[8] == base1,
	       "5 words + 2 items (MR5..MR8, partly in the UTCBs): they land in slots base and base + 1");
	tap_ok(type_of(base) == L4_OBJ_ENDPOINT && rights_of(base) == L4_RIGHT_W && type_of(base1) == L4_OBJ_FACTORY &&
	       rights_of(base1) == L4_RIGHT_R && type_of(base2) == L4_OBJ_NONE,
	       "... an endpoint (W) and the factory (R); the third slot stays empty");
	tap_ok(used_of(base1) != ~0UL && used_of(base1) == used_of(L4_CAP_FACTORY),
	       "... the factory capability works (info through it)");
	static struct rx y;
	uint64_t yt = rx_start(&y, obj, 101, 0, NEVER);
	tap_ok(yt && ipc0(L4_IPC_SEND, base, ZERO, NEVER, l4_tag(1, 0, 0)) >= 0 && y.n == 1 && y.badge == 0x77,
	       "... a send through the transferred endpoint capability carries its badge 0x77 (%#lx)",
	       (unsigned long)y.badge);
	thread_del(yt);
	l4_task_cap_delete(L4_CAP_TASK, base);
	l4_task_cap_delete(L4_CAP_TASK, base1);

	/* Failures: nothing is transferred, the receiver still waits. */
	int n = x.n;
	uint64_t g = copy_of(obj, L4_RIGHTS_ALL, 0);
	l4_task_cap_copy(L4_CAP_TASK, L4_CAP_TASK, base1, L4_RIGHT_R, 0);
	x.u->rcv_caps = l4_rcv_caps(base, 2);
	iw[0] = l4_item_cap(L4_RIGHTS_ALL, 1);
	iw[1] = g;
	iw[2] = l4_item_cap(L4_RIGHTS_ALL, 0);
	iw[3] = obj;
	tap_eq(send_items(L4_IPC_SEND, ep, 1, 2, iw, 64, NULL), -L4_EEXIST,
	       "2 items into a window whose second slot is occupied: EEXIST");
	tap_ok(type_of(base) == L4_OBJ_NONE && type_of(g) == L4_OBJ_ENDPOINT && type_of(base1) == L4_OBJ_TASK,
	       "... nothing moved: the first slot is empty, the granted source is still there");
	x.u->rcv_caps = l4_rcv_caps(base1, 1);
	tap_eq(send_items(L4_IPC_SEND, ep, 0, 1, iw, 64, NULL), -L4_EEXIST, "1 item into an occupied slot: EEXIST");
	tap_ok(type_of(g) == L4_OBJ_ENDPOINT && type_of(base1) == L4_OBJ_TASK, "... the grant did not happen");
	l4_task_cap_delete(L4_CAP_TASK, base1);
	x.u->rcv_caps = 0;
	tap_eq(send_items(L4_IPC_SEND, ep, 1, 1, iw, 64, NULL), -L4_ENOSLOT, "an item to a receiver without a window: ENOSLOT");
	x.u->rcv_caps = l4_rcv_caps(base, 1);
	tap_eq(send_items(L4_IPC_SEND, ep, 1, 2, iw, 64, NULL), -L4_ENOSLOT, "2 items into a window of 1: ENOSLOT");
	x.u->rcv_caps = l4_rcv_caps(base, 0);
	tap_eq(send_items(L4_IPC_SEND, ep, 0, 1, iw, 64, NULL), -L4_ENOSLOT, "an item into a window of 0 slots: ENOSLOT");
	x.u->rcv_caps = l4_rcv_caps(base, 2);
	tap_eq(send_items(L4_IPC_SEND, no_g, 1, 1, iw, 64, NULL), -L4_EPERM,
	       "an item through an endpoint capability without G: EPERM");
	iw[1] = empty;
	tap_eq(send_items(L4_IPC_SEND, ep, 1, 1, iw, 64, NULL), -L4_EBADCAP, "an item naming an empty slot: EBADCAP");
	iw[1] = 0;
	tap_eq(send_items(L4_IPC_SEND, ep, 1, 1, iw, 64, NULL), -L4_EBADCAP, "an item naming selector 0: EBADCAP");
	iw[0] = l4_item_cap(L4_RIGHTS_ALL, 0);
	iw[1] = obj;
	iw[2] = l4_item_cap(L4_RIGHTS_ALL, 1);
	iw[3] = empty;
	tap_eq(send_items(L4_IPC_SEND, ep, 0, 2, iw, 64, NULL), -L4_EBADCAP,
	       "a good item and then one naming an empty slot: EBADCAP");
	iw[0] = l4_item_cap(L4_RIGHTS_ALL, 0);
	iw[1] = obj;
	x.u->rcv_caps = l4_rcv_caps(0, 1);
	tap_eq(send_items(L4_IPC_SEND, ep, 0, 1, iw, 64, NULL), -L4_ENOSLOT, "an item into a window at slot 0 (never used): ENOSLOT");
	x.u->rcv_caps = l4_rcv_caps((1UL << L4_ROOTTASK_CAPS_LOG2) - 1, 2);
	iw[2] = l4_item_cap(L4_RIGHTS_ALL, 0);
	iw[3] = obj;
	tap_eq(send_items(L4_IPC_SEND, ep, 0, 2, iw, 64, NULL), -L4_ENOSLOT,
	       "2 items into a window at the table's last slot (the second slot does not exist): ENOSLOT");
	tap_eq((long)type_of((1UL << L4_ROOTTASK_CAPS_LOG2) - 1), L4_OBJ_NONE, "... the last slot stayed empty");
	x.u->rcv_caps = l4_rcv_caps(5000, 1);
	tap_eq(send_items(L4_IPC_SEND, ep, 0, 1, iw, 64, NULL), -L4_ENOSLOT, "an item into a window beyond the table: ENOSLOT");
	x.u->rcv_caps = l4_rcv_caps(base, 2);
	iw[0] = 0;
	iw[1] = obj;
	tap_eq(send_items(L4_IPC_SEND, ep, 0, 1, iw, 64, NULL), -L4_EINVAL, "an item of type 0: EINVAL");
	iw[0] = 0xf | (uint64_t)L4_RIGHTS_ALL << L4_ITEM_RIGHTS_SHIFT;
	tap_eq(send_items(L4_IPC_SEND, ep, 0, 1, iw, 64, NULL), -L4_EINVAL, "an item of type 15: EINVAL");
	tap_ok(x.n == n && state_of(th) == L4_THREAD_BLOCKED && type_of(base) == L4_OBJ_NONE &&
	       type_of(base1) == L4_OBJ_NONE && type_of(g) == L4_OBJ_ENDPOINT,
	       "after all these the receiver got nothing, still waits, its window is empty, the source is still there");
	tap_ok(send_items(L4_IPC_SEND, no_g, 3, 0, iw, 65, NULL) >= 0 && x.n == n + 1 &&
	       x.r == (long)l4_tag(0x17, 3, 0) && rx_words(&x, 65, 3),
	       "a plain message through the capability without G arrives (G is only for items)");
	iw[0] = l4_item_cap(L4_RIGHTS_ALL, 1);
	iw[1] = g;
	tap_ok(send_items(L4_IPC_SEND, ep, 0, 1, iw, 66, NULL) >= 0 && x.n == n + 2 && type_of(g) == L4_OBJ_NONE &&
	       type_of(base) == L4_OBJ_ENDPOINT, "... and then a grant succeeds");
	l4_task_cap_delete(L4_CAP_TASK, base);
	cap_put(g);
	thread_del(th);

	/* Items in replies, and a server that keeps serving. */
	uint64_t a = utcb_addr();
	is = (struct isrv){ .ep = ep, .u = (struct l4_utcb *)a, .tag = SENT, .fail = SENT };
	uint64_t st = thread_spawn_cfg(isrv_loop, &is, 101, a, 0);
	struct l4_msg m = { { 1, obj, L4_RIGHT_R | L4_RIGHT_G }, JUNK };
	MAIN_UTCB->rcv_caps = l4_rcv_caps(base2, 1);
	long r = ipc(L4_IPC_CALL, ep, ZERO, NEVER, l4_tag(1, 3, 0), &m);
	tap_ok(st && r == (long)l4_tag(0x77, 1, 1) && m.mr[0] == 0x17e &&
	       m.mr[1] == (L4_ITEM_CAP | (uint64_t)(L4_RIGHT_R | L4_RIGHT_G) << L4_ITEM_RIGHTS_SHIFT) && m.mr[2] == base2,
	       "a reply carries a capability item into the caller's window (tag %#lx)", (unsigned long)r);
	tap_ok(type_of(base2) == L4_OBJ_ENDPOINT && rights_of(base2) == (L4_RIGHT_R | L4_RIGHT_G),
	       "... the caller's slot holds it with rights RG");
	l4_task_cap_delete(L4_CAP_TASK, base2);
	MAIN_UTCB->rcv_caps = 0;
	m = (struct l4_msg){ { 1, obj, L4_RIGHTS_ALL }, JUNK };
	r = ipc(L4_IPC_CALL, ep, ZERO, NEVER, l4_tag(1, 3, 0), &m);
	tap_eq(is.fail, -L4_ENOSLOT, "a reply with an item to a caller without a window: ENOSLOT for the server");
	tap_ok(r == (long)l4_tag(0xbad, 1, 0) && m.mr[0] == 0xbad,
	       "... the caller kept waiting: the server's second reply (no items) reached it");
	int sn = is.n;
	iw[0] = l4_item_cap(L4_RIGHTS_ALL, 0);
	iw[1] = empty;
	tap_eq(send_items(L4_IPC_CALL, ep, 1, 1, iw, 67, &m), -L4_EBADCAP, "a call to the server with a bad item: EBADCAP");
	iw[0] = l4_item_cap(L4_RIGHTS_ALL, 0);
	iw[1] = obj;
	tap_eq(send_items(L4_IPC_CALL, no_g, 1, 1, iw, 67, &m), -L4_EPERM, "a call with an item, no G: EPERM");
	tap_ok(is.n == sn && state_of(st) == L4_THREAD_BLOCKED, "... the server saw neither and still waits");
	m = (struct l4_msg){ { 2 }, JUNK };
	r = ipc(L4_IPC_CALL, ep, ZERO, NEVER, l4_tag(1, 1, 0), &m);
	tap_ok(r == (long)l4_tag(0x77, 1, 0) && m.mr[0] == 0x5e7 && is.n == sn + 1, "... and answers the next good call");
	thread_del(st);
	tap_ok(type_of(base) == L4_OBJ_NONE && type_of(base1) == L4_OBJ_NONE && type_of(base2) == L4_OBJ_NONE,
	       "the window slots are empty at the end");
	obj_del(obj);
	obj_del(ep);
	cap_put(bobj);
	cap_put(no_g);
	cap_put(empty);
	cap_put(part);
	cap_put(base);
	cap_put(base1);
	cap_put(base2);
}

/* Unmap of a capability flexpage (revocation) of the testroot's slot sel. */
static long cap_unmap(uint64_t sel, unsigned rights, uint64_t flags)
{
	return l4_task_unmap(L4_CAP_TASK, l4_cap_fpage(sel, 0, rights), flags);
}

/*
 * Capabilities follow the derivation rule memory does (l4/kobj.h): what was
 * delegated or copied from a capability is revoked by unmapping it, in every
 * task; a grant keeps the derivation; deleting one slot keeps what was
 * derived from it; a task's end revokes what was derived from its slots.
 */
static void test_items_derive(void)
{
	static struct rx x;
	uint64_t ep = ep_new(), obj = ep_new(), b1 = cap_get(), b2 = cap_get(), iw[2];
	uint64_t mid = copy_of(obj, L4_RIGHTS_ALL, 0), g = copy_of(obj, L4_RIGHTS_ALL, 0), d = copy_of(g, L4_RIGHTS_ALL, 0);

	tap_note("ipc: capabilities derived by delegation are revoked like memory");
	uint64_t th = rx_start(&x, ep, 101, 1, NEVER);
	tap_ok(th && ep && obj && mid && g && d, "a receiver; an endpoint with copies mid, g and d (copied from g)");
	x.u->rcv_caps = l4_rcv_caps(b1, 1);
	iw[0] = l4_item_cap(L4_RIGHT_R | L4_RIGHT_W, 0);
	iw[1] = mid;
	tap_ok(send_items(L4_IPC_SEND, ep, 0, 1, iw, 70, NULL) >= 0 && x.n == 1 && type_of(b1) == L4_OBJ_ENDPOINT,
	       "delegate mid (RW) into the receiver's slot b1");
	x.u->rcv_caps = l4_rcv_caps(b2, 1);
	iw[0] = l4_item_cap(L4_RIGHT_R | L4_RIGHT_W, 1);
	iw[1] = g;
	tap_ok(send_items(L4_IPC_SEND, ep, 0, 1, iw, 71, NULL) >= 0 && x.n == 2 && type_of(g) == L4_OBJ_NONE &&
	       rights_of(b2) == (L4_RIGHT_R | L4_RIGHT_W), "grant g with mask RW into b2: g is empty, b2 has RW");
	tap_eq(rights_of(d), L4_RIGHT_R | L4_RIGHT_W, "... d, copied from g with all rights, lost G and D with it");

	tap_eq(cap_unmap(mid, L4_RIGHT_W, 0), 0, "unmap W of mid (not self)");
	tap_ok(rights_of(b1) == L4_RIGHT_R && rights_of(mid) == L4_RIGHTS_ALL,
	       "... the delegated b1 lost W (R left), mid kept all rights");
	tap_eq(cap_unmap(mid, L4_RIGHTS_ALL, 0), 0, "unmap all rights of mid (not self)");
	tap_ok(type_of(b1) == L4_OBJ_NONE && type_of(mid) == L4_OBJ_ENDPOINT, "... b1 is empty, mid stays");
	tap_eq(cap_unmap(obj, L4_RIGHT_W, 0), 0, "unmap W of the endpoint's first capability (not self)");
	tap_ok(rights_of(mid) == (L4_RIGHTS_ALL & ~L4_RIGHT_W) && rights_of(b2) == L4_RIGHT_R && rights_of(d) == L4_RIGHT_R &&
	       rights_of(obj) == L4_RIGHTS_ALL,
	       "... mid, the granted b2 and d (derived from it) lost W; the first capability kept it");
	tap_eq(cap_unmap(mid, L4_RIGHT_G, L4_UNMAP_SELF), 0, "unmap G of mid with SELF");
	tap_eq(rights_of(mid), L4_RIGHT_R | L4_RIGHT_D, "... mid itself lost G");
	tap_eq(cap_unmap(mid, L4_RIGHTS_ALL, L4_UNMAP_SELF), 0, "unmap all of mid with SELF");
	tap_ok(type_of(mid) == L4_OBJ_NONE && type_of(b2) == L4_OBJ_ENDPOINT, "... mid is empty; b2 (not from mid) stays");

	/* Deleting one slot keeps what was derived from it, now from its parent. */
	uint64_t a = copy_of(obj, L4_RIGHTS_ALL, 0), c = copy_of(a, L4_RIGHT_R, 0);
	tap_eq(l4_task_cap_delete(L4_CAP_TASK, a), 0, "delete a, from which c was copied");
	tap_eq(type_of(c), L4_OBJ_ENDPOINT, "... c stays");
	tap_eq(cap_unmap(obj, L4_RIGHTS_ALL, 0), 0, "unmap all of the first capability (not self)");
	tap_ok(type_of(c) == L4_OBJ_NONE && type_of(b2) == L4_OBJ_NONE && type_of(d) == L4_OBJ_NONE &&
	       rights_of(obj) == L4_RIGHTS_ALL, "... c (now derived from it), b2 and d are empty; it stays");

	/* A revoked endpoint capability no longer works (on the fast path's lookup too). */
	uint64_t e2 = copy_of(ep, L4_RIGHTS_ALL, 0);
	tap_eq(cap_unmap(ep, L4_RIGHTS_ALL, 0), 0, "revoke the copies of the receiver's endpoint");
	tap_eq(ipc0(L4_IPC_CALL, e2, ZERO, NEVER, l4_tag(1, 0, 0)), -L4_EBADCAP, "... a call through the revoked copy: EBADCAP");

	/* A task's end revokes what was derived from its capabilities. */
	uint64_t t = cap_get(), y = copy_of(obj, L4_RIGHTS_ALL, 0), z = copy_of(y, L4_RIGHT_R, 0);
	tap_ok(l4_factory_create_task(L4_CAP_FACTORY, t, 4) == 0 && l4_task_cap_move(t, y, 3) == 0 &&
	       type_of(z) == L4_OBJ_ENDPOINT, "move y to a new task; z (copied from y) stays here");
	l4_factory_destroy(L4_CAP_FACTORY, t);
	tap_ok(type_of(z) == L4_OBJ_NONE && type_of(obj) == L4_OBJ_ENDPOINT,
	       "... the task is destroyed: z is empty, the first capability stays");

	/* Bad capability flexpages. */
	uint64_t ro = copy_of(L4_CAP_TASK, L4_RIGHT_R, 0), w = copy_of(obj, L4_RIGHTS_ALL, 0);
	tap_eq(l4_task_unmap(L4_CAP_TASK, l4_cap_fpage(obj, 0, L4_RIGHTS_ALL) | 0x80, 0), -L4_EINVAL, "bit 7 set: EINVAL");
	tap_eq(l4_task_unmap(L4_CAP_TASK, l4_cap_fpage(0, 21, L4_RIGHTS_ALL), 0), -L4_EINVAL, "order 21: EINVAL");
	tap_eq(l4_task_unmap(L4_CAP_TASK, l4_cap_fpage(3, 1, L4_RIGHTS_ALL), 0), -L4_EINVAL, "selector 3, order 1 (misaligned): EINVAL");
	tap_eq(l4_task_unmap(L4_CAP_TASK, l4_cap_fpage(0, 0, L4_RIGHTS_ALL) | 1UL << 40, 0), -L4_EINVAL,
	       "a selector beyond 2^20: EINVAL");
	tap_eq(l4_task_unmap(L4_CAP_TASK, l4_cap_fpage(obj, 0, L4_RIGHTS_ALL), 2), -L4_EINVAL, "flags 2: EINVAL");
	tap_eq(l4_task_unmap(ro, l4_cap_fpage(obj, 0, L4_RIGHTS_ALL), 0), -L4_EPERM, "through a task capability without W: EPERM");
	tap_eq(l4_task_unmap(L4_CAP_TASK, l4_cap_fpage(0, 20, 0), L4_UNMAP_SELF), 0, "no rights, the whole selector space, SELF: 0");
	tap_eq(l4_task_unmap(L4_CAP_TASK, l4_cap_fpage(1UL << 19, 19, L4_RIGHTS_ALL), L4_UNMAP_SELF), 0,
	       "slots beyond the table, SELF: 0");
	tap_eq(l4_task_unmap(L4_CAP_TASK, l4_cap_fpage(0, 0, L4_RIGHTS_ALL), L4_UNMAP_SELF), 0, "slot 0 (never used), SELF: 0");
	tap_ok(type_of(w) == L4_OBJ_ENDPOINT && rights_of(w) == L4_RIGHTS_ALL && type_of(L4_CAP_TASK) == L4_OBJ_TASK &&
	       type_of(ro) == L4_OBJ_TASK, "... nothing changed");

	thread_del(th);
	cap_put(ro);
	cap_put(w);
	cap_put(t);
	cap_put(e2);
	cap_put(a);
	cap_put(c);
	cap_put(y);
	cap_put(z);
	cap_put(mid);
	cap_put(g);
	cap_put(d);
	cap_put(b1);
	cap_put(b2);
	l4_factory_destroy(L4_CAP_FACTORY, obj);
	l4_factory_destroy(L4_CAP_FACTORY, ep);
	cap_put(obj);
	cap_put(ep);
}

/* Items from senders that were queued before the receiver came. */
struct isnd {
	uint64_t ep, tag, w0, w1;
	volatile long r;
	volatile int done;
};

static void isnd_fn(void *arg)
{
	struct isnd *s = arg;
	struct l4_msg m = { { s->w0, s->w1 }, 0 };

	s->r = l4_ipc(l4_ipc_word(L4_IPC_SEND, s->ep, NEVER, NEVER), s->tag, &m);
	s->done = 1;
}

static uint64_t isnd_start(struct isnd *s, uint64_t ep, uint64_t tag, uint64_t w0, uint64_t w1)
{
	*s = (struct isnd){ .ep = ep, .tag = tag, .w0 = w0, .w1 = w1, .r = SENT };
	return thread_spawn(isnd_fn, s, 101);
}

static void test_items_queued(void)
{
	static struct isnd a, b, c;
	uint64_t ep = ep_new(), obj = ep_new(), base = cap_get(), gone = copy_of(obj, L4_RIGHTS_ALL, 0);

	tap_note("ipc: capability items of queued senders");
	uint64_t sa = isnd_start(&a, ep, l4_tag(0x71, 0, 1), l4_item_cap(L4_RIGHT_R, 0), obj);
	uint64_t sb = isnd_start(&b, ep, l4_tag(0x72, 1, 0), 0x72, 0);
	tap_ok(sa && sb && !a.done && !b.done, "a sender with an item and a plain one queue on an endpoint");
	MAIN_UTCB->rcv_caps = 0;
	struct l4_msg m = { { JUNK, JUNK }, JUNK };
	long r = ipc(L4_IPC_RECV, ep, NEVER, ZERO, 0, &m);
	tap_ok(a.done && a.r == -L4_ENOSLOT, "a receiver without a window comes: the item's sender gets ENOSLOT (%ld)", a.r);
	tap_ok(r == (long)l4_tag(0x72, 1, 0) && m.mr[0] == 0x72 && m.mr[1] == 0 && b.done && b.r >= 0,
	       "... and the receiver takes the next sender's message instead (%#lx)", (unsigned long)r);
	thread_del(sa);
	thread_del(sb);

	sa = isnd_start(&a, ep, l4_tag(0x73, 0, 1), l4_item_cap(L4_RIGHTS_ALL, 1), gone);
	sb = isnd_start(&b, ep, l4_tag(0x74, 0, 1), l4_item_cap(L4_RIGHT_W, 0), obj);
	l4_task_cap_delete(L4_CAP_TASK, gone);
	MAIN_UTCB->rcv_caps = l4_rcv_caps(base, 1);
	m = (struct l4_msg){ { JUNK, JUNK }, JUNK };
	r = ipc(L4_IPC_RECV, ep, NEVER, ZERO, 0, &m);
	tap_ok(a.done && a.r == -L4_EBADCAP,
	       "a queued sender's item names a capability deleted meanwhile: EBADCAP when a receiver comes (%ld)", a.r);
	tap_ok(r == (long)l4_tag(0x74, 0, 1) && m.mr[0] == (L4_ITEM_CAP | (uint64_t)L4_RIGHT_W << L4_ITEM_RIGHTS_SHIFT) &&
	       m.mr[1] == base && type_of(base) == L4_OBJ_ENDPOINT && rights_of(base) == L4_RIGHT_W && b.done && b.r >= 0,
	       "... the next queued sender's item lands in the receiver's window");
	l4_task_cap_delete(L4_CAP_TASK, base);
	thread_del(sa);
	thread_del(sb);

	uint64_t g = copy_of(obj, L4_RIGHT_R | L4_RIGHT_G, 0);
	uint64_t sc = isnd_start(&c, ep, l4_tag(0x75, 0, 1), l4_item_cap(L4_RIGHTS_ALL, 1), g);
	m = (struct l4_msg){ { JUNK, JUNK }, JUNK };
	r = ipc(L4_IPC_RECV, ep, NEVER, ZERO, 0, &m);
	tap_ok(sc && r == (long)l4_tag(0x75, 0, 1) && c.r >= 0 && type_of(g) == L4_OBJ_NONE && type_of(base) == L4_OBJ_ENDPOINT &&
	       rights_of(base) == (L4_RIGHT_R | L4_RIGHT_G), "a queued sender's grant: its slot empties, the receiver has it");
	l4_task_cap_delete(L4_CAP_TASK, base);
	MAIN_UTCB->rcv_caps = 0;
	thread_del(sc);
	cap_put(g);
	obj_del(ep);
	obj_del(obj);
	cap_put(gone);
	cap_put(base);
}

/* ---- registers around the system call ---- */

/*
 * t_ipc_ecall(in, out): load x1 and x3..x31 from in[1], in[3..31] (sp stays),
 * ecall, store x1..x31 into out[1..31] and the sp of the ecall into out[0];
 * every register the C caller relies on is saved and restored around it.
 */
void t_ipc_ecall(const uint64_t *in, uint64_t *out);
__asm__(
	"	.text\n"
	"	.globl t_ipc_ecall\n"
	"	.type t_ipc_ecall, @function\n"
	"	.p2align 2\n"
	"t_ipc_ecall:\n"
	"	addi sp, sp, -144\n"
	"	sd ra, 0(sp)\n	sd gp, 8(sp)\n	sd tp, 16(sp)\n	sd s0, 24(sp)\n	sd s1, 32(sp)\n"
	"	sd s2, 40(sp)\n	sd s3, 48(sp)\n	sd s4, 56(sp)\n	sd s5, 64(sp)\n	sd s6, 72(sp)\n"
	"	sd s7, 80(sp)\n	sd s8, 88(sp)\n	sd s9, 96(sp)\n	sd s10, 104(sp)\n	sd s11, 112(sp)\n"
	"	sd a1, 120(sp)\n"
	"	sd sp, 0(a1)\n"
	"	ld x1, 8(a0)\n	ld x3, 24(a0)\n	ld x4, 32(a0)\n	ld x5, 40(a0)\n	ld x6, 48(a0)\n"
	"	ld x7, 56(a0)\n	ld x8, 64(a0)\n	ld x9, 72(a0)\n	ld x11, 88(a0)\n	ld x12, 96(a0)\n"
	"	ld x13, 104(a0)\n	ld x14, 112(a0)\n	ld x15, 120(a0)\n	ld x16, 128(a0)\n	ld x17, 136(a0)\n"
	"	ld x18, 144(a0)\n	ld x19, 152(a0)\n	ld x20, 160(a0)\n	ld x21, 168(a0)\n	ld x22, 176(a0)\n"
	"	ld x23, 184(a0)\n	ld x24, 192(a0)\n	ld x25, 200(a0)\n	ld x26, 208(a0)\n	ld x27, 216(a0)\n"
	"	ld x28, 224(a0)\n	ld x29, 232(a0)\n	ld x30, 240(a0)\n	ld x31, 248(a0)\n	ld x10, 80(a0)\n"
	"	ecall\n"
	"	sd x31, 128(sp)\n"
	"	ld x31, 120(sp)\n"
	"	sd x1, 8(x31)\n	sd x2, 16(x31)\n	sd x3, 24(x31)\n	sd x4, 32(x31)\n	sd x5, 40(x31)\n"
	"	sd x6, 48(x31)\n	sd x7, 56(x31)\n	sd x8, 64(x31)\n	sd x9, 72(x31)\n	sd x10, 80(x31)\n"
	"	sd x11, 88(x31)\n	sd x12, 96(x31)\n	sd x13, 104(x31)\n	sd x14, 112(x31)\n	sd x15, 120(x31)\n"
	"	sd x16, 128(x31)\n	sd x17, 136(x31)\n	sd x18, 144(x31)\n	sd x19, 152(x31)\n	sd x20, 160(x31)\n"
	"	sd x21, 168(x31)\n	sd x22, 176(x31)\n	sd x23, 184(x31)\n	sd x24, 192(x31)\n	sd x25, 200(x31)\n"
	"	sd x26, 208(x31)\n	sd x27, 216(x31)\n	sd x28, 224(x31)\n	sd x29, 232(x31)\n	sd x30, 240(x31)\n"
	"	ld x30, 128(sp)\n	sd x30, 248(x31)\n"
	"	ld ra, 0(sp)\n	ld gp, 8(sp)\n	ld tp, 16(sp)\n	ld s0, 24(sp)\n	ld s1, 32(sp)\n"
	"	ld s2, 40(sp)\n	ld s3, 48(sp)\n	ld s4, 56(sp)\n	ld s5, 64(sp)\n	ld s6, 72(sp)\n"
	"	ld s7, 80(sp)\n	ld s8, 88(sp)\n	ld s9, 96(sp)\n	ld s10, 104(sp)\n	ld s11, 112(sp)\n"
	"	addi sp, sp, 144\n"
	"	ret\n"
	"	.size t_ipc_ecall, .-t_ipc_ecall\n");

#define R_RA 1
#define R_SP 2
#define R_GP 3
#define R_TP 4
#define R_A0 10
#define R_A7 17

static bool is_t(unsigned i) { return i == 5 || i == 6 || i == 7 || (i >= 28 && i <= 31); }
static bool is_s(unsigned i) { return i == 8 || i == 9 || (i >= 18 && i <= 27); }

/* Registers: a pattern per register and side. */
static uint64_t rpat(unsigned side, unsigned i)
{
	return 0xa500000000000000UL | (uint64_t)side << 40 | (uint64_t)i << 16 | (0x1111UL * i);
}

/* ra, t0..t6 are 0; sp, gp, tp, s0..s11 kept. */
static bool regs_clean(const uint64_t *in, const uint64_t *out)
{
	if (out[R_RA] != 0 || out[R_SP] != out[0] || out[R_GP] != in[R_GP] || out[R_TP] != in[R_TP])
		return false;
	for (unsigned i = 1; i < 32; i++) {
		if (is_t(i) && out[i] != 0)
			return false;
		if (is_s(i) && out[i] != in[i])
			return false;
	}
	return true;
}

/* a0 = tag, a1.. = pat words (0 beyond n), a7 = badge. */
static bool regs_msg(const uint64_t *out, uint64_t tag, unsigned salt, unsigned n, uint64_t badge)
{
	if (out[R_A0] != tag || out[R_A7] != badge)
		return false;
	for (unsigned i = 0; i < 6; i++)
		if (out[11 + i] != (i < n ? pat(salt, i) : 0))
			return false;
	return true;
}

struct regrx {
	uint64_t ep;
	unsigned reply_words, salt;
	uint64_t in[32], out[32], rin[32], rout[32];
	volatile int done;
};

/* Receive with patterns in every register, then reply the same way. */
static void regs_rx(void *arg)
{
	struct regrx *x = arg;

	for (unsigned i = 1; i < 32; i++)
		x->in[i] = rpat(1, i);
	x->in[R_A7] = l4_ipc_word(L4_IPC_RECV, x->ep, NEVER, NEVER);
	x->in[R_A0] = 0;
	t_ipc_ecall(x->in, x->out);
	for (unsigned i = 1; i < 32; i++)
		x->rin[i] = rpat(2, i);
	x->rin[R_A7] = l4_ipc_word(L4_IPC_REPLY, 0, NEVER, NEVER);
	x->rin[R_A0] = l4_tag(0x99, x->reply_words, 0);
	for (unsigned i = 0; i < 6; i++)
		x->rin[11 + i] = i < x->reply_words ? pat(x->salt, i) : rpat(2, 11 + i);
	t_ipc_ecall(x->rin, x->rout);
	x->done = 1;
}

static void test_regs(void)
{
	uint64_t ep = ep_new(), bep = copy_of(ep, L4_RIGHTS_ALL, 0xb0b), empty = cap_get();
	static struct regrx x;
	static const unsigned cases[][2] = { { 0, 6 }, { 3, 2 }, { 6, 0 } };
	uint64_t in[32], out[32];

	long fp = l4_debug_fastpath(1);
	for (int path = 1; path >= 0; path--) {
		l4_debug_fastpath(path);
		tap_note("ipc: registers after the system call (fast path %s)", path ? "on" : "off");
		for (unsigned c = 0; c < 3; c++) {
			unsigned n = cases[c][0], k = cases[c][1], salt = 80 + c, rsalt = 90 + c;
			x = (struct regrx){ .ep = ep, .reply_words = k, .salt = rsalt };
			uint64_t th = thread_spawn(regs_rx, &x, 101);
			for (unsigned i = 1; i < 32; i++)
				in[i] = rpat(3, i);
			in[R_A7] = l4_ipc_word(L4_IPC_CALL, bep, NEVER, NEVER);
			in[R_A0] = l4_tag(0x33, n, 0);
			for (unsigned i = 0; i < 6; i++)
				in[11 + i] = i < n ? pat(salt, i) : rpat(3, 11 + i);
			wd_arm(WD_US);
			t_ipc_ecall(in, out);
			wd_disarm();
			tap_ok(th && x.done && regs_msg(x.out, l4_tag(0x33, n, 0), salt, n, 0xb0b),
			       "call with %u words: the receiver has a0 = tag, a1..a6 = the words then 0, a7 = badge 0xb0b", n);
			tap_ok(regs_clean(x.in, x.out), "... its ra, t0..t6 are 0, sp, gp, tp, s0..s11 kept");
			tap_ok(x.rout[R_A0] == 0 && regs_clean(x.rin, x.rout),
			       "... its reply returns 0 with ra, t0..t6 = 0 and sp, gp, tp, s0..s11 kept");
			tap_ok(regs_msg(out, l4_tag(0x99, k, 0), rsalt, k, 0),
			       "... the caller has a0 = reply tag, a1..a6 = %u words then 0, a7 = 0", k);
			tap_ok(regs_clean(in, out), "... its ra, t0..t6 are 0, sp, gp, tp, s0..s11 kept");
			thread_del(th);
		}
	}
	l4_debug_fastpath((int)(fp == 0 ? 0 : 1));

	tap_note("ipc: registers after errors and other calls");
	for (unsigned i = 1; i < 32; i++)
		in[i] = rpat(4, i);
	in[R_A7] = l4_ipc_word(L4_IPC_SEND, empty, ZERO, NEVER);
	in[R_A0] = l4_tag(1, 6, 0);
	t_ipc_ecall(in, out);
	bool kept = true;
	for (unsigned i = 11; i <= 17; i++)
		kept = kept && out[i] == in[i];
	tap_ok((long)out[R_A0] == -L4_EBADCAP && kept, "a send to an empty slot: EBADCAP, a1..a7 unchanged");
	tap_ok(regs_clean(in, out), "... ra, t0..t6 are 0, sp, gp, tp, s0..s11 kept");
	in[R_A7] = l4_ipc_word(L4_IPC_RECV, ep, NEVER, ZERO);
	t_ipc_ecall(in, out);
	kept = true;
	for (unsigned i = 11; i <= 17; i++)
		kept = kept && out[i] == in[i];
	tap_ok((long)out[R_A0] == -L4_ETIMEDOUT && kept && regs_clean(in, out),
	       "a zero-timeout receive: ETIMEDOUT, a1..a7 unchanged, ra, t0..t6 = 0, the rest kept");
	in[R_A7] = L4_SYS_YIELD;
	t_ipc_ecall(in, out);
	kept = true;
	for (unsigned i = 11; i <= 17; i++)
		kept = kept && out[i] == in[i];
	tap_ok(out[R_A0] == 0 && kept && regs_clean(in, out),
	       "yield: 0, a1..a7 unchanged, ra, t0..t6 = 0, the rest kept");
	obj_del(ep);
	cap_put(bep);
	cap_put(empty);
}

/*
 * The same between two threads without FP state (the testroot has some: it
 * computes with doubles), so that the call and both reply-and-waits take
 * the fast path's plain variant, which neither saves nor loads sstatus.
 */
struct rwpair {
	uint64_t ep, bep;
	unsigned n, k;
	uint64_t sin[3][32], sout[3][32];       /* server: receive, reply-wait x2 */
	uint64_t cin[2][32], cout[2][32];       /* client: two calls */
	volatile int sdone, cdone;
};

static void rw_server(void *arg)
{
	struct rwpair *p = arg;

	for (unsigned j = 0; j < 3; j++) {
		for (unsigned i = 1; i < 32; i++)
			p->sin[j][i] = rpat(5 + j, i);
		p->sin[j][R_A7] = l4_ipc_word(j ? L4_IPC_REPLY_WAIT : L4_IPC_RECV, p->ep, NEVER, NEVER);
		p->sin[j][R_A0] = j ? l4_tag(0x70 + j, p->k, 0) : 0;
		for (unsigned i = 0; i < 6 && j; i++)
			if (i < p->k)
				p->sin[j][11 + i] = pat(60 + j, i);
		t_ipc_ecall(p->sin[j], p->sout[j]);
		p->sdone = (int)j + 1;
	}
}

static void rw_client(void *arg)
{
	struct rwpair *p = arg;

	for (unsigned j = 0; j < 2; j++) {
		for (unsigned i = 1; i < 32; i++)
			p->cin[j][i] = rpat(8 + j, i);
		p->cin[j][R_A7] = l4_ipc_word(L4_IPC_CALL, p->bep, NEVER, NEVER);
		p->cin[j][R_A0] = l4_tag(0x50 + j, p->n, 0);
		for (unsigned i = 0; i < p->n; i++)
			p->cin[j][11 + i] = pat(40 + j, i);
		t_ipc_ecall(p->cin[j], p->cout[j]);
	}
	p->cdone = 1;
}

static void test_regs_nofp(void)
{
	uint64_t ep = ep_new(), bep = copy_of(ep, L4_RIGHTS_ALL, 0xc0c);
	static struct rwpair p;
	static const unsigned cases[][2] = { { 0, 0 }, { 0, 6 }, { 3, 2 }, { 6, 0 }, { 6, 6 } };

	long fp = l4_debug_fastpath(1);
	for (int path = 1; path >= 0; path--) {
		l4_debug_fastpath(path);
		tap_note("ipc: registers between two threads without FP state (fast path %s)", path ? "on" : "off");
		for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
			unsigned n = cases[c][0], k = cases[c][1];
			p = (struct rwpair){ .ep = ep, .bep = bep, .n = n, .k = k };
			/* Both at 101, above the testroot: each runs as soon as it can. */
			uint64_t s = thread_spawn(rw_server, &p, 101);
			uint64_t cl = thread_spawn(rw_client, &p, 101);
			wd_arm(WD_US);
			for (unsigned i = 0; i < 100 && !p.cdone; i++)
				l4_yield();
			wd_disarm();
			bool ok = s && cl && p.cdone && p.sdone == 2;
			/* the server's receive and its first reply-and-wait got the calls */
			for (unsigned j = 0; j < 2; j++) {
				ok = ok && regs_msg(p.sout[j], l4_tag(0x50 + j, n, 0), 40 + j, n, 0xc0c);
				ok = ok && regs_clean(p.sin[j], p.sout[j]);
			}
			tap_ok(ok, "%u words in, %u back: the server (receive, reply-and-wait) gets a0 = tag, a1..a6 = the "
			       "words then 0, a7 = badge; ra, t0..t6 = 0, sp, gp, tp, s0..s11 kept", n, k);
			ok = true;
			for (unsigned j = 0; j < 2; j++) {
				ok = ok && regs_msg(p.cout[j], l4_tag(0x71 + j, k, 0), 61 + j, k, 0);
				ok = ok && regs_clean(p.cin[j], p.cout[j]);
			}
			tap_ok(ok, "... the client's two calls: a0 = reply tag, a1..a6 = the words then 0, a7 = 0; "
			       "ra, t0..t6 = 0, the rest kept");
			thread_del(cl);
			thread_del(s);
		}
	}
	l4_debug_fastpath((int)(fp == 0 ? 0 : 1));
	cap_put(bep);
	obj_del(ep);
}

/* ---- cases where the fast path and the general path part ways ---- */

static long set_my_prio(unsigned prio)
{
	struct l4_thread_config c = { .which = L4_THREAD_CFG_PRIO, .prio = prio, .max_prio = L4_PRIO_MAX };

	return l4_thread_config(L4_CAP_THREAD, &c);
}

/* A caller whose client dies, stops or waits: what the server's reply does. */
static void test_reply_rights(void)
{
	static struct slow sl;
	static struct tx c;
	uint64_t ep = ep_new();

	tap_note("ipc: reply rights");
	for (int how = 0; how < 4; how++) {
		sl = (struct slow){ .ep = ep, .reply_wait = how == 3, .rr = SENT, .reply = SENT, .reply2 = SENT };
		uint64_t s = thread_spawn(slow_server, &sl, 100);
		yield_n(1);
		uint64_t ct = tx_start(&c, l4_ipc_word(L4_IPC_CALL, ep, NEVER, NEVER), l4_tag(1, 1, 0), 1, 100, 0);
		YIELD_UNTIL(sl.got && state_of(ct) == L4_THREAD_BLOCKED);
		bool waiting = s && ct && sl.got && !c.done && state_of(ct) == L4_THREAD_BLOCKED;
		if (how == 1) {
			thread_del(ct);
			ct = 0;
		} else if (how >= 2) {
			l4_thread_stop(ct);
		}
		sl.go = 1;
		/* until the server's reply (and a reached caller's return) or its wait */
		if (how == 3)
			YIELD_UNTIL(sl.phase == 2 && state_of(s) == L4_THREAD_BLOCKED);
		else
			YIELD_UNTIL(sl.phase == 1 && (how != 0 || c.done));
		switch (how) {
		case 0:
			tap_ok(waiting && sl.reply == 0 && c.done && c.r == (long)l4_tag(0, 1, 0) && c.m.mr[0] == 77,
			       "a client (100) calls a server (100) that replies later: the reply reaches it");
			tap_eq(sl.reply2, -L4_EINVAL, "... a second reply: EINVAL (the reply right is one-shot)");
			break;
		case 1:
			tap_ok(waiting && sl.reply == -L4_EINVAL,
			       "the client is destroyed while it waits for the reply: the server's reply is EINVAL (%ld)", sl.reply);
			break;
		case 2:
		case 3:
			if (how == 2)
				tap_ok(waiting && sl.reply == -L4_EINVAL,
				       "the client is stopped while it waits: the server's reply is EINVAL (%ld)", sl.reply);
			else
				tap_ok(waiting && sl.phase == 2 && sl.reply == SENT && state_of(s) == L4_THREAD_BLOCKED,
				       "... the same with reply-and-wait: it skips the reply and waits on the endpoint");
			tap_ok(!c.done && state_of(ct) == L4_THREAD_INACTIVE, "... the stopped client stays stopped");
			struct l4_exregs x = { .flags = L4_EXREGS_START };
			l4_thread_exregs(ct, &x);
			YIELD_UNTIL(c.done);
			tap_ok(c.done && c.r == -L4_ECANCELED, "... started again, its call returns ECANCELED (%ld)", c.r);
			break;
		}
		if (ct)
			thread_del(ct);
		thread_del(s);
	}
	obj_del(ep);
}

/* A server without a UTCB answers with 7 words by reply-and-wait, then 1 word. */
struct rwfail {
	uint64_t ep;
	volatile long r1, r2;
	volatile int phase;
};

static void rwfail_fn(void *arg)
{
	struct rwfail *w = arg;
	struct l4_msg m = { 0 };

	l4_receive(w->ep, &m);
	w->phase = 1;
	m.mr[0] = 0xf1;
	w->r1 = l4_reply_wait(w->ep, 0, 7, &m);
	w->phase = 2;
	m.mr[0] = 0xf2;
	w->r2 = l4_reply(0, 1, &m);
	w->phase = 3;
}

static void test_reply_wait_fails(void)
{
	static struct rwfail w;
	static struct tx c;
	uint64_t ep = ep_new();

	tap_note("ipc: a reply-and-wait whose reply fails");
	w = (struct rwfail){ .ep = ep, .r1 = SENT, .r2 = SENT };
	uint64_t s = thread_spawn(rwfail_fn, &w, 100);
	yield_n(1);
	uint64_t ct = tx_start(&c, l4_ipc_word(L4_IPC_CALL, ep, NEVER, NEVER), l4_tag(1, 1, 0), 1, 101, 0);
	YIELD_UNTIL(w.phase == 3);
	tap_ok(s && ct && w.phase >= 2 && w.r1 == -L4_EMSGSIZE,
	       "a server without a UTCB replies 7 words by reply-and-wait: EMSGSIZE at once, no receive (%ld)", w.r1);
	tap_ok(w.phase == 3 && w.r2 == 0 && c.done && c.r == (long)l4_tag(0, 1, 0) && c.m.mr[0] == 0xf2,
	       "... the caller kept waiting and gets its next reply (1 word)");
	thread_del(ct);
	thread_del(s);
	obj_del(ep);
}

/*
 * A reply-and-wait whose reply grants away the very capability its receive
 * phase names (an endpoint, then a notification): the reply goes, the
 * receive gets EBADCAP. (The kernel used to take the object from the slot
 * it had looked up before the reply, found it empty, and panicked.)
 */
static void test_reply_grants_receive_cap(void)
{
	static struct tx c;

	tap_note("ipc: a reply-and-wait that grants away the capability it then receives on");
	for (int notif = 0; notif < 2; notif++) {
		uint64_t ep = ep_new(), base = cap_get();
		uint64_t sel = notif ? obj_new(L4_OBJ_NOTIFICATION) : ep;
		uint64_t ct = ep && base && sel ? tx_start(&c, l4_ipc_word(L4_IPC_CALL, ep, NEVER, NEVER),
							    l4_tag(1, 0, 0), 1, 101, 1) : 0;
		struct l4_msg m = { { 0 }, 0 };
		if (!tap_ok(ct && l4_receive(ep, &m) == (long)l4_tag(1, 0, 0), "%s: the caller's call is received",
			    notif ? "notification" : "endpoint"))
			return;
		c.u->rcv_caps = l4_rcv_caps(base, 1);
		m.mr[0] = l4_item_cap(L4_RIGHTS_ALL, 1);
		m.mr[1] = sel;
		long r = l4_ipc(l4_ipc_word(L4_IPC_REPLY_WAIT, sel, NEVER, ZERO), l4_tag(0, 0, 1), &m);
		YIELD_UNTIL(c.done);
		tap_eq(r, -L4_EBADCAP, "... reply-and-wait granting that very selector: the receive phase gets EBADCAP");
		tap_ok(c.done && c.r == (long)l4_tag(0, 0, 1) && type_of(sel) == L4_OBJ_NONE &&
			       type_of(base) == (notif ? L4_OBJ_NOTIFICATION : L4_OBJ_ENDPOINT),
		       "... the reply went: the capability is the caller's now, the slot here is empty");
		thread_del(ct);
		obj_del(base);
		cap_put(sel);
		if (notif)
			obj_del(ep);
	}
}

/* Receive two calls without replying to the first, then reply. */
struct twice {
	uint64_t ep;
	volatile long r1, r2, reply;
};

static void twice_fn(void *arg)
{
	struct twice *t = arg;
	struct l4_msg m = { 0 };

	t->r1 = l4_receive(t->ep, &m);
	t->r2 = l4_receive(t->ep, &m);
	m.mr[0] = 0x2222;
	t->reply = l4_reply(0, 1, &m);
}

static void test_second_call(void)
{
	static struct twice t;
	static struct tx c1, c2;
	uint64_t ep = ep_new();

	tap_note("ipc: a second call before the first is answered");
	t = (struct twice){ .ep = ep, .r1 = SENT, .r2 = SENT, .reply = SENT };
	uint64_t s = thread_spawn(twice_fn, &t, 100);
	yield_n(1);
	uint64_t t1 = tx_start(&c1, l4_ipc_word(L4_IPC_CALL, ep, NEVER, NEVER), l4_tag(0x81, 1, 0), 81, 101, 0);
	uint64_t t2 = tx_start(&c2, l4_ipc_word(L4_IPC_CALL, ep, NEVER, NEVER), l4_tag(0x82, 1, 0), 82, 101, 0);
	YIELD_UNTIL(t.reply != SENT && c1.done && c2.done);
	tap_ok(s && t1 && t2 && t.r1 == (long)l4_tag(0x81, 1, 0) && t.r2 == (long)l4_tag(0x82, 1, 0),
	       "a server receives two calls without replying to the first");
	tap_ok(c1.done && c1.r == -L4_ECANCELED, "... the first caller's IPC ends with ECANCELED (one reply right) (%ld)",
	       c1.r);
	tap_ok(t.reply == 0 && c2.done && c2.r == (long)l4_tag(0, 1, 0) && c2.m.mr[0] == 0x2222,
	       "... the reply goes to the second caller");
	thread_del(t1);
	thread_del(t2);
	thread_del(s);
	obj_del(ep);
}

/* Receive one message on ep, then block receiving on ep2 (never sent). */
struct sink {
	uint64_t ep, ep2;
	volatile int got;
};

static void sink_fn(void *arg)
{
	struct sink *k = arg;
	struct l4_msg m = { 0 };

	l4_receive(k->ep, &m);
	k->got = 1;
	l4_receive(k->ep2, &m);
}

/* A thread running one system call through t_ipc_ecall with patterns. */
struct rcall {
	uint64_t word, tag, pre;        /* pre: a selector to receive a call on first (0: none) */
	uint64_t in[32], out[32];
	volatile int done;
};

static void rcall_fn(void *arg)
{
	struct rcall *c = arg;

	if (c->pre) {
		struct l4_msg m = { 0 };
		l4_receive(c->pre, &m);
	}
	for (unsigned i = 1; i < 32; i++)
		c->in[i] = rpat(6, i);
	c->in[R_A7] = c->word;
	c->in[R_A0] = c->tag;
	t_ipc_ecall(c->in, c->out);
	c->done = 1;
}

static bool a1_a7_kept(const uint64_t *in, const uint64_t *out)
{
	for (unsigned i = 11; i <= 17; i++)
		if (out[i] != in[i]) {
			tap_note("a%u is %#lx, was %#lx", i - 10, (unsigned long)out[i], (unsigned long)in[i]);
			return false;
		}
	return true;
}

static struct { uint64_t pc, sp, a0; unsigned state; } blocked_view[2];

static void test_error_regs(int path)
{
	uint64_t ep = ep_new(), ep2 = ep_new(), ep3 = ep_new();
	static struct sink k;
	static struct rcall c, sv;

	tap_note("ipc: registers of an IPC that ends in an error after blocking");
	k = (struct sink){ .ep = ep, .ep2 = ep2 };
	uint64_t s = thread_spawn(sink_fn, &k, 101);
	c = (struct rcall){ .word = l4_ipc_word(L4_IPC_CALL, ep, NEVER, NEVER), .tag = l4_tag(0x44, 3, 0) };
	uint64_t ct = thread_spawn(rcall_fn, &c, 100);
	YIELD_UNTIL(k.got && state_of(ct) == L4_THREAD_BLOCKED);
	struct l4_exregs x = { 0 };
	tap_ok(s && ct && k.got && !c.done && l4_thread_exregs(ct, &x) == 0 && x.state == L4_THREAD_BLOCKED,
	       "a caller (100) waits for a reply from a server (101) that will not give one");
	blocked_view[path].pc = x.pc;
	blocked_view[path].sp = x.sp;
	blocked_view[path].a0 = x.a0;
	blocked_view[path].state = x.state;
	tap_note("exregs of the blocked caller: pc %#lx, sp %#lx, a0 %#lx", (unsigned long)x.pc, (unsigned long)x.sp,
		 (unsigned long)x.a0);
	thread_del(s);
	YIELD_UNTIL(c.done);
	tap_ok(c.done && (long)c.out[R_A0] == -L4_ECANCELED, "the server is destroyed: the call returns ECANCELED");
	tap_ok(a1_a7_kept(c.in, c.out), "... with a1..a7 unchanged (the words it sent and the syscall word)");
	tap_ok(regs_clean(c.in, c.out), "... ra, t0..t6 = 0, sp, gp, tp, s0..s11 kept");
	thread_del(ct);

	sv = (struct rcall){ .word = l4_ipc_word(L4_IPC_REPLY_WAIT, ep3, NEVER, NEVER), .tag = l4_tag(0x55, 2, 0),
			     .pre = ep3 };
	s = thread_spawn(rcall_fn, &sv, 100);
	yield_n(1);
	struct l4_msg m = { { 1 }, JUNK };
	long r = ipc(L4_IPC_CALL, ep3, NEVER, NEVER, l4_tag(1, 1, 0), &m);
	tap_ok(s && r == (long)l4_tag(0x55, 2, 0) && m.mr[0] == rpat(6, 11) && m.mr[1] == rpat(6, 12) && m.mr[2] == 0 &&
	       m.badge == 0 && state_of(s) == L4_THREAD_BLOCKED,
	       "a server (100) answers a call with reply-and-wait and waits again");
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, ep3), 0, "destroy its endpoint");
	YIELD_UNTIL(sv.done);
	tap_ok(sv.done && (long)sv.out[R_A0] == -L4_ECANCELED, "... its reply-and-wait returns ECANCELED");
	tap_ok(a1_a7_kept(sv.in, sv.out), "... with a1..a7 unchanged (its reply words and the syscall word)");
	tap_ok(regs_clean(sv.in, sv.out), "... ra, t0..t6 = 0, sp, gp, tp, s0..s11 kept");
	thread_del(s);
	cap_put(ep3);
	obj_del(ep);
	obj_del(ep2);
}

/* reply-and-wait when a caller is already queued. */
static void test_queued_caller(void)
{
	static struct echo e;
	static struct tx c1, c2;
	uint64_t ep = ep_new();

	tap_note("ipc: reply-and-wait with a caller queued");
	uint64_t th = echo_start(&e, ep, 100, 0);
	yield_n(1);
	uint64_t t1 = tx_start(&c1, l4_ipc_word(L4_IPC_CALL, ep, NEVER, NEVER), l4_tag(0x61, 3, 0), 61, 101, 0);
	uint64_t t2 = tx_start(&c2, l4_ipc_word(L4_IPC_CALL, ep, NEVER, NEVER), l4_tag(0x62, 2, 0), 62, 101, 0);
	tap_ok(th && t1 && t2 && !c1.done && !c2.done && state_of(t2) == L4_THREAD_BLOCKED,
	       "two callers (101) wait on an echo server (100), the second queued");
	YIELD_UNTIL(c1.done && c2.done && state_of(th) == L4_THREAD_BLOCKED);
	tap_ok(c1.done && c1.r == (long)l4_tag(0x62, 3, 0) && c1.m.mr[0] == (pat(61, 0) ^ ECHO_XOR) &&
	       c1.m.mr[2] == (pat(61, 2) ^ ECHO_XOR) && c1.m.mr[3] == 0, "the first gets its echo");
	tap_ok(c2.done && c2.r == (long)l4_tag(0x63, 2, 0) && c2.m.mr[1] == (pat(62, 1) ^ ECHO_XOR) && c2.m.mr[2] == 0,
	       "the second too: reply-and-wait took the queued call");
	tap_ok(e.n == 2 && state_of(th) == L4_THREAD_BLOCKED, "the server waits again");
	thread_del(t1);
	thread_del(t2);
	thread_del(th);
	obj_del(ep);
}

/* A server bound to a notification signals it while it handles a call. */
struct bsrv {
	uint64_t ep, n;
	volatile int calls, notes;
	volatile uint64_t bits;
};

static void bsrv_loop(void *arg)
{
	struct bsrv *b = arg;
	struct l4_msg m = { 0 };
	long r = l4_reply_wait(b->ep, 0, 0, &m);

	for (;;) {
		if (r < 0)
			return;
		uint64_t tag = 0;
		if (r & L4_TAG_NOTIFY) {
			b->notes++;
			b->bits |= m.badge;
		} else {
			b->calls++;
			l4_signal(b->n, 0x20);
			m.mr[0] = 0x600d;
			tag = l4_tag(0, 1, 0);
		}
		r = l4_ipc(l4_ipc_word(L4_IPC_REPLY_WAIT, b->ep, NEVER, NEVER), tag, &m);
	}
}

static void test_bound_server(void)
{
	static struct bsrv b;
	uint64_t ep = ep_new(), n = cap_get();

	tap_note("ipc: reply-and-wait of a thread with a notification pending");
	l4_factory_create_notification(L4_CAP_FACTORY, n);
	b = (struct bsrv){ .ep = ep, .n = n };
	uint64_t th = thread_spawn(bsrv_loop, &b, 100);
	struct l4_msg m = { { th ? n : 0 }, 0 };
	tap_ok(th && l4_call(th, L4_THREAD_BIND, 1, &m) >= 0, "a server (100) bound to a notification");
	yield_n(1);
	m = (struct l4_msg){ { 0 }, JUNK };
	long r = ipc(L4_IPC_CALL, ep, NEVER, NEVER, l4_tag(1, 1, 0), &m);
	YIELD_UNTIL(b.notes == 1 && state_of(th) == L4_THREAD_BLOCKED);
	tap_ok(r == (long)l4_tag(0, 1, 0) && m.mr[0] == 0x600d && b.calls == 1,
	       "a call to it is answered (it signalled its notification meanwhile)");
	tap_ok(b.notes == 1 && b.bits == 0x20, "... its reply-and-wait ended with the notification's bits at once (%d, %#lx)",
	       b.notes, (unsigned long)b.bits);
	uint64_t bits = JUNK;
	tap_ok(l4_poll(n, &bits) == 0 && bits == 0 && state_of(th) == L4_THREAD_BLOCKED,
	       "... nothing is left pending, it waits again");
	thread_del(th);
	obj_del(n);
	obj_del(ep);
}

/* A lower-priority server does not run before a ready thread above it. */
static volatile unsigned spins, seen_spins;

static void spin5(void *arg)
{
	(void)arg;
	for (int i = 0; i < 5; i++) {
		spins++;
		l4_yield();
	}
}

static void low_server(void *arg)
{
	uint64_t ep = *(uint64_t *)arg;
	struct l4_msg m = { 0 };
	long r = l4_reply_wait(ep, 0, 0, &m);

	for (;;) {
		if (r < 0)
			return;
		seen_spins = spins;
		r = l4_reply_wait(ep, 0, 0, &m);
	}
}

static void test_priority(void)
{
	static uint64_t ep;
	ep = ep_new();

	tap_note("ipc: priorities around a call");
	spins = 0;
	seen_spins = 99;
	uint64_t s = thread_spawn(low_server, &ep, 99);
	set_my_prio(98);
	set_my_prio(100);
	tap_ok(s && state_of(s) == L4_THREAD_BLOCKED, "a server at 99 waits (it ran while the testroot was at 98)");
	uint64_t sp = thread_spawn(spin5, 0, 100);
	struct l4_msg m = { { 0 }, JUNK };
	long r = ipc(L4_IPC_CALL, ep, NEVER, NEVER, l4_tag(1, 0, 0), &m);
	tap_ok(sp && r == (long)l4_tag(0, 0, 0), "a call to it is answered");
	tap_eq(seen_spins, 5, "... only after a ready thread at 100 ran its 5 rounds (the server saw that many)");
	thread_del(sp);
	thread_del(s);
	obj_del(ep);
}

/* Calls into another address space: sigma0 (s0test runs its server)
 * answers a label it does not know with label ENOSYS and no words. */
static void test_other_task(void)
{
	uint64_t in[32], out[32];
	bool ok = true, clean = true;

	tap_note("ipc: calls to another task (the sigma0 stand-in)");
	for (unsigned k = 0; k < 3; k++) {
		for (unsigned i = 1; i < 32; i++)
			in[i] = rpat(7 + k, i);
		in[R_A7] = l4_ipc_word(L4_IPC_CALL, L4_CAP_SIGMA0, NEVER, NEVER);
		in[R_A0] = l4_tag(0x123, 6, 0);
		wd_arm(WD_US);
		t_ipc_ecall(in, out);
		wd_disarm();
		ok = ok && regs_msg(out, l4_tag(L4_ENOSYS, 0, 0), 0, 0, 0);
		clean = clean && regs_clean(in, out);
	}
	tap_ok(ok, "3 calls with 6 words: each reply is label ENOSYS, 0 words, a1..a6 = 0 (nothing of the last "
	       "request or of the other task), a7 = 0");
	tap_ok(clean, "... ra, t0..t6 = 0, sp, gp, tp, s0..s11 kept");
	tap_eq(send_pat(L4_IPC_CALL, L4_CAP_SIGMA0, NEVER, 5, 20, 0, 5), (long)l4_tag(L4_ENOSYS, 0, 0),
	       "a call with 20 words (UTCB to UTCB across address spaces): the same reply");
}

/* Timeouts that did not fire must not fire later. */
struct tsrv {
	uint64_t ep;
	volatile int n;
	volatile long r1, r2;
};

static void tsrv_fn(void *arg)
{
	struct tsrv *t = arg;
	struct l4_msg m = { 0 };

	t->r1 = l4_ipc(l4_ipc_word(L4_IPC_RECV, t->ep, NEVER, l4_timeout_us(30000)), 0, &m);
	t->n++;
	l4_reply(0, 0, &m);
	t->r2 = l4_receive(t->ep, &m);
	t->n++;
}

static void test_stale_timeouts(void)
{
	uint64_t ep = ep_new(), idle = ep_new();
	static struct tsrv t;
	static struct echo e;

	tap_note("ipc: timeouts that did not fire");
	t = (struct tsrv){ .ep = ep, .r1 = SENT, .r2 = SENT };
	uint64_t s = thread_spawn(tsrv_fn, &t, 101);
	long r = ipc0(L4_IPC_CALL, ep, NEVER, NEVER, l4_tag(1, 0, 0));
	tap_ok(s && r == (long)l4_tag(0, 0, 0) && t.r1 == (long)l4_tag(1, 0, 0) && t.n == 1,
	       "a server receiving with a 30 ms timeout answers a call at once");
	r = ipc0(L4_IPC_RECV, idle, NEVER, l4_timeout_us(50000), 0);
	unsigned st = state_of(s);
	tap_ok(r == -L4_ETIMEDOUT && t.n == 1 && st == L4_THREAD_BLOCKED,
	       "50 ms later its next receive (no timeout) still waits (own receive %ld, server: %d passes, "
	       "state %u, second receive %ld)", r, t.n, st, t.r2);
	thread_del(s);

	s = echo_start(&e, ep, 101, 0);
	struct l4_msg m = { { 1 }, JUNK };
	r = ipc(L4_IPC_CALL, ep, NEVER, l4_timeout_us(20000), l4_tag(1, 1, 0), &m);
	tap_ok(s && r == (long)l4_tag(2, 1, 0), "the testroot's call with a 20 ms receive timeout is answered at once");
	wd_arm(50000);
	r = l4_ipc(l4_ipc_word(L4_IPC_RECV, idle, NEVER, NEVER), 0, &m);
	wd_disarm();
	tap_eq(r, WD_A0, "... its next receive (no timeout) is not ended by it: only the watchdog ends it after 50 ms");
	thread_del(s);
	obj_del(ep);
	obj_del(idle);
}

/* FP registers across calls: the server's first FP use sees zeroed registers,
 * never the caller's, and each keeps its own values. */
static inline void f5_set(uint64_t v)
{
	__asm__ volatile(".option push\n.option arch, +d\nfmv.d.x f5, %0\n.option pop" :: "r"(v));
}

static inline uint64_t f5_get(void)
{
	uint64_t v;

	__asm__ volatile(".option push\n.option arch, +d\nfmv.x.d %0, f5\n.option pop" : "=r"(v));
	return v;
}

struct fpsrv {
	uint64_t ep;
	volatile int n;
	volatile uint64_t first, later;
};

static void fpsrv_loop(void *arg)
{
	struct fpsrv *s = arg;
	struct l4_msg m = { 0 };
	long r = l4_reply_wait(s->ep, 0, 0, &m);

	for (;;) {
		if (r < 0)
			return;
		if (!s->n++) {
			s->first = f5_get();
			f5_set(0x5eed5eed5eed5eedUL);
		} else {
			s->later = f5_get();
		}
		r = l4_reply_wait(s->ep, 0, 0, &m);
	}
}

static void test_fp(void)
{
	static struct fpsrv s;
	uint64_t ep = ep_new();

	tap_note("ipc: FP registers across calls");
	s = (struct fpsrv){ .ep = ep, .first = JUNK, .later = JUNK };
	uint64_t th = thread_spawn(fpsrv_loop, &s, 101);
	f5_set(0xca11e5ca11e5UL);
	long r1 = ipc0(L4_IPC_CALL, ep, NEVER, NEVER, l4_tag(1, 0, 0));
	uint64_t mine1 = f5_get();
	long r2 = ipc0(L4_IPC_CALL, ep, NEVER, NEVER, l4_tag(1, 0, 0));
	uint64_t mine2 = f5_get();
	tap_ok(th && r1 == 0 && r2 == 0 && s.n == 2, "two calls to a server (101) that uses FP when called");
	tap_eq((long)s.first, 0, "... its first FP use sees f5 = 0, not the caller's value");
	tap_ok(s.later == 0x5eed5eed5eed5eedUL, "... at the second call its f5 is what it set (%#lx)", (unsigned long)s.later);
	tap_ok(mine1 == 0xca11e5ca11e5UL && mine2 == 0xca11e5ca11e5UL, "... the caller's f5 is its own after each call");
	thread_del(th);
	obj_del(ep);
}

static void test_paths(int path)
{
	test_fp();
	test_reply_wait_fails();
	test_reply_grants_receive_cap();
	test_second_call();
	test_reply_rights();
	test_error_regs(path);
	test_queued_caller();
	test_bound_server();
	test_priority();
	test_other_task();
	test_stale_timeouts();
}

/* ---- the fast path against the general path ---- */

struct fpres {
	long tag, stag;
	uint64_t mr[6], smr[6], badge, sbadge;
};

#define FP_CASES (3 * 2 * 7)

static struct fpres fpr[2][FP_CASES];

/* An echo variant: replies label ^ 0x80, the words turned by their index and
 * the badge it saw in the last word, so the reply depends on all it got. */
struct fps {
	uint64_t ep;
	volatile long stag;
	uint64_t smr[6], sbadge;
};

static void fp_server(void *arg)
{
	struct fps *s = arg;
	struct l4_msg m = { 0 };
	long r = l4_ipc(l4_ipc_word(L4_IPC_REPLY_WAIT, s->ep, NEVER, NEVER), 0, &m);

	for (;;) {
		if (r < 0) {
			s->stag = r;
			return;
		}
		s->stag = r;
		s->sbadge = m.badge;
		for (unsigned i = 0; i < 6; i++)
			s->smr[i] = m.mr[i];
		unsigned w = l4_tag_words((uint64_t)r);
		for (unsigned i = 0; i < 6; i++)
			m.mr[i] = m.mr[i] * 3 + i;
		m.mr[w < 6 ? w : 5] = m.badge;
		w = w < 6 ? w + 1 : 6;
		r = l4_ipc(l4_ipc_word(L4_IPC_REPLY_WAIT, s->ep, NEVER, NEVER),
			   l4_tag(l4_tag_label((uint64_t)r) ^ 0x80, w, 0), &m);
	}
}

static void test_fastpath(void)
{
	uint64_t ep = ep_new(), bep = copy_of(ep, L4_RIGHTS_ALL, 0xfa57);
	static struct fps s;
	static const unsigned prios[3] = { 99, 100, 101 };
	int wrong[2] = { 0, 0 };

	tap_note("ipc: the fast path against the general path");
	long prev = l4_debug_fastpath(1);
	tap_ok(prev == 0 || prev == 1, "l4_debug_fastpath(1) returns the previous setting, 0 or 1 (%ld)", prev);
	tap_eq(l4_debug_fastpath(0), 1, "switching it off returns 1 (it was on)");
	tap_eq(l4_debug_fastpath(0), 0, "switching it off again returns 0");
	tap_eq(l4_debug_fastpath(1), 0, "switching it on returns 0");

	for (int path = 1; path >= 0; path--) {
		l4_debug_fastpath(path);
		unsigned c = 0;
		for (unsigned p = 0; p < 3; p++) {
			s = (struct fps){ .ep = ep, .stag = SENT };
			uint64_t th = thread_spawn(fp_server, &s, prios[p]);
			for (unsigned b = 0; b < 2; b++)
				for (unsigned n = 0; n <= 6; n++, c++) {
					struct fpres *f = &fpr[path][c];
					struct l4_msg m;
					unsigned salt = 100 + c;
					uint64_t label = 0x200 + c;
					for (unsigned i = 0; i < 6; i++)
						m.mr[i] = pat(salt, i);
					m.badge = JUNK;
					f->tag = th ? ipc(L4_IPC_CALL, b ? bep : ep, NEVER, NEVER, l4_tag(label, n, 0), &m) : -1;
					for (unsigned i = 0; i < 6; i++)
						f->mr[i] = m.mr[i];
					f->badge = m.badge;
					f->stag = s.stag;
					f->sbadge = s.sbadge;
					for (unsigned i = 0; i < 6; i++)
						f->smr[i] = s.smr[i];
					/* What it must be. */
					uint64_t bd = b ? 0xfa57 : 0;
					bool ok = f->stag == (long)l4_tag(label, n, 0) && f->sbadge == bd && f->badge == 0 &&
						  f->tag == (long)l4_tag(label ^ 0x80, n < 6 ? n + 1 : 6, 0);
					for (unsigned i = 0; i < 6; i++) {
						uint64_t sent = i < n ? pat(salt, i) : 0;
						uint64_t back = i < n ? sent * 3 + i : 0;
						if (i == (n < 6 ? n : 5))
							back = bd;
						ok = ok && f->smr[i] == sent && f->mr[i] == back;
					}
					if (!ok && !wrong[path]++)
						tap_note("first wrong case: priority %u, badge %lu, %u words: tag %#lx, server tag %#lx",
							 prios[p], (unsigned long)bd, n, (unsigned long)f->tag,
							 (unsigned long)f->stag);
				}
			thread_del(th);
		}
		tap_ok(wrong[path] == 0, "fast path %s: all %d calls (servers at 99, 100, 101; badge or not; 0..6 words) "
		       "gave the expected reply and server view (%d wrong)", path ? "on" : "off", FP_CASES, wrong[path]);
	}
	int diff = 0;
	for (unsigned c = 0; c < FP_CASES; c++) {
		const uint64_t *a = (const uint64_t *)&fpr[0][c], *b = (const uint64_t *)&fpr[1][c];
		for (unsigned i = 0; i < sizeof(struct fpres) / 8; i++)
			if (a[i] != b[i]) {
				if (!diff++)
					tap_note("first difference: case %u, word %u: %#lx (off) vs %#lx (on)", c, i,
						 (unsigned long)a[i], (unsigned long)b[i]);
			}
	}
	tap_ok(diff == 0, "the fast path and the general path give the same results word by word (%d differ)", diff);
	l4_debug_fastpath(prev == 0 ? 0 : 1);
	tap_eq(l4_debug_fastpath(prev == 0 ? 0 : 1), prev == 0 ? 0 : 1, "the setting is restored");
	obj_del(ep);
	cap_put(bep);
}

static void test_ipc(void)
{
	uint64_t start = used_of(L4_CAP_FACTORY);
	uint64_t wd = wd_start();

	tap_note("ipc");
	tap_ok(wd != 0, "a watchdog thread (priority 1) guards the testroot's blocking IPC");
	test_send_receive();
	test_errors();
	test_timeouts();
	test_items();
	test_items_derive();
	test_items_queued();
	test_regs();
	test_regs_nofp();
	test_fastpath();
	long fp = l4_debug_fastpath(1);
	for (int path = 1; path >= 0; path--) {
		l4_debug_fastpath(path);
		tap_note("ipc: calls and replies with the fast path %s", path ? "on" : "off");
		test_call();
		test_cancel();
		test_fifo();
		test_paths(path);
	}
	l4_debug_fastpath(fp == 0 ? 0 : 1);
	tap_ok(blocked_view[0].pc == blocked_view[1].pc && blocked_view[0].sp == blocked_view[1].sp &&
	       blocked_view[0].a0 == blocked_view[1].a0 && blocked_view[0].state == blocked_view[1].state,
	       "exregs shows a caller blocked after the fast path as after the general path (a0 %#lx vs %#lx)",
	       (unsigned long)blocked_view[1].a0, (unsigned long)blocked_view[0].a0);
	wd_stop(wd);
	MAIN_UTCB->rcv_caps = 0;
	tap_ok(used_of(L4_CAP_FACTORY) == start, "ipc tests leaked no kernel memory (used %lu, at start %lu)",
	       (unsigned long)used_of(L4_CAP_FACTORY), (unsigned long)start);
}

TEST_AREA(ipc, 80, test_ipc);
