/*
 * t_console.c - the console driver (drivers/uart/) and its protocol
 * (l4/console.h, docs/console.md), started as the roottask starts it: the
 * loader's boot mode with the UART's registers and the device tree as
 * resources, its IRQ object and the debug object (R W D) in its slots.
 * Sessions opened by the testroot and by loaded programs; every bad request
 * answered with its error (bad offsets and lengths, flags, labels, items,
 * forged and stale badges, missing windows); the session limits; clients
 * that end (one with a read armed) forgotten; 2000 random calls from a
 * loaded program and 3000 from here while a good client is served; at the
 * end the owner releases the UART to the kernel and the driver ends.
 *
 * Between the takeover and the release this file's TAP lines go through
 * the kernel log and the driver. Needs t_pager.c's loader and memory
 * server (it runs after it).
 */
#include <stdint.h>

#include <l4/capalloc.h>
#include <l4/console.h>
#include <l4/env.h>
#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/irq.h>
#include <l4/kobj.h>
#include <l4/mem.h>
#include <l4/sys.h>
#include <l4/task.h>

#include <common/fdt.h>
#include <common/string.h>

#include "../lib/xorshift.h"
#include "area.h"
#include "loader/loader.h"
#include "pgtest.h"
#include "tap.h"
#include "uart/uart_dt.h"
#include "util.h"

#define SEC 1000000UL
#define PAGES 0x3100000000UL            /* the testroot's session pages: 32 windows */
#define UTCB ((struct l4_utcb *)L4_BOOT_UTCB)

static uint64_t owner, irq;             /* the driver's unbadged endpoint; its IRQ object */
static struct ldr_child *drv;
static unsigned next_page;

static uint64_t page_va(void)
{
	return PAGES + (next_page++ % 32) * L4_CONS_PAGE;
}

static int gone(uint64_t a)
{
	return l4_debug_write((const void *)a, 1) == -L4_EFAULT;
}

static unsigned sessions(void)
{
	struct l4_console_info i;

	return l4_console_info(owner, &i) ? 999 : (unsigned)i.sessions;
}

/* A session of the testroot through cap (a notification made for it). */
static long open_on(uint64_t cap, struct l4_console *c)
{
	uint64_t n = obj_new(L4_OBJ_NOTIFICATION), s = cap_get();
	long r = n && s ? l4_console_open(cap, n, page_va(), s, 2 * SEC, c) : -L4_ENOMEM;

	if (r) {
		obj_del(n);
		cap_put(s);
	}
	return r;
}

static void close_session(struct l4_console *c)
{
	uint64_t va = (uint64_t)c->page;

	l4_console_close(c);
	cap_put(c->session);
	obj_del(c->ntf);
	/* Closed: the driver took the page back (nothing is left mapped there). */
	l4_task_unmap(L4_CAP_TASK, l4_fpage(va, 12, L4_FP_RWX), L4_UNMAP_SELF);
}

/* A raw call: label, words, one item (two words after them) or none. */
static long raw(uint64_t cap, uint64_t label, unsigned words, uint64_t item0, uint64_t item1, struct l4_msg *m)
{
	unsigned items = item0 ? 1 : 0;

	if (items) {
		m->mr[words] = item0;
		m->mr[words + 1] = item1;
	}
	long tag = l4_ipc(l4_ipc_word(L4_IPC_CALL, cap, l4_timeout_us(2 * SEC), l4_timeout_us(2 * SEC)),
			  l4_tag(label, words, items), m);
	return tag < 0 ? tag : l4_tag_label((uint64_t)tag) ? -(long)l4_tag_label((uint64_t)tag) : 0;
}

/* ---- start-up, as the roottask does it ---- */

static int setup(void)
{
	uint64_t size = 0;
	const void *dtb = ldr_dtb(&size);
	struct fdt f;
	struct uart_dt u;

	tap_note("the console driver (drivers/uart) and its protocol");
	if (!tap_ok(dtb && !fdt_init(&f, dtb, size) && !uart_dt_find(&f, &u),
		    "the loader maps the device tree; it names a UART of the 16550 family"))
		return 0;
	irq = cap_get();
	long r = l4_irqctl_get(L4_CAP_IRQ_CONTROL, u.irq, L4_CAP_FACTORY, irq);
	tap_ok(!r, "an IRQ object for its interrupt %u (%ld)", u.irq, r);
	struct ldr_boot_args a = {
		.module = "uart", .prio = 160, .kmem = 16384, .caps_log2 = 7, .nres = 2,
		.res = { { L4_ENV_RES_DEVICE, u.base, u.size, 0 }, { L4_ENV_RES_DTB, 0, 0, 0 } },
		.ncaps = 2,
		.caps = { { L4_CAP_DEBUG, L4_ENV_CAP_DEBUG, L4_RIGHT_R | L4_RIGHT_W | L4_RIGHT_D },
			  { irq, L4_ENV_CAP_IRQ, L4_RIGHTS_ALL } },
	};
	struct ldr_boot_args bad = a;
	bad.caps[1].slot = L4_ENV_CAP_FIRST_FREE;
	tap_eq(ldr_boot_with(&bad, &owner, 0), -L4_EINVAL, "loader: a capability for a slot beyond 15: EINVAL");
	bad = a;
	bad.res[1].kind = 7;
	tap_eq(ldr_boot_with(&bad, &owner, 0), -L4_EINVAL, "loader: a resource of no known kind: EINVAL");
	bad = a;
	bad.res[1] = (struct ldr_res){ L4_ENV_RES_DEVICE, 0x1000, 0x1000, 0 };
	tap_eq(ldr_boot_with(&bad, &owner, 0), -L4_EINVAL,
	       "loader: registers sigma0 does not have: its EINVAL (and the UART's pages it took go back)");
	bad = a;
	bad.res[1].irq = irq;
	tap_eq(ldr_boot_with(&bad, &owner, 0), -L4_EINVAL, "loader: an IRQ object with the device tree: EINVAL");
	bad = a;
	bad.res[0].irq = L4_CAP_DEBUG;
	tap_eq(ldr_boot_with(&bad, &owner, 0), -L4_EBADCAP, "loader: a device's 'IRQ object' that is none: EBADCAP");
	bad = a;
	bad.sigma0 = 1;
	bad.mem = L4_CAP_SIGMA0;
	tap_eq(ldr_boot_with(&bad, &owner, 0), -L4_EINVAL, "loader: sigma0 and a memory session at once: EINVAL");
	bad = a;
	bad.mem = irq;
	tap_eq(ldr_boot_with(&bad, &owner, 0), -L4_EBADCAP, "loader: a 'memory session' that is no endpoint: EBADCAP");
	bad = a;
	bad.ncaps = 3;
	bad.caps[2] = (struct ldr_cap){ cap_get(), L4_ENV_CAP_CONSOLE, L4_RIGHT_W };
	tap_eq(ldr_boot_with(&bad, &owner, 0), -L4_EBADCAP, "loader: an empty slot as a capability: EBADCAP (undone)");
	cap_put(bad.caps[2].sel);
	r = ldr_boot_with(&a, &owner, &drv);
	if (!tap_ok(!r, "loader: the driver started in boot mode with registers, device tree, IRQ and debug (%ld)", r))
		return 0;
	/* Its first answer comes after its set-up: the takeover is done. */
	struct l4_console_info i = { 0 };
	r = l4_console_info(owner, &i);
	tap_ok(!r && i.flags == (L4_CONS_I_IRQ | L4_CONS_I_KLOG | (u.dw ? L4_CONS_I_DW : 0)),
	       "INFO: interrupt-driven, the kernel's output is the driver's (flags %#lx, %ld)", (unsigned long)i.flags, r);
	tap_eq(l4_debug_getc(), -L4_EBUSY, "the kernel's GETC: EBUSY (the driver has the UART)");
	tap_ok(i.sessions == 0 && i.rx_dropped == 0 && i.rx_overrun == 0, "no sessions yet, nothing lost");
	return 1;
}

/* ---- a session: the page, writing, reading ---- */

static void t_session(void)
{
	struct l4_console c;
	long r = open_on(owner, &c);
	unsigned type = 0, rights = 0;

	if (!tap_eq(r, 0, "OPEN a session"))
		return;
	l4_task_cap_info(L4_CAP_TASK, c.session, &type, &rights);
	tap_ok(type == L4_OBJ_ENDPOINT && rights == L4_RIGHT_W, "... its capability: an endpoint, W only");
	c.page[0] = 1;
	c.page[L4_CONS_PAGE - 1] = 2;
	tap_ok(c.page[0] == 1 && c.page[L4_CONS_PAGE - 1] == 2, "... its page is mapped here read-write");
	tap_eq(sessions(), 1, "INFO: 1 session");
	static const char hello[] = "# t_console: a line through a session\n";
	tap_eq(l4_console_write(&c, hello, sizeof(hello) - 1), (long)sizeof(hello) - 1, "WRITE a line: all taken");
	memcpy((void *)c.page, "# t_console: from the page's end\n", 33);
	tap_eq(l4_console_req(c.session, L4_CONS_WRITE, 0, 33, 0), 33, "WRITE from the page directly");
	memcpy((void *)(c.page + L4_CONS_PAGE - 3), "#\n\n", 3);
	tap_eq(l4_console_req(c.session, L4_CONS_WRITE, L4_CONS_PAGE - 3, 3, 0), 3, "WRITE the page's last 3 bytes");
	tap_eq(l4_console_req(c.session, L4_CONS_WRITE, L4_CONS_PAGE, 0, 0), 0, "WRITE 0 bytes at the page's end");
	tap_eq(l4_console_req(c.session, L4_CONS_READ, 0, 64, 0), 0, "READ: nothing has arrived");
	tap_eq(l4_console_req(c.session, L4_CONS_READ, 0, 64, L4_CONS_ARM), 0, "READ armed: nothing yet");
	uint64_t bits = 0;
	tap_ok(l4_poll(c.ntf, &bits) == 0 && bits == 0, "... the doorbell has not rung");
	char b[8];
	tap_eq(l4_console_read(&c, b, sizeof(b), 0), 0, "l4_console_read without waiting: 0");

	/* Bad requests on a session: the error, and the session still works. */
	tap_eq(l4_console_req(c.session, L4_CONS_WRITE, L4_CONS_PAGE, 1, 0), -L4_ERANGE, "WRITE 1 byte at 4096: ERANGE");
	tap_eq(l4_console_req(c.session, L4_CONS_WRITE, 0, L4_CONS_PAGE + 1, 0), -L4_ERANGE, "WRITE 4097 bytes: ERANGE");
	tap_eq(l4_console_req(c.session, L4_CONS_WRITE, ~0UL, 2, 0), -L4_ERANGE, "WRITE at ~0 (wrapping): ERANGE");
	tap_eq(l4_console_req(c.session, L4_CONS_WRITE, 8, ~0UL - 4, 0), -L4_ERANGE, "WRITE of ~0-4 bytes: ERANGE");
	tap_eq(l4_console_req(c.session, L4_CONS_WRITE, 4095, 2, 0), -L4_ERANGE, "WRITE over the page's end: ERANGE");
	tap_eq(l4_console_req(c.session, L4_CONS_READ, 4000, 97, 0), -L4_ERANGE, "READ over the page's end: ERANGE");
	tap_eq(l4_console_req(c.session, L4_CONS_READ, 1UL << 40, 1, 0), -L4_ERANGE, "READ at 2^40: ERANGE");
	tap_eq(l4_console_req(c.session, L4_CONS_WRITE, 0, 1, 2), -L4_EINVAL, "WRITE with an unknown flag: EINVAL");
	tap_eq(l4_console_req(c.session, L4_CONS_READ, 0, 1, ~0UL), -L4_EINVAL, "READ with flags ~0: EINVAL");
	struct l4_msg m = { { 0, 1, 0 }, 0 };
	tap_eq(raw(c.session, L4_CONS_WRITE, 2, 0, 0, &m), -L4_EINVAL, "WRITE with 2 words: EINVAL");
	tap_eq(l4_console_req(c.session, 0x4377, 0, 0, 0), -L4_ENOSYS, "an unknown label on a session: ENOSYS");
	tap_eq(l4_console_req(c.session, L4_CONS_OPEN, 0, 0, 0), -L4_ETYPE, "OPEN on a session: ETYPE");
	tap_eq(l4_console_req(c.session, L4_CONS_RELEASE, 0, 0, 0), -L4_EPERM, "RELEASE through a session: EPERM");
	tap_eq(l4_console_req(owner, L4_CONS_WRITE, 0, 1, 0), -L4_ETYPE, "WRITE on the service: ETYPE");
	tap_eq(l4_console_req(owner, 0x4300, 0, 0, 0), -L4_ENOSYS, "label 0x4300 on the service: ENOSYS");
	memcpy((void *)c.page, "# t_console: still served\n", 26);
	tap_eq(l4_console_req(c.session, L4_CONS_WRITE, 0, 26, 0), 26, "... and the session is served");

	/* Forged and stale badges: the owner can mint any, the driver checks them. */
	uint64_t b0 = copy_of(owner, L4_RIGHT_W, L4_CONS_BADGE(1, 0)), b1 = copy_of(owner, L4_RIGHT_W, L4_CONS_BADGE(0, 200));
	uint64_t b2 = copy_of(owner, L4_RIGHT_W, L4_CONS_BADGE(5, 3));
	tap_eq(l4_console_req(b0, L4_CONS_WRITE, 0, 1, 0), -L4_EBADCAP, "a session badge of another generation: EBADCAP");
	tap_eq(l4_console_req(b1, L4_CONS_WRITE, 0, 1, 0), -L4_EBADCAP, "a session index beyond the table: EBADCAP");
	tap_eq(l4_console_req(b2, L4_CONS_READ, 0, 1, 0), -L4_EBADCAP, "a session that is not open: EBADCAP");
	cap_put(b0);
	cap_put(b1);
	cap_put(b2);

	uint64_t va = (uint64_t)c.page, ses = c.session;
	tap_eq(l4_console_close(&c), 0, "CLOSE");
	unsigned t2 = 99, r2 = 0;
	l4_task_cap_info(L4_CAP_TASK, ses, &t2, &r2);
	tap_ok(t2 == L4_OBJ_NONE && gone(va), "... the session capability and the page are gone from here");
	tap_eq(sessions(), 0, "INFO: no session");
	cap_put(ses);
	obj_del(c.ntf);
}

/* ---- OPEN's bad cases ---- */

static void t_open_bad(void)
{
	uint64_t n = obj_new(L4_OBJ_NOTIFICATION), ep = obj_new(L4_OBJ_ENDPOINT);
	uint64_t nro = copy_of(n, L4_RIGHT_R, 0), slot = cap_get(), va = page_va();
	struct l4_msg m = { { 0 }, 0 };

	UTCB->rcv_caps = l4_rcv_caps(slot, 1);
	UTCB->rcv_mem = l4_fpage(va, 12, 0);
	tap_eq(raw(owner, L4_CONS_OPEN, 1, 0, 0, &m), -L4_EINVAL, "OPEN without a notification: EINVAL");
	m = (struct l4_msg){ { 0 }, 0 };
	tap_eq(raw(owner, L4_CONS_OPEN, 0, l4_item_cap(L4_RIGHT_W, 0), n, &m), -L4_EINVAL, "OPEN without words: EINVAL");
	m = (struct l4_msg){ { 1 }, 0 };
	tap_eq(raw(owner, L4_CONS_OPEN, 1, l4_item_cap(L4_RIGHT_W, 0), n, &m), -L4_EINVAL, "OPEN with flags 1: EINVAL");
	m = (struct l4_msg){ { 0 }, 0 };
	tap_eq(raw(owner, L4_CONS_OPEN, 1, l4_item_cap(L4_RIGHTS_ALL, 0), ep, &m), -L4_EINVAL,
	       "OPEN with an endpoint for a doorbell: EINVAL");
	m = (struct l4_msg){ { 0 }, 0 };
	tap_eq(raw(owner, L4_CONS_OPEN, 1, l4_item_cap(L4_RIGHTS_ALL, 0), nro, &m), -L4_EINVAL,
	       "OPEN with a notification without W: EINVAL");
	m = (struct l4_msg){ { 0 }, 0 };
	tap_eq(raw(owner, L4_CONS_OPEN, 1, l4_item_cap(L4_RIGHTS_ALL, 0), L4_CAP_TASK, &m), -L4_EINVAL,
	       "OPEN with its task capability: EINVAL");
	m = (struct l4_msg){ { 0 }, 0 };
	tap_eq(raw(owner, L4_CONS_INFO, 0, l4_item_cap(L4_RIGHT_W, 0), n, &m), -L4_EINVAL,
	       "INFO with a capability item: EINVAL");
	m = (struct l4_msg){ { 0 }, 0 };
	tap_eq(raw(owner, L4_CONS_OPEN, 1, l4_item_mem(0, 0), l4_fpage(L4_BOOT_UTCB, 12, L4_FP_R), &m), -L4_ENOSLOT,
	       "OPEN with a memory item: ENOSLOT (the driver has no window)");
	UTCB->rcv_mem = 0;
	m = (struct l4_msg){ { 0 }, 0 };
	tap_eq(raw(owner, L4_CONS_OPEN, 1, l4_item_cap(L4_RIGHT_W, 0), n, &m), -L4_ENOSLOT,
	       "OPEN without a receive window for the page: ENOSLOT");
	UTCB->rcv_caps = 0;
	UTCB->rcv_mem = l4_fpage(va, 12, 0);
	m = (struct l4_msg){ { 0 }, 0 };
	tap_eq(raw(owner, L4_CONS_OPEN, 1, l4_item_cap(L4_RIGHT_W, 0), n, &m), -L4_ENOSLOT,
	       "OPEN without a receive slot for the session: ENOSLOT");
	UTCB->rcv_mem = 0;
	unsigned type = 99, rights = 0;
	l4_task_cap_info(L4_CAP_TASK, slot, &type, &rights);
	tap_ok(type == L4_OBJ_NONE && gone(va) && sessions() == 0, "... no session was made, nothing arrived here");
	/* The driver dropped every capability it refused: a revoke finds nothing of them there. */
	struct l4_console c;
	tap_eq(open_on(owner, &c), 0, "then a good OPEN works");
	close_session(&c);
	cap_put(slot);
	cap_put(nro);
	obj_del(ep);
	obj_del(n);
}

/* ---- the limits: 16 sessions, 4 per client badge ---- */

static void t_limits(void)
{
	static struct l4_console c[L4_CONS_SESSIONS + 1];
	uint64_t client = copy_of(owner, L4_RIGHT_W | L4_RIGHT_G, 7);
	unsigned n = 0, k = 0;
	long r = 0;

	while (k < L4_CONS_SESSIONS && !(r = open_on(client, &c[k])))
		k++;
	tap_ok(k == L4_CONS_CLIENT_SESSIONS && r == -L4_ENOMEM, "a client badge gets %u sessions, then ENOMEM (%u, %ld)",
	       L4_CONS_CLIENT_SESSIONS, k, r);
	n = k;
	while (n < L4_CONS_SESSIONS + 1 && !(r = open_on(owner, &c[n])))
		n++;
	tap_ok(n == L4_CONS_SESSIONS && r == -L4_ENOMEM, "the owner gets the rest, up to %u in all, then ENOMEM (%u)",
	       L4_CONS_SESSIONS, n);
	uint64_t info_n = sessions();
	for (unsigned i = 0; i < n; i++)
		close_session(&c[i]);
	tap_ok(info_n == L4_CONS_SESSIONS && sessions() == 0, "INFO said %lu; all closed: 0", (unsigned long)info_n);
	tap_eq(open_on(client, &c[0]), 0, "the client opens again");
	close_session(&c[0]);
	cap_put(client);
}

/* ---- loaded programs as clients ---- */

static long prog(uint64_t how, struct ldr_child **keep)
{
	struct ldr_args a = { .module = "pgtest", .arg = { PGT_CONSOLE, how }, .prio = 100, .ncaps = 1,
			      .caps = { { owner, L4_ENV_CAP_CONSOLE, L4_RIGHT_W | L4_RIGHT_G } } };
	struct ldr_child *c = 0;
	long r = ldr_spawn(&a, &c);

	if (r)
		return -2000 + r;
	if (ldr_wait(c, 60 * SEC)) {
		ldr_reap(c);
		return -1000;
	}
	r = c->state == LDR_EXITED ? c->exit_code : -3000 - (long)c->scause;
	if (keep)
		*keep = c;
	else
		ldr_reap(c);
	return r;
}

static void t_clients(void)
{
	struct ldr_child *c = 0;

	tap_eq(prog(PGT_CONS_PRINT, &c), 0, "a loaded program prints through the session stdio opened for it");
	tap_eq(sessions(), 1, "... which stays while the program is there (ended, not yet reaped)");
	if (c)
		ldr_reap(c);
	tap_eq(sessions(), 0, "... and is forgotten once the program is gone");
	tap_eq(prog(PGT_CONS_ARMED, 0), 0, "a program that ends with a read armed");
	tap_eq(sessions(), 0, "... is forgotten too");
	/* The service capability the program had is the owner's: unlimited. The
	 * loader's own console copy is badged per program, so limited. */
	ldr_set_console(owner);
	struct ldr_args a = { .module = "pgtest", .arg = { PGT_CONSOLE, PGT_CONS_SESSIONS }, .prio = 100 };
	long r = ldr_spawn(&a, &c);
	long w = r ? -1 : ldr_wait(c, 60 * SEC);
	tap_ok(!r && !w && c->state == LDR_EXITED && c->exit_code == L4_CONS_CLIENT_SESSIONS,
	       "a program with the loader's badged copy gets %u sessions, then ENOMEM (%ld)", L4_CONS_CLIENT_SESSIONS,
	       !r && !w ? (long)c->exit_code : -1);
	if (!r)
		ldr_reap(c);
	a.arg[1] = PGT_CONS_HOSTILE;
	r = ldr_spawn(&a, &c);
	w = r ? -1 : ldr_wait(c, 120 * SEC);
	tap_ok(!r && !w && c->state == LDR_EXITED && c->exit_code == 0,
	       "a program makes 2000 random calls with items to the service and its sessions: all answered (%ld)",
	       !r && !w ? (long)c->exit_code : -1);
	if (!r)
		ldr_reap(c);
	ldr_set_console(0);
	tap_eq(sessions(), 0, "... its sessions are forgotten when it is gone");
}

/* ---- garbage from here while a good client is served ---- */

static void t_garbage(void)
{
	struct l4_console good, mine;
	uint64_t rng = 0x75617274676172ULL, slot = cap_get(), win = page_va(), n = obj_new(L4_OBJ_NOTIFICATION);
	unsigned unknown = 0, hung = 0, served = 0;

	if (!tap_eq(open_on(owner, &good), 0, "a good session and one for garbage") || open_on(owner, &mine))
		return;
	for (unsigned i = 0; i < L4_CONS_PAGE; i++)
		mine.page[i] = (uint8_t)('0' + i % 10);
	for (unsigned i = 0; i < 3000; i++) {
		uint64_t r = xorshift64s(&rng), caps[] = { owner, mine.session, good.session };
		uint64_t cap = caps[r % 3], label = r & 8 ? L4_CONS_WRITE + (r >> 4) % 4 : (r >> 8) & 0xffff;
		struct l4_msg m = { { 0 }, 0 };
		for (unsigned k = 0; k < 6; k++) {
			uint64_t v = xorshift64s(&rng);
			m.mr[k] = v % 3 == 0 ? v % 4098 : v % 3 == 1 ? (v & 0xf) : v;
		}
		if (cap == good.session && (label == L4_CONS_CLOSE || label == L4_CONS_READ))
			label = L4_CONS_INFO;
		if (cap == owner && label == L4_CONS_RELEASE)
			label = L4_CONS_INFO;
		UTCB->rcv_caps = r >> 30 & 1 ? l4_rcv_caps(slot, 1) : 0;
		UTCB->rcv_mem = r >> 31 & 1 ? l4_fpage(win, 12, 0) : 0;
		unsigned words = (unsigned)(r >> 24) % 7, item = r >> 33 & 1;
		if (item && words > 4)
			words = 4;      /* the item's two words still in registers */
		long t = raw(cap, label, words, item ? l4_item_cap(L4_RIGHT_W, 0) : 0, n, &m);
		UTCB->rcv_caps = UTCB->rcv_mem = 0;
		if (t == -L4_ETIMEDOUT)
			hung++;
		else if (t <= -L4_ERRNO_COUNT)
			unknown++;
		l4_task_cap_delete(L4_CAP_TASK, slot);
		l4_task_unmap(L4_CAP_TASK, l4_fpage(win, 12, L4_FP_RWX), L4_UNMAP_SELF);
		if (i % 100 == 0) {
			memcpy((void *)good.page, "#\n", 2);
			served += l4_console_req(good.session, L4_CONS_WRITE, 0, 2, 0) == 2;
		}
	}
	l4_console_req(mine.session, L4_CONS_CLOSE, 0, 0, 0);
	tap_ok(!unknown && !hung && served == 30, "3000 random calls from here: none unanswered (%u) or unknown (%u); "
	       "the good session served all along (%u of 30)", hung, unknown, served);
	close_session(&good);
	cap_put(mine.session);
	obj_del(mine.ntf);
	l4_task_unmap(L4_CAP_TASK, l4_fpage((uint64_t)mine.page, 12, L4_FP_RWX), L4_UNMAP_SELF);
	cap_put(slot);
	obj_del(n);
	/* The sessions OPENs among the garbage made die with nothing: the
	 * notification they named is gone now. */
	tap_eq(sessions(), 0, "the sessions the garbage opened are forgotten with their doorbell");
}

/* ---- the owner releases the UART ---- */

static void t_release(void)
{
	struct l4_console c;
	uint64_t client = copy_of(owner, L4_RIGHT_W, 9);

	tap_eq(l4_console_req(client, L4_CONS_RELEASE, 0, 0, 0), -L4_EPERM, "RELEASE through a client's badge: EPERM");
	cap_put(client);
	long o = open_on(owner, &c);
	memcpy((void *)c.page, "# t_console: an unfinished line", 31);
	long w = o ? -1 : l4_console_req(c.session, L4_CONS_WRITE, 0, 31, 0);
	long r = l4_console_release(owner);
	long wait = ldr_wait(drv, 10 * SEC);
	tap_ok(!o && w == 31, "a session holds an unfinished line");
	tap_eq(r, 0, "the owner RELEASEs the UART");
	tap_ok(!wait && drv->state == LDR_EXITED && drv->exit_code == 0, "... the driver ends");
	tap_ok(l4_debug_getc() != -L4_EBUSY, "... the kernel's console is the kernel's again");
	tap_ok(!o && gone((uint64_t)c.page), "... the session's page is gone from here");
	if (!o) {
		cap_put(c.session);
		obj_del(c.ntf);
	}
	unsigned flags = 99;
	tap_ok(!l4_irq_info(irq, 0, &flags, 0) && !(flags & L4_IRQ_S_BOUND), "... its IRQ object is unbound");
	tap_eq(l4_factory_destroy(L4_CAP_FACTORY, irq), 0, "destroy the IRQ object");
	cap_put(irq);
}

static void test_console(void)
{
	if (!setup())
		return;
	t_session();
	t_open_bad();
	t_limits();
	t_clients();
	t_garbage();
	t_release();
}

TEST_AREA(console, 145, test_console);
