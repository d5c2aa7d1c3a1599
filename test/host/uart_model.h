/*
 * uart_model.h - a register model of an 8250/16550 UART for host tests of
 * code that drives one (the kernel's early console, kernel/dev/ns16550.c;
 * the user-level driver, drivers/uart/ns16550.c), in two shapes: QEMU virt's
 * ns16550a (registers a byte apart, byte accesses) and the VisionFive2's
 * DesignWare APB UART (snps,dw-apb-uart: reg-shift 2, reg-io-width 4, and
 * busy detect: a write to LCR while the UART is busy is ignored and raises
 * the busy-detect interrupt, IIR 0x7, until USR, register 31, is read; USR
 * also tells whether it is busy).
 *
 * Two ways in, both seeing every access's offset and width and counting what
 * a real UART would not accept:
 *  - arch/mmio.h's accessors, which the host's fake arch
 *    (test/host/fakearch/arch/mmio.h) sends to model_read/model_write on the
 *    model last initialised, at addresses in its mem[];
 *  - uart_model_rd/uart_model_wr, the shape of the driver's struct
 *    ns16550_io hook, with the model as ctx and register offsets.
 *
 * Time is the code's polling: each read of LSR is one step of the
 * transmitter, which needs `tx_steps` steps per byte (0: everything written
 * so far has gone out at the next LSR read). The transmitter holds one byte
 * until FCR enables the FIFOs, then `fifo` bytes; THR written while it is
 * full loses the byte (counted). Interrupts are levels, as IIR reports them
 * by priority: line status (LSR's overrun), received data, THR empty, busy
 * detect; each only while its IER bit is set (busy detect: always).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_MODEL_REGS 32              /* register numbers 0..31 (USR is 31) */

/* Register numbers (offset >> reg-shift). */
enum { UM_RBR = 0, UM_THR = 0, UM_IER = 1, UM_IIR = 2, UM_FCR = 2, UM_LCR = 3, UM_MCR = 4, UM_LSR = 5,
       UM_MSR = 6, UM_SCR = 7, UM_USR = 31 };

struct uart_model {
	uint8_t mem[UART_MODEL_REGS << 2];      /* the registers' addresses (contents unused) */
	unsigned shift, width;                  /* as the device tree says: reg-shift, reg-io-width */
	bool dw;                                /* DesignWare: USR and busy detect */
	unsigned tx_steps;                      /* LSR reads per transmitted byte */
	unsigned fifo;                          /* FIFO depth once FCR enables it (16) */

	char tx[8192];                          /* bytes THR took */
	unsigned ntx;
	char rx[8192];                          /* bytes received: read up to rx_next, the rest waiting */
	unsigned nrx, rx_next;
	unsigned tx_queued, tx_left;            /* bytes not yet sent; steps left on the first */
	uint8_t ier, lcr, mcr, fcr, scr;
	bool iir_busy;                          /* the busy-detect interrupt, until USR is read */
	bool lsr_oe;                            /* LSR's overrun error (bytes the UART lost), until LSR is read */
	unsigned rx_busy;                       /* LCR writes still to find the UART busy receiving
						 * (a line that keeps sending); each refused one uses one up */

	/* What a real UART would not have taken: */
	unsigned bad_width;                     /* an access of another width than reg-io-width */
	unsigned bad_offset;                    /* an address that is not a register */
	unsigned overruns;                      /* a THR write while the transmitter was full (byte lost) */
	unsigned busy_detects;                  /* an LCR write while busy (ignored) */
	unsigned writes[UART_MODEL_REGS];       /* writes and reads per register */
	unsigned reads[UART_MODEL_REGS];
};

/* Reset `m` to an idle UART of the given shape, FIFOs off, LCR 8N1 as
 * firmware left it; it becomes the one the arch/mmio.h accessors reach. */
void uart_model_init(struct uart_model *m, unsigned shift, unsigned width, bool dw, unsigned tx_steps);
/* Bytes arriving on the line: a string, or n bytes. */
void uart_model_receive(struct uart_model *m, const char *s);
void uart_model_receive_bytes(struct uart_model *m, const void *p, size_t n);
/* True if nothing a real UART would refuse happened. */
bool uart_model_clean(const struct uart_model *m);

/* A register access at `offset` from register 0 (struct ns16550_io's rd and wr; ctx is the model). */
uint32_t uart_model_rd(void *ctx, unsigned offset, unsigned width);
void uart_model_wr(void *ctx, unsigned offset, unsigned width, uint32_t v);
