/*
 * uart_model.h - a register model of an 8250/16550 UART for host tests of
 * code that drives one (the kernel's early console; later the user-level
 * driver), in two shapes: QEMU virt's ns16550a (registers a byte apart, byte
 * accesses) and the VisionFive2's DesignWare APB UART (snps,dw-apb-uart:
 * reg-shift 2, reg-io-width 4, and busy detect: a write to LCR while the
 * UART is busy is ignored and raises the busy-detect interrupt, IIR 0x7;
 * USR at register 31 tells whether it is busy).
 *
 * Code under test reaches it through arch/mmio.h's accessors, which the
 * host's fake arch sends to model_read/model_write: the model sees every
 * access's offset and width and counts what a real UART would not accept.
 * Time is the code's polling: each read of LSR is one step of the
 * transmitter, which needs `tx_steps` steps per byte.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define UART_MODEL_REGS 32              /* register numbers 0..31 (USR is 31) */

struct uart_model {
	uint8_t mem[UART_MODEL_REGS << 2];      /* the registers' addresses (contents unused) */
	unsigned shift, width;                  /* as the device tree says: reg-shift, reg-io-width */
	bool dw;                                /* DesignWare: USR and busy detect */
	unsigned tx_steps;                      /* LSR reads per transmitted byte */

	char tx[4096];                          /* bytes transmitted */
	unsigned ntx;
	char rx[256];                           /* bytes waiting to be received */
	unsigned nrx, rx_next;
	unsigned tx_left;                       /* steps until THR is empty again */
	uint8_t ier, lcr, mcr, scr, iir_busy;

	/* What a real UART would not have taken: */
	unsigned bad_width;                     /* an access of another width than reg-io-width */
	unsigned bad_offset;                    /* an address that is not a register */
	unsigned overruns;                      /* a THR write while it was not empty (byte lost) */
	unsigned busy_detects;                  /* an LCR write while busy (ignored) */
	unsigned writes[UART_MODEL_REGS];       /* writes per register */
	unsigned lsr_reads;
};

/* Reset `m` to an idle UART of the given shape; it becomes the one the accessors reach. */
void uart_model_init(struct uart_model *m, unsigned shift, unsigned width, bool dw, unsigned tx_steps);
/* Bytes arriving on the line. */
void uart_model_receive(struct uart_model *m, const char *s);
/* True if nothing a real UART would refuse happened. */
bool uart_model_clean(const struct uart_model *m);
