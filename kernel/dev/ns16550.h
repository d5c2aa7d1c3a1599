/*
 * dev/ns16550.h - the 8250/16550 UART as the kernel console (polled).
 * Registers are (1 << reg_shift) bytes apart and accessed reg_io_width
 * bytes wide: QEMU virt's ns16550a uses 0/1, the VisionFive2's DesignWare
 * APB UART 2/4. The firmware has set the baud rate; we keep it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct ns16550 {
	volatile uint8_t *base;
	unsigned shift;
	unsigned width;
};

void ns16550_putc(const struct ns16550 *u, char c);
/* n bytes of s, each '\n' as "\r\n" (the console's lines). */
void ns16550_write_crlf(const struct ns16550 *u, const char *s, unsigned long n);
/* A received character, or -1 if none is waiting. */
int ns16550_getc(const struct ns16550 *u);
