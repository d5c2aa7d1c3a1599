/*
 * console.c - kernel console output and input (console.h). Output goes to
 * SBI's console until console_use_uart(), then to the UART; '\n' becomes
 * "\r\n". Once a user-level driver owns the UART (console_handover), output
 * goes into the kernel log instead, a ring the driver empties
 * (console_log_read) when the log's notification source tells it to.
 */
#include <stdarg.h>

#include <l4/kobj.h>

#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/timer.h>

#include "console.h"
#include "dev/ns16550.h"
#include "obj/notification.h"
#include "lib/board.h"
#include <common/fmt.h>

static struct ns16550 uart;
static bool have_uart;

/*
 * Until the device tree has named the console (console_use_uart or
 * console_use_firmware), output waits here: the banner, printed before the
 * tree is read, then reaches the UART with the board's report instead of
 * going through the firmware's console one ecall (~390 instructions) a byte.
 * A panic before that (console_seize) sends it to the firmware first.
 */
static struct {
	char buf[256];
	unsigned n;
	bool done;
} early;

static void early_flush(void)
{
	for (unsigned i = 0; i < early.n; i++)
		if (have_uart)
			ns16550_putc(&uart, early.buf[i]);
		else
			firmware_putc(early.buf[i]);
	early.n = 0;
	early.done = true;
}

/* The log's bytes: only [rd, wr) is ever read, so boot need not zero them. */
static char klog_buf[L4_DEBUG_LOG_SIZE] __attribute__((section(".noinit")));

static struct {
	uint64_t rd, wr;                /* bytes read and written, ever (rd <= wr <= rd + size) */
	uint64_t dropped;               /* since the last read */
	bool owned;                     /* a user-level driver owns the UART */
	struct notification_source sig;
} klog;
bool console_log_fresh;                 /* the log got bytes since the last signal */

void console_use_uart(const struct board_uart *u)
{
	uart.base = ioremap(u->base, u->size ? u->size : 0x100);
	uart.shift = u->reg_shift;
	uart.width = u->reg_io_width;
	have_uart = true;
	early_flush();
}

void console_use_firmware(void)
{
	early_flush();
}

static void raw_putc(char c)
{
	if (have_uart) {
		ns16550_putc(&uart, c);
	} else if (!early.done) {
		if (early.n == sizeof(early.buf))
			early_flush();          /* more than a banner: as it comes */
		else
			early.buf[early.n++] = c;
	}
	if (!have_uart && early.done)
		firmware_putc(c);
}

static void uart_putc(char c)
{
	if (c == '\n')
		raw_putc('\r');
	raw_putc(c);
}

static void log_putc(char c)
{
	if (klog.wr - klog.rd == sizeof(klog_buf)) {
		klog.rd++;              /* full: the oldest byte goes */
		klog.dropped++;
	}
	klog_buf[klog.wr++ % sizeof(klog_buf)] = c;
	console_log_fresh = true;
}

void console_putc(char c)
{
	if (klog.owned)
		log_putc(c);
	else
		uart_putc(c);
}

/* The log's bytes to the UART (the driver is gone or the kernel panics). */
static void log_flush(void)
{
	while (klog.rd < klog.wr)
		uart_putc(klog_buf[klog.rd++ % sizeof(klog_buf)]);
}

static void log_unbound(struct notification_source *s)
{
	(void)s;        /* the driver's notification is gone: the log keeps filling */
}

void console_handover(struct notification *n, uint64_t bits)
{
	klog.sig.unbound = log_unbound;
	notification_source_bind(&klog.sig, n, bits);
	klog.owned = true;
	console_log_fresh = klog.wr != klog.rd;
}

void console_takeback(void)
{
	notification_source_unbind(&klog.sig);
	klog.owned = false;
	log_flush();
}

void console_seize(void)
{
	if (!early.done)
		early_flush();
	if (klog.owned && klog.rd < klog.wr)
		uart_putc('\n');       /* the driver may have been mid-line */
	klog.owned = false;
	log_flush();
}

size_t console_log_read(char *dst, size_t len, uint64_t *dropped)
{
	size_t n = 0;

	while (n < len && klog.rd < klog.wr)
		dst[n++] = klog_buf[klog.rd++ % sizeof(klog_buf)];
	*dropped = klog.dropped;
	klog.dropped = 0;
	return n;
}

bool console_log_kick_pending(void)
{
	return console_log_fresh && klog.sig.n;
}

void console_log_signal(void)
{
	console_log_fresh = false;
	notification_source_signal(&klog.sig);
}

void console_write(const char *s, unsigned long len)
{
	if (have_uart && !klog.owned) {
		ns16550_write_crlf(&uart, s, len);
		return;
	}
	while (len--)
		console_putc(*s++);
}

static int try_getc(void)
{
	if (have_uart)
		return ns16550_getc(&uart);
	return firmware_getc();
}

int console_trygetc(void)
{
	if (klog.owned)
		return -2;
	return try_getc();
}

/* kprintf's output, written a buffer at a time (console_write). */
struct kprintf_buf {
	unsigned n;
	char b[80];
};

static void out_fn(char c, void *ctx)
{
	struct kprintf_buf *k = ctx;

	k->b[k->n++] = c;
	if (k->n == sizeof(k->b)) {
		console_write(k->b, k->n);
		k->n = 0;
	}
}

int kprintf(const char *fmt, ...)
{
	struct kprintf_buf k;
	va_list ap;
	int n;

	k.n = 0;
	va_start(ap, fmt);
	n = fmt_vformat(out_fn, &k, fmt, ap);
	va_end(ap);
	console_write(k.b, k.n);
	return n;
}
