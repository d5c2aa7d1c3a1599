/*
 * stdio.c - buffered console output and line input for tasks (l4/stdio.h):
 * through a console session (l4/console.h) when the task has one, else
 * through the kernel's debug object.
 */
#include <l4/capalloc.h>
#include <l4/console.h>
#include <l4/env.h>
#include <l4/errno.h>
#include <l4/factory.h>
#include <l4/ipc.h>
#include <l4/ledit.h>
#include <l4/rm.h>
#include <l4/stdio.h>
#include <l4/sys.h>
#include <l4/task.h>

#include <common/fmt.h>

#define OPEN_TIMEOUT_US 2000000UL       /* a console driver answers at once, or not at all */

static char outbuf[256];
static unsigned outlen;
static struct l4_console own, *cons;
static int cons_tried;

void l4_stdio_set_console(struct l4_console *c)
{
	cons = c;
	cons_tried = 1;
}

/*
 * The task's console session: the one set, or for a loaded program given a
 * console service (L4_ENV_CAP_CONSOLE) one opened on first use, its page
 * in an area of its region mapper and its doorbell from its factory. NULL:
 * the debug object it is.
 */
struct l4_console *l4_stdio_console(void)
{
	if (cons || cons_tried)
		return cons;
	cons_tried = 1;
	const struct l4_env *e = l4_env();
	if (!e || !(e->flags & L4_ENV_F_RM) || !l4_env_has_cap(L4_ENV_CAP_CONSOLE) ||
	    !l4_env_has_cap(L4_ENV_CAP_FACTORY))
		return 0;
	long va = l4_rm_reserve(L4_ENV_CAP_RM, 0, L4_CONS_PAGE, L4_RM_SEARCH);
	uint64_t ntf = l4_cap_alloc(), ses = l4_cap_alloc();
	if (va > 0 && ntf && ses && !l4_factory_create_notification(L4_ENV_CAP_FACTORY, ntf) &&
	    !l4_console_open(L4_ENV_CAP_CONSOLE, ntf, (uint64_t)va, ses, OPEN_TIMEOUT_US, &own))
		return cons = &own;
	if (va > 0)
		l4_rm_unreserve(L4_ENV_CAP_RM, (uint64_t)va);
	if (ntf) {
		l4_task_cap_delete(L4_ENV_CAP_TASK, ntf);       /* the notification dies with the task */
		l4_cap_free(ntf);
	}
	l4_cap_free(ses);
	return 0;
}

static void write_out(const char *p, size_t n)
{
	struct l4_console *c = l4_stdio_console();

	if (!c || l4_console_write(c, p, n) < 0)
		l4_debug_write_all(p, n);
}

void l4_flush(void)
{
	if (outlen)
		write_out(outbuf, outlen);
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

/* Input read ahead from the console session. */
static char inbuf[64];
static unsigned in_pos, in_len;

/* The next byte of input: from the session (blocking on its doorbell);
 * else from the kernel's console, which does not wait, so this polls,
 * sleeping 10 ms between looks (on idle_sel), or yielding without one. */
int l4_getchar(void)
{
	struct l4_console *c = l4_stdio_console();

	l4_flush();
	if (c) {
		if (in_pos == in_len) {
			long n = l4_console_read(c, inbuf, sizeof(inbuf), 1);
			if (n < 0)
				return (int)n;
			in_pos = 0;
			in_len = (unsigned)n;
		}
		return (unsigned char)inbuf[in_pos++];
	}
	for (;;) {
		int ch = l4_debug_getc();
		if (ch >= 0 || ch != -L4_EAGAIN)
			return ch;
		uint64_t bits;
		if (idle_sel)
			l4_wait_timeout(idle_sel, l4_timeout_us(10000), &bits);
		else
			l4_yield();
	}
}

int l4_stdio_interrupted(void)
{
	struct l4_console *c = l4_stdio_console();

	if (!c)
		return 0;
	/* What is unread moves to the front; what arrived since fills the rest, without waiting. */
	unsigned n = in_len - in_pos;
	for (unsigned i = 0; i < n; i++)
		inbuf[i] = inbuf[in_pos + i];
	in_pos = 0;
	in_len = n;
	if (in_len < sizeof(inbuf)) {
		long r = l4_console_read(c, inbuf + in_len, sizeof(inbuf) - in_len, 0);
		if (r > 0)
			in_len += (unsigned)r;
	}
	for (unsigned i = in_len; i > 0; i--)
		if (inbuf[i - 1] == 0x03) {
			in_pos = i;             /* the ^C and what came before it are dropped */
			return 1;
		}
	return 0;
}

static void echo_fn(const char *s, size_t n, void *ctx)
{
	(void)ctx;
	while (n--)
		out_fn(*s++, 0);
	l4_flush();
}

int l4_readline_hist(char *buf, int size, struct l4_history *h)
{
	struct l4_ledit e;

	if (size < 1)
		return -L4_EINVAL;
	l4_ledit_start(&e, buf, size, h, echo_fn, 0);
	for (;;) {
		int c = l4_getchar();
		if (c < 0)
			return c;
		if (l4_ledit_key(&e, c))
			return e.n;
	}
}

int l4_readline(char *buf, int size)
{
	return l4_readline_hist(buf, size, 0);
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
