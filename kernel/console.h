/*
 * console.h - the kernel console: SBI's console until the device tree named
 * the UART, then the UART itself (dev/ns16550.c).
 */
#pragma once

struct board_uart;

/* Use the UART described by the board (mapped through ioremap). */
void console_use_uart(const struct board_uart *u);
void console_putc(char c);
void console_write(const char *s, unsigned long len);
/* A character that has arrived, or -1 (never waits). */
int console_trygetc(void);

__attribute__((format(printf, 1, 2))) int kprintf(const char *fmt, ...);
