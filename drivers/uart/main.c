/*
 * uart - the console driver: a user program the roottask starts in the
 * loader's boot mode with the UART's registers and the device tree mapped
 * (l4_env()->res), its IRQ object (L4_ENV_CAP_IRQ) and the debug object
 * with R W D (L4_ENV_CAP_DEBUG). It serves the console protocol
 * (l4/console.h, docs/console.md) on its endpoint, takes the kernel's
 * output over (L4_DEBUG_CONSOLE) and prints it between its clients' lines.
 *
 * One thread, one loop: it receives on its endpoint with its notification
 * bound, so a client's call, the UART's interrupt (IRQ_BIT) and new bytes
 * in the kernel log (KLOG_BIT) all end the same receive. Without a working
 * IRQ object (the kernel without interrupts, or none given) it polls the
 * UART every POLL_US instead.
 *
 * Memory: everything is static (boot mode has no heap); the session pages
 * are the driver's own, mapped into clients, so no client can take them
 * away from it. Slots: its table is 128 (the loader's caps_log2 7).
 */
#include <stdbool.h>
#include <stdint.h>

#include <l4/capalloc.h>
#include <l4/console.h>
#include <l4/crt.h>
#include <l4/env.h>
#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/ipc.h>
#include <l4/irq.h>
#include <l4/kobj.h>
#include <l4/mem.h>
#include <l4/stdio.h>
#include <l4/strerror.h>
#include <l4/sys.h>
#include <l4/task.h>

#include <common/fdt.h>
#include <common/fmt.h>
#include <common/string.h>

#include "lines.h"
#include "ns16550.h"
#include "uart_dt.h"

#define CAPS_LOG2 7
#define MAX_SESSIONS L4_CONS_SESSIONS
#define IRQ_BIT 0x1UL
#define KLOG_BIT 0x2UL
#define POLL_US 10000UL
#define PAGE L4_CONS_PAGE

struct session {
	bool open;
	bool want_rx, want_tx;          /* armed: ring the doorbell on input / on room */
	uint64_t gen;                   /* in its badge; bumped when it ends */
	uint64_t client;                /* the badge of the service capability that opened it */
	uint64_t cap;                   /* the session capability the client's derives from */
	uint64_t ntf;                   /* the client's doorbell */
	struct line_src out;
};

static uint8_t pages[MAX_SESSIONS][PAGE] __attribute__((aligned(PAGE)));
static uint8_t tx_buf[16384], rx_buf[4096];
static struct ring tx = { tx_buf, sizeof(tx_buf), 0, 0 };
static struct ring rx = { rx_buf, sizeof(rx_buf), 0, 0 };
static struct lines out;
static struct line_src self, klog;
static struct session ses[MAX_SESSIONS];
static struct ns16550 uart;
static bool irq_mode, klog_mode;
static uint64_t irqs, klog_dropped;
static uint64_t spare;                  /* where a capability item lands */
static char klog_buf[512];
static unsigned klog_pos, klog_len;
static uint8_t copy[PAGE];              /* a client's bytes, copied out of its page before use */

/* A line of the driver's own. */
static __attribute__((format(printf, 1, 2))) void say(const char *fmt, ...)
{
	char b[200];
	va_list ap;

	va_start(ap, fmt);
	int n = fmt_vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(b) - 1)
		n = sizeof(b) - 1;
	lines_put(&out, &self, b, (size_t)n);
}

/* ---- output and input ---- */

/* Kernel-log bytes into the stream while there is room. */
static void klog_pump(void)
{
	for (unsigned rounds = 0; klog_mode && rounds < 64; rounds++) {
		if (klog_pos == klog_len) {
			uint64_t dropped = 0;
			long n = l4_debug_log_read(klog_buf, sizeof(klog_buf), &dropped);
			if (dropped) {
				klog_dropped += dropped;
				say("uart: the kernel log dropped %lu bytes\n", (unsigned long)dropped);
			}
			if (n <= 0)
				return;
			klog_pos = 0;
			klog_len = (unsigned)n;
		}
		size_t k = lines_put(&out, &klog, klog_buf + klog_pos, klog_len - klog_pos);
		klog_pos += (unsigned)k;
		if (klog_pos < klog_len)
			return;         /* no room: the UART's interrupt comes back here */
	}
}

static void forget(struct session *s, const char *why);

/* Ring a session's doorbell; a client that went away is forgotten. */
static void ring_bell(struct session *s)
{
	if (l4_signal(s->ntf, L4_CONS_DOORBELL) < 0)
		forget(s, "went away");
}

/* After every event: the UART's FIFO filled, doorbells rung for what waits. */
static void after(void)
{
	klog_pump();
	if (irq_mode)
		ns16550_tx(&uart, &tx, true);
	else {
		ns16550_rx(&uart, &rx);
		ns16550_tx_drain(&uart, &tx);
	}
	for (unsigned i = 0; i < MAX_SESSIONS; i++) {
		struct session *s = &ses[i];
		if (s->open && s->want_rx && ring_count(&rx)) {
			s->want_rx = false;
			ring_bell(s);
		}
		if (s->open && s->want_tx && ring_room(&tx) >= LINES_WORST + 64) {
			s->want_tx = false;
			ring_bell(s);
		}
	}
}

/* ---- sessions ---- */

static void forget(struct session *s, const char *why)
{
	unsigned i = (unsigned)(s - ses);

	if (!s->open)
		return;
	/* Every copy of its capability goes, then the page leaves every client. */
	l4_task_unmap(L4_ENV_CAP_TASK, l4_cap_fpage(s->cap, 0, L4_RIGHTS_ALL), 0);
	l4_task_cap_delete(L4_ENV_CAP_TASK, s->cap);
	l4_task_cap_delete(L4_ENV_CAP_TASK, s->ntf);
	l4_cap_free(s->cap);
	l4_cap_free(s->ntf);
	l4_task_unmap(L4_ENV_CAP_TASK, l4_fpage((uint64_t)pages[i], 12, L4_FP_RWX), 0);
	lines_remove(&out, &s->out);
	s->open = false;
	s->gen++;
	if (why)
		say("uart: session %u ended: its client %s\n", i, why);
}

/* Sessions whose client's task ended: the kernel emptied our copy of its notification. */
static void sweep(void)
{
	for (unsigned i = 0; i < MAX_SESSIONS; i++) {
		unsigned type = 0, rights = 0;
		if (ses[i].open && (l4_task_cap_info(L4_ENV_CAP_TASK, ses[i].ntf, &type, &rights) < 0 ||
				    type != L4_OBJ_NOTIFICATION))
			forget(&ses[i], "went away");
	}
}

static struct session *opening;         /* the session of the OPEN being answered */

static uint64_t open_session(uint64_t tag, struct l4_msg *m)
{
	unsigned type = 0, rights = 0;

	if (l4_tag_words(tag) < 1 || l4_tag_items(tag) != 1 || m->mr[0] ||
	    (m->mr[1] & L4_ITEM_TYPE_MASK) != L4_ITEM_CAP || m->mr[2] != spare ||
	    l4_task_cap_info(L4_ENV_CAP_TASK, spare, &type, &rights) < 0 || type != L4_OBJ_NOTIFICATION ||
	    !(rights & L4_RIGHT_W)) {
		l4_task_cap_delete(L4_ENV_CAP_TASK, spare);
		return l4_tag(L4_EINVAL, 0, 0);
	}
	sweep();
	struct session *s = 0;
	unsigned theirs = 0;
	for (unsigned i = 0; i < MAX_SESSIONS; i++) {
		theirs += ses[i].open && ses[i].client == m->badge;
		if (!ses[i].open && !s)
			s = &ses[i];
	}
	if (m->badge && theirs >= L4_CONS_CLIENT_SESSIONS)
		s = 0;
	uint64_t cap = s ? l4_cap_alloc() : 0, next = cap ? l4_cap_alloc() : 0;
	unsigned i = s ? (unsigned)(s - ses) : 0;
	if (!next || l4_task_cap_copy(L4_ENV_CAP_TASK, L4_ENV_CAP_SERVER, cap, L4_RIGHT_W,
				      L4_CONS_BADGE(s->gen, i)) < 0 || !lines_add(&out, &s->out)) {
		l4_task_cap_delete(L4_ENV_CAP_TASK, cap);
		l4_cap_free(cap);
		l4_cap_free(next);
		l4_task_cap_delete(L4_ENV_CAP_TASK, spare);
		return l4_tag(L4_ENOMEM, 0, 0);
	}
	s->open = true;
	s->client = m->badge;
	s->want_rx = s->want_tx = false;
	s->cap = cap;
	s->ntf = spare;
	spare = next;
	memset(pages[i], 0, PAGE);      /* also maps it here, so that it can be passed on */
	opening = s;
	m->mr[0] = PAGE;
	m->mr[1] = l4_item_cap(L4_RIGHT_W, 0);
	m->mr[2] = cap;
	m->mr[3] = l4_item_mem(0, 0);
	m->mr[4] = l4_fpage((uint64_t)pages[i], 12, L4_FP_R | L4_FP_W);
	return l4_tag(0, 1, 2);
}

/* [off, off + len) inside the page? */
static bool in_page(uint64_t off, uint64_t len)
{
	return off <= PAGE && len <= PAGE - off;
}

static uint64_t session_request(struct session *s, uint64_t label, unsigned words, struct l4_msg *m)
{
	unsigned i = (unsigned)(s - ses);
	uint64_t off = m->mr[0], len = m->mr[1], flags = m->mr[2];

	switch (label) {
	case L4_CONS_WRITE: {
		if (words < 3 || flags & ~L4_CONS_ARM)
			return l4_tag(L4_EINVAL, 0, 0);
		if (!in_page(off, len))
			return l4_tag(L4_ERANGE, 0, 0);
		/* Once, out of the client's reach; the bytes are only bytes. */
		memcpy(copy, pages[i] + off, len);
		size_t n = lines_put(&out, &s->out, copy, len);
		s->want_tx = n < len && (flags & L4_CONS_ARM);
		m->mr[0] = n;
		return l4_tag(0, 1, 0);
	}
	case L4_CONS_READ: {
		if (words < 3 || flags & ~L4_CONS_ARM)
			return l4_tag(L4_EINVAL, 0, 0);
		if (!in_page(off, len))
			return l4_tag(L4_ERANGE, 0, 0);
		uint64_t n = 0;
		uint8_t c;
		while (n < len && ring_get(&rx, &c))
			pages[i][off + n++] = c;
		s->want_rx = !n && (flags & L4_CONS_ARM);
		m->mr[0] = n;
		return l4_tag(0, 1, 0);
	}
	case L4_CONS_CLOSE:
		forget(s, 0);
		return l4_tag(0, 0, 0);
	default:
		return l4_tag(L4_ENOSYS, 0, 0);
	}
}

static uint64_t info(struct l4_msg *m)
{
	unsigned open = 0;

	for (unsigned i = 0; i < MAX_SESSIONS; i++)
		open += ses[i].open;
	m->mr[0] = uart.rx;
	m->mr[1] = uart.rx_dropped;
	m->mr[2] = uart.overrun;
	m->mr[3] = uart.tx;
	m->mr[4] = irqs;
	m->mr[5] = open;
	l4_utcb()->mr[6] = (irq_mode ? L4_CONS_I_IRQ : 0) | (klog_mode ? L4_CONS_I_KLOG : 0) | (uart.dw ? L4_CONS_I_DW : 0);
	l4_utcb()->mr[7] = klog_dropped;
	return l4_tag(0, 8, 0);
}

/*
 * The owner gives the UART back to the kernel: everything this driver and
 * the kernel log hold goes out first, a line left open is ended, the
 * interrupts go off. Then the reply, and the driver ends.
 */
static __attribute__((noreturn)) void release(struct l4_msg *m)
{
	if (irq_mode)
		l4_irq_unbind(L4_ENV_CAP_IRQ);
	ns16550_irq_off(&uart);
	irq_mode = false;
	for (unsigned rounds = 0; rounds < 1000; rounds++) {
		klog_pump();
		ns16550_tx_drain(&uart, &tx);
		if (klog_pos == klog_len && !ring_count(&tx))
			break;
	}
	for (unsigned i = 0; i < MAX_SESSIONS; i++)
		forget(&ses[i], 0);
	lines_remove(&out, &klog);
	lines_remove(&out, &self);
	ns16550_tx_drain(&uart, &tx);
	l4_debug_console(0, 0);
	l4_reply(0, 0, m);
	l4_exit(0);
}

/* One request: the reply's tag, its words in m. */
static uint64_t request(uint64_t tag, struct l4_msg *m)
{
	uint64_t label = l4_tag_label(tag), b = m->badge;
	unsigned words = l4_tag_words(tag);

	opening = 0;
	if (label == L4_CONS_OPEN && !(b & L4_CONS_BADGE_SESSION))
		return open_session(tag, m);
	if (l4_tag_items(tag)) {
		/* A capability nobody asked for (memory items find no window). */
		l4_task_cap_delete(L4_ENV_CAP_TASK, spare);
		return l4_tag(L4_EINVAL, 0, 0);
	}
	if (label == L4_CONS_INFO) {
		sweep();
		return info(m);
	}
	if (label == L4_CONS_RELEASE) {
		if (b)
			return l4_tag(L4_EPERM, 0, 0);
		release(m);
	}
	if (!(b & L4_CONS_BADGE_SESSION))
		return l4_tag(label >= L4_CONS_WRITE && label <= L4_CONS_CLOSE ? L4_ETYPE : L4_ENOSYS, 0, 0);
	unsigned i = (unsigned)(b & 0xff);
	struct session *s = i < MAX_SESSIONS ? &ses[i] : 0;
	if (!s || !s->open || b != L4_CONS_BADGE(s->gen, i))
		return l4_tag(L4_EBADCAP, 0, 0);
	if (label == L4_CONS_OPEN)
		return l4_tag(L4_ETYPE, 0, 0);
	return session_request(s, label, words, m);
}

/* ---- start-up ---- */

static void fail(const char *what, long err)
{
	l4_log("uart: %s (%s): not started\n", what, err ? l4_strerror(err) : "-");
	l4_exit(1);
}

static void setup(uint64_t *ntf)
{
	const struct l4_env_res *dt = l4_env_res(L4_ENV_RES_DTB, 0), *dev = l4_env_res(L4_ENV_RES_DEVICE, 0);
	struct fdt f;
	struct uart_dt d;
	long r;

	l4_capalloc_init(L4_ENV_CAP_FIRST_FREE, (1UL << CAPS_LOG2) - L4_ENV_CAP_FIRST_FREE);
	lines_init(&out, &tx);
	lines_add(&out, &self);
	lines_add(&out, &klog);
	if (!dt || !dev)
		fail("no device tree or no registers given", 0);
	if ((r = fdt_init(&f, (const void *)dt->va, dt->size)) || (r = uart_dt_find(&f, &d)))
		fail("no UART of the 16550 family in the device tree", 0);
	uint64_t span = (d.dw ? 32UL : 8UL) << d.reg_shift;
	if (d.base < dev->pa || d.base - dev->pa > dev->size || span > dev->size - (d.base - dev->pa))
		fail("the registers given are not the device tree's UART", 0);
	uart = (struct ns16550){ .base = (volatile uint8_t *)(dev->va + (d.base - dev->pa)), .shift = d.reg_shift,
				 .width = d.reg_io_width, .fifo = d.fifo, .dw = d.dw };
	ns16550_init(&uart);

	/* One notification for the interrupt and the kernel log, bound to this thread. */
	*ntf = l4_cap_alloc();
	spare = l4_cap_alloc();
	if ((r = l4_factory_create_notification(L4_ENV_CAP_FACTORY, *ntf)) < 0)
		fail("no notification", r);
	struct l4_msg m = { { *ntf, 0, 0, 0, 0, 0 }, 0 };
	if ((r = l4_call(L4_ENV_CAP_THREAD, L4_THREAD_BIND, 1, &m)) < 0)
		fail("cannot bind its notification", r);
	long irq_err = -L4_EBADCAP;
	unsigned source = 0;
	if (l4_env_has_cap(L4_ENV_CAP_IRQ) && !(irq_err = l4_irq_info(L4_ENV_CAP_IRQ, &source, 0, 0)) &&
	    source != d.irq)
		irq_err = -L4_EINVAL;   /* not the device tree's interrupt */
	if (!irq_err)
		irq_err = l4_irq_bind(L4_ENV_CAP_IRQ, *ntf, IRQ_BIT);
	irq_mode = !irq_err;
	ns16550_rx_irq(&uart, irq_mode);
	long klog_err = l4_debug_console(*ntf, KLOG_BIT);
	klog_mode = !klog_err;

	say("uart: %s at %#lx, reg-shift %u, reg-io-width %u, irq %u: ", d.dw ? "DesignWare 8250" : "16550",
	    (unsigned long)d.base, d.reg_shift, d.reg_io_width, d.irq);
	if (irq_mode)
		say("interrupts");
	else
		say("polled (no interrupts: %s)", l4_strerror(irq_err));
	if (klog_mode)
		say("; the kernel's output is ours\n");
	else
		say("; the kernel writes its own (%s)\n", l4_strerror(klog_err));
}

int main(void)
{
	uint64_t ntf = 0;

	setup(&ntf);
	after();
	struct l4_utcb *u = l4_utcb();
	struct l4_msg m = { { 0 }, 0 };
	uint64_t rtag = 0;
	bool reply = false;
	for (;;) {
		u->rcv_caps = l4_rcv_caps(spare, 1);
		u->rcv_mem = 0;
		unsigned to = irq_mode ? L4_TIMEOUT_NEVER : l4_timeout_us(POLL_US);
		long tag = l4_ipc(l4_ipc_word(reply ? L4_IPC_REPLY_WAIT : L4_IPC_RECV, L4_ENV_CAP_SERVER,
					      L4_TIMEOUT_NEVER, to), rtag, &m);
		if (tag < 0 && reply && l4_tag_items(rtag)) {
			/* Either the reply's items found no window (the caller still
			 * waits: tell it, and the session is not opened), or the
			 * receive after it failed. */
			struct l4_msg e = { { 0 }, 0 };
			if (l4_reply((uint64_t)-tag, 0, &e) == 0 && opening) {
				forget(opening, 0);
				reply = false;
				continue;
			}
		}
		reply = false;
		if (tag == -L4_EBADCAP || tag == -L4_ETYPE || tag == -L4_EPERM) {
			l4_log("uart: cannot receive on its endpoint (%s): stopping\n", l4_strerror(tag));
			l4_exit(2);
		}
		if (tag >= 0 && (tag & L4_TAG_NOTIFY)) {
			if (m.badge & IRQ_BIT) {
				irqs++;
				ns16550_irq(&uart, &rx, &tx);
				l4_irq_ack(L4_ENV_CAP_IRQ);
			}
		} else if (tag >= 0) {
			rtag = request((uint64_t)tag, &m);
			reply = true;
		}
		after();
	}
}
