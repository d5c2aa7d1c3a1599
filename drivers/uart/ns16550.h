/*
 * ns16550.h - the 16550/8250 family at user level: registers reg-shift
 * apart, reg-io-width bytes wide (QEMU's ns16550a: 0/1; the VisionFive2's
 * DesignWare APB UART: 2/4), receive into a ring, send from a ring through
 * the transmit FIFO, the interrupt causes, and the DesignWare's busy
 * detect. Register layout: the PC16550D data sheet (National, 1995),
 * section 8; the DesignWare DW_apb_uart databook for USR and busy detect.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "lines.h"

/* Register access other than MMIO: a host test's model of a UART. */
struct ns16550_io {
	uint32_t (*rd)(void *ctx, unsigned offset, unsigned width);
	void (*wr)(void *ctx, unsigned offset, unsigned width, uint32_t v);
	void *ctx;
};

struct ns16550 {
	volatile uint8_t *base;         /* register 0 */
	const struct ns16550_io *io;    /* NULL: the registers at base (the driver) */
	unsigned shift, width;          /* reg-shift, reg-io-width */
	unsigned fifo;                  /* transmit FIFO depth */
	bool dw;                        /* DesignWare: USR (register 31), busy detect */
	uint8_t ier;                    /* what IER holds */
	/* counts */
	uint64_t rx, rx_dropped;        /* bytes received; of them dropped (the ring was full) */
	uint64_t overrun;               /* line-status overrun errors: bytes the UART itself lost */
	uint64_t tx;                    /* bytes sent */
	uint64_t busy;                  /* DesignWare busy-detect interrupts, and LCR writes retried */
};

/* 8 data bits, no parity, 1 stop bit (the divisor, hence the baud rate,
 * stays as firmware set it); FIFOs on and cleared; interrupts off. */
void ns16550_init(struct ns16550 *u);
/* Interrupts on receive (and line status) on or off. */
void ns16550_rx_irq(struct ns16550 *u, bool on);
/* Every interrupt of the UART off (handing it back to a polling owner). */
void ns16550_irq_off(struct ns16550 *u);
/* Everything the UART has received into rx (counting what does not fit). */
void ns16550_rx(struct ns16550 *u, struct ring *rx);
/* Fill the transmit FIFO from tx if it is empty; with irq, the transmit
 * interrupt is on exactly while tx has bytes left. */
void ns16550_tx(struct ns16550 *u, struct ring *tx, bool irq);
/* Send all of tx, waiting for the FIFO (polled mode). */
void ns16550_tx_drain(struct ns16550 *u, struct ring *tx);
/* The interrupt: every pending cause (receive, line status, transmit, modem
 * status, busy detect), until the UART says none is left. */
void ns16550_irq(struct ns16550 *u, struct ring *rx, struct ring *tx);
