/*
 * t_irqfire.c - interrupts that fire (l4/kobj.h "Interrupts"), with a
 * source software can raise: the UART's transmit-empty interrupt. With
 * IER.ETBEI set and the transmit register empty a 16550 asserts its line
 * until ETBEI is cleared (nothing here reads IIR or writes THR, which would
 * also clear it; the kernel's console writes THR, which only re-arms it).
 * The UART, its source and register layout come from the device tree
 * (dtdev.c). Nothing depends on host timing: every wait is for a
 * notification the interrupt signals, with a timeout only as a guard.
 *
 * The kernel's console writes THR too, which re-raises the interrupt while
 * ETBEI is set (and QEMU's PLIC latches every raise as a pending request).
 * So for these tests the console goes to the kernel log (L4_DEBUG_CONSOLE,
 * as a console driver takes it): the kernel writes nothing to the UART
 * until the test gives it back, and the log's lines come out then.
 *
 * Shown: the fired interrupt signals the notification with the object's
 * bits, is counted and taken; a source that keeps asserting while nobody
 * acknowledges fires once (a storm delays nobody: a thread at a lower
 * priority keeps running); ack lets it fire again; unbind, the
 * notification's end and the IRQ object's end each drop a taken interrupt
 * and nothing is signalled afterwards; the bound thread's receive on an
 * endpoint ends with L4_TAG_NOTIFY and the bits.
 */
#include <stdint.h>

#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/ipc.h>
#include <l4/irq.h>
#include <l4/kobj.h>
#include <l4/layout.h>
#include <l4/sigma0.h>
#include <l4/sys.h>
#include <l4/task.h>

#include "area.h"
#include "dtdev.h"
#include "tap.h"
#include "util.h"

#define UTCB ((struct l4_utcb *)L4_BOOT_UTCB)
#define DTB_VA 0x3a000000UL
#define UART_VA 0x3a100000UL
#define GUARD 2000000U                  /* a wait's guard: 2 s (the interrupt comes at once) */

static struct dt_uart uart;
static volatile void *regs;

static void etbei(bool on)
{
	uart_set(&uart, regs, UART_IER, on ? UART_IER_ETBEI : 0);
}

/* Wait on n (under the watchdog): its bits, or 0 on a timeout of `us`. */
static uint64_t wait_bits(uint64_t n, unsigned us)
{
	uint64_t bits = 0;

	wd_arm(WD_US + us);
	long r = l4_wait_timeout(n, l4_timeout_us(us), &bits);
	wd_disarm();
	return r == 0 ? bits : 0;
}

static uint64_t poll(uint64_t n)
{
	uint64_t bits = 0;

	return l4_poll(n, &bits) == 0 ? bits : 0;
}

static unsigned flags_of(uint64_t irq, uint64_t *count)
{
	unsigned fl = 99;

	l4_irq_info(irq, 0, &fl, count);
	return fl;
}

static volatile uint64_t low_rounds;

/* A thread at priority 99: counts while the testroot (100) waits. */
static void low_loop(void *arg)
{
	(void)arg;
	for (;;) {
		low_rounds++;
		l4_yield();
	}
}

static void test_fire(uint64_t irq, unsigned src)
{
	uint64_t n = obj_new(L4_OBJ_NOTIFICATION), count = 0;
	uint64_t low = thread_spawn(low_loop, 0, 99);

	tap_note("irq: a source that fires (the UART's transmit-empty interrupt, source %u)", src);
	tap_eq(l4_irq_bind(irq, n, 0x40), 0, "bind the IRQ object to a notification (bit 6)");
	tap_eq(poll(n), 0, "... nothing signalled yet (ETBEI off)");
	etbei(true);
	tap_eq(wait_bits(n, GUARD), 0x40, "set IER.ETBEI: the notification gets bit 6");
	tap_ok(flags_of(irq, &count) == (L4_IRQ_S_BOUND | L4_IRQ_S_TAKEN) && count == 1,
	       "... the interrupt is taken and counted (fired %lu)", (unsigned long)count);

	/* The line stays asserted and nobody acknowledges: it fired once. */
	uint64_t r0 = low_rounds;
	tap_eq(wait_bits(n, 20000), 0, "not acknowledged: no second signal in 20 ms (the source stays taken)");
	tap_ok(low_rounds > r0, "... a thread at a lower priority ran meanwhile (%lu rounds)",
	       (unsigned long)(low_rounds - r0));
	tap_ok(flags_of(irq, &count) == (L4_IRQ_S_BOUND | L4_IRQ_S_TAKEN) && count == 1, "... still fired once");

	/* The device stops asserting, then the ack: nothing more. */
	etbei(false);
	tap_eq(l4_irq_ack(irq), 0, "clear ETBEI at the device, then ack");
	tap_eq(wait_bits(n, 20000), 0, "... nothing more in 20 ms");
	tap_ok(flags_of(irq, &count) == L4_IRQ_S_BOUND && count == 1, "... bound, nothing taken, fired once");
	tap_eq(l4_irq_ack(irq), -L4_ENOENT, "a second ack: ENOENT");
	etbei(true);
	tap_eq(wait_bits(n, GUARD), 0x40, "ETBEI again: it fires again (bit 6)");
	tap_ok(flags_of(irq, &count) == (L4_IRQ_S_BOUND | L4_IRQ_S_TAKEN) && count == 2, "... taken, fired 2 times");

	/* Unbind with an interrupt taken: dropped, nothing signalled later. */
	tap_eq(l4_irq_unbind(irq), 0, "unbind with the interrupt taken");
	tap_ok(flags_of(irq, &count) == 0, "... unbound, nothing taken (dropped)");
	tap_eq(l4_irq_ack(irq), -L4_ENOENT, "... nothing to ack");
	etbei(false);
	etbei(true);
	tap_eq(wait_bits(n, 20000), 0, "... the device asserts again: nothing signalled in 20 ms");
	/* A request that came while the source was off is not promised (QEMU's
	 * PLIC reports it only at the line's next rise): bind, then let the
	 * device raise it. */
	tap_eq(l4_irq_bind(irq, n, 0x80), 0, "bind again (bit 7)");
	etbei(false);
	etbei(true);
	tap_eq(wait_bits(n, GUARD), 0x80, "... the device raises its line: bit 7");

	/* The notification goes with an interrupt taken. */
	obj_del(n);
	tap_ok(flags_of(irq, &count) == 0, "destroy the notification with the interrupt taken: the IRQ object is unbound");
	tap_eq(l4_irq_ack(irq), -L4_ENOENT, "... the interrupt was dropped");
	etbei(false);
	thread_del(low);
}

static void test_bound_thread(uint64_t irq)
{
	uint64_t n = obj_new(L4_OBJ_NOTIFICATION), ep = obj_new(L4_OBJ_ENDPOINT);
	struct l4_msg m = { 0 };

	tap_note("irq: a driver's loop: a receive on its endpoint ends with the interrupt");
	struct l4_msg b = { { n }, 0 };
	tap_eq(l4_call(L4_CAP_THREAD, L4_THREAD_BIND, 1, &b), l4_tag(0, 0, 0), "the testroot binds the notification");
	tap_eq(l4_irq_bind(irq, n, 0x3), 0, "the IRQ object signals bits 0, 1");
	etbei(true);
	wd_arm(WD_US);
	long tag = l4_ipc(l4_ipc_word(L4_IPC_RECV, ep, L4_TIMEOUT_NEVER, l4_timeout_us(GUARD)), 0, &m);
	wd_disarm();
	tap_ok(tag >= 0 && (tag & L4_TAG_NOTIFY) && m.badge == 0x3,
	       "a receive on the endpoint ends with L4_TAG_NOTIFY and the bits in a7 (%#lx, %#lx)", (unsigned long)tag,
	       (unsigned long)m.badge);
	etbei(false);
	tap_eq(l4_irq_ack(irq), 0, "... ack");
	b.mr[0] = 0;
	l4_call(L4_CAP_THREAD, L4_THREAD_BIND, 1, &b);
	tap_eq(l4_irq_unbind(irq), 0, "unbind");
	obj_del(n);
	obj_del(ep);
}

/* ---- L4_IPC_ACK: the ack and a receive in one call ---- */

static uint64_t ack_irq, ack_ep;

/* What one run of test_ack_recv observed, compared between the paths. */
struct ackres {
	long err[7];                    /* the error cases */
	unsigned fl_err;                /* the IRQ's flags after them (still taken) */
	long tag;                       /* the receive with the ack, ended by the sender */
	uint64_t mr0, badge;
	unsigned fl_sender;             /* the flags as the sender saw them (acked before it ran) */
	long again;                     /* a second ack (ENOENT) */
	long noutcb;                    /* a thread without a UTCB */
	long enoent;                    /* the flag with nothing taken: ENOENT, no receive */
};

static volatile unsigned sender_fl;
static volatile long noutcb_r;

/* At 99: runs once the testroot's receive blocked; looks at the IRQ, sends. */
static void ack_sender(void *arg)
{
	struct l4_msg m = { { 0x5a }, 0 };
	uint64_t c;
	unsigned fl = 99;

	(void)arg;
	l4_irq_info(ack_irq, 0, &fl, &c);
	sender_fl = fl;
	l4_ipc(l4_ipc_word(L4_IPC_SEND, ack_ep, L4_TIMEOUT_NEVER, L4_TIMEOUT_NEVER), l4_tag(0x3, 1, 0), &m);
}

/* A thread without a UTCB: the flag is EINVAL (a raw receive with it, timeout 0). */
static void ack_noutcb(void *arg)
{
	uint64_t a[8] = { 0 }, t[8];

	(void)arg;
	a[7] = l4_ipc_word(L4_IPC_RECV | L4_IPC_ACK, ack_ep, L4_TIMEOUT_NEVER, L4_TIMEOUT_ZERO);
	raw_syscall(a, t);
	noutcb_r = (long)a[0];
}

static long ack_ipc(uint64_t flags, uint64_t sel, uint64_t ack, unsigned rto, struct l4_msg *m)
{
	UTCB->ack = ack;
	wd_arm(WD_US);
	long r = l4_ipc(l4_ipc_word(flags, sel, L4_TIMEOUT_NEVER, rto), l4_tag(0, 0, 0), m);
	wd_disarm();
	UTCB->ack = 0;
	return r;
}

static void ack_run(uint64_t irq, struct ackres *o)
{
	uint64_t n = obj_new(L4_OBJ_NOTIFICATION), empty = cap_get(), irq_r = copy_of(irq, L4_RIGHT_R, 0), count;
	struct l4_msg m = { 0 };

	ack_irq = irq;
	ack_ep = obj_new(L4_OBJ_ENDPOINT);
	l4_irq_bind(irq, n, 0x40);
	etbei(true);
	wait_bits(n, GUARD);
	etbei(false);                   /* the line falls; the interrupt stays taken */
	o->err[0] = ack_ipc(L4_IPC_RECV | L4_IPC_ACK, ack_ep, empty, L4_TIMEOUT_NEVER, &m);
	o->err[1] = ack_ipc(L4_IPC_RECV | L4_IPC_ACK, ack_ep, n, L4_TIMEOUT_NEVER, &m);
	o->err[2] = ack_ipc(L4_IPC_RECV | L4_IPC_ACK, ack_ep, irq_r, L4_TIMEOUT_NEVER, &m);
	o->err[3] = ack_ipc(L4_IPC_CALL | L4_IPC_ACK, ack_ep, irq, L4_TIMEOUT_NEVER, &m);
	o->err[4] = ack_ipc(L4_IPC_REPLY | L4_IPC_ACK, ack_ep, irq, L4_TIMEOUT_NEVER, &m);
	o->err[5] = ack_ipc(L4_IPC_SEND | L4_IPC_ACK, n, irq, L4_TIMEOUT_NEVER, &m);
	o->err[6] = ack_ipc(L4_IPC_RECV | L4_IPC_ACK, ack_ep, L4_SEL_MAX, L4_TIMEOUT_NEVER, &m);
	o->fl_err = flags_of(irq, &count);
	uint64_t th = thread_spawn_cfg(ack_noutcb, 0, 101, 0, 0);
	o->noutcb = noutcb_r;
	thread_del(th);
	o->fl_err |= flags_of(irq, &count) << 8;
	sender_fl = 99;
	th = thread_spawn(ack_sender, 0, 99);
	m = (struct l4_msg){ 0 };
	o->tag = ack_ipc(L4_IPC_RECV | L4_IPC_ACK, ack_ep, irq, L4_TIMEOUT_NEVER, &m);
	o->mr0 = m.mr[0];
	o->badge = m.badge;
	o->fl_sender = sender_fl;
	thread_del(th);
	o->again = l4_irq_ack(irq);
	o->enoent = ack_ipc(L4_IPC_RECV | L4_IPC_ACK, ack_ep, irq, L4_TIMEOUT_NEVER, &m);
	l4_irq_unbind(irq);
	obj_del(ack_ep);
	obj_del(n);
	cap_put(irq_r);
	cap_put(empty);
}

static void test_ack_recv(uint64_t irq)
{
	static struct ackres res[2];

	tap_note("irq: L4_IPC_ACK, the ack with a receive, the fast path on and off");
	long was = l4_debug_fastpath(1);
	for (int path = 1; path >= 0; path--) {
		l4_debug_fastpath(path);
		ack_run(irq, &res[path]);
	}
	l4_debug_fastpath(was == 0 ? 0 : 1);
	const struct ackres *o = &res[1];
	tap_ok(o->err[0] == -L4_EBADCAP && o->err[1] == -L4_ETYPE && o->err[2] == -L4_EPERM && o->err[6] == -L4_EBADCAP,
	       "the ack's errors end the call: an empty slot EBADCAP, a notification ETYPE, no W EPERM, beyond the"
	       " table EBADCAP (%ld %ld %ld %ld)", o->err[0], o->err[1], o->err[2], o->err[6]);
	tap_ok(o->err[3] == -L4_EINVAL && o->err[4] == -L4_EINVAL && o->err[5] == -L4_EINVAL,
	       "... the flag with a call, with a reply alone, with a send: EINVAL (%ld %ld %ld)", o->err[3], o->err[4],
	       o->err[5]);
	tap_eq(o->noutcb, -L4_EINVAL, "... from a thread without a UTCB: EINVAL");
	tap_eq(o->fl_err, (L4_IRQ_S_BOUND | L4_IRQ_S_TAKEN) * 0x101, "... and the interrupt stays taken");
	tap_ok(o->tag == (long)l4_tag(0x3, 1, 0) && o->mr0 == 0x5a && o->badge == 0,
	       "a receive with the ack blocks and gets the next message (%#lx, %#lx)", (unsigned long)o->tag,
	       (unsigned long)o->mr0);
	tap_ok(o->fl_sender == L4_IRQ_S_BOUND, "... acknowledged before it blocked (flags %#x)",
	       o->fl_sender);
	tap_eq(o->again, -L4_ENOENT, "... so a second ack finds nothing taken");
	tap_eq(o->enoent, -L4_ENOENT, "the flag with nothing taken: ENOENT, and no receive");
	tap_ok(__builtin_memcmp(&res[0], &res[1], sizeof(res[0])) == 0,
	       "the general path gives the same results as the fast path");
}

static void test_destroy_taken(unsigned src)
{
	uint64_t n = obj_new(L4_OBJ_NOTIFICATION), irq = cap_get(), count = 0;

	tap_note("irq: destroying an IRQ object with its interrupt taken");
	tap_eq(l4_irqctl_get(L4_CAP_IRQ_CONTROL, src, L4_CAP_FACTORY, irq), 0, "a new IRQ object for the source");
	tap_eq(l4_irq_bind(irq, n, 1), 0, "... bound");
	etbei(true);
	tap_eq(wait_bits(n, GUARD), 1, "... it fires");
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, irq), 0, "destroy it, the interrupt taken and the line asserted");
	cap_put(irq);
	tap_eq(wait_bits(n, 20000), 0, "... nothing signalled afterwards");
	irq = cap_get();
	tap_eq(l4_irqctl_get(L4_CAP_IRQ_CONTROL, src, L4_CAP_FACTORY, irq), 0, "the source is free again");
	tap_ok(flags_of(irq, &count) == 0 && count == 0, "... a fresh object: unbound, fired 0 times");
	etbei(false);
	obj_del(irq);
	obj_del(n);
}

static void test_irqfire(void)
{
	struct fdt fdt;
	uint64_t used0, irq = cap_get(), where = 0;
	long r = dt_map(L4_CAP_SIGMA0, UTCB, DTB_VA, &fdt);

	tap_ok(r == 0, "the device tree, read-only from sigma0 (%ld)", r);
	tap_ok(r == 0 && dt_uart(&fdt, &uart) == 0, "... names a 16550 UART: %#lx, interrupt %u, reg-shift %u, width %u",
	       (unsigned long)uart.base, uart.irq, uart.shift, uart.width);
	dt_unmap(DTB_VA);
	r = l4_sigma0_call(L4_CAP_SIGMA0, UTCB, l4_fpage(UART_VA, 12, 0), L4_SIGMA0_DEVICE, 2,
			   uart.base & ~(L4_PAGE_SIZE - 1), 12, 0, &where);
	tap_ok(r >= 0 && where == UART_VA, "its registers from sigma0 (%ld)", r);
	if (r < 0 || !uart.irq)
		return;
	regs = (volatile void *)(UART_VA + uart.base % L4_PAGE_SIZE);
	used0 = used_of(L4_CAP_FACTORY);        /* the page tables of the mappings are made by now */
	uint64_t logn = obj_new(L4_OBJ_NOTIFICATION);
	tap_eq(l4_debug_console(logn, 1), 0, "the kernel's console goes to the kernel log for these tests");
	uint64_t wd = wd_start();
	tap_eq(l4_irqctl_get(L4_CAP_IRQ_CONTROL, uart.irq, L4_CAP_FACTORY, irq), 0, "an IRQ object for the UART's source");
	test_fire(irq, uart.irq);
	test_bound_thread(irq);
	test_ack_recv(irq);
	obj_del(irq);
	test_destroy_taken(uart.irq);
	wd_stop(wd);
	etbei(false);
	long back = l4_debug_console(0, 0);
	tap_eq(back, 0, "the UART is the kernel's again (the log's lines came out above)");
	obj_del(logn);
	tap_ok(used_of(L4_CAP_FACTORY) == used0, "the factory's quota is back where it was (the UART still mapped) (%lu, %lu)",
	       (unsigned long)used_of(L4_CAP_FACTORY), (unsigned long)used0);
	l4_sigma0_call(L4_CAP_SIGMA0, UTCB, 0, L4_SIGMA0_FREE, 2, uart.base & ~(L4_PAGE_SIZE - 1), 12, 0, 0);
	l4_task_unmap(L4_CAP_TASK, l4_fpage(UART_VA, 12, L4_FP_RWX), L4_UNMAP_SELF);
}

TEST_AREA(irqfire, 96, test_irqfire);
