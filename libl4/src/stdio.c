/* stdio.c - buffered console output and line input for tasks (l4/stdio.h). */
#include <l4/errno.h>
#include <l4/ipc.h>
#include <l4/stdio.h>
#include <l4/sys.h>

#include <common/fmt.h>

static char outbuf[256];
static unsigned outlen;

void l4_flush(void)
{
	if (outlen)
		l4_debug_write_all(outbuf, outlen);
	outlen = 0;
}

static void out_fn(char c, void *ctx)
{
	outbuf[outlen++] = c;
	if (c == '\n' || outlen == sizeof(outbuf))
		l4_flush();
}

int l4_vprintf(const char *fmt, va_list ap)
{
	return fmt_vformat(out_fn, 0, fmt, ap);
}

int l4_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = l4_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

void l4_puts(const char *s)
{
	l4_printf("%s\n", s);
}

static uint64_t idle_sel;

void l4_stdio_set_idle(uint64_t notification)
{
	idle_sel = notification;
}

/* The next character: the kernel's console does not wait, so this polls,
 * sleeping 10 ms between looks (on idle_sel), or yielding without one. */
static int getc_wait(void)
{
	for (;;) {
		int c = l4_debug_getc();
		if (c >= 0 || c != -L4_EAGAIN)
			return c;
		uint64_t bits;
		if (idle_sel)
			l4_wait_timeout(idle_sel, l4_timeout_us(10000), &bits);
		else
			l4_yield();
	}
}

int l4_readline(char *buf, int size)
{
	int n = 0;

	l4_flush();
	for (;;) {
		int c = getc_wait();
		if (c < 0)
			return c;
		if (c == '\r' || c == '\n') {
			l4_debug_putc('\n');
			break;
		}
		if ((c == 0x7f || c == '\b') && n > 0) {
			n--;
			l4_debug_write_all("\b \b", 3);
		} else if (c >= ' ' && c < 0x7f && n < size - 1) {
			buf[n++] = (char)c;
			l4_debug_putc((char)c);
		}
	}
	buf[n] = '\0';
	return n;
}

void l4_log(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	if (n > 0)
		l4_debug_write_all(buf, (size_t)n);
}
