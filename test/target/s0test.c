/*
 * s0test - the test image's boot module 0: a stand-in for sigma0 with a
 * second role. Started by the kernel, it is sigma0 (sigma0/server.c).
 * Started again by the testroot as a second thread of this task with
 * a0 = S0TEST_HOSTILE (t_robust.c), it is the hostile task of the
 * robustness test, which makes seeded random system calls with whatever
 * capabilities this task's table holds, in two parts:
 *
 *  1. plain: S0TEST_ROUNDS calls with random registers, steered now and
 *     then towards what the decoders accept (plain_call);
 *  2. extended: helper threads of this task (with UTCBs) and the main
 *     thread make calls built to get past the decoders into the paths random
 *     registers almost never reach, with partners for them: IPC with items
 *     and receive windows (the fast paths too), pager replies to page
 *     faults, exception messages, kernel-object operations on the objects
 *     they make, exregs of threads blocked in IPC, a task with a thread
 *     that faults to an endpoint they receive on (hx_*). The main thread
 *     makes S0TEST_EXT_ROUNDS calls, half of them from the plain stream.
 *
 * It then executes ebreak, so the kernel stops it; the testroot reads its
 * a0 for the result: calls of the main thread (low 32 bits) and results
 * with unknown error codes of all threads (high 32).
 *
 * It lives here, in sigma0's task, because it was written before tasks could
 * be given code by mapping (t_mem.c now does that); moving it to a task of
 * its own is left for the loader of the pager issue. Sharing the task, it
 * must leave sigma0 able to serve: see keep() and t_robust.c.
 */
#include <stdint.h>

#include <l4/crt.h>
#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/mem.h>
#include <l4/stdio.h>
#include <l4/sys.h>
#include <l4/syscall.h>
#include <l4/task.h>
#include <l4/thread.h>

#include "../lib/xorshift.h"
#include "../../sigma0/server.h"
#include "s0test.h"

/* One system call with all eight argument registers; r gets what came back. */
static uint64_t raw_ecall(uint64_t r[8])
{
	register uint64_t a0 __asm__("a0") = r[0];
	register uint64_t a1 __asm__("a1") = r[1];
	register uint64_t a2 __asm__("a2") = r[2];
	register uint64_t a3 __asm__("a3") = r[3];
	register uint64_t a4 __asm__("a4") = r[4];
	register uint64_t a5 __asm__("a5") = r[5];
	register uint64_t a6 __asm__("a6") = r[6];
	register uint64_t a7 __asm__("a7") = r[7];

	__asm__ volatile("ecall" : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a6), "+r"(a7)
			 :: "memory", "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6");
	r[0] = a0; r[1] = a1; r[2] = a2; r[3] = a3;
	r[4] = a4; r[5] = a5; r[6] = a6; r[7] = a7;
	return a0;
}

/* ---- the plain generator (part 1, and half of part 2's main thread) ---- */

/*
 * Random registers, often steered towards what the decoders accept, so
 * they get past the first checks and meet random arguments further in.
 * Takes exactly 9 numbers of *rng per call: part 1 is the same sequence of
 * calls for a seed as before part 2 existed.
 */
static void plain_call(uint64_t *rng, uint64_t r[8])
{
	for (int j = 0; j < 8; j++)
		r[j] = xorshift64s(rng);
	uint64_t steer = xorshift64s(rng);
	if (steer & 1)
		r[7] = (r[7] & ~L4_SYS_MASK) | (r[7] & 3);      /* a real syscall number */
	if ((steer & 6) == 2) {
		/* IPC on one of the first slots, with a real label half the time. */
		r[7] = l4_ipc_word(r[7] & L4_IPC_FLAGS_MASK & (steer & 8 ? ~0UL : L4_IPC_CALL),
				   (r[7] >> 12) % 24, (unsigned)(steer >> 32) & 0x7fff, 0);
		if (steer & 16)
			r[0] = l4_tag(((r[0] >> 16) % 4 + 1) << L4_LABEL_TYPE_SHIFT | (r[0] >> 8) % 5,
				      (unsigned)(r[0] % 8), steer & 32 ? 1 : 0);
		if (steer & 64) {
			r[1] %= 32;     /* small numbers: types, selectors, flags */
			r[2] %= 32;
		}
	}
	if ((r[7] & L4_SYS_MASK) == L4_SYS_YIELD && (steer & 128))
		r[7] = L4_SYS_YIELD;
}

/* ---- issuing calls and counting their results ---- */

struct tally {
	uint64_t calls, ok, unknown;
	uint64_t exregs_a0;     /* results that were an a0 another thread's exregs gave */
};

/*
 * A thread blocked in IPC whose registers exregs sets returns the a0 given
 * (l4/kobj.h), any number: so the a0s of the last exregs calls with
 * L4_EXREGS_SET_A0 (from either generator) are remembered, and a helper's
 * result that is one of them is no unknown error code.
 */
#define A0_RING 64
static volatile uint64_t a0_ring[A0_RING], a0_next;

static void note_exregs_a0(const uint64_t r[8])
{
	if ((r[7] & L4_SYS_MASK) == L4_SYS_IPC && (r[7] & L4_IPC_SEND) &&
	    l4_tag_label(r[0]) == L4_THREAD_EXREGS && (r[1] & L4_EXREGS_SET_A0))
		a0_ring[a0_next++ % A0_RING] = r[4];    /* MR3 = the a0 */
}

static int set_by_exregs(long ret)
{
	for (unsigned i = 0; i < A0_RING; i++)
		if (a0_ring[i] == (uint64_t)ret)
			return 1;
	return 0;
}

/* Issue the call in r (r gets the registers that came back) and count its
 * result; an unknown error code is reported with the call's registers (the
 * first few), so that it can be reproduced. exregs_ok: this thread can be
 * the target of the hostile's own exregs. */
static long issue(const char *who, uint64_t r[8], struct tally *t, int exregs_ok)
{
	static volatile unsigned reported;
	uint64_t in[8];

	for (int j = 0; j < 8; j++)
		in[j] = r[j];
	note_exregs_a0(in);
	long ret = (long)raw_ecall(r);
	t->calls++;
	t->ok += ret >= 0;
	if (ret < 0 && ret <= -L4_ERRNO_COUNT) {
		if (exregs_ok && set_by_exregs(ret)) {
			t->exregs_a0++;
		} else {
			t->unknown++;
			if (reported++ < 8)
				l4_printf("# hostile: unknown result %ld of %s's call %lu: a0..a7 %#lx %#lx %#lx %#lx %#lx %#lx %#lx %#lx\n",
					  ret, who, (unsigned long)t->calls, (unsigned long)in[0], (unsigned long)in[1],
					  (unsigned long)in[2], (unsigned long)in[3], (unsigned long)in[4],
					  (unsigned long)in[5], (unsigned long)in[6], (unsigned long)in[7]);
		}
	}
	return ret;
}

/* ---- keeping sigma0 serving ---- */

/*
 * The hostile shares sigma0's table. Random calls may delete, move, grant
 * away or revoke any slot, among them the two sigma0 itself needs: 1, its
 * task (it unmaps with it when memory is given back), and 4, the endpoint
 * it receives on (without it sigma0 spins on -L4_EBADCAP); slot 3, the
 * factory random calls make objects with, and 7, the debug object (output
 * only) the hostile and sigma0 print through, are kept too. So at the start each
 * is moved to a private slot and a copy put back (the private one is the
 * root: revoking what derives from the copy leaves it), and keep() replaces
 * the copy with a fresh one every 64 rounds of either part, whatever
 * happened to it. The private slots are beyond any slot the generators
 * name: they pick selectors and slot arguments below 32 (receive windows
 * below 40), or 64-bit numbers at random, which name one of sigma0's 64
 * slots about once in 2^58. (Sigma0's thread, slot 2, is made read-only by
 * t_robust for the run.)
 */
#define KEEP_TASK 59            /* the root of slot 1: the hostile's own task operations */
#define KEEP_FACTORY 58         /* the root of slot 3 as given: the hostile's sub-factory */
#define KEEP_EP 63              /* the root of slot 4 */
#define KEEP_WORLD 57           /* part 2's factory for random calls (hx_new_world), from KEEP_FACTORY */
#define KEEP_DEBUG 56           /* the root of slot 7 */

static unsigned task_rights, factory_rights, ep_rights, debug_rights;
static uint64_t factory_src = KEEP_FACTORY;     /* what slot 3 is a copy of */

static void keep_slot(uint64_t slot, uint64_t root, unsigned rights)
{
	l4_task_cap_delete(KEEP_TASK, slot);
	l4_task_cap_copy(KEEP_TASK, root, slot, rights, 0);
}

static void keep(void)
{
	keep_slot(L4_CAP_TASK, KEEP_TASK, task_rights);
	keep_slot(L4_CAP_FACTORY, factory_src, factory_rights);
	keep_slot(L4_CAP_SIGMA0, KEEP_EP, ep_rights);
	keep_slot(L4_CAP_DEBUG, KEEP_DEBUG, debug_rights);
}

static void keep_setup(void)
{
	unsigned type = 0;

	if (l4_task_cap_info(L4_CAP_TASK, L4_CAP_TASK, &type, &task_rights) ||
	    l4_task_cap_info(L4_CAP_TASK, L4_CAP_FACTORY, &type, &factory_rights) ||
	    l4_task_cap_info(L4_CAP_TASK, L4_CAP_SIGMA0, &type, &ep_rights) ||
	    l4_task_cap_info(L4_CAP_TASK, L4_CAP_DEBUG, &type, &debug_rights) ||
	    l4_task_cap_move(L4_CAP_TASK, L4_CAP_TASK, KEEP_TASK) ||
	    l4_task_cap_move(KEEP_TASK, L4_CAP_FACTORY, KEEP_FACTORY) ||
	    l4_task_cap_move(KEEP_TASK, L4_CAP_SIGMA0, KEEP_EP) ||
	    l4_task_cap_move(KEEP_TASK, L4_CAP_DEBUG, KEEP_DEBUG))
		l4_printf("# hostile: sigma0's slots not kept\n");
	keep();
}

/* At the end: the table as the hostile found it, the roots back in their
 * slots and every other slot but sigma0's thread (2) empty (the debug
 * control copy the testroot gave, S0TEST_DEBUG_CTL, too). */
static void keep_restore(void)
{
	for (uint64_t s = L4_CAP_FACTORY; s < 64; s++)
		if (s != KEEP_TASK && s != KEEP_FACTORY && s != KEEP_EP && s != KEEP_DEBUG)
			l4_task_cap_delete(KEEP_TASK, s);
	l4_task_cap_move(KEEP_TASK, KEEP_FACTORY, L4_CAP_FACTORY);
	l4_task_cap_move(KEEP_TASK, KEEP_EP, L4_CAP_SIGMA0);
	l4_task_cap_move(KEEP_TASK, KEEP_DEBUG, L4_CAP_DEBUG);
	l4_task_cap_delete(KEEP_TASK, L4_CAP_TASK);
	l4_task_cap_move(KEEP_TASK, KEEP_TASK, L4_CAP_TASK);
}

/* ---- part 2: steered calls, helper threads, scenarios ---- */

#define HX_THREADS 3
#define HX_SLOT 24              /* the helpers' thread capabilities (R|W): random targets */
#define HX_PRIV 60              /* the originals (all rights): only the main thread names them */
#define HX_WIN S0TEST_WIN
#define HX_WIN_ORDER S0TEST_WIN_ORDER
#define HX_UTCB S0TEST_UTCB     /* the helpers' UTCBs, then random UTCB addresses */
#define HX_TEXT_LO 0x400000UL   /* s0test's image lies in [HX_TEXT_LO, HX_TEXT_HI) (libl4/user.ld) */
#define HX_TEXT_HI 0x1400000UL
#define HX_PRIO 100             /* the hostile's own (t_robust.c) */
#define HX_SCEN_TASK 28         /* the scenario's task, endpoint and thread (hx_scenario) */
#define HX_SCEN_EP 29
#define HX_SCEN_THREAD 30
#define HX_WORLD_QUOTA (224 * 1024UL)   /* of the 256 KiB sub-factory: the helpers have the rest */
#define HX_WORLD_ROUNDS 8192

static uint64_t hx_src;                 /* SRC (s0test.h); 0: memory items from it fail */
static uint64_t hx_stack[HX_THREADS][1024] __attribute__((aligned(16)));
static uint64_t hx_rng[HX_THREADS];     /* each helper's stream, kept across its restarts */
static struct tally hx_tally[HX_THREADS];
static uint64_t hx_pfs, hx_excs, hx_scen, hx_restarts, hx_worlds;

/* A flexpage of SRC or WIN, sometimes with odd rights or a near miss: one
 * bit flipped among the format bits and those below the order, so that it
 * is malformed or misaligned but never larger or elsewhere (an order bit
 * flipped once made a window of 256 MiB at WIN, and page tables beyond it). */
static uint64_t hx_fpage(uint64_t *rng, int win_only)
{
	uint64_t v = xorshift64s(rng);
	int src = !win_only && (v & 1) && hx_src;
	unsigned maxo = src ? 21 : HX_WIN_ORDER;
	unsigned o = 12 + (unsigned)((v >> 2) % 4 ? (v >> 4) % 3 : (v >> 4) % (maxo - 11));
	uint64_t base = (src ? hx_src : HX_WIN) + ((v >> 12 << o) & ((1UL << maxo) - 1));
	unsigned rights = (v >> 50) % 4 ? L4_FP_RWX >> ((v >> 52) % 3) : (unsigned)(v >> 54) & 7;
	uint64_t fp = l4_fpage(base, o, rights);
	if ((v >> 57) % 32 == 0)
		fp ^= 1UL << (6 + (v >> 59) % (o - 6));
	return fp;
}

/* Mostly never or zero: a wait ends by a partner, at once, or by a tend. */
static unsigned hx_timeout(uint64_t *rng)
{
	uint64_t v = xorshift64s(rng);
	switch (v % 4) {
	case 0: case 1: return L4_TIMEOUT_NEVER;
	case 2: return L4_TIMEOUT_ZERO;
	default: return l4_timeout_us(1 + (v >> 8) % 3000);
	}
}

/* A message label: plain, a page fault's, an exception's, or a kernel operation's. */
static uint64_t hx_label(uint64_t *rng)
{
	uint64_t v = xorshift64s(rng);
	switch (v % 6) {
	case 0: case 1: return 0;
	case 2: return L4_LABEL_PAGEFAULT;
	case 3: return L4_LABEL_EXCEPTION;
	case 4: return ((v >> 8) % 5 + 1) << L4_LABEL_TYPE_SHIFT | (v >> 16) % 5;
	default: return (v >> 8) % 64;
	}
}

/* Set message word i: a1..a6 or the UTCB. */
static void hx_mr(uint64_t r[8], struct l4_utcb *u, unsigned i, uint64_t v)
{
	if (i < L4_MSG_REG_WORDS)
		r[1 + i] = v;
	else if (u)
		u->mr[i] = v;
}

/*
 * The hotspot of a memory item: where in the receiver's window it lands
 * and, for a thread waiting for its pager, where in its whole space
 * (l4/mem.h). That thread may be one of this task's, sigma0's: so mostly in
 * WIN, now and then in LOW, sometimes beyond user space, never where
 * s0test.h allows no page tables. A window takes the hotspot modulo its
 * size, and the whole space's is 2^38 = L4_USER_END: a hotspot beyond it
 * must still be WIN's modulo 2^38 (a random one put a page and two page
 * tables at random in sigma0's space in about one loaded boot in 20).
 */
static uint64_t hx_hotspot(uint64_t v)
{
	switch (v % 8) {
	case 0: return L4_USER_BASE + (v >> 3) % (S0TEST_LOW_END - L4_USER_BASE);
	case 1: return L4_USER_END * (1 + (v >> 32) % 1024) + HX_WIN + ((v >> 3) & ((1UL << HX_WIN_ORDER) - 1));
	default: return HX_WIN + ((v >> 3) & ((1UL << HX_WIN_ORDER) - 1));
	}
}

/*
 * An IPC with a well-formed tag, words, items and (with a UTCB) receive
 * windows, on one of the first 32 slots, a quarter of the time the
 * scenario's endpoint. Memory items name SRC or WIN and grant only from
 * WIN: SRC stays sigma0's (mapped to others, never given away); where they
 * land is hx_hotspot's.
 */
static void hx_ipc(uint64_t *rng, uint64_t r[8], struct l4_utcb *u)
{
	static const uint64_t fl[] = { L4_IPC_SEND, L4_IPC_RECV, L4_IPC_CALL, L4_IPC_REPLY,
				       L4_IPC_REPLY_WAIT, L4_IPC_CALL, L4_IPC_REPLY_WAIT, L4_IPC_SEND | L4_IPC_REPLY };
	uint64_t v = xorshift64s(rng);
	unsigned maxw = u ? L4_MSG_WORDS : L4_MSG_REG_WORDS;
	unsigned words = (unsigned)((v >> 8) % 4 ? (v >> 10) % 7 : (v >> 10) % (maxw + 1));
	unsigned items = (unsigned)((v >> 20) % 3 ? 0 : (v >> 22) % 4);
	if (words + 2 * items > maxw)
		items = (maxw - words) / 2;
	for (unsigned i = 0; i < words; i++) {
		uint64_t w = xorshift64s(rng);
		hx_mr(r, u, i, w & 1 ? w % 32 : w);
	}
	for (unsigned k = 0; k < items; k++) {
		uint64_t w = xorshift64s(rng);
		uint64_t w0, w1;
		if (w & 1) {
			w0 = l4_item_cap((unsigned)(w >> 4), (w >> 8) % 4 == 0);
			w1 = (w >> 16) % 32;
		} else {
			w1 = hx_fpage(rng, 0);
			int grant = (w >> 8) % 4 == 0 && l4_fpage_base(w1) >= HX_WIN;
			w0 = l4_item_mem(hx_hotspot(w >> 12), grant);
		}
		hx_mr(r, u, words + 2 * k, w0);
		hx_mr(r, u, words + 2 * k + 1, w1);
	}
	if (u) {
		u->rcv_caps = (v >> 30) % 3 ? l4_rcv_caps(8 + (v >> 32) % 24, (unsigned)(v >> 40) % 4) : 0;
		u->rcv_mem = (v >> 42) % 3 ? hx_fpage(rng, 1) : 0;
	}
	r[0] = l4_tag(hx_label(rng), words, items);
	r[7] = l4_ipc_word(fl[(v >> 44) % 8], (v >> 48) % 4 ? (v >> 50) % 32 : HX_SCEN_EP, hx_timeout(rng),
			   hx_timeout(rng));
}

/*
 * A pager's reply to the last page fault this thread received: one map item
 * of a page of SRC (or WIN), mostly RWX, at the fault address (the hotspot;
 * the window is the whole user range). The faulting thread may be one of
 * this task's, sigma0's, so the page goes only where s0test.h allows page
 * tables in it: a fault elsewhere gets its page at the same offset in WIN,
 * the fault stays, and the thread's exception handler hears of it.
 */
static void hx_pf_reply(uint64_t *rng, uint64_t r[8], uint64_t fault)
{
	uint64_t v = xorshift64s(rng);
	uint64_t src = hx_src && v % 4 ? hx_src + ((v >> 8) % 512) * 4096 : l4_fpage_base(hx_fpage(rng, 1));
	unsigned rights = (v >> 20) % 3 ? L4_FP_RWX : (unsigned)(v >> 24) & 7;
	uint64_t at = fault & ~0xfffUL;
	if (!(at >= L4_USER_BASE && at < S0TEST_LOW_END) && !(at >= HX_WIN && at < HX_WIN + (1UL << HX_WIN_ORDER)))
		at = HX_WIN + (at & ((1UL << HX_WIN_ORDER) - 1));
	r[0] = l4_tag(0, 0, 1);
	r[1] = l4_item_mem(at, 0);
	r[2] = l4_fpage(src, 12, rights);
	r[7] = l4_ipc_word((v >> 28) % 4 ? L4_IPC_REPLY_WAIT : L4_IPC_REPLY, (v >> 32) % 32, 0, 0);
}

/* A pc for exregs: where nothing is mapped (the pages a pager's reply may
 * put there below S0TEST_LOW_END), or in WIN or SRC (zeroed: an illegal
 * instruction at once). Never in s0test's code or data, which are sigma0's
 * too. */
static uint64_t hx_pc(uint64_t *rng)
{
	uint64_t v = xorshift64s(rng);
	switch (v % 4) {
	case 0: return L4_USER_BASE + (v >> 8) % 16 * 4096;
	case 1: return HX_WIN + ((v >> 8) & ((1UL << HX_WIN_ORDER) - 1) & ~3UL);
	case 2: return hx_src ? hx_src + ((v >> 8) % (2UL << 20) & ~3UL) : 0;
	default: return (v >> 8) % 64;
	}
}

/*
 * A kernel-object operation on one of the first 32 slots (a quarter of the
 * time this task, sigma0's thread or the factory), with arguments the
 * decoders accept more often than not: small slot numbers, real types and
 * sizes, flexpages of SRC and WIN, UTCBs in the UTCB range or WIN.
 */
static void hx_kobj(uint64_t *rng, uint64_t r[8])
{
	uint64_t v = xorshift64s(rng);
	uint64_t sel = (v >> 8) % 4 == 0 ? 1 + (v >> 10) % 3 : (v >> 10) % 32;
	int helper = sel >= HX_SLOT && sel < HX_SLOT + HX_THREADS;
	uint64_t label = 0;
	for (int i = 1; i < 7; i++)
		r[i] = xorshift64s(rng) % 32;
	switch ((v >> 16) % 13) {
	case 0: case 1:         /* factory create: type, slot, size */
		label = L4_FACTORY_CREATE;
		r[1] = 1 + (v >> 20) % 6;      /* up to L4_OBJ_DEBUG, which factories do not make */
		r[2] = 8 + (v >> 24) % 24;
		r[3] = r[1] == L4_OBJ_TASK ? 3 + (v >> 28) % 7 : r[1] == L4_OBJ_FACTORY ? (v >> 28) % 3 * 4096 + 512 : r[3];
		break;
	case 2:
		label = L4_FACTORY_DESTROY;
		break;
	case 3:
		label = L4_FACTORY_INFO;
		break;
	case 4:                 /* task cap copy / move / delete / info */
		label = L4_TASK_CAP_COPY + (v >> 20) % 4;
		r[3] = (v >> 24) & 0xf;
		r[4] = (v >> 28) % 4 ? 0 : (v >> 32) % 256;
		break;
	case 5: case 6: {       /* unmap: memory (from this task itself only in WIN) or capabilities */
		label = L4_TASK_UNMAP;
		if ((v >> 20) % 3) {
			r[1] = hx_fpage(rng, 0);
			r[2] = (v >> 24) % 2 && l4_fpage_base(r[1]) >= HX_WIN ? L4_UNMAP_SELF : 0;
		} else {
			unsigned o = (unsigned)(v >> 24) % 5;
			r[1] = l4_cap_fpage(((v >> 28) % 32) & ~((1UL << o) - 1), o, (unsigned)(v >> 36) & 0xf);
			r[2] = 0;
		}
		break;
	}
	case 7: case 8: {       /* thread config */
		label = L4_THREAD_CONFIG;
		r[1] = (v >> 20) & L4_THREAD_CFG_ALL;
		r[5] = (v >> 26) % 4 ? HX_UTCB + (v >> 28) % S0TEST_UTCB_PAGES * 4096 :
		       (v >> 28) % 2 ? HX_WIN + ((v >> 30) % 4096) * 4096 : r[5];
		unsigned p = (unsigned)(v >> 40) % (HX_PRIO + 2), mp = (unsigned)(v >> 48) % (HX_PRIO + 2);
		r[6] = p | mp << 8;
		if (helper)     /* keep the helpers running */
			r[1] &= ~(uint64_t)L4_THREAD_CFG_PRIO;
		break;
	}
	case 9: case 10: case 11: {     /* exregs: read, or set pc/sp/a0, start, stop */
		label = L4_THREAD_EXREGS;
		r[1] = (v >> 20) % 4 ? (v >> 24) & L4_EXREGS_ALL : 0;
		r[2] = hx_pc(rng);
		r[3] = (v >> 32) % 2 ? HX_WIN + ((v >> 34) & ((1UL << HX_WIN_ORDER) - 16)) : r[3];
		r[4] = xorshift64s(rng);
		if (helper)     /* keep the helpers alive (their copies elsewhere are fair game) */
			r[1] &= ~(uint64_t)(L4_EXREGS_SET_PC | L4_EXREGS_SET_SP | L4_EXREGS_SET_A0);
		break;
	}
	default:                /* bind a notification (or unbind) */
		label = L4_THREAD_BIND;
		r[1] = (v >> 20) % 5 ? (v >> 24) % 32 : 0;
		break;
	}
	r[0] = l4_tag(label, (v >> 56) % 8 ? 6 : (unsigned)(v >> 59) % 8, 0);
	r[7] = l4_ipc_word(L4_IPC_CALL, sel, 0, 0);
}

/* One steered call into r; u: this thread's UTCB (NULL: none); fault: the
 * last page fault received and not yet answered (0: none). */
static void hx_gen(uint64_t *rng, uint64_t r[8], struct l4_utcb *u, uint64_t fault)
{
	uint64_t v = xorshift64s(rng);
	for (int j = 0; j < 8; j++)
		r[j] = xorshift64s(rng);
	switch (v % 16) {
	case 0: case 1: case 2: case 3: case 4: case 5:
		hx_ipc(rng, r, u);
		break;
	case 6: case 7:
		if (fault)
			hx_pf_reply(rng, r, fault);
		else
			hx_ipc(rng, r, u);
		break;
	case 8: case 9: case 10: case 11: case 12:
		hx_kobj(rng, r);
		break;
	case 13:                /* the IPC fast path on or off (the debug object, R|D) */
		r[0] = l4_tag(L4_DEBUG_FASTPATH, 1, 0);
		r[1] = (v >> 8) % 2;
		r[7] = l4_ipc_word(L4_IPC_CALL, S0TEST_DEBUG_CTL, 0, 0);
		break;
	case 14:
		r[7] = L4_SYS_YIELD;
		break;
	default:
		r[0] = l4_tag(L4_DEBUG_PFSTATS, 1, 0);
		r[1] = (v >> 8) % 3;
		r[7] = l4_ipc_word(L4_IPC_CALL, S0TEST_DEBUG_CTL, 0, 0);
		break;
	}
}

/* What a result says beyond its code: a page fault received is remembered
 * for a pager's reply (until a reply goes out), exceptions are counted. */
static void hx_result(long ret, uint64_t word, const uint64_t out[8], uint64_t *fault)
{
	if (ret < 0 || (word & L4_SYS_MASK) != L4_SYS_IPC)
		return;
	if (l4_tag_label((uint64_t)ret) == L4_LABEL_EXCEPTION)
		hx_excs++;
	if ((word & L4_IPC_RECV) && l4_tag_label((uint64_t)ret) == L4_LABEL_PAGEFAULT &&
	    l4_tag_words((uint64_t)ret) == 2) {
		*fault = out[1] | 1;    /* MR0: the fault address (| 1: never 0) */
		hx_pfs++;
	} else if (word & L4_IPC_REPLY) {
		*fault = 0;
	}
}

static void hx_helper(void *arg)
{
	unsigned i = (unsigned)(uint64_t)arg;
	struct l4_utcb *u = (struct l4_utcb *)(HX_UTCB + i * 4096);
	uint64_t fault = 0;

	for (;;) {
		uint64_t r[8];
		hx_gen(&hx_rng[i], r, u, fault);
		uint64_t word = r[7];
		long ret = issue("a helper", r, &hx_tally[i], 1);
		hx_result(ret, word, r, &fault);
	}
}

/* Start helper i afresh (its thread HX_PRIV + i exists, with a UTCB). */
static void hx_start(unsigned i)
{
	l4_thread_run(HX_PRIV + i, hx_helper, (void *)(uint64_t)i, hx_stack[i], sizeof(hx_stack[i]));
}

/* The helper threads, made (not started) before part 1 so that it cannot
 * use up the factory first; their random-target copies are made anew at
 * the start of part 2. */
static void hx_make(uint64_t seed)
{
	hx_src = s0test_src(l4_kip());
	for (unsigned i = 0; i < HX_THREADS; i++) {
		struct l4_thread_config c = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_UTCB | L4_THREAD_CFG_PRIO,
					      .task = L4_CAP_TASK, .utcb = HX_UTCB + i * 4096,
					      .prio = HX_PRIO, .max_prio = HX_PRIO };
		hx_rng[i] = (seed ^ 0x9e3779b97f4a7c15ULL * (i + 1)) | 1;      /* never 0 */
		if (l4_factory_create_thread(KEEP_FACTORY, HX_PRIV + i) || l4_thread_config(HX_PRIV + i, &c))
			l4_printf("# hostile: helper %u not made\n", i);
	}
}

static void hx_start_all(void)
{
	for (unsigned i = 0; i < HX_THREADS; i++) {
		l4_task_cap_delete(KEEP_TASK, HX_SLOT + i);
		l4_task_cap_copy(KEEP_TASK, HX_PRIV + i, HX_SLOT + i, L4_RIGHT_R | L4_RIGHT_W, 0);
		hx_start(i);
	}
}

/*
 * A scenario: a thread in a new task, paged and handled by an endpoint the
 * hostile's threads receive on (slots HX_SCEN_*); started where nothing is
 * mapped, it faults at once, and whoever receives the fault may answer it
 * (hx_pf_reply), with pages of SRC that hold zeros: the thread then stops
 * or its handler gets an exception message. Random calls may take any of
 * the three away; the next scenario makes what is missing.
 */
static void hx_scenario(uint64_t *rng)
{
	uint64_t v = xorshift64s(rng);
	unsigned type = 0, rights = 0;

	if (v % 8 == 0) {       /* now and then, start over */
		for (uint64_t s = HX_SCEN_TASK; s <= HX_SCEN_THREAD; s++)
			l4_factory_destroy(KEEP_WORLD, s);
	}
	l4_factory_create_task(KEEP_WORLD, HX_SCEN_TASK, 4 + (unsigned)(v >> 4) % 3);
	l4_factory_create_endpoint(KEEP_WORLD, HX_SCEN_EP);
	l4_task_cap_delete(HX_SCEN_TASK, 5);
	l4_task_cap_copy(HX_SCEN_TASK, HX_SCEN_EP, 5, (v >> 8) % 4 ? L4_RIGHT_W | L4_RIGHT_G : L4_RIGHTS_ALL, 0);
	if (l4_task_cap_info(KEEP_TASK, HX_SCEN_THREAD, &type, &rights) || type != L4_OBJ_THREAD) {
		l4_task_cap_delete(KEEP_TASK, HX_SCEN_THREAD);
		l4_factory_create_thread(KEEP_WORLD, HX_SCEN_THREAD);
	}
	struct l4_thread_config c = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PAGER | L4_THREAD_CFG_EXC |
					       L4_THREAD_CFG_PRIO | ((v >> 12) % 4 ? 0 : L4_THREAD_CFG_UTCB),
				      .task = HX_SCEN_TASK, .pager = 5, .exc_handler = (v >> 16) % 4 ? 5 : 6,
				      .utcb = HX_UTCB + (v >> 20) % 16 * 4096, .prio = HX_PRIO, .max_prio = HX_PRIO };
	l4_thread_config(HX_SCEN_THREAD, &c);   /* -L4_EBUSY once it has a task: fine */
	struct l4_exregs x = { .flags = L4_EXREGS_SET_PC | L4_EXREGS_SET_SP | L4_EXREGS_START,
			       .pc = L4_USER_BASE + (v >> 24) % 32 * 4096, .sp = HX_WIN + (v >> 32) % 4096 * 4096 };
	if ((v >> 44) % 2) {    /* half the time: set while stopped, then start */
		x.flags = L4_EXREGS_SET_PC | L4_EXREGS_SET_SP | L4_EXREGS_STOP;
		l4_thread_exregs(HX_SCEN_THREAD, &x);
		x.flags = L4_EXREGS_START;
	}
	l4_thread_exregs(HX_SCEN_THREAD, &x);
	hx_scen++;
}

/*
 * Part 2's objects come from a factory of their own, the world: slot 3 is a
 * copy of it. An object whose capabilities random calls deleted goes only
 * with its factory, and a world is full after some thousand rounds; so every
 * HX_WORLD_ROUNDS rounds it is destroyed with all it made (threads blocked
 * in IPC, tasks with mappings, factories in it: a test of its own) and made
 * anew. The helpers come from the sub-factory itself and stay.
 */
static void hx_new_world(void)
{
	l4_factory_destroy(KEEP_FACTORY, KEEP_WORLD);
	if (l4_factory_create_factory(KEEP_FACTORY, KEEP_WORLD, HX_WORLD_QUOTA))
		l4_printf("# hostile: no world made\n");
	factory_src = KEEP_WORLD;
	keep();
	hx_worlds++;
}

/* Every 64 rounds of part 2: sigma0's slots back (keep), and the helpers
 * kept going: waits that no one would end are ended, helpers stopped (by a
 * fault, say) or running elsewhere than s0test's code start afresh. */
static void hx_tend(void)
{
	keep();
	for (unsigned i = 0; i < HX_THREADS; i++) {
		struct l4_exregs x = { .flags = 0 };
		struct l4_thread_config c = { .which = L4_THREAD_CFG_PRIO, .prio = HX_PRIO, .max_prio = HX_PRIO };
		l4_thread_config(HX_PRIV + i, &c);
		if (l4_thread_exregs(HX_PRIV + i, &x))
			continue;
		if (x.pc < HX_TEXT_LO || x.pc >= HX_TEXT_HI || x.state == L4_THREAD_INACTIVE) {
			l4_thread_stop(HX_PRIV + i);
			hx_start(i);
			hx_restarts++;
		} else if (x.state == L4_THREAD_BLOCKED) {
			struct l4_exregs w = { .flags = L4_EXREGS_SET_A0, .a0 = (uint64_t)-L4_ECANCELED };
			l4_thread_exregs(HX_PRIV + i, &w);
		}
	}
}

/* The end of part 2: helpers stopped; what came of SRC revoked (sigma0's
 * own mapping stays) and WIN emptied. Only page tables stay (s0test.h). */
static void hx_finish(void)
{
	for (unsigned i = 0; i < HX_THREADS; i++)
		l4_thread_stop(HX_PRIV + i);
	l4_factory_destroy(KEEP_FACTORY, KEEP_WORLD);
	factory_src = KEEP_FACTORY;
	long e1 = hx_src ? l4_task_unmap(KEEP_TASK, l4_fpage(hx_src, 21, L4_FP_RWX), 0) : 0;
	long e2 = l4_task_unmap(KEEP_TASK, l4_fpage(HX_WIN, HX_WIN_ORDER, L4_FP_RWX), L4_UNMAP_SELF);
	if (e1 || e2)
		l4_printf("# hostile: the final unmaps failed: %ld %ld\n", e1, e2);
}

/* ---- the hostile ---- */

static void hostile(uint64_t seed)
{
	uint64_t rng = seed, xrng = seed ^ 0x5deece66dULL, fault = 0, r[8];    /* the plain stream, part 2's own */
	struct tally plain = { 0 }, main2 = { 0 }, helpers = { 0 };
	long fastpath = l4_debug_fastpath(1);     /* as it was, to put back at the end */

	if (fastpath == 0)
		l4_debug_fastpath(0);

	keep_setup();
	hx_make(seed);

	/* Part 1: the plain generator alone. */
	for (uint64_t n = 0; n < S0TEST_ROUNDS; n++) {
		if (n % 64 == 0)
			keep();
		plain_call(&rng, r);
		issue("part 1", r, &plain, 0);
	}
	l4_printf("# hostile: part 1: %lu calls, %lu succeeded, %lu failed with known codes, %lu unknown\n",
		  (unsigned long)plain.calls, (unsigned long)plain.ok,
		  (unsigned long)(plain.calls - plain.ok - plain.unknown), (unsigned long)plain.unknown);

	/* Part 2: helpers running; the main thread's calls are steered (its
	 * own stream) or plain (the plain stream goes on) half and half. */
	hx_start_all();
	for (uint64_t n = 0; n < S0TEST_EXT_ROUNDS; n++) {
		if (n % HX_WORLD_ROUNDS == 0)
			hx_new_world();
		if (n % 64 == 0)
			hx_tend();
		if (n % 256 == 128)
			hx_scenario(&xrng);
		if (xorshift64s(&xrng) % 2) {
			hx_gen(&xrng, r, NULL, fault);
			uint64_t word = r[7];
			long ret = issue("part 2", r, &main2, 0);
			hx_result(ret, word, r, &fault);
		} else {
			plain_call(&rng, r);
			issue("part 2", r, &main2, 0);
		}
	}
	hx_finish();
	for (unsigned i = 0; i < HX_THREADS; i++) {
		helpers.calls += hx_tally[i].calls;
		helpers.ok += hx_tally[i].ok;
		helpers.unknown += hx_tally[i].unknown;
		helpers.exregs_a0 += hx_tally[i].exregs_a0;
	}
	l4_printf("# hostile: part 2: %lu calls, %lu succeeded, %lu unknown; %u helpers made %lu calls, "
		  "%lu succeeded, %lu unknown, %lu ended with an a0 set by exregs (%lu restarts); "
		  "%lu page faults and %lu exceptions received, %lu scenarios, %lu worlds\n",
		  (unsigned long)main2.calls, (unsigned long)main2.ok, (unsigned long)main2.unknown, HX_THREADS,
		  (unsigned long)helpers.calls, (unsigned long)helpers.ok, (unsigned long)helpers.unknown,
		  (unsigned long)helpers.exregs_a0, (unsigned long)hx_restarts, (unsigned long)hx_pfs,
		  (unsigned long)hx_excs, (unsigned long)hx_scen, (unsigned long)hx_worlds);

	keep_restore();
	if (fastpath >= 0)
		l4_debug_fastpath((int)fastpath);
	l4_flush();
	uint64_t unknown = plain.unknown + main2.unknown + helpers.unknown;
	register uint64_t a0 __asm__("a0") = unknown << 32 | (plain.calls + main2.calls);
	__asm__ volatile("ebreak" :: "r"(a0));
	for (;;)
		;
}

int main(void)
{
	if (l4_boot_instret_kernel == S0TEST_HOSTILE)
		hostile(S0TEST_SEED);
	/* Otherwise it is sigma0: the real server. */
	sigma0_serve(L4_CAP_SIGMA0);
}
