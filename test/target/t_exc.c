/*
 * t_exc.c - exceptions as IPC (l4/ipc.h): a thread's synchronous exception
 * becomes a call to the endpoint its exception-handler selector names,
 * label L4_LABEL_EXCEPTION, L4_EXC_WORDS words (MR0 = pc, MRn = xn,
 * MR32 = scause, MR33 = stval). The handler's reply resumes the thread with
 * the registers of a >= 32-word reply (emulation), runs the instruction
 * again after a shorter one, or stops the thread with a non-zero label.
 * Without a usable handler the thread is stopped and the kernel goes on.
 * Faulting threads run at 100, handlers at 101. At the end the root
 * factory's `used` is where it started.
 */
#include <stdint.h>

#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/ipc.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/sys.h>
#include <l4/task.h>
#include <l4/thread.h>

#include "area.h"
#include "tap.h"
#include "util.h"

#define SENT 0x5e5e5e5eL
/* UTCBs of this file's threads: [0x1e0000, 0x200000) of the testroot (see t_ipc.c). */
#define UTCB_FIRST 0x1e0000UL
#define UTCB_PAGES 32

#define ILLEGAL 0xc0001073U             /* csrrw x0, cycle, x0: a 4-byte illegal instruction in U-mode */
#define EBREAK 0x00100073U              /* the 4-byte ebreak */

static unsigned utcb_next;

static uint64_t utcb_addr(void)
{
	return UTCB_FIRST + (utcb_next++ % UTCB_PAGES) * L4_PAGE_SIZE;
}

/* ---- the faulting threads ---- */

enum fkind { F_ILLEGAL, F_EBREAK, F_LOAD_FAULT, F_MISALIGNED };

struct fault {
	enum fkind kind;
	uint64_t addr;                  /* F_LOAD_FAULT, F_MISALIGNED: the address loaded from */
	volatile int done;
	volatile uint64_t pc, t0, a5, s2;
};

/* Run one faulting instruction with t0 = 0x5555, a5 = 0x1111, s2 = 0x2222;
 * afterwards record where it was and what the registers hold. */
static void faulter(void *arg)
{
	struct fault *f = arg;
	register uint64_t t0 __asm__("t0") = 0x5555;
	register uint64_t a5 __asm__("a5") = 0x1111;
	register uint64_t s2 __asm__("s2") = 0x2222;
	register uint64_t a4 __asm__("a4") = f->addr;
	uint64_t pc = 0;

	switch (f->kind) {
	case F_ILLEGAL:
		__asm__ volatile("lla %3, 1f\n1: .4byte 0xc0001073\n"
				 : "+r"(t0), "+r"(a5), "+r"(s2), "=&r"(pc) :: "memory");
		break;
	case F_EBREAK:
		__asm__ volatile("lla %3, 1f\n1: .4byte 0x00100073\n"
				 : "+r"(t0), "+r"(a5), "+r"(s2), "=&r"(pc) :: "memory");
		break;
	case F_LOAD_FAULT:
	case F_MISALIGNED:
		__asm__ volatile(".option push\n.option norvc\nlla %3, 1f\n1: ld a5, 0(a4)\n.option pop\n"
				 : "+r"(t0), "+r"(a5), "+r"(s2), "=&r"(pc) : "r"(a4) : "memory");
		break;
	}
	f->pc = pc;
	f->t0 = t0;
	f->a5 = a5;
	f->s2 = s2;
	f->done = 1;
}

static uint64_t fault_start(struct fault *f, enum fkind kind, uint64_t addr, uint64_t exc)
{
	*f = (struct fault){ .kind = kind, .addr = addr };
	return thread_spawn_cfg(faulter, f, 100, 0, exc);
}

/* ---- the handler ---- */

enum hmode {
	H_EMULATE,      /* reply 32 words: pc + 4, t0 = 0x7070, a5 = val, s2 = 0x1818 */
	H_SKIP,         /* reply 32 words: pc + 4, the rest as received */
	H_AGAIN_ONCE,   /* first reply 0 words (the instruction runs again), then H_SKIP */
	H_STOP,         /* reply label 1: the thread stops */
	H_BAD_PC,       /* first reply 32 words with pc = val, then label 1 */
	H_HOLD,         /* no reply: receive again (the faulting thread keeps waiting) */
};

struct hnd {
	uint64_t ep;
	struct l4_utcb *u;
	enum hmode mode;
	uint64_t val;
	volatile int n, k;              /* exceptions handled: all, and since the testroot last set k = 0 */
	volatile long tag, reply;
	uint64_t badge, first_pc;
	uint64_t mr[L4_EXC_WORDS];
};

static void handler(void *arg)
{
	struct hnd *h = arg;
	struct l4_msg m = { { 0 }, 0 };
	long r = l4_receive(h->ep, &m);

	for (;;) {
		h->tag = r;
		if (r < 0)
			return;
		h->badge = m.badge;
		for (unsigned i = 0; i < L4_EXC_WORDS; i++)
			h->mr[i] = i < L4_MSG_REG_WORDS ? m.mr[i] : h->u ? h->u->mr[i] : 0;
		if (!h->n++)
			h->first_pc = h->mr[0];
		h->k++;
		uint64_t tag = l4_tag(0, 32, 0);
		switch (h->mode) {
		case H_EMULATE:
			m.mr[5] = 0x7070;               /* x5 = t0 (a register word) */
			h->u->mr[15] = h->val;          /* x15 = a5 (a UTCB word) */
			h->u->mr[18] = 0x1818;          /* x18 = s2 */
			m.mr[0] += 4;
			break;
		case H_SKIP:
			m.mr[0] += 4;
			break;
		case H_AGAIN_ONCE:
			if (h->k == 1)
				tag = l4_tag(0, 0, 0);
			else
				m.mr[0] += 4;
			break;
		case H_STOP:
			tag = l4_tag(1, 0, 0);
			break;
		case H_BAD_PC:
			if (h->k == 1)
				m.mr[0] = h->val;
			else
				tag = l4_tag(1, 0, 0);
			break;
		case H_HOLD:
			break;
		}
		if (h->mode != H_HOLD)
			h->reply = l4_reply(l4_tag_label(tag), l4_tag_words(tag), &m);
		r = l4_receive(h->ep, &m);
	}
}

static uint64_t handler_start(struct hnd *h, uint64_t ep, enum hmode mode, int utcb)
{
	uint64_t a = utcb ? utcb_addr() : 0;

	*h = (struct hnd){ .ep = ep, .u = (struct l4_utcb *)a, .mode = mode, .tag = SENT, .reply = SENT };
	return thread_spawn_cfg(handler, h, 101, a, 0);
}

static uint64_t gp_of_testroot(void)
{
	uint64_t gp;

	__asm__("mv %0, gp" : "=r"(gp));
	return gp;
}

static void test_emulate(void)
{
	uint64_t ep = obj_new(L4_OBJ_ENDPOINT), bep = copy_of(ep, L4_RIGHTS_ALL, 0xe1);
	static struct hnd h;
	static struct fault f;

	tap_note("exc: illegal instruction, emulated by the handler");
	uint64_t ht = handler_start(&h, ep, H_EMULATE, 1);
	h.val = 0xe1e1;
	uint64_t ft = fault_start(&f, F_ILLEGAL, 0, bep);
	YIELD_UNTIL(f.done && h.reply != SENT);
	tap_ok(ht && ft && h.n == 1, "a thread with an exception handler (badged endpoint copy) runs an illegal instruction: "
	       "the handler gets one message (%d)", h.n);
	tap_eq(h.tag, (long)l4_tag(L4_LABEL_EXCEPTION, L4_EXC_WORDS, 0),
	       "... tag: label L4_LABEL_EXCEPTION, L4_EXC_WORDS (34) words, no items");
	tap_eq((long)h.badge, 0xe1, "... a7 = the badge of the exception-handler capability (0xe1)");
	tap_ok(f.done && h.mr[0] == f.pc, "... MR0 = the pc of the instruction (%#lx, the thread saw %#lx)",
	       (unsigned long)h.mr[0], (unsigned long)f.pc);
	tap_eq((long)h.mr[L4_EXC_SCAUSE], 2, "... MR32 = scause 2 (illegal instruction)");
	tap_ok(h.mr[L4_EXC_STVAL] == ILLEGAL || h.mr[L4_EXC_STVAL] == 0,
	       "... MR33 = stval: the instruction or 0 (%#lx)", (unsigned long)h.mr[L4_EXC_STVAL]);
	tap_ok(h.mr[5] == 0x5555 && h.mr[15] == 0x1111 && h.mr[18] == 0x2222 && h.mr[3] == gp_of_testroot(),
	       "... MR5 = t0, MR15 = a5, MR18 = s2, MR3 = gp: the thread's registers at the fault");
	tap_eq(h.reply, 0, "the handler's reply (32 words, pc + 4, t0, a5, s2 changed): 0");
	tap_ok(f.done && f.t0 == 0x7070 && f.a5 == 0xe1e1 && f.s2 == 0x1818,
	       "... the thread resumed after the instruction with t0 = 0x7070, a5 = 0xe1e1, s2 = 0x1818 (%#lx %#lx %#lx)",
	       (unsigned long)f.t0, (unsigned long)f.a5, (unsigned long)f.s2);
	YIELD_UNTIL(state_of(ft) == L4_THREAD_INACTIVE && state_of(ht) == L4_THREAD_BLOCKED);
	tap_eq(state_of(ft), L4_THREAD_INACTIVE, "... and ran to its end (stopped itself)");
	tap_ok(state_of(ht) == L4_THREAD_BLOCKED && h.n == 1, "the handler waits for the next one");
	thread_del(ft);

	tap_note("exc: ebreak");
	h.mode = H_SKIP;
	ft = fault_start(&f, F_EBREAK, 0, ep);
	YIELD_UNTIL(h.n == 2 && f.done);
	tap_ok(ft && h.n == 2 && h.tag == (long)l4_tag(L4_LABEL_EXCEPTION, L4_EXC_WORDS, 0) &&
	       h.mr[L4_EXC_SCAUSE] == 3 && h.badge == 0, "ebreak: the handler gets scause 3, a7 = 0 (unbadged)");
	tap_ok(f.done && h.mr[0] == f.pc && (h.mr[L4_EXC_STVAL] == f.pc || h.mr[L4_EXC_STVAL] == 0),
	       "... MR0 = its pc, stval = the pc or 0 (%#lx)", (unsigned long)h.mr[L4_EXC_STVAL]);
	tap_ok(f.done && f.t0 == 0x5555 && f.a5 == 0x1111 && f.s2 == 0x2222,
	       "... a 32-word reply with only pc + 4 changed: the thread goes on with its registers as they were");
	thread_del(ft);

	tap_note("exc: a load from an unmapped address");
	int n = h.n;
	ft = fault_start(&f, F_LOAD_FAULT, 0x10, ep);
	YIELD_UNTIL(h.n == n + 1 && f.done);
	tap_ok(ft && h.n == n + 1 && (h.mr[L4_EXC_SCAUSE] == 13 || h.mr[L4_EXC_SCAUSE] == 5) &&
	       h.mr[L4_EXC_STVAL] == 0x10 && h.mr[14] == 0x10,
	       "a load from 0x10: the handler gets scause %lu (load fault), stval 0x10, MR14 = a4 = 0x10",
	       (unsigned long)h.mr[L4_EXC_SCAUSE]);
	tap_ok(f.done && h.mr[0] == f.pc && f.a5 == 0x1111, "... skipped by the handler, the thread goes on");
	thread_del(ft);

	tap_note("exc: a misaligned load");
	static uint64_t buf[2] = { 0x8877665544332211UL, 0x00ffeeddccbbaa99UL };
	h.mode = H_EMULATE;
	h.val = 0x9988776655443322UL;   /* what the load reads */
	n = h.n;
	ft = fault_start(&f, F_MISALIGNED, (uint64_t)buf + 1, ep);
	YIELD_UNTIL(f.done);
	if (h.n == n) {
		tap_note("the misaligned load did not trap to the kernel (QEMU or OpenSBI handled it): no exception IPC");
		tap_ok(f.done && f.a5 == 0x9988776655443322UL, "... the thread read the right value without a handler (%#lx)",
		       (unsigned long)f.a5);
	} else {
		tap_ok(h.mr[L4_EXC_SCAUSE] == 4 && h.mr[L4_EXC_STVAL] == (uint64_t)buf + 1,
		       "a misaligned load: scause 4, stval = the address (%lu, %#lx)", (unsigned long)h.mr[L4_EXC_SCAUSE],
		       (unsigned long)h.mr[L4_EXC_STVAL]);
		tap_ok(f.done && f.a5 == 0x9988776655443322UL, "... emulated by the handler");
	}
	thread_del(ft);
	thread_del(ht);
	obj_del(ep);
	cap_put(bep);
}

static void test_replies(void)
{
	uint64_t ep = obj_new(L4_OBJ_ENDPOINT);
	static struct hnd h;
	static struct fault f;

	tap_note("exc: what the reply decides");
	uint64_t ht = handler_start(&h, ep, H_AGAIN_ONCE, 1);
	uint64_t ft = fault_start(&f, F_ILLEGAL, 0, ep);
	YIELD_UNTIL(h.n == 2 && f.done);
	tap_ok(ht && ft && h.n == 2 && h.first_pc == h.mr[0] && f.done && f.pc == h.mr[0],
	       "a reply with label 0 and 0 words runs the instruction again: a second exception at the same pc (%d)", h.n);
	tap_ok(f.done && f.a5 == 0x1111, "... the second reply (32 words, pc + 4) lets the thread go on");
	thread_del(ft);

	h.mode = H_STOP;
	int n = h.n;
	ft = fault_start(&f, F_ILLEGAL, 0, ep);
	YIELD_UNTIL(h.n == n + 1 && state_of(ft) == L4_THREAD_INACTIVE);
	tap_ok(ft && h.n == n + 1 && h.reply == 0, "a reply with label 1: the reply itself succeeds");
	tap_ok(state_of(ft) == L4_THREAD_INACTIVE && !f.done, "... and the thread is stopped (INACTIVE) at the instruction");
	yield_n(2);
	tap_ok(state_of(ft) == L4_THREAD_INACTIVE && !f.done && h.n == n + 1, "... and stays so");
	thread_del(ft);

	/* A resumed pc that cannot run. */
	h.mode = H_BAD_PC;
	h.val = 0x10;
	h.k = 0;
	n = h.n;
	ft = fault_start(&f, F_ILLEGAL, 0, ep);
	YIELD_UNTIL(h.n == n + 2 && state_of(ft) == L4_THREAD_INACTIVE);
	tap_ok(ft && h.n == n + 2 && h.mr[0] == 0x10 && (h.mr[L4_EXC_SCAUSE] == 12 || h.mr[L4_EXC_SCAUSE] == 1) &&
	       h.mr[L4_EXC_STVAL] == 0x10,
	       "a reply resuming at pc 0x10 (unmapped): the next exception is an instruction fault there (scause %lu)",
	       (unsigned long)h.mr[L4_EXC_SCAUSE]);
	tap_ok(!f.done && state_of(ft) == L4_THREAD_INACTIVE, "... and the handler's label-1 reply stops the thread");
	thread_del(ft);
	h.val = 0xffffffc000000000UL;
	h.k = 0;
	n = h.n;
	ft = fault_start(&f, F_ILLEGAL, 0, ep);
	YIELD_UNTIL(h.n > n + 1 || h.reply < 0 || state_of(ft) == L4_THREAD_INACTIVE);
	tap_note("a reply resuming at a kernel address: reply %ld, %d more exceptions (last scause %lu, pc %#lx), state %u",
		 h.reply, h.n - n, (unsigned long)h.mr[L4_EXC_SCAUSE], (unsigned long)h.mr[0], state_of(ft));
	tap_ok(ft && !f.done && (h.n > n + 1 || h.reply < 0 || state_of(ft) == L4_THREAD_INACTIVE) &&
	       (h.n == n + 1 || h.mr[0] != 0xffffffc000000000UL || h.mr[L4_EXC_SCAUSE] == 12 || h.mr[L4_EXC_SCAUSE] == 1),
	       "a reply resuming at a kernel address: refused or faulting in user mode, never run");
	thread_del(ft);
	thread_del(ht);
	ht = 0;

	/* A fault before the handler waits: the exception waits like any call. */
	ft = fault_start(&f, F_EBREAK, 0, ep);
	YIELD_UNTIL(state_of(ft) == L4_THREAD_BLOCKED);
	tap_ok(ft && state_of(ft) == L4_THREAD_BLOCKED && !f.done,
	       "a thread faults while no handler waits: it is BLOCKED in the exception IPC");
	ht = handler_start(&h, ep, H_SKIP, 1);
	YIELD_UNTIL(h.n == 1 && f.done);
	tap_ok(ht && h.n == 1 && h.mr[L4_EXC_SCAUSE] == 3 && f.done, "... a handler that comes later gets it and resumes it");
	thread_del(ft);
	thread_del(ht);
	obj_del(ep);
}

static void test_no_handler(void)
{
	uint64_t ep = obj_new(L4_OBJ_ENDPOINT), n = obj_new(L4_OBJ_NOTIFICATION), empty = cap_get();
	uint64_t no_w = copy_of(ep, L4_RIGHTS_ALL & ~L4_RIGHT_W, 0);
	static struct fault f;
	static struct hnd h;

	tap_note("exc: no usable handler");
	uint64_t ft = fault_start(&f, F_ILLEGAL, 0, 0);
	YIELD_UNTIL(state_of(ft) == L4_THREAD_INACTIVE);
	tap_ok(ft && state_of(ft) == L4_THREAD_INACTIVE && !f.done,
	       "a thread without an exception handler runs an illegal instruction: it is stopped");
	thread_del(ft);
	ft = fault_start(&f, F_EBREAK, 0, empty);
	YIELD_UNTIL(state_of(ft) == L4_THREAD_INACTIVE);
	tap_ok(ft && state_of(ft) == L4_THREAD_INACTIVE && !f.done, "... one whose handler selector names an empty slot too");
	thread_del(ft);
	ft = fault_start(&f, F_ILLEGAL, 0, n);
	YIELD_UNTIL(state_of(ft) == L4_THREAD_INACTIVE);
	tap_ok(ft && state_of(ft) == L4_THREAD_INACTIVE && !f.done, "... one whose handler selector names a notification too");
	thread_del(ft);

	uint64_t ht = handler_start(&h, ep, H_SKIP, 1);
	ft = fault_start(&f, F_ILLEGAL, 0, no_w);
	YIELD_UNTIL(state_of(ft) == L4_THREAD_INACTIVE);
	tap_ok(ft && state_of(ft) == L4_THREAD_INACTIVE && !f.done && h.n == 0,
	       "... one whose handler capability lacks W too (the handler waiting behind it gets nothing)");
	thread_del(ft);
	thread_del(ht);

	ht = handler_start(&h, ep, H_SKIP, 0);
	ft = fault_start(&f, F_ILLEGAL, 0, ep);
	YIELD_UNTIL(state_of(ft) == L4_THREAD_INACTIVE && state_of(ht) == L4_THREAD_BLOCKED);
	tap_ok(ht && ft && state_of(ft) == L4_THREAD_INACTIVE && !f.done,
	       "a handler without a UTCB (35 words do not fit): the faulting thread is stopped");
	tap_ok(h.n == 0 && state_of(ht) == L4_THREAD_BLOCKED, "... the handler got nothing and still waits");
	thread_del(ft);
	thread_del(ht);

	/* The handler goes away while the thread waits. */
	uint64_t ep2 = obj_new(L4_OBJ_ENDPOINT);
	ht = handler_start(&h, ep2, H_HOLD, 1);
	ft = fault_start(&f, F_ILLEGAL, 0, ep2);
	YIELD_UNTIL(h.n == 1 && state_of(ft) == L4_THREAD_BLOCKED);
	tap_ok(ht && ft && h.n == 1 && state_of(ft) == L4_THREAD_BLOCKED,
	       "a handler takes an exception and does not reply: the thread waits");
	thread_del(ht);
	YIELD_UNTIL(state_of(ft) == L4_THREAD_INACTIVE);
	tap_ok(state_of(ft) == L4_THREAD_INACTIVE && !f.done, "... the handler is destroyed: the thread is stopped, not resumed");
	thread_del(ft);
	ft = fault_start(&f, F_EBREAK, 0, ep2);
	YIELD_UNTIL(state_of(ft) == L4_THREAD_BLOCKED);
	tap_ok(ft && state_of(ft) == L4_THREAD_BLOCKED, "a thread faults with no handler waiting: it waits on the endpoint");
	l4_factory_destroy(L4_CAP_FACTORY, ep2);
	YIELD_UNTIL(state_of(ft) == L4_THREAD_INACTIVE);
	tap_ok(state_of(ft) == L4_THREAD_INACTIVE && !f.done, "... the endpoint is destroyed: the thread is stopped");
	thread_del(ft);
	cap_put(ep2);

	/* The kernel and the testroot are fine: an IPC still works. */
	static struct hnd h2;
	static struct fault f2;
	ht = handler_start(&h2, ep, H_SKIP, 1);
	ft = fault_start(&f2, F_EBREAK, 0, ep);
	YIELD_UNTIL(f2.done && h2.n == 1);
	tap_ok(f2.done && h2.n == 1, "after all of these a handled exception still works");
	thread_del(ft);
	thread_del(ht);
	obj_del(ep);
	obj_del(n);
	cap_put(empty);
	cap_put(no_w);
}

static void test_exc(void)
{
	uint64_t start = used_of(L4_CAP_FACTORY);

	tap_note("exc");
	test_emulate();
	test_replies();
	test_no_handler();
	tap_ok(used_of(L4_CAP_FACTORY) == start, "exception tests leaked no kernel memory (used %lu, at start %lu)",
	       (unsigned long)used_of(L4_CAP_FACTORY), (unsigned long)start);
}

TEST_AREA(exc, 100, test_exc);
