/*
 * benchroot - the roottask of the benchmark image (run by test/bench.py under
 * qemu -icount shift=0,sleep=off, where rdinstret counts instructions
 * exactly). Prints "bench: NAME instructions=N [min= max= samples=]" lines:
 *  - boot_to_roottask, reset_to_roottask: one sample each (a boot is
 *    deterministic);
 *  - yield: a yield between two threads of one task, measured like
 *    sel4bench: rdinstret around the operation in user space, minus the
 *    cost of an empty measurement, warm-up rounds first, then the median of
 *    many samples with min and max;
 *  - ipc_roundtrip_*: a call from this thread plus the server's
 *    reply-and-wait (ipcbench.h), the server a thread of this task (intra_as)
 *    or of s0bench's task (another address space), with 0, 6 or 64 words,
 *    and once more with the fast path off (slowpath);
 *  - notification_signal_wait: signal + wait, half of a ping-pong between
 *    two threads over two notifications;
 *  - map_unmap_4k, unmap_tree_1000, pagefault_roundtrip (and _slowpath:
 *    the fast path off): memory (bench_memory);
 *  - demand_fault_anon, cow_fault, touch_16m_anon: page faults through a
 *    region mapper (a thread of this task, pager/rm) and the memory server
 *    (a boot module started with the loader, pager/memsrv): the first touch
 *    of an anonymous page; the first write to a page of a copy-on-write
 *    clone that is mapped read-only (shared) already; 16 MiB of fresh
 *    anonymous memory touched one word per page (one sample, the total);
 *    ds_map_anon: the memory server's part alone: an L4_DS_MAP call from
 *    this thread for a fresh anonymous page into a window here;
 * and "bench: kmem_TYPE bytes=N" lines: the kernel memory one object of
 * each type takes from its factory's quota (factory info before and after).
 *
 * Two words in the kernel's bootargs (QEMU -append) serve tools/itrace.py:
 * "bench.only=PREFIX" measures only the rows whose names start with PREFIX
 * (the set-up of their group still runs), and "bench.trace" brackets one
 * sample of each of them (the median's index) with calls of itrace_mark(),
 * outside its rdinstret pair, so the rows read the same either way; the
 * names of the bracketed rows follow as one "bench: itrace rows=" line.
 */
#include <stdint.h>

#include <common/string.h>

#include <l4/capalloc.h>
#include <l4/crt.h>
#include <l4/factory.h>
#include <l4/ipc.h>
#include <l4/kip.h>
#include <l4/irq.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/mem.h>
#include <l4/sigma0.h>
#include <l4/task.h>
#include <l4/stdio.h>
#include <l4/sys.h>
#include <l4/thread.h>

#include <l4/dataspace.h>
#include <l4/memsrv.h>
#include <l4/rm.h>

#include "bench.h"
#include "dtdev.h"
#include "ipcbench.h"
#include "loader/loader.h"
#include "rm/rm.h"

#define WARMUP 100
#define SAMPLES 1001

static uint64_t samples[SAMPLES];
static uint8_t partner_stack[8192] __attribute__((aligned(16)));

#define UTCB ((struct l4_utcb *)L4_BOOT_UTCB)

/* ---- selection and tracing (tools/itrace.py) ---- */

#define TRACE_SAMPLE (WARMUP + SAMPLES / 2)
#define TRACE_ROWS 32

static char only[64];                   /* bench.only=: a prefix of the rows to measure */
static int tracing;                     /* bench.trace */
static const char *traced[TRACE_ROWS];
static unsigned ntraced;

/* What tools/itrace.py looks for in QEMU's log: the window's edges. */
void itrace_edge(void);
__attribute__((noinline)) void itrace_edge(void)
{
	__asm__ volatile("" ::: "memory");
}

static int selected(const char *row)
{
	return strncmp(row, only, strlen(only)) == 0;
}

/* Whether any of the rows (a list ending in 0) is selected. */
static int selected_any(const char *const *rows)
{
	for (; *rows; rows++)
		if (selected(*rows))
			return 1;
	return 0;
}

/*
 * Called around every sample, traced or not, and never inlined: the code
 * of the samples is the same whether bench.trace is given or not (a test
 * inlined into the loop lets the compiler give the traced sample code of
 * its own, with other instructions between its rdinstret pair).
 */
__attribute__((noinline)) void trace_begin(unsigned i, unsigned at, const char *row)
{
	if (tracing && i == at && selected(row))
		itrace_edge();
}

__attribute__((noinline)) void trace_end(unsigned i, unsigned at, const char *row)
{
	if (tracing && i == at && selected(row)) {
		itrace_edge();
		if (ntraced < TRACE_ROWS)
			traced[ntraced++] = row;
	}
}

/* The bench.* words of /chosen/bootargs, read from the device tree sigma0 maps. */
#define ARGS_DTB_VA 0x3a000000UL

static void read_bootargs(void)
{
	struct fdt fdt;

	if (dt_map(L4_CAP_SIGMA0, (struct l4_utcb *)L4_BOOT_UTCB, ARGS_DTB_VA, &fdt))
		return;
	int chosen = fdt_path_offset(&fdt, "/chosen");
	const char *a = chosen >= 0 ? fdt_getprop_str(&fdt, chosen, "bootargs") : 0;
	while (a && *a) {
		size_t n = 0;
		while (a[n] && a[n] != ' ')
			n++;
		if (n == 11 && !strncmp(a, "bench.trace", 11)) {
			tracing = 1;
		} else if (n > 11 && !strncmp(a, "bench.only=", 11) && n - 11 < sizeof(only)) {
			memcpy(only, a + 11, n - 11);
			only[n - 11] = 0;
		}
		a += n;
		while (*a == ' ')
			a++;
	}
	dt_unmap(ARGS_DTB_VA);
}

static void sort(uint64_t *a, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && a[j - 1] > a[j]; j--) {
			uint64_t t = a[j];
			a[j] = a[j - 1];
			a[j - 1] = t;
		}
}

static int selected(const char *row);
static int tracing;

void report_scaled(const char *name, uint64_t *s, unsigned n, unsigned mul, unsigned ops_per_sample)
{
	/* The traced sample (trace_begin/trace_end: index n / 2 of the samples kept), as measured. */
	if (tracing && selected(name))
		l4_printf("bench: itrace sample %s=%lu\n", name, (unsigned long)s[n / 2]);
	sort(s, n);
	l4_printf("bench: %s instructions=%lu min=%lu max=%lu samples=%u\n", name,
		  (unsigned long)(s[n / 2] * mul / ops_per_sample), (unsigned long)(s[0] * mul / ops_per_sample),
		  (unsigned long)(s[n - 1] * mul / ops_per_sample), n);
}

void report(const char *name, uint64_t *s, unsigned n, unsigned ops_per_sample)
{
	report_scaled(name, s, n, 1, ops_per_sample);
}

/* The cost of the measurement itself: two rdinstret back to back. */
uint64_t empty_cost(void)
{
	uint64_t best = ~0UL;

	for (unsigned i = 0; i < 100; i++) {
		uint64_t t0 = l4_rdinstret();
		__asm__ volatile("" ::: "memory");
		uint64_t t1 = l4_rdinstret();
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	return best;
}

static void partner(void *arg)
{
	(void)arg;
	for (;;)
		l4_yield();
}

static void bench_yield(uint64_t overhead)
{
	uint64_t th = l4_cap_alloc();
	struct l4_thread_config c = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PRIO, .task = L4_CAP_TASK,
				      .prio = 100, .max_prio = 100 };

	if (l4_factory_create_thread(L4_CAP_FACTORY, th) || l4_thread_config(th, &c) ||
	    l4_thread_run(th, partner, 0, partner_stack, sizeof(partner_stack))) {
		l4_puts("bench: cannot start the yield partner");
		return;
	}
	/* One sample: this thread yields to the partner, which yields back: two yields. */
	for (unsigned i = 0; i < WARMUP + SAMPLES; i++) {
		trace_begin(i, TRACE_SAMPLE, "yield");
		uint64_t t0 = l4_rdinstret();
		l4_yield();
		uint64_t t1 = l4_rdinstret();
		trace_end(i, TRACE_SAMPLE, "yield");
		if (i >= WARMUP)
			samples[i - WARMUP] = t1 - t0 - overhead;
	}
	report("yield", samples, SAMPLES, 2);
	l4_factory_destroy(L4_CAP_FACTORY, th);
}

/* ---- IPC round trips ---- */

/* How bench_ipc's client and server differ from the plain round trip. */
#define IPC_INTER 0x1                   /* the server in s0bench's task */
#define IPC_FPU_CLIENT 0x2              /* the client's FP state dirty at each call */
#define IPC_FPU_SERVER 0x4              /* the server's FP state dirty at each reply */
#define IPC_HIPRIO 0x8                  /* the server at priority 150, above the client's 100 */
#define IPC_TIMEOUT 0x10                /* the call's receive phase with a timeout (1 s) */
#define IPC_CROSS 0x20                  /* the server on hart 1 (-smp 2 and more) */
#define IPC_BUSY 0x40                   /* threads spinning in user mode on harts 1..3 meanwhile */

static uint64_t server_ep;
static unsigned server_words;

static unsigned server_flags;

static void intra_server(void *arg)
{
	(void)arg;
	if (server_flags & IPC_FPU_SERVER)
		ipcbench_serve_fpu(server_ep, server_words);
	ipcbench_serve(server_ep, server_words);
}

/* A server thread for `words`-word replies on ep: in this task or in
 * s0bench's (IPC_INTER), FP or not, at priority 100 or 150 (flags).
 * Returns its selector or 0. */
static uint64_t start_server(uint64_t ep, unsigned words, unsigned flags)
{
	const struct l4_kip *k = (const struct l4_kip *)L4_KIP_ADDR;
	uint64_t th = l4_cap_alloc();
	int inter = flags & IPC_INTER;
	uint64_t task = inter ? L4_CAP_SIGMA0_TASK : L4_CAP_TASK;
	unsigned prio = flags & IPC_HIPRIO ? 150 : 100;
	struct l4_thread_config c = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PRIO | L4_THREAD_CFG_UTCB,
				      .task = task, .prio = prio, .max_prio = prio, .utcb = IPCBENCH_UTCB };

	if (l4_factory_create_thread(L4_CAP_FACTORY, th) || l4_thread_config(th, &c))
		return 0;
	if ((flags & IPC_CROSS) && l4_thread_set_hart(th, 1, 0))
		return 0;
	if (!inter) {
		server_ep = ep;
		server_words = words;
		server_flags = flags;
		return l4_thread_run(th, intra_server, 0, partner_stack, sizeof(partner_stack)) ? 0 : th;
	}
	/* s0bench's entry, on the lower half of its stack, with the endpoint in its slot. */
	struct l4_exregs x = { .flags = L4_EXREGS_SET_PC | L4_EXREGS_SET_SP | L4_EXREGS_SET_A0 | L4_EXREGS_START,
			       .pc = *(const uint64_t *)(k->module[0].uaddr + 24),
			       .sp = L4_ROOTTASK_STACK_TOP - L4_ROOTTASK_STACK_SIZE / 2,
			       .a0 = IPCBENCH_MAGIC | words | (flags & IPC_FPU_SERVER ? IPCBENCH_FPU : 0) };
	if (l4_task_cap_copy(L4_CAP_SIGMA0_TASK, ep, IPCBENCH_EP, L4_RIGHTS_ALL, 0) ||
	    l4_thread_exregs(th, &x))
		return 0;
	return th;
}

/*
 * IPC_BUSY: a thread of this task spinning in user mode on each of harts
 * 1..3 (at most), counting in spins[]. Under -icount QEMU runs one hart at a
 * time, and a hart that does not wait keeps its turn for long (the spinners
 * went round 0 times during 1 001 back-to-back samples): so after every 50th
 * sample this hart sleeps 20 us, and the other harts spin until its timer
 * ends their turn. Every sample runs with the other harts stopped in the
 * middle of their work, in user mode; instret is the machine's, so a turn of
 * another hart inside a sample would count too (the max would show it).
 */
/* Stacks of rows that are over (irq) or still to come (thread creation):
 * the benchmark image's bss is zeroed at every boot, boot_to_roottask counts it. */
static uint8_t child_stack[4096], irq_stack[8192];
static uint8_t *shoot_stack(unsigned i)
{
	return i == 2 ? child_stack : irq_stack + 4096 * i;
}

#define BUSY_MAX 3
static volatile uint64_t spins[BUSY_MAX];
static uint64_t busy_ntf;               /* this hart's sleeps between samples */

static void spinner(void *arg)
{
	volatile uint64_t *n = arg;

	for (;;)
		(*n)++;
}

static void busy_sleep(unsigned us)
{
	uint64_t bits;

	if (!busy_ntf) {
		busy_ntf = l4_cap_alloc();
		if (l4_factory_create(L4_CAP_FACTORY, L4_OBJ_NOTIFICATION, busy_ntf, 0))
			return;
	}
	l4_wait_timeout(busy_ntf, l4_timeout_us(us), &bits);
}

/* Start (on) or end the spinners in th[]; how many run, -1 if one did not start. */
static int busy_harts(uint64_t *th, bool on)
{
	unsigned n = l4_kip()->nharts - 1 < BUSY_MAX ? l4_kip()->nharts - 1 : BUSY_MAX;
	struct l4_thread_config c = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PRIO, .task = L4_CAP_TASK,
				      .prio = 100, .max_prio = 100 };
	int ok = 1;

	for (unsigned i = 0; i < n; i++) {
		if (!on) {
			if (th[i])
				l4_factory_destroy(L4_CAP_FACTORY, th[i]);
			l4_cap_free(th[i]);
			th[i] = 0;
			continue;
		}
		th[i] = l4_cap_alloc();
		ok = ok && th[i] && !l4_factory_create_thread(L4_CAP_FACTORY, th[i]) && !l4_thread_config(th[i], &c) &&
		     !l4_thread_set_hart(th[i], i + 1, 0) &&
		     !l4_thread_run(th[i], spinner, (void *)&spins[i], shoot_stack(i), 4096);
	}
	if (!on)
		return 0;
	/* Each spins on its hart before the first sample (sleeping here: with
	 * this hart in wfi, -icount moves on to the others). */
	for (unsigned i = 0; ok && i < n; i++)
		for (unsigned k = 0; spins[i] == 0 && k < 1000; k++)
			busy_sleep(1000);
	for (unsigned i = 0; i < n; i++)
		ok = ok && spins[i] != 0;
	return ok ? (int)n : -1;
}

static void bench_ipc(const char *name, unsigned words, unsigned flags, uint64_t overhead)
{
	uint64_t busy[BUSY_MAX] = { 0 };
	uint64_t ep = l4_cap_alloc(), th = 0;
	unsigned rcv_to = flags & IPC_TIMEOUT ? l4_timeout_us(1000000) : L4_TIMEOUT_NEVER;
	uint64_t word = l4_ipc_word(L4_IPC_CALL, ep, L4_TIMEOUT_NEVER, rcv_to);
	long ret = 0;
	unsigned bad = 0;

	if (!selected(name)) {
		l4_cap_free(ep);
		return;
	}
	if (l4_factory_create(L4_CAP_FACTORY, L4_OBJ_ENDPOINT, ep, 0) || !(th = start_server(ep, words, flags))) {
		l4_printf("bench: %s: cannot start the server\n", name);
		goto out;
	}
	if ((flags & IPC_BUSY) && busy_harts(busy, true) < 0) {
		l4_printf("bench: %s: cannot start the spinning threads\n", name);
		goto out;
	}
	uint64_t spun = 0;
	for (unsigned i = 0; i < BUSY_MAX; i++)
		spun -= spins[i];
	for (unsigned i = 0; i < WARMUP + SAMPLES; i++) {
		if (flags & IPC_FPU_CLIENT)
			ipcbench_dirty_fpu(i);
		trace_begin(i, TRACE_SAMPLE, name);
		uint64_t n = ipcbench_timed(word, l4_tag(0, words, 0), &ret);
		trace_end(i, TRACE_SAMPLE, name);
		if ((flags & IPC_BUSY) && i % 50 == 0)
			busy_sleep(20);
		if (ret != (long)l4_tag(0, words, 0))
			bad++;
		if (i >= WARMUP)
			samples[i - WARMUP] = n - overhead;
	}
	for (unsigned i = 0; i < BUSY_MAX; i++)
		spun += spins[i];
	if (bad)
		l4_printf("bench: %s: %u calls failed (last result %ld)\n", name, bad, ret);
	else
		report(name, samples, SAMPLES, 1);
	if (flags & IPC_BUSY)
		l4_printf("bench: %s: the spinning threads went round %lu times meanwhile\n", name,
			  (unsigned long)spun);
out:
	if (flags & IPC_BUSY)
		busy_harts(busy, false);
	if (th)
		l4_factory_destroy(L4_CAP_FACTORY, th);
	l4_factory_destroy(L4_CAP_FACTORY, ep);
	l4_cap_free(th);
	l4_cap_free(ep);
}

/*
 * ipc_roundtrip_cap: a call that grants one capability (a notification) to
 * a server thread of this task, whose reply grants it back: one item each
 * way, the slots emptied and filled again, so every round is the same.
 */
static uint64_t cap_ep, cap_srv_slot;
static uint8_t cap_stack[8192] __attribute__((aligned(16)));

static void cap_server(void *arg)
{
	struct l4_utcb *u = (struct l4_utcb *)IPCBENCH_UTCB;
	struct l4_msg m = { { 0 }, 0 };

	(void)arg;
	u->rcv_caps = l4_rcv_caps(cap_srv_slot, 1);
	l4_receive(cap_ep, &m);
	for (;;) {
		m.mr[0] = l4_item_cap(L4_RIGHTS_ALL, 1);
		m.mr[1] = cap_srv_slot;
		l4_ipc(l4_ipc_word(L4_IPC_REPLY_WAIT, cap_ep, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER), l4_tag(0, 0, 1), &m);
	}
}

static void bench_ipc_cap(uint64_t overhead)
{
	const char *name = "ipc_roundtrip_cap";
	uint64_t th = l4_cap_alloc(), mine = l4_cap_alloc();
	struct l4_thread_config c = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PRIO | L4_THREAD_CFG_UTCB,
				      .task = L4_CAP_TASK, .prio = 100, .max_prio = 100, .utcb = IPCBENCH_UTCB };
	unsigned bad = 0;
	long ret = 0;

	cap_ep = l4_cap_alloc();
	cap_srv_slot = l4_cap_alloc();
	if (l4_factory_create(L4_CAP_FACTORY, L4_OBJ_ENDPOINT, cap_ep, 0) ||
	    l4_factory_create(L4_CAP_FACTORY, L4_OBJ_NOTIFICATION, mine, 0) ||
	    l4_factory_create_thread(L4_CAP_FACTORY, th) || l4_thread_config(th, &c) ||
	    l4_thread_run(th, cap_server, 0, cap_stack, sizeof(cap_stack))) {
		l4_printf("bench: %s: set-up failed\n", name);
		return;
	}
	UTCB->rcv_caps = l4_rcv_caps(mine, 1);
	uint64_t word = l4_ipc_word(L4_IPC_CALL, cap_ep, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER);
	for (unsigned i = 0; i < WARMUP + SAMPLES; i++) {
		trace_begin(i, TRACE_SAMPLE, name);
		uint64_t n = ipcbench_timed_item(word, l4_tag(0, 0, 1), l4_item_cap(L4_RIGHTS_ALL, 1), mine, &ret);
		trace_end(i, TRACE_SAMPLE, name);
		bad += ret != (long)l4_tag(0, 0, 1);
		if (i >= WARMUP)
			samples[i - WARMUP] = n - overhead;
	}
	UTCB->rcv_caps = 0;
	if (bad)
		l4_printf("bench: %s: %u calls failed (last result %ld)\n", name, bad, ret);
	else
		report(name, samples, SAMPLES, 1);
	l4_factory_destroy(L4_CAP_FACTORY, th);
	l4_factory_destroy(L4_CAP_FACTORY, cap_ep);
	l4_task_cap_delete(L4_CAP_TASK, mine);
	l4_task_cap_delete(L4_CAP_TASK, cap_srv_slot);
}

/* The empty measurement of ipcbench_timed's rdinstret pair. */
static uint64_t empty_timed(void)
{
	uint64_t t0, t1;

	__asm__ volatile("rdinstret %0\n rdinstret %1" : "=&r"(t0), "=r"(t1));
	return t1 - t0;
}

/* ---- notifications ---- */

static uint64_t ntf_ping, ntf_pong;

static void pong(void *arg)
{
	uint64_t bits;

	(void)arg;
	for (;;) {
		l4_wait(ntf_ping, &bits);
		l4_signal(ntf_pong, 1);
	}
}

static void bench_notification(uint64_t overhead)
{
	uint64_t th = l4_cap_alloc(), bits;
	struct l4_thread_config c = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PRIO, .task = L4_CAP_TASK,
				      .prio = 100, .max_prio = 100 };

	ntf_ping = l4_cap_alloc();
	ntf_pong = l4_cap_alloc();
	if (l4_factory_create(L4_CAP_FACTORY, L4_OBJ_NOTIFICATION, ntf_ping, 0) ||
	    l4_factory_create(L4_CAP_FACTORY, L4_OBJ_NOTIFICATION, ntf_pong, 0) ||
	    l4_factory_create_thread(L4_CAP_FACTORY, th) || l4_thread_config(th, &c) ||
	    l4_thread_run(th, pong, 0, partner_stack, sizeof(partner_stack))) {
		l4_puts("bench: cannot start the notification partner");
		return;
	}
	/* One sample: signal + wait here, wait returns + signal + wait there. */
	for (unsigned i = 0; i < WARMUP + SAMPLES; i++) {
		trace_begin(i, TRACE_SAMPLE, "notification_signal_wait");
		uint64_t t0 = l4_rdinstret();
		l4_signal(ntf_ping, 1);
		l4_wait(ntf_pong, &bits);
		uint64_t t1 = l4_rdinstret();
		trace_end(i, TRACE_SAMPLE, "notification_signal_wait");
		if (i >= WARMUP)
			samples[i - WARMUP] = t1 - t0 - overhead;
	}
	report("notification_signal_wait", samples, SAMPLES, 2);
	l4_factory_destroy(L4_CAP_FACTORY, th);
	l4_factory_destroy(L4_CAP_FACTORY, ntf_ping);
	l4_factory_destroy(L4_CAP_FACTORY, ntf_pong);
	l4_cap_free(th);
	l4_cap_free(ntf_ping);
	l4_cap_free(ntf_pong);
}


/* ---- interrupts ---- */

/*
 * irq_to_user: from the store that makes the UART raise its transmit-empty
 * interrupt (IER.ETBEI, the transmit register empty) to the first
 * instruction after the wait of the handler thread (priority 150, above
 * this thread) on the notification the IRQ object signals: the trap, the
 * claim, the signal, the switch, and the few user instructions around
 * (the store, the wait stub's return), minus the empty measurement.
 * irq_ack: the handler's l4_irq_ack call (its stub included), after it made
 * the device quiet. The UART and its source come from the device tree.
 */
#define IRQ_DTB_VA 0x3a000000UL
#define IRQ_UART_VA 0x3a100000UL
static uint64_t irq_sel, irq_ntf;
static volatile uint8_t *irq_ier8;
static volatile uint32_t *irq_ier32;
static volatile uint64_t irq_t1, irq_ack_cost;
static volatile unsigned irq_round;     /* the sample the handler serves */
static uint8_t irq_stack[8192] __attribute__((aligned(16)));

static inline void ier_store(uint32_t v)
{
	if (irq_ier32)
		*irq_ier32 = v;
	else
		*irq_ier8 = (uint8_t)v;
}

/* t0 and the store that raises the interrupt, with nothing in between. */
static inline uint64_t ier_raise_timed(void)
{
	uint64_t t0;

	if (irq_ier32)
		__asm__ volatile("rdinstret %0\n sw %1, 0(%2)" : "=&r"(t0) : "r"(UART_IER_ETBEI), "r"(irq_ier32) : "memory");
	else
		__asm__ volatile("rdinstret %0\n sb %1, 0(%2)" : "=&r"(t0) : "r"(UART_IER_ETBEI), "r"(irq_ier8) : "memory");
	return t0;
}

static void irq_handler(void *arg)
{
	uint64_t bits;

	(void)arg;
	for (;;) {
		l4_wait(irq_ntf, &bits);
		uint64_t t1 = l4_rdinstret();
		trace_end(irq_round, TRACE_SAMPLE, "irq_to_user");
		ier_store(0);
		trace_begin(irq_round, TRACE_SAMPLE, "irq_ack");
		uint64_t t2 = l4_rdinstret();
		l4_irq_ack(irq_sel);
		uint64_t t3 = l4_rdinstret();
		trace_end(irq_round, TRACE_SAMPLE, "irq_ack");
		irq_t1 = t1;
		irq_ack_cost = t3 - t2;
	}
}

static void bench_irq(uint64_t overhead)
{
	static uint64_t acks[SAMPLES];
	struct fdt fdt;
	struct dt_uart u;
	uint64_t where = 0, th = l4_cap_alloc();
	struct l4_thread_config c = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PRIO, .task = L4_CAP_TASK,
				      .prio = 150, .max_prio = 150 };

	if (dt_map(L4_CAP_SIGMA0, UTCB, IRQ_DTB_VA, &fdt) || dt_uart(&fdt, &u) ||
	    l4_sigma0_call(L4_CAP_SIGMA0, UTCB, l4_fpage(IRQ_UART_VA, 12, 0), L4_SIGMA0_DEVICE, 2,
			   u.base & ~(L4_PAGE_SIZE - 1), 12, 0, &where) < 0 || where != IRQ_UART_VA) {
		l4_puts("bench: no UART to raise interrupts with");
		return;
	}
	dt_unmap(IRQ_DTB_VA);
	uintptr_t ier = IRQ_UART_VA + u.base % L4_PAGE_SIZE + ((uintptr_t)UART_IER << u.shift);
	if (u.width == 4)
		irq_ier32 = (volatile uint32_t *)ier;
	else
		irq_ier8 = (volatile uint8_t *)ier;
	irq_sel = l4_cap_alloc();
	irq_ntf = l4_cap_alloc();
	if (l4_factory_create(L4_CAP_FACTORY, L4_OBJ_NOTIFICATION, irq_ntf, 0) ||
	    l4_irqctl_get(L4_CAP_IRQ_CONTROL, u.irq, L4_CAP_FACTORY, irq_sel) || l4_irq_bind(irq_sel, irq_ntf, 1) ||
	    l4_factory_create_thread(L4_CAP_FACTORY, th) || l4_thread_config(th, &c) ||
	    l4_thread_run(th, irq_handler, 0, irq_stack, sizeof(irq_stack))) {
		l4_puts("bench: cannot set up the interrupt handler");
		return;
	}
	for (unsigned i = 0; i < WARMUP + SAMPLES; i++) {
		irq_round = i;
		trace_begin(i, TRACE_SAMPLE, "irq_to_user");
		uint64_t t0 = ier_raise_timed();
		/* the handler ran here: it made the UART quiet and acked */
		if (i >= WARMUP) {
			samples[i - WARMUP] = irq_t1 - t0 - overhead;
			acks[i - WARMUP] = irq_ack_cost - overhead;
		}
	}
	report("irq_to_user", samples, SAMPLES, 1);
	report("irq_ack", acks, SAMPLES, 1);
	l4_factory_destroy(L4_CAP_FACTORY, th);
	l4_factory_destroy(L4_CAP_FACTORY, irq_sel);
	l4_factory_destroy(L4_CAP_FACTORY, irq_ntf);
	l4_cap_free(th);
	l4_cap_free(irq_sel);
	l4_cap_free(irq_ntf);
	l4_sigma0_call(L4_CAP_SIGMA0, UTCB, 0, L4_SIGMA0_FREE, 2, u.base & ~(L4_PAGE_SIZE - 1), 12, 0, 0);
	l4_task_unmap(L4_CAP_TASK, l4_fpage(IRQ_UART_VA, 12, L4_FP_RWX), L4_UNMAP_SELF);
}

/* ---- memory ---- */

#define MEM_SRC 0x100000000UL           /* the page sigma0 gave */
#define MEM_WIN 0x200000000UL           /* destinations: MEM_WIN + i pages */
#define TREE 1000
#define TREE_SAMPLES 11

static uint64_t mapper_ep;
static uint8_t mapper_stack[8192] __attribute__((aligned(16)));

/*
 * A thread of this task that answers every call with a map item of the
 * page at MR0 (4 KiB, all rights; hotspot = MR1). Its reply-and-wait carries
 * the item.
 */
static void mapper(void *arg)
{
	struct l4_msg m = { 0 };
	long tag = l4_receive(mapper_ep, &m);

	(void)arg;
	for (;;) {
		uint64_t src = MEM_SRC, hot = MEM_SRC;
		if (tag >= 0) {
			src = m.mr[0];
			hot = m.mr[1];
		}
		m.mr[0] = l4_item_mem(hot, 0);
		m.mr[1] = l4_fpage(src, 12, L4_FP_RWX);
		tag = l4_ipc(l4_ipc_word(L4_IPC_REPLY_WAIT, mapper_ep, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER),
			     l4_tag(0, 0, 1), &m);
	}
}

/* The pager of pagefault_roundtrip: a thread of this task that maps MEM_SRC
 * at every faulting page (ipcbench_serve_faults), nothing else. */
static uint64_t fault_ep;
static uint8_t fault_stack[4096] __attribute__((aligned(16)));

static void fault_pager(void *arg)
{
	(void)arg;
	ipcbench_serve_faults(fault_ep, l4_fpage(MEM_SRC, 12, L4_FP_RWX));
}

/* Map the page at src to dst of this task through the mapper (one call). */
static long map_via(uint64_t src, uint64_t dst)
{
	struct l4_msg m = { { src, dst, 0, 0, 0, 0 }, 0 };

	UTCB->rcv_mem = l4_fpage(dst, 12, 0);
	long r = l4_call(mapper_ep, 0, 2, &m);
	UTCB->rcv_mem = 0;
	return r;
}

/* A thread of this task at priority 100 running fn, waiting on a new endpoint
 * (*ep): the thread's capability, or 0. */
static uint64_t start_mem_server(void (*fn)(void *), uint64_t *ep, uint8_t *stack, size_t size)
{
	uint64_t th = l4_cap_alloc();
	struct l4_thread_config c = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PRIO, .task = L4_CAP_TASK,
				      .prio = 100, .max_prio = 100 };

	*ep = l4_cap_alloc();
	if (l4_factory_create(L4_CAP_FACTORY, L4_OBJ_ENDPOINT, *ep, 0) ||
	    l4_factory_create_thread(L4_CAP_FACTORY, th) || l4_thread_config(th, &c) ||
	    l4_thread_run(th, fn, 0, stack, size))
		return 0;
	return th;
}

/* One sample: a call whose reply maps a 4 KiB page here, then unmapping it (self). */
static void bench_map_unmap(const char *name, uint64_t overhead)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < WARMUP + SAMPLES; i++) {
		trace_begin(i, TRACE_SAMPLE, name);
		uint64_t t0 = l4_rdinstret();
		long r = map_via(MEM_SRC, MEM_WIN);
		long u = l4_task_unmap(L4_CAP_TASK, l4_fpage(MEM_WIN, 12, L4_FP_RWX), L4_UNMAP_SELF);
		uint64_t t1 = l4_rdinstret();
		trace_end(i, TRACE_SAMPLE, name);
		bad += r < 0 || l4_tag_items((uint64_t)r) != 1 || u;
		if (i >= WARMUP)
			samples[i - WARMUP] = t1 - t0 - overhead;
	}
	if (bad)
		l4_printf("bench: %s: %u rounds failed\n", name, bad);
	else
		report(name, samples, SAMPLES, 1);
}

/*
 * unmap_4k_shootdown (4 harts or more): map_unmap_4k while threads of this
 * task are at home on harts 1..3 (blocked, their harts idle), so that
 * every unmap fences those three TLBs before it returns: the IPIs, the
 * other harts' fences and acknowledgements count (instret under -icount
 * is the machine's).
 */

static void shoot_waiter(void *arg)
{
	struct l4_msg m = { { 0 }, 0 };

	for (;;)
		l4_receive((uint64_t)arg, &m);
}

static void bench_shootdown(uint64_t overhead)
{
	uint64_t ep = l4_cap_alloc(), th[3] = { 0 };
	int ok = !l4_factory_create(L4_CAP_FACTORY, L4_OBJ_ENDPOINT, ep, 0);
	struct l4_thread_config c = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PRIO, .task = L4_CAP_TASK,
				      .prio = 100, .max_prio = 100 };

	for (unsigned i = 0; i < 3 && ok; i++) {
		th[i] = l4_cap_alloc();
		ok = !l4_factory_create_thread(L4_CAP_FACTORY, th[i]) && !l4_thread_config(th[i], &c) &&
		     !l4_thread_set_hart(th[i], i + 1, 0) &&
		     !l4_thread_run(th[i], shoot_waiter, (void *)ep, shoot_stack(i), 4096);
	}
	for (unsigned k = 0; k < 100; k++)
		l4_yield();     /* (they block on their harts meanwhile) */
	if (ok)
		bench_map_unmap("unmap_4k_shootdown", overhead);
	else
		l4_printf("bench: unmap_4k_shootdown: cannot start the threads on harts 1..3\n");
	for (unsigned i = 0; i < 3; i++)
		if (th[i]) {
			l4_factory_destroy(L4_CAP_FACTORY, th[i]);
			l4_cap_free(th[i]);
		}
	l4_factory_destroy(L4_CAP_FACTORY, ep);
	l4_cap_free(ep);
}

/*
 * One sample: the page at MEM_SRC mapped on to TREE/2 addresses directly
 * (a fan-out) and through a chain of TREE/2 (each mapped from the one
 * before), then one unmap of MEM_SRC revoking all TREE mappings.
 */
static void bench_unmap_tree(uint64_t overhead)
{
	unsigned bad = 0;

	for (unsigned s = 0; s < TREE_SAMPLES; s++) {
		uint64_t prev = MEM_SRC;
		for (unsigned i = 0; i < TREE / 2; i++) {
			uint64_t chain = MEM_WIN + (2 * i) * 4096UL, fan = chain + 4096;
			bad += map_via(prev, chain) < 0;
			bad += map_via(MEM_SRC, fan) < 0;
			prev = chain;
		}
		trace_begin(s, TREE_SAMPLES / 2, "unmap_tree_1000");
		uint64_t t0 = l4_rdinstret();
		long u = l4_task_unmap(L4_CAP_TASK, l4_fpage(MEM_SRC, 12, L4_FP_RWX), 0);
		uint64_t t1 = l4_rdinstret();
		trace_end(s, TREE_SAMPLES / 2, "unmap_tree_1000");
		bad += u != 0 || l4_debug_write((const void *)(MEM_WIN + (TREE - 1) * 4096UL), 1) != -L4_EFAULT;
		samples[s] = t1 - t0 - overhead;
	}
	if (bad)
		l4_printf("bench: unmap_tree_1000: %u steps failed\n", bad);
	else
		report("unmap_tree_1000", samples, TREE_SAMPLES, 1);
}

/* One sample: a load from a page not mapped yet; fault_pager, as this thread's pager, maps one. */
static void bench_pagefault(const char *name, uint64_t overhead)
{
	struct l4_thread_config c = { .which = L4_THREAD_CFG_PAGER, .pager = fault_ep };
	struct l4_thread_config back = { .which = L4_THREAD_CFG_PAGER, .pager = L4_CAP_SIGMA0 };
	uint64_t sum = 0;

	if (l4_thread_config(L4_CAP_THREAD, &c)) {
		l4_puts("bench: pagefault_roundtrip: cannot set the pager");
		return;
	}
	for (unsigned i = 0; i < WARMUP + SAMPLES; i++) {
		volatile uint64_t *p = (volatile uint64_t *)(MEM_WIN + i * 4096UL);
		trace_begin(i, TRACE_SAMPLE, name);
		uint64_t t0 = l4_rdinstret();
		sum += *p;
		uint64_t t1 = l4_rdinstret();
		trace_end(i, TRACE_SAMPLE, name);
		if (i >= WARMUP)
			samples[i - WARMUP] = t1 - t0 - overhead;
	}
	l4_thread_config(L4_CAP_THREAD, &back);
	l4_task_unmap(L4_CAP_TASK, l4_fpage(MEM_WIN, 24, L4_FP_RWX), L4_UNMAP_SELF);
	report(name, samples, SAMPLES, 1);
	(void)sum;
}

static void bench_memory(void)
{
	uint64_t pa = 0, th = start_mem_server(mapper, &mapper_ep, mapper_stack, sizeof(mapper_stack));
	uint64_t fth = start_mem_server(fault_pager, &fault_ep, fault_stack, sizeof(fault_stack));
	long r = l4_sigma0_call(L4_CAP_SIGMA0, UTCB, l4_fpage(MEM_SRC, 12, 0), L4_SIGMA0_ALLOC, 2, 12, 0, 0, &pa);

	if (!th || !fth || r <= 0) {
		l4_printf("bench: memory: no mapper, no fault pager or no page from sigma0 (%ld)\n", r);
		return;
	}
	if (selected("map_unmap_4k"))
		bench_map_unmap("map_unmap_4k", empty_cost());
	if (l4_kip()->nharts >= 4 && selected("unmap_4k_shootdown"))
		bench_shootdown(empty_cost());
	if (selected("unmap_tree_1000"))
		bench_unmap_tree(empty_cost());
	if (selected("pagefault_roundtrip"))
		bench_pagefault("pagefault_roundtrip", empty_cost());
	long was = l4_debug_fastpath(0);
	if (selected("pagefault_roundtrip_slowpath"))
		bench_pagefault("pagefault_roundtrip_slowpath", empty_cost());
	l4_debug_fastpath((int)was);
	l4_factory_destroy(L4_CAP_FACTORY, th);
	l4_factory_destroy(L4_CAP_FACTORY, mapper_ep);
	l4_factory_destroy(L4_CAP_FACTORY, fth);
	l4_factory_destroy(L4_CAP_FACTORY, fault_ep);
	l4_cap_free(th);
	l4_cap_free(mapper_ep);
	l4_cap_free(fth);
	l4_cap_free(fault_ep);
}


/* ---- pagers: region mapper and memory server ---- */

#define PG_LDR_BOOT 0x1800000000UL
#define PG_LDR_SCRATCH 0x1840000000UL
#define PG_UTCB0 0x1841000000UL
#define PG_UTCB1 0x1841001000UL
#define PG_RM_UTCB 0x1841002000UL
#define PG_SEARCH_LO 0x1900000000UL
#define PG_SEARCH_HI 0x1a00000000UL
#define PG_WIN 0x1a00000000UL
#define PG_PAGES (WARMUP + SAMPLES)

static struct rm pg_rm;
static uint64_t pg_session;             /* memsrv's root session, for the block benchmarks */
static uint64_t pg_rm_ep;
static uint8_t pg_rm_stack[16384] __attribute__((aligned(16)));

static void pg_rm_thread(void *arg)
{
	rm_serve(arg);
}

/* A fresh anonymous dataspace of `bytes` attached read-write by the region mapper: its address, or 0. */
static uint64_t pg_attach(uint64_t session, uint64_t bytes, uint64_t *ds)
{
	*ds = l4_cap_alloc();
	if (l4_mem_alloc(session, UTCB, bytes, 0, *ds, 0))
		return 0;
	long a = l4_rm_attach(pg_rm_ep, 0, bytes, 0, L4_RM_SEARCH | L4_FP_R | L4_FP_W, *ds, 0);
	return a > 0 ? (uint64_t)a : 0;
}

static void bench_pager(void)
{
	struct ldr_config lc = { .factory = L4_CAP_FACTORY, .task = L4_CAP_TASK, .sigma0 = L4_CAP_SIGMA0, .debug = L4_CAP_DEBUG,
				 .main_utcb = L4_BOOT_UTCB, .utcb = { PG_UTCB0, PG_UTCB1 }, .boot_va = PG_LDR_BOOT,
				 .scratch_va = PG_LDR_SCRATCH, .prio = 200 };
	uint64_t session = 0, th = l4_cap_alloc(), d1, d2, d3, d4;
	struct l4_mem_stats st;
	struct l4_thread_config c = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PRIO | L4_THREAD_CFG_UTCB,
				      .task = L4_CAP_TASK, .prio = 110, .max_prio = 110, .utcb = PG_RM_UTCB };
	struct l4_thread_config pg = { .which = L4_THREAD_CFG_PAGER };
	struct l4_thread_config back = { .which = L4_THREAD_CFG_PAGER, .pager = L4_CAP_SIGMA0 };

	pg_rm_ep = l4_cap_alloc();
	if (ldr_init(&lc) || ldr_start_memsrv("memsrv", 150, &session, 0, 0) ||
	    l4_factory_create(L4_CAP_FACTORY, L4_OBJ_ENDPOINT, pg_rm_ep, 0) || l4_factory_create_thread(L4_CAP_FACTORY, th) ||
	    l4_thread_config(th, &c)) {
		l4_puts("bench: pagers: cannot start the loader, memsrv or the region mapper");
		return;
	}
	struct rm_config rc = { .ep = pg_rm_ep, .task = L4_CAP_TASK, .utcb = (struct l4_utcb *)PG_RM_UTCB,
				.slot_lo = 1024, .slot_hi = 2048, .search_lo = PG_SEARCH_LO, .search_hi = PG_SEARCH_HI,
				.name = "benchroot" };
	rm_init(&pg_rm, &rc);
	l4_thread_run(th, pg_rm_thread, &pg_rm, pg_rm_stack, sizeof(pg_rm_stack));

	/* Anonymous memory for the demand faults; a populated dataspace and its clone for the COW faults. */
	uint64_t d0 = l4_cap_alloc();
	if (!l4_mem_alloc(session, UTCB, PG_PAGES * 4096UL, 0, d0, 0)) {
		uint64_t ov = empty_cost();
		unsigned fail = 0;
		for (unsigned i = 0; i < PG_PAGES; i++) {
			trace_begin(i, TRACE_SAMPLE, "ds_map_anon");
			uint64_t t0 = l4_rdinstret();
			long r = l4_ds_map(d0, UTCB, i * 4096UL, PG_WIN + i * 4096UL, L4_FP_R | L4_FP_W, L4_FP_W);
			uint64_t t1 = l4_rdinstret();
			trace_end(i, TRACE_SAMPLE, "ds_map_anon");
			fail += r < 0;
			if (i >= WARMUP)
				samples[i - WARMUP] = t1 - t0 - ov;
		}
		if (fail)
			l4_printf("bench: ds_map_anon: %u calls failed\n", fail);
		else
			report("ds_map_anon", samples, SAMPLES, 1);
		l4_ds_free(d0);
	}
	uint64_t a = pg_attach(session, PG_PAGES * 4096UL, &d1);
	uint64_t b = pg_attach(session, PG_PAGES * 4096UL, &d2);
	uint64_t big = pg_attach(session, 16UL << 20, &d4);
	d3 = l4_cap_alloc();
	int ok = a && b && big;
	for (unsigned i = 0; ok && i < PG_PAGES; i++) {
		ok = l4_ds_map(d2, UTCB, i * 4096UL, PG_WIN, L4_FP_R | L4_FP_W, L4_FP_W) >= 0;
		*(volatile uint64_t *)PG_WIN = i;
		l4_task_unmap(L4_CAP_TASK, l4_fpage(PG_WIN, 12, L4_FP_RWX), L4_UNMAP_SELF);
	}
	l4_rm_detach(pg_rm_ep, b, 0, 0);
	long cb = ok ? l4_ds_clone(d2, UTCB, d3) : -1;
	long cl = cb ? -1 : l4_rm_attach(pg_rm_ep, 0, PG_PAGES * 4096UL, 0, L4_RM_SEARCH | L4_FP_R | L4_FP_W, d3, 0);
	pg.pager = pg_rm_ep;
	if (!ok || cl <= 0 || l4_thread_config(L4_CAP_THREAD, &pg)) {
		l4_printf("bench: pagers: set-up failed (%d %ld %ld)\n", ok, cb, cl);
		return;
	}
	uint64_t overhead = empty_cost(), sum = 0;
	unsigned bad = 0;
	/* From here until `back`, this thread's faults go to the region mapper. */
	for (unsigned i = 0; i < PG_PAGES; i++) {
		volatile uint64_t *p = (volatile uint64_t *)(a + i * 4096UL);
		trace_begin(i, TRACE_SAMPLE, "demand_fault_anon");
		uint64_t t0 = l4_rdinstret();
		*p = i;
		uint64_t t1 = l4_rdinstret();
		trace_end(i, TRACE_SAMPLE, "demand_fault_anon");
		if (i >= WARMUP)
			samples[i - WARMUP] = t1 - t0 - overhead;
	}
	report("demand_fault_anon", samples, SAMPLES, 1);
	for (unsigned i = 0; i < PG_PAGES; i++) {
		volatile uint64_t *p = (volatile uint64_t *)((uint64_t)cl + i * 4096UL);
		sum += *p;                      /* shared, mapped read-only */
		trace_begin(i, TRACE_SAMPLE, "cow_fault");
		uint64_t t0 = l4_rdinstret();
		*p = i + 1;                     /* the copy-on-write fault */
		uint64_t t1 = l4_rdinstret();
		trace_end(i, TRACE_SAMPLE, "cow_fault");
		if (i >= WARMUP)
			samples[i - WARMUP] = t1 - t0 - overhead;
	}
	uint64_t t0 = l4_rdinstret();
	for (uint64_t off = 0; off < (16UL << 20); off += 4096)
		*(volatile uint64_t *)(big + off) = off;
	uint64_t t1 = l4_rdinstret();
	l4_thread_config(L4_CAP_THREAD, &back);
	bad = sum != (uint64_t)PG_PAGES * (PG_PAGES - 1) / 2;
	if (bad)
		l4_puts("bench: cow_fault: the clone did not read the original's data");
	else
		report("cow_fault", samples, SAMPLES, 1);
	l4_printf("bench: touch_16m_anon instructions=%lu\n", (unsigned long)(t1 - t0 - overhead));
	pg_session = session;
	if (!l4_mem_stats(session, &st))
		l4_printf("bench: pagers: memsrv holds %lu pages, %lu free; region mapper: %lu faults resolved\n",
			  (unsigned long)st.pages, (unsigned long)st.free, (unsigned long)pg_rm.resolved);
}

/* ---- objects: thread creation and start, task creation and destruction ---- */

static uint8_t child_stack[4096] __attribute__((aligned(16)));

static void child(void *arg)
{
	(void)arg;
	for (;;)
		l4_yield();
}

/*
 * One sample: a thread made in this task (factory), configured (task,
 * priority 50: below this thread's, so it does not run yet) and started
 * (l4_thread_run: pc, sp, start). Destroyed after the sample.
 */
static void bench_thread_create(uint64_t overhead)
{
	struct l4_thread_config c = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PRIO, .task = L4_CAP_TASK,
				      .prio = 50, .max_prio = 50 };
	uint64_t th = l4_cap_alloc();
	unsigned bad = 0;

	for (unsigned i = 0; i < WARMUP + SAMPLES; i++) {
		trace_begin(i, TRACE_SAMPLE, "thread_create_start");
		uint64_t t0 = l4_rdinstret();
		bad += l4_factory_create_thread(L4_CAP_FACTORY, th) != 0;
		bad += l4_thread_config(th, &c) != 0;
		bad += l4_thread_run(th, child, 0, child_stack, sizeof(child_stack)) != 0;
		uint64_t t1 = l4_rdinstret();
		trace_end(i, TRACE_SAMPLE, "thread_create_start");
		bad += l4_factory_destroy(L4_CAP_FACTORY, th) != 0;
		if (i >= WARMUP)
			samples[i - WARMUP] = t1 - t0 - overhead;
	}
	l4_cap_free(th);
	if (bad)
		l4_printf("bench: thread_create_start: %u steps failed\n", bad);
	else
		report("thread_create_start", samples, SAMPLES, 1);
}

/* One sample: a task with 16 capability slots made and destroyed (factory). */
static void bench_task_create(uint64_t overhead)
{
	uint64_t t = l4_cap_alloc();
	unsigned bad = 0;

	for (unsigned i = 0; i < WARMUP + SAMPLES; i++) {
		trace_begin(i, TRACE_SAMPLE, "task_create_destroy");
		uint64_t t0 = l4_rdinstret();
		bad += l4_factory_create(L4_CAP_FACTORY, L4_OBJ_TASK, t, 4) != 0;
		bad += l4_factory_destroy(L4_CAP_FACTORY, t) != 0;
		uint64_t t1 = l4_rdinstret();
		trace_end(i, TRACE_SAMPLE, "task_create_destroy");
		if (i >= WARMUP)
			samples[i - WARMUP] = t1 - t0 - overhead;
	}
	l4_cap_free(t);
	if (bad)
		l4_printf("bench: task_create_destroy: %u steps failed\n", bad);
	else
		report("task_create_destroy", samples, SAMPLES, 1);
}

static void kmem_cost(const char *name, unsigned type, uint64_t arg)
{
	uint64_t sel = l4_cap_alloc(), limit, before, after;

	l4_factory_info(L4_CAP_FACTORY, &limit, &before);
	if (l4_factory_create(L4_CAP_FACTORY, type, sel, arg) == 0) {
		l4_factory_info(L4_CAP_FACTORY, &limit, &after);
		l4_printf("bench: kmem_%s bytes=%lu\n", name, (unsigned long)(after - before));
		l4_factory_destroy(L4_CAP_FACTORY, sel);
	}
	l4_cap_free(sel);
}

/* ---- preempt_latency_max: long kernel operations against a timer ---- */

#define PR_TREE 10000                   /* mappings derived from one page */
#define PR_WIN 0x2800000000UL           /* where they land (64 MiB window) */
#define PR_WIN_ORDER 26
#define PR_RX_UTCB 0x1841004000UL
#define PR_OBJECTS 1000                 /* in the factory destroyed */
#define PR_SLEEP_US 20

static uint8_t pr_page[4096] __attribute__((aligned(4096)));
static uint8_t pr_rx_stack[8192] __attribute__((aligned(16)));
static uint8_t pr_tick_stack[8192] __attribute__((aligned(16)));
static uint64_t pr_ep, pr_ntf;
static volatile int pr_measuring, pr_ticking;
static volatile uint64_t pr_n, pr_max, pr_min = ~0UL;

static void pr_rx(void *arg)
{
	struct l4_utcb *u = (struct l4_utcb *)PR_RX_UTCB;
	struct l4_msg m = { { 0 }, 0 };

	(void)arg;
	for (;;) {
		u->rcv_mem = l4_fpage(PR_WIN, PR_WIN_ORDER, 0);
		l4_receive(pr_ep, &m);
	}
}

/*
 * At priority 200: sleep PR_SLEEP_US at a time and note how late it ran,
 * in instructions: under -icount shift=0 one instruction is one ns of
 * virtual time, so a timebase tick is 1e9 / timebase instructions. The
 * deadline is estimated from the time read just before the call, a few
 * hundred instructions before the kernel arms it: the figure errs high.
 */
static void pr_ticker(void *arg)
{
	uint64_t hz = l4_kip()->timebase_hz, ticks = PR_SLEEP_US * hz / 1000000, per_tick = 1000000000 / hz, bits;

	(void)arg;
	while (pr_ticking) {
		uint64_t t0 = l4_rdtime();
		l4_wait_timeout(pr_ntf, l4_timeout_us(PR_SLEEP_US), &bits);
		uint64_t t1 = l4_rdtime();
		if (!pr_measuring)
			continue;
		uint64_t late = t1 > t0 + ticks ? (t1 - t0 - ticks) * per_tick : 0;
		pr_n++;
		if (late > pr_max)
			pr_max = late;
		if (late < pr_min)
			pr_min = late;
	}
}

/*
 * While this thread (priority 100) revokes a tree of PR_TREE mappings and
 * then destroys a factory holding PR_OBJECTS objects, a priority-200 thread
 * sleeps again and again: the worst delay from its deadline to its first
 * instruction is the row (lib/preempt.h).
 */
static void bench_preempt(void)
{
	uint64_t rx = l4_cap_alloc(), tk = l4_cap_alloc(), fac = l4_cap_alloc(), sel = l4_cap_alloc();
	unsigned bad = 0;

	pr_ep = l4_cap_alloc();
	pr_ntf = l4_cap_alloc();
	struct l4_thread_config rc = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PRIO | L4_THREAD_CFG_UTCB,
				       .task = L4_CAP_TASK, .utcb = PR_RX_UTCB, .prio = 100, .max_prio = 100 };
	struct l4_thread_config tc = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PRIO, .task = L4_CAP_TASK,
				       .prio = 200, .max_prio = 200 };
	if (l4_factory_create_endpoint(L4_CAP_FACTORY, pr_ep) || l4_factory_create_notification(L4_CAP_FACTORY, pr_ntf) ||
	    l4_factory_create_thread(L4_CAP_FACTORY, rx) || l4_thread_config(rx, &rc) ||
	    l4_thread_run(rx, pr_rx, 0, pr_rx_stack, sizeof(pr_rx_stack))) {
		l4_printf("bench: preempt_latency_max: set-up failed\n");
		return;
	}
	/* The tree: PR_TREE maps of one page, 31 memory items per message. */
	for (unsigned i = 0; i < PR_TREE; i += 31) {
		unsigned k = PR_TREE - i < 31 ? PR_TREE - i : 31;
		struct l4_msg m = { { 0 }, 0 };
		for (unsigned j = 0; j < k; j++) {
			uint64_t w0 = l4_item_mem(PR_WIN + (uint64_t)(i + j) * 4096, 0), w1 = l4_fpage((uint64_t)pr_page, 12, L4_FP_R);
			if (2 * j < L4_MSG_REG_WORDS) {
				m.mr[2 * j] = w0;
				m.mr[2 * j + 1] = w1;
			} else {
				UTCB->mr[2 * j] = w0;
				UTCB->mr[2 * j + 1] = w1;
			}
		}
		bad += l4_ipc(l4_ipc_word(L4_IPC_SEND, pr_ep, 0, 0), l4_tag(0, 0, k), &m) < 0;
	}
	/* The factory. */
	bad += l4_factory_create_factory(L4_CAP_FACTORY, fac, 2UL << 20) != 0;
	for (unsigned i = 0; i < PR_OBJECTS; i++) {
		static const unsigned types[] = { L4_OBJ_ENDPOINT, L4_OBJ_NOTIFICATION, L4_OBJ_THREAD };
		bad += l4_factory_create(fac, types[i % 3], sel, 0) != 0;
		l4_task_cap_delete(L4_CAP_TASK, sel);
	}
	pr_ticking = 1;
	bad += l4_factory_create_thread(L4_CAP_FACTORY, tk) || l4_thread_config(tk, &tc) ||
	       l4_thread_run(tk, pr_ticker, 0, pr_tick_stack, sizeof(pr_tick_stack));
	pr_measuring = 1;
	bad += l4_task_unmap(L4_CAP_TASK, l4_fpage((uint64_t)pr_page, 12, L4_FP_RWX), 0) != 0;
	bad += l4_factory_destroy(L4_CAP_FACTORY, fac) != 0;
	pr_measuring = 0;
	pr_ticking = 0;
	bad += l4_debug_write((const void *)PR_WIN, 1) != -L4_EFAULT;
	l4_factory_destroy(L4_CAP_FACTORY, tk);
	l4_factory_destroy(L4_CAP_FACTORY, rx);
	if (bad || pr_n < 10)
		l4_printf("bench: preempt_latency_max: %u steps failed, %lu samples (the worst %lu late)\n", bad,
			  (unsigned long)pr_n, (unsigned long)pr_max);
	else
		l4_printf("bench: preempt_latency_max instructions=%lu min=%lu max=%lu samples=%lu\n",
			  (unsigned long)pr_max, (unsigned long)pr_min, (unsigned long)pr_max, (unsigned long)pr_n);
}

/*
 * ipc_scaling (only with bench.only=ipc_scaling, and without -icount:
 * test/scaling.py): N independent client/server pairs in this task, pair i
 * on hart i, for N = 1 and 2; each client calls its server (the same-hart
 * fast path) as fast as it can, and the round trips of one second of wall
 * time are counted. The testroot sleeps meanwhile (the pairs are below it).
 */
#define SC_PAIRS 2
static uint64_t sc_ep[SC_PAIRS];
static volatile uint64_t sc_count[SC_PAIRS][8];         /* a cache line each */

static void sc_server(void *arg)
{
	ipcbench_serve(sc_ep[(uintptr_t)arg], 0);
}

static void sc_client(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;
	uint64_t word = l4_ipc_word(L4_IPC_CALL, sc_ep[i], L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER);

	for (;;) {
		struct l4_msg m = { { 0 }, 0 };
		l4_ipc(word, l4_tag(0, 0, 0), &m);
		sc_count[i][0]++;
	}
}

static uint64_t sc_thread(void (*fn)(void *), uintptr_t arg, unsigned hart, uint8_t *stack)
{
	uint64_t th = l4_cap_alloc();
	struct l4_thread_config c = { .which = L4_THREAD_CFG_TASK | L4_THREAD_CFG_PRIO, .task = L4_CAP_TASK,
				      .prio = 50, .max_prio = 50 };

	if (l4_factory_create_thread(L4_CAP_FACTORY, th) || l4_thread_config(th, &c) ||
	    l4_thread_set_hart(th, hart, 0) || l4_thread_run(th, fn, (void *)arg, stack, 8192))
		return 0;
	return th;
}

static void bench_scaling(void)
{
	uint64_t nap = l4_cap_alloc(), bits;
	unsigned most = l4_kip()->nharts < SC_PAIRS ? l4_kip()->nharts : SC_PAIRS;

	if (l4_factory_create(L4_CAP_FACTORY, L4_OBJ_NOTIFICATION, nap, 0))
		return;
	for (unsigned n = 1; n <= most; n++) {
		uint64_t th[2 * SC_PAIRS] = { 0 }, c0 = 0, c1 = 0;
		for (unsigned i = 0; i < n; i++) {
			sc_ep[i] = l4_cap_alloc();
			l4_factory_create(L4_CAP_FACTORY, L4_OBJ_ENDPOINT, sc_ep[i], 0);
			/* stacks of other rows (nothing else runs in this boot) */
			uint8_t *stk[2 * SC_PAIRS] = { partner_stack, cap_stack, irq_stack, mapper_stack };
			th[2 * i] = sc_thread(sc_server, i, i, stk[2 * i]);
			th[2 * i + 1] = sc_thread(sc_client, i, i, stk[2 * i + 1]);
		}
		l4_wait_timeout(nap, l4_timeout_us(200000), &bits);     /* under way */
		for (unsigned i = 0; i < n; i++)
			c0 += sc_count[i][0];
		uint64_t t0 = l4_now_us();
		l4_wait_timeout(nap, l4_timeout_us(1000000), &bits);
		uint64_t t1 = l4_now_us();
		for (unsigned i = 0; i < n; i++)
			c1 += sc_count[i][0];
		l4_printf("bench: ipc_scaling pairs=%u roundtrips=%lu us=%lu\n", n, (unsigned long)(c1 - c0),
			  (unsigned long)(t1 - t0));
		for (unsigned i = 0; i < 2 * n; i++)
			if (th[i]) {
				l4_factory_destroy(L4_CAP_FACTORY, th[i]);
				l4_cap_free(th[i]);
			}
		for (unsigned i = 0; i < n; i++) {
			l4_factory_destroy(L4_CAP_FACTORY, sc_ep[i]);
			l4_cap_free(sc_ep[i]);
			sc_count[i][0] = 0;
		}
	}
	l4_factory_destroy(L4_CAP_FACTORY, nap);
	l4_cap_free(nap);
}

int main(void)
{
	l4_printf("bench: boot_to_roottask instructions=%lu\n",
		  l4_boot_instret_first - l4_boot_instret_kernel);
	l4_printf("bench: reset_to_roottask instructions=%lu\n", l4_boot_instret_first);
	l4_capalloc_init(L4_CAP_FIRST_FREE, 1024 - L4_CAP_FIRST_FREE);
	read_bootargs();
	if (strcmp(only, "ipc_scaling") == 0) {
		bench_scaling();        /* wall time: nothing else in this boot */
		return 0;
	}
	uint64_t empty = empty_timed();
	bench_ipc("ipc_roundtrip_inter_as", 0, IPC_INTER, empty);
	bench_ipc("ipc_roundtrip_inter_as_6w", 6, IPC_INTER, empty);
	bench_ipc("ipc_roundtrip_intra_as", 0, 0, empty);
	/* Several harts: the client here on hart 0, the server on hart 1. The
	 * count is every hart's (-icount's instret is the machine's). */
	if (l4_kip()->nharts > 1)
		bench_ipc("ipc_roundtrip_cross_hart", 0, IPC_INTER | IPC_CROSS, empty);
	if (l4_kip()->nharts > 1)
		bench_ipc("ipc_roundtrip_inter_as_busy", 0, IPC_INTER | IPC_BUSY, empty);
	bench_ipc("ipc_roundtrip_64w", 64, IPC_INTER, empty);
	bench_ipc("ipc_roundtrip_hiprio", 0, IPC_INTER | IPC_HIPRIO, empty);
	bench_ipc("ipc_roundtrip_timeout", 0, IPC_INTER | IPC_TIMEOUT, empty);
	if (selected("ipc_roundtrip_cap"))
		bench_ipc_cap(empty);
	long was = l4_debug_fastpath(0);
	bench_ipc("ipc_roundtrip_slowpath", 0, IPC_INTER, empty);
	l4_debug_fastpath((int)was);
	if (selected("notification_signal_wait"))
		bench_notification(empty_cost());
	if (selected("yield"))
		bench_yield(empty_cost());
	if (selected_any((const char *const[]){ "irq_to_user", "irq_ack", 0 }))
		bench_irq(empty_cost());
	if (selected_any((const char *const[]){ "map_unmap_4k", "unmap_tree_1000", "pagefault_roundtrip",
						   "pagefault_roundtrip_slowpath", 0 }))
		bench_memory();
	if (selected("kmem_")) {
		kmem_cost("thread", L4_OBJ_THREAD, 0);
		kmem_cost("task_16_caps", L4_OBJ_TASK, 4);
		kmem_cost("task_4096_caps", L4_OBJ_TASK, 12);
		kmem_cost("endpoint", L4_OBJ_ENDPOINT, 0);
		kmem_cost("notification", L4_OBJ_NOTIFICATION, 0);
		kmem_cost("factory", L4_OBJ_FACTORY, 4096);
	}
	/* The block rows need the memory server bench_pager starts. */
	if (selected_any((const char *const[]){ "ds_map_anon", "demand_fault_anon", "cow_fault", "touch_16m_anon",
						   BLK_ROWS, FS_ROWS, 0 }))
		bench_pager();
	if (selected("preempt_latency_max"))
		bench_preempt();
	if (selected("thread_create_start"))
		bench_thread_create(empty_cost());
	if (selected("task_create_destroy"))
		bench_task_create(empty_cost());
	if (selected_any((const char *const[]){ BLK_ROWS, FS_ROWS, 0 }))
		bench_blk(pg_session);
	if (selected_any((const char *const[]){ FS_ROWS, 0 }))
		bench_fs(pg_session, pg_rm_ep, bench_blk_service());
	/* Last: these leave this thread with FP state, which would change
	 * what every later switch away from it costs. */
	bench_ipc("ipc_roundtrip_fpu_client", 0, IPC_INTER | IPC_FPU_CLIENT, empty);
	bench_ipc("ipc_roundtrip_fpu_both", 0, IPC_INTER | IPC_FPU_CLIENT | IPC_FPU_SERVER, empty);
	if (tracing) {
		l4_printf("bench: itrace rows=");
		for (unsigned i = 0; i < ntraced; i++)
			l4_printf("%s%s", i ? "," : "", traced[i]);
		l4_printf("\n");
	}
	return 0;
}
