/* dev/ns16550.c - polled 16550 UART console (see ns16550.h). */
#include <arch/mmio.h>

#include "ns16550.h"

#define RBR 0   /* receive buffer (read) */
#define THR 0   /* transmit holding (write) */
#define LSR 5   /* line status */
#define LSR_DR 0x01     /* data ready */
#define LSR_THRE 0x20   /* transmit holding register empty */

/* Only RBR, THR and LSR are touched: never LCR, which the DesignWare UART
 * ignores (and answers with a busy-detect interrupt) while it is busy. */
static uint32_t reg_read(const struct ns16550 *u, unsigned reg)
{
	volatile uint8_t *p = u->base + (reg << u->shift);
	if (u->width == 4)
		return mmio_read32(p);
	return mmio_read8(p);
}

static void reg_write(const struct ns16550 *u, unsigned reg, uint32_t v)
{
	volatile uint8_t *p = u->base + (reg << u->shift);
	if (u->width == 4)
		mmio_write32(p, v);
	else
		mmio_write8(p, (uint8_t)v);
}

void ns16550_putc(const struct ns16550 *u, char c)
{
	while (!(reg_read(u, LSR) & LSR_THRE))
		;
	reg_write(u, THR, (uint8_t)c);
}

void ns16550_write_crlf(const struct ns16550 *u, const char *s, unsigned long n)
{
	volatile uint8_t *lsr = u->base + (LSR << u->shift), *thr = u->base + (THR << u->shift);

	if (u->width == 4) {
		for (; n; n--, s++) {
			if (*s == '\n')
				ns16550_putc(u, '\r');
			ns16550_putc(u, *s);
		}
		return;
	}
	/* Byte-wide registers (QEMU's): the loop without a call a byte. */
	for (; n; n--, s++) {
		if (*s == '\n') {
			while (!(mmio_read8(lsr) & LSR_THRE))
				;
			mmio_write8(thr, '\r');
		}
		while (!(mmio_read8(lsr) & LSR_THRE))
			;
		mmio_write8(thr, (uint8_t)*s);
	}
}

int ns16550_getc(const struct ns16550 *u)
{
	if (!(reg_read(u, LSR) & LSR_DR))
		return -1;
	return (int)(reg_read(u, RBR) & 0xff);
}
