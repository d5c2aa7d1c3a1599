/*
 * console.h - the kernel console: SBI's console until the device tree named
 * the UART, then the UART itself (dev/ns16550.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct board_uart;

/* Use the UART described by the board (mapped through ioremap). Until this
 * or console_use_firmware, output is held back (the banner: console.c). */
void console_use_uart(const struct board_uart *u);
/* No UART: SBI's console from now on. */
void console_use_firmware(void);
void console_putc(char c);
void console_write(const char *s, unsigned long len);
/* A character that has arrived, -1 if none, -2 while a driver owns the
 * UART (never waits). */
int console_trygetc(void);

struct notification;
/* A user-level driver owns the UART: output goes into the kernel log, and
 * n is signalled with bits when the log gets bytes (at console_log_kick). */
void console_handover(struct notification *n, uint64_t bits);
/* The UART is the kernel's again; the log's bytes are written out. */
void console_takeback(void);
/* The kernel's last words (panic, power-off): straight to the UART from
 * now on, whoever held it; the log's bytes first, on a line of their own. */
void console_seize(void);
/* Move up to len bytes of the log to dst; *dropped = bytes lost since the last read. */
size_t console_log_read(char *dst, size_t len, uint64_t *dropped);
/* Signal the log's notification if bytes arrived (schedule(): a safe point). */
extern bool console_log_fresh;
void console_log_signal(void);
static inline void console_log_kick(void)
{
	if (__builtin_expect(console_log_fresh, 0))
		console_log_signal();
}
bool console_log_kick_pending(void);

__attribute__((format(printf, 1, 2))) int kprintf(const char *fmt, ...);
