/*
 * hostile - a program the testroot starts several times at once with the
 * loader (t_robust.c), each an attacker with only the ABI: random system
 * calls on the objects it makes (selectors and arguments steered towards
 * what the decoders accept), and now and then one of the attacks the
 * kernel was hardened against (issue notes in docs/testing.md):
 *  - a chain of page-fault waits whose end must not recurse in the kernel;
 *  - a thread object recycled into another task, which must arrive there
 *    without the old task's registers;
 *  - a capability right revoked while a message sent with it waits.
 * l4_env()->arg[0] = seed, arg[1] = rounds. It prints its seed, counts every
 * result that is no known error code, and every scenario that went wrong,
 * and exits with their sum (0: all well).
 *
 * It keeps itself alive: random selectors name only the slots it fills
 * with objects of its own ([R_LO, R_HI)), never the loader's (its task,
 * threads, region mapper, parent); random threads live in tasks with no
 * code, random IPC never blocks for long (timeouts zero or short).
 */
#include <stdint.h>

#include <l4/env.h>
#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/kip.h>
#include <l4/ipc.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/mem.h>
#include <l4/stdio.h>
#include <l4/sys.h>
#include <l4/task.h>
#include <l4/thread.h>

#include "../lib/xorshift.h"

#define R_LO 16                 /* random targets: slots [R_LO, R_HI) */
#define R_HI 64
#define S_FACTORY 16            /* a copy of the factory in the random range */
#define S_EP 64                 /* the scenarios' endpoint */
#define S_LINKS 80              /* fault-chain threads: [S_LINKS, S_LINKS + CHAIN) */
#define S_TASK 120
#define S_TASK2 121
#define S_THREAD 122
#define S_COPY 123
#define S_HELPER 124
#define S_SLOT 125
#define CHAIN 16
#define SCENARIO_EVERY 512      /* rounds between scenarios */
#define NOWHERE 0x10000UL       /* the first user page: mapped in no task it makes */
#define XPAT 0x6e0000UL

#define UTCB ((struct l4_utcb *)L4_ENV_UTCB_MAIN)

static uint64_t rng;
static unsigned long calls, ok, unknown, fails;

static uint64_t rnd(uint64_t n)
{
	return xorshift64s(&rng) % n;
}

/* A selector of its own objects, 0, or one beyond its table (never one of
 * the loader's slots below R_LO, whatever the 20-bit field keeps). */
static uint64_t sel_random(void)
{
	switch (rnd(16)) {
	case 0: return 0;
	case 1: return R_HI + rnd(L4_SEL_MAX - R_HI);
	default: return R_LO + rnd(R_HI - R_LO);
	}
}

static const char *first_failed = "none";

static void failed(const char *what, long a, long b)
{
	if (!fails++)
		first_failed = what;
	l4_printf("# hostile: %s (%ld, %ld)\n", what, a, b);
}

/* ---- random calls ---- */

static long syscall8(uint64_t r[8])
{
	register uint64_t a0 __asm__("a0") = r[0], a1 __asm__("a1") = r[1], a2 __asm__("a2") = r[2];
	register uint64_t a3 __asm__("a3") = r[3], a4 __asm__("a4") = r[4], a5 __asm__("a5") = r[5];
	register uint64_t a6 __asm__("a6") = r[6], a7 __asm__("a7") = r[7];

	__asm__ volatile("ecall"
			 : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3), "+r"(a4), "+r"(a5), "+r"(a6), "+r"(a7)
			 :: "memory", "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6");
	return (long)a0;
}

/* A label of a real operation (kernel objects' and a few beyond), or junk. */
static uint64_t label_random(void)
{
	if (rnd(8) == 0)
		return xorshift64s(&rng) & 0xffffffff;
	return (1 + rnd(L4_OBJ_TYPE_COUNT - 1)) << L4_LABEL_TYPE_SHIFT | rnd(7);
}

static void random_call(void)
{
	uint64_t r[8];

	for (int i = 0; i < 8; i++)
		r[i] = xorshift64s(&rng);
	/* Arguments: selectors of its own, small numbers, or anything (a
	 * 64-bit number is beyond the table as a selector; small ones avoid
	 * the loader's slots, which a selector argument might name). */
	for (int i = 1; i < 7; i++)
		switch (rnd(4)) {
		case 0: r[i] = sel_random(); break;
		case 1: r[i] = rnd(2) ? 0 : R_LO + rnd(32); break;
		default: r[i] |= 1UL << 63; break;
		}
	unsigned to = rnd(4) ? L4_TIMEOUT_ZERO : l4_timeout_us(1 + rnd(50));
	switch (rnd(16)) {
	case 0:
		r[7] = L4_SYS_YIELD;
		break;
	case 1:                 /* no such system call */
		r[7] = (r[7] & 0xff0) | (2 + rnd(14));
		break;
	default: {
		static const uint64_t flags[] = { L4_IPC_CALL, L4_IPC_CALL, L4_IPC_CALL, L4_IPC_SEND, L4_IPC_RECV,
						  L4_IPC_REPLY, L4_IPC_REPLY_WAIT, L4_IPC_SEND | L4_IPC_REPLY, 0x80 };
		r[7] = l4_ipc_word(flags[rnd(sizeof(flags) / sizeof(flags[0]))], sel_random(), to, to);
		unsigned words = (unsigned)rnd(8), items = rnd(4) ? 0 : (unsigned)rnd(3);
		r[0] = rnd(16) ? l4_tag(label_random(), words, items) : r[0];
		/* an item names a slot of its own */
		for (unsigned k = 0; k < items && words + 2 * k + 2 <= 6; k++) {
			r[1 + words + 2 * k] = rnd(2) ? l4_item_cap((unsigned)rnd(16), (int)rnd(2)) : r[1 + words + 2 * k];
			r[2 + words + 2 * k] = sel_random();
		}
		/* what an exregs or a configuration may do: no thread runs code */
		if (l4_tag_label(r[0]) == L4_THREAD_EXREGS)
			r[2] = NOWHERE + rnd(1UL << 20) * 4096;
		if (l4_tag_label(r[0]) == L4_THREAD_HART && rnd(2))
			r[1] = rnd(l4_kip()->nharts + 1);       /* every hart, and one beyond */
		if (l4_tag_label(r[0]) == L4_FACTORY_CREATE)
			r[3] = rnd(4) ? 4 + rnd(3) : r[3];      /* small tasks; other sizes too */
		break;
	}
	}
	/* now and then a receive window for capabilities among its own slots */
	if (rnd(64) == 0)
		UTCB->rcv_caps = rnd(2) ? l4_rcv_caps(R_LO + rnd(R_HI - R_LO), (unsigned)rnd(4)) : 0;
	long a0 = syscall8(r);
	calls++;
	if (a0 >= 0)
		ok++;
	else if (a0 < -(long)(L4_ERRNO_COUNT - 1) && !unknown++)
		l4_printf("# hostile: an unknown result %ld (a7 %#lx, a0 %#lx)\n", a0, (unsigned long)r[7],
			  (unsigned long)r[0]);
}

/* Keep objects around to aim at: an endpoint, a notification, a task, a thread. */
static void replenish(void)
{
	static const unsigned types[] = { L4_OBJ_ENDPOINT, L4_OBJ_NOTIFICATION, L4_OBJ_TASK, L4_OBJ_THREAD,
					  L4_OBJ_FACTORY };
	uint64_t s = R_LO + 1 + rnd(R_HI - R_LO - 1);
	unsigned t = types[rnd(5)];

	l4_factory_create(S_FACTORY, t, s, t == L4_OBJ_TASK ? 4 : t == L4_OBJ_FACTORY ? 4096 : 0);
}

/* ---- scenario 1: a chain of page-fault waits ---- */

void hx_chain_link(uint64_t ep);
void hx_chain_head(void);
__asm__(".globl hx_chain_link\n"
	"hx_chain_link:\n"
	"	slli	a7, a0, 12\n"
	"	ori	a7, a7, 0x20\n"         /* receive on ep */
	"	li	a0, 0\n"
	"	ecall\n"
	".globl hx_chain_head\n"
	"hx_chain_head:\n"
	"	ld	t0, 8(zero)\n"
	"1:	j	1b\n");

static long link_new(uint64_t s, uint64_t pager)
{
	struct l4_thread_config c = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PAGER | L4_THREAD_CFG_PRIO,
				      .task = L4_ENV_CAP_TASK, .pager = pager, .prio = 100, .max_prio = 100 };
	long r = l4_factory_create_thread(L4_ENV_CAP_FACTORY, s);
	return r ? r : l4_thread_config(s, &c);
}

static unsigned state_of(uint64_t th)
{
	struct l4_exregs x = { 0 };
	return l4_thread_exregs(th, &x) ? 99 : x.state;
}

static void chain(void)
{
	long r = 0;

	(void)*(volatile uint32_t *)(uintptr_t)hx_chain_link;   /* its page in (the links have no pager for it) */
	for (unsigned i = 1; i < CHAIN && !r; i++)
		if (!(r = link_new(S_LINKS + i, i == CHAIN - 1 ? 0 : S_EP)))
			r = l4_thread_start(S_LINKS + i, (uint64_t)(uintptr_t)hx_chain_link, 0, S_EP);
	if (!r && !(r = link_new(S_LINKS, S_EP)))
		r = l4_thread_start(S_LINKS, (uint64_t)(uintptr_t)hx_chain_head, 0, 0);
	for (unsigned k = 0; !r && k < 1000 && state_of(S_LINKS) != L4_THREAD_INACTIVE; k++)
		l4_yield();
	unsigned stopped = 0;
	for (unsigned i = 0; i < CHAIN; i++) {
		stopped += state_of(S_LINKS + i) == L4_THREAD_INACTIVE;
		l4_factory_destroy(L4_ENV_CAP_FACTORY, S_LINKS + i);
	}
	if (r || stopped != CHAIN)
		failed("fault chain did not end", r, stopped);
}

/* ---- scenario 2: a thread object recycled into another task ---- */

/* A task with the scenario endpoint in its slot 5 (pager, exception handler). */
static long task_with_ep(uint64_t s)
{
	long r = l4_factory_create_task(L4_ENV_CAP_FACTORY, s, 4);
	return r ? r : l4_task_cap_copy(s, S_EP, 5, L4_RIGHT_W, 0);
}

/* The next fault or exception message of the thread: its label, words in m and UTCB. */
static uint64_t next_msg(struct l4_msg *m)
{
	/* A message that never comes fails in bounded time; 1 s, not less: on a
	 * loaded host a hart's vCPU may stand still for a few hundred ms while
	 * the guest's clock runs on (200 ms failed once at -smp 4 under load). */
	long t = l4_ipc(l4_ipc_word(L4_IPC_RECV, S_EP, L4_TIMEOUT_NEVER, l4_timeout_us(1000000)), 0, m);
	return t < 0 ? 0 : l4_tag_label((uint64_t)t);
}

static void reply(uint64_t label, unsigned words, struct l4_msg *m)
{
	l4_ipc(l4_ipc_word(L4_IPC_REPLY, 0, 0, 0), l4_tag(label, words, 0), m);
}

static void recycle(void)
{
	struct l4_thread_config c = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PAGER | L4_THREAD_CFG_EXC |
					       L4_THREAD_CFG_PRIO,
				      .task = S_TASK, .pager = 5, .exc_handler = 5, .prio = 100, .max_prio = 100 };
	struct l4_exregs x = { .flags = L4_EXREGS_SET_PC | L4_EXREGS_START, .pc = NOWHERE };
	struct l4_msg m = { { 0 }, 0 };
	long r;

	/* In S_TASK: fault, then an exception handler's reply fills x1..x31; fault again. */
	if ((r = task_with_ep(S_TASK)) || (r = l4_factory_create_thread(L4_ENV_CAP_FACTORY, S_THREAD)) ||
	    (r = l4_thread_config(S_THREAD, &c)) || (r = l4_thread_exregs(S_THREAD, &x))) {
		failed("recycle: set-up", r, 0);
		goto out;
	}
	if (next_msg(&m) != L4_LABEL_PAGEFAULT || (reply(1, 0, &m), next_msg(&m)) != L4_LABEL_EXCEPTION) {
		failed("recycle: the first fault did not come", 0, 0);
		goto out;
	}
	m.mr[0] = NOWHERE;
	for (unsigned i = 1; i < 32; i++)
		if (i < L4_MSG_REG_WORDS)
			m.mr[i] = XPAT + i;
		else
			UTCB->mr[i] = XPAT + i;
	reply(0, 32, &m);
	if (next_msg(&m) != L4_LABEL_PAGEFAULT || (reply(1, 0, &m), next_msg(&m)) != L4_LABEL_EXCEPTION ||
	    UTCB->mr[20] != XPAT + 20) {
		failed("recycle: its registers were not set", (long)UTCB->mr[20], 0);
		goto out;
	}
	reply(1, 0, &m);        /* stopped, x1..x31 = XPAT + n */
	/* Its task goes; bound to another, it starts there as a new thread. */
	l4_factory_destroy(L4_ENV_CAP_FACTORY, S_TASK);
	c.task = S_TASK2;
	x = (struct l4_exregs){ .flags = L4_EXREGS_SET_PC | L4_EXREGS_START, .pc = NOWHERE };
	if ((r = task_with_ep(S_TASK2)) || (r = l4_thread_config(S_THREAD, &c)) || (r = l4_thread_exregs(S_THREAD, &x)) ||
	    next_msg(&m) != L4_LABEL_PAGEFAULT || (reply(1, 0, &m), next_msg(&m)) != L4_LABEL_EXCEPTION) {
		failed("recycle: the rebound thread's fault did not come", r, 0);
		goto out;
	}
	unsigned dirty = 0;
	for (unsigned i = 1; i < 32; i++)
		dirty += (i < L4_MSG_REG_WORDS ? m.mr[i] : UTCB->mr[i]) != 0;
	if (dirty)
		failed("recycle: a rebound thread brought registers along", dirty, 0);
	reply(1, 0, &m);
out:
	l4_factory_destroy(L4_ENV_CAP_FACTORY, S_THREAD);
	l4_factory_destroy(L4_ENV_CAP_FACTORY, S_TASK);
	l4_factory_destroy(L4_ENV_CAP_FACTORY, S_TASK2);
}

/* ---- scenario 3: a right revoked while a message waits ---- */

static volatile long helper_result;
static volatile int helper_done;
static uint8_t helper_stack[4096] __attribute__((aligned(16)));

static void helper(void *arg)
{
	struct l4_msg m = { { l4_item_cap(L4_RIGHT_R, 0), S_EP }, 0 };

	(void)arg;
	helper_result = l4_ipc(l4_ipc_word(L4_IPC_SEND, S_COPY, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER), l4_tag(3, 0, 1), &m);
	helper_done = 1;
}

static void revoked(void)
{
	struct l4_thread_config c = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PAGER | L4_THREAD_CFG_PRIO,
				      .task = L4_ENV_CAP_TASK, .pager = L4_ENV_CAP_RM, .prio = 100, .max_prio = 100 };
	struct l4_msg m = { { 0 }, 0 };
	long r;

	helper_done = 0;
	if ((r = l4_task_cap_copy(L4_ENV_CAP_TASK, S_EP, S_COPY, L4_RIGHT_W | L4_RIGHT_G, 0)) ||
	    (r = l4_factory_create_thread(L4_ENV_CAP_FACTORY, S_HELPER)) || (r = l4_thread_config(S_HELPER, &c)) ||
	    (r = l4_thread_run(S_HELPER, helper, 0, helper_stack, sizeof(helper_stack)))) {
		failed("revoked: set-up", r, 0);
		goto out;
	}
	for (unsigned k = 0; k < 1000 && state_of(S_HELPER) != L4_THREAD_BLOCKED; k++)
		l4_yield();
	l4_task_unmap(L4_ENV_CAP_TASK, l4_cap_fpage(S_COPY, 0, L4_RIGHT_G), L4_UNMAP_SELF);
	uint64_t win = UTCB->rcv_caps;
	UTCB->rcv_caps = l4_rcv_caps(S_SLOT, 1);
	r = l4_ipc(l4_ipc_word(L4_IPC_RECV, S_EP, 0, l4_timeout_us(2000)), 0, &m);
	UTCB->rcv_caps = win;
	for (unsigned k = 0; k < 1000 && !helper_done; k++)
		l4_yield();
	unsigned type = 99, rights = 0;
	l4_task_cap_info(L4_ENV_CAP_TASK, S_SLOT, &type, &rights);
	if (r != -L4_ETIMEDOUT || !helper_done || helper_result != -L4_EPERM || type != L4_OBJ_NONE)
		failed("revoked: a message went with a revoked right", r, helper_result);
out:
	l4_factory_destroy(L4_ENV_CAP_FACTORY, S_HELPER);
	l4_task_cap_delete(L4_ENV_CAP_TASK, S_COPY);
	l4_task_cap_delete(L4_ENV_CAP_TASK, S_SLOT);
}

int main(void)
{
	const struct l4_env *e = l4_env();
	uint64_t seed = e ? e->arg[0] : 1, rounds = e ? e->arg[1] : 1000;
	unsigned scen[3] = { 0 };

	rng = seed ? seed : 1;
	/* The copies spread over the harts (with several): the kernel serves
	 * them at once, their region mappers stay on the hart they began on. */
	unsigned hart = (unsigned)(seed % l4_kip()->nharts);
	l4_thread_set_hart(L4_ENV_CAP_THREAD, hart, 0);
	l4_printf("# hostile program: seed %#lx, %lu rounds, on hart %u\n", (unsigned long)seed,
		  (unsigned long)rounds, hart);
	if (l4_task_cap_copy(L4_ENV_CAP_TASK, L4_ENV_CAP_FACTORY, S_FACTORY, L4_RIGHT_R | L4_RIGHT_W, 0) ||
	    l4_factory_create_endpoint(L4_ENV_CAP_FACTORY, S_EP)) {
		l4_printf("# hostile program: no factory or endpoint\n");
		return 1000;
	}
	for (uint64_t i = 0; i < rounds; i++) {
		if (i % SCENARIO_EVERY == SCENARIO_EVERY - 1) {
			unsigned k = (unsigned)rnd(3);
			scen[k]++;
			if (k == 0)
				chain();
			else if (k == 1)
				recycle();
			else
				revoked();
			continue;
		}
		if (rnd(32) == 0)
			replenish();
		random_call();
	}
	/* What it made in the random range goes (the loader ends the rest). */
	for (uint64_t s = R_LO + 1; s < R_HI; s++)
		l4_factory_destroy(L4_ENV_CAP_FACTORY, s);
	l4_printf("# hostile program %#lx: %lu calls, %lu succeeded, %lu unknown results; %u chains, %u recycled "
		  "threads, %u revoked rights; %lu scenarios failed (the first: %s)\n", (unsigned long)seed, calls, ok,
		  unknown, scen[0], scen[1], scen[2], fails, first_failed);
	return (int)(unknown + fails);
}
