/*
 * console.c - kernel console output and input (console.h). Output goes to
 * SBI's console until console_use_uart(); '\n' becomes "\r\n".
 */
#include <stdarg.h>

#include <arch/cpu.h>
#include <arch/mmu.h>
#include <arch/timer.h>

#include "console.h"
#include "dev/ns16550.h"
#include "lib/board.h"
#include <common/fmt.h>

static struct ns16550 uart;
static bool have_uart;

void console_use_uart(const struct board_uart *u)
{
	uart.base = ioremap(u->base, u->size ? u->size : 0x100);
	uart.shift = u->reg_shift;
	uart.width = u->reg_io_width;
	have_uart = true;
}

static void raw_putc(char c)
{
	if (have_uart)
		ns16550_putc(&uart, c);
	else
		firmware_putc(c);
}

void console_putc(char c)
{
	if (c == '\n')
		raw_putc('\r');
	raw_putc(c);
}

void console_write(const char *s, unsigned long len)
{
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
	return try_getc();
}

static void out_fn(char c, void *ctx)
{
	console_putc(c);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vformat(out_fn, NULL, fmt, ap);
	va_end(ap);
	return n;
}
