/*
 * t_mem.c - memory between address spaces (l4/mem.h, l4/sigma0.h): sigma0's
 * requests and errors, memory items in IPC between threads of the testroot
 * (placement in the receive window, rewritten item words), recursive
 * revocation (A -> B -> C aliases in the testroot), grant, rights and
 * rights-only unmap, page faults to a pager served here and on to the
 * exception handler, bad items and bad unmaps (nothing delivered, nothing
 * changed), all of RAM from sigma0 page by page and back, and the root
 * factory's kernel memory at the end. Accesses that may fault are made by
 * probe threads (exception handler: the main thread), never by the main
 * thread, whose pager is sigma0.
 */
#include <stddef.h>
#include <stdint.h>

#include <l4/errno.h>
#include <l4/ipc.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/mem.h>
#include <l4/serve.h>
#include <l4/sigma0.h>
#include <l4/sys.h>
#include <l4/factory.h>
#include <l4/kip.h>
#include <l4/task.h>
#include <l4/thread.h>

#include "area.h"
#include "tap.h"
#include "util.h"

#define UTCB ((struct l4_utcb *)L4_BOOT_UTCB)

/* ---- helpers ---- */

#define SEC 1000000UL
#define UTCB_FIRST 0x300000UL           /* UTCBs of this file's threads: [0x300000, 0x320000) */
#define UTCB_PAGES 32
#define SRC 0x20000000UL                /* S[0..3]: 4 pages from sigma0, 16 KiB-aligned */
#define L_LABEL 0x77UL                  /* label of the senders' messages */
#define P_LABEL 0x99UL                  /* label of a prober's "done" message */
#define L4_FP_RW (L4_FP_R | L4_FP_W)
#define BULK 0x1000000000UL             /* the sigma0 loop's windows */

static uint64_t ep, ntf;
static unsigned utcb_next;
static uint64_t S[4], Spa[4];
static uint64_t bulk_n;           /* pages of the sigma0 loop */

static uint64_t utcb_addr(void)
{
	return UTCB_FIRST + (utcb_next++ % UTCB_PAGES) * L4_PAGE_SIZE;
}

static void sleep_us(uint64_t us)
{
	uint64_t bits;
	l4_wait_timeout(ntf, l4_timeout_us(us), &bits);
}

static long recv_to(uint64_t us, struct l4_msg *m)
{
	return l4_ipc(l4_ipc_word(L4_IPC_RECV, ep, L4_TIMEOUT_NEVER, l4_timeout_us(us)), 0, m);
}

struct snd {
	uint64_t tag, mr[6];
	volatile long r;
	volatile int done;
};

static void sender(void *a)
{
	struct snd *s = a;
	struct l4_msg m = { { 0 }, 0 };

	for (int i = 0; i < 6; i++)
		m.mr[i] = s->mr[i];
	s->r = l4_ipc(l4_ipc_word(L4_IPC_SEND, ep, l4_timeout_us(SLOW_HOST_US), L4_TIMEOUT_NEVER), s->tag, &m);
	s->done = 1;
}

/* A sender thread (own UTCB) sends `items` items (w[0..2*items)) to the
 * main thread, which receives with window win. Returns the receive's result
 * (-L4_ETIMEDOUT: nothing arrived); *sr = the sender's result. The receive
 * waits for state, not time: once the sender blocks in its send or has
 * failed, a receive with a zero timeout gets the message or nothing (a
 * 50 ms receive timeout failed on a loaded host, before the sender ran). */
static long xfer(uint64_t win, unsigned items, const uint64_t *w, long *sr, struct l4_msg *m)
{
	struct snd s = { .tag = l4_tag(L_LABEL, 0, items), .r = 12345 };

	for (unsigned i = 0; i < 2 * items && i < 6; i++)
		s.mr[i] = w[i];
	uint64_t th = thread_spawn_cfg(sender, &s, 100, utcb_addr(), 0);
	if (!th)
		return -1000;
	*m = (struct l4_msg){ { 0 }, 0 };
	YIELD_UNTIL(s.done || state_of(th) == L4_THREAD_BLOCKED);
	UTCB->rcv_mem = win;
	long r = l4_ipc(l4_ipc_word(L4_IPC_RECV, ep, L4_TIMEOUT_NEVER, L4_TIMEOUT_ZERO), 0, m);
	UTCB->rcv_mem = 0;
	for (int i = 0; i < 1500 && !s.done; i++)
		sleep_us(1000);
	*sr = s.done ? s.r : -1001;
	thread_del(th);
	return r;
}

/* One item, expected to arrive. */
static long xfer1(uint64_t win, uint64_t w0, uint64_t w1, struct l4_msg *m)
{
	uint64_t w[2] = { w0, w1 };
	long sr;
	long r = xfer(win, 1, w, &sr, m);
	return r < 0 ? r : sr < 0 ? sr : r;
}

struct prb {
	uint64_t addr, val;
	int write;
	volatile uint64_t got;
};

static void prober(void *a)
{
	struct prb *p = a;
	struct l4_msg m = { { 0 }, 0 };

	if (p->write)
		*(volatile uint64_t *)p->addr = p->val;
	else
		p->got = *(volatile uint64_t *)p->addr;
	m.mr[0] = p->got;
	l4_send(ep, P_LABEL, 1, &m);
}

/* Access addr from a fresh thread of this task (exception handler: ep, no
 * pager). 0: done (*got = the word read); > 0: the scause of the exception
 * that stopped it; < 0: error. */
static long probe(uint64_t addr, int write, uint64_t val, uint64_t *got)
{
	struct prb p = { addr, val, write, 0 };
	struct l4_msg m = { { 0 }, 0 };
	uint64_t th = thread_spawn_pg(prober, &p, 100, 0, ep, 0);
	long res;

	if (!th)
		return -1000;
	long r = recv_to(SEC, &m);
	if (r < 0)
		res = r;
	else if (l4_tag_label((uint64_t)r) == P_LABEL) {
		res = 0;
		if (got)
			*got = m.mr[0];
	} else if (l4_tag_label((uint64_t)r) == L4_LABEL_EXCEPTION) {
		res = (long)UTCB->mr[L4_EXC_SCAUSE];
		m = (struct l4_msg){ { 0 }, 0 };
		l4_reply(1, 0, &m);
	} else
		res = -2000;
	thread_del(th);
	return res;
}

static int readable(uint64_t a) { return probe(a, 0, 0, 0) == 0; }
static int gone(uint64_t a) { return l4_debug_write((const void *)a, 8) == -L4_EFAULT; }

static long s0(uint64_t win, uint64_t label, unsigned n, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t *where)
{
	return l4_sigma0_call(L4_CAP_SIGMA0, UTCB, win, label, n, a0, a1, a2, where);
}

static uint64_t s0_free_count(void)
{
	struct l4_msg m = { { 0 }, 0 };
	long r = l4_call(L4_CAP_SIGMA0, L4_SIGMA0_STATS, 0, &m);
	return r < 0 ? ~0UL : m.mr[1];
}

static void fill(uint64_t a, uint64_t salt)
{
	for (unsigned i = 0; i < 512; i++)
		((volatile uint64_t *)a)[i] = salt * 0x100000001ULL + i;
}

static int same(uint64_t a, uint64_t salt)
{
	for (unsigned i = 0; i < 512; i++)
		if (((volatile uint64_t *)a)[i] != salt * 0x100000001ULL + i)
			return 0;
	return 1;
}

/* ---- 1: map between threads of the testroot ---- */

static void t_map(void)
{
	struct l4_msg m;
	long r;

	r = xfer1(l4_fpage(0x21000000, 12, 0), l4_item_mem(0, 0), l4_fpage(S[0], 12, L4_FP_RWX), &m);
	tap_ok(r >= 0 && l4_tag_items((uint64_t)r) == 1 && l4_tag_label((uint64_t)r) == L_LABEL,
	       "map item between threads delivered (tag %#lx)", (unsigned long)r);
	tap_eq((long)m.mr[0], (long)(L4_ITEM_MEM | 0x21000000), "... item word 0: MEM | destination");
	tap_eq((long)m.mr[1], (long)l4_fpage(0x21000000, 12, L4_FP_RWX), "... item word 1: the flexpage received");
	if (!tap_ok(readable(0x21000000), "... destination readable by a thread"))
		return;
	fill(S[0], 1);
	tap_ok(same(0x21000000, 1), "data written through the source is read through the alias");
	*(volatile uint64_t *)0x21000008 = 0xabcdef;
	tap_eq((long)*(volatile uint64_t *)(S[0] + 8), 0xabcdef, "... and the other way round");
	fill(S[0], 1);

	r = xfer1(l4_fpage(0x21000000, 12, 0), l4_item_mem(0, 0), l4_fpage(S[0], 12, L4_FP_RWX), &m);
	tap_ok(r >= 0, "mapping the same page again to the same place: accepted (%ld)", r);

	/* window 2 MiB, item 4 KiB, hotspot 0x5123 -> W + 0x5000 */
	r = xfer1(l4_fpage(0x22000000, 21, 0), l4_item_mem(0x5123, 0), l4_fpage(S[0], 12, L4_FP_RWX), &m);
	tap_ok(r >= 0 && m.mr[0] == (L4_ITEM_MEM | 0x22005000) && m.mr[1] == l4_fpage(0x22005000, 12, L4_FP_RWX),
	       "window > item: lands at W + (hotspot rounded to the item) (%ld, %#lx %#lx)", r,
	       (unsigned long)m.mr[0], (unsigned long)m.mr[1]);
	tap_ok(gone(0x22000000) && gone(0x22004000) && gone(0x22006000), "... and nowhere else in the window");
	if (readable(0x22005000))
		tap_ok(same(0x22005000, 1), "... the same memory");
	else
		tap_ok(0, "... the same memory (not readable)");

	/* window 2 MiB, item 16 KiB, hotspot 0x12345 -> W + 0x10000, 4 pages */
	fill(S[1], 2);
	fill(S[2], 3);
	fill(S[3], 4);
	r = xfer1(l4_fpage(0x22200000, 21, 0), l4_item_mem(0x12345, 0), l4_fpage(S[0], 14, L4_FP_RW), &m);
	tap_ok(r >= 0 && m.mr[0] == (L4_ITEM_MEM | 0x22210000) && m.mr[1] == l4_fpage(0x22210000, 14, L4_FP_RW),
	       "16 KiB item into a 2 MiB window at W + 0x10000 (%ld, %#lx %#lx)", r, (unsigned long)m.mr[0],
	       (unsigned long)m.mr[1]);
	int ok = 1;
	for (unsigned i = 0; i < 4; i++)
		ok = ok && readable(0x22210000 + i * 0x1000) && same(0x22210000 + i * 0x1000, i + 1);
	tap_ok(ok, "... all 4 pages, in order");
	tap_eq(probe(0x22210000, 1, 0, 0) == 0 ? 0 : 1, 0, "... writable (rights RW)");
	fill(S[0], 1);

	/* item 16 KiB, window 4 KiB, hotspot 0x2000 -> the item's page 2 at W */
	r = xfer1(l4_fpage(0x23000000, 12, 0), l4_item_mem(0x2fff, 0), l4_fpage(S[0], 14, L4_FP_R), &m);
	tap_ok(r >= 0 && m.mr[0] == (L4_ITEM_MEM | 0x23000000) && m.mr[1] == l4_fpage(0x23000000, 12, L4_FP_R),
	       "item > window: the window gets the hotspot's part (%ld, %#lx %#lx)", r, (unsigned long)m.mr[0],
	       (unsigned long)m.mr[1]);
	tap_ok(readable(0x23000000) && same(0x23000000, 3), "... which is page 2 of the item");
	tap_eq(probe(0x23000000, 1, 0, 0), 15, "... read-only: a write faults (scause 15)");
	tap_ok(gone(0x23001000), "... and nothing beyond the window");
}

/* ---- 2: recursive revocation A -> B -> C ---- */

static void t_revoke(void)
{
	struct l4_msg m;
	long r1 = xfer1(l4_fpage(0x24000000, 12, 0), l4_item_mem(0, 0), l4_fpage(S[0], 12, L4_FP_RWX), &m);
	long r2 = xfer1(l4_fpage(0x25000000, 12, 0), l4_item_mem(0, 0), l4_fpage(0x24000000, 12, L4_FP_RWX), &m);
	tap_ok(r1 >= 0 && r2 >= 0 && readable(0x25000000) && same(0x25000000, 1),
	       "chain A -> B -> C: C shows A's data (%ld %ld)", r1, r2);
	tap_eq(l4_task_unmap(L4_CAP_TASK, l4_fpage(S[0], 12, L4_FP_RWX), 0), 0, "unmap A (not self)");
	tap_ok(gone(0x24000000), "... B is gone");
	tap_ok(gone(0x25000000), "... C (derived from B) is gone");
	tap_ok(gone(0x21000000) && gone(0x22005000), "... earlier aliases of A are gone");
	tap_ok(readable(S[0]) && same(S[0], 1), "... A itself stays");
	/* unmap in the middle: A -> B -> C, unmap B with SELF: B and C gone, A stays */
	r1 = xfer1(l4_fpage(0x24000000, 12, 0), l4_item_mem(0, 0), l4_fpage(S[0], 12, L4_FP_RWX), &m);
	r2 = xfer1(l4_fpage(0x25000000, 12, 0), l4_item_mem(0, 0), l4_fpage(0x24000000, 12, L4_FP_RWX), &m);
	tap_ok(r1 >= 0 && r2 >= 0, "chain rebuilt at the same addresses");
	tap_eq(l4_task_unmap(L4_CAP_TASK, l4_fpage(0x24000000, 12, L4_FP_RWX), L4_UNMAP_SELF), 0, "unmap B with SELF");
	tap_ok(gone(0x24000000) && gone(0x25000000) && readable(S[0]), "... B and C gone, A stays");
}


/* ---- 2b: into another task: a thread of a new task B runs b_code (the
 * testroot's text page, mapped into B at the same address by its pager, the
 * main thread), loads from B_DATA (mapped from S0 by the pager) and stores
 * it 8 bytes further on, then ebreaks. ---- */

#define B_DATA 0x30000000UL
#define B_PAGER 5                       /* slot of B's table: the endpoint ep (pager and exception handler) */

__attribute__((naked, aligned(4096), noinline)) static void b_code(void)
{
	__asm__ volatile("ld t0, 0(a0)\n sd t0, 8(a0)\n ebreak\n");
}

/* Receive one fault message of TB: its label, *a = MR0. */
static uint64_t b_recv(uint64_t *a)
{
	struct l4_msg m = { { 0 }, 0 };
	long r = recv_to(SEC, &m);
	*a = m.mr[0];
	return r < 0 ? 0 : l4_tag_label((uint64_t)r);
}

static long b_reply_map(uint64_t hot, uint64_t fp)
{
	struct l4_msg m = { { l4_item_mem(hot, 0), fp }, 0 };
	return l4_ipc(l4_ipc_word(L4_IPC_REPLY, 0, 0, 0), l4_tag(0, 0, 1), &m);
}

static void t_task_b(void)
{
	uint64_t B = cap_get(), tb = cap_get(), a = 0, lab;
	uint64_t code = (uint64_t)(uintptr_t)b_code;
	struct l4_thread_config c = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PAGER | L4_THREAD_CFG_EXC | L4_THREAD_CFG_PRIO,
				      .task = B, .pager = B_PAGER, .exc_handler = B_PAGER, .prio = 100, .max_prio = 100 };

	int ok = !l4_factory_create_task(L4_CAP_FACTORY, B, 4) && !l4_task_cap_copy(B, ep, B_PAGER, L4_RIGHT_W, 0) &&
		 !l4_factory_create_thread(L4_CAP_FACTORY, tb) && !l4_thread_config(tb, &c) &&
		 !l4_thread_start(tb, code, 0, B_DATA);
	if (!tap_ok(ok, "task B with a thread whose pager and exception handler is an endpoint served here")) {
		obj_del(tb);
		obj_del(B);
		return;
	}
	fill(S[0], 1);
	lab = b_recv(&a);
	tap_ok(lab == L4_LABEL_PAGEFAULT && a == (code | L4_FP_X), "B's thread: instruction fault at %#lx (%#lx %#lx)",
	       (unsigned long)code, (unsigned long)lab, (unsigned long)a);
	if (lab == L4_LABEL_PAGEFAULT)
		tap_ok(b_reply_map(code, l4_fpage(code, 12, L4_FP_R | L4_FP_X)) >= 0, "... reply: the testroot's text page");
	lab = b_recv(&a);
	tap_ok(lab == L4_LABEL_PAGEFAULT && a == (B_DATA | L4_FP_R), "... then a read fault at B_DATA (%#lx %#lx)",
	       (unsigned long)lab, (unsigned long)a);
	if (lab == L4_LABEL_PAGEFAULT)
		tap_ok(b_reply_map(B_DATA, l4_fpage(S[0], 12, L4_FP_RW)) >= 0, "... reply: S0 read-write");
	lab = b_recv(&a);
	tap_ok(lab == L4_LABEL_EXCEPTION && UTCB->mr[L4_EXC_SCAUSE] == 3, "... it ran to its ebreak (%#lx, scause %lu)",
	       (unsigned long)lab, (unsigned long)UTCB->mr[L4_EXC_SCAUSE]);
	tap_eq((long)*(volatile uint64_t *)(S[0] + 8), (long)*(volatile uint64_t *)S[0], "... its store through B's mapping reached S0");
	if (lab == L4_LABEL_EXCEPTION) {
		/* Revoke S0 from everyone, then run the code again from the start. */
		tap_eq(l4_task_unmap(L4_CAP_TASK, l4_fpage(S[0], 12, L4_FP_RWX), 0), 0, "unmap S0 (not self)");
		struct l4_msg m = { { code, 0, 0, 0, 0, 0 }, 0 };
		/* x1..x5 = 0 (b_code needs none of them); x6..x31 from the message in our UTCB */
		l4_ipc(l4_ipc_word(L4_IPC_REPLY, 0, 0, 0), l4_tag(0, 32, 0), &m);
		lab = b_recv(&a);
		tap_ok(lab == L4_LABEL_PAGEFAULT && a == (B_DATA | L4_FP_R),
		       "... B's mapping (derived from S0) is gone: a read fault at B_DATA again (%#lx %#lx)", (unsigned long)lab,
		       (unsigned long)a);
		if (lab == L4_LABEL_PAGEFAULT) {
			m = (struct l4_msg){ { 0 }, 0 };
			l4_reply(L4_EINVAL, 0, &m);
			lab = b_recv(&a);
			tap_ok(lab == L4_LABEL_EXCEPTION && UTCB->mr[L4_EXC_SCAUSE] == 13,
			       "... an error reply: on to the exception handler (scause %lu)",
			       (unsigned long)UTCB->mr[L4_EXC_SCAUSE]);
		}
		if (lab) {
			m = (struct l4_msg){ { 0 }, 0 };
			l4_reply(1, 0, &m);
		}
	}
	tap_ok(readable(S[0]), "S0 itself stays");
	obj_del(tb);
	obj_del(B);
}


/* ---- 2c: three tasks: testroot S0 -> B (pager reply) -> C (B's IPC to C's
 * thread), then the testroot unmaps S0: C's mapping is gone too. The
 * threads of B and C are puppets: their exception replies (32 words) set
 * all their registers and the pc in p_code. ---- */

#define P_EP 6                          /* slot of B and C: endpoint ep2 (B: W|G, C: R) */
#define C_UTCB 0x31000000UL
#define C_DATA 0x32000000UL

/* +0 ebreak (park) | +4 ld t0, 0(s3) | +8 sd s1, 0(s2) | +12 ecall | +16 ebreak */
__attribute__((naked, aligned(4096), noinline)) static void p_code(void)
{
	__asm__ volatile(".option push\n.option norvc\nebreak\nld t0, 0(s3)\nsd s1, 0(s2)\necall\nebreak\n.option pop\n");
}

/* Receive on ep: the label (0 on error), *badge, *mr0. */
static uint64_t p_recv(uint64_t *badge, uint64_t *mr0)
{
	struct l4_msg m = { { 0 }, 0 };
	long r = recv_to(SEC, &m);
	*badge = m.badge;
	*mr0 = m.mr[0];
	return r < 0 ? 0 : l4_tag_label((uint64_t)r);
}

/* Resume the puppet at p_code + 4 with s3 (load from), s2/s1 (store s1 at s2) and an IPC a7, a0..a2. */
static long p_go(uint64_t s3, uint64_t s2, uint64_t s1, uint64_t a7, uint64_t a0, uint64_t a1, uint64_t a2)
{
	uint64_t pc = (uint64_t)(uintptr_t)p_code + 4;
	struct l4_msg m = { { pc, 0, 0, 0, 0, 0 }, 0 };

	for (int i = 6; i < 32; i++)
		UTCB->mr[i] = 0;
	UTCB->mr[19] = s3;
	UTCB->mr[18] = s2;
	UTCB->mr[9] = s1;
	UTCB->mr[17] = a7;
	UTCB->mr[10] = a0;
	UTCB->mr[11] = a1;
	UTCB->mr[12] = a2;
	return l4_ipc(l4_ipc_word(L4_IPC_REPLY, 0, 0, 0), l4_tag(0, 32, 0), &m);
}

static void p_stop(void)
{
	struct l4_msg m = { { 0 }, 0 };
	l4_reply(1, 0, &m);
}

static void t_chain3(void)
{
	uint64_t B = cap_get(), C = cap_get(), tb = cap_get(), tc = cap_get(), ep2 = obj_new(L4_OBJ_ENDPOINT);
	uint64_t code = (uint64_t)(uintptr_t)p_code, badge = 0, a = 0, lab;
	struct l4_thread_config cb = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PAGER | L4_THREAD_CFG_EXC | L4_THREAD_CFG_PRIO,
				       .task = B, .pager = B_PAGER, .exc_handler = B_PAGER, .prio = 100, .max_prio = 100 };
	struct l4_thread_config cc = cb;
	cc.task = C;
	cc.which |= L4_THREAD_CFG_UTCB;
	cc.utcb = C_UTCB;

	int ok = ep2 && !l4_factory_create_task(L4_CAP_FACTORY, B, 4) && !l4_factory_create_task(L4_CAP_FACTORY, C, 4) &&
		 !l4_task_cap_copy(B, ep, B_PAGER, L4_RIGHT_W, 0xb) && !l4_task_cap_copy(C, ep, B_PAGER, L4_RIGHT_W, 0xc) &&
		 !l4_task_cap_copy(B, ep2, P_EP, L4_RIGHT_W | L4_RIGHT_G, 0) && !l4_task_cap_copy(C, ep2, P_EP, L4_RIGHT_R, 0) &&
		 !l4_factory_create_thread(L4_CAP_FACTORY, tb) && !l4_thread_config(tb, &cb) &&
		 !l4_factory_create_thread(L4_CAP_FACTORY, tc) && !l4_thread_config(tc, &cc);
	if (!tap_ok(ok, "three tasks: tasks B and C with a puppet thread each"))
		goto out;
	fill(S[0], 1);
	/* C: code fault (map the text page), park at ebreak; then receive on ep2 with window C_DATA. */
	ok = !l4_thread_start(tc, code, 0, 0);
	lab = p_recv(&badge, &a);
	ok = ok && lab == L4_LABEL_PAGEFAULT && badge == 0xc && a == (code | L4_FP_X) &&
	     b_reply_map(code, l4_fpage(code, 12, L4_FP_R | L4_FP_X)) >= 0;
	lab = p_recv(&badge, &a);
	ok = ok && lab == L4_LABEL_EXCEPTION && badge == 0xc && UTCB->mr[L4_EXC_SCAUSE] == 3;
	ok = ok && p_go(C_UTCB, C_UTCB + 8 * 65 /* rcv_mem */, l4_fpage(C_DATA, 12, 0), l4_ipc_word(L4_IPC_RECV, P_EP, 0, 0), 0, 0, 0) >= 0;
	/* B: code fault, park; then load from B_DATA (fault: map S0 there) and send it to C as a map item. */
	ok = ok && !l4_thread_start(tb, code, 0, 0);
	lab = p_recv(&badge, &a);
	ok = ok && lab == L4_LABEL_PAGEFAULT && badge == 0xb && b_reply_map(code, l4_fpage(code, 12, L4_FP_R | L4_FP_X)) >= 0;
	lab = p_recv(&badge, &a);
	ok = ok && lab == L4_LABEL_EXCEPTION && badge == 0xb;
	if (!tap_ok(ok, "... both ran into p_code; C waits on ep2 with its window at C_DATA"))
		goto stop;
	p_go(B_DATA, B_DATA + 0xff8, 0x1234, l4_ipc_word(L4_IPC_SEND, P_EP, 0, 0), l4_tag(0x55, 0, 1), l4_item_mem(0, 0),
	     l4_fpage(B_DATA, 12, L4_FP_RWX));
	lab = p_recv(&badge, &a);
	tap_ok(lab == L4_LABEL_PAGEFAULT && badge == 0xb && a == (B_DATA | L4_FP_R), "B: read fault at B_DATA (%#lx %#lx)",
	       (unsigned long)lab, (unsigned long)a);
	b_reply_map(B_DATA, l4_fpage(S[0], 12, L4_FP_RWX));
	int seen_b = 0, seen_c = 0;
	long b_a0 = 1, c_a0 = 0;
	uint64_t c_a1 = 0;
	for (int i = 0; i < 2; i++) {
		lab = p_recv(&badge, &a);
		if (lab != L4_LABEL_EXCEPTION)
			break;
		if (badge == 0xb) {
			seen_b = 1;
			b_a0 = (long)UTCB->mr[10];
			p_stop();
		} else {
			seen_c = 1;
			c_a0 = (long)UTCB->mr[10];
			c_a1 = UTCB->mr[11];
		}
	}
	tap_ok(seen_b && b_a0 == 0, "B sent S0's page (its B_DATA) to C as a map item (%ld)", b_a0);
	tap_ok(seen_c && c_a0 > 0 && l4_tag_items((uint64_t)c_a0) == 1 && c_a1 == (L4_ITEM_MEM | C_DATA),
	       "C received it at C_DATA (tag %#lx, item word 0 %#lx)", (unsigned long)c_a0, (unsigned long)c_a1);
	tap_eq((long)*(volatile uint64_t *)(S[0] + 0xff8), 0x1234, "... B's store through its mapping reached S0");
	if (!seen_c)
		goto stop;
	/* C stores through C_DATA (a zero-timeout receive as its harmless ecall). */
	p_go(C_DATA, C_DATA + 8, 0xc0ffee, l4_ipc_word(L4_IPC_RECV, P_EP, 0, L4_TIMEOUT_ZERO), 0, 0, 0);
	lab = p_recv(&badge, &a);
	tap_ok(lab == L4_LABEL_EXCEPTION && badge == 0xc && *(volatile uint64_t *)(S[0] + 8) == 0xc0ffee,
	       "C's store through C_DATA reached S0 (%#lx)", (unsigned long)lab);
	tap_eq(l4_task_unmap(L4_CAP_TASK, l4_fpage(S[0], 12, L4_FP_RWX), 0), 0, "the testroot unmaps S0 (not self)");
	p_go(C_DATA, C_DATA + 8, 0xdead, l4_ipc_word(L4_IPC_RECV, P_EP, 0, L4_TIMEOUT_ZERO), 0, 0, 0);
	lab = p_recv(&badge, &a);
	tap_ok(lab == L4_LABEL_PAGEFAULT && badge == 0xc && a == (C_DATA | L4_FP_R),
	       "... C's mapping (S0 -> B -> C) is gone: C faults on C_DATA (%#lx %#lx)", (unsigned long)lab, (unsigned long)a);
	tap_ok(*(volatile uint64_t *)(S[0] + 8) == 0xc0ffee, "... and its store did not happen");
	if (lab == L4_LABEL_PAGEFAULT) {
		struct l4_msg m = { { 0 }, 0 };
		l4_reply(L4_EINVAL, 0, &m);
		lab = p_recv(&badge, &a);
	}
stop:
	if (lab == L4_LABEL_EXCEPTION)
		p_stop();
out:
	obj_del(tb);
	obj_del(tc);
	obj_del(B);
	obj_del(C);
	if (ep2)
		obj_del(ep2);
	tap_ok(readable(S[0]), "S0 itself stays");
}

/* ---- 3: grant ---- */

static void t_grant(void)
{
	struct l4_msg m;
	fill(S[1], 2);
	long r = xfer1(l4_fpage(0x27000000, 12, 0), l4_item_mem(0, 0), l4_fpage(S[1], 12, L4_FP_RWX), &m);
	tap_ok(r >= 0, "map S1 -> D");
	r = xfer1(l4_fpage(0x28000000, 12, 0), l4_item_mem(0, 1), l4_fpage(S[1], 12, L4_FP_RWX), &m);
	tap_ok(r >= 0 && m.mr[0] == (L4_ITEM_MEM | L4_ITEM_GRANT | 0x28000000) &&
		       m.mr[1] == l4_fpage(0x28000000, 12, L4_FP_RWX),
	       "grant S1 -> G: item words MEM | grant | destination (%ld, %#lx %#lx)", r, (unsigned long)m.mr[0],
	       (unsigned long)m.mr[1]);
	tap_ok(gone(S[1]), "... the source is gone");
	tap_ok(readable(0x28000000) && same(0x28000000, 2), "... the destination has the data");
	tap_ok(readable(0x27000000) && same(0x27000000, 2), "... what was derived from the source survives");
	tap_eq(l4_task_unmap(L4_CAP_TASK, l4_fpage(0x28000000, 12, L4_FP_RWX), 0), 0, "unmap G (not self)");
	tap_ok(gone(0x27000000), "... D (now derived from G) is gone");
	tap_ok(readable(0x28000000), "... G stays");
	/* grant of part of a larger page: EINVAL (the 2 MiB page of the smoke test at 0x10200000) */
	uint64_t w[2] = { l4_item_mem(0, 1), l4_fpage(0x10200000, 12, L4_FP_RWX) };
	long sr;
	r = xfer(l4_fpage(0x26000000, 12, 0), 1, w, &sr, &m);
	tap_ok(r == -L4_ETIMEDOUT && sr == -L4_EINVAL && readable(0x10200000),
	       "grant of 4 KiB of a 2 MiB page: EINVAL, nothing delivered (%ld %ld)", r, sr);
}

/* ---- 4: rights and page faults ---- */

static void t_rights(void)
{
	struct l4_msg m;
	long r = xfer1(l4_fpage(0x29000000, 12, 0), l4_item_mem(0, 0), l4_fpage(S[2], 12, L4_FP_R), &m);
	tap_ok(r >= 0 && m.mr[1] == l4_fpage(0x29000000, 12, L4_FP_R), "map read-only (%ld %#lx)", r,
	       (unsigned long)m.mr[1]);
	tap_eq(probe(0x29000000, 1, 7, 0), 15, "no pager: a write to it goes to the exception handler (scause 15)");
	uint64_t got = 0;
	tap_ok(probe(0x29000000, 0, 0, &got) == 0 && got == *(volatile uint64_t *)S[2], "... reads work");

	/* (a) with a pager served here */
	for (int mode = 0; mode < 3; mode++) {
		struct prb p = { 0x29000000 + 0x10, 0x5151, 1, 0 };
		uint64_t th = thread_spawn_pg(prober, &p, 100, 0, ep, ep);
		m = (struct l4_msg){ { 0 }, 0 };
		r = recv_to(SEC, &m);
		tap_ok(r >= 0 && l4_tag_label((uint64_t)r) == L4_LABEL_PAGEFAULT && l4_tag_words((uint64_t)r) == 2 &&
			       m.mr[0] == (0x29000010 | L4_FP_W) && m.mr[1] >= (uint64_t)(uintptr_t)prober &&
			       m.mr[1] < (uint64_t)(uintptr_t)prober + 0x100,
		       "write to a read-only page: the pager gets a fault message (%#lx: %#lx, pc %#lx)",
		       (unsigned long)r, (unsigned long)m.mr[0], (unsigned long)m.mr[1]);
		if (r < 0 || l4_tag_label((uint64_t)r) != L4_LABEL_PAGEFAULT) {
			thread_del(th);
			continue;
		}
		if (mode == 0) {
			m.mr[0] = l4_item_mem(0x29000010, 0);
			m.mr[1] = l4_fpage(S[2], 12, L4_FP_RW);
			r = l4_ipc(l4_ipc_word(L4_IPC_REPLY, 0, 0, 0), l4_tag(0, 0, 1), &m);
			tap_ok(r >= 0, "... reply with a writable map of the page (%ld)", r);
		} else {
			r = l4_reply(mode == 1 ? 0 : L4_EINVAL, 0, &m);
			tap_ok(r >= 0, "... reply %s (%ld)", mode == 1 ? "label 0, nothing mapped" : "an error label", r);
		}
		m = (struct l4_msg){ { 0 }, 0 };
		r = recv_to(SEC, &m);
		if (mode == 0) {
			tap_ok(r >= 0 && l4_tag_label((uint64_t)r) == P_LABEL, "... the thread continues (%#lx)",
			       (unsigned long)r);
			tap_eq((long)*(volatile uint64_t *)(S[2] + 0x10), 0x5151, "... and its write went to the page");
		} else {
			tap_ok(r >= 0 && l4_tag_label((uint64_t)r) == L4_LABEL_EXCEPTION &&
				       UTCB->mr[L4_EXC_SCAUSE] == 15 && UTCB->mr[L4_EXC_STVAL] == 0x29000010,
			       "... the fault goes on to the exception handler (%#lx, scause %lu)", (unsigned long)r,
			       (unsigned long)UTCB->mr[L4_EXC_SCAUSE]);
			if (r >= 0) {
				m = (struct l4_msg){ { 0 }, 0 };
				l4_reply(1, 0, &m);
			}
		}
		thread_del(th);
		if (mode == 0) {
			tap_eq(probe(0x29000000, 1, 0x77, 0), 0, "... the alias is writable now for every thread");
			tap_eq(l4_task_unmap(L4_CAP_TASK, l4_fpage(S[2], 12, L4_FP_W), 0), 0, "... take W away again");
			tap_eq(probe(0x29000000, 1, 0x77, 0), 15, "... read-only again");
		}
	}
	/* a read fault on an unmapped page, answered with a mapping */
	{
		struct prb p = { 0x2a000018, 0, 0, 0 };
		uint64_t th = thread_spawn_pg(prober, &p, 100, 0, ep, ep);
		m = (struct l4_msg){ { 0 }, 0 };
		r = recv_to(SEC, &m);
		tap_ok(r >= 0 && l4_tag_label((uint64_t)r) == L4_LABEL_PAGEFAULT && m.mr[0] == (0x2a000018 | L4_FP_R),
		       "read of an unmapped page: fault message with L4_FP_R (%#lx)", (unsigned long)m.mr[0]);
		if (r >= 0 && l4_tag_label((uint64_t)r) == L4_LABEL_PAGEFAULT) {
			m.mr[0] = l4_item_mem(0x2a000018, 0);
			m.mr[1] = l4_fpage(S[2], 12, L4_FP_R);
			l4_ipc(l4_ipc_word(L4_IPC_REPLY, 0, 0, 0), l4_tag(0, 0, 1), &m);
			m = (struct l4_msg){ { 0 }, 0 };
			r = recv_to(SEC, &m);
			tap_ok(r >= 0 && l4_tag_label((uint64_t)r) == P_LABEL &&
				       m.mr[0] == *(volatile uint64_t *)(S[2] + 0x18),
			       "... mapped by the reply: the read completes with the page's word");
			if (r >= 0 && l4_tag_label((uint64_t)r) == L4_LABEL_EXCEPTION) {
				m = (struct l4_msg){ { 0 }, 0 };
				l4_reply(1, 0, &m);
			}
		}
		thread_del(th);
	}

	/* rights-only unmap */
	r = xfer1(l4_fpage(0x2b000000, 12, 0), l4_item_mem(0, 0), l4_fpage(S[3], 12, L4_FP_RWX), &m);
	tap_ok(r >= 0 && probe(0x2b000000, 1, 0x4242, 0) == 0, "RW alias of S3: writable");
	tap_eq(l4_task_unmap(L4_CAP_TASK, l4_fpage(S[3], 12, L4_FP_W), 0), 0, "unmap only W from what derives from S3");
	got = 0;
	tap_ok(probe(0x2b000000, 0, 0, &got) == 0 && got == 0x4242, "... the alias still reads");
	tap_eq(probe(0x2b000000, 1, 1, 0), 15, "... writes fault");
	tap_ok(probe(S[3], 1, 0x4343, 0) == 0, "... S3 itself keeps W");
}

/* ---- 5: sigma0 ---- */

static void t_sigma0(void)
{
	const struct l4_kip *k = l4_kip();
	uint64_t ram = 0, ram_end = 0, dev = 0, where = 0;

	for (unsigned i = 0; i < k->nmem; i++) {
		if (k->mem[i].kind == L4_KIP_MEM_RAM) {
			ram += k->mem[i].size;
			if (k->mem[i].base + k->mem[i].size > ram_end)
				ram_end = k->mem[i].base + k->mem[i].size;
		}
		if (k->mem[i].kind == L4_KIP_MEM_DEVICE && !dev)
			dev = k->mem[i].base;
	}
	uint64_t w = l4_fpage(0x2d000000, 12, 0);
	long pa = s0(w, L4_SIGMA0_ALLOC, 2, 12, 0, 0, &where);
	tap_ok(pa > 0 && where == 0x2d000000, "alloc a page for the error checks (%#lx)", (unsigned long)pa);
	tap_eq(s0(l4_fpage(0x2d001000, 12, 0), L4_SIGMA0_PHYS, 3, (uint64_t)pa, 12, 0, 0), -L4_EBUSY, "PHYS of a page given out: EBUSY");
	tap_eq(s0(w, L4_SIGMA0_FREE, 2, (uint64_t)pa, 12, 0, 0), 0, "FREE it");
	tap_eq(s0(w, L4_SIGMA0_FREE, 2, (uint64_t)pa, 12, 0, 0), -L4_ENOENT, "FREE of a page not given out: ENOENT");
	tap_eq(s0(w, L4_SIGMA0_PHYS, 3, 0x1000, 12, 0, 0), -L4_EINVAL, "PHYS outside RAM: EINVAL");
	tap_eq(s0(w, L4_SIGMA0_PHYS, 3, ram_end, 12, 0, 0), -L4_EINVAL, "PHYS above RAM: EINVAL");
	tap_eq(s0(w, L4_SIGMA0_PHYS, 3, (uint64_t)pa + 0x800, 12, 0, 0), -L4_EINVAL, "PHYS misaligned: EINVAL");
	tap_eq(s0(w, L4_SIGMA0_PHYS, 3, (uint64_t)pa, 11, 0, 0), -L4_EINVAL, "PHYS order 11: EINVAL");
	long a13 = s0(l4_fpage(0x2d000000, 13, 0), L4_SIGMA0_ALLOC, 2, 13, 0, 0, 0);
	tap_ok(a13 > 0 && !(a13 & 0x1fff), "ALLOC order 13: an aligned 8 KiB block (l4/sigma0.h: orders 12..30)");
	if (a13 > 0)
		tap_eq(s0(w, L4_SIGMA0_FREE, 2, (uint64_t)a13, 13, 0, 0), 0, "... give the order-13 block back");
	tap_eq(s0(w, L4_SIGMA0_ALLOC, 2, 31, 0, 0, 0), -L4_EINVAL, "ALLOC order 31: EINVAL");
	tap_eq(s0(w, L4_SIGMA0_ALLOC, 2, 11, 0, 0, 0), -L4_EINVAL, "ALLOC order 11: EINVAL");
	tap_eq(s0(w, L4_SIGMA0_ALLOC, 2, 12, L4_FP_W, 0, 0), -L4_EINVAL, "ALLOC rights W only: EINVAL");
	tap_eq(s0(w, L4_SIGMA0_ALLOC, 2, 12, 8, 0, 0), -L4_EINVAL, "ALLOC rights bit 3: EINVAL");
	tap_eq(s0(w, 0x5399, 0, 0, 0, 0, 0), -L4_ENOSYS, "unknown label: ENOSYS");
	tap_eq(s0(w, L4_SIGMA0_FREE, 2, (uint64_t)pa + 0x800, 12, 0, 0), -L4_EINVAL, "FREE misaligned: EINVAL");
	tap_eq(s0(w, L4_SIGMA0_DEVICE, 2, (uint64_t)pa, 12, 0, 0), -L4_EINVAL, "DEVICE of RAM: EINVAL");
	tap_ok(gone(0x2d000000), "... nothing was mapped by the failed requests");
	if (dev) {
		long d = s0(w, L4_SIGMA0_DEVICE, 2, dev, 12, 0, &where);
		tap_ok(d == (long)dev && where == 0x2d000000, "DEVICE %#lx: mapped (%ld)", (unsigned long)dev, d);
		tap_eq(s0(l4_fpage(0x2d001000, 12, 0), L4_SIGMA0_DEVICE, 2, dev, 12, 0, 0), -L4_EBUSY, "... again: EBUSY");
		/* The kernel must not read user device pages through its direct map
		 * (RAM only): it used to panic here. */
		tap_eq(l4_debug_write((const void *)0x2d000000, 1), -L4_EFAULT,
		       "... the kernel does not read it for debug_write (device memory): EFAULT");
		tap_eq(s0(w, L4_SIGMA0_FREE, 2, dev, 12, 0, 0), 0, "... FREE it (l4/sigma0.h: devices too are handed out until given back)");
		tap_eq(l4_task_unmap(L4_CAP_TASK, l4_fpage(0x2d000000, 12, L4_FP_RWX), L4_UNMAP_SELF), 0, "... unmap it from here");
		tap_ok(gone(0x2d000000), "... unmapped");
	} else
		tap_note("no L4_KIP_MEM_DEVICE range in the KIP: DEVICE not tested");
	long kp = s0(w, L4_SIGMA0_KIP, 0, 0, 0, 0, &where);
	tap_ok(kp > 0 && where == 0x2d000000, "KIP request: mapped (%#lx)", (unsigned long)kp);
	if (kp > 0 && where == 0x2d000000) {
		int eq = 1;
		for (unsigned i = 0; i < 512; i++)
			eq = eq && ((volatile uint64_t *)0x2d000000)[i] == ((const volatile uint64_t *)L4_KIP_ADDR)[i];
		tap_ok(eq, "... the same bytes as at L4_KIP_ADDR");
		tap_eq(probe(0x2d000000, 1, 0, 0), 15, "... read-only");
		tap_eq(l4_task_unmap(L4_CAP_TASK, l4_fpage(0x2d000000, 12, L4_FP_RWX), L4_UNMAP_SELF), 0, "... unmap it");
	}

	/* the device tree, read-only, any number of times */
	long dt = s0(w, L4_SIGMA0_DTB, 1, 0, 0, 0, &where);
	tap_ok(dt > 0 && where == 0x2d000000, "DTB page 0: mapped (%#lx)", (unsigned long)dt);
	if (dt > 0 && where == 0x2d000000) {
		const struct l4_kip *kp0 = l4_kip();
		uint64_t base = 0, size = 0;
		for (unsigned i = 0; i < kp0->nmem; i++)
			if (kp0->mem[i].kind == L4_KIP_MEM_DTB) {
				base = kp0->mem[i].base;
				size = kp0->mem[i].size;
			}
		const volatile uint8_t *p = (const volatile uint8_t *)(0x2d000000 + base % L4_PAGE_SIZE);
		tap_ok(dt == (long)(base & ~(L4_PAGE_SIZE - 1)) && p[0] == 0xd0 && p[1] == 0x0d && p[2] == 0xfe && p[3] == 0xed,
		       "... the page of the KIP's L4_KIP_MEM_DTB range, the blob's magic at its offset");
		tap_eq(probe(0x2d000000, 1, 0, 0), 15, "... read-only");
		tap_eq(l4_task_unmap(L4_CAP_TASK, l4_fpage(0x2d000000, 12, L4_FP_RWX), L4_UNMAP_SELF), 0, "... unmap it");
		uint64_t pages = (base + size + L4_PAGE_SIZE - 1) / L4_PAGE_SIZE - base / L4_PAGE_SIZE;
		tap_eq(s0(w, L4_SIGMA0_DTB, 1, pages, 0, 0, 0), -L4_EINVAL, "DTB page after the last: EINVAL");
		tap_eq(s0(w, L4_SIGMA0_DTB, 0, 0, 0, 0, 0), -L4_EINVAL, "DTB without the page number: EINVAL");
		long again = s0(w, L4_SIGMA0_DTB, 1, pages - 1, 0, 0, &where);
		tap_ok(again > 0 && where == 0x2d000000, "the last DTB page, again: mapped (any number of times)");
		tap_eq(s0(0, L4_SIGMA0_FREE, 2, base & ~(L4_PAGE_SIZE - 1), 12, 0, 0), -L4_EINVAL,
		       "FREE of a device-tree page: EINVAL (shared, not handed out)");
		l4_task_unmap(L4_CAP_TASK, l4_fpage(0x2d000000, 12, L4_FP_RWX), L4_UNMAP_SELF);
	}

	/* all of RAM page by page, and back */
	uint64_t free0 = s0_free_count();
	uint64_t limit = ram <= (256UL << 20) ? ~0UL : 10000;
	uint64_t n = 0, t0 = now_us();
	long e = 0;
	for (; n < limit; n++) {
		uint64_t a = BULK + n * L4_PAGE_SIZE;
		e = s0(l4_fpage(a, 12, 0), L4_SIGMA0_ALLOC, 2, 12, L4_FP_RW, 0, &where);
		if (e < 0 || where != a)
			break;
		*(volatile uint64_t *)a = (uint64_t)e;
	}
	uint64_t t1 = now_us();
	if (limit == ~0UL) {
		tap_ok(e == -L4_ENOMEM && n == free0 && s0_free_count() == 0,
		       "ALLOC 4 KiB until ENOMEM: %lu pages = sigma0's free count %lu (%ld), %lu ms", (unsigned long)n,
		       (unsigned long)free0, e, (unsigned long)((t1 - t0) / 1000));
	} else {
		tap_note("RAM %lu MiB > 256 MiB: only the first 10000 pages (%lu ms)", (unsigned long)(ram >> 20),
			 (unsigned long)((t1 - t0) / 1000));
		tap_ok(n == limit && s0_free_count() == free0 - n, "ALLOC %lu 4 KiB pages, free count down by as many",
		       (unsigned long)n);
	}
	bulk_n = n;
	uint64_t bad = 0;
	for (uint64_t i = 0; i < n; i++)
		if (s0(l4_fpage(BULK, 12, 0), L4_SIGMA0_FREE, 2, *(volatile uint64_t *)(BULK + i * L4_PAGE_SIZE), 12, 0, 0))
			bad++;
	tap_ok(!bad && s0_free_count() == free0, "FREE them all: free count back to %lu (%lu failed)",
	       (unsigned long)free0, (unsigned long)bad);
	tap_ok(gone(BULK) && (!n || gone(BULK + (n - 1) * L4_PAGE_SIZE)), "... and unmapped from here");
}

/* ---- 6: bad input ---- */

static void bad_item(uint64_t win, uint64_t w0, uint64_t w1, long want, const char *what)
{
	struct l4_msg m;
	uint64_t w[2] = { w0, w1 };
	long sr;
	uint64_t before = *(volatile uint64_t *)S[0];
	long r = xfer(win, 1, w, &sr, &m);
	tap_ok(r == -L4_ETIMEDOUT && sr == want && *(volatile uint64_t *)S[0] == before,
	       "%s: sender gets %ld (want %ld), nothing delivered (%ld)", what, sr, want, r);
}

static void t_bad(void)
{
	uint64_t W = l4_fpage(0x2c000000, 12, 0);
	fill(S[0], 1);
	bad_item(W, l4_item_mem(0, 0), l4_fpage(S[0] + 0x1000, 13, L4_FP_RWX), -L4_EINVAL, "misaligned flexpage");
	bad_item(W, l4_item_mem(0, 0), (S[0] & ~0xfffUL) | 39 | (uint64_t)L4_FP_RWX << 8, -L4_EINVAL, "order 39");
	bad_item(W, l4_item_mem(0, 0), S[0] | 11 | (uint64_t)L4_FP_RWX << 8, -L4_EINVAL, "order 11");
	bad_item(W, l4_item_mem(0, 0), l4_fpage(S[0], 12, L4_FP_W), -L4_EINVAL, "rights W only");
	bad_item(W, l4_item_mem(0, 0) | 0x20, l4_fpage(S[0], 12, L4_FP_RWX), -L4_EINVAL, "bit 5 of word 0");
	bad_item(W, l4_item_mem(0, 0) | 0x800, l4_fpage(S[0], 12, L4_FP_RWX), -L4_EINVAL, "bit 11 of word 0");
	bad_item(W, l4_item_mem(0, 0), l4_fpage(S[0], 12, L4_FP_RWX) | 0x40, -L4_EINVAL, "bit 6 of the flexpage");
	bad_item(l4_fpage(0, 12, 0), l4_item_mem(0, 0), l4_fpage(S[0], 12, L4_FP_RWX), -L4_EINVAL, "window at 0");
	bad_item(W, l4_item_mem(0, 0), l4_fpage(0x2f000000, 12, L4_FP_RWX), -L4_ENOENT, "source not mapped");
	bad_item(l4_fpage(0x2c000000, 15, 0), l4_item_mem(0, 0), l4_fpage(S[0], 15, L4_FP_RWX), -L4_ENOENT,
		 "source partly mapped");
	bad_item(W, l4_item_mem(0, 0), l4_fpage(L4_KIP_ADDR, 12, L4_FP_R), -L4_ENOENT, "source the KIP");
	bad_item(W, l4_item_mem(0, 0), l4_fpage(L4_BOOT_UTCB, 12, L4_FP_RW), -L4_ENOENT, "source a UTCB");
	bad_item(0, l4_item_mem(0, 0), l4_fpage(S[0], 12, L4_FP_RWX), -L4_ENOSLOT, "no window");
	bad_item(l4_fpage(S[3], 12, 0), l4_item_mem(0, 0), l4_fpage(S[0], 12, L4_FP_RWX), -L4_EEXIST,
		 "window on another mapping");
	tap_ok(readable(S[3]) && *(volatile uint64_t *)S[3] != *(volatile uint64_t *)S[0], "... which is unchanged");
	tap_ok(gone(0x2c000000), "nothing landed in the window after all that");
	/* two items, the second bad: none delivered */
	{
		struct l4_msg m;
		uint64_t w[4] = { l4_item_mem(0x1000, 0), l4_fpage(S[0], 12, L4_FP_RWX), l4_item_mem(0x2000, 0),
				  l4_fpage(0x2f000000, 12, L4_FP_RWX) };
		long sr;
		long r = xfer(l4_fpage(0x2c200000, 21, 0), 2, w, &sr, &m);
		tap_ok(r == -L4_ETIMEDOUT && sr == -L4_ENOENT && gone(0x2c201000),
		       "two items, the second bad: ENOENT and the first not mapped either (%ld %ld)", r, sr);
	}

	/* unmap */
	tap_eq(l4_task_unmap(L4_CAP_TASK, S[0] | 11 | (uint64_t)L4_FP_RWX << 8, 0), -L4_EINVAL, "unmap order 11: EINVAL");
	tap_eq(l4_task_unmap(L4_CAP_TASK, (S[0] + 0x1000) | 13 | (uint64_t)L4_FP_RWX << 8, 0), -L4_EINVAL, "unmap misaligned: EINVAL");
	tap_eq(l4_task_unmap(L4_CAP_TASK, 39, 0), -L4_EINVAL, "unmap order 39: EINVAL");
	tap_eq(l4_task_unmap(L4_CAP_TASK, l4_fpage(S[0], 12, L4_FP_RWX) | 0x800, 0), -L4_EINVAL, "unmap bit 11: EINVAL");
	tap_eq(l4_task_unmap(L4_CAP_TASK, l4_fpage(S[0], 12, L4_FP_RWX), 2), -L4_EINVAL, "unmap flags 2: EINVAL");
	uint64_t tr = copy_of(L4_CAP_TASK, L4_RIGHT_R, 0);
	tap_eq(l4_task_unmap(tr, l4_fpage(S[0], 12, L4_FP_RWX), L4_UNMAP_SELF), -L4_EPERM, "unmap without W: EPERM");
	cap_put(tr);
	tap_ok(readable(S[0]) && same(S[0], 1), "... S0 untouched by all that");
	tap_eq(l4_task_unmap(L4_CAP_TASK, l4_fpage(0x2f000000, 21, L4_FP_RWX), L4_UNMAP_SELF), 0, "unmap of an unmapped range: 0");
	tap_eq(l4_task_unmap(L4_CAP_TASK, l4_fpage(L4_KIP_ADDR, 12, L4_FP_RWX), L4_UNMAP_SELF), 0, "unmap the KIP: 0");
	uint64_t got = 0;
	tap_ok(probe(L4_KIP_ADDR, 0, 0, &got) == 0 && got == l4_kip()->magic, "... still readable");
	tap_eq(l4_task_unmap(L4_CAP_TASK, l4_fpage(L4_BOOT_UTCB, 12, L4_FP_RWX), L4_UNMAP_SELF), 0, "unmap the UTCB: 0");
	tap_ok(probe((uint64_t)&UTCB->user[7], 1, 0x1234, 0) == 0 && UTCB->user[7] == 0x1234, "... still writable");
	UTCB->user[7] = 0;
}

/*
 * ---- 7: page faults through the fast path and the general path ----
 *
 * A pager thread of the testroot waits on pep (no timeout); probe threads
 * (pager: a badged copy of pep, exception handler: ep, the main thread)
 * read, write or execute at a page not mapped yet; the pager records the
 * fault message and answers with the case's reply (reply-and-wait), or, if
 * that fails, with label 1 (on to the exception handler). Every case runs
 * with the fast path on and off (l4_debug_fastpath); the two runs must give
 * the same results word by word, each the expected one, and with the fast
 * path on l4_debug_pfstats must show that the cases meant for the fast path
 * took it (and off, that nothing did).
 */

#define FF 0x36000000UL                 /* faults land here; its page tables made beforehand */
#define FF2 0x36400000UL                /* ... and here, without page tables (the 2 MiB item) */
#define RO_SRC 0x2e000000UL             /* S3 mapped read-only: a source without W */
#define GR_SRC 0x2e200000UL             /* a page from sigma0 that a reply grants */
#define FSRC 0x2e400000UL               /* F[0..2]: the pager's sources, pages from sigma0 */
#define KADDR 0xffffffc000020018UL      /* a kernel address: its offset mod 2^38 is user space */
#define H_LABEL 0x88UL                  /* the pager's "I hold the fault" */
#define FP_BADGE 0xfa
#define X_VAL 0x77

enum { F_READ, F_WRITE, F_EXEC };
enum { R_WAIT, R_PLAIN, R_HOLD, R_MAIN, R_MAINTO };

/* A page with an instruction sequence that returns X_VAL (the execute case maps it). */
__attribute__((naked, aligned(4096), noinline)) static void x_code(void)
{
	__asm__ volatile("li a0, 0x77\n ret\n");
}

struct fcase {
	const char *what;
	int access, how;
	uint64_t addr;                  /* where the probe thread accesses */
	uint64_t tag, w[4];             /* the pager's reply */
	long want;                      /* 0: the access completes; > 0: scause at the exception handler */
	long rerr;                      /* the pager's first reply: 0 or -error */
	int fast;                       /* with the fast path on: 1 the fault, 2 the reply take it */
	uint64_t val;                   /* the word a completed read gets (0: read it at src) */
	uint64_t src;                   /* where that word is, or where a write lands */
};

/* Per case and path: everything compared between the paths comes first. */
struct fres {
	uint64_t ftag, fmr0, fmr1, fbadge; /* the fault message as the pager saw it */
	long rerr;                      /* its reply */
	long outcome;                   /* 0 done, scause, or -1 for "destroyed" */
	uint64_t value;                 /* the word read / executed, or stval of the exception */
	long rd, rd2, wr;               /* afterwards: the page, the next page readable; a write to the page */
	uint64_t srcword;               /* the source page's first word after the case */
	long fgen, rgen;                /* general-path faults and replies during the case (not compared) */
};
#define FRES_SAME (offsetof(struct fres, fgen) / 8)

static uint64_t pep, pepb, pctl, ep3, pg, F[3], Fpa[3];     /* pg: the pager thread */
static volatile struct {
	uint64_t tag, w[4];
	int hold;
} ps;
static volatile struct {
	uint64_t tag, mr0, mr1, badge;
	long rerr;
} pr;

static void fpager(void *a)
{
	struct l4_msg m = { { 0 }, 0 };
	long r = l4_receive(pep, &m);

	(void)a;
	for (;;) {
		pr.tag = (uint64_t)r;
		pr.mr0 = m.mr[0];
		pr.mr1 = m.mr[1];
		pr.badge = m.badge;
		if (ps.hold) {
			m = (struct l4_msg){ { 0 }, 0 };
			l4_send(ep, H_LABEL, 0, &m);
			l4_receive(pctl, &m);
		}
		m = (struct l4_msg){ { ps.w[0], ps.w[1], ps.w[2], ps.w[3], 0, 0 }, 0 };
		r = l4_ipc(l4_ipc_word(L4_IPC_REPLY_WAIT, pep, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER), ps.tag, &m);
		if (r < 0) {
			pr.rerr = r;
			m = (struct l4_msg){ { 0 }, 0 };
			r = l4_ipc(l4_ipc_word(L4_IPC_REPLY_WAIT, pep, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER), l4_tag(1, 0, 0), &m);
		}
	}
}

struct fpr {
	uint64_t addr, val, done;
	int access;
};

static void fprober(void *a)
{
	struct fpr *p = a;
	struct l4_msg m = { { 0 }, 0 };

	if (p->access == F_WRITE)
		*(volatile uint64_t *)p->addr = p->val;
	else if (p->access == F_EXEC)
		m.mr[0] = ((uint64_t (*)(void))p->addr)();
	else
		m.mr[0] = *(volatile uint64_t *)p->addr;
	l4_send(p->done, P_LABEL, 1, &m);
}

static long recv_on(uint64_t sel, uint64_t us, struct l4_msg *m)
{
	*m = (struct l4_msg){ { 0 }, 0 };
	return l4_ipc(l4_ipc_word(L4_IPC_RECV, sel, L4_TIMEOUT_NEVER, l4_timeout_us(us)), 0, m);
}

/* The end of a probe thread's access, as its exception handler or done message tells. */
static void f_outcome(long t, const struct l4_msg *m, struct fres *r)
{
	if (t >= 0 && l4_tag_label((uint64_t)t) == P_LABEL) {
		r->outcome = 0;
		r->value = m->mr[0];
	} else if (t >= 0 && l4_tag_label((uint64_t)t) == L4_LABEL_EXCEPTION) {
		r->outcome = (long)UTCB->mr[L4_EXC_SCAUSE];
		r->value = UTCB->mr[L4_EXC_STVAL];
		struct l4_msg s = { { 0 }, 0 };
		l4_reply(1, 0, &s);
	} else {
		r->outcome = t < 0 ? t : -2000;
	}
}

static void run_fcase(const struct fcase *c, struct fres *r, unsigned salt)
{
	struct fpr p = { c->addr, 0x5100000000UL + salt, c->how == R_MAIN || c->how == R_MAINTO ? ep3 : ep, c->access };
	struct l4_msg m;
	bool main_pager = c->how == R_MAIN || c->how == R_MAINTO;

	*r = (struct fres){ 0 };
	ps.tag = c->tag;
	for (int i = 0; i < 4; i++)
		ps.w[i] = c->w[i];
	ps.hold = c->how == R_HOLD;
	pr.tag = pr.mr0 = pr.mr1 = pr.badge = 0;
	pr.rerr = 0;
	long f0 = l4_debug_pfstats(0), r0 = l4_debug_pfstats(1);
	uint64_t th = thread_spawn_pg(fprober, &p, c->how == R_MAIN ? 101 : 100, 0, ep, main_pager ? ep3 : pepb);
	if (!th) {
		r->outcome = -1000;
		return;
	}
	if (main_pager) {
		/* R_MAIN: the probe thread (101) faulted before anyone waited on ep3;
		 * R_MAINTO: this thread waits on ep3 with a timeout when the fault comes. */
		long t = recv_on(ep3, SEC, &m);
		pr.tag = (uint64_t)t;
		pr.mr0 = m.mr[0];
		pr.mr1 = m.mr[1];
		pr.badge = m.badge;
		m = (struct l4_msg){ { c->w[0], c->w[1], c->w[2], c->w[3], 0, 0 }, 0 };
		if (c->how == R_MAIN) {
			wd_arm(SEC);
			t = l4_ipc(l4_ipc_word(L4_IPC_REPLY_WAIT, ep3, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER), c->tag, &m);
			wd_disarm();
		} else {
			t = l4_ipc(l4_ipc_word(L4_IPC_REPLY, 0, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER), c->tag, &m);
			pr.rerr = t < 0 ? t : 0;
			t = recv_on(ep3, SEC, &m);
		}
		f_outcome(t, &m, r);
	} else if (c->how == R_HOLD) {
		long t = recv_on(ep, SEC, &m);
		r->outcome = t >= 0 && l4_tag_label((uint64_t)t) == H_LABEL ? -1 : -3000;
		thread_del(th);
		th = 0;
		m = (struct l4_msg){ { 0 }, 0 };
		l4_send(pctl, 0, 0, &m);        /* the pager replies, to no one now */
		YIELD_UNTIL(state_of(pg) == L4_THREAD_BLOCKED);
	} else {
		long t = recv_on(ep, SEC, &m);
		f_outcome(t, &m, r);
	}
	r->fgen = l4_debug_pfstats(0) - f0;
	r->rgen = l4_debug_pfstats(1) - r0;
	if (th)
		thread_del(th);
	r->ftag = pr.tag;
	r->fmr0 = pr.mr0;
	r->fmr1 = pr.mr1;
	r->fbadge = pr.badge;
	r->rerr = pr.rerr;
	uint64_t page = c->addr & ~0xfffUL;
	if (c->addr < L4_USER_END) {
		r->rd = readable(page);
		r->rd2 = readable(page + 0x1000);
		r->wr = probe(page, 1, 0x5eed, 0);
	}
	r->srcword = c->src ? *(volatile uint64_t *)c->src : 0;
}

#define NFC 24

static void t_fastfault(void)
{
	static struct fres fr[2][NFC];
	uint64_t code = (uint64_t)(uintptr_t)x_code, where = 0, grpa = 0;
	struct l4_msg m;

	tap_note("mem: page faults, fast path and general path");
	pep = obj_new(L4_OBJ_ENDPOINT);
	pctl = obj_new(L4_OBJ_ENDPOINT);
	ep3 = obj_new(L4_OBJ_ENDPOINT);
	pepb = pep ? copy_of(pep, L4_RIGHTS_ALL, FP_BADGE) : 0;
	uint64_t wd = wd_start();
	/* the pager's sources: three pages from sigma0 and S3 read-only; page tables at FF (a page mapped and unmapped there) */
	int got = 1;
	for (unsigned i = 0; i < 3; i++) {
		F[i] = FSRC + i * L4_PAGE_SIZE;
		long a = s0(l4_fpage(F[i], 12, 0), L4_SIGMA0_ALLOC, 2, 12, 0, 0, &where);
		Fpa[i] = a > 0 ? (uint64_t)a : 0;
		got = got && a > 0 && where == F[i];
	}
	long r1 = xfer1(l4_fpage(RO_SRC, 12, 0), l4_item_mem(0, 0), l4_fpage(S[3], 12, L4_FP_R), &m);
	long r2 = xfer1(l4_fpage(FF + 0x1ff000, 12, 0), l4_item_mem(0, 0), l4_fpage(F[0], 12, L4_FP_R), &m);
	long u = l4_task_unmap(L4_CAP_TASK, l4_fpage(FF + 0x1ff000, 12, L4_FP_RWX), L4_UNMAP_SELF);
	pg = pep && pctl && ep3 && pepb ? thread_spawn(fpager, 0, 100) : 0;
	if (!tap_ok(got && pg && wd && r1 >= 0 && r2 >= 0 && !u,
		    "setup: a pager thread on its endpoint, a read-only source, page tables at %#lx", FF))
		goto out;

	const uint64_t RWX = L4_FP_RWX, one = l4_tag(0, 0, 1);
#define A(k) (FF + (k) * 0x1000UL + 0x18)
#define IT(a) l4_item_mem((a), 0)
#define PAT(salt) ((salt) * 0x100000001ULL + 3)   /* fill()'s word at offset 0x18 */
	const struct fcase cs[NFC] = {
		{ "read, map of a page RWX", F_READ, R_WAIT, A(0), one, { IT(A(0)), l4_fpage(F[0], 12, RWX) }, 0, 0, 3, PAT(1), 0 },
		{ "write, map RW", F_WRITE, R_WAIT, A(1), one, { IT(A(1)), l4_fpage(F[1], 12, L4_FP_RW) }, 0, 0, 3, 0, F[1] + 0x18 },
		{ "execute, map of the code page RX", F_EXEC, R_WAIT, FF + 2 * 0x1000UL, one, { IT(FF + 2 * 0x1000UL), l4_fpage(code, 12, L4_FP_R | L4_FP_X) }, 0, 0, 3, X_VAL, 0 },
		{ "read, a read-only source with mask RWX: mapped R only", F_READ, R_WAIT, A(3), one, { IT(A(3)), l4_fpage(RO_SRC, 12, RWX) }, 0, 0, 3, PAT(4), 0 },
		{ "write, a read-only source: mapped R, on to the exception handler", F_WRITE, R_WAIT, A(4), one, { IT(A(4)), l4_fpage(RO_SRC, 12, RWX) }, 15, 0, 1, 0, S[3] + 0x18 },
		{ "write, an item with rights R only", F_WRITE, R_WAIT, A(5), one, { IT(A(5)), l4_fpage(F[2], 12, L4_FP_R) }, 15, 0, 1, 0, F[2] + 0x18 },
		{ "memory the pager does not have", F_READ, R_WAIT, A(6), one, { IT(A(6)), l4_fpage(0x2f000000, 12, RWX) }, 13, -L4_ENOENT, 1, 0, 0 },
		{ "a 2 MiB item", F_READ, R_WAIT, FF2 + 0x5018, one, { IT(FF2 + 0x5018), l4_fpage(0x10200000, 21, L4_FP_RW) }, 0, 0, 1, 0, 0x10205018 },
		{ "two items (the fault's page and the next)", F_READ, R_WAIT, A(7), l4_tag(0, 0, 2), { IT(A(7)), l4_fpage(F[0], 12, RWX), IT(A(8)), l4_fpage(F[1], 12, RWX) }, 0, 0, 1, PAT(1), 0 },
		{ "a capability item", F_READ, R_WAIT, A(9), one, { l4_item_cap(L4_RIGHTS_ALL, 0), ep }, 13, -L4_EINVAL, 1, 0, 0 },
		{ "placement below user space", F_READ, R_WAIT, A(10), one, { IT(0x1000), l4_fpage(F[0], 12, RWX) }, 13, -L4_EINVAL, 1, 0, 0 },
		{ "placement on a page already mapped", F_READ, R_WAIT, A(11), one, { IT(S[3]), l4_fpage(F[0], 12, RWX) }, 13, -L4_EEXIST, 1, 0, 0 },
		{ "placement on the next page: the fault stays", F_READ, R_WAIT, A(12), one, { IT(A(13)), l4_fpage(F[0], 12, RWX) }, 13, 0, 1, 0, 0 },
		{ "a grant", F_READ, R_WAIT, A(14), one, { l4_item_mem(A(14), 1), l4_fpage(GR_SRC, 12, L4_FP_RW) }, 0, 0, 1, PAT(5), 0 },
		{ "label 1 with the item: mapped, on to the exception handler", F_READ, R_WAIT, A(15), l4_tag(1, 0, 1), { IT(A(15)), l4_fpage(F[0], 12, RWX) }, 13, 0, 1, 0, 0 },
		{ "a word before the item", F_READ, R_WAIT, A(16), l4_tag(0, 1, 1), { 0x1234, IT(A(16)), l4_fpage(F[0], 12, RWX) }, 0, 0, 1, PAT(1), 0 },
		{ "a flexpage with rights W only", F_READ, R_WAIT, A(17), one, { IT(A(17)), l4_fpage(F[0], 12, L4_FP_W) }, 13, -L4_EINVAL, 1, 0, 0 },
		{ "a flexpage with bit 11 set", F_READ, R_WAIT, A(18), one, { IT(A(18)), l4_fpage(F[0], 12, RWX) | 0x800 }, 13, -L4_EINVAL, 1, 0, 0 },
		{ "the pager was not waiting (its reply-and-wait then takes the fast path)", F_READ, R_MAIN, A(19), one, { IT(A(19)), l4_fpage(F[0], 12, RWX) }, 0, 0, 2, PAT(1), 0 },
		{ "the pager waits with a timeout, replies without waiting", F_READ, R_MAINTO, A(20), one, { IT(A(20)), l4_fpage(F[0], 12, RWX) }, 0, 0, 0, PAT(1), 0 },
		{ "the faulting thread destroyed while its pager holds the fault", F_READ, R_HOLD, A(21), one, { IT(A(21)), l4_fpage(F[0], 12, RWX) }, -1, 0, 1, 0, 0 },
		{ "a fault in the null page", F_READ, R_WAIT, 0x18, one, { IT(0x18), l4_fpage(F[0], 12, RWX) }, 13, -L4_EINVAL, 1, 0, 0 },
		{ "a fault at a kernel address (the hotspot mod 2^38 is user space)", F_READ, R_WAIT, KADDR, one, { IT(KADDR), l4_fpage(F[0], 12, RWX) }, 13, 0, 1, 0, 0 },
		{ "a hotspot with the fault's page but bits above 2^38", F_READ, R_WAIT, A(22), one, { IT(A(22) | 1UL << 40), l4_fpage(F[0], 12, RWX) }, 0, 0, 3, PAT(1), 0 },
	};
#undef A
#undef IT
#undef PAT
	long fp = l4_debug_fastpath(1);
	uint64_t used[3] = { used_of(L4_CAP_FACTORY), 0, 0 };
	for (int path = 1; path >= 0; path--) {
		l4_debug_fastpath(path);
		fill(F[0], 1);
		fill(F[1], 2);
		fill(F[2], 3);
		fill(S[3], 4);
		/* the grant's source: a fresh page from sigma0 */
		long g = s0(l4_fpage(GR_SRC, 12, 0), L4_SIGMA0_ALLOC, 2, 12, 0, 0, &where);
		grpa = g > 0 ? (uint64_t)g : 0;
		if (g > 0)
			fill(GR_SRC, 5);
		int wrong = 0;
		for (unsigned i = 0; i < NFC; i++) {
			const struct fcase *c = &cs[i];
			struct fres *x = &fr[path][i];
			run_fcase(c, x, i);
			unsigned acc = c->access == F_READ ? L4_FP_R : c->access == F_WRITE ? L4_FP_W : L4_FP_X;
			uint64_t want_value = c->want ? c->addr : c->val ? c->val : c->src ? *(volatile uint64_t *)c->src : 0;
			bool hold = c->how == R_HOLD;
			long fgen = path && (c->fast & 1) ? 0 : 1;
			long rgen = hold ? 0 : 1 + (c->rerr != 0) - (map_reply_fast(path) && (c->fast & 2) ? 1 : 0);
			bool ok = x->ftag == l4_tag(L4_LABEL_PAGEFAULT, L4_PF_WORDS, 0) &&
				  x->fmr0 == ((c->addr & ~7UL) | acc) &&
				  x->fbadge == (c->how == R_MAIN || c->how == R_MAINTO ? 0 : FP_BADGE) &&
				  x->rerr == c->rerr && x->outcome == c->want && x->fgen == fgen && x->rgen == rgen;
			if (c->access == F_EXEC)
				ok = ok && x->fmr1 == c->addr;
			if (c->access == F_WRITE && !c->want)
				ok = ok && x->srcword == 0x5100000000UL + i;    /* the write reached the source */
			else if (!hold)
				ok = ok && x->value == want_value;
			if (!ok) {
				wrong++;
				tap_note("fast path %s, case %u (%s): tag %#lx mr0 %#lx badge %#lx reply %ld outcome %ld "
					 "value %#lx, general path %ld/%ld", path ? "on" : "off", i, c->what,
					 (unsigned long)x->ftag, (unsigned long)x->fmr0, (unsigned long)x->fbadge, x->rerr,
					 x->outcome, (unsigned long)x->value, x->fgen, x->rgen);
			}
		}
		tap_ok(!wrong, "fast path %s: %d page-fault cases each as expected, on the expected path (%d wrong)",
		       path ? "on" : "off", NFC, wrong);
		/* what the cases should have left */
		const struct fres *x = fr[path];
		tap_ok(x[0].rd && x[0].wr == 0 && x[1].rd && x[2].rd && x[2].wr == 15,
		       "... the maps RWX, RW and RX are there with those rights (write to RX: %ld)", x[2].wr);
		tap_ok(x[3].rd && x[3].wr == 15 && x[4].rd && x[4].wr == 15 && x[5].rd && x[5].wr == 15,
		       "... rights only shrink: from the read-only source and with mask R, read-only (%ld %ld %ld)",
		       x[3].wr, x[4].wr, x[5].wr);
		tap_ok(!x[6].rd && !x[9].rd && !x[10].rd && !x[11].rd && !x[16].rd && !x[17].rd && !x[20].rd,
		       "... the refused replies and the destroyed thread's reply mapped nothing");
		tap_ok(x[8].rd && x[8].rd2 && !x[12].rd && x[12].rd2 && x[14].rd,
		       "... two items: both pages; a reply to the next page: that page, the fault's stays unmapped");
		tap_ok(x[13].rd && gone(GR_SRC), "... the grant moved the page from the pager's source");
		tap_ok(readable(0x20000), "... the kernel address's hotspot mod 2^38 (0x20000) got the page");
		tap_ok(x[7].rd && x[7].rd2, "... the 2 MiB item mapped its 2 MiB");
		/* back to no mappings here */
		l4_task_unmap(L4_CAP_TASK, l4_fpage(FF, 21, L4_FP_RWX), L4_UNMAP_SELF);
		l4_task_unmap(L4_CAP_TASK, l4_fpage(FF2, 21, L4_FP_RWX), L4_UNMAP_SELF);
		l4_task_unmap(L4_CAP_TASK, l4_fpage(0x20000, 12, L4_FP_RWX), L4_UNMAP_SELF);
		if (grpa)
			s0(l4_fpage(GR_SRC, 12, 0), L4_SIGMA0_FREE, 2, grpa, 12, 0, 0);
		tap_ok(gone(FF) && gone(FF2 + 0x5000) && gone(0x20000), "... all unmapped again");
		used[2 - path] = used_of(L4_CAP_FACTORY);
	}
	l4_debug_fastpath(fp == 0 ? 0 : 1);
	int diff = 0;
	for (unsigned i = 0; i < NFC; i++)
		for (unsigned w = 0; w < FRES_SAME; w++)
			if (((const uint64_t *)&fr[0][i])[w] != ((const uint64_t *)&fr[1][i])[w] && !diff++)
				tap_note("first difference: case %u (%s), word %u: %#lx (off) vs %#lx (on)", i, cs[i].what, w,
					 (unsigned long)((const uint64_t *)&fr[0][i])[w],
					 (unsigned long)((const uint64_t *)&fr[1][i])[w]);
	tap_ok(diff == 0, "the fast path and the general path give the same results word by word (%d differ)", diff);
	tap_ok(used[2] == used[1] && (used[1] - used[0]) % L4_PAGE_SIZE == 0,
	       "... and use the same kernel memory: %lu bytes after each run (%lu before: page tables that stay)",
	       (unsigned long)used[1], (unsigned long)used[0]);
out:
	if (pg)
		thread_del(pg);
	wd_stop(wd);
	l4_task_unmap(L4_CAP_TASK, l4_fpage(RO_SRC, 12, L4_FP_RWX), L4_UNMAP_SELF);
	for (unsigned i = 0; i < 3; i++)
		if (Fpa[i])
			s0(l4_fpage(F[i], 12, 0), L4_SIGMA0_FREE, 2, Fpa[i], 12, 0, 0);
	if (pepb)
		cap_put(pepb);
	obj_del(pep);
	obj_del(pctl);
	obj_del(ep3);
}

/* ---- 10. libl4's server loop (l4_serve) with memory items ---- */

#define SV_WIN 0x2c000000UL

struct sv {
	struct l4_server s;
	volatile unsigned handled, undone, after;
	volatile long ret;              /* what l4_serve returned */
};

/* label 1: words + 1 back; 2: a map item of S[0] at the hotspot MR0; 3: EPERM; else ENOSYS */
static uint64_t sv_handle(struct l4_server *s, uint64_t tag, struct l4_msg *m)
{
	struct sv *v = s->ctx;

	v->handled++;
	switch (l4_tag_label(tag)) {
	case 1:
		m->mr[0]++;
		m->mr[1]++;
		return l4_tag(0, 2, 0);
	case 2:
		m->mr[0] = l4_item_mem(m->mr[0], 0);
		m->mr[1] = l4_fpage(S[0], 12, L4_FP_RW);
		return l4_tag(0, 0, 1);
	case 3:
		return l4_server_error(-L4_EPERM);
	default:
		return l4_server_error(-L4_ENOSYS);
	}
}

static void sv_undo(struct l4_server *s) { ((struct sv *)s->ctx)->undone++; }
static void sv_after(struct l4_server *s) { ((struct sv *)s->ctx)->after++; }

static void sv_thread(void *a)
{
	struct sv *v = a;

	v->ret = l4_serve(&v->s);
}

static void t_serve(void)
{
	static struct sv v;
	struct l4_msg m = { { 0 }, 0 };
	uint64_t sep = obj_new(L4_OBJ_ENDPOINT);

	tap_note("libl4's server loop: words, errors, a refused item taken back, a send without a caller");
	v = (struct sv){ .s = { .ep = sep, .handle = sv_handle, .undo = sv_undo, .after = sv_after, .name = "t_serve",
				.ctx = &v }, .ret = 1 };
	uint64_t th = sep ? thread_spawn_cfg(sv_thread, &v, 101, utcb_addr(), 0) : 0;
	if (!tap_ok(th != 0, "a server thread on l4_serve"))
		return;
	m.mr[0] = 41;
	m.mr[1] = 7;
	long r = l4_call(sep, 1, 2, &m);
	tap_ok(r == (long)l4_tag(0, 2, 0) && m.mr[0] == 42 && m.mr[1] == 8, "a request with words: its answer (%ld)", r);
	tap_eq(l4_server_result(l4_call(sep, 3, 0, &m)), -L4_EPERM, "a handler's error: the label says EPERM");
	m.mr[0] = SV_WIN;
	r = l4_call(sep, 2, 1, &m);
	tap_eq(l4_server_result(r), -L4_ENOSLOT, "a map item to a caller without a window: ENOSLOT as the answer");
	tap_eq(v.undone, 1, "... and the server's undo ran once");
	tap_ok(gone(SV_WIN), "... nothing mapped");
	UTCB->rcv_mem = l4_fpage(SV_WIN, 12, 0);
	m.mr[0] = SV_WIN;
	r = l4_call(sep, 2, 1, &m);
	UTCB->rcv_mem = 0;
	tap_ok(r == (long)l4_tag(0, 0, 1) && readable(SV_WIN) && same(SV_WIN, 1),
	       "with a window: the page arrives (%ld)", r);
	tap_eq(v.undone, 1, "... no undo");
	tap_eq(l4_server_result(l4_call(sep, 0x55, 0, &m)), -L4_ENOSYS, "an unknown request: ENOSYS");
	tap_eq(l4_send(sep, 1, 1, &m), 0, "a send (no caller to answer)");
	m.mr[0] = 1;
	m.mr[1] = 2;
	r = l4_call(sep, 1, 2, &m);
	tap_ok(r == (long)l4_tag(0, 2, 0) && m.mr[0] == 2 && m.mr[1] == 3, "... and it serves on");
	tap_ok(v.handled == 7 && v.after == 6, "every request handled (%u of 7), after for each reply before the last (%u of 6)",
	       v.handled, v.after);
	/* The endpoint destroyed: its wait is cancelled (logged, waits again),
	 * then the slot is empty: l4_serve returns instead of spinning. */
	obj_del(sep);
	YIELD_UNTIL(v.ret != 1);
	tap_eq(v.ret, -L4_EBADCAP, "the endpoint destroyed: l4_serve returns EBADCAP (does not spin)");
	thread_del(th);
	l4_task_unmap(L4_CAP_TASK, l4_fpage(SV_WIN, 12, L4_FP_RWX), L4_UNMAP_SELF);
}

static void test_mem(void)
{
	uint64_t used0 = used_of(L4_CAP_FACTORY);
	long pa2;
	uint64_t where = 0;
	struct l4_msg m = { 0 };
	long r = l4_call(L4_CAP_SIGMA0, L4_SIGMA0_STATS, 0, &m);
	tap_eq(r, 2, "sigma0 stats: 2 words");
	tap_ok(m.mr[0] > 1000 && m.mr[1] <= m.mr[0], "sigma0 manages %lu pages, %lu free", (unsigned long)m.mr[0], (unsigned long)m.mr[1]);
	long pa = l4_sigma0_call(L4_CAP_SIGMA0, UTCB, l4_fpage(0x10000000, 12, 0), L4_SIGMA0_ALLOC, 2, 12, 0, 0, &where);
	tap_ok(pa > 0, "alloc a page: pa %#lx at %#lx", (unsigned long)pa, (unsigned long)where);
	tap_eq(where, 0x10000000, "... landed in the window");
	volatile uint64_t *p = (volatile uint64_t *)0x10000000;
	/* A TAP comment in the page: debug_write from it prints harmlessly. */
	p[0] = 0x0a6567617020232fULL >> 8 | (uint64_t)'#';
	tap_eq(p[0] & 0xff, '#', "... writable");
	pa2 = l4_sigma0_call(L4_CAP_SIGMA0, UTCB, l4_fpage(0x10200000, 21, 0), L4_SIGMA0_ALLOC, 2, 21, 0, 0, &where);
	tap_ok(pa2 > 0 && !(pa2 & 0x1fffff), "alloc 2 MiB: pa %#lx", (unsigned long)pa2);
	p = (volatile uint64_t *)0x10200000;
	p[0x1ffff] = 5;
	tap_eq(p[0x1ffff], 5, "... last word writable");
	tap_eq(l4_sigma0_call(L4_CAP_SIGMA0, UTCB, l4_fpage(0x10400000, 12, 0), L4_SIGMA0_PHYS, 3, (uint64_t)pa, 12, 0, &where), -L4_EBUSY, "the same page again: EBUSY");
	tap_eq(l4_sigma0_call(L4_CAP_SIGMA0, UTCB, l4_fpage(0x10000000, 12, 0), L4_SIGMA0_ALLOC, 2, 12, 0, 0, &where), -L4_EEXIST, "into an occupied window: EEXIST");
	tap_eq(l4_sigma0_call(L4_CAP_SIGMA0, UTCB, l4_fpage(0x10400000, 12, 0), L4_SIGMA0_FREE, 2, (uint64_t)pa, 12, 0, &where), 0, "give the page back");
	tap_eq(l4_debug_write((const void *)0x10000000, 8), -L4_EFAULT, "... it is gone from here");
	tap_eq(l4_sigma0_call(L4_CAP_SIGMA0, UTCB, l4_fpage(0x10000000, 12, 0), L4_SIGMA0_PHYS, 3, (uint64_t)pa, 12, L4_FP_R, &where), pa, "and can be had again, read-only");
	tap_eq(l4_debug_write((const void *)0x10000000, 7), 7, "... readable (sigma0 does not clear pages: our words are still there)");
	tap_eq(l4_task_unmap(L4_CAP_TASK, l4_fpage(0x10000000, 12, L4_FP_RWX), L4_UNMAP_SELF), 0, "unmap self");
	tap_eq(l4_debug_write((const void *)0x10000000, 8), -L4_EFAULT, "... gone");

	ep = obj_new(L4_OBJ_ENDPOINT);
	ntf = obj_new(L4_OBJ_NOTIFICATION);
	int ok = ep && ntf;
	for (unsigned i = 0; i < 4 && ok; i++) {
		S[i] = SRC + i * L4_PAGE_SIZE;
		long a = s0(l4_fpage(S[i], 12, 0), L4_SIGMA0_ALLOC, 2, 12, 0, 0, &where);
		ok = a > 0 && where == S[i];
		Spa[i] = (uint64_t)a;
	}
	if (!tap_ok(ok, "setup: an endpoint, a notification, 4 pages from sigma0 at %#lx", SRC))
		return;
	t_map();
	t_revoke();
	t_task_b();
	t_chain3();
	t_grant();
	t_rights();
	t_sigma0();
	t_bad();
	t_fastfault();
	t_serve();

	/* clean up: give everything back to sigma0 (which revokes every alias) */
	ok = 1;
	for (unsigned i = 0; i < 4; i++)
		ok = ok && s0(l4_fpage(S[i], 12, 0), L4_SIGMA0_FREE, 2, Spa[i], 12, 0, 0) == 0;
	ok = ok && s0(l4_fpage(S[0], 12, 0), L4_SIGMA0_FREE, 2, (uint64_t)pa2, 21, 0, 0) == 0;
	tap_ok(ok, "give the pages back to sigma0");
	tap_ok(gone(S[0]) && gone(0x22210000) && gone(0x23000000) && gone(0x28000000) && gone(0x29000000) &&
		       gone(0x2a000000) && gone(0x2b000000) && gone(0x10200000),
	       "... every alias is gone with them");
	obj_del(ep);
	obj_del(ntf);
	uint64_t used1 = used_of(L4_CAP_FACTORY);
	/* What stays: the page tables of the ranges used here (about 20 regions of
	 * 2 MiB below 1 GiB, and bulk_n / 512 for the sigma0 loop), possibly two
	 * pages each (a table and the kernel's bookkeeping for it). */
	uint64_t bound = 2 * (bulk_n / 512 + 2 + 32);
	tap_note("root factory: %lu bytes used before, %lu after: %+ld = %lu pages (bound %lu), page tables that stay until the task is destroyed",
		 (unsigned long)used0, (unsigned long)used1, (long)(used1 - used0),
		 (unsigned long)((used1 - used0) / L4_PAGE_SIZE), (unsigned long)bound);
	tap_ok(used1 >= used0 && (used1 - used0) % L4_PAGE_SIZE == 0 && used1 - used0 <= bound * L4_PAGE_SIZE,
	       "kernel memory back to the start, but for whole page-table pages");
}

TEST_AREA(mem, 130, test_mem);
